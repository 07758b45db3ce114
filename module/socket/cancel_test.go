package socket_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// cancelCase is a call that blocks until the thread's context is done:
// setup (run without a context) leaves the sockets in a state where call
// cannot complete.
type cancelCase struct {
	name  string
	setup string
	call  string
}

// fullBacklog leaves a TCP listener whose accept queue is full: a further
// connect waits for the handshake that never comes. How many connections
// fit in a backlog of 0 is the kernel's choice, so it connects until one
// times out.
const fullBacklog = `
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(0)
addr = srv.getsockname()
waiting = []
for i in range(16):
    c = socket.socket()
    c.settimeout(0.2)
    _, err = catch(c.connect, addr)
    if err != None:
        break
    waiting.append(c)
`

// fullUnixBacklog is fullBacklog for a path: a blocking AF_UNIX connect
// then waits for room in the backlog.
const fullUnixBacklog = `
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(0)
waiting = []
for i in range(16):
    c = socket.socket(socket.AF_UNIX)
    c.setblocking(False)
    _, err = catch(c.connect, path)
    if err != None:
        break
    waiting.append(c)
`

// fillSendBufferScript fills the send buffer of the stream socket named sock
// (and its peer's receive buffer): a send on it then waits for the peer
// to read.
func fillSendBufferScript(sock string) string {
	return strings.ReplaceAll(`
SOCK.setblocking(False)
for i in range(100000):
    _, err = catch(SOCK.send, b"x" * 65536)
    if err != None:
        break
SOCK.setblocking(True)
`, "SOCK", sock)
}

// fullSendBuffer is a socketpair whose end a cannot send.
var fullSendBuffer = "a, b = socket.socketpair()" + fillSendBufferScript("a")

// fullDatagramQueue fills the queue of an AF_UNIX datagram socket bound to
// path: a sendto it then waits for it to be read.
const fullDatagramQueue = `
r = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
r.bind(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setblocking(False)
for i in range(100000):
    _, err = catch(s.sendto, b"x" * 1024, path)
    if err != None:
        break
s.setblocking(True)
`

var cancelCases = []cancelCase{
	{"accept", `srv = socket.create_server(("127.0.0.1", 0))`, "srv.accept()"},
	{"accept_timeout", "srv = socket.create_server((\"127.0.0.1\", 0))\nsrv.settimeout(60)", "srv.accept()"},
	{"connect", fullBacklog, "socket.socket().connect(addr)"},
	{"connect_timeout", fullBacklog + "s = socket.socket()\ns.settimeout(60)", "s.connect(addr)"},
	{"connect_ex", fullBacklog, "socket.socket().connect_ex(addr)"},
	{"connect_unix", fullUnixBacklog, "socket.socket(socket.AF_UNIX).connect(path)"},
	{"create_connection", fullBacklog, "socket.create_connection(addr)"},
	{"create_connection_timeout", fullBacklog, "socket.create_connection(addr, timeout=60)"},
	{"recv", "a, b = socket.socketpair()", "b.recv(10)"},
	{"recv_timeout", "a, b = socket.socketpair()\nb.settimeout(60)", "b.recv(10)"},
	{"recvfrom", "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nu.bind((\"127.0.0.1\", 0))", "u.recvfrom(10)"},
	{"recvmsg", "a, b = socket.socketpair()", "b.recvmsg(10)"},
	{"recvmsg_timeout", "a, b = socket.socketpair()\nb.settimeout(60)", "b.recvmsg(10, 64)"},
	{"send", fullSendBuffer, `a.send(b"x" * 65536)`},
	{"sendall", fullSendBuffer, `a.sendall(b"x" * 1000000)`},
	{"sendall_timeout", fullSendBuffer + "a.settimeout(60)", `a.sendall(b"x" * 1000000)`},
	{"sendto", fullDatagramQueue, `s.sendto(b"x" * 1024, path)`},
	{"sendmsg", fullSendBuffer, `a.sendmsg([b"x" * 65536])`},
	{"sendmsg_address", fullDatagramQueue, `s.sendmsg([b"x" * 512, b"y" * 512], [], 0, path)`},
	{"makefile_read", "a, b = socket.socketpair()\nf = b.makefile(\"rb\")", "f.read(10)"},
	{"makefile_read_raw", "a, b = socket.socketpair()\nf = b.makefile(\"rb\", buffering=0)", "f.read(10)"},
	{"makefile_readline_text", "a, b = socket.socketpair()\nf = b.makefile(\"r\")", "f.readline()"},
	{"makefile_write", fullSendBuffer + "f = a.makefile(\"wb\")", `f.write(b"x" * 1000000)`},
	{"makefile_write_raw", fullSendBuffer + "f = a.makefile(\"wb\", buffering=0)", `f.write(b"x" * 65536)`},
	{"makefile_flush", fullSendBuffer + "f = a.makefile(\"wb\")\nf.write(b\"x\" * 100)", "f.flush()"},
	{"makefile_write_text", fullSendBuffer + "f = a.makefile(\"w\")", `f.write("x" * 1000000)`},
}

