package socket_test

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// setup runs src in inst as a host would, without a context, and returns
// its globals: the sockets a test then hands to other scripts.
func setup(t *testing.T, inst *socket.Instance, src string, globals starlark.StringDict) starlark.StringDict {
	t.Helper()
	predeclared := builtins.Predeclared(nil)
	predeclared["socket"] = inst.Module()
	for k, v := range globals {
		predeclared[k] = v
	}
	g, err := starlark.ExecFileOptions(builtins.FileOptions, &starlark.Thread{Name: "setup"}, "setup.star", src, predeclared)
	if err != nil {
		t.Fatalf("setup script: %v", err)
	}
	return g
}

// refusedAddress returns a loopback address that refuses connections: a
// socket bound there that does not listen, kept until the test ends.
func refusedAddress(t *testing.T) starlark.Value {
	t.Helper()
	inst := socket.New(socket.Options{})
	t.Cleanup(func() { inst.Close() })
	g := setup(t, inst, `
s = socket.socket()
s.bind(("127.0.0.1", 0))
addr = s.getsockname()
`, nil)
	return g["addr"]
}

// TestEmbedDialect adds the dialect's names with builtins.Predeclared:
// catch, isinstance, the exception classes and Python's print.
func TestEmbedDialect(t *testing.T) {
	var printed []string
	thread := &starlark.Thread{Name: "embed", Print: func(_ *starlark.Thread, msg string) { printed = append(printed, msg) }}
	predeclared := builtins.Predeclared([]string{"embed.star"})
	predeclared["socket"] = socket.Module
	predeclared["addr"] = refusedAddress(t)
	_, err := starlark.ExecFileOptions(builtins.FileOptions, thread, "embed.star", `
_, err = catch(socket.create_connection, addr)
print(isinstance(err, ConnectionRefusedError), isinstance(err, OSError), err.errno, err)
print(sys.argv, b"bytes")
`, predeclared)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"True True 111 [Errno 111] Connection refused",
		"['embed.star'] b'bytes'",
	}
	if len(printed) != len(want) || printed[0] != want[0] || printed[1] != want[1] {
		t.Errorf("printed %q, want %q", printed, want)
	}
}

// TestEmbedDefaultTimeoutPerInstance: the default timeout is state of an
// instance; setdefaulttimeout in one changes no other.
func TestEmbedDefaultTimeoutPerInstance(t *testing.T) {
	configured := socket.New(socket.Options{DefaultTimeout: 2 * time.Second})
	defer configured.Close()
	plain := socket.New(socket.Options{})
	defer plain.Close()
	nonBlocking := socket.New(socket.Options{DefaultTimeout: socket.NonBlocking})
	defer nonBlocking.Close()

	// check asks a module for its default timeout and a new socket's.
	check := func(what string, module starlark.Value, want float64) {
		t.Helper()
		g, err := starlark.ExecFileOptions(&syntax.FileOptions{}, &starlark.Thread{Name: "query"}, "query.star", `
s = socket.socket()
got = (socket.getdefaulttimeout(), s.gettimeout())
s.close()
`, starlark.StringDict{"socket": module})
		if err != nil {
			t.Fatal(err)
		}
		wantTuple := starlark.Tuple{starlark.None, starlark.None}
		if want >= 0 {
			wantTuple = starlark.Tuple{starlark.Float(want), starlark.Float(want)}
		}
		if eq, err := starlark.Equal(g["got"], wantTuple); err != nil || !eq {
			t.Errorf("%s: (getdefaulttimeout(), new socket's timeout) = %v, want %v", what, g["got"], wantTuple)
		}
	}
	const none = -1
	check("Options{DefaultTimeout: 2s}", configured.Module(), 2)
	check("Options{}", plain.Module(), none)
	check("Options{DefaultTimeout: NonBlocking}", nonBlocking.Module(), 0)

	setup(t, plain, "socket.setdefaulttimeout(5)", nil)
	check("after setdefaulttimeout(5)", plain.Module(), 5)
	check("another instance", configured.Module(), 2)
	check("the package's Module", socket.Module, none)
}

