package socket_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// run executes src in a fresh thread tied to ctx, with globals preset, and
// returns the script's error.
func run(ctx context.Context, inst *socket.Instance, src string, globals starlark.StringDict) error {
	thread := &starlark.Thread{Name: "test"}
	thread.SetLocal(builtins.ContextKey, ctx)
	predeclared := builtins.Predeclared(nil)
	predeclared["socket"] = inst.Module()
	for k, v := range globals {
		predeclared[k] = v
	}
	_, err := starlark.ExecFileOptions(builtins.FileOptions, thread, "test.star", src, predeclared)
	return err
}

// pair makes a connected socketpair in a script and returns both ends.
func pair(t *testing.T, inst *socket.Instance) (starlark.Value, starlark.Value) {
	t.Helper()
	thread := &starlark.Thread{Name: "pair"}
	predeclared := builtins.Predeclared(nil)
	predeclared["socket"] = inst.Module()
	g, err := starlark.ExecFileOptions(builtins.FileOptions, thread, "pair.star", "a, b = socket.socketpair()", predeclared)
	if err != nil {
		t.Fatal(err)
	}
	return g["a"], g["b"]
}

func TestRecvWaitsForData(t *testing.T) {
	inst := socket.New(socket.Permissive)
	defer inst.Close()
	a, b := pair(t, inst)
	go func() {
		time.Sleep(50 * time.Millisecond)
		fd := a.(*socket.Socket).Fileno()
		syscall.Write(fd, []byte("late"))
	}()
	err := run(context.Background(), inst, `
got = b.recv(10)
if got != b"late":
    fail("got %r" % got)
`, starlark.StringDict{"b": b})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRecvTimeout(t *testing.T) {
	inst := socket.New(socket.Permissive)
	defer inst.Close()
	_, b := pair(t, inst)
	start := time.Now()
	err := run(context.Background(), inst, "b.settimeout(0.1)\nb.recv(10)", starlark.StringDict{"b": b})
	elapsed := time.Since(start)
	var exc *builtins.Exception
	if !errors.As(err, &exc) || exc.Class() != builtins.TimeoutError || exc.String() != "timed out" {
		t.Fatalf("got %v, want TimeoutError: timed out", err)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("%v does not unwrap to os.ErrDeadlineExceeded", err)
	}
	if elapsed < 100*time.Millisecond {
		t.Errorf("timed out after %v, before the 100ms timeout", elapsed)
	}
}

func TestCancelWhileBlocked(t *testing.T) {
	inst := socket.New(socket.Permissive)
	defer inst.Close()
	_, b := pair(t, inst)
	ctx, cancel := context.WithCancel(context.Background())
	var cancelled time.Time
	go func() {
		time.Sleep(100 * time.Millisecond)
		cancelled = time.Now()
		cancel()
	}()
	// catch must not swallow the cancellation.
	err := run(ctx, inst, "v, e = catch(b.recv, 10)\nprint('caught', e)", starlark.StringDict{"b": b})
	returned := time.Since(cancelled)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want an error unwrapping to context.Canceled", err)
	}
	t.Logf("recv returned %v after cancellation", returned)
	if returned > time.Second {
		t.Errorf("recv took %v to return after cancellation", returned)
	}
}

func TestCloseWakesBlockedRecv(t *testing.T) {
	inst := socket.New(socket.Permissive)
	defer inst.Close()
	_, b := pair(t, inst)
	go func() {
		time.Sleep(50 * time.Millisecond)
		b.(*socket.Socket).Close()
	}()
	err := run(context.Background(), inst, "b.recv(10)", starlark.StringDict{"b": b})
	if !errors.Is(err, syscall.EBADF) || !strings.Contains(err.Error(), "[Errno 9] Bad file descriptor") {
		t.Fatalf("got %v, want OSError EBADF", err)
	}
}

// A blocking AF_UNIX connect to a listener whose backlog is full waits,
// as CPython's does, until the listener accepts; cancellation stops it.
func TestBlockingUnixConnectWaitsForBacklog(t *testing.T) {
	inst := socket.New(socket.Permissive)
	defer inst.Close()
	path := t.TempDir() + "/full"
	thread := &starlark.Thread{Name: "setup"}
	predeclared := builtins.Predeclared(nil)
	predeclared["socket"] = inst.Module()
	predeclared["path"] = starlark.String(path)
	g, err := starlark.ExecFileOptions(builtins.FileOptions, thread, "setup.star", `
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(0)
first = socket.socket(socket.AF_UNIX)
first.connect(path)  # takes the only place
`, predeclared)
	if err != nil {
		t.Fatal(err)
	}
	srvFD := g["srv"].(*socket.Socket).Fileno()
	globals := starlark.StringDict{"path": starlark.String(path)}

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := run(ctx, inst, "socket.socket(socket.AF_UNIX).connect(path)", globals); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("connect to a full backlog: got %v, want it to wait until cancelled", err)
	}

	go func() {
		time.Sleep(100 * time.Millisecond)
		if nfd, _, err := syscall.Accept(srvFD); err == nil {
			syscall.Close(nfd)
		}
	}()
	start := time.Now()
	if err := run(context.Background(), inst, "socket.socket(socket.AF_UNIX).connect(path)", globals); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < 100*time.Millisecond {
		t.Errorf("connected after %v, before the listener accepted", elapsed)
	}
}
