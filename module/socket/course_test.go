package socket_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// courseDir holds the examples course: each lesson NAME.star with the
// output it must print in NAME.out, where {PORT}-style names stand for
// what changes from run to run. peers/ holds the CPython programs some
// lessons talk to.
const courseDir = "../../testdata/examples/course"

// courseTimeout bounds one lesson with its peer; the scripts' own socket
// timeouts (5 s at most) end a stuck conversation first.
const courseTimeout = 20 * time.Second

// A lesson runs one course script against its real peer.
type lesson struct {
	name string // course/NAME.star
	peer string // who it talks to, for the log
	run  func(t *testing.T, ctx context.Context, c *classroom)
}

// TestCourse runs every lesson of the examples course against a real
// peer over loopback: CPython programs (the Python docs' echo client and
// server, a lossy UDP server, python3 -m http.server), curl, socat and
// nc. Each lesson's script must print its NAME.out exactly, close every
// socket it opens, and its peer must see what the lesson says it sends.
func TestCourse(t *testing.T) {
	lessons := []lesson{
		{"echo_server", "CPython running the Python docs' echo client", lessonEchoServer},
		{"echo_client", "CPython running the Python docs' echo server", lessonEchoClient},
		{"udp_ping", "a CPython UDP server that drops datagrams", lessonUDPPing},
		{"http_get", "python3 -m http.server", lessonHTTPGet},
		{"http_server", "curl (GET, a 404, HEAD)", lessonHTTPServer},
		{"port_scanner", "a CPython program listening on three ports", lessonPortScanner},
		{"unix_server", "socat UNIX-CONNECT", lessonUnixServer},
		{"unix_client", "nc -lU", lessonUnixClient},
		{"line_protocol", "a CPython client using makefile()", lessonLineProtocol},
		{"socketpair_pipe", "the other end of its socketpair", lessonSocketpairPipe},
	}
	scripts, _ := filepath.Glob(filepath.Join(courseDir, "*.star"))
	if len(scripts) != len(lessons) {
		t.Errorf("%d lessons in %s, %d in this test: every lesson runs against its peer", len(scripts), courseDir, len(lessons))
	}
	for _, l := range lessons {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), courseTimeout)
			defer cancel()
			c := &classroom{t: t, python: lookPython(t), vars: map[string]string{}}
			l.run(t, ctx, c)
			if !t.Failed() {
				t.Logf("lesson %s: as %s.out, against %s", l.name, l.name, l.peer)
			}
		})
	}
}

// classroom is what a lesson needs to run its script and check it.
type classroom struct {
	t      *testing.T
	python string
	vars   map[string]string // {NAME} in NAME.out -> its value in this run
}

func (c *classroom) script(name string) string { return filepath.Join(courseDir, name+".star") }
func (c *classroom) peer(name string) string   { return filepath.Join(courseDir, "peers", name) }

// start runs the lesson's script in-process with sys.argv[1:] = args.
func (c *classroom) start(ctx context.Context, name string, args ...string) *interopPeer {
	return startStarsockFile(ctx, c.script(name), args)
}

// need finds a peer program, which .ci/run installs from Debian's packages.
func (c *classroom) need(program, pkg string) string {
	path, err := exec.LookPath(program)
	if err != nil {
		c.t.Fatalf("%s is this lesson's peer: install it (apt-get install %s): %v", program, pkg, err)
	}
	return path
}

// first reads a peer's first line and the number in it that match re.
func (c *classroom) first(ctx context.Context, who string, p *interopPeer, re string) string {
	c.t.Helper()
	line, ok := p.next(ctx)
	if !ok {
		rest, err := p.wait()
		c.t.Fatalf("%s stopped before it was ready: %v\noutput: %q", who, err, rest)
	}
	m := regexp.MustCompile(re).FindStringSubmatch(line)
	if m == nil {
		c.t.Fatalf("%s's first line %q does not match %q", who, line, re)
	}
	return m[1]
}

