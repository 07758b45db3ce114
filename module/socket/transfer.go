package socket

import (
	"time"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// receive is recv and recvfrom: bufsize as Py_ssize_t, flags as "i",
// and the address filled in when sa is not nil.
func (s *Socket) receive(thread *starlark.Thread, op string, args []starlark.Value, sa *conv.Sockaddr) (starlark.Bytes, error) {
	bufsize, err := conv.Int(args[0], conv.SSizeT)
	if err != nil {
		return "", err
	}
	var flags int64
	if args[1] != nil {
		if flags, err = conv.Int(args[1], conv.ArgInt); err != nil {
			return "", err
		}
	}
	if bufsize < 0 {
		return "", builtins.Errorf(builtins.ValueError, "negative buffersize in %s", op)
	}
	if bufsize == 0 && sa == nil {
		return "", nil // CPython's recv(0) returns b'' without a system call (recvfrom makes one)
	}
	if bufsize > scratchSize {
		return s.receiveLarge(thread, op, int(bufsize), int(flags), sa)
	}
	buf, pooled := s.sizer.buffer(int(bufsize))
	if pooled != nil {
		defer scratch.Put(pooled)
	}
	var n int
	attempt := func(fd int) error {
		var err error
		n, err = sysRecvfrom(fd, buf, int(flags), sa)
		return err
	}
	done, err := s.readEagerly(int(bufsize), int(flags), attempt)
	if !done {
		done, err = s.attemptNow(reading, int(flags), attempt)
	}
	if !done {
		n, err = s.receiveWaiting(thread, op, buf, int(flags), sa, err)
	}
	if err != nil {
		return "", builtins.FromError(err)
	}
	return s.sizer.value(buf, n, pooled), nil
}

// receiveWaiting is a receive that attemptNow left unfinished (attemptErr
// is what it returned). Its closure goes to the poller, so it fills an
// address of its own and copies it to sa: receive's callers keep sa on
// their stacks.
func (s *Socket) receiveWaiting(thread *starlark.Thread, op string, buf []byte, flags int, sa *conv.Sockaddr, attemptErr error) (int, error) {
	var n int
	from := heapCopy(sa)
	err := s.waitAfter(thread, op, reading, time.Time{}, attemptErr, func(fd int) error {
		var err error
		n, err = sysRecvfrom(fd, buf, flags, from)
		return err
	})
	if sa != nil {
		*sa = *from
	}
	return n, err
}

// heapCopy returns a new address holding *sa, or nil for nil: one that a
// closure kept by the poller may write to without sa escaping.
func heapCopy(sa *conv.Sockaddr) *conv.Sockaddr {
	if sa == nil {
		return nil
	}
	c := *sa
	return &c
}

// receiveLarge serves a bufsize beyond the scratch buffers: it asks the
// kernel how much is pending (FIONREAD) and allocates that, so that
// recv(2**31 - 1) with ten bytes waiting allocates ten bytes, not 2 GiB.
func (s *Socket) receiveLarge(thread *starlark.Thread, op string, bufsize, flags int, sa *conv.Sockaddr) (starlark.Bytes, error) {
	var buf []byte
	var n int
	from := heapCopy(sa)
	err := s.waitFlags(thread, op, reading, time.Time{}, flags, func(fd int) error {
		pending, err := unix.IoctlGetInt(fd, unix.SIOCINQ)
		if err != nil {
			return err
		}
		size := min(bufsize, max(pending, 1))
		if pending == 0 {
			size = min(bufsize, scratchSize) // EOF, an empty datagram, or nothing yet
		}
		if cap(buf) < size {
			buf = make([]byte, size)
		}
		buf = buf[:size]
		n, err = sysRecvfrom(fd, buf, flags, from)
		return err
	})
	if sa != nil {
		*sa = *from
	}
	if err != nil {
		return "", builtins.FromError(err)
	}
	return s.sizer.value(buf, n, nil), nil
}

// waitFlags is wait for a call that takes flags (attemptNow says what
// MSG_DONTWAIT changes): the first attempt as attemptNow makes it, the
// rest as waitAfter.
func (s *Socket) waitFlags(thread *starlark.Thread, op string, dir direction, deadline time.Time, flags int, fn func(fd int) error) error {
	done, err := s.attemptNow(dir, flags, fn)
	if !done {
		err = s.waitAfter(thread, op, dir, deadline, err, fn)
	}
	return err
}

func (s *Socket) recv(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	data, err := s.receive(thread, "recv", args, nil)
	if err != nil {
		return nil, err
	}
	return data, nil
}

func (s *Socket) recvfrom(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	var sa conv.Sockaddr
	data, err := s.receive(thread, "recvfrom", args, &sa)
	if err != nil {
		return nil, err
	}
	var addr starlark.Value = starlark.None
	if sa.Len > 0 {
		addr = s.peerValue(&sa)
	}
	return starlark.Tuple{data, addr}, nil
}

// dataAndFlags reads send's and sendall's (data, flags=0).
func dataAndFlags(args []starlark.Value) ([]byte, int, error) {
	data, err := conv.Bytes(args[0])
	if err != nil {
		return nil, 0, err
	}
	var flags int64
	if args[1] != nil {
		if flags, err = conv.Int(args[1], conv.ArgInt); err != nil {
			return nil, 0, err
		}
	}
	return data, int(flags), nil
}

func (s *Socket) send(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	data, flags, err := dataAndFlags(args)
	if err != nil {
		return nil, err
	}
	n, err := s.sendOnce(thread, "send", data, flags, nil, time.Time{})
	if err != nil {
		return nil, builtins.FromError(err)
	}
	return starlark.MakeInt(n), nil
}

func (s *Socket) sendOnce(thread *starlark.Thread, op string, data []byte, flags int, sa *conv.Sockaddr, deadline time.Time) (int, error) {
	var n int
	attempt := func(fd int) error {
		var err error
		n, err = sysSendto(fd, data, flags, sa)
		return err
	}
	done, err := s.attemptNow(writing, flags, attempt)
	if !done {
		return s.sendWaiting(thread, op, data, flags, sa, deadline, err)
	}
	return n, err
}

// sendWaiting is a send that attemptNow left unfinished (attemptErr is
// what it returned), with the closure the poller keeps built here, so
// that sendOnce's stays on its stack.
func (s *Socket) sendWaiting(thread *starlark.Thread, op string, data []byte, flags int, sa *conv.Sockaddr, deadline time.Time, attemptErr error) (int, error) {
	var n int
	err := s.waitAfter(thread, op, writing, deadline, attemptErr, func(fd int) error {
		var err error
		n, err = sysSendto(fd, data, flags, sa)
		return err
	})
	return n, err
}

// sendall sends everything or raises; as in CPython since 3.5 the timeout
// bounds the whole call, not each chunk.
func (s *Socket) sendall(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	data, flags, err := dataAndFlags(args)
	if err != nil {
		return nil, err
	}
	var deadline time.Time
	if t := time.Duration(s.timeout.Load()); t > 0 {
		deadline = time.Now().Add(t)
	}
	for {
		n, err := s.sendOnce(thread, "sendall", data, flags, nil, deadline)
		if err != nil {
			return nil, builtins.FromError(err)
		}
		data = data[n:]
		if len(data) == 0 {
			return starlark.None, nil
		}
	}
}

// sendto(data, address) or sendto(data, flags, address).
func (s *Socket) sendto(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	data, err := conv.Bytes(args[0])
	if err != nil {
		return nil, err
	}
	var flags int64
	addr := args[1]
	if args[2] != nil {
		if flags, err = conv.Int(args[1], conv.ArgInt); err != nil {
			return nil, err
		}
		addr = args[2]
	}
	sa, err := s.address(thread, "sendto", addr)
	if err != nil {
		return nil, err
	}
	n, err := s.sendOnce(thread, "sendto", data, int(flags), sa, time.Time{})
	if err != nil {
		return nil, builtins.FromError(err)
	}
	return starlark.MakeInt(n), nil
}
