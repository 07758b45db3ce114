package socket

import (
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Reads spin briefly before they park.
//
// Parking costs more than the system calls it waits for: the poller's
// epoll_pwait, a futex wake-up of a thread, the sleep and wake-up of an
// idle CPU. When the peer answers within microseconds (a request/response
// protocol, a loopback peer) a short spin finds the data first. Each turn
// of the spin yields the CPU (sched_yield) before it tries again: a peer
// that shares the CPU runs at once (on one core a busy loop would only
// delay it), and when nothing else is runnable the yield returns at once.
//
// Writes do not spin: in request/response they seldom wait, and a writer
// that waits for the poller's "writable" (a third of the buffer free) sends in
// large pieces where a spinning one would send in small ones.

// spinBudget bounds a read's spin.
const spinBudget = 50 * time.Microsecond

// maxSpinBackoff caps how many reads in a row skip the spin after misses.
const maxSpinBackoff = 64

// multiCPU: whether this process may run on more than one CPU.
var multiCPU = runtime.NumCPU() > 1

// spinner decides whether a socket's reads spin: a spin that ran out its
// budget (the peer was slow) makes the next reads skip it, twice as many
// after each miss in a row, so that an idle connection costs no CPU; a
// spin that found its data resets that.
//
// It also predicts the wait: once a read had to wait, the next read yields
// before its first attempt, which in a request/response exchange saves the
// attempt that would find nothing, and in a stream lets more arrive per
// read, until a spin misses. On a single CPU only a read that follows a
// write does: there the yield hands the CPU to the peer for as long as it
// runs, which is what a peer that owes an answer needs, while a reader of
// a stream or a listener under a connection flood would give the writer a
// whole time slice per read.
type spinner struct {
	backoff atomic.Int32 // reads to skip after the next miss
	skip    atomic.Int32 // reads left to skip
	waited  atomic.Bool  // reads have had to wait
	wrote   atomic.Bool  // the socket sent something since its last read
}

// worth reports whether this read should spin.
func (sp *spinner) worth() bool {
	if sp.skip.Load() <= 0 {
		return true
	}
	sp.skip.Add(-1)
	return false
}

// record learns from a spin's outcome.
func (sp *spinner) record(found bool) {
	if found {
		if sp.backoff.Load() != 0 {
			sp.backoff.Store(0)
		}
		return
	}
	b := min(sp.backoff.Load()*2+1, maxSpinBackoff)
	sp.backoff.Store(b)
	sp.skip.Store(b)
	sp.waited.Store(false)
}

// expectsWait reports whether the next read is predicted to wait.
func (sp *spinner) expectsWait() bool {
	return (multiCPU || sp.wrote.Load()) && sp.waited.Load()
}

// spins reports whether a read of dir on s may spin. A stream being
// drained (the last recv was bulk, recvbuf.go) on a single CPU does not:
// there each yield hands the writer a slice in which it sends a little,
// where a reader that sleeps lets it fill the buffer.
func (s *Socket) spins(dir direction) bool {
	return dir == reading && (multiCPU || !s.sizer.lastBulk.Load())
}

// osYield gives the CPU to another runnable thread, if there is one. It is
// a raw system call, as the runtime's own osyield: with the thread marked
// as in a system call, sysmon would hand its P to another thread each
// time the yield lets a peer run for a while, a wake-up per call.
func osYield() { unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0) }

// firstAttempt makes a call's first attempt, a read after a yield when
// the spinner predicts a wait (never on a non-blocking socket, which
// makes one attempt and raises).
func (s *Socket) firstAttempt(dir direction, timeout time.Duration, fn func(fd int) error) error {
	sp := &s.spinner
	if dir == writing {
		err := s.control(fn)
		if err == nil && !sp.wrote.Load() {
			sp.wrote.Store(true)
		}
		return err
	}
	predicts := timeout != 0 && s.spins(dir) && (multiCPU || sp.wrote.Load())
	if sp.wrote.Load() {
		sp.wrote.Store(false)
	}
	if predicts && sp.waited.Load() {
		osYield()
	}
	err := s.control(fn)
	if predicts && err == unix.EAGAIN && !sp.waited.Load() {
		sp.waited.Store(true)
	}
	return err
}

// spin retries fn, yielding between attempts, until it stops reporting
// EAGAIN, the budget is spent or deadline passes. It returns fn's last
// result (EAGAIN at once when the read should not spin).
func (s *Socket) spin(dir direction, deadline time.Time, fn func(fd int) error) error {
	sp := &s.spinner
	if !s.spins(dir) || !sp.worth() {
		return unix.EAGAIN
	}
	end := time.Now().Add(spinBudget)
	if !deadline.IsZero() && deadline.Before(end) {
		end = deadline
	}
	for {
		osYield()
		err := s.control(fn)
		if err != unix.EAGAIN {
			sp.record(true)
			return err
		}
		if !time.Now().Before(end) {
			sp.record(false)
			return err
		}
	}
}

// readEagerly is the first attempt of a read that may skip CPython's poll.
// On a socket with a timeout CPython polls before each attempt; a read
// that succeeds finds the socket readable, so reading first gives the same
// outcome one system call cheaper, except where the read would not have
// waited: a zero-byte read, MSG_DONTWAIT, and the state errors (recv on a
// listening or unconnected socket, MSG_OOB without urgent data) that do
// not make the socket readable. It reports whether the attempt stands;
// when not, the caller waits as CPython does (nothing was consumed). When
// the read is predicted to wait it makes no attempt.
// MSG_OOB never reads first: urgent data does not make the socket
// readable to poll(2), so CPython's poll times out even when the byte is
// there, and the read must not succeed where CPython's does not.
func (s *Socket) readEagerly(bufsize, flags int, fn func(fd int) error) (bool, error) {
	if bufsize == 0 || flags&(unix.MSG_DONTWAIT|unix.MSG_OOB) != 0 || s.timeout.Load() <= 0 || s.spinner.expectsWait() {
		return false, nil
	}
	switch err := s.control(fn); err {
	case unix.EAGAIN, unix.ENOTCONN, unix.EINVAL, unix.EOPNOTSUPP:
		return false, nil
	default:
		return true, err
	}
}
