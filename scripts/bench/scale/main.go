// Command scale is make bench's scale test: many scripts, each on its own
// Starlark thread in one Go process, each blocked in recv on its own
// socketpair. It reports the memory a blocked script costs (RSS) and how
// long the scripts take to return once their contexts are cancelled.
//
//	go run ./scripts/bench/scale [-n 10000]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// blocked is every script: a socketpair of its own, and a recv on it that
// nothing will answer.
const blocked = `
a, b = socket.socketpair()
ready()
b.recv(1)
`

// The targets: memory per blocked script, and the time for all of them to
// return after cancellation.
const (
	maxRSSPerScript = 32 << 10
	maxReturn       = time.Second
)

func main() {
	n := flag.Int("n", 10_000, "scripts to run at once")
	settle := flag.Duration("settle", time.Second, "how long to let the scripts park before measuring")
	flag.Parse()
	room, err := raiseFileLimit(*n)
	if err != nil {
		fatal(err)
	}
	if fit := int(room / descriptorsPerScript); fit < *n {
		fmt.Printf("scale: the open-file limit (%d) holds %d scripts of %d descriptors each, not %d: running %d\n", room, fit, descriptorsPerScript, *n, fit)
		*n = fit
	}
	if err := run(*n, *settle); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "scale:", err)
	os.Exit(1)
}

// descriptorsPerScript: each script's socketpair is two sockets, and
// the one blocked in recv holds a second descriptor, for the poller.
const descriptorsPerScript = 3

// raiseFileLimit raises the limit on open files as far as the process
// may: the soft limit to the hard one, and, with CAP_SYS_RESOURCE (as
// root), the hard one too, to what n scripts need (at most the kernel's
// fs.nr_open). It returns how many descriptors the scripts may use.
func raiseFileLimit(n int) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	const reserve = 64 // the process's own: stdio, the poller, the runtime
	if want := uint64(n*descriptorsPerScript + reserve); want > lim.Max {
		raised := syscall.Rlimit{Cur: want, Max: want}
		if nrOpen, err := readUint("/proc/sys/fs/nr_open"); err == nil && raised.Max > nrOpen {
			raised = syscall.Rlimit{Cur: nrOpen, Max: nrOpen}
		}
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			fmt.Printf("scale: raised the open-file limit from %d to %d\n", lim.Max, raised.Max)
			return raised.Cur - reserve, nil
		}
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	return lim.Cur - reserve, nil
}

// readUint reads a number from a file such as /proc/sys/fs/nr_open.
func readUint(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
}

func run(n int, settle time.Duration) error {
	inst := socket.New(socket.Options{})
	defer inst.Close()

	var readyCount atomic.Int64
	allReady := make(chan struct{})
	predeclared := builtins.Predeclared(nil)
	predeclared["socket"] = inst.Module()
	predeclared["ready"] = starlark.NewBuiltin("ready", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		if readyCount.Add(1) == int64(n) {
			close(allReady)
		}
		return starlark.None, nil
	})
	_, prog, err := starlark.SourceProgramOptions(builtins.FileOptions, "blocked.star", blocked, predeclared.Has)
	if err != nil {
		return err
	}

	baseRSS, _, baseMem := measure()
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, n)
	returned := make([]time.Time, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, stop := context.WithCancel(parent)
			defer stop()
			thread := &starlark.Thread{Name: "script " + strconv.Itoa(i)}
			thread.SetLocal(builtins.ContextKey, ctx)
			_, errs[i] = prog.Init(thread, predeclared)
			returned[i] = time.Now()
		}()
	}
	select {
	case <-allReady:
	case <-time.After(time.Minute):
		return fmt.Errorf("only %d of %d scripts started within a minute", readyCount.Load(), n)
	}
	time.Sleep(settle) // let the last recvs give up spinning and park
	rss, threads, mem := measure()
	if open := inst.OpenSockets(); open != 2*n {
		return fmt.Errorf("%d sockets open, want %d", open, 2*n)
	}

	cancelled := time.Now()
	cancel()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		return errors.New("scripts still blocked 30s after cancellation")
	}
	var slowest time.Duration
	for i, err := range errs {
		if !errors.Is(err, context.Canceled) {
			return fmt.Errorf("script %d returned %v, want the cancellation", i, err)
		}
		slowest = max(slowest, returned[i].Sub(cancelled))
	}

	perScript := float64(rss-baseRSS) / float64(n)
	fmt.Printf("scale: %d scripts, each on its own Starlark thread, blocked in recv on its own socketpair\n", n)
	fmt.Printf("  RSS %.1f MiB before, %.1f MiB blocked: %.1f KiB per blocked script\n", mib(baseRSS), mib(rss), perScript/1024)
	fmt.Printf("  of which Go heap %.1f KiB and goroutine stacks %.1f KiB per script\n",
		float64(mem.HeapInuse-baseMem.HeapInuse)/float64(n)/1024, float64(mem.StackInuse-baseMem.StackInuse)/float64(n)/1024)
	fmt.Printf("  %d OS threads in the process while they were blocked\n", threads)
	fmt.Printf("  all %d returned %v after cancellation (the slowest)\n", n, slowest.Round(time.Millisecond))
	fmt.Printf("%s  scale  RSS per blocked script %.1f KiB (want <= %d KiB)\n", verdict(perScript <= maxRSSPerScript), perScript/1024, maxRSSPerScript>>10)
	fmt.Printf("%s  scale  every script returned within %v of cancellation (slowest %v)\n", verdict(slowest <= maxReturn), maxReturn, slowest.Round(time.Millisecond))
	return nil
}

// measure returns the process's resident set size and thread count, and
// the runtime's view of its memory.
func measure() (rss uint64, threads int, mem runtime.MemStats) {
	runtime.GC()
	runtime.ReadMemStats(&mem)
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, mem
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			rss = kb << 10
		}
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			threads, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return rss, threads, mem
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}
