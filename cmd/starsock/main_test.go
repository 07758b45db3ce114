package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// starsock is the interpreter binary TestMain builds.
var starsock string

// buildFlags are the go build flags for it.
var buildFlags []string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "starsock-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	starsock = filepath.Join(dir, "starsock")
	build := exec.Command("go", append(append([]string{"build"}, buildFlags...), "-o", starsock, ".")...)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building starsock: %v\n", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	Stdout, Stderr string
	Code           int
}

// runStarsock runs the interpreter in dir with stdin and args.
func runStarsock(t *testing.T, dir, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, starsock, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running starsock %q: %v", args, err)
	}
	return result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

// writeScript writes a script into a new temporary directory and returns
// the directory.
func writeScript(t *testing.T, name, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestArgv(t *testing.T) {
	t.Parallel()
	const printArgv = "print(sys.argv)\n"
	dir := writeScript(t, "argv.star", printArgv)
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"file", "", []string{"argv.star", "a", "-b"}, "['argv.star', 'a', '-b']\n"},
		{"-c", "", []string{"-c", printArgv, "a", "-c"}, "['-c', 'a', '-c']\n"},
		{"-c attached", "", []string{"-c" + printArgv}, "['-c']\n"},
		{"- (stdin)", printArgv, []string{"-", "x"}, "['-', 'x']\n"},
		{"stdin, no args", printArgv, nil, "['']\n"},
		{"-- file", "", []string{"--", "argv.star", "-h"}, "['argv.star', '-h']\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := runStarsock(t, dir, tc.stdin, tc.args...)
			if diff := cmp.Diff(result{Stdout: tc.want}, got); diff != "" {
				t.Errorf("starsock %q (-want +got):\n%s", tc.args, diff)
			}
		})
	}
}

