package socket_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// printer is a thread whose print writes to standard output.
func printer() *starlark.Thread {
	return &starlark.Thread{Name: "main", Print: func(_ *starlark.Thread, msg string) { fmt.Println(msg) }}
}

// One line gives scripts the module, everything allowed as in CPython.
func Example() {
	predeclared := starlark.StringDict{"socket": socket.Module}

	_, err := starlark.ExecFileOptions(&syntax.FileOptions{}, printer(), "hello.star", `
a, b = socket.socketpair()
a.sendall(b"hello")
print(b.recv(5))
a.close()
b.close()
`, predeclared)
	if err != nil {
		fmt.Println(err)
	}
	// Output: hello
}

// A policy that allows only 127.0.0.1: every other address a script names
// is refused before anything is sent.
func ExampleOptions_allowList() {
	loopback := netip.MustParseAddr("127.0.0.1")
	inst := socket.New(socket.Options{
		Policy: func(r socket.Request) error {
			if ap, ok := r.Address.AddrPort(); ok && ap.Addr() == loopback {
				return nil
			}
			return fmt.Errorf("only %v is allowed", loopback)
		},
	})
	defer inst.Close()
	predeclared := builtins.Predeclared(nil)
	predeclared["socket"] = inst.Module()

	_, err := starlark.ExecFileOptions(builtins.FileOptions, printer(), "policy.star", `
srv = socket.create_server(("127.0.0.1", 0))
c = socket.create_connection(srv.getsockname())
conn, addr = srv.accept()
print("accepted from", addr[0])
_, err = catch(socket.create_connection, ("127.0.0.2", 80))
print(type(err), err.errno)
print(err)
`, predeclared)
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// accepted from 127.0.0.1
	// PermissionError 13
	// [Errno 13] create_connection to 127.0.0.2:80 is not allowed: only 127.0.0.1 is allowed
}

// A context tied to the thread interrupts a blocked call; catch does not
// swallow the cancellation, so the script stops.
func Example_cancellation() {
	inst := socket.New(socket.Options{})
	defer inst.Close()
	predeclared := builtins.Predeclared(nil)
	predeclared["socket"] = inst.Module()

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	thread := printer()
	thread.SetLocal(builtins.ContextKey, ctx)

	_, err := starlark.ExecFileOptions(builtins.FileOptions, thread, "cancel.star", `
a, b = socket.socketpair()
print("waiting for data that never comes")
_, err = catch(b.recv, 1024)
print("not reached")
`, predeclared)
	var cancelled *builtins.Cancelled
	fmt.Println(errors.As(err, &cancelled), cancelled.Op)
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	// Output:
	// waiting for data that never comes
	// true recv
	// true
}

// Close closes what a script left open, and wakes a script still blocked
// on one of those sockets.
func ExampleInstance_Close() {
	inst := socket.New(socket.Options{})
	predeclared := builtins.Predeclared(nil)
	predeclared["socket"] = inst.Module()
	waiting := make(chan struct{})
	thread := &starlark.Thread{Name: "main", Print: func(*starlark.Thread, string) { close(waiting) }}

	done := make(chan error)
	go func() {
		_, err := starlark.ExecFileOptions(builtins.FileOptions, thread, "server.star", `
srv = socket.create_server(("127.0.0.1", 0))
a, b = socket.socketpair()
print("accepting")
srv.accept()
`, predeclared)
		done <- err
	}()
	<-waiting
	fmt.Println("open:", inst.OpenSockets())
	inst.Close()
	err := <-done
	fmt.Println("the script ended with", errors.Unwrap(err))
	fmt.Println("open after Close:", inst.OpenSockets())
	// Output:
	// open: 3
	// the script ended with OSError: [Errno 9] Bad file descriptor
	// open after Close: 0
}

// What a script raises comes back to Go as an error that unwraps to the
// system's errno and to the Python exception.
func Example_errors() {
	inst := socket.New(socket.Options{})
	defer inst.Close()
	predeclared := builtins.Predeclared(nil)
	predeclared["socket"] = inst.Module()

	_, err := starlark.ExecFileOptions(builtins.FileOptions, printer(), "refused.star", `
s = socket.socket()
s.bind(("127.0.0.1", 0))  # bound, not listening: connecting is refused
socket.create_connection(s.getsockname())
`, predeclared)
	fmt.Println(errors.Is(err, syscall.ECONNREFUSED))
	var exc *builtins.Exception
	if errors.As(err, &exc) {
		errno, _ := exc.Errno()
		fmt.Println(exc.Class().Name(), errno)
		fmt.Println(exc)
	}
	// Output:
	// true
	// ConnectionRefusedError 111
	// ConnectionRefusedError: [Errno 111] Connection refused
}
