package socket_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/starsock/starsock/module/socket"
)

// TestFaults puts the bundled interpreter through faults a network program
// meets: a peer that resets, a peer gone while we write, no descriptors
// left, a peer that never answers, signals during blocking calls, a peer
// killed mid-transfer, huge receive sizes, a reader that stops. Each
// fault's script is written in the common subset of Starlark and Python
// and runs twice, under bin/starsock and under python3, each as a process
// of its own; their outputs must be the same lines, which the test also
// holds to what the fault must produce. The log ends with the table of
// faults and the exceptions each interpreter raised.
func TestFaults(t *testing.T) {
	python := lookPython(t)
	starsock := buildStarsock(t)
	var table faultTable
	t.Cleanup(func() { table.log(t) })

	for _, fc := range faultCases {
		t.Run(fc.name, func(t *testing.T) {
			t.Parallel()
			var outs [2][]string
			for i, in := range []interpreter{{"starsock", starsock}, {"cpython", python}} {
				outs[i] = fc.run(t, in)
			}
			if diff := cmp.Diff(fc.want, outs[0]); diff != "" {
				t.Errorf("starsock's output (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(outs[1], outs[0]); diff != "" {
				t.Errorf("starsock's output differs from CPython's (-cpython +starsock):\n%s", diff)
			}
			table.add(fc.name, outs[0], outs[1])
		})
	}
}

// A faultCase is a fault, how to bring it about, and the lines the script
// must print.
type faultCase struct {
	name string
	// run runs the case's script under in and returns what it printed,
	// with anything the case checks itself (exit status, stderr) added
	// as lines of the form "exit: ...".
	run  func(t *testing.T, in interpreter) []string
	want []string
}

var faultCases = []faultCase{
	{
		name: "peer resets (SO_LINGER 0)",
		run:  scriptOnly(resetScript),
		want: []string{
			"recv ConnectionResetError 104 [Errno 104] Connection reset by peer",
			"send BrokenPipeError 32 [Errno 32] Broken pipe",
			"recv returned b''",
			"exit: 0",
		},
	},
	{
		name: "write to a closed peer",
		run:  scriptOnly(closedPeerScript),
		want: []string{
			"send returned 5",
			"send BrokenPipeError 32 [Errno 32] Broken pipe",
			"send BrokenPipeError 32 [Errno 32] Broken pipe",
			"sendall BrokenPipeError 32 [Errno 32] Broken pipe",
			"still running",
			"exit: 0",
		},
	},
	{
		name: "stdout a closed pipe",
		run:  runWithClosedStdout,
		want: []string{
			"peer got: reached the end",
			"exit: 120",
			"stderr: Exception ignored in: <_io.TextIOWrapper name='<stdout>' mode='w' encoding='utf-8'>",
			"stderr: BrokenPipeError: [Errno 32] Broken pipe",
		},
	},
	{
		name: "too many open files (ulimit -n 64)",
		run:  runWithFewDescriptors,
		want: []string{
			"OSError 24 [Errno 24] Too many open files",
			"reopened 5",
			"exit: 0",
		},
	},
	{
		name: "connect to a listener whose backlog is full",
		run:  scriptOnly(backlogScript),
		want: []string{
			"connect 1 TimeoutError timed out, after the timeout: True",
			"exit: 0",
		},
	},
	{
		name: "signals during accept and recv",
		run:  runUnderSignals,
		want: []string{
			"accepted",
			"received b'hello'",
			"exit: 0",
		},
	},
	{
		name: "peer killed during recv",
		run:  killPeerDuring(recvFromDyingPeerScript, "send"),
		want: []string{
			"received 1000 then ConnectionResetError 104",
			"exit: 0",
		},
	},
	{
		name: "peer killed during sendall",
		run:  killPeerDuring(sendallToDyingPeerScript, "recv"),
		want: []string{
			"sendall ConnectionResetError 104",
			"exit: 0",
		},
	},
	{
		name: "recv(2**31 - 1) and recvfrom(2**30) with 10 bytes pending",
		run:  runHugeReceives,
		want: []string{
			"recv b'0123456789'",
			"recvfrom b'0123456789' True",
			"exit: 0",
		},
	},
	{
		name: "sendall of 100 MiB to a reader that stops",
		run:  scriptOnly(stalledReaderScript),
		want: []string{
			"sendall TimeoutError timed out, after the timeout: True, within 5 s: True",
			"exit: 0",
		},
	},
}

// twinPrelude gives python3 what the dialect predeclares: catch, and a
// type() that names the class as Starlark's does.
const twinPrelude = `import socket, sys, time
_type = type
def type(v):
    return _type(v).__name__
def catch(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs), None
    except Exception as e:
        return None, e
`

// attemptFunc prints what a call did, in both interpreters.
const attemptFunc = `
def attempt(name, fn, *args):
    v, e = catch(fn, *args)
    if e == None:
        print(name, "returned", v)
    else:
        print(name, type(e), e.errno, str(e))
`

const resetScript = attemptFunc + `
srv = socket.create_server(("127.0.0.1", 0))
c = socket.create_connection(srv.getsockname(), timeout=5)
conn, _ = srv.accept()
conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
conn.close()
time.sleep(0.1)
attempt("recv", c.recv, 10)
attempt("send", c.send, b"x")
attempt("recv", c.recv, 10)
`

const closedPeerScript = attemptFunc + `
srv = socket.create_server(("127.0.0.1", 0))
c = socket.create_connection(srv.getsockname(), timeout=5)
conn, _ = srv.accept()
conn.close()
time.sleep(0.1)
attempt("send", c.send, b"hello")
time.sleep(0.1)
attempt("send", c.send, b"hello")
attempt("send", c.send, b"hello")
attempt("sendall", c.sendall, b"x" * 1000000)
print("still running")
`

const emfileScript = `
socks = []
err = None
while err == None:
    s, err = catch(socket.socket)
    if s != None:
        socks.append(s)
print(type(err), err.errno, str(err))
for s in socks[:5]:
    s.close()
more = [socket.socket() for i in range(5)]
print("reopened", len(more))
`

// backlogScript fills a listener's queue (listen(0) keeps one connection
// waiting) until a connect's SYN goes unanswered.
const backlogScript = `
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(0)
clients = []
for i in range(8):
    c = socket.socket()
    c.settimeout(0.5)
    clients.append(c)
    start = time.monotonic()
    v, e = catch(c.connect, srv.getsockname())
    if e != None:
        print("connect", i, type(e), str(e) + ", after the timeout:", time.monotonic() - start >= 0.45)
        break
`

const signalsScript = `
srv = socket.create_server(("127.0.0.1", 0))
srv.settimeout(20)
print("ready", srv.getsockname()[1])
conn, _ = srv.accept()
print("accepted")
conn.settimeout(20)
data = b""
for i in range(10):
    chunk = conn.recv(100)
    data += chunk
    if len(data) >= 5 or chunk == b"":
        break
print("received", data)
`

const recvFromDyingPeerScript = `
srv = socket.create_server(("127.0.0.1", 0))
print("ready", srv.getsockname()[1])
conn, _ = srv.accept()
conn.settimeout(20)
conn.sendall(b"ping")  # the peer never reads it, so its death resets the connection
total = 0
err = None
for i in range(1000):
    data, err = catch(conn.recv, 65536)
    if err != None or data == b"":
        break
    total += len(data)
    if total == 1000:
        print("killme")
print("received", total, "then", type(err) if err != None else "EOF", err.errno if err != None else "")
`

const sendallToDyingPeerScript = `
srv = socket.create_server(("127.0.0.1", 0))
print("ready", srv.getsockname()[1])
conn, _ = srv.accept()
conn.settimeout(20)
v, e = catch(conn.sendall, b"x" * (64 << 20))
print("sendall", type(e), e.errno if e != None else "")
`

// dyingPeer connects to the port in argv[1]; "send" sends 1000 bytes and
// waits for the script's reply to arrive, "recv" reads 64 KiB; then it
// says so and waits to be killed.
const dyingPeer = `import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
if sys.argv[2] == "send":
    s.sendall(b"y" * 1000)
    # Wait for the script's b"ping" without reading it: unread data is
    # what makes the kernel reset the connection when this process dies
    # (killed before it arrives, the peer would close with a FIN).
    s.recv(4, socket.MSG_PEEK)
else:
    n = 0
    while n < 65536:
        n += len(s.recv(65536))
print("killme", flush=True)
time.sleep(60)
`

const hugeReceivesScript = `
a, b = socket.socketpair()
a.send(b"0123456789")
print("recv", b.recv((1 << 31) - 1))
u1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u1.bind(("127.0.0.1", 0))
u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u2.bind(("127.0.0.1", 0))
u2.sendto(b"0123456789", u1.getsockname())
data, addr = u1.recvfrom(1 << 30)
print("recvfrom", data, addr == u2.getsockname())
`

const stalledReaderScript = `
srv = socket.create_server(("127.0.0.1", 0))
c = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
c.settimeout(0.5)
start = time.monotonic()
v, e = catch(c.sendall, b"x" * (100 << 20))
took = time.monotonic() - start
print("sendall", type(e), str(e) + ", after the timeout:", took >= 0.45, end="")
print(", within 5 s:", took < 5)
`

// An interpreter is bin/starsock or python3.
type interpreter struct{ name, path string }

// command runs script with args: starsock -c SCRIPT, python3 -u -c
// PRELUDE+SCRIPT, so that sys.argv[1:] is args in both.
func (in interpreter) command(ctx context.Context, script string, args ...string) *exec.Cmd {
	if in.name == "cpython" {
		return exec.CommandContext(ctx, in.path, append([]string{"-u", "-c", twinPrelude + script}, args...)...)
	}
	return exec.CommandContext(ctx, in.path, append([]string{"-c", script}, args...)...)
}

// faultDeadline bounds one run of a fault script.
const faultDeadline = 60 * time.Second

// runCommand runs cmd and returns its output lines, then "exit: N" and
// its stderr lines prefixed "stderr: ".
func runCommand(t *testing.T, cmd *exec.Cmd) []string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if cmd.Stdout == nil {
		cmd.Stdout = &stdout
	}
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		t.Fatalf("%s: %v", cmd.Path, err)
	}
	return outputLines(stdout.String(), cmd.ProcessState, stderr.String())
}

