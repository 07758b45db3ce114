package socket

import (
	"context"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// Socket is a Python socket object backed by an OS socket.
//
// The descriptor a script sees (fileno) is the socket's own; I/O goes
// through a close-on-exec duplicate wrapped in an *os.File, so that every
// wait parks in Go's netpoller (deadlines, cancellation, no OS thread held)
// while detach() can still hand back the original descriptor untouched:
// an *os.File cannot give up its descriptor without closing it.
//
// A Socket may be used from several Starlark threads at once: the OS socket
// is safe for that, and the socket's own state is atomic or under mu.
type Socket struct {
	inst   *Instance
	family int
	sotype int // without SOCK_NONBLOCK and SOCK_CLOEXEC
	proto  int

	fd      atomic.Int64 // the script-visible descriptor; -1 once closed or detached
	file    *os.File     // the duplicate, registered with the netpoller
	rc      syscall.RawConn
	timeout atomic.Int64 // nanoseconds; conv.NoTimeout (-1) for None

	// deadlineSet records, per direction, that the poller holds a deadline
	// for this socket, so calls without a timeout clear it only when needed.
	deadlineSet [2]atomic.Bool

	spinner spinner // whether reads spin before parking (spin.go)

	bound atomic.Pointer[boundMethods] // methods bound on first use (bound.go)
	sizer receiveSizer                 // where recv's data lands (recvbuf.go)

	mu      sync.Mutex
	closed  bool
	watches []watch // contexts whose cancellation interrupts this socket's waits
	// fdGone: the script closed the descriptor under the socket
	// (socket.close(s.fileno())). Its number may be reused by now, so the
	// socket must never close it again.
	fdGone bool
	// ioRefs counts the files makefile made and that are still open, and
	// closeRequested records the script's close(): socket.py's _io_refs
	// and _closed, which keep the descriptor open until both are done.
	ioRefs         int
	closeRequested bool
}

type watch struct {
	ctx  context.Context
	stop func() bool
}

var (
	_ starlark.HasAttrs    = (*Socket)(nil)
	_ starlark.HasSetField = (*Socket)(nil)
)

// newSocket wraps fd, which must be non-blocking, taking ownership of it.
// timeout is the socket's initial timeout.
func (in *Instance) newSocket(fd, family, sotype, proto int, timeout time.Duration) (*Socket, error) {
	pollfd, err := dupCloexec(fd)
	if err != nil {
		unix.Close(fd)
		return nil, builtins.FromError(err)
	}
	file := os.NewFile(uintptr(pollfd), "socket")
	rc, err := file.SyscallConn()
	if err != nil {
		file.Close()
		unix.Close(fd)
		return nil, builtins.FromError(err)
	}
	s := &Socket{inst: in, family: family, sotype: sotype &^ (unix.SOCK_NONBLOCK | unix.SOCK_CLOEXEC), proto: proto, file: file, rc: rc}
	s.fd.Store(int64(fd))
	s.timeout.Store(int64(timeout))
	if err := in.track(s); err != nil {
		s.release(true)
		return nil, err
	}
	return s, nil
}

// Fileno returns the socket's descriptor, or -1 once it is closed.
func (s *Socket) Fileno() int { return int(s.fd.Load()) }

// Close closes the socket as close() does: idempotent, and calls blocked
// in other threads return with EBADF. Unlike a script's close(), it does
// not wait for files made by makefile to be closed too.
func (s *Socket) Close() error {
	s.release(true)
	return nil
}

// release closes the poller's duplicate (waking any waiter) and, when
// closeFD is set, the socket's own descriptor. It returns the descriptor
// and whether this call was the one that released it.
func (s *Socket) release(closeFD bool) (int, bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return -1, false
	}
	s.closed = true
	fd := int(s.fd.Swap(-1))
	gone := s.fdGone
	watches := s.watches
	s.watches = nil
	s.mu.Unlock()

	for _, w := range watches {
		w.stop()
	}
	s.file.Close()
	s.inst.untrack(s, fd)
	if closeFD && !gone {
		s.inst.closeDescriptor(fd)
	}
	return fd, true
}

// closeUnderneath is socket.close(fd) on this socket's descriptor. As in
// CPython the socket keeps the number (fileno() still returns it) and
// every later call fails with EBADF, close() included; closing the
// poller's duplicate makes them fail, and wakes calls blocked now.
func (s *Socket) closeUnderneath() {
	s.mu.Lock()
	if s.closed || s.fdGone {
		s.mu.Unlock()
		return
	}
	s.fdGone = true
	s.mu.Unlock()
	s.file.Close()
}

