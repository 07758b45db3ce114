package socket_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// runAll runs each script in its own goroutine and Starlark thread and
// returns their errors in order. A script still running after limit fails
// the test; the instance is then closed to end them all.
func runAll(t *testing.T, inst *socket.Instance, globals starlark.StringDict, limit time.Duration, scripts ...string) []error {
	t.Helper()
	errs := make([]error, len(scripts))
	var wg sync.WaitGroup
	for i, src := range scripts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = run(context.Background(), inst, src, globals)
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(limit):
		t.Errorf("scripts still running after %v: closing the instance", limit)
		inst.Close()
		<-finished
	}
	return errs
}

// TestConcurrentRecvWhileSend: one thread blocks in recv on a socket while
// another sends on that same socket, a third changes its timeout and a
// fourth reads its state.
func TestConcurrentRecvWhileSend(t *testing.T) {
	inst := socket.New(socket.Options{})
	defer inst.Close()
	globals := setup(t, inst, "a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)", nil)
	globals["N"] = starlark.MakeInt(500)
	errs := runAll(t, inst, globals, 20*time.Second,
		`
for i in range(N):
    m = b.recv(16)
    if m != bytes("pong %d" % i):
        fail("recv on b got %r in round %d" % (m, i))
`, `
for i in range(N):
    b.send(bytes("ping %d" % i))
    m = a.recv(16)
    if m != bytes("ping %d" % i):
        fail("a got %r in round %d" % (m, i))
    a.send(bytes("pong %d" % i))
`, `
for i in range(N):
    b.settimeout(30)
    b.settimeout(None)
`, `
for i in range(N):
    b.gettimeout()
    b.getsockname()
    repr(b)
`)
	for i, err := range errs {
		if err != nil {
			t.Errorf("script %d: %v", i, err)
		}
	}
}

// TestConcurrentFrozenGlobal: sockets in a module's frozen globals, shared
// by many threads, as a host shares a loaded module: senders and
// receivers on both ends at once.
func TestConcurrentFrozenGlobal(t *testing.T) {
	const threads, messages = 8, 100
	inst := socket.New(socket.Options{})
	defer inst.Close()
	shared := setup(t, inst, "a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)", nil)
	shared.Freeze()

	var mu sync.Mutex
	var received []string
	record := starlark.NewBuiltin("record", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		mu.Lock()
		defer mu.Unlock()
		received = append(received, string(args[0].(starlark.Bytes)))
		return starlark.None, nil
	})
	globals := starlark.StringDict{"a": shared["a"], "b": shared["b"], "record": record, "M": starlark.MakeInt(messages)}
	var scripts, want []string
	for i := 0; i < threads; i++ {
		from, to := "a", "b"
		if i%2 == 1 {
			from, to = "b", "a"
		}
		scripts = append(scripts,
			fmt.Sprintf("for i in range(M):\n    %s.sendall(bytes(\"%s%d-%%d\" %% i))", from, from, i),
			fmt.Sprintf("for i in range(M):\n    record(%s.recv(64))", to))
		for j := 0; j < messages; j++ {
			want = append(want, fmt.Sprintf("%s%d-%d", from, i, j))
		}
	}
	for i, err := range runAll(t, inst, globals, 20*time.Second, scripts...) {
		if err != nil {
			t.Errorf("script %d: %v", i, err)
		}
	}
	sort.Strings(received)
	sort.Strings(want)
	if fmt.Sprint(received) != fmt.Sprint(want) {
		t.Errorf("received %d messages, want each of the %d sent exactly once", len(received), len(want))
	}
}

// TestConcurrentClose closes an instance while its scripts are blocked in
// recv, recvfrom, accept, sendall and connect on several goroutines (two
// on one socket), and while one opens sockets in a loop: every script
// ends with OSError EBADF, the instance is left with no socket open, and
// nothing panics or races. The far ends belong to another instance, which
// stays open: a far end closed first would end a recv with EOF instead.
func TestConcurrentClose(t *testing.T) {
	inst := socket.New(socket.Options{})
	peer := socket.New(socket.Options{})
	defer peer.Close()
	globals := setup(t, inst, `
listener = socket.create_server(("127.0.0.1", 0))
far = peer.create_server(("127.0.0.1", 0))
ends = []
for i in range(4):
    ends.append(socket.create_connection(far.getsockname()))
    far.accept()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
sender = ends[3]
`+fillSendBufferScript("sender")+strings.ReplaceAll(fullBacklog, "socket.socket()", "peer.socket()"), starlark.StringDict{"peer": peer.Module()})
	blocked := []string{
		"ends[0].recv(10)",
		"ends[1].recv(10)",
		"ends[2].recv(10)",
		"ends[2].recv(10)",
		"u.recvfrom(10)",
		"listener.accept()",
		"listener.accept()",
		`sender.sendall(b"x" * 1000000)`,
		"socket.socket().connect(addr)",
		`
keep = []
while True:
    keep.append(socket.socket())
    if len(keep) > 20:
        keep.pop(0).close()
`,
	}
	type ended struct {
		src string
		err error
	}
	results := make(chan ended, len(blocked))
	for _, src := range blocked {
		go func() { results <- ended{src, run(context.Background(), inst, src, globals)} }()
	}
	time.Sleep(100 * time.Millisecond) // let them block
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ { // Close is idempotent, from any goroutine
		wg.Add(1)
		go func() { defer wg.Done(); inst.Close() }()
	}
	wg.Wait()
	for range blocked {
		select {
		case r := <-results:
			var exc *builtins.Exception
			if !errors.Is(r.err, syscall.EBADF) || !errors.As(r.err, &exc) || exc.Class() != builtins.OSError {
				t.Errorf("%s ended with %v, want OSError EBADF", r.src, r.err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a script still runs 5s after Close")
		}
	}
	if n := inst.OpenSockets(); n != 0 {
		t.Errorf("%d sockets open after Close", n)
	}
}
