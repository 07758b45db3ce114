package socket_test

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// benchGlobals runs setup in a fresh instance (closed when b ends) and
// returns its globals and noop, a builtin that does nothing, beside the
// dialect's predeclared names.
func benchGlobals(b *testing.B, setup string) starlark.StringDict {
	b.Helper()
	inst := socket.New(socket.Permissive)
	b.Cleanup(func() { inst.Close() })
	predeclared := builtins.Predeclared(nil)
	predeclared["socket"] = inst.Module()
	predeclared["noop"] = starlark.NewBuiltin("noop", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		return starlark.None, nil
	})
	thread := &starlark.Thread{Name: "setup"}
	g, err := starlark.ExecFileOptions(builtins.FileOptions, thread, "setup.star", setup, predeclared)
	if err != nil {
		b.Fatal(err)
	}
	g["noop"] = predeclared["noop"]
	for k, v := range predeclared {
		if _, ok := g[k]; !ok {
			g[k] = v
		}
	}
	return g
}

// setupNames are the globals a benchmark's setup made, and noop.
func setupNames(globals starlark.StringDict) []string {
	predeclared := builtins.Predeclared(nil)
	var names []string
	for name := range globals {
		if _, ok := predeclared[name]; !ok && name != "socket" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// benchLoop runs body b.N times in a Starlark loop over globals, so that
// the figures are those of a script: per op, one execution of body. The
// setup's values are the loop function's locals, as a script's variables
// in a function are (a global is a map lookup per use).
func benchLoop(b *testing.B, globals starlark.StringDict, body string) {
	b.Helper()
	var params strings.Builder
	for _, name := range setupNames(globals) {
		fmt.Fprintf(&params, ", %s=%s", name, name)
	}
	src := "def loop(n" + params.String() + "):\n    for _ in range(n):\n        " + strings.ReplaceAll(body, "\n", "\n        ") + "\n"
	thread := &starlark.Thread{Name: "bench"}
	g, err := starlark.ExecFileOptions(builtins.FileOptions, thread, "bench.star", src, globals)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if _, err := starlark.Call(thread, g["loop"], starlark.Tuple{starlark.MakeInt(b.N)}, nil); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCall is the cost of a method call from a script, against the
// floor of any call: a builtin that does nothing (empty is the loop alone).
func BenchmarkCall(b *testing.B) {
	for _, tc := range []struct{ name, body string }{
		{"empty", "pass"},
		{"noop", "noop()"},
		{"fileno", "s.fileno()"},
		{"gettimeout", "s.gettimeout()"},
		{"attr_only", "s.fileno"},
		{"family", "s.family"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			benchLoop(b, benchGlobals(b, "s = socket.socket()"), tc.body)
		})
	}
}

// BenchmarkSendRecv sends and receives on a connected AF_UNIX stream pair
// in one thread: the data is always there, so this is the call path
// (argument checks, system calls, the bytes value) without waiting.
func BenchmarkSendRecv(b *testing.B) {
	for _, size := range []int{1, 1 << 10, 64 << 10} {
		for _, timeout := range []string{"None", "5.0"} {
			b.Run(fmt.Sprintf("%dB/timeout=%s", size, timeout), func(b *testing.B) {
				g := benchGlobals(b, fmt.Sprintf(`
a, c = socket.socketpair()
a.settimeout(%[2]s)
c.settimeout(%[2]s)
msg = b"x" * %[1]d
`, size, timeout))
				b.SetBytes(int64(size))
				benchLoop(b, g, fmt.Sprintf("a.sendall(msg)\nif len(c.recv(%d)) != %d:\n    fail(\"short read\")", size, size))
			})
		}
	}
}

// BenchmarkDatagram is udp_pingpong's server step without the wait: a
// recvfrom of a 32-byte datagram and a sendto back to its sender, with the
// address converted both ways.
func BenchmarkDatagram(b *testing.B) {
	g := benchGlobals(b, `
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.bind(("127.0.0.1", 0))
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.bind(("127.0.0.1", 0))
c.connect(a.getsockname())
msg = b"0123456789abcdef0123456789abcdef"
`)
	b.SetBytes(32)
	benchLoop(b, g, `c.send(msg)
data, addr = a.recvfrom(64)
a.sendto(data, addr)
c.recv(64)`)
}

// BenchmarkRecvLarge is recv with a bufsize larger than the data waiting:
// what it allocates should follow the data, not bufsize.
func BenchmarkRecvLarge(b *testing.B) {
	for _, bufsize := range []int{64 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("1KiB_of_%d", bufsize), func(b *testing.B) {
			g := benchGlobals(b, "a, c = socket.socketpair()\nmsg = b\"x\" * 1024")
			b.SetBytes(1024)
			benchLoop(b, g, fmt.Sprintf("a.sendall(msg)\nc.recv(%d)", bufsize))
		})
	}
}

// BenchmarkPingPong is a request/response exchange of one byte between two
// threads of one process, each blocking in recv: the wait path.
func BenchmarkPingPong(b *testing.B) {
	g := benchGlobals(b, "a, c = socket.socketpair()")
	echo := `
def echo():
    while True:
        data = c.recv(1)
        if not data:
            return
        c.sendall(data)
echo()
`
	done := make(chan error, 1)
	go func() {
		thread := &starlark.Thread{Name: "echo"}
		_, err := starlark.ExecFileOptions(builtins.FileOptions, thread, "echo.star", echo, g)
		done <- err
	}()
	benchLoop(b, g, `a.sendall(b"x")
if a.recv(1) != b"x":
    fail("wrong reply")`)
	b.StopTimer()
	g["a"].(*socket.Socket).Close()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSocketMemory reports the heap a socket holds: new, and after
// a script has called some of its methods.
func BenchmarkSocketMemory(b *testing.B) {
	const pairs = 500
	var made, used float64
	for range b.N {
		made, used = socketMemory(b, pairs)
	}
	b.ReportMetric(made, "B/socket")
	b.ReportMetric(used, "B/used-socket")
}

// socketMemory makes pairs socketpairs and returns the heap per socket,
// then again after calls of fileno, gettimeout, sendall and recv.
func socketMemory(b *testing.B, pairs int) (made, used float64) {
	inst := socket.New(socket.Permissive)
	defer inst.Close()
	predeclared := builtins.Predeclared(nil)
	predeclared["socket"] = inst.Module()
	thread := &starlark.Thread{Name: "memory"}
	exec := func(src string, globals starlark.StringDict) starlark.StringDict {
		g, err := starlark.ExecFileOptions(builtins.FileOptions, thread, "memory.star", src, globals)
		if err != nil {
			b.Fatal(err)
		}
		return g
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	g := exec(fmt.Sprintf("pairs = [socket.socketpair() for _ in range(%d)]", pairs), predeclared)
	runtime.GC()
	runtime.ReadMemStats(&after)
	made = float64(after.HeapAlloc-before.HeapAlloc) / float64(2*pairs)
	exec(`
for a, c in pairs:
    for s, peer in ((a, c), (c, a)):
        s.fileno()
        s.gettimeout()
        s.sendall(b"x")
        peer.recv(1)
`, starlark.StringDict{"pairs": g["pairs"]})
	runtime.GC()
	runtime.ReadMemStats(&after)
	used = float64(after.HeapAlloc-before.HeapAlloc) / float64(2*pairs)
	runtime.KeepAlive(g)
	return made, used
}
