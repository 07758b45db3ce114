package socket_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// policyCase is one operation that names an address. The script runs
// `value, err = catch(lambda: CALL)` after setup, then evaluates effect
// (did the operation happen?) and addr (the address the policy must be
// asked about, as Request.Address.String() gives it).
type policyCase struct {
	op     string
	family int
	setup  string
	call   string
	effect string
	addr   string
	// the instance's open sockets after the script, when allowed and denied
	openAllowed, openDenied int
}

var policyCases = []policyCase{
	{op: "bind", family: unix.AF_INET,
		setup: "s = socket.socket()", call: `s.bind(("127.0.0.1", 0))`,
		effect: "s.getsockname()[1] != 0", addr: `"127.0.0.1:0"`, openAllowed: 1, openDenied: 1},
	{op: "bind", family: unix.AF_UNIX,
		setup: "s = socket.socket(socket.AF_UNIX)", call: "s.bind(path)",
		effect: "s.getsockname() == path", addr: "path", openAllowed: 1, openDenied: 1},
	{op: "connect", family: unix.AF_INET,
		setup: "s = socket.socket()", call: "s.connect(srv.getsockname())",
		effect: "catch(srv.accept)[1] == None", addr: `"%s:%d" % srv.getsockname()`, openAllowed: 1, openDenied: 1},
	{op: "connect_ex", family: unix.AF_INET,
		setup: "s = socket.socket()", call: "s.connect_ex(srv.getsockname())",
		effect: "catch(srv.accept)[1] == None", addr: `"%s:%d" % srv.getsockname()`, openAllowed: 1, openDenied: 1},
	{op: "sendto", family: unix.AF_INET,
		setup: "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)", call: `s.sendto(b"x", udp.getsockname())`,
		effect: `catch(udp.recv, 1)[0] == b"x"`, addr: `"%s:%d" % udp.getsockname()`, openAllowed: 1, openDenied: 1},
	{op: "sendmsg", family: unix.AF_INET,
		setup: "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)", call: `s.sendmsg([b"x"], [], 0, udp.getsockname())`,
		effect: `catch(udp.recv, 1)[0] == b"x"`, addr: `"%s:%d" % udp.getsockname()`, openAllowed: 1, openDenied: 1},
	{op: "create_connection", family: unix.AF_INET,
		call:   "socket.create_connection(srv.getsockname())",
		effect: "catch(srv.accept)[1] == None", addr: `"%s:%d" % srv.getsockname()`, openAllowed: 1, openDenied: 0},
	{op: "create_server", family: unix.AF_INET,
		call:   `socket.create_server(("127.0.0.1", 0))`,
		effect: "value != None and value.getsockname()[1] != 0", addr: `"127.0.0.1:0"`, openAllowed: 1, openDenied: 0},
	{op: "accept", family: unix.AF_INET,
		setup: `
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen()
c = socket.create_connection(listener.getsockname())
c.settimeout(0.2)
`,
		call: "listener.accept()",
		// A refused connection is closed at once: the client reads EOF
		// where an accepted one times out waiting for data.
		effect: "isinstance(catch(c.recv, 1)[1], TimeoutError)", addr: `"%s:%d" % c.getsockname()`, openAllowed: 3, openDenied: 2},
}

// TestPolicy runs each operation that names an address under a policy
// that allows it and under one that denies it: the policy is asked once
// about the operation with the address; a denial is PermissionError errno
// 13 naming the operation and address, and the operation does not happen.
func TestPolicy(t *testing.T) {
	for _, tc := range policyCases {
		name := tc.op
		if tc.family == unix.AF_UNIX {
			name += "_unix"
		}
		for _, deny := range []bool{false, true} {
			mode := "allowed"
			if deny {
				mode = "denied"
			}
			t.Run(name+"/"+mode, func(t *testing.T) { checkPolicy(t, tc, deny) })
		}
	}
}

func checkPolicy(t *testing.T, tc policyCase, deny bool) {
	const reason = "not on the allow-list"
	var mu sync.Mutex
	var asked []socket.Request
	inst := socket.New(socket.Options{Policy: func(r socket.Request) error {
		mu.Lock()
		defer mu.Unlock()
		if r.Op == tc.op {
			asked = append(asked, r)
			if deny {
				return errors.New(reason)
			}
		}
		return nil
	}})
	defer inst.Close()

	// The other end of connections and datagrams, outside the policy.
	peer := socket.New(socket.Options{})
	defer peer.Close()
	globals := setup(t, peer, `
srv = socket.create_server(("127.0.0.1", 0))
srv.settimeout(0.2)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
udp.settimeout(0.2)
`, nil)
	globals["path"] = starlark.String(t.TempDir() + "/sock")

	g := setup(t, inst, fmt.Sprintf(`
%s
value, err = catch(lambda: %s)
effect = %s
addr = %s
`, tc.setup, tc.call, tc.effect, tc.addr), globals)
	addr := string(g["addr"].(starlark.String))

	if len(asked) != 1 || asked[0].Op != tc.op || asked[0].Family != tc.family || asked[0].Address.String() != addr {
		t.Errorf("the policy was asked %+v, want once about %s to %s (family %d)", asked, tc.op, addr, tc.family)
	}
	if effect := g["effect"] == starlark.True; effect == deny {
		t.Errorf("the operation took effect: %v, want %v", effect, !deny)
	}
	open := tc.openAllowed
	if deny {
		open = tc.openDenied
	}
	if got := inst.OpenSockets(); got != open {
		t.Errorf("%d sockets open after the script, want %d", got, open)
	}
	if !deny {
		if g["err"] != starlark.None {
			t.Fatalf("allowed %s raised %v", tc.op, g["err"])
		}
		return
	}
	exc, ok := g["err"].(*builtins.Exception)
	if !ok {
		t.Fatalf("denied %s raised %v, want PermissionError", tc.op, g["err"])
	}
	preposition := "to"
	if tc.op == "accept" {
		preposition = "from"
	}
	wantMsg := fmt.Sprintf("%s %s %s is not allowed: %s", tc.op, preposition, addr, reason)
	if errno, _ := exc.Errno(); exc.Class() != builtins.PermissionError || errno != 13 || !errors.Is(exc, syscall.EACCES) ||
		!strings.HasPrefix(exc.String(), "[Errno 13] "+wantMsg) {
		t.Errorf("denied %s raised %v (errno %d), want PermissionError: [Errno 13] %s", tc.op, exc, errno, wantMsg)
	}
}