func outputLines(stdout string, ps *os.ProcessState, stderr string) []string {
	lines := splitLines(stdout)
	lines = append(lines, fmt.Sprintf("exit: %d", ps.ExitCode()))
	for _, l := range splitLines(stderr) {
		lines = append(lines, "stderr: "+l)
	}
	return lines
}

func splitLines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// scriptOnly is a case whose script brings its fault about by itself.
func scriptOnly(script string) func(*testing.T, interpreter) []string {
	return func(t *testing.T, in interpreter) []string {
		ctx, cancel := context.WithTimeout(context.Background(), faultDeadline)
		defer cancel()
		return runCommand(t, in.command(ctx, script))
	}
}

// closedStdoutScript prints, meets a closed peer, and reports to the
// test's listener (argv[1]) that it got to the end.
const closedStdoutScript = `
print("hello")
a, b = socket.socketpair()
b.close()
v, e = catch(a.send, b"x")
print("send", type(e))
report = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
report.sendall(b"reached the end")
report.close()
`

// runWithClosedStdout runs closedStdoutScript with stdout a pipe whose
// read end is closed. python3 runs buffered, as it does by default when
// stdout is a pipe: it reports the failed flush at exit.
func runWithClosedStdout(t *testing.T, in interpreter) []string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(faultDeadline))
		b, _ := io.ReadAll(conn)
		got <- string(b)
	}()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	defer w.Close()

	ctx, cancel := context.WithTimeout(context.Background(), faultDeadline)
	defer cancel()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	cmd := in.command(ctx, closedStdoutScript, port)
	if in.name == "cpython" {
		cmd.Args = slices.DeleteFunc(cmd.Args, func(a string) bool { return a == "-u" })
		cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "PYTHONUNBUFFERED=") })
	}
	cmd.Stdout = w
	lines := runCommand(t, cmd)
	select {
	case s := <-got:
		return append([]string{"peer got: " + s}, lines...)
	case <-ctx.Done():
		return append([]string{"peer got nothing"}, lines...)
	}
}