// descriptorGone reports whether closeUnderneath has run.
func (s *Socket) descriptorGone() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fdGone
}

// isClosed reports whether close() or detach() has run.
func (s *Socket) isClosed() bool { return s.fd.Load() < 0 }

func (s *Socket) String() string {
	var b strings.Builder
	b.WriteString("<socket.socket")
	closed := s.closedForRepr()
	if closed {
		b.WriteString(" [closed]")
	}
	b.WriteString(" fd=" + itoa(s.Fileno()))
	b.WriteString(", family=" + itoa(s.family))
	b.WriteString(", type=" + itoa(s.sotype))
	b.WriteString(", proto=" + itoa(s.proto))
	if !closed {
		// socket.py formats the addresses with %s: a path shows bare.
		if addr, err := s.sockname(sysGetsockname); err == nil && addr.Truth() {
			b.WriteString(", laddr=" + builtins.PyStr(addr))
		}
		if addr, err := s.sockname(sysGetpeername); err == nil && addr.Truth() {
			b.WriteString(", raddr=" + builtins.PyStr(addr))
		}
	}
	b.WriteString(">")
	return b.String()
}

func (s *Socket) Type() string         { return "socket" }
func (s *Socket) Freeze()              {} // its state is the OS socket's, safe to share
func (s *Socket) Truth() starlark.Bool { return starlark.True }
func (s *Socket) Hash() (uint32, error) {
	// Python hashes sockets by identity; the address is a stable stand-in.
	return uint32(uintptr(unsafePointer(s)) >> 3), nil
}

// Attr returns the read-only attributes and the bound methods.
func (s *Socket) Attr(name string) (starlark.Value, error) {
	if m := s.method(name); m != nil {
		return m, nil
	}
	switch name {
	case "family":
		return starlark.MakeInt(s.family), nil
	case "type":
		return starlark.MakeInt(s.sotype), nil
	case "proto":
		return starlark.MakeInt(s.proto), nil
	case "timeout":
		return conv.TimeoutValue(time.Duration(s.timeout.Load())), nil
	}
	return nil, builtins.Errorf(builtins.AttributeError, "'socket' object has no attribute '%s'", name)
}

func (s *Socket) AttrNames() []string { return attrNames }

// SetField refuses every assignment as CPython does for socket attributes.
func (s *Socket) SetField(name string, _ starlark.Value) error {
	switch name {
	case "family", "type": // properties of socket.py's class
		return builtins.Errorf(builtins.AttributeError, "property '%s' of 'socket' object has no setter", name)
	case "proto": // members of _socket.socket
		return builtins.Errorf(builtins.AttributeError, "readonly attribute")
	case "timeout":
		return builtins.Errorf(builtins.AttributeError, "attribute 'timeout' of '_socket.socket' objects is not writable")
	}
	if methods[name] != nil {
		return builtins.Errorf(builtins.AttributeError, "'socket' object attribute '%s' is read-only", name)
	}
	return builtins.Errorf(builtins.AttributeError, "'socket' object has no attribute '%s'", name)
}

// control runs fn on the descriptor without waiting, retrying on EINTR
// (PEP 475). After close it reports EBADF.
func (s *Socket) control(fn func(fd int) error) error {
	c := controlCalls.Get().(*controlCall)
	c.fn = fn
	err := s.rc.Control(c.run)
	opErr := c.err
	*c = controlCall{run: c.run}
	controlCalls.Put(c)
	if err != nil {
		return s.closedOr(err)
	}
	return opErr
}

// controlCall carries fn and its result through RawConn.Control. A closure
// made per call would be two allocations per system call (it and the
// result it captures escape through the interface); these are reused.
type controlCall struct {
	fn  func(fd int) error
	err error
	run func(fd uintptr) // c.do, bound once
}

var controlCalls = sync.Pool{New: func() any {
	c := new(controlCall)
	c.run = c.do
	return c
}}

func (c *controlCall) do(fd uintptr) {
	for {
		c.err = c.fn(int(fd))
		if c.err != unix.EINTR {
			return
		}
	}
}

// closedOr returns EBADF if the socket was closed (the poller's errors
// after a close are Go's, not the errno CPython reports), else err.
func (s *Socket) closedOr(err error) error {
	if s.isClosed() || s.descriptorGone() {
		return unix.EBADF
	}
	return err
}

// sockname returns getsockname or getpeername as Python shows it.
func (s *Socket) sockname(call func(int, *conv.Sockaddr) error) (starlark.Value, error) {
	var sa conv.Sockaddr
	if err := s.control(func(fd int) error { return call(fd, &sa) }); err != nil {
		return nil, builtins.FromError(err)
	}
	return sa.Value(), nil
}
