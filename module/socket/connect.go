package socket

import (
	"context"
	"errors"
	"os"
	"time"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// address converts a script's address argument for this socket, asking the
// host's policy about op on it. The tuple recvfrom last made needs no
// conversion (peer.go).
func (s *Socket) address(thread *starlark.Thread, op string, v starlark.Value) (*conv.Sockaddr, error) {
	sa := s.peerSockaddr(v)
	if sa == nil {
		var err error
		if sa, err = conv.Address(builtins.ThreadContext(thread), s.family, s.sotype, v, op); err != nil {
			return nil, err
		}
	}
	if err := s.inst.allow(op, sa); err != nil {
		return nil, err
	}
	return sa, nil
}

func (s *Socket) bind(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	sa, err := s.address(thread, "bind", args[0])
	if err != nil {
		return nil, err
	}
	if err := s.control(func(fd int) error { return sysBind(fd, sa) }); err != nil {
		return nil, builtins.FromError(err)
	}
	return starlark.None, nil
}

// defaultBacklog is CPython's listen() default, min(SOMAXCONN, 128).
const defaultBacklog = 128

func (s *Socket) listen(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	backlog := int64(min(unix.SOMAXCONN, defaultBacklog))
	if args[0] != nil {
		var err error
		if backlog, err = conv.Int(args[0], conv.ArgInt); err != nil {
			return nil, err
		}
		backlog = max(backlog, 0) // CPython clamps a negative backlog to 0
	}
	if err := s.control(func(fd int) error { return unix.Listen(fd, int(backlog)) }); err != nil {
		return nil, builtins.FromError(err)
	}
	return starlark.None, nil
}

func (s *Socket) shutdown(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	how, err := conv.Int(args[0], conv.CInt)
	if err != nil {
		return nil, err
	}
	if err := s.control(func(fd int) error { return unix.Shutdown(fd, int(how)) }); err != nil {
		return nil, builtins.FromError(err)
	}
	return starlark.None, nil
}

func (s *Socket) connect(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	sa, err := s.address(thread, "connect", args[0])
	if err != nil {
		return nil, err
	}
	if err := s.connectAddr(thread, "connect", sa); err != nil {
		return nil, builtins.FromError(err)
	}
	return starlark.None, nil
}

// connectEx is connect_ex: an OS error becomes its errno (a timeout is
// EWOULDBLOCK, as in CPython); other errors (types, lookups) still raise.
func (s *Socket) connectEx(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	sa, err := s.address(thread, "connect_ex", args[0])
	if err != nil {
		return nil, err
	}
	err = s.connectAddr(thread, "connect_ex", sa)
	var errno unix.Errno
	switch {
	case err == nil:
		return starlark.MakeInt(0), nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return starlark.MakeInt(int(unix.EWOULDBLOCK)), nil
	case builtins.IsCancellation(err):
		return nil, err
	case errors.As(err, &errno):
		return starlark.MakeInt(int(errno)), nil
	}
	return nil, builtins.FromError(err)
}

// connectAddr connects, and on a single CPU lets a listener the
// connection woke take its turn (connected).
func (s *Socket) connectAddr(thread *starlark.Thread, op string, sa *conv.Sockaddr) error {
	err := s.connectWait(thread, op, sa)
	if err == nil {
		s.connected()
	}
	return err
}

// connected runs when a connect succeeds. On a single CPU a stream socket
// yields once. The handshake has woken the listener, and a listener
// asleep in accept(2), as CPython's is, would take the CPU from us at
// that wake-up; but ours may be spinning (spin.go), runnable already, and
// then nothing hands it the CPU until our time slice ends. A client that
// connects and closes in a loop would close a whole slice of connections
// before the first is accepted, and the client's side of each then
// closes first and holds the TIME_WAIT entry, which makes the kernel's
// search for a free port longer. tcp_connect_rate pinned, each run in a
// fresh network namespace: 14,900 -> 16,900 connections/s (6 interleaved
// rounds, medians; CPython 19,700). A yield with nothing else to run
// returns at once.
func (s *Socket) connected() {
	if !multiCPU && s.sotype == unix.SOCK_STREAM {
		osYield()
	}
}

// connectWait connects as CPython does over a non-blocking descriptor:
// connect(2), and on EINPROGRESS wait until writable
// within the timeout, then learn the outcome (connect(2) again, or
// SO_ERROR); a wake-up that leaves the socket unconnected waits again
// (Go's net does the same, fd_unix.go).
func (s *Socket) connectWait(thread *starlark.Thread, op string, sa *conv.Sockaddr) error {
	err := s.control(func(fd int) error { return sysConnect(fd, sa) })
	timeout := s.timeout.Load()
	if err == unix.EAGAIN && s.family == unix.AF_UNIX && timeout < 0 {
		return s.retryConnect(thread, op, sa)
	}
	if err != unix.EINPROGRESS {
		return err // EAGAIN too, for AF_UNIX with a timeout, as in CPython
	}
	if timeout == 0 {
		return err // BlockingIOError: [Errno 115] Operation now in progress
	}
	if timeout < 0 {
		// CPython makes a blocking connect(2) when the timeout is None,
		// which leaves the kernel's socket connected (connecting again is
		// EISCONN). connect(2) again does both the waiting test and that:
		// EALREADY while the handshake is on, 0 once it is done (on
		// loopback, usually already at the first try), else the error.
		return s.wait(thread, op, writing, time.Time{}, func(fd int) error {
			switch err := sysConnect(fd, sa); err {
			case unix.EALREADY, unix.EINPROGRESS:
				return unix.EAGAIN
			default:
				return err
			}
		})
	}
	// With a timeout CPython polls, then reads SO_ERROR, and the socket
	// stays "connecting" until the next connect(2).
	return s.wait(thread, op, writing, time.Time{}, func(fd int) error {
		soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return err
		}
		if soerr != 0 {
			return unix.Errno(soerr)
		}
		var peer conv.Sockaddr
		if err := sysGetpeername(fd, &peer); err == unix.ENOTCONN {
			return unix.EAGAIN // not connected yet
		}
		return nil
	})
}