// runWithFewDescriptors runs emfileScript with RLIMIT_NOFILE at 64, soft
// and hard (Go raises the soft limit to the hard one at start).
func runWithFewDescriptors(t *testing.T, in interpreter) []string {
	ctx, cancel := context.WithTimeout(context.Background(), faultDeadline)
	defer cancel()
	inner := in.command(ctx, emfileScript)
	cmd := exec.CommandContext(ctx, "/bin/sh", append([]string{"-c", `ulimit -n 64 && exec "$0" "$@"`}, inner.Args...)...)
	return runCommand(t, cmd)
}

// startScript starts script under in and returns its first line, which
// must be "ready PORT", the port, and the rest of its run.
func startScript(t *testing.T, ctx context.Context, in interpreter, script string) (port string, cmd *exec.Cmd, lines *bufio.Scanner, stderr *bytes.Buffer) {
	t.Helper()
	cmd = in.command(ctx, script)
	cmd.WaitDelay = time.Second
	stderr = new(bytes.Buffer)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		t.Fatal(err)
	}
	lines = bufio.NewScanner(out)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "ready ") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("%s: first line %q, want \"ready PORT\"; stderr:\n%s", in.name, lines.Text(), stderr)
	}
	return strings.TrimPrefix(lines.Text(), "ready "), cmd, lines, stderr
}