// finish waits for the lesson's script and holds its output to NAME.out,
// whose first lines (already read by the lesson) are given as before.
func (c *classroom) finish(name string, p *interopPeer, before ...string) {
	c.t.Helper()
	rest, err := p.wait()
	if err != nil {
		c.t.Errorf("%s: %v", name, err)
	}
	got := strings.Join(append(before, rest...), "\n")
	raw, err := os.ReadFile(filepath.Join(courseDir, name+".out"))
	if err != nil {
		c.t.Fatalf("every lesson has its expected output: %v", err)
	}
	want := strings.TrimSuffix(string(raw), "\n")
	for k, v := range c.vars {
		want = strings.ReplaceAll(want, "{"+k+"}", v)
	}
	// The in-process run splits print's output at newlines, so a final
	// empty line is the script's last newline, not a line of its own.
	got = strings.TrimSuffix(got, "\n")
	if diff := cmp.Diff(want, got); diff != "" {
		c.t.Errorf("%s output (-%s.out +got):\n%s", name, name, diff)
	}
}

// expectPeer waits for a peer and holds its output to want.
func (c *classroom) expectPeer(who string, p *interopPeer, want ...string) {
	c.t.Helper()
	got, err := p.wait()
	if err != nil {
		c.t.Errorf("%s: %v", who, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		c.t.Errorf("%s's output (-want +got):\n%s", who, diff)
	}
}

// run runs a peer command to its end and returns its output.
func (c *classroom) run(ctx context.Context, stdin string, name string, args ...string) string {
	c.t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		c.t.Errorf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return string(out)
}

const listeningPort = `^listening on \('127\.0\.0\.1', (\d+)\)$`

func lessonEchoServer(t *testing.T, ctx context.Context, c *classroom) {
	server := c.start(ctx, "echo_server")
	c.vars["PORT"] = c.first(ctx, "echo_server.star", server, listeningPort)
	client := startProcess(ctx, nil, c.python, "-u", c.peer("echo_client.py"), c.vars["PORT"])
	c.expectPeer("the docs' echo client", client, "Received b'Hello, world'")
	c.finish("echo_server", server, "listening on ('127.0.0.1', "+c.vars["PORT"]+")")
}

func lessonEchoClient(t *testing.T, ctx context.Context, c *classroom) {
	server := startProcess(ctx, nil, c.python, "-u", c.peer("echo_server.py"))
	port := c.first(ctx, "the docs' echo server", server, `^port (\d+)$`)
	c.finish("echo_client", c.start(ctx, "echo_client", port))
	c.expectPeer("the docs' echo server", server, "Connected by 127.0.0.1")
}

func lessonUDPPing(t *testing.T, ctx context.Context, c *classroom) {
	server := startProcess(ctx, nil, c.python, "-u", c.peer("lossy_udp_server.py"))
	port := c.first(ctx, "the lossy UDP server", server, `^port (\d+)$`)
	c.finish("udp_ping", c.start(ctx, "udp_ping", port))
	c.expectPeer("the lossy UDP server", server, "received 8 dropped 4")
}

func lessonHTTPGet(t *testing.T, ctx context.Context, c *classroom) {
	serverCtx, stopServer := context.WithCancel(ctx)
	server := startProcess(serverCtx, nil, c.python, "-u", "-m", "http.server", "0",
		"--bind", "127.0.0.1", "--directory", filepath.Join(courseDir, "www"))
	port := c.first(ctx, "python3 -m http.server", server, `^Serving HTTP on 127\.0\.0\.1 port (\d+) `)
	c.finish("http_get", c.start(ctx, "http_get", port))
	stopServer() // it serves until stopped
	server.wait()
}

func lessonHTTPServer(t *testing.T, ctx context.Context, c *classroom) {
	curl := c.need("curl", "curl")
	server := c.start(ctx, "http_server")
	port := c.first(ctx, "http_server.star", server, `^serving on \('127\.0\.0\.1', (\d+)\)$`)
	c.vars["PORT"] = port
	url := "http://127.0.0.1:" + port
	const head = "HTTP/1.0 %s\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
	page := "<h1>Hello from starsock</h1>\n"
	if got, want := c.run(ctx, "", curl, "-s", "-i", url+"/"), fmt.Sprintf(head, "200 OK", len(page))+page; got != want {
		t.Errorf("curl -i %s/:\n got %q\nwant %q", url, got, want)
	}
	if got := c.run(ctx, "", curl, "-s", "-o", "/dev/null", "-w", "%{http_code}", url+"/missing"); got != "404" {
		t.Errorf("curl %s/missing: status %q, want 404", url, got)
	}
	if got, want := c.run(ctx, "", curl, "-s", "-I", url+"/"), fmt.Sprintf(head, "200 OK", len(page)); got != want {
		t.Errorf("curl -I %s/:\n got %q\nwant %q", url, got, want)
	}
	c.finish("http_server", server, "serving on ('127.0.0.1', "+port+")")
}

func lessonPortScanner(t *testing.T, ctx context.Context, c *classroom) {
	stdin, release := ioPipe(t)
	listeners := startProcess(ctx, stdin, c.python, "-u", c.peer("listeners.py"))
	block := c.first(ctx, "the listeners", listeners, `^block (\d+ \d+)$`)
	open := c.first(ctx, "the listeners", listeners, `^listening (\d+ \d+ \d+)$`)
	for i, port := range strings.Fields(open) {
		c.vars[fmt.Sprintf("OPEN%d", i+1)] = port
	}
	c.finish("port_scanner", c.start(ctx, "port_scanner", strings.Fields(block)...))
	release() // the listeners keep their ports until their input ends
	c.expectPeer("the listeners", listeners)
}

func lessonUnixServer(t *testing.T, ctx context.Context, c *classroom) {
	socat := c.need("socat", "socat")
	path := unixSocketPath(t)
	server := c.start(ctx, "unix_server", path)
	c.first(ctx, "unix_server.star", server, `^listening on (True)$`)
	input := "hello over a unix socket\nand bye\n\n"
	if got := c.run(ctx, input, socat, "-t", "5", "-", "UNIX-CONNECT:"+path); got != strings.ToUpper(input) {
		t.Errorf("socat received %q, want %q", got, strings.ToUpper(input))
	}
	c.finish("unix_server", server, "listening on True")
}

func lessonUnixClient(t *testing.T, ctx context.Context, c *classroom) {
	nc := c.need("nc", "netcat-openbsd")
	path := unixSocketPath(t)
	server := startProcess(ctx, strings.NewReader("welcome, this is nc\n"), nc, "-N", "-lU", path)
	// nc prints nothing when it is ready: wait for its socket to appear.
	for {
		if _, err := os.Stat(path); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("nc -lU never created %s", path)
		case <-time.After(10 * time.Millisecond):
		}
	}
	c.finish("unix_client", c.start(ctx, "unix_client", path))
	c.expectPeer("nc -lU", server, "hello from starsock")
}

func lessonLineProtocol(t *testing.T, ctx context.Context, c *classroom) {
	server := c.start(ctx, "line_protocol")
	port := c.first(ctx, "line_protocol.star", server, listeningPort)
	client := startProcess(ctx, nil, c.python, "-u", c.peer("line_client.py"), port)
	c.expectPeer("the CPython line client", client,
		"> HELLO starsock", "< 200 hello, starsock",
		"> ADD 2 3 37", "< 200 42",
		"> ADD two", "< 400 ADD takes whole numbers",
		"> SHOUT", "< 500 unknown command SHOUT",
		"> QUIT", "< 200 bye")
	c.vars["PORT"] = port
	c.finish("line_protocol", server, "listening on ('127.0.0.1', "+port+")")
}

func lessonSocketpairPipe(t *testing.T, ctx context.Context, c *classroom) {
	c.finish("socketpair_pipe", c.start(ctx, "socketpair_pipe"))
}

// ioPipe returns a reader for a peer's standard input that ends when
// release is called (or the test ends).
func ioPipe(t *testing.T) (*os.File, func()) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, func() { w.Close() }
}
