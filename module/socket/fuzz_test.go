package socket_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/internal/nodns"
	"github.com/starsock/starsock/module/socket"
)

func init() {
	// No test here resolves a name through DNS (the rule for every test
	// of this package), so that fuzzed and hostile hosts end at /etc/hosts.
	nodns.Install("the socket module's tests")
}

// FuzzSocketOps decodes the fuzz input into a sequence of calls of socket
// methods and module functions with arguments drawn from a vocabulary of
// good and bad values, and runs them against a small world of connected
// sockets (an AF_UNIX socketpair, a TCP connection and its listener, two
// UDP sockets) in an instance whose default timeout is short. Invariants:
//   - no panic;
//   - every error is a Python exception;
//   - no call on a socket with a timeout blocks past it (plus slack); a
//     call that may block for good is cancelled and must return promptly;
//   - the bytes read from each stream pair are the bytes written, in
//     order, as long as only plain send/recv calls touched the pair;
//   - once the instance is closed, the process has the descriptors it had
//     before.
func FuzzSocketOps(f *testing.F) {
	for _, seed := range fuzzSocketSeeds {
		f.Add(encodeSeed(seed))
	}
	warmUpPoller(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		before := openFDs(t)
		w := newFuzzWorld(t)
		defer time.AfterFunc(runDeadline, hung).Stop()
		w.run(data)
		w.inst.Close()
		for _, fd := range w.detached {
			unix.Close(fd) // detach() gave the script the descriptor to close
		}
		if n := w.inst.OpenSockets(); n != 0 {
			t.Fatalf("%d sockets open after Close\n%s", n, w.log())
		}
		if leaked := fdDiff(before, openFDs(t)); leaked != "" {
			t.Fatalf("descriptors open after Close that were not before: %s\n%s", leaked, w.log())
		}
	})
}

// seedOp is one call of a seed, encoded as the fuzz input would have it.
type seedOp struct {
	fn   bool // a module function rather than a method
	slot byte // the socket, for a method
	name string
	args [][]byte // each an argument kind and the bytes it reads
}

// fuzzSocketSeeds exercise each kind of call: recv after send, sendall and
// recv on TCP, sendto between the UDP sockets, accept, connect, settimeout
// with bad values, shutdown, close, dup, detach, module functions.
var fuzzSocketSeeds = [][]seedOp{
	{{slot: 0, name: "send", args: [][]byte{{argBytes, 5}}}, {slot: 1, name: "recv", args: [][]byte{{argSmallInt, 9}}}},
	{{slot: 2, name: "sendall", args: [][]byte{{argBytes, 200}}}, {slot: 3, name: "recv", args: [][]byte{{argUint16, 1, 0}}}},
	{{slot: 4, name: "sendto", args: [][]byte{{argBytes, 3}, {argNameOf, 5}}}, {slot: 5, name: "recvfrom", args: [][]byte{{argSmallInt, 100}}}},
	{{slot: 6, name: "accept"}, {slot: 6, name: "accept"}},
	{{slot: 0, name: "settimeout", args: [][]byte{{argNaN}}}, {slot: 1, name: "settimeout", args: [][]byte{{argHuge}}}, {slot: 0, name: "settimeout", args: [][]byte{{argNone}}}, {slot: 0, name: "recv", args: [][]byte{{argOne}}}},
	{{slot: 1, name: "shutdown", args: [][]byte{{argConst, 15}}}, {slot: 0, name: "recv", args: [][]byte{{argSmallInt, 4}}}},
	{{slot: 0, name: "close"}, {slot: 0, name: "send", args: [][]byte{{argBytes, 1}}}},
	{{slot: 2, name: "dup"}, {slot: 3, name: "detach"}},
	{{slot: 7, name: "connect", args: [][]byte{{argNameOf, 6}}}, {slot: 6, name: "accept"}},
	{{slot: 7, name: "bind", args: [][]byte{{argPath, 1}}}, {slot: 7, name: "listen", args: [][]byte{{argInt31}}}},
	{{fn: true, name: "create_connection", args: [][]byte{{argNameOf, 6}, {argFloatSmall}}}},
	{{fn: true, name: "socketpair"}, {fn: true, name: "socket", args: [][]byte{{argConst, 18}, {argConst, 20}}}},
	{{slot: 2, name: "sendall", args: [][]byte{{argBigBytes}}}, {slot: 2, name: "sendall", args: [][]byte{{argBigBytes}}}, {slot: 2, name: "sendall", args: [][]byte{{argBigBytes}}}, {slot: 3, name: "recv", args: [][]byte{{argInt63}}}},
}