// TestPolicyFDAdoption: a configured instance refuses to adopt descriptors
// it did not create unless the host allows it; the descriptor is then
// left as it was.
func TestPolicyFDAdoption(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		owned     bool // the call takes the descriptor (closes it or wraps it)
	}{
		{"fromfd", "socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM).close()", false},
		{"socket(fileno=)", "socket.socket(fileno=fd).close()", true},
		{"close", "socket.close(fd)", true},
		{"dup", "socket.close(socket.dup(fd))", false},
	} {
		for _, allow := range []bool{false, true} {
			mode := "refused"
			if allow {
				mode = "allowed"
			}
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
				if err != nil {
					t.Fatal(err)
				}
				inst := socket.New(socket.Options{AllowFDs: allow})
				defer inst.Close()
				err = run(t.Context(), inst, tc.src, starlark.StringDict{"fd": starlark.MakeInt(fd)})
				_, fcntlErr := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
				stillOpen := fcntlErr == nil
				if stillOpen {
					defer unix.Close(fd)
				}
				if allow {
					if err != nil {
						t.Fatalf("AllowFDs: %s raised %v", tc.src, err)
					}
					if stillOpen == tc.owned {
						t.Errorf("descriptor open afterwards: %v, want %v", stillOpen, !tc.owned)
					}
					return
				}
				var exc *builtins.Exception
				want := "PermissionError: [Errno 13] " + tc.name + ": adopting file descriptors is not allowed by the host"
				if !errors.As(err, &exc) || exc.Error() != want || !errors.Is(err, syscall.EACCES) {
					t.Errorf("got %v, want %s", err, want)
				}
				if !stillOpen {
					t.Errorf("a refused %s closed the host's descriptor", tc.name)
				}
			})
		}
	}
}

// TestPolicyRawSockets: raw and packet sockets are refused unless the host
// allows them; allowed, the kernel decides.
func TestPolicyRawSockets(t *testing.T) {
	for _, tc := range []struct {
		name, src            string
		family, sotype, prot int
	}{
		{"raw", "socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()", unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP},
		{"packet", "socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 768).close()", unix.AF_PACKET, unix.SOCK_DGRAM, 768},
	} {
		t.Run(tc.name+"/refused", func(t *testing.T) {
			inst := socket.New(socket.Options{})
			defer inst.Close()
			err := run(t.Context(), inst, tc.src, nil)
			const want = "PermissionError: [Errno 1] raw and packet sockets are not allowed by the host"
			if err == nil || !errors.Is(err, syscall.EPERM) || !strings.Contains(err.Error(), want) {
				t.Errorf("got %v, want %s", err, want)
			}
		})
		t.Run(tc.name+"/allowed", func(t *testing.T) {
			fd, kernelErr := unix.Socket(tc.family, tc.sotype|unix.SOCK_CLOEXEC, tc.prot)
			if kernelErr == nil {
				unix.Close(fd)
			}
			inst := socket.New(socket.Options{AllowRaw: true})
			defer inst.Close()
			err := run(t.Context(), inst, tc.src, nil)
			switch {
			case kernelErr == nil && err != nil:
				t.Errorf("AllowRaw: %v, where the kernel gives this process such sockets", err)
			case kernelErr != nil && !errors.Is(err, kernelErr):
				t.Errorf("AllowRaw: got %v, want the kernel's own refusal %v", err, kernelErr)
			}
		})
	}
}

// TestPolicyMaxSockets: past the cap every way of making a socket raises
// OSError errno 24 naming the cap; closing one makes room again.
func TestPolicyMaxSockets(t *testing.T) {
	inst := socket.New(socket.Options{MaxSockets: 4, AllowFDs: true})
	defer inst.Close()
	err := run(t.Context(), inst, `
def full(f, *args, **kwargs):
    _, err = catch(f, *args, **kwargs)
    if not isinstance(err, OSError) or err.errno != 24 or str(err) != "[Errno 24] Too many open sockets: this host allows 4 at once":
        fail("%s: got %s, want OSError errno 24 naming the cap" % (f, repr(err)))

srv = socket.create_server(("127.0.0.1", 0))
c = socket.create_connection(srv.getsockname())
a = socket.socket()
full(socket.socketpair)          # 3 open, a pair needs 2
b = socket.socket()
full(socket.socket)              # 4 open
full(srv.accept)
full(a.dup)
full(socket.fromfd, a.fileno(), socket.AF_INET, socket.SOCK_STREAM)
fd = socket.dup(a.fileno())
full(socket.socket, fileno=fd)
socket.close(fd)
full(socket.create_connection, srv.getsockname())
full(socket.create_server, ("127.0.0.1", 0))
a.close()
conn, _ = srv.accept()           # room again
conn.close()
b.close()
x, y = socket.socketpair()
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := inst.OpenSockets(); got != 4 {
		t.Errorf("%d sockets open, want 4", got)
	}
}
