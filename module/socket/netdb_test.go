package socket_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// The network database functions answer from /etc/hosts and never ask DNS.
// Where CPython would ask DNS, starsock answers as CPython does when no DNS
// server answers. These tests hold starsock to CPython on exactly that:
// both run the same probe script in a new network namespace (so CPython's
// queries cannot leave: its resolver finds no route) with a made-up
// /etc/hosts bind-mounted over the real one in a new mount namespace, and
// their printed outcomes must be the same. sethostname is compared the same
// way in a new UTS namespace, the only place it is called for real.

// netdbHosts is the /etc/hosts of the probes: glibc's "multi on" merging,
// IPv4-mapped and ::1 entries (read as IPv4 by an IPv4 lookup), entries
// glibc ignores (127.1, a %scope), a local domain for NI_NOFQDN, names of
// both families (sorted as RFC 3484 says), IDNA forms of names.
const netdbHosts = `127.0.0.1 localhost.localdomain localhost
10.1.2.3 alpha a1
10.1.2.5 gamma alpha a9
10.1.2.3 Alpha dup
::ffff:10.9.9.9 mapped alpha
127.1 short
fe80::1%lo zoned
::1 ip6-localhost ip6-loopback
fe80::2 linky
10.0.0.7 host7.localdomain h7
10.0.0.8 x.localdomainx
10.1.1.1 both
2001:db8::1 both
fe80::5 both
10.0.0.9 commented # a comment
10.2.2.2 xn--bcher-kva.de strasse abc.de xn--cole-9oa
`

// showDef prints each call's outcome the same way in both languages.
const showDef = `
def show(label, fn, *args):
    v, e = catch(fn, *args)
    if e == None:
        print(label, repr(v))
    elif isinstance(e, OSError):
        print(label, "!!", type(e), e.errno, str(e))
    else:
        print(label, "!!", type(e), str(e))
`

const netdbProbe = showDef + `
S = socket
for n in ["alpha", "ALPHA", "gamma", "short", "zoned", "mapped", "ip6-localhost", "linky", "both", "localhost",
          "localhost.localdomain", "commented", "h7", "nosuch", "nosuch.example", "x_y", "_x", "a-", "localhost.",
          "1.2.3.", "0x7f.1", "0x", "", "bad name", "-x", "a\\065b", "é", "1.2.3.4.5", "a." + "b" * 63,
          "Bücher.de", "Straße", "ａｂｃ。de", "ÉCOLE", "xn--é"]:
    show("gethostbyname_ex " + repr(n), S.gethostbyname_ex, n)
for n in ["alpha", "mapped", "::ffff:10.9.9.9", "10.9.9.9", "::1", "ip6-localhost", "linky", "zoned", "fe80::1",
          "both", "localhost", "127.0.0.1", "127.0.0.2", "0.0.0.0", "255.255.255.255", "h7", "10.0.0.7", "nosuch",
          "fe80::2%1", "fe80::2%lo", "fe80::2%nosuchif", "é", "1.2.3.4.5", "0x"]:
    show("gethostbyaddr " + repr(n), S.gethostbyaddr, n)
for sa, flags in [(("::", 80), 0), (("::1", 80), 0), (("10.0.0.7", 80), 0), (("10.0.0.7", 80), S.NI_NOFQDN),
                  (("10.0.0.8", 80), S.NI_NOFQDN), (("127.0.0.1", 80), S.NI_NOFQDN), (("127.0.0.2", 80), 0),
                  (("127.0.0.2", 80), S.NI_NAMEREQD), (("127.0.0.2", 80), S.NI_NUMERICHOST), (("10.9.9.9", 80), 0),
                  (("::ffff:10.9.9.9", 80), 0), (("fe80::2", 53, 0, 1), S.NI_DGRAM), (("fe80::3", 53, 0, 1), 0)]:
    show("getnameinfo " + repr(sa) + " " + repr(flags), S.getnameinfo, sa, flags)
for n in ["h7", "alpha", "10.0.0.7", "nosuch", "127.0.0.2", "", "::", "localhost", " h7 "]:
    show("getfqdn " + repr(n), S.getfqdn, n)
show("getfqdn()", S.getfqdn)
`

const sethostnameProbe = showDef + `
S = socket
show("sethostname str", S.sethostname, "starsock-uts-test")
print(S.gethostname())
show("sethostname bytes", S.sethostname, b"starsock-bytes")
print(S.gethostname())
show("sethostname 64", S.sethostname, "x" * 64)
print(S.gethostname())
show("sethostname 65", S.sethostname, "y" * 65)
show("sethostname 65 bytes", S.sethostname, b"z" * 65)
print(S.gethostname())
show("sethostname utf-8", S.sethostname, "é")
print(repr(S.gethostname()))
show("sethostname NUL", S.sethostname, b"a\x00b")
print(repr(S.gethostname()))
show("sethostname empty", S.sethostname, "")
print(repr(S.gethostname()))
`

// helperScriptEnv names the script the helper process runs.
const helperScriptEnv = "STARSOCK_NAMESPACE_PROBE"

func TestNetdbMatchesCPython(t *testing.T) {
	needNamespaces(t, "-n", "-m")
	dir := t.TempDir()
	hosts := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hosts, []byte(netdbHosts), 0o644); err != nil {
		t.Fatal(err)
	}
	// The helper's own hostname is the machine's, which need not be in
	// netdbHosts: getfqdn() then shows the same not-found path in both.
	mountHosts := []string{"-n", "-m", "sh", "-c", `mount --bind "$0" /etc/hosts && exec "$@"`, hosts}
	compareWithCPython(t, netdbProbe, mountHosts)
}

