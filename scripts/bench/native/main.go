// Command native is the native Go side of the benchmarks in scripts/bench:
// each workload's server and client written twice, once on x/sys/unix with
// blocking system calls and once on package net, speaking the same
// protocol as the .star and .py scripts (see scripts/bench/README.md).
//
//	native unix|net WORKLOAD server|client [ARG...]
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// The workloads' fixed sizes, as in the scripts.
const (
	bulkChunk   = 64 << 10
	datagramLen = 32
)

type roles struct{ server, client func(args []string) error }

func main() {
	if len(os.Args) < 4 {
		fail(fmt.Errorf("usage: native unix|net WORKLOAD server|client [ARG...]"))
	}
	api, workload, role, args := os.Args[1], os.Args[2], os.Args[3], os.Args[4:]
	var table map[string]roles
	switch api {
	case "unix":
		table = unixWorkloads
	case "net":
		table = netWorkloads
	default:
		fail(fmt.Errorf("unknown API %q (want unix or net)", api))
	}
	w, ok := table[workload]
	if !ok {
		fail(fmt.Errorf("%s: unknown workload %q", api, workload))
	}
	run := w.client
	if role == "server" {
		run = w.server
	}
	if run == nil {
		fail(fmt.Errorf("%s %s: no %s", api, workload, role))
	}
	if err := run(args); err != nil {
		fail(fmt.Errorf("%s %s %s: %w", api, workload, role, err))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "native:", err)
	os.Exit(1)
}

// intArg is args[i] as an int.
func intArg(args []string, i int) (int, error) {
	if i >= len(args) {
		return 0, fmt.Errorf("missing argument %d", i+1)
	}
	return strconv.Atoi(args[i])
}

// portAndCount reads a client's usual arguments: port count.
func portAndCount(args []string) (int, int, error) {
	port, err := intArg(args, 0)
	if err != nil {
		return 0, 0, err
	}
	count, err := intArg(args, 1)
	return port, count, err
}

func ready(addr any) { fmt.Println("READY", addr) }

func result(metric string, count int, elapsed time.Duration) {
	fmt.Println("RESULT", metric, count, elapsed.Seconds())
}