// finish reads the rest of a started script's output and waits for it.
func finish(cmd *exec.Cmd, lines *bufio.Scanner, stderr *bytes.Buffer) []string {
	var rest []string
	for lines.Scan() {
		rest = append(rest, lines.Text())
	}
	cmd.Wait()
	return append(rest, outputLines("", cmd.ProcessState, stderr.String())...)
}

// runUnderSignals sends SIGWINCH, SIGCHLD and SIGURG to the interpreter
// every millisecond while it waits in accept and then in recv, both with
// a timeout, and only then connects and sends: PEP 475 says the calls
// retry, so no InterruptedError may surface and no timeout may fire.
func runUnderSignals(t *testing.T, in interpreter) []string {
	ctx, cancel := context.WithTimeout(context.Background(), faultDeadline)
	defer cancel()
	port, cmd, lines, stderr := startScript(t, ctx, in, signalsScript)
	storm := func(d time.Duration) int {
		n := 0
		for end := time.Now().Add(d); time.Now().Before(end); n++ {
			for _, sig := range []syscall.Signal{syscall.SIGWINCH, syscall.SIGCHLD, syscall.SIGURG} {
				cmd.Process.Signal(sig)
			}
			time.Sleep(time.Millisecond)
		}
		return n
	}
	n := storm(300 * time.Millisecond) // in accept
	conn, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n += storm(300 * time.Millisecond) // in recv
	conn.Write([]byte("hello"))
	out := finish(cmd, lines, stderr)
	t.Logf("%s: %d rounds of 3 signals", in.name, n)
	return out
}

// killPeerDuring runs script, which waits for a peer on a port, connects
// a python3 peer in the given mode, and kills the peer with SIGKILL once
// the script or the peer prints "killme".
func killPeerDuring(script, peerMode string) func(*testing.T, interpreter) []string {
	return func(t *testing.T, in interpreter) []string {
		python := lookPython(t)
		ctx, cancel := context.WithTimeout(context.Background(), faultDeadline)
		defer cancel()
		port, cmd, lines, stderr := startScript(t, ctx, in, script)
		peer := exec.CommandContext(ctx, python, "-c", dyingPeer, port, peerMode)
		peerOut, err := peer.StdoutPipe()
		if err == nil {
			err = peer.Start()
		}
		if err != nil {
			t.Fatal(err)
		}
		var once sync.Once
		kill := func() { once.Do(func() { peer.Process.Kill(); peer.Wait() }) }
		defer kill()
		go func() {
			if bufio.NewScanner(peerOut).Scan() {
				kill()
			}
		}()
		var out []string
		for lines.Scan() {
			if lines.Text() == "killme" {
				kill()
				continue
			}
			out = append(out, lines.Text())
		}
		kill()
		return append(out, finish(cmd, lines, stderr)...)
	}
}

