package socket_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// fillSendBuffer writes to the non-blocking descriptor fd until the
// kernel takes no more.
func fillSendBuffer(t *testing.T, fd int) {
	t.Helper()
	chunk := make([]byte, 65536)
	for {
		if _, err := unix.Write(fd, chunk); err == unix.EAGAIN {
			return
		} else if err != nil {
			t.Fatalf("filling the send buffer: %v", err)
		}
	}
}

// TestMsgCancelWhileBlocked: recvmsg on an idle socketpair and sendmsg on
// a full one wait, with or without a timeout, until the thread's context
// is cancelled; they then return within a second with an error that
// unwraps to context.Canceled and that catch does not swallow.
func TestMsgCancelWhileBlocked(t *testing.T) {
	cases := []struct {
		name, call string
		full       bool
	}{
		{"recvmsg", "b.recvmsg(10, 100)", false},
		{"recvmsg_timeout", "b.settimeout(60) or b.recvmsg(10, 100)", false},
		{"recv_fds", "socket.recv_fds(b, 10, 4)", false},
		{"sendmsg", `a.sendmsg([b"x" * 65536], [])`, true},
		{"sendmsg_timeout", `a.settimeout(60) or a.sendmsg([b"x" * 65536])`, true},
		{"send_fds", `socket.send_fds(a, [b"x" * 65536], [a.fileno()])`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inst := socket.New(socket.Permissive)
			defer inst.Close()
			a, b := pair(t, inst)
			if tc.full {
				fillSendBuffer(t, a.(*socket.Socket).Fileno())
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, inst, "_, err = catch(lambda: "+tc.call+")\nfail('catch swallowed %s' % err)", starlark.StringDict{"a": a, "b": b})
			}()
			select {
			case err := <-done:
				t.Fatalf("%s returned without waiting: %v", tc.call, err)
			case <-time.After(100 * time.Millisecond):
			}
			cancelled := time.Now()
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("got %v, want an error unwrapping to context.Canceled", err)
				}
				t.Logf("%s returned %v after cancellation", tc.call, time.Since(cancelled))
			case <-time.After(time.Second):
				t.Fatalf("%s still blocked 1s after cancellation", tc.call)
			}
		})
	}
}

// TestMsgTimeout: a socket timeout bounds recvmsg and sendmsg as it
// bounds recv and send: TimeoutError "timed out", unwrapping to
// os.ErrDeadlineExceeded.
func TestMsgTimeout(t *testing.T) {
	for _, call := range []string{"b.recvmsg(10, 100)", `a.sendmsg([b"x" * 65536])`} {
		inst := socket.New(socket.Permissive)
		a, b := pair(t, inst)
		if strings.HasPrefix(call, "a.") {
			fillSendBuffer(t, a.(*socket.Socket).Fileno()) // which leaves b data to read
		}
		err := run(context.Background(), inst, "a.settimeout(0.05)\nb.settimeout(0.05)\n"+call, starlark.StringDict{"a": a, "b": b})
		var exc *builtins.Exception
		if !errors.As(err, &exc) || exc.Class() != builtins.TimeoutError || exc.String() != "timed out" || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("%s: got %v, want TimeoutError: timed out", call, err)
		}
		inst.Close()
	}
}

// inode identifies the file a descriptor refers to, or reports that the
// descriptor is closed.
func inode(fd int) (uint64, bool) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, false
	}
	return st.Ino, true
}

// TestReceivedDescriptors: descriptors arrive close-on-exec (and
// msg_flags does not show MSG_CMSG_CLOEXEC, which the script did not ask
// for); the instance closes those the script kept, and leaves alone the
// ones it closed or gave to a socket.
func TestReceivedDescriptors(t *testing.T) {
	inst := socket.New(socket.Permissive)
	g := setup(t, inst, `
a, b = socket.socketpair()
x, y = socket.socketpair()
socket.send_fds(a, [b"k"], [x.fileno()] * 3)
msg, fds, flags, addr = socket.recv_fds(b, 10, 3)
kept, closed, adopted = fds
socket.close(closed)
s = socket.socket(fileno = adopted)
`, nil)
	if flags, _ := starlark.AsInt32(g["flags"]); flags != 0 {
		t.Errorf("msg_flags = %#x, want 0", flags)
	}
	kept, _ := starlark.AsInt32(g["kept"])
	x := g["x"].(*socket.Socket)
	want, _ := inode(x.Fileno())
	if ino, open := inode(kept); !open || ino != want {
		t.Fatalf("received descriptor %d: inode %d (open %v), want %d, x's", kept, ino, open, want)
	}
	flags, err := unix.FcntlInt(uintptr(kept), unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("received descriptor %d: F_GETFD = %#x, %v; want FD_CLOEXEC set", kept, flags, err)
	}

	inst.Close()
	if ino, open := inode(kept); open && ino == want {
		t.Errorf("descriptor %d, received and kept, is still open after Instance.Close", kept)
	}
	if s := g["s"].(*socket.Socket); s.Fileno() != -1 {
		t.Errorf("the socket that adopted a received descriptor is still open: fd %d", s.Fileno())
	}
}

