package socket

import (
	"os"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
)

// open reports whether descriptor fd is open.
func open(fd int) bool {
	_, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	return err == nil
}

// scriptSession returns the predeclared names of a script session on
// inst, and a function that runs one piece of source in it; each piece
// sees the globals of those before it, as in a REPL.
func scriptSession(t *testing.T, inst *Instance) (starlark.StringDict, func(src string) starlark.StringDict) {
	thread := &starlark.Thread{Name: "test"}
	predeclared := builtins.Predeclared(nil)
	predeclared["socket"] = inst.Module()
	return predeclared, func(src string) starlark.StringDict {
		t.Helper()
		g, err := starlark.ExecFileOptions(builtins.FileOptions, thread, "test.star", src, predeclared)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range g {
			predeclared[k] = v
		}
		return g
	}
}

// pairSocket returns a Socket on one end of a new socketpair, and the
// pair's descriptors.
func pairSocket(t *testing.T, inst *Instance) (*Socket, [2]int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := inst.newSocket(fds[0], unix.AF_UNIX, unix.SOCK_STREAM, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	return s, fds
}

// TestCloseWaitsForCallsInFlight: close() while another thread is inside
// a system call on the socket must not close the descriptor under that
// call (its number could be reused by then); the call that ends last
// closes it. Later calls fail with EBADF at once.
func TestCloseWaitsForCallsInFlight(t *testing.T) {
	inst := New(Options{})
	defer inst.Close()
	s, fds := pairSocket(t, inst)
	defer unix.Close(fds[1])

	inCall, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.control(func(fd int) error {
			close(inCall)
			<-release
			_, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
			return err
		})
	}()
	<-inCall
	s.Close()
	if !open(fds[0]) {
		t.Fatal("close() closed the descriptor while a call was using it")
	}
	if err := s.control(func(int) error { return nil }); err != unix.EBADF {
		t.Errorf("a call after close() returned %v, want EBADF", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("the call in flight saw %v on its descriptor", err)
	}
	if open(fds[0]) {
		t.Error("the descriptor is still open after the last call ended")
	}
}

// TestDetachLeavesDescriptorOpen: detach() with a call in flight refuses
// later calls but never closes the descriptor it hands back.
func TestDetachLeavesDescriptorOpen(t *testing.T) {
	inst := New(Options{})
	defer inst.Close()
	s, fds := pairSocket(t, inst)
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	if !s.acquire() {
		t.Fatal("a new socket refused a call")
	}
	if fd, ok := s.release(false); fd != fds[0] || !ok {
		t.Fatalf("detach returned %d, %v", fd, ok)
	}
	s.drop()
	if !open(fds[0]) {
		t.Error("detach closed the descriptor")
	}
	if s.acquire() {
		t.Error("a detached socket accepted a call")
	}
}

// TestRegistersWithPollerOnlyToWait: a socket holds one descriptor until a
// call of its has to wait; then it holds two (the poller's duplicate)
// until it closes.
func TestRegistersWithPollerOnlyToWait(t *testing.T) {
	inst := New(Options{})
	defer inst.Close()
	predeclared, run := scriptSession(t, inst)
	count := func() int {
		t.Helper()
		entries, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	// recvLate runs b.recv(10) with the data sent 20ms later from Go,
	// so that the call has to wait.
	recvLate := func() {
		t.Helper()
		a := predeclared["a"].(*Socket)
		go func() {
			time.Sleep(20 * time.Millisecond)
			unix.Write(a.Fileno(), []byte("late"))
		}()
		if got := run(`got = b.recv(10)`)["got"]; got != starlark.Bytes("late") {
			t.Fatalf("recv returned %v", got)
		}
	}
	// The netpoller makes its own descriptors on first use.
	run(`a, b = socket.socketpair()`)
	recvLate()
	run(`a.close(); b.close()`)

	start := count()
	run(`
a, b = socket.socketpair()
a.sendall(b"ping")
got = b.recv(10)
`)
	if n := count() - start; n != 2 {
		t.Errorf("a socketpair that sent and received without waiting holds %d descriptors, want 2", n)
	}
	recvLate()
	if n := count() - start; n != 3 {
		t.Errorf("after b waited, the pair holds %d descriptors, want 3 (b's duplicate)", n)
	}
	run(`a.close(); b.close()`)
	if n := count() - start; n != 0 {
		t.Errorf("%d descriptors left after closing the pair", n)
	}
}

// TestLingeringCloseWaits: close() of a socket with SO_LINGER on, whose
// peer reads nothing, waits out the linger time as CPython's does (1.01 s
// here). Most closes are raw system calls (sysClose); made so, this one
// ended after a few milliseconds, cut short by the runtime's preemption
// signal.
func TestLingeringCloseWaits(t *testing.T) {
	inst := New(Options{})
	defer inst.Close()
	_, run := scriptSession(t, inst)
	g := run(`
srv = socket.create_server(("127.0.0.1", 0))
c = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
c.setblocking(False)
for _ in range(100000):
    _, err = catch(c.send, b"x" * 65536)
    if err:
        break
c.setblocking(True)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x01\x00\x00\x00")  # on, 1 s
start = time.monotonic()
c.close()
took = time.monotonic() - start
`)
	if took := float64(g["took"].(starlark.Float)); took < 0.9 {
		t.Errorf("close() of a lingering socket with unsent data took %.3f s, want the linger time, 1 s", took)
	}
}