// encodeSeed writes ops as fuzz input, with today's name tables.
func encodeSeed(ops []seedOp) []byte {
	var b []byte
	for _, op := range ops {
		if op.fn {
			b = append(b, 7, byte(sort.SearchStrings(fuzzFunctionNames, op.name)))
		} else {
			b = append(b, 0, op.slot, byte(sort.SearchStrings(fuzzMethodNames, op.name)))
		}
		b = append(b, byte(len(op.args)))
		for _, a := range op.args {
			b = append(b, a...)
		}
		b = append(b, 0) // no keyword argument
	}
	return b
}

// runDeadline bounds one run: maxFuzzOps calls, each bounded by its
// socket's timeout or blockingCutoff, take a few seconds at most.
const runDeadline = time.Minute

// hung ends a run that passed runDeadline, with every goroutine's stack
// to show where it is stuck; the fuzzer keeps the input as a crasher.
func hung() {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	panic(fmt.Sprintf("a run took longer than %v:\n%s", runDeadline, buf[:n]))
}

// warmUpPoller makes the netpoller's own descriptors, which are made on
// first use and stay, before any run counts descriptors.
func warmUpPoller(tb testing.TB) {
	inst := socket.New(socket.Permissive)
	defer inst.Close()
	if _, err := execScript(context.Background(), inst, "a, b = socket.socketpair()\na.settimeout(0.001)\ncatch(a.recv, 1)"); err != nil {
		tb.Fatal(err)
	}
}

// execScript runs src in inst with the dialect's predeclared names; what
// it prints is dropped.
func execScript(ctx context.Context, inst *socket.Instance, src string) (starlark.StringDict, error) {
	thread := &starlark.Thread{Name: "script", Print: func(*starlark.Thread, string) {}}
	thread.SetLocal(builtins.ContextKey, ctx)
	predeclared := builtins.Predeclared(nil)
	predeclared["socket"] = inst.Module()
	return starlark.ExecFileOptions(builtins.FileOptions, thread, "world.star", src, predeclared)
}

// worldScript makes the sockets every run starts with, in this order.
const worldScript = `
a, b = socket.socketpair()
srv = socket.create_server(("127.0.0.1", 0))
c = socket.create_connection(srv.getsockname())
d, _ = srv.accept()
u1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u1.bind(("127.0.0.1", 0))
u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u2.bind(("127.0.0.1", 0))
u2.connect(u1.getsockname())
spare = socket.socket()
`

var worldNames = []string{"a", "b", "c", "d", "u1", "u2", "srv", "spare"}

// streamPairs are the world's connected stream sockets, by slot.
var streamPairs = [][2]int{{0, 1}, {2, 3}}

const (
	fuzzDefaultTimeout = 20 * time.Millisecond
	maxFuzzOps         = 48
	maxFuzzSockets     = 24
	// A call on a socket with a timeout returns within the timeout; this
	// is the slack allowed on a busy machine before it counts as a hang.
	hangSlack = 3 * time.Second
	// A call that may block without end (timeout None) is cancelled
	// after this, and must then return promptly.
	blockingCutoff = 100 * time.Millisecond
)

// fuzzWorld is one run's sockets and what it saw.
type fuzzWorld struct {
	t        *testing.T
	inst     *socket.Instance
	module   starlark.Value
	dir      string // for AF_UNIX paths
	slots    []*socket.Socket
	detached []int
	trace    []string
	streams  map[[2]int]*streamCheck // by (writer slot, reader slot)
	tainted  map[int]bool            // slots whose stream can no longer be checked
}

