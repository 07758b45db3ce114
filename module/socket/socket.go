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
// System calls go straight to the socket's own descriptor (fileno), which
// is non-blocking; a count of the calls in flight (uses) keeps it from
// being closed, and its number reused, under one of them. Only a call
// that has to wait needs Go's netpoller (deadlines, cancellation, no OS
// thread held), and only then does the socket register with it, through a
// close-on-exec duplicate wrapped in an *os.File: an *os.File cannot give
// up its descriptor without closing it, and detach() must hand back the
// original untouched. A socket that never waits (an accepted connection
// closed at once, a connect that completes during the call) costs no
// duplicate and no registration: four system calls fewer.
//
// A Socket may be used from several Starlark threads at once: the OS socket
// is safe for that, and the socket's own state is atomic or under mu.
type Socket struct {
	inst   *Instance
	family int
	sotype int // without SOCK_NONBLOCK and SOCK_CLOEXEC
	proto  int

	fd      atomic.Int64 // the script-visible descriptor; -1 once closed or detached
	sysfd   int          // the descriptor system calls use: fd's number, for good
	uses    atomic.Int64 // system calls in flight on sysfd, and the use* bits
	poller  atomic.Pointer[pollerFile]
	timeout atomic.Int64 // nanoseconds; conv.NoTimeout (-1) for None

	// deadlineSet records, per direction, that the poller holds a deadline
	// for this socket, so calls without a timeout clear it only when needed.
	deadlineSet [2]atomic.Bool

	spinner spinner // whether reads spin before parking (spin.go)

	bound atomic.Pointer[boundMethods] // methods bound on first use (bound.go)
	sizer receiveSizer                 // where recv's data lands (recvbuf.go)
	peer  atomic.Pointer[peerAddress]  // recvfrom's last peer and its value (peer.go)

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
	s := &Socket{inst: in, family: family, sotype: sotype &^ (unix.SOCK_NONBLOCK | unix.SOCK_CLOEXEC), proto: proto, sysfd: fd}
	s.fd.Store(int64(fd))
	s.timeout.Store(int64(timeout))
	if err := in.track(s); err != nil {
		s.release(true)
		return nil, err
	}
	return s, nil
}

// pollerFile is the socket's registration with the netpoller: a duplicate
// of its descriptor, made on the first wait.
type pollerFile struct {
	file *os.File
	rc   syscall.RawConn
}

// pollerFile returns the socket's registration with the netpoller, making
// it on first use; EBADF once the socket is closed.
func (s *Socket) pollerFile() (*pollerFile, error) {
	if p := s.poller.Load(); p != nil {
		return p, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.poller.Load(); p != nil {
		return p, nil
	}
	// Under mu, with the socket open, sysfd is open: release and
	// closeUnderneath mark the socket under mu before anything closes it.
	if s.closed || s.fdGone {
		return nil, unix.EBADF
	}
	pollfd, err := dupCloexec(s.sysfd)
	if err != nil {
		return nil, err
	}
	file := os.NewFile(uintptr(pollfd), "socket")
	rc, err := file.SyscallConn()
	if err != nil {
		file.Close()
		return nil, err
	}
	p := &pollerFile{file: file, rc: rc}
	s.poller.Store(p)
	return p, nil
}

// The bits of Socket.uses above the count of calls in flight.
const (
	useRefused   = 1 << 62 // closed, detached or gone: no new calls
	useCloseLast = 1 << 61 // the last call to finish closes sysfd
	useCount     = useCloseLast - 1
)

// acquire counts a call in flight on sysfd, or reports false once the
// socket refuses calls.
func (s *Socket) acquire() bool {
	for {
		v := s.uses.Load()
		if v&useRefused != 0 {
			return false
		}
		if s.uses.CompareAndSwap(v, v+1) {
			return true
		}
	}
}

// drop ends a call that acquire counted; the last one to end after a
// close closes the descriptor.
func (s *Socket) drop() {
	if s.uses.Add(-1) == useRefused|useCloseLast {
		s.inst.closeDescriptor(s.sysfd)
	}
}

// refuse makes every later call fail with EBADF; with closeFD it also
// closes sysfd, at once or when the calls in flight have ended. Exactly
// one party closes: refuse when it finds none in flight, else the drop
// that ends the last one (acquire fails once refuse has run).
func (s *Socket) refuse(closeFD bool) {
	bits := int64(useRefused)
	if closeFD {
		bits |= useCloseLast
	}
	if old := s.uses.Or(bits); closeFD && old&useCount == 0 && old&useCloseLast == 0 {
		s.inst.closeDescriptor(s.sysfd)
	}
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

// release closes the socket: calls blocked now wake (their poller
// registration closes) and later ones fail with EBADF; when closeFD is
// set, the socket's own descriptor closes too, once no call is using it.
// It returns the descriptor and whether this call was the one that
// released it.
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
	if p := s.poller.Load(); p != nil {
		p.file.Close()
	}
	s.inst.untrack(s, fd)
	s.refuse(closeFD && !gone)
	return fd, true
}

// closeUnderneath is socket.close(fd) on this socket's descriptor. As in
// CPython the socket keeps the number (fileno() still returns it) and
// every later call fails with EBADF, close() included; calls blocked now
// wake, as their poller registration closes.
func (s *Socket) closeUnderneath() {
	s.mu.Lock()
	if s.closed || s.fdGone {
		s.mu.Unlock()
		return
	}
	s.fdGone = true
	s.mu.Unlock()
	s.refuse(false)
	if p := s.poller.Load(); p != nil {
		p.file.Close()
	}
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
	if !s.acquire() {
		return unix.EBADF
	}
	err := fn(s.sysfd)
	for err == unix.EINTR {
		err = fn(s.sysfd)
	}
	s.drop()
	return err
}

// closedOr returns EBADF if the socket was closed (the poller's errors
// after its registration closes are Go's, not the errno CPython
// reports), else err.
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
