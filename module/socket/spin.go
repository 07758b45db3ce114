package socket

import (
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// spinBudget bounds how long a wait retries its call, yielding the CPU
// between attempts, before it parks in the netpoller.
//
// Parking costs more than the system calls it waits for: the poller's
// epoll_pwait, a futex wake-up of the thread, and the sleep and wake-up
// of an idle CPU. When the peer answers within microseconds (a
// request/response protocol, a loopback peer) a short spin finds the data
// first. sched_yield between attempts lets a peer that shares the CPU run
// (on one core a pure spin would only delay it) and costs little when
// nothing else is runnable.
const spinBudget = 50 * time.Microsecond

// maxSpinBackoff caps how many waits in a row skip the spin after misses.
const maxSpinBackoff = 64

// spinner decides, per socket and direction, whether a wait spins: a spin
// that ran out its budget (the peer was slow) makes the next waits skip
// it, twice as many after each miss in a row, so that an idle connection
// costs no CPU; a spin that found its data resets that.
//
// It also predicts the wait: once a call had to wait, the next call yields
// before its first attempt, which in a request/response exchange saves the
// attempt that would find nothing (and on one core lets the peer answer
// first), until a spin misses.
type spinner struct {
	backoff    atomic.Int32 // waits to skip after the next miss
	skip       atomic.Int32 // waits left to skip
	yieldFirst atomic.Bool
}

// worth reports whether this wait should spin.
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
	sp.yieldFirst.Store(false)
}

// osYield gives the CPU to another runnable thread, if there is one. It is
// a raw system call, as the runtime's own osyield: with the thread marked
// as in a system call, sysmon would hand its P to another thread each
// time the yield lets a peer run for a while, a wake-up per call.
func osYield() { unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0) }

// firstAttempt makes a call's first attempt, after a yield when the
// spinner predicts a wait (never for a non-blocking socket, which makes
// one attempt and raises).
func (s *Socket) firstAttempt(dir direction, timeout time.Duration, fn func(fd int) error) error {
	sp := &s.spinners[dir]
	if timeout != 0 && sp.yieldFirst.Load() {
		osYield()
	}
	err := s.control(fn)
	if err == unix.EAGAIN && timeout != 0 && !sp.yieldFirst.Load() {
		sp.yieldFirst.Store(true)
	}
	return err
}

// spin retries fn, yielding between attempts, until it stops reporting
// EAGAIN, the budget is spent or deadline passes. It returns fn's last
// result.
func (s *Socket) spin(dir direction, deadline time.Time, fn func(fd int) error) error {
	sp := &s.spinners[dir]
	if !sp.worth() {
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
