// Command native is the native Go side of the benchmarks in scripts/bench:
// each workload's server and client, speaking the same protocol as the
// .star and .py scripts (see scripts/bench/README.md), on one of two APIs:
// x/sys/unix with blocking system calls, or package net (net.Conn over
// Go's netpoller).
//
//	native unix|net WORKLOAD server|client [ARG...]
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// conn is a connected socket of either API.
type conn interface {
	io.ReadWriteCloser
	CloseWrite() error // shutdown(SHUT_WR)
}

// listener is a listening stream socket of either API.
type listener interface {
	Accept() (conn, error)
	Close() error
}

// api is what the workloads need from an API.
type api struct {
	// listen listens on TCP 127.0.0.1 and an ephemeral port, or on the
	// AF_UNIX path, and returns what READY reports: the port or the path.
	listen func(network, path string) (listener, string, error)
	// dial connects to a TCP port on 127.0.0.1 or to an AF_UNIX path.
	dial func(network, addr string) (conn, error)
	// dialUDP is a UDP socket connected to a port on 127.0.0.1.
	dialUDP func(port int) (conn, error)
	// udpEcho binds a UDP socket, prints READY and sends every datagram
	// back to its sender until an empty one.
	udpEcho func() error
	// callOverhead times count calls of the API's fileno and gettimeout.
	callOverhead func(count int) error
}

var apis = map[string]api{"unix": unixAPI, "net": netAPI}

func main() {
	if len(os.Args) < 4 {
		fail(errors.New("usage: native unix|net WORKLOAD server|client [ARG...]"))
	}
	name, workload, role, args := os.Args[1], os.Args[2], os.Args[3], os.Args[4:]
	a, ok := apis[name]
	if !ok {
		fail(fmt.Errorf("unknown API %q (want unix or net)", name))
	}
	w, ok := workloads[workload]
	if !ok {
		fail(fmt.Errorf("unknown workload %q", workload))
	}
	run := w.client
	if role == "server" {
		run = w.server
	}
	if run == nil {
		fail(fmt.Errorf("%s has no %s", workload, role))
	}
	if err := run(a, args); err != nil {
		fail(fmt.Errorf("%s %s %s: %w", name, workload, role, err))
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

func ready(addr any) { fmt.Println("READY", addr) }

func result(metric string, count int, elapsed time.Duration) {
	fmt.Println("RESULT", metric, count, elapsed.Seconds())
}