// streamCheck is what went into one direction of a stream pair and what
// came out so far.
type streamCheck struct{ sent, received []byte }

func newFuzzWorld(t *testing.T) *fuzzWorld {
	w := &fuzzWorld{t: t, dir: t.TempDir(), streams: map[[2]int]*streamCheck{}, tainted: map[int]bool{}}
	w.inst = socket.New(socket.Options{
		DefaultTimeout: fuzzDefaultTimeout,
		Policy:         w.policy,
		MaxSockets:     maxFuzzSockets,
	})
	w.module = w.inst.Module()
	g, err := execScript(context.Background(), w.inst, worldScript)
	if err != nil {
		w.inst.Close()
		t.Fatalf("making the world: %v", err)
	}
	for _, name := range worldNames {
		w.slots = append(w.slots, g[name].(*socket.Socket))
	}
	for _, p := range streamPairs {
		w.streams[[2]int{p[0], p[1]}] = &streamCheck{}
		w.streams[[2]int{p[1], p[0]}] = &streamCheck{}
	}
	return w
}

// policy keeps every run to itself: addresses on loopback whose port is
// one of the run's own sockets' (or 1, which nothing serves), and AF_UNIX
// names under the run's directory or its abstract prefix. While the world
// is being made (no slots yet), its own script is trusted.
func (w *fuzzWorld) policy(r socket.Request) error {
	switch r.Family {
	case unix.AF_INET, unix.AF_INET6:
		ap, _ := r.Address.AddrPort()
		if !ap.Addr().IsLoopback() && !ap.Addr().IsUnspecified() {
			return fmt.Errorf("%s is not loopback", ap.Addr())
		}
		if len(w.slots) == 0 || r.Op == "bind" || r.Op == "create_server" || ap.Port() <= 1 || w.ownPort(int(ap.Port())) {
			return nil
		}
		return fmt.Errorf("port %d is not this run's", ap.Port())
	case unix.AF_UNIX:
		name := r.Address.String()
		if name == "" || strings.HasPrefix(name, w.dir) || strings.HasPrefix(name, "@"+abstractPrefix) {
			return nil
		}
		return fmt.Errorf("%q is not this run's", name)
	}
	return fmt.Errorf("family %d is not fuzzed", r.Family)
}

func (w *fuzzWorld) ownPort(port int) bool {
	for _, s := range w.slots {
		if fd := s.Fileno(); fd >= 0 {
			if sa, err := unix.Getsockname(fd); err == nil {
				switch sa := sa.(type) {
				case *unix.SockaddrInet4:
					if sa.Port == port {
						return true
					}
				case *unix.SockaddrInet6:
					if sa.Port == port {
						return true
					}
				}
			}
		}
	}
	return false
}

var abstractPrefix = "starsock-fuzz-" + strconv.Itoa(os.Getpid()) + "-"

// fuzzReader reads the fuzz input; input that runs out reads as zeros.
type fuzzReader struct{ data []byte }

