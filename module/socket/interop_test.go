package socket_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// interopDir holds the echo peers, each written twice: NAME.py for
// CPython and NAME.star for starsock.
const interopDir = "../../testdata/interop"

// interopTimeout bounds one pair. The scripts' own socket timeouts (5 s)
// end a stuck peer first; this ends what they cannot, such as a python3
// that never starts.
const interopTimeout = 10 * time.Second

// TestInterop runs echo servers and clients against real peers over
// loopback: starsock's server with CPython's client and the reverse, for
// TCP and UDP over IPv4 and IPv6 and for AF_UNIX streams. The starsock
// side runs in-process, CPython's as python3. Each side checks what it
// received and prints a summary; the test holds both summaries to the
// exact lines below.
func TestInterop(t *testing.T) {
	python := lookPython(t)
	ipv6 := ipv6Loopback()
	type pairing struct {
		family, sotype string
		host           string // numeric host; "" for AF_UNIX, whose path is made per subtest
		wantServer     string
		wantClient     string
		detail         string // for the log: what was exchanged
	}
	const (
		streamServer = "server: 1 connection, 1048843 bytes echoed"
		streamClient = "client: 5 messages, 1048843 bytes echoed, all bytes match"
		streamDetail = "5 messages, 1048843 bytes echoed"
		dgramServer  = "server: 5 datagrams, 60264 bytes echoed"
		dgramClient  = "client: 5 datagrams, 60264 bytes echoed, all bytes match"
		dgramDetail  = "5 datagrams, 60264 bytes echoed"
	)
	pairings := []pairing{
		{"AF_INET", "SOCK_STREAM", "127.0.0.1", streamServer, streamClient, streamDetail},
		{"AF_INET", "SOCK_DGRAM", "127.0.0.1", dgramServer, dgramClient, dgramDetail},
		{"AF_INET6", "SOCK_STREAM", "::1", streamServer, streamClient, streamDetail},
		{"AF_INET6", "SOCK_DGRAM", "::1", dgramServer, dgramClient, dgramDetail},
		{"AF_UNIX", "SOCK_STREAM", "", streamServer, streamClient, streamDetail},
	}
	impls := []struct {
		name  string
		start func(ctx context.Context, script string, args []string) *interopPeer
	}{
		{"starsock", startStarsockPeer},
		{"cpython", func(ctx context.Context, script string, args []string) *interopPeer {
			return startCPythonPeer(ctx, python, script, args)
		}},
	}
	for _, p := range pairings {
		for _, server := range impls {
			for _, client := range impls {
				if server.name == client.name {
					continue
				}
				name := fmt.Sprintf("server=%s,client=%s,family=%s,type=%s", server.name, client.name, p.family, p.sotype)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					if p.family == "AF_INET6" && ipv6 != nil {
						t.Skipf("no IPv6 loopback: %v", ipv6)
					}
					script := "stream_echo"
					if p.sotype == "SOCK_DGRAM" {
						script = "dgram_echo"
					}
					address := p.host
					if p.family == "AF_UNIX" {
						address = unixSocketPath(t)
					}
					ctx, cancel := context.WithTimeout(context.Background(), interopTimeout)
					defer cancel()

					srv := server.start(ctx, script+"_server", []string{p.family, address})
					defer func() { cancel(); srv.wait() }()
					ready, ok := srv.next(ctx)
					if !ok {
						lines, err := srv.wait()
						t.Fatalf("%s server stopped before it was ready: %v\noutput: %q", server.name, err, lines)
					}
					clientArgs := []string{p.family, address}
					switch {
					case p.family == "AF_UNIX" && ready == "ready":
					case p.family != "AF_UNIX" && strings.HasPrefix(ready, "ready "):
						port, err := strconv.Atoi(strings.TrimPrefix(ready, "ready "))
						if err != nil || port <= 0 || port > 65535 {
							t.Fatalf("%s server's first line %q: want \"ready PORT\"", server.name, ready)
						}
						clientArgs = append(clientArgs, strconv.Itoa(port))
					default:
						t.Fatalf("%s server's first line %q: want \"ready\" (AF_UNIX) or \"ready PORT\"", server.name, ready)
					}

					clientOut, clientErr := client.start(ctx, script+"_client", clientArgs).wait()
					if clientErr != nil {
						cancel() // the server may still wait for the client
					}
					serverOut, serverErr := srv.wait()
					if clientErr != nil {
						t.Errorf("%s client: %v\noutput: %q", client.name, clientErr, clientOut)
					}
					if serverErr != nil {
						t.Errorf("%s server: %v\noutput: %q", server.name, serverErr, serverOut)
					}
					if diff := cmp.Diff([]string{p.wantServer}, serverOut); diff != "" {
						t.Errorf("%s server's output after %q (-want +got):\n%s", server.name, ready, diff)
					}
					if diff := cmp.Diff([]string{p.wantClient}, clientOut); diff != "" {
						t.Errorf("%s client's output (-want +got):\n%s", client.name, diff)
					}
					if !t.Failed() {
						t.Logf("server=%s client=%s family=%s type=%s: %s", server.name, client.name, p.family, p.sotype, p.detail)
					}
				})
			}
		}
	}
}