// TestSendmsgPolicy: sendmsg to an address asks the host's policy first;
// a denial is PermissionError, and nothing is sent.
func TestSendmsgPolicy(t *testing.T) {
	var asked []socket.Request
	inst := socket.New(socket.Options{Policy: func(r socket.Request) error {
		asked = append(asked, r)
		if r.Op == "sendmsg" && strings.HasSuffix(r.Address.String(), "/denied") {
			return errors.New("not this one")
		}
		return nil
	}})
	defer inst.Close()
	dir := t.TempDir()
	g := setup(t, inst, `
r = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
r.bind(dir + "/allowed")
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
d.bind(dir + "/denied")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sent = s.sendmsg([b"ok"], [], 0, dir + "/allowed")
got = r.recv(10)
_, err = catch(s.sendmsg, [b"no"], [], 0, dir + "/denied")
d.setblocking(False)
_, nothing = catch(d.recv, 10)
`, starlark.StringDict{"dir": starlark.String(dir)})
	if g["got"] != starlark.Bytes("ok") {
		t.Errorf("allowed sendmsg: received %v", g["got"])
	}
	var exc *builtins.Exception
	if err, _ := g["err"].(*builtins.Exception); err == nil || !errors.As(err, &exc) || exc.Class() != builtins.PermissionError ||
		exc.String() != "[Errno 13] sendmsg to "+dir+"/denied is not allowed: not this one" {
		t.Errorf("denied sendmsg: got %v", g["err"])
	}
	if nothing, _ := g["nothing"].(*builtins.Exception); nothing == nil || nothing.Class() != builtins.BlockingIOError {
		t.Errorf("denied sendmsg delivered a datagram: recv gave %v", g["nothing"])
	}
	var sendmsgs []string
	for _, r := range asked {
		if r.Op == "sendmsg" && r.Family == unix.AF_UNIX {
			sendmsgs = append(sendmsgs, r.Address.String())
		}
	}
	if len(sendmsgs) != 2 || sendmsgs[0] != dir+"/allowed" || sendmsgs[1] != dir+"/denied" {
		t.Errorf("policy asked about sendmsg to %q, want the allowed and the denied path", sendmsgs)
	}
}

// TestPassingDescriptorsNeedsOwnership: unless the host lets scripts adopt
// descriptors, sendmsg passes only those the script opened or received,
// never one of the host's.
func TestPassingDescriptorsNeedsOwnership(t *testing.T) {
	hostFile, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer hostFile.Close()
	for _, allow := range []bool{false, true} {
		inst := socket.New(socket.Options{AllowFDs: allow})
		g := setup(t, inst, `
a, b = socket.socketpair()
own = socket.send_fds(a, [b"1"], [a.fileno()])
_, fds, _, _ = socket.recv_fds(b, 10, 1)
forwarded = a.sendmsg([b"2"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, b"".join([fd_bytes(fd) for fd in fds]))])
_, host = catch(socket.send_fds, a, [b"3"], [host_fd])
`, starlark.StringDict{
			"host_fd": starlark.MakeInt(int(hostFile.Fd())),
			"fd_bytes": starlark.NewBuiltin("fd_bytes", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
				fd, _ := starlark.AsInt32(args[0])
				return starlark.Bytes([]byte{byte(fd), byte(fd >> 8), byte(fd >> 16), byte(fd >> 24)}), nil
			}),
		})
		own, _ := starlark.AsInt32(g["own"])
		forwarded, _ := starlark.AsInt32(g["forwarded"])
		if own != 1 || forwarded != 1 {
			t.Errorf("AllowFDs %v: passing the script's own descriptors: send_fds %v, sendmsg %v", allow, g["own"], g["forwarded"])
		}
		exc, _ := g["host"].(*builtins.Exception)
		switch {
		case allow && exc != nil:
			t.Errorf("AllowFDs: passing a host descriptor raised %v", exc)
		case !allow && (exc == nil || !errors.Is(exc, syscall.EACCES) || exc.Class() != builtins.PermissionError):
			t.Errorf("passing a host descriptor: got %v, want PermissionError", g["host"])
		}
		inst.Close()
	}
}