func (r *fuzzReader) byte() byte {
	if len(r.data) == 0 {
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

// Argument kinds, the first byte of each argument.
const (
	argNone = iota
	argTrue
	argZero
	argOne
	argMinusOne
	argSmallInt // a signed byte follows
	argUint16   // two bytes follow
	argInt31
	argInt63
	argIntMin32
	argHuge
	argEmptyBytes
	argBytes // a length byte follows
	argBigBytes
	argEmptyStr
	argStrNUL
	argFloatZero
	argFloatSmall
	argNaN
	argFloatNegative
	argFloatHuge
	argNameOf // a slot byte follows: that socket's address
	argPeerOf // a slot byte follows: that socket's peer
	argLoopback4
	argLoopback6
	argLocalhost
	argBadHost
	argPath // a byte follows
	argAbstract
	argNested
	argConst // an index byte follows
	argSocket
	numArgKinds
)

// fuzzConstants are option levels and names, flags and kinds a script
// would pass. SO_LINGER is left out: a lingering close may block in the
// kernel, as it does in CPython.
var fuzzConstants = []int{
	unix.SOL_SOCKET, unix.SO_REUSEADDR, unix.SO_RCVBUF, unix.SO_SNDBUF, unix.SO_KEEPALIVE, unix.SO_ERROR, unix.SO_TYPE,
	unix.IPPROTO_TCP, unix.TCP_NODELAY, unix.MSG_PEEK, unix.MSG_DONTWAIT, unix.MSG_OOB, unix.MSG_WAITALL,
	unix.SHUT_RD, unix.SHUT_WR, unix.SHUT_RDWR, unix.AF_INET, unix.AF_INET6, unix.AF_UNIX,
	unix.SOCK_STREAM, unix.SOCK_DGRAM, unix.SOCK_SEQPACKET, unix.SOCK_NONBLOCK, unix.SO_RCVTIMEO, unix.IPPROTO_UDP,
}

// kwargNames are keyword names some function or method takes, and one
// none does.
var kwargNames = []string{"timeout", "family", "type", "proto", "flags", "backlog", "fileno", "source_address", "all_errors", "reuse_port", "dualstack_ipv6", "bogus"}

// arg decodes one argument; some are resolved only when the call runs.
func (w *fuzzWorld) arg(r *fuzzReader) func() starlark.Value {
	constant := func(v starlark.Value) func() starlark.Value { return func() starlark.Value { return v } }
	switch r.byte() % numArgKinds {
	case argNone:
		return constant(starlark.None)
	case argTrue:
		return constant(starlark.True)
	case argZero:
		return constant(starlark.MakeInt(0))
	case argOne:
		return constant(starlark.MakeInt(1))
	case argMinusOne:
		return constant(starlark.MakeInt(-1))
	case argSmallInt:
		return constant(starlark.MakeInt(int(int8(r.byte()))))
	case argUint16:
		return constant(starlark.MakeInt(int(r.byte())<<8 | int(r.byte())))
	case argInt31:
		return constant(starlark.MakeInt64(1 << 31))
	case argInt63:
		return constant(starlark.MakeUint64(1 << 63))
	case argIntMin32:
		return constant(starlark.MakeInt64(math.MinInt32 - 1))
	case argHuge:
		return constant(starlark.MakeInt(1).Lsh(100))
	case argEmptyBytes:
		return constant(starlark.Bytes(""))
	case argBytes:
		n := int(r.byte())
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + i%26)
		}
		return constant(starlark.Bytes(b))
	case argBigBytes:
		return constant(starlark.Bytes(strings.Repeat("x", 70000)))
	case argEmptyStr:
		return constant(starlark.String(""))
	case argStrNUL:
		return constant(starlark.String("str\x00nul"))
	case argFloatZero:
		return constant(starlark.Float(0))
	case argFloatSmall:
		return constant(starlark.Float(0.01))
	case argNaN:
		return constant(starlark.Float(math.NaN()))
	case argFloatNegative:
		return constant(starlark.Float(-1))
	case argFloatHuge:
		return constant(starlark.Float(1e300))
	case argNameOf:
		slot := int(r.byte())
		return func() starlark.Value { return w.addressOf(slot, "getsockname") }
	case argPeerOf:
		slot := int(r.byte())
		return func() starlark.Value { return w.addressOf(slot, "getpeername") }
	case argLoopback4:
		return constant(starlark.Tuple{starlark.String("127.0.0.1"), starlark.MakeInt(int(r.byte() % 2))})
	case argLoopback6:
		return constant(starlark.Tuple{starlark.String("::1"), starlark.MakeInt(int(r.byte() % 2))})
	case argLocalhost:
		return constant(starlark.Tuple{starlark.String("localhost"), starlark.MakeInt(0)})
	case argBadHost:
		return constant(starlark.Tuple{starlark.String("no such host!"), starlark.MakeInt(80)})
	case argPath:
		return constant(starlark.String(filepath.Join(w.dir, "s"+strconv.Itoa(int(r.byte()%4)))))
	case argAbstract:
		return constant(starlark.Bytes("\x00" + abstractPrefix + strconv.Itoa(int(r.byte()%4))))
	case argNested:
		return constant(starlark.Tuple{starlark.Tuple{starlark.MakeInt(1)}, starlark.NewList([]starlark.Value{starlark.String("x")})})
	case argConst:
		return constant(starlark.MakeInt(fuzzConstants[int(r.byte())%len(fuzzConstants)]))
	default: // argSocket: a socket where a value is wanted
		slot := int(r.byte())
		return func() starlark.Value { return w.slots[slot%len(w.slots)] }
	}
}

