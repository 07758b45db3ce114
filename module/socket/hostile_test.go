package socket_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// hostileValues are arguments no function or method takes as they are:
// None, huge and negative ints, non-integral floats, 100,000-character
// strings and bytes, NUL bytes inside hosts and paths, nested and
// malformed tuples, lists, dicts, a socket. No int among them is a small
// descriptor number, and no host among them is a name a resolver could
// look up, so that calls taking descriptors or hosts stay inside the test.
var hostileValues = []starlark.Value{
	starlark.None,
	starlark.MakeInt(-1),
	starlark.MakeInt64(math.MinInt32 - 1),
	starlark.MakeInt64(math.MaxInt32 + 1),
	starlark.MakeUint64(1 << 63),
	starlark.MakeInt(1).Lsh(100),
	starlark.MakeInt(-1).Lsh(100),
	starlark.Float(math.NaN()),
	starlark.Float(math.Inf(1)),
	starlark.Float(-1.5),
	starlark.String(strings.Repeat("a", 100000)),
	starlark.Bytes(strings.Repeat("b", 100000)),
	starlark.String(""),
	starlark.String("\x00"),
	starlark.String("127.0.0.1\x00evil"),
	starlark.Bytes("/tmp/x\x00y"),
	starlark.String("\u2603"),
	starlark.Tuple{starlark.Tuple{starlark.Tuple{starlark.String("127.0.0.1"), starlark.MakeInt(0)}}},
	starlark.Tuple{starlark.String("127.0.0.1\x00"), starlark.MakeInt(1)}, // port 1: nothing serves it
	starlark.Tuple{starlark.String(strings.Repeat("a", 100000)), starlark.MakeInt(80)},
	starlark.Tuple{starlark.String("127.0.0.1"), starlark.MakeInt(-1)},
	starlark.Tuple{starlark.String("127.0.0.1"), starlark.MakeInt(1).Lsh(70)},
	starlark.Tuple{starlark.String("::1"), starlark.MakeInt(0), starlark.MakeInt(1).Lsh(40)},
	starlark.Tuple{},
	starlark.NewList([]starlark.Value{starlark.String("x")}),
	starlark.NewDict(1),
}

// hostileClasses are the exceptions a bad argument may raise.
var hostileClasses = []*builtins.Class{
	builtins.TypeError, builtins.ValueError, builtins.OverflowError, builtins.OSError,
}

// callsArgumentMethod are socket.py's functions that call a method of an
// argument: for a value without it CPython raises the AttributeError of
// that lookup (send_fds(None, ...): 'NoneType' object has no attribute
// 'sendmsg'; getfqdn(None): ... no attribute 'strip'), and so does
// starsock.
var callsArgumentMethod = map[string]bool{"send_fds": true, "recv_fds": true, "getfqdn": true}

// hostileKinds are the sockets each method is called on, one fresh
// socket per call.
var hostileKinds = []struct {
	name           string
	family, sotype int
}{
	{"tcp", unix.AF_INET, unix.SOCK_STREAM},
	{"udp", unix.AF_INET, unix.SOCK_DGRAM},
	{"unix", unix.AF_UNIX, unix.SOCK_STREAM},
	{"tcp6", unix.AF_INET6, unix.SOCK_STREAM},
}

// hostileCalls are the argument lists each function and method gets: one
// to four copies of each hostile value, the value in one place with None
// in the others, and each value as a keyword argument.
func hostileCalls() []struct {
	args   starlark.Tuple
	kwargs []starlark.Tuple
} {
	type call = struct {
		args   starlark.Tuple
		kwargs []starlark.Tuple
	}
	var calls []call
	calls = append(calls, call{})
	for _, v := range append(hostileValues, starlark.None) {
		for n := 1; n <= 4; n++ {
			same := make(starlark.Tuple, n)
			for i := range same {
				same[i] = v
			}
			calls = append(calls, call{args: same})
			for i := 1; i < n; i++ {
				one := make(starlark.Tuple, n)
				for j := range one {
					one[j] = starlark.None
				}
				one[i] = v
				calls = append(calls, call{args: one})
			}
		}
		for _, kw := range []string{"timeout", "family", "flags", "bogus"} {
			calls = append(calls, call{args: starlark.Tuple{v}, kwargs: []starlark.Tuple{{starlark.String(kw), v}}})
		}
	}
	return calls
}

