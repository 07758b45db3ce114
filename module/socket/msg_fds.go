package socket

import (
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// Descriptors that arrive in SCM_RIGHTS messages are new descriptors of
// the host's process. The instance owns each until the script closes it
// (socket.close(fd)) or gives it to a socket (socket(fileno=fd)), and
// Instance.Close closes the rest, so that a script that forgets them
// leaks nothing past its life. fromfd duplicates, leaving the received
// descriptor owned as before. Ownership ends before the descriptor is
// closed or adopted, so the number is never closed twice (or closed
// after being reused for something else).

// rightsFDs returns the descriptors carried by the SCM_RIGHTS messages of
// msgs.
func rightsFDs(msgs []conv.ControlMessage) []int {
	var fds []int
	for _, m := range msgs {
		if m.Level == unix.SOL_SOCKET && m.Type == unix.SCM_RIGHTS {
			fds = append(fds, conv.FDs(m.Data)...)
		}
	}
	return fds
}

// own records received descriptors as the instance's.
func (in *Instance) own(fds []int) {
	if len(fds) == 0 {
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.received == nil {
		in.received = make(map[int]struct{})
	}
	for _, fd := range fds {
		in.received[fd] = struct{}{}
	}
}

// disown ends the instance's ownership of a received descriptor that the
// script is about to close or hand to a socket.
func (in *Instance) disown(fd int) {
	in.mu.Lock()
	delete(in.received, fd)
	in.mu.Unlock()
}

// closeReceived closes the received descriptors the script kept.
func (in *Instance) closeReceived() {
	in.mu.Lock()
	fds := in.received
	in.received = nil
	in.mu.Unlock()
	for fd := range fds {
		unix.Close(fd)
	}
}

// checkPassable refuses, unless the host lets scripts adopt descriptors,
// to pass in SCM_RIGHTS a descriptor the script neither opened nor
// received: without the check, sendmsg could hand any of the host's
// descriptors to another process.
func (in *Instance) checkPassable(msgs []conv.ControlMessage) error {
	if in.opts.AllowFDs {
		return nil
	}
	for _, fd := range rightsFDs(msgs) {
		if !in.holds(fd) {
			return builtins.OSErrorf(syscall.EACCES, "sendmsg: passing descriptor %d, which the script did not open or receive, is not allowed by the host", fd)
		}
	}
	return nil
}

// holds reports whether fd is one of the instance's sockets or received
// descriptors.
func (in *Instance) holds(fd int) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if _, ok := in.received[fd]; ok {
		return true
	}
	for _, s := range in.sockets[fd] {
		if !s.descriptorGone() { // a number closed under a socket may be anyone's now
			return true
		}
	}
	return false
}