// maxHugeReceive bounds the interpreter's peak memory, and what the
// receives allocate, in runHugeReceives: they must allocate what arrived,
// not what was asked for.
const maxHugeReceive = 64 << 20

// runHugeReceives runs hugeReceivesScript and, for starsock, holds the
// process's peak resident memory under maxHugeReceive. Untouched pages
// do not count as resident, so a 2 GiB buffer that receives 10 bytes
// would hardly show there: the script also runs in this process, where
// the bytes it allocates are counted.
//
// The peak is the interpreter's own (VmHWM, read while the script waits
// at its end), not wait4's ru_maxrss: Linux carries into a child's
// ru_maxrss the peak of the memory it ran in before exec, which for a
// child of this test process is the test's, tens of MiB under -race.
func runHugeReceives(t *testing.T, in interpreter) []string {
	ctx, cancel := context.WithTimeout(context.Background(), faultDeadline)
	defer cancel()
	if in.name != "starsock" {
		return runCommand(t, in.command(ctx, hugeReceivesScript))
	}
	cmd := in.command(ctx, hugeReceivesScript+"time.sleep(2)  # while the test reads the peak\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second
	stdout, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	results := bufio.NewScanner(stdout)
	for i := 0; i < 2 && results.Scan(); i++ { // "recv ..." and "recvfrom ..."
		out.WriteString(results.Text() + "\n")
	}
	rss, err := peakRSS(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(&out, stdout)
	cmd.Wait()
	lines := outputLines(out.String(), cmd.ProcessState, stderr.String())
	if rss >= maxHugeReceive {
		t.Errorf("starsock's peak RSS was %d MiB, want under %d MiB", rss>>20, maxHugeReceive>>20)
	}
	inst := socket.New(socket.Permissive)
	defer inst.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := execScript(ctx, inst, hugeReceivesScript); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	if allocated >= maxHugeReceive {
		t.Errorf("the receives allocated %d MiB, want under %d MiB", allocated>>20, maxHugeReceive>>20)
	}
	t.Logf("starsock's peak RSS: %.1f MiB; allocated in-process: %.1f KiB", float64(rss)/(1<<20), float64(allocated)/(1<<10))
	return lines
}

// peakRSS is a running process's peak resident memory in bytes (VmHWM).
func peakRSS(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if kb, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var n int64
			if _, err := fmt.Sscanf(strings.TrimSpace(kb), "%d kB", &n); err != nil {
				return 0, err
			}
			return n << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// buildStarsock builds the interpreter into the test's temporary directory.
func buildStarsock(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "starsock")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/starsock")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// faultTable collects, per fault, the outcome line of each interpreter.
type faultTable struct {
	mu   sync.Mutex
	rows [][3]string
}

func (ft *faultTable) add(fault string, starsock, cpython []string) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.rows = append(ft.rows, [3]string{fault, outcome(starsock), outcome(cpython)})
}

// outcome is the first line that names an exception, or the first line.
func outcome(lines []string) string {
	for _, l := range lines {
		if strings.Contains(l, "Error") {
			return l
		}
	}
	if len(lines) > 0 {
		return lines[0]
	}
	return ""
}

func (ft *faultTable) log(t *testing.T) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	slices.SortFunc(ft.rows, func(a, b [3]string) int { return strings.Compare(a[0], b[0]) })
	var b strings.Builder
	b.WriteString("fault | starsock | CPython\n")
	for _, r := range ft.rows {
		fmt.Fprintf(&b, "%s | %s | %s\n", r[0], r[1], r[2])
	}
	t.Log("\n" + b.String())
}
