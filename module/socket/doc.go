// Package socket is Python's socket module for Starlark scripts: the
// functions, constants and socket objects of CPython 3.11's module, with
// its results, exception classes, errno values and messages. Every socket
// is non-blocking underneath and waits in Go's netpoller, so timeouts and
// cancellation work and a blocked script holds no OS thread. What a script
// can do is Python's; the README lists where the dialect differs.
//
// # Embedding
//
// One line gives a host's scripts the module, with every operation allowed
// as in CPython:
//
//	predeclared := starlark.StringDict{"socket": socket.Module}
//
// Scripts written from Python's documentation also want the dialect: the
// exception classes, catch (the dialect's try/except), isinstance, and
// Python's print, str and repr. builtins.Predeclared returns those names
// and builtins.FileOptions the language options (while, set, top-level
// control flow):
//
//	predeclared := builtins.Predeclared(argv) // argv is sys.argv
//	predeclared["socket"] = socket.Module
//	_, err := starlark.ExecFileOptions(builtins.FileOptions, thread, "script.star", src, predeclared)
//
// # Instances and Options
//
// Module is one permissive Instance shared by every script that is given
// it: setdefaulttimeout in one changes the default of all. A host that
// wants control makes its own Instance with New, one per script, tenant or
// session as it sees fit, and predeclares inst.Module():
//
//	inst := socket.New(socket.Options{
//		DefaultTimeout: 5 * time.Second,
//		Policy:         allowLoopback,
//		MaxSockets:     64,
//	})
//	defer inst.Close()
//	predeclared["socket"] = inst.Module()
//
// The fields of Options:
//
//   - DefaultTimeout is the timeout new sockets get (zero: None, block;
//     NonBlocking: 0.0). setdefaulttimeout changes it for the instance
//     only.
//   - Policy is asked about addresses (below).
//   - AllowFDs lets scripts adopt descriptors they did not create:
//     fromfd, socket(fileno=), socket.close(fd) and socket.dup(fd). Off,
//     these raise PermissionError (errno 13) and a script cannot reach the
//     host's own descriptors.
//   - AllowRaw lets scripts create SOCK_RAW and AF_PACKET sockets; off,
//     they raise PermissionError (errno 1) before the kernel is asked.
//   - MaxSockets caps the sockets open at once; past it every way of
//     making one (socket, socketpair, accept, dup, fromfd,
//     create_connection, create_server) raises OSError errno 24,
//     "Too many open sockets: this host allows N at once".
//
// The zero Options is the closed configuration: no descriptor adoption, no
// raw sockets, no policy, no cap. Permissive is CPython's.
//
// # Address policy
//
// Policy, when set, is asked before every operation that names an address:
// bind, connect, connect_ex, sendto, sendmsg, create_connection and
// create_server, and, once a connection arrives, accept about the peer's
// address (a refused connection is closed at once). The Request carries
// the operation, the family and the address after host names are resolved;
// Request.Address.String() is "127.0.0.1:80", "[::1]:80", a path, or
// "@name" for an abstract one. A non-nil error denies the operation, which
// does not happen; the script sees PermissionError errno 13 naming the
// operation, the address and the policy's error:
//
//	PermissionError: [Errno 13] connect to 10.0.0.1:80 is not allowed: not on the allow-list
//
// # Cancellation
//
// A host ties a context.Context to each Starlark thread under
// builtins.ContextKey ("context", the convention of go.starlark.net/repl):
//
//	thread.SetLocal(builtins.ContextKey, ctx)
//
// When ctx is done, every call of that thread waiting in the module
// returns: accept, connect, connect_ex, create_connection, recv, recvfrom,
// recvmsg, send, sendall, sendto, sendmsg, reads and writes of makefile
// objects, and host name lookups. The error is a *builtins.Cancelled that
// unwraps to context.Cause(ctx): context.Canceled, context.DeadlineExceeded
// or the cause given to a context.WithCancelCause. catch does not swallow
// it, so the script stops and starlark.ExecFile returns it. Waiting costs
// no goroutine: a socket registers one context.AfterFunc per context that
// waits on it.
//
// Iterating over a file (for line in f) is the exception: Starlark gives
// an iteration no thread, so it waits under the context of the thread that
// last called one of the file's methods, and a read that fails there stops
// the thread through Thread.Cancel, whose error is only text.
//
// # Errors for Go
//
// An exception a script does not catch comes back from starlark.ExecFile
// (inside a *starlark.EvalError) as an error that unwraps both ways:
//
//	errors.Is(err, syscall.ECONNREFUSED)   // an OSError's errno
//	errors.Is(err, os.ErrDeadlineExceeded) // a timeout: TimeoutError("timed out")
//	errors.Is(err, syscall.EACCES)         // a policy's denial
//	var exc *builtins.Exception
//	errors.As(err, &exc)                   // the exception itself
//	exc.Class().Name()                     // "ConnectionRefusedError"
//	exc.Errno()                            // 111, true
//
// # Close
//
// Instance.Close closes every socket the instance opened that is still
// open, whatever the scripts left behind. It is safe to call while scripts
// run, from any goroutine and more than once: their blocked calls raise
// OSError EBADF, and from then on the instance opens no sockets, so none
// outlives the Close. OpenSockets says how many are open.
//
// # Concurrency
//
// A socket may be used from several Starlark threads at once, one blocked
// in recv while another sends, as the OS socket may. Freezing a socket
// (as a loaded module's globals are frozen) changes nothing: its state is
// the OS socket's, and frozen sockets stay usable.
//
// # Memory
//
// Every recv returns a new bytes value, as in CPython, but Go frees it
// only at the next collection: a script that reads a stream with
// recv(65536) makes the collector run every few megabytes under Go's
// default GOGC=100. The bundled interpreter sets GOGC=400 while less than
// 8 MiB is live (cmd/starsock/gc.go), which made a bulk receive 40%
// faster; a host that streams much data through scripts may want the same
// (debug.SetGCPercent). A socket holds one descriptor until a call of its
// first has to wait, and two from then on: its own, and a duplicate
// registered with Go's netpoller.
package socket