// retryConnect is a blocking AF_UNIX connect whose listener's backlog is
// full: the kernel would sleep until there is room, and no readiness of
// our socket says when there is, so it retries at growing intervals (up to
// 50ms), until it connects, fails otherwise, the socket closes, or the
// thread's context is done.
func (s *Socket) retryConnect(thread *starlark.Thread, op string, sa *conv.Sockaddr) error {
	var done <-chan struct{}
	ctx := builtins.ThreadContext(thread)
	if ctx != nil {
		done = ctx.Done()
	}
	delay := time.Millisecond
	timer := time.NewTimer(delay)
	defer timer.Stop()
	for {
		select {
		case <-timer.C:
		case <-done:
			return &builtins.Cancelled{Op: op, Cause: context.Cause(ctx)}
		}
		err := s.control(func(fd int) error { return sysConnect(fd, sa) })
		if err != unix.EAGAIN {
			return err
		}
		delay = min(2*delay, 50*time.Millisecond)
		timer.Reset(delay)
	}
}

// accept waits for a connection and returns (socket, address). The new
// socket gets the default timeout, as socket(fileno=) does in socket.py
// (whose extra setblocking(True) only mends descriptor flags).
func (s *Socket) accept(thread *starlark.Thread, _ []starlark.Value) (starlark.Value, error) {
	if err := s.inst.checkCapacity(1); err != nil {
		return nil, err
	}
	var sa conv.Sockaddr
	var nfd int
	err := s.wait(thread, "accept", reading, time.Time{}, func(fd int) error {
		var err error
		nfd, err = sysAccept(fd, &sa)
		return err
	})
	if err != nil {
		return nil, builtins.FromError(err)
	}
	if err := s.inst.allow("accept", &sa); err != nil {
		unix.Close(nfd)
		return nil, err
	}
	conn, err := s.inst.newSocket(nfd, s.family, s.sotype, s.proto, time.Duration(s.inst.defaultTimeout.Load()))
	if err != nil {
		return nil, err
	}
	return starlark.Tuple{conn, sa.Value()}, nil
}