func TestVersionAndHelp(t *testing.T) {
	t.Parallel()
	got := runStarsock(t, "", "", "--version")
	if !strings.HasPrefix(got.Stdout, "starsock ") || !strings.Contains(got.Stdout, "go1.") || got.Code != 0 {
		t.Errorf("--version: got %+v, want starsock <version> (go...)", got)
	}
	for _, flag := range []string{"-h", "--help"} {
		got := runStarsock(t, "", "", flag)
		if !strings.HasPrefix(got.Stdout, "usage: starsock") || got.Code != 0 || got.Stderr != "" {
			t.Errorf("%s: got %+v, want the usage on stdout", flag, got)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args   []string
		stderr string // the first line
	}{
		{[]string{"-x"}, "starsock: unknown option -x"},
		{[]string{"-c"}, "starsock: Argument expected for the -c option"},
		{[]string{"/nonexistent/x.star"}, "starsock: can't open file '/nonexistent/x.star': [Errno 2] No such file or directory"},
	} {
		got := runStarsock(t, "", "", tc.args...)
		first, _, _ := strings.Cut(got.Stderr, "\n")
		if got.Code != 2 || first != tc.stderr {
			t.Errorf("starsock %q: got exit %d, stderr %q; want exit 2, %q", tc.args, got.Code, got.Stderr, tc.stderr)
		}
	}
}

func TestTraceback(t *testing.T) {
	t.Parallel()
	dir := writeScript(t, "div.star", "def go(n):\n    if n:\n        return 1 // 0\n\nx = [go(n) for n in [0, 1]]\n")
	got := runStarsock(t, dir, "", "div.star")
	want := `Traceback (most recent call last):
  File "div.star", line 5, in <module>
    x = [go(n) for n in [0, 1]]
  File "div.star", line 3, in go
    return 1 // 0
ZeroDivisionError: `
	if got.Code != 1 || !strings.HasPrefix(got.Stderr, want) || strings.Count(got.Stderr, "\n") != 6 {
		t.Errorf("got exit %d, stderr:\n%s\nwant exit 1, stderr:\n%s...", got.Code, got.Stderr, want)
	}
}

func TestTracebackSocketError(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now: connecting is refused
	src := fmt.Sprintf("def go():\n    socket.create_connection((\"127.0.0.1\", %d))\n\ngo()\n", port)
	got := runStarsock(t, "", "", "-c", src)
	want := result{Code: 1, Stderr: `Traceback (most recent call last):
  File "<string>", line 4, in <module>
    go()
  File "<string>", line 2, in go
    socket.create_connection(("127.0.0.1", ` + fmt.Sprint(port) + `))
ConnectionRefusedError: [Errno 111] Connection refused
`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSyntaxError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, want string
	}{
		{"python import", "x = 1\nif x:\n    import socket\n", `  File "bad.star", line 3
    import socket
    ^
SyntaxError: Starlark has no import: socket is predeclared, so delete this line (or write load("socket", "socket"))
`},
		{"f-string", "n = 1\nprint(f\"n={n}\")\n", `  File "bad.star", line 2
    print(f"n={n}")
                  ^
SyntaxError: Starlark has no f-strings: write "n={}".format(n)
`},
		{"undefined name", "print(x)\n", `  File "bad.star", line 1
    print(x)
          ^
SyntaxError: undefined: x
`},
		{"unexpected indent", "x = 1\n  y = 2\n", `  File "bad.star", line 2
    y = 2
    ^
IndentationError: unexpected indent
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := runStarsock(t, writeScript(t, "bad.star", tc.src), "", "bad.star")
			if diff := cmp.Diff(result{Stderr: tc.want, Code: 1}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSystemExit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code string
		want result
	}{
		{"sys.exit()", result{}},
		{"sys.exit(None)", result{}},
		{"sys.exit(3)", result{Code: 3}},
		{"sys.exit(True)", result{Code: 1}},
		{"sys.exit(-1)", result{Code: 255}},
		{`sys.exit("bye")`, result{Code: 1, Stderr: "bye\n"}},
		{"sys.exit([1])", result{Code: 1, Stderr: "[1]\n"}},
		{"def f():\n    sys.exit(4)\ndef g():\n    f()\ng()", result{Code: 4}},
		{"catch(sys.exit, 5)", result{Code: 5}},
		{"print('x')\nsys.exit(0)\nprint('not reached')", result{Stdout: "x\n"}},
	} {
		got := runStarsock(t, "", "", "-c", tc.code)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", tc.code, diff)
		}
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	got := runStarsock(t, "", "", "-c", `load("socket", s="socket")
print(s == socket, s.AF_INET)`)
	if diff := cmp.Diff(result{Stdout: "True 2\n"}, got); diff != "" {
		t.Errorf("load socket: (-want +got):\n%s", diff)
	}
	got = runStarsock(t, "", "", "-c", `load("os", "os")`)
	if got.Code != 1 || !strings.Contains(got.Stderr, `cannot load os: no module named 'os' (the one module to load is "socket"`) {
		t.Errorf("load os: got %+v, want an error naming socket", got)
	}
}

// TestInterrupt sends SIGINT to a script once it runs, as Ctrl-C does.
func TestInterrupt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, src string }{
		{"time.sleep", "print('ready')\ntime.sleep(30)\n"},
		{"pure Starlark loop", "print('ready')\nwhile True:\n    pass\n"},
		{"socket accept", "s = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen()\nprint('ready')\ns.accept()\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(starsock, "-c", tc.src)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			ready := make([]byte, len("ready\n"))
			if _, err := io.ReadFull(stdout, ready); err != nil || string(ready) != "ready\n" {
				cmd.Wait()
				t.Fatalf("read %q, %v; want ready (stderr: %s)", ready, err, stderr.String())
			}
			start := time.Now()
			cmd.Process.Signal(os.Interrupt)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("still running 5s after SIGINT")
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if code := cmd.ProcessState.ExitCode(); code != 130 || lines[len(lines)-1] != "KeyboardInterrupt" {
				t.Errorf("got exit %d, stderr:\n%s\nwant exit 130, last line KeyboardInterrupt", code, stderr.String())
			}
			if !strings.HasPrefix(stderr.String(), "Traceback (most recent call last):\n") {
				t.Errorf("stderr has no traceback:\n%s", stderr.String())
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v to stop", d)
			}
		})
	}
}

func TestREPLPipe(t *testing.T) {
	t.Parallel()
	input := strings.Join([]string{
		"1 + 1",
		`x = "a"`,
		"x",
		"None",
		"def double(n):",
		"    return n * 2",
		"",
		"double(21)",
		"_",
		"1 // 0",
		"import socket",
		"socket.AF_INET",
		"double(",
		"  4)",
	}, "\n") + "\n"
	got := runStarsock(t, "", input, "-i")
	wantOut := "2\n'a'\n42\n42\n2\n8\n"
	if got.Stdout != wantOut || got.Code != 0 {
		t.Errorf("got exit %d, stdout:\n%s\nwant exit 0, stdout:\n%s", got.Code, got.Stdout, wantOut)
	}
	for _, want := range []string{
		">>> ", "... ",
		"Traceback (most recent call last):\n  File \"<stdin>\", line 1, in <module>\nZeroDivisionError: ",
		"  File \"<stdin>\", line 1\n    import socket\n    ^\nSyntaxError: Starlark has no import",
	} {
		if !strings.Contains(got.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, got.Stderr)
		}
	}

	got = runStarsock(t, "", "print('bye')\nsys.exit(7)\nprint('not reached')\n", "-i")
	if diff := cmp.Diff(result{Stdout: "bye\n", Code: 7}, result{Stdout: got.Stdout, Code: got.Code}); diff != "" {
		t.Errorf("sys.exit at the prompt (-want +got):\n%s", diff)
	}
}

// TestREPLAfterScript checks that -i FILE runs the script, then the
// prompt sees its globals.
func TestREPLAfterScript(t *testing.T) {
	t.Parallel()
	dir := writeScript(t, "lib.star", "greeting = 'hi'\n")
	got := runStarsock(t, dir, "greeting\nsys.argv\n", "-i", "lib.star", "arg")
	if want := "'hi'\n['lib.star', 'arg']\n"; got.Stdout != want || got.Code != 0 {
		t.Errorf("got %+v, want stdout %q", got, want)
	}
}

// output collects what a running interpreter writes, for expect.
type output struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	seen int // how much of buf expect has consumed
}

// collect starts copying r into a new output.
func collect(r io.Reader) *output {
	o := &output{}
	go io.Copy(o, r)
	return o
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

// expect waits until the output shows want after what it showed last.
func (o *output) expect(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		o.mu.Lock()
		rest := o.buf.String()[o.seen:]
		if i := strings.Index(rest, want); i >= 0 {
			o.seen += i + len(want)
			o.mu.Unlock()
			return
		}
		o.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("output never showed %q; after what was expected it shows:\n%s", want, rest)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestREPLPipeInterrupt sends SIGINT to the prompt reading a pipe, once
// while it waits for input and once while a statement runs.
func TestREPLPipeInterrupt(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(starsock, "-i")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdoutPipe, _ := cmd.StdoutPipe()
	stderrPipe, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	stdout, stderr := collect(stdoutPipe), collect(stderrPipe)

	stderr.expect(t, ">>> ")
	cmd.Process.Signal(os.Interrupt)
	stderr.expect(t, "\nKeyboardInterrupt\n>>> ")
	io.WriteString(stdin, "print('sleeping'); time.sleep(30)\n")
	stdout.expect(t, "sleeping\n")
	cmd.Process.Signal(os.Interrupt)
	stderr.expect(t, "Traceback (most recent call last):\n  File \"<stdin>\", line 1, in <module>\nKeyboardInterrupt\n>>> ")
	io.WriteString(stdin, "1 + 1\n")
	stdout.expect(t, "2\n")
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v", err)
	}
}

// TestInteractiveAfterError checks that -i reaches the prompt even when
// the script fails, as python3 -i does.
func TestInteractiveAfterError(t *testing.T) {
	t.Parallel()
	got := runStarsock(t, "", "print(x)\n", "-i", "-c", "x = 1\nsys.exit(3)")
	if got.Stdout != "1\n" || got.Code != 0 || !strings.Contains(got.Stderr, "SystemExit: 3\n>>> ") {
		t.Errorf("got %+v, want the prompt to print 1 after the SystemExit traceback", got)
	}
}