// TestHostileArguments calls every function of the module and every
// method of a socket (as listed by the module and the socket themselves,
// so new ones are covered) with hostileCalls. Each call must return, or
// raise a TypeError, ValueError (UnicodeError included), OverflowError or
// OSError (gaierror and the errno subclasses included): never a panic, a
// Go error, another exception, or a wait past the deadline. Afterwards
// the process has the descriptors it had before.
func TestHostileArguments(t *testing.T) {
	warmUpPoller(t)
	before := openFDs(t)
	options := socket.Options{
		DefaultTimeout: socket.NonBlocking, // nothing waits for a peer
		AllowFDs:       true,               // descriptor arguments are converted, not refused
		Policy:         loopbackOnly,
	}
	// The functions get an instance of their own: setdefaulttimeout(None)
	// among them must not make the methods' sockets blocking.
	functionsInst, methodsInst := socket.New(options), socket.New(options)
	module := functionsInst.Module().(starlark.HasAttrs)
	calls := hostileCalls()
	var detached []int
	count := 0
	check := func(desc string, fn starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) starlark.Value {
		count++
		v, err := callGuarded(fn, args, kwargs)
		if err == nil {
			return v
		}
		var exc *builtins.Exception
		switch {
		case builtins.IsCancellation(err):
			t.Errorf("%s%s: still waiting after %v", desc, callString(args, kwargs), hostileDeadline)
		case !errors.As(err, &exc):
			t.Errorf("%s%s: %T %v, not a Python exception", desc, callString(args, kwargs), err, err)
		case isOneOf(exc.Class(), hostileClasses):
		case exc.Class() == builtins.AttributeError && callsArgumentMethod[strings.TrimPrefix(desc, "socket.")]:
		default:
			t.Errorf("%s%s raised %v", desc, callString(args, kwargs), exc)
		}
		return nil
	}
	for _, name := range callableNames(module) {
		fn, _ := module.Attr(name)
		for _, c := range calls {
			v := check("socket."+name, fn, c.args, c.kwargs)
			if fd, ok := v.(starlark.Int); ok && name == "dup" {
				n, _ := fd.Int64()
				detached = append(detached, int(n))
			}
		}
	}
	for _, kind := range hostileKinds {
		for _, name := range fuzzMethodNames {
			for _, c := range calls {
				s, err := newSocket(methodsInst, kind.family, kind.sotype)
				if err != nil {
					t.Skipf("no %s sockets here: %v", kind.name, err)
				}
				fn, _ := s.Attr(name)
				v := check(kind.name+"."+name, fn, c.args, c.kwargs)
				if fd, ok := v.(starlark.Int); ok && name == "detach" {
					n, _ := fd.Int64()
					detached = append(detached, int(n))
				}
				s.Close()
			}
		}
	}
	functionsInst.Close()
	methodsInst.Close()
	for _, fd := range detached {
		unix.Close(fd)
	}
	t.Logf("%d calls: %d module functions, %d methods on %d kinds of socket", count, len(callableNames(module)), len(fuzzMethodNames), len(hostileKinds))
	if leaked := fdDiff(before, openFDs(t)); leaked != "" {
		t.Errorf("descriptors left open: %s", leaked)
	}
}

// hostileDeadline bounds one call; none waits for a peer.
const hostileDeadline = 5 * time.Second

// callGuarded calls fn, turning a panic into an error that says where.
func callGuarded(fn starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (v starlark.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), hostileDeadline)
	defer cancel()
	thread := &starlark.Thread{Name: "hostile"}
	thread.SetLocal(builtins.ContextKey, ctx)
	return starlark.Call(thread, fn, args, kwargs)
}

func isOneOf(c *builtins.Class, classes []*builtins.Class) bool {
	for _, k := range classes {
		if c.IsSubclass(k) {
			return true
		}
	}
	return false
}

// newSocket makes a socket of the given kind in inst.
func newSocket(inst *socket.Instance, family, sotype int) (*socket.Socket, error) {
	class, _ := inst.Module().(starlark.HasAttrs).Attr("socket")
	v, err := starlark.Call(&starlark.Thread{}, class, starlark.Tuple{starlark.MakeInt(family), starlark.MakeInt(sotype)}, nil)
	if err != nil {
		return nil, err
	}
	return v.(*socket.Socket), nil
}

// loopbackOnly is a policy that keeps addresses on loopback or AF_UNIX.
func loopbackOnly(r socket.Request) error {
	if ap, ok := r.Address.AddrPort(); ok && !ap.Addr().IsLoopback() {
		return fmt.Errorf("%s is not loopback", ap.Addr())
	}
	// The hostile strings are converted (and checked) before the policy is
	// asked; binding them as paths would only leave socket files behind in
	// the package's directory.
	if r.Family == unix.AF_UNIX && r.Address != nil {
		if name := r.Address.String(); name != "" && !strings.HasPrefix(name, "@") {
			return fmt.Errorf("%q: no file-system names here", name)
		}
	}
	return nil
}