// TestEmbedErrors: what starlark.ExecFileOptions returns unwraps to the Go
// cause (errors.Is) and to the Python exception (errors.As) with its
// class and errno.
func TestEmbedErrors(t *testing.T) {
	opts := socket.Options{
		MaxSockets: 4,
		Policy: func(r socket.Request) error {
			if r.Op == "bind" && r.Address.String() == "127.0.0.1:9" {
				return errors.New("port 9 is off limits")
			}
			return nil
		},
	}
	globals := starlark.StringDict{"refused": refusedAddress(t)}
	for _, tc := range []struct {
		name    string
		src     string
		cause   error
		class   *builtins.Class
		errno   int // 0: the exception has none
		message string
	}{
		{"refused", "socket.create_connection(refused)", syscall.ECONNREFUSED, builtins.ConnectionRefusedError, 111,
			"ConnectionRefusedError: [Errno 111] Connection refused"},
		{"timeout", "a, b = socket.socketpair()\nb.settimeout(0.01)\nb.recv(1)", os.ErrDeadlineExceeded, builtins.TimeoutError, 0,
			"TimeoutError: timed out"},
		{"policy", `socket.socket().bind(("127.0.0.1", 9))`, syscall.EACCES, builtins.PermissionError, 13,
			"PermissionError: [Errno 13] bind to 127.0.0.1:9 is not allowed: port 9 is off limits"},
		{"cap", "s = [socket.socket() for i in range(5)]", syscall.EMFILE, builtins.OSError, 24,
			"OSError: [Errno 24] Too many open sockets: this host allows 4 at once"},
		{"closed", "s = socket.socket()\ns.close()\ns.recv(1)", syscall.EBADF, builtins.OSError, 9,
			"OSError: [Errno 9] Bad file descriptor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inst := socket.New(opts)
			defer inst.Close()
			err := run(context.Background(), inst, tc.src, globals)
			if !errors.Is(err, tc.cause) {
				t.Errorf("errors.Is(%v, %v) is false", err, tc.cause)
			}
			var exc *builtins.Exception
			if !errors.As(err, &exc) {
				t.Fatalf("errors.As(%v, *builtins.Exception) is false", err)
			}
			if exc.Class() != tc.class || exc.Class().Name() != tc.class.Name() {
				t.Errorf("class %s, want %s", exc.Class().Name(), tc.class.Name())
			}
			errno, hasErrno := exc.Errno()
			if tc.errno == 0 && hasErrno || tc.errno != 0 && errno != tc.errno {
				t.Errorf("errno %d (present: %v), want %d", errno, hasErrno, tc.errno)
			}
			if exc.Error() != tc.message {
				t.Errorf("message %q, want %q", exc.Error(), tc.message)
			}
		})
	}
}

// TestFailedCallsReturnNoValue calls the module's socket makers as a host
// would, with arguments they refuse: beside the error there must be no
// value at all, not a nil *Socket inside a non-nil starlark.Value.
func TestFailedCallsReturnNoValue(t *testing.T) {
	inst := socket.New(socket.Options{AllowFDs: true})
	defer inst.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	g := setup(t, inst, "closed = socket.socket()\nclosed.close()\n", nil)
	dup, _ := g["closed"].(starlark.HasAttrs).Attr("dup")
	module := inst.Module().(starlark.HasAttrs)
	class, _ := module.Attr("socket")
	fromfd, _ := module.Attr("fromfd")
	for _, c := range []struct {
		desc string
		fn   starlark.Value
		args starlark.Tuple
	}{
		{"socket(48)", class, starlark.Tuple{starlark.MakeInt(48)}},
		{"socket(fileno=<a pipe>)", class, starlark.Tuple{starlark.MakeInt(-1), starlark.MakeInt(-1), starlark.MakeInt(-1), starlark.MakeInt(int(r.Fd()))}},
		{"fromfd(<a pipe>, AF_INET, SOCK_STREAM)", fromfd, starlark.Tuple{starlark.MakeInt(int(r.Fd())), starlark.MakeInt(2), starlark.MakeInt(1)}},
		{"<closed socket>.dup()", dup, nil},
	} {
		v, err := starlark.Call(&starlark.Thread{Name: "host"}, c.fn, c.args, nil)
		if err == nil {
			t.Errorf("%s succeeded, want an error", c.desc)
		}
		if v != nil {
			t.Errorf("%s returned %#v beside its error %v, want no value", c.desc, v, err)
		}
	}
}
