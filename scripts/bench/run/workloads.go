package main

import (
	"fmt"
	"strings"
)

// workload is one benchmark: a server and a client process of the same
// implementation (or a client alone), and the counts they are given.
type workload struct {
	name  string
	count int // at scale 1
	// granule rounds the scaled count down to a multiple of itself (and up
	// to at least one granule): tcp_bulk sends whole 64 KiB chunks.
	granule int
	// minCount is the least count that gives a reliable figure.
	minCount int
	// server returns the server's arguments, or nil for a single-process
	// workload; path is a fresh AF_UNIX path for the run.
	server func(count int, path string) []string
	// client returns the client's arguments; addr is what the server
	// printed after READY.
	client func(addr string, count int) []string
	// serverDone checks what the server printed after READY.
	serverDone func(lines []string, count int) error
}

const (
	bulkChunk = 64 << 10
	gib       = 1 << 30
)

var workloads = []workload{
	{name: "tcp_pingpong", count: 100_000, server: noArgs, client: addrCount},
	{name: "udp_pingpong", count: 100_000, server: noArgs, client: addrCount},
	{name: "unix_pingpong", count: 100_000, server: pathArg, client: addrCount},
	{name: "tcp_bulk", count: gib, granule: bulkChunk, server: noArgs, client: addrCount, serverDone: receivedAll},
	{name: "tcp_connect_rate", count: 20_000, server: countArg, client: addrCount},
	// A call costs tens of nanoseconds: a shorter loop would time noise.
	{name: "call_overhead", count: 1_000_000, minCount: 1_000_000, client: func(_ string, count int) []string { return []string{itoa(count)} }},
}

func noArgs(int, string) []string               { return []string{} }
func pathArg(_ int, path string) []string       { return []string{path} }
func countArg(count int, _ string) []string     { return []string{itoa(count)} }
func addrCount(addr string, count int) []string { return []string{addr, itoa(count)} }

// receivedAll checks tcp_bulk's server line "RECEIVED <bytes>".
func receivedAll(lines []string, count int) error {
	want := fmt.Sprintf("RECEIVED %d", count)
	for _, line := range lines {
		if strings.TrimSpace(line) == want {
			return nil
		}
	}
	return fmt.Errorf("server did not print %q: %q", want, lines)
}

// scaled is the workload's count at scale.
func (w workload) scaled(scale float64) int {
	n := max(int(float64(w.count)*scale), w.minCount)
	if w.granule > 0 {
		n -= n % w.granule
		return max(n, w.granule)
	}
	return max(n, 1)
}

func selectWorkloads(only string) ([]workload, error) {
	if only == "" {
		return workloads, nil
	}
	var selected []workload
	for _, name := range strings.Split(only, ",") {
		found := false
		for _, w := range workloads {
			if w.name == name {
				selected = append(selected, w)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown workload %q", name)
		}
	}
	return selected, nil
}

func itoa(n int) string { return fmt.Sprint(n) }
