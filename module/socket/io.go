package socket

import (
	"context"
	"errors"
	"os"
	"sync/atomic"
	"time"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// direction says which readiness a call waits for.
type direction int

const (
	reading direction = iota
	writing
)

// pastDeadline is the deadline that interrupts every wait on a socket.
var pastDeadline = time.Unix(1, 0)

// wait runs fn, which makes one non-blocking attempt and returns EAGAIN
// when the socket is not ready, until it succeeds or fails, honouring the
// socket's timeout as CPython does: None waits without end, 0 makes one
// attempt (EAGAIN becomes BlockingIOError), t > 0 waits until deadline
// (TimeoutError "timed out"). A zero deadline means now + the socket's
// timeout. The wait returns early with *builtins.Cancelled when the
// context tied to the thread is done.
//
// The first attempt is made before touching the poller, so a call whose
// data is already there costs one system call (and a poll(2) when the
// socket has a timeout) and no deadline updates.
func (s *Socket) wait(thread *starlark.Thread, op string, dir direction, deadline time.Time, fn func(fd int) error) error {
	timeout := time.Duration(s.timeout.Load())
	if timeout > 0 {
		// With a timeout CPython polls before each attempt, so a call on
		// a socket that is not ready waits even when the call itself
		// would fail or return at once (recv on a listening socket,
		// recv(0), MSG_DONTWAIT), and times out.
		fn = whenReady(dir, fn)
	}
	if err := s.firstAttempt(dir, timeout, fn); err != unix.EAGAIN {
		return err
	}
	return s.waitAgain(thread, op, dir, deadline, timeout, fn)
}

// waitAgain is wait after a first attempt found the socket not ready;
// timeout is the one that attempt went by.
func (s *Socket) waitAgain(thread *starlark.Thread, op string, dir direction, deadline time.Time, timeout time.Duration, fn func(fd int) error) error {
	if timeout == 0 {
		return unix.EAGAIN
	}
	if deadline.IsZero() && timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	err := s.spin(dir, deadline, fn)
	if err != unix.EAGAIN {
		return err
	}

	p, err := s.pollerFile()
	if err != nil {
		return err
	}
	ctx := builtins.ThreadContext(thread)
	if ctx != nil && ctx.Done() != nil {
		s.watch(ctx)
	}
	for {
		// Set our deadline, then look at the context: a cancellation that
		// lands after the check finds our deadline in place and replaces it.
		if !deadline.IsZero() || s.deadlineSet[dir].Load() {
			p.setDeadline(&s.deadlineSet[dir], dir, deadline)
		}
		if ctx != nil && ctx.Err() != nil {
			return &builtins.Cancelled{Op: op, Cause: context.Cause(ctx)}
		}
		err = s.poll(p, dir, fn)
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
		if ctx != nil && ctx.Err() != nil {
			return &builtins.Cancelled{Op: op, Cause: context.Cause(ctx)}
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return os.ErrDeadlineExceeded
		}
		// Another thread's cancellation interrupted this socket; wait on.
	}
}

// attemptNow makes the first attempt of a call on a socket whose timeout
// is None or 0, and reports whether the call is over. Unlike wait it keeps
// fn to itself (fn only runs), so a caller's closure and the variables it
// writes stay on the caller's stack: a call whose data is there allocates
// nothing for its attempt, and only one that must wait builds the closure
// the poller keeps (waitAfter). With a timeout CPython polls before the
// first attempt, which wait does; attemptNow then makes none.
//
// MSG_DONTWAIT on a socket whose timeout is None makes one attempt:
// CPython makes a blocking call, which the flag turns into one that raises
// EAGAIN at once. (With a timeout CPython waits for readiness as for any
// call.)
func (s *Socket) attemptNow(dir direction, flags int, fn func(fd int) error) (done bool, err error) {
	timeout := time.Duration(s.timeout.Load())
	switch {
	case timeout > 0:
		return false, nil
	case flags&unix.MSG_DONTWAIT != 0 && timeout < 0:
		return true, s.control(fn)
	}
	if err = s.firstAttempt(dir, timeout, fn); err != unix.EAGAIN || timeout == 0 {
		return true, err
	}
	return false, err
}

// waitAfter finishes a call that attemptNow left unfinished: attemptErr
// is what attemptNow returned, EAGAIN when it made the first attempt (on a
// socket without timeout) and nil when it left the whole wait to do.
func (s *Socket) waitAfter(thread *starlark.Thread, op string, dir direction, deadline time.Time, attemptErr error, fn func(fd int) error) error {
	if attemptErr == unix.EAGAIN {
		return s.waitAgain(thread, op, dir, deadline, conv.NoTimeout, fn)
	}
	return s.wait(thread, op, dir, deadline, fn)
}

// pollReady reports whether poll(2) finds fd ready for dir now, counting
// errors and hang-ups as ready, as CPython's poll before a call does.
func pollReady(fd int, dir direction) bool {
	events := int16(unix.POLLIN)
	if dir == writing {
		events = unix.POLLOUT
	}
	pfd := []unix.PollFd{{Fd: int32(fd), Events: events}}
	n, err := unix.Poll(pfd, 0)
	return err != nil || n > 0 && pfd[0].Revents != 0
}

// whenReady makes fn report EAGAIN until poll(2) finds the socket ready.
func whenReady(dir direction, fn func(fd int) error) func(fd int) error {
	return func(fd int) error {
		if !pollReady(fd, dir) {
			return unix.EAGAIN
		}
		return fn(fd)
	}
}

// poll waits in the netpoller until fn stops returning EAGAIN.
func (s *Socket) poll(p *pollerFile, dir direction, fn func(fd int) error) error {
	var opErr error
	ready := func(fd uintptr) bool {
		opErr = fn(int(fd))
		return opErr != unix.EAGAIN && opErr != unix.EINTR
	}
	var err error
	if dir == writing {
		err = p.rc.Write(ready)
	} else {
		err = p.rc.Read(ready)
	}
	if err != nil {
		return s.closedOr(err)
	}
	return opErr
}

// setDeadline sets the poller's deadline for dir, recording in set
// whether one is in place.
func (p *pollerFile) setDeadline(set *atomic.Bool, dir direction, t time.Time) {
	set.Store(!t.IsZero())
	if dir == writing {
		p.file.SetWriteDeadline(t)
	} else {
		p.file.SetReadDeadline(t)
	}
}

// watch ties ctx to the socket once: when ctx is done, every wait on the
// socket is interrupted. It costs no goroutine until then
// (context.AfterFunc), and is undone when the socket closes.
func (s *Socket) watch(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	live := s.watches[:0]
	found := false
	for _, w := range s.watches {
		if w.ctx.Err() != nil {
			continue // done: its interrupt has fired
		}
		if w.ctx == ctx {
			found = true
		}
		live = append(live, w)
	}
	s.watches = live
	if !found {
		stop := context.AfterFunc(ctx, s.interrupt)
		s.watches = append(s.watches, watch{ctx: ctx, stop: stop})
	}
}

// interrupt wakes every wait on the socket. A socket not yet registered
// with the poller has no wait to wake: a wait registers before it looks
// at its context, so it sees the cancellation that called interrupt.
func (s *Socket) interrupt() {
	s.deadlineSet[reading].Store(true)
	s.deadlineSet[writing].Store(true)
	if p := s.poller.Load(); p != nil {
		p.file.SetDeadline(pastDeadline)
	}
}