// An interopPeer is one running side of a pair. Each line it prints
// arrives on lines, which is closed once it has finished; err, its
// outcome, is set before that. A peer blocks printing until its lines
// are read, so whoever starts one calls wait.
type interopPeer struct {
	lines chan string
	err   error
}

func newInteropPeer() *interopPeer {
	return &interopPeer{lines: make(chan string, 16)}
}

// next returns the peer's next line, or false if it finished first or
// ctx ended.
func (p *interopPeer) next(ctx context.Context) (string, bool) {
	select {
	case line, ok := <-p.lines:
		return line, ok
	case <-ctx.Done():
		return "", false
	}
}

// wait returns the lines not yet read and the outcome, once the peer has
// finished. It may be called again: then there are no lines left.
func (p *interopPeer) wait() ([]string, error) {
	var rest []string
	for line := range p.lines {
		rest = append(rest, line)
	}
	return rest, p.err
}

// startStarsockPeer runs testdata/interop/SCRIPT.star in-process, in a
// module instance of its own whose sockets are closed when it returns.
// Cancelling ctx stops its blocked calls.
func startStarsockPeer(ctx context.Context, script string, args []string) *interopPeer {
	return startStarsockFile(ctx, filepath.Join(interopDir, script+".star"), args)
}

// startStarsockFile runs a dialect script in-process, in a module instance
// of its own whose sockets are closed when it returns; a script that left
// any open fails. Cancelling ctx stops its blocked calls.
func startStarsockFile(ctx context.Context, file string, args []string) *interopPeer {
	p := newInteropPeer()
	go func() {
		defer close(p.lines)
		leftOpen, err := runStarsockScript(ctx, file, args, func(line string) { p.lines <- line })
		if err == nil && leftOpen > 0 {
			err = fmt.Errorf("%s left %d sockets open", file, leftOpen)
		}
		p.err = err
	}()
	return p
}

// startCPythonPeer runs python3 -u testdata/interop/SCRIPT.py; ctx kills it.
func startCPythonPeer(ctx context.Context, python, script string, args []string) *interopPeer {
	return startProcess(ctx, nil, python, append([]string{"-u", filepath.Join(interopDir, script+".py")}, args...)...)
}

// startProcess runs a program as a peer, its standard input read from
// stdin (nil: none); its standard output arrives line by line. ctx kills it.
func startProcess(ctx context.Context, stdin io.Reader, name string, args ...string) *interopPeer {
	p := newInteropPeer()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = time.Second
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		p.err = err
		close(p.lines)
		return p
	}
	go func() {
		defer close(p.lines)
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			p.lines <- lines.Text()
		}
		if err := cmd.Wait(); err != nil {
			p.err = fmt.Errorf("%s: %v\n%s", filepath.Base(name), err, stderr.Bytes())
		}
	}()
	return p
}

// runStarsockScript runs a dialect script in-process as the bundled
// interpreter would: a fresh permissive module instance, sys.argv =
// [file] + args, ctx tied to the thread. Each printed line goes to
// printLine. It returns how many sockets the script left open, which it
// then closes, and the script's error: an uncaught exception comes back
// with its backtrace.
func runStarsockScript(ctx context.Context, file string, args []string, printLine func(string)) (leftOpen int, err error) {
	inst := socket.New(socket.Permissive)
	defer inst.Close()
	thread := &starlark.Thread{
		Name: file,
		Print: func(_ *starlark.Thread, msg string) {
			for _, line := range strings.Split(msg, "\n") {
				printLine(line)
			}
		},
	}
	thread.SetLocal(builtins.ContextKey, ctx)
	predeclared := builtins.Predeclared(append([]string{file}, args...))
	predeclared["socket"] = inst.Module()
	_, err = starlark.ExecFileOptions(builtins.FileOptions, thread, file, nil, predeclared)
	var evalErr *starlark.EvalError
	if errors.As(err, &evalErr) {
		err = errors.New(evalErr.Backtrace())
	}
	return inst.OpenSockets(), err
}

// lookPython finds python3, the oracle every machine here has.
func lookPython(t *testing.T) string {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skipf("python3 not found: %v", err)
	}
	return python
}

// ipv6Loopback reports why ::1 cannot be bound for TCP and UDP, or nil.
func ipv6Loopback() error {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return err
	}
	ln.Close()
	pc, err := net.ListenPacket("udp6", "[::1]:0")
	if err != nil {
		return err
	}
	pc.Close()
	return nil
}

// unixSocketPath returns a socket path in the test's temporary directory,
// which must fit sun_path (108 bytes with its NUL).
func unixSocketPath(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "echo.sock")
	if len(path) >= 108 {
		t.Fatalf("socket path %q is %d bytes, over sun_path's 107", path, len(path))
	}
	return path
}