// addressOf is socket slot's own address or its peer's, or an address
// nothing serves when it has none.
func (w *fuzzWorld) addressOf(slot int, method string) starlark.Value {
	s := w.slots[slot%len(w.slots)]
	m, _ := s.Attr(method)
	if v, err := starlark.Call(&starlark.Thread{}, m, nil, nil); err == nil {
		return v
	}
	return starlark.Tuple{starlark.String("127.0.0.1"), starlark.MakeInt(1)}
}

// fuzzMethodNames and fuzzFunctionNames are what the fuzzer calls: every
// method of a socket and every function of the module, so that new ones
// are fuzzed as soon as they exist. (sethostname among them is refused:
// no instance here sets Options.AllowSetHostname.)
var (
	fuzzMethodNames   = callableNames(new(socket.Socket))
	fuzzFunctionNames = callableNames(socket.New(socket.Options{}).Module().(starlark.HasAttrs))
)

func callableNames(x starlark.HasAttrs) []string {
	var names []string
	for _, name := range x.AttrNames() {
		v, _ := x.Attr(name)
		if _, isClass := v.(*builtins.Class); isClass {
			continue
		}
		if _, ok := v.(starlark.Callable); ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// fuzzCall is one decoded call; slot is -1 for a module function.
type fuzzCall struct {
	slot   int
	name   string
	args   []func() starlark.Value
	kwName string
	kw     func() starlark.Value
}

func (w *fuzzWorld) decode(r *fuzzReader) fuzzCall {
	var c fuzzCall
	if r.byte()%8 == 7 {
		c.slot = -1
		c.name = fuzzFunctionNames[int(r.byte())%len(fuzzFunctionNames)]
	} else {
		c.slot = int(r.byte()) % len(w.slots)
		c.name = fuzzMethodNames[int(r.byte())%len(fuzzMethodNames)]
	}
	for n := r.byte() % 4; n > 0; n-- {
		c.args = append(c.args, w.arg(r))
	}
	if r.byte()%6 == 5 {
		c.kwName = kwargNames[int(r.byte())%len(kwargNames)]
		c.kw = w.arg(r)
	}
	return c
}

func (w *fuzzWorld) run(data []byte) {
	r := &fuzzReader{data: data}
	for i := 0; i < maxFuzzOps && len(r.data) > 0; i++ {
		w.do(w.decode(r))
	}
	w.checkStreamsDrained()
}

// do makes one call and checks what it did.
func (w *fuzzWorld) do(c fuzzCall) {
	var fn starlark.Value
	var target *socket.Socket
	desc := "socket." + c.name
	if c.slot < 0 {
		fn, _ = w.module.(starlark.HasAttrs).Attr(c.name)
	} else {
		target = w.slots[c.slot]
		fn, _ = target.Attr(c.name)
		desc = "s" + strconv.Itoa(c.slot) + "." + c.name
	}
	args := make(starlark.Tuple, len(c.args))
	for i, a := range c.args {
		args[i] = a()
	}
	var kwargs []starlark.Tuple
	if c.kw != nil {
		kwargs = []starlark.Tuple{{starlark.String(c.kwName), c.kw()}}
	}
	desc += callString(args, kwargs)

	mayBlock := w.mayBlockForever(target, args, kwargs)
	limit := hangSlack
	if mayBlock {
		limit = blockingCutoff
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	thread := &starlark.Thread{Name: "fuzz"}
	thread.SetLocal(builtins.ContextKey, ctx)
	start := time.Now()
	v, err := starlark.Call(thread, fn, args, kwargs)
	elapsed := time.Since(start)
	cancel()

	outcome := "ok"
	switch {
	case err == nil:
		outcome = truncate(builtins.PyRepr(v))
	case builtins.IsCancellation(err):
		outcome = "cancelled"
	default:
		outcome = err.Error()
	}
	w.trace = append(w.trace, fmt.Sprintf("%s -> %s (%v)", desc, truncate(outcome), elapsed.Round(time.Millisecond)))

	var exc *builtins.Exception
	switch {
	case err == nil:
	case builtins.IsCancellation(err):
		if !mayBlock {
			w.t.Fatalf("a call on a socket with a timeout was still blocked after %v\n%s", limit, w.log())
		}
	case !errors.As(err, &exc):
		w.t.Fatalf("%s returned a Go error that is not a Python exception: %T %v\n%s", desc, err, err, w.log())
	}
	if elapsed > limit+hangSlack {
		w.t.Fatalf("%s took %v, past its bound of %v\n%s", desc, elapsed, limit, w.log())
	}
	w.account(c, target, args, v, err)
	if err == nil {
		w.adopt(c, v) // with an error, v is no value (Starlark drops it)
	}
}

func callString(args starlark.Tuple, kwargs []starlark.Tuple) string {
	var parts []string
	for _, a := range args {
		parts = append(parts, truncate(builtins.PyRepr(a)))
	}
	for _, kv := range kwargs {
		parts = append(parts, string(kv[0].(starlark.String))+"="+truncate(builtins.PyRepr(kv[1])))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// mayBlockForever reports whether the call may wait without a deadline:
// a method of a socket whose timeout is None, or a module function when
// the default timeout is None or a None is passed (create_connection's
// timeout).
func (w *fuzzWorld) mayBlockForever(target *socket.Socket, args starlark.Tuple, kwargs []starlark.Tuple) bool {
	if target != nil {
		timeout, _ := target.Attr("timeout")
		return timeout == starlark.None
	}
	get, _ := w.module.(starlark.HasAttrs).Attr("getdefaulttimeout")
	if d, err := starlark.Call(&starlark.Thread{}, get, nil, nil); err != nil || d == starlark.None {
		return true
	}
	for _, a := range args {
		if a == starlark.None {
			return true
		}
	}
	for _, kv := range kwargs {
		if kv[1] == starlark.None {
			return true
		}
	}
	return false
}

// adopt adds the sockets a call returned to the world, and remembers the
// descriptors detach() handed over.
func (w *fuzzWorld) adopt(c fuzzCall, v starlark.Value) {
	switch v := v.(type) {
	case *socket.Socket:
		w.slots = append(w.slots, v)
	case starlark.Tuple:
		for _, x := range v {
			w.adopt(c, x)
		}
	case starlark.Int:
		if fd, ok := v.Int64(); ok && c.name == "detach" && c.slot >= 0 && fd >= 0 {
			w.detached = append(w.detached, int(fd))
		}
	}
}

// harmlessMethods leave a connected stream's data alone.
var harmlessMethods = map[string]bool{
	"fileno": true, "getblocking": true, "gettimeout": true, "getsockname": true, "getpeername": true,
	"getsockopt": true, "settimeout": true, "setblocking": true, "get_inheritable": true,
	"set_inheritable": true, "listen": true, "bind": true, "connect": true, "connect_ex": true, "accept": true,
}

// peerOf returns the other end of slot's stream pair, or -1.
func peerOf(slot int) int {
	for _, p := range streamPairs {
		switch slot {
		case p[0]:
			return p[1]
		case p[1]:
			return p[0]
		}
	}
	return -1
}

// account records what a call on a stream pair sent or received, and
// checks that what was received so far was sent, in order. A call whose
// effect on the stream cannot be known (flags, a failed sendall, close,
// dup, ...) ends the check for that pair.
func (w *fuzzWorld) account(c fuzzCall, target *socket.Socket, args starlark.Tuple, v starlark.Value, err error) {
	if target == nil {
		return
	}
	slot := c.slot
	peer := peerOf(slot)
	if peer < 0 || w.tainted[slot] {
		return
	}
	taint := func() { w.tainted[slot], w.tainted[peer] = true, true }
	plain := c.kw == nil && (len(args) < 2 || isZero(args[1]))
	switch {
	case harmlessMethods[c.name]:
		return
	case !plain || len(args) == 0:
		if err == nil || !isArgumentError(err) {
			taint()
		}
		return
	}
	out, in := w.streams[[2]int{slot, peer}], w.streams[[2]int{peer, slot}]
	switch c.name {
	case "send":
		if err == nil {
			n, _ := starlark.AsInt32(v)
			out.sent = append(out.sent, args[0].(starlark.Bytes)[:n]...)
		}
	case "sendall":
		if err == nil {
			out.sent = append(out.sent, args[0].(starlark.Bytes)...)
		} else if !isArgumentError(err) {
			taint() // part of it may have gone
		}
	case "recv", "recvfrom":
		if err != nil {
			return
		}
		if c.name == "recvfrom" {
			v = v.(starlark.Tuple)[0]
		}
		in.received = append(in.received, v.(starlark.Bytes)...)
		if !strings.HasPrefix(string(in.sent), string(in.received)) {
			w.t.Fatalf("s%d received %q, but s%d sent %q\n%s", slot, truncate(string(in.received)), peer, truncate(string(in.sent)), w.log())
		}
	default:
		if err == nil || !isArgumentError(err) {
			taint()
		}
	}
}

func isZero(v starlark.Value) bool {
	n, ok := v.(starlark.Int)
	return ok && n.Sign() == 0
}

// isArgumentError reports an exception raised before the call reached
// the socket: a wrong type or value.
func isArgumentError(err error) bool {
	var exc *builtins.Exception
	return errors.As(err, &exc) && (exc.Class().IsSubclass(builtins.TypeError) ||
		exc.Class().IsSubclass(builtins.ValueError) || exc.Class().IsSubclass(builtins.OverflowError))
}

// checkStreamsDrained reads what is left in each checked stream and
// holds the whole to what was sent.
func (w *fuzzWorld) checkStreamsDrained() {
	for key, st := range w.streams {
		writer, reader := key[0], key[1]
		if w.tainted[writer] || w.tainted[reader] {
			continue
		}
		fd := w.slots[reader].Fileno()
		deadline := time.Now().Add(hangSlack)
		buf := make([]byte, 64<<10)
		for len(st.received) < len(st.sent) && time.Now().Before(deadline) {
			n, _, err := unix.Recvfrom(fd, buf, unix.MSG_DONTWAIT)
			switch {
			case err == unix.EAGAIN:
				time.Sleep(time.Millisecond)
			case err != nil || n == 0:
				w.t.Fatalf("draining s%d: %d bytes, %v; %d of %d bytes received\n%s", reader, n, err, len(st.received), len(st.sent), w.log())
			default:
				st.received = append(st.received, buf[:n]...)
			}
		}
		if string(st.received) != string(st.sent) {
			w.t.Fatalf("s%d sent %d bytes, s%d received %d, not the same bytes\n%s", writer, len(st.sent), reader, len(st.received), w.log())
		}
	}
}

func (w *fuzzWorld) log() string { return "calls:\n  " + strings.Join(w.trace, "\n  ") }

// openFDs returns the process's open descriptors and what each refers to,
// leaving out the directory read to list them.
func openFDs(tb testing.TB) map[int]string {
	tb.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		tb.Fatal(err)
	}
	fds := make(map[int]string, len(entries))
	for _, e := range entries {
		fd, _ := strconv.Atoi(e.Name())
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil {
			continue // the listing's own descriptor, closed by now
		}
		fds[fd] = target
	}
	return fds
}

// fdDiff names the descriptors in after that were not in before.
func fdDiff(before, after map[int]string) string {
	var extra []string
	for fd, target := range after {
		if before[fd] != target {
			extra = append(extra, fmt.Sprintf("%d -> %s", fd, target))
		}
	}
	sort.Strings(extra)
	return strings.Join(extra, ", ")
}
