package socket

import (
	"testing"

	"go.starlark.net/starlark"
)

// TestReceivedDescriptorOwnership follows the instance's record of the
// descriptors a script received: closing one (socket.close) or giving it
// to a socket (socket(fileno=)) ends the instance's ownership, so that
// Close never closes a number the script already gave up; fromfd, which
// duplicates, does not.
func TestReceivedDescriptorOwnership(t *testing.T) {
	inst := New(Permissive)
	defer inst.Close()
	predeclared, exec := scriptSession(t, inst)
	owned := func() map[int]bool {
		inst.mu.Lock()
		defer inst.mu.Unlock()
		m := make(map[int]bool)
		for fd := range inst.received {
			m[fd] = true
		}
		return m
	}
	fd := func(name string) int {
		n, _ := starlark.AsInt32(predeclared[name])
		return int(n)
	}

	exec(`
a, b = socket.socketpair()
socket.send_fds(a, [b"k"], [a.fileno()] * 4)
_, fds, _, _ = socket.recv_fds(b, 10, 4)
kept, closed, adopted, duplicated = fds
`)
	if got := owned(); len(got) != 4 || !got[fd("kept")] || !got[fd("closed")] || !got[fd("adopted")] || !got[fd("duplicated")] {
		t.Fatalf("after recv_fds the instance owns %v, want the four received", got)
	}
	exec(`
socket.close(closed)
s = socket.socket(fileno = adopted)
d = socket.fromfd(duplicated, socket.AF_UNIX, socket.SOCK_STREAM)
`)
	if got := owned(); len(got) != 2 || !got[fd("kept")] || !got[fd("duplicated")] {
		t.Errorf("after close, socket(fileno=) and fromfd the instance owns %v, want kept %d and duplicated %d", got, fd("kept"), fd("duplicated"))
	}
	inst.Close()
	if got := owned(); len(got) != 0 {
		t.Errorf("after Close the instance still owns %v", got)
	}
}
