// Command run is make bench: it runs each workload of scripts/bench with
// starsock, CPython and native Go (x/sys/unix and net.Conn), interleaved
// round by round so that drift in the machine's load falls on every
// implementation alike, first unpinned and then with both processes
// pinned to one core, and prints per workload the median, min and max of
// each implementation, starsock's throughput ratios and the targets.
//
//	go run ./scripts/bench/run [-rounds 5] [-scale 1] [-only tcp_bulk,udp_pingpong]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	rounds := flag.Int("rounds", 5, "rounds per workload; each round runs every implementation once")
	scale := flag.Float64("scale", 1, "multiplies every workload's count: 0.01 for a quick run")
	only := flag.String("only", "", "comma-separated workloads to run (default all)")
	implNames := flag.String("impls", "", "comma-separated implementations to run (default all: starsock,cpython,go-unix,go-net)")
	modes := flag.String("modes", "unpinned,pinned", "comma-separated: unpinned, pinned (taskset -c 0)")
	starsock := flag.String("starsock", "bin/starsock", "the starsock interpreter")
	native := flag.String("native", "bin/bench-native", "the native Go workloads (scripts/bench/native)")
	python := flag.String("python", "python3", "the CPython interpreter")
	dir := flag.String("dir", "scripts/bench", "the directory holding the workloads' scripts")
	flag.Parse()

	impls, err := selectImplementations(implementations(*starsock, *python, *native, *dir), *implNames)
	if err != nil {
		fatal(err)
	}
	for _, impl := range impls {
		if err := impl.available(); err != nil {
			fatal(err)
		}
	}
	selected, err := selectWorkloads(*only)
	if err != nil {
		fatal(err)
	}
	sockDir, err := os.MkdirTemp("", "starsock-bench")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(sockDir)

	b := &bench{
		impls:   impls,
		rounds:  *rounds,
		scale:   *scale,
		sockDir: sockDir,
		results: make(results),
	}
	printMachine(os.Stdout)
	fmt.Printf("rounds: %d, scale: %g\n", *rounds, *scale)
	for _, mode := range strings.Split(*modes, ",") {
		pinned := mode == "pinned"
		if !pinned && mode != "unpinned" {
			fatal(fmt.Errorf("unknown mode %q (want unpinned or pinned)", mode))
		}
		for _, w := range selected {
			if err := b.runWorkload(w, pinned); err != nil {
				fatal(err)
			}
		}
	}
	b.printTables(os.Stdout, selected)
	b.printTargets(os.Stdout)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

// implementation is one way to run a workload's two ends.
type implementation struct {
	name    string
	command func(workload, role string, args []string) []string
	path    string // what must exist for it to run
}

func (impl implementation) available() error {
	if strings.ContainsRune(impl.path, filepath.Separator) {
		if _, err := os.Stat(impl.path); err != nil {
			return fmt.Errorf("%s: %w (make bench builds it)", impl.name, err)
		}
	}
	return nil
}

// The implementations in the order each round runs them.
const (
	starsockImpl = "starsock"
	cpythonImpl  = "cpython"
	goUnixImpl   = "go-unix"
	goNetImpl    = "go-net"
)

func implementations(starsock, python, native, dir string) []implementation {
	script := func(workload, role, ext string) string {
		return filepath.Join(dir, workload, role+ext)
	}
	nativeAPI := func(api string) func(string, string, []string) []string {
		return func(workload, role string, args []string) []string {
			return append([]string{native, api, workload, role}, args...)
		}
	}
	return []implementation{
		{starsockImpl, func(workload, role string, args []string) []string {
			return append([]string{starsock, script(workload, role, ".star")}, args...)
		}, starsock},
		{cpythonImpl, func(workload, role string, args []string) []string {
			// -u: the READY line must reach the runner before the server blocks.
			return append([]string{python, "-u", script(workload, role, ".py")}, args...)
		}, python},
		{goUnixImpl, nativeAPI("unix"), native},
		{goNetImpl, nativeAPI("net"), native},
	}
}

// selectImplementations keeps the named implementations; starsock, whose
// ratios the tables show, always runs first.
func selectImplementations(all []implementation, names string) ([]implementation, error) {
	if names == "" {
		return all, nil
	}
	keep := map[string]bool{starsockImpl: true}
	for _, name := range strings.Split(names, ",") {
		keep[name] = true
	}
	var selected []implementation
	for _, impl := range all {
		if keep[impl.name] {
			selected = append(selected, impl)
			delete(keep, impl.name)
		}
	}
	for name := range keep {
		if name != starsockImpl {
			return nil, fmt.Errorf("unknown implementation %q", name)
		}
	}
	return selected, nil
}
