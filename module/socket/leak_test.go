package socket_test

import (
	"os"
	"testing"
	"time"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// leakScript opens every kind of socket and closes none: a plain socket,
// a socketpair with data in flight, a listening socket and a connected
// TCP pair. The pair's ends are set to reset on close (SO_LINGER 0) so
// that thousands of runs leave no TIME_WAIT connections holding ports.
const leakScript = `
s = socket.socket()
a, b = socket.socketpair()
a.sendall(b"unread")
srv = socket.create_server(("127.0.0.1", 0))
c = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
for end in (c, conn):
    end.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
c.sendall(b"unread")
`

// leakRuns is how many scripts TestLeak runs: about 2 s, 4 s under the
// race detector.
const leakRuns = 10000

// TestLeak runs leakScript leakRuns times, each in its own instance that
// is closed afterwards: the process ends with the descriptors it started
// with.
func TestLeak(t *testing.T) {
	predeclared := builtins.Predeclared(nil)
	predeclared["socket"] = nil // the run's own instance, set below
	_, prog, err := starlark.SourceProgramOptions(builtins.FileOptions, "leak.star", leakScript, predeclared.Has)
	if err != nil {
		t.Fatal(err)
	}
	runOnce := func() {
		inst := socket.New(socket.Options{})
		predeclared["socket"] = inst.Module()
		if _, err := prog.Init(&starlark.Thread{Name: "leak"}, predeclared); err != nil {
			t.Fatal(err)
		}
		if n := inst.OpenSockets(); n != 6 {
			t.Fatalf("the script left %d sockets open, want 6", n)
		}
		inst.Close()
		if n := inst.OpenSockets(); n != 0 {
			t.Fatalf("%d sockets open after Close", n)
		}
	}
	runOnce() // the netpoller's own descriptor is made on first use

	start := countFDs(t)
	began := time.Now()
	for i := 0; i < leakRuns; i++ {
		runOnce()
	}
	end := countFDs(t)
	t.Logf("/proc/self/fd: %d at the start, %d after %d runs (%v)", start, end, leakRuns, time.Since(began).Round(time.Millisecond))
	if end != start {
		t.Errorf("%d descriptors open after %d runs, %d before", end, leakRuns, start)
	}
}

// countFDs counts the process's open descriptors.
func countFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