// TestCancel blocks each call in a Starlark thread, then cancels the
// thread's context: the call returns within a second with an error that
// unwraps to context.Canceled, catch does not swallow it, and the script
// stops. The same again with context.WithCancelCause: the error unwraps
// to the host's cause. It logs how long each call took to return.
func TestCancel(t *testing.T) {
	var table strings.Builder
	fmt.Fprintf(&table, "%-28s %14s %14s\n", "call", "Canceled", "WithCancelCause")
	for _, tc := range cancelCases {
		t.Run(tc.name, func(t *testing.T) {
			canceled := blockThenCancel(t, tc, func(cancel context.CancelCauseFunc) { cancel(nil) }, context.Canceled)
			errHostStopped := errors.New("the host stopped the script")
			withCause := blockThenCancel(t, tc, func(cancel context.CancelCauseFunc) { cancel(errHostStopped) }, errHostStopped)
			fmt.Fprintf(&table, "%-28s %14v %14v\n", tc.name, canceled.Round(time.Microsecond), withCause.Round(time.Microsecond))
		})
	}
	t.Logf("latency from cancel to the script's return:\n%s", table.String())
}

// blockThenCancel runs tc in a fresh instance, cancels once the call has
// blocked, checks the error against want, and returns how long after the
// cancellation the script returned.
func blockThenCancel(t *testing.T, tc cancelCase, cancel func(context.CancelCauseFunc), want error) time.Duration {
	t.Helper()
	inst := socket.New(socket.Options{})
	defer inst.Close()
	path := starlark.String(t.TempDir() + "/sock")
	globals := setup(t, inst, tc.setup, starlark.StringDict{"path": path})
	globals["path"] = path

	calling := make(chan struct{})
	globals["calling"] = starlark.NewBuiltin("calling", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		close(calling)
		return starlark.None, nil
	})
	ctx, cancelFunc := context.WithCancelCause(context.Background())
	defer cancelFunc(nil)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, inst, fmt.Sprintf(`
calling()
_, err = catch(lambda: %s)
fail("catch returned %%s: the cancellation was swallowed" %% repr(err))
`, tc.call), globals)
	}()

	<-calling
	// The call is made right after calling(); give it time to park, and
	// make sure it does wait.
	select {
	case err := <-done:
		t.Fatalf("%s returned before the cancellation: %v", tc.call, err)
	case <-time.After(50 * time.Millisecond):
	}
	cancelled := time.Now()
	cancel(cancelFunc)
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Second):
		inst.Close() // unblock it so the test ends
		t.Fatalf("%s still blocked 1s after the cancellation", tc.call)
	}
	latency := time.Since(cancelled)
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want an error unwrapping to %v", tc.call, err, want)
	}
	var cancellation *builtins.Cancelled
	if !errors.As(err, &cancellation) {
		t.Errorf("%s: %v is not a *builtins.Cancelled", tc.call, err)
	}
	t.Logf("%s returned %v after cancel(%v)", tc.call, latency, want)
	return latency
}