func TestSethostnameMatchesCPython(t *testing.T) {
	needNamespaces(t, "-u")
	before, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	compareWithCPython(t, sethostnameProbe, []string{"-u"})
	if after, _ := os.Hostname(); after != before {
		t.Fatalf("the machine's host name changed from %q to %q", before, after)
	}
}

// compareWithCPython runs probe under CPython and under starsock, each in
// the namespaces unshareArgs make, and compares what they print.
func compareWithCPython(t *testing.T, probe string, unshareArgs []string) {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "probe.star")
	if err := os.WriteFile(script, []byte(probe), 0o644); err != nil {
		t.Fatal(err)
	}
	runner, err := filepath.Abs("../../scripts/star_on_cpython.py")
	if err != nil {
		t.Fatal(err)
	}
	cpython := strings.TrimSuffix(unshared(t, unshareArgs, nil, "python3", runner, script), fmt.Sprintf("%-40s ok\n", script))
	starsock := unshared(t, unshareArgs, []string{helperScriptEnv + "=" + script}, os.Args[0], "-test.run=^TestNamespaceProbeHelper$", "-test.count=1")
	starsock = strings.TrimSuffix(starsock, "PASS\n") // the test binary's own last line
	if diff := cmp.Diff(cpython, starsock); diff != "" {
		t.Errorf("starsock and CPython differ (-cpython +starsock):\n%s", diff)
	}
}

// unshared runs argv in new namespaces and returns its standard output.
func unshared(t *testing.T, unshareArgs, env []string, argv ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", append(unshareArgs, argv...)...)
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", strings.Join(argv, " "), err, out, stderr.String())
	}
	return string(out)
}

// needNamespaces skips where this process cannot make the namespaces.
func needNamespaces(t *testing.T, flags ...string) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	if out, err := exec.Command("unshare", append(flags, "true")...).CombinedOutput(); err != nil {
		t.Skipf("cannot create namespaces (unshare %s): %v: %s", strings.Join(flags, " "), err, strings.TrimSpace(string(out)))
	}
}

// TestNamespaceProbeHelper is not a test of its own: compareWithCPython
// runs the test binary as it, inside the namespaces, to run a probe
// script with the package's Module and print what it prints.
func TestNamespaceProbeHelper(t *testing.T) {
	script := os.Getenv(helperScriptEnv)
	if script == "" {
		t.Skip("run by TestNetdbMatchesCPython and TestSethostnameMatchesCPython inside namespaces")
	}
	thread := &starlark.Thread{Name: script, Print: func(_ *starlark.Thread, msg string) { fmt.Println(msg) }}
	predeclared := builtins.Predeclared([]string{script})
	predeclared["socket"] = socket.Module
	if _, err := starlark.ExecFileOptions(builtins.FileOptions, thread, script, nil, predeclared); err != nil {
		if ee, ok := err.(*starlark.EvalError); ok {
			t.Fatal(ee.Backtrace())
		}
		t.Fatal(err)
	}
}

// TestSethostnameNeedsPermission checks that an instance renames the host
// only when its host program allows it, asking the Policy with the name,
// and that argument errors come first. Nothing here reaches sethostname(2).
func TestSethostnameNeedsPermission(t *testing.T) {
	before, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	var asked []socket.Request
	policy := func(r socket.Request) error {
		asked = append(asked, r)
		return errors.New("renaming is not for scripts")
	}
	for _, tc := range []struct {
		name      string
		opts      socket.Options
		src       string
		class     *builtins.Class
		errno     syscall.Errno
		msg       string
		wantAsked []socket.Request
	}{{
		name:  "not allowed",
		opts:  socket.Options{Policy: policy},
		src:   `socket.sethostname("starsock-denied")`,
		class: builtins.PermissionError, errno: syscall.EPERM,
		msg: "[Errno 1] sethostname: changing the host name is not allowed by the host",
	}, {
		name:  "denied by the policy",
		opts:  socket.Options{AllowSetHostname: true, Policy: policy},
		src:   `socket.sethostname(b"starsock-denied")`,
		class: builtins.PermissionError, errno: syscall.EACCES,
		msg:       "[Errno 13] sethostname to 'starsock-denied' is not allowed: renaming is not for scripts",
		wantAsked: []socket.Request{{Op: "sethostname", Family: unix.AF_UNSPEC, Name: "starsock-denied"}},
	}, {
		name:  "argument errors first",
		opts:  socket.Options{AllowSetHostname: true, Policy: policy},
		src:   `socket.sethostname(1)`,
		class: builtins.TypeError,
		msg:   "expected str, bytes or os.PathLike object, not int",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			asked = nil
			inst := socket.New(tc.opts)
			defer inst.Close()
			err := run(context.Background(), inst, tc.src, nil)
			var exc *builtins.Exception
			if !errors.As(err, &exc) || exc.Class() != tc.class || exc.String() != tc.msg {
				t.Fatalf("got %v, want %s: %s", err, tc.class.Name(), tc.msg)
			}
			if tc.errno != 0 && !errors.Is(err, tc.errno) {
				t.Errorf("%v does not unwrap to %v", err, tc.errno)
			}
			if diff := cmp.Diff(tc.wantAsked, asked); diff != "" {
				t.Errorf("policy requests (-want +got):\n%s", diff)
			}
		})
	}
	if after, _ := os.Hostname(); after != before {
		t.Fatalf("the host name changed from %q to %q", before, after)
	}
}
