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
	if done, eagerErr := s.readEagerly(int(bufsize), int(flags), attempt); done {
		err = eagerErr
	} else {
		err = s.waitFlags(thread, op, reading, time.Time{}, int(flags), attempt)
	}
	if err != nil {
		return "", builtins.FromError(err)
	}
	return s.sizer.value(buf, n, pooled), nil
}

// receiveLarge serves a bufsize beyond the scratch buffers: it asks the
// kernel how much is pending (FIONREAD) and allocates that, so that
// recv(2**31 - 1) with ten bytes waiting allocates ten bytes, not 2 GiB.
func (s *Socket) receiveLarge(thread *starlark.Thread, op string, bufsize, flags int, sa *conv.Sockaddr) (starlark.Bytes, error) {
	var buf []byte
	var n int
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
		n, err = sysRecvfrom(fd, buf, flags, sa)
		return err
	})
	if err != nil {
		return "", builtins.FromError(err)
	}
	return s.sizer.value(buf, n, nil), nil
}

// waitFlags is wait for a call that takes flags. MSG_DONTWAIT on a socket
// whose timeout is None makes one attempt: CPython makes a blocking call,
// which the flag turns into one that raises EAGAIN at once. (With a
// timeout CPython waits for readiness as for any call.)
func (s *Socket) waitFlags(thread *starlark.Thread, op string, dir direction, deadline time.Time, flags int, fn func(fd int) error) error {
	if flags&unix.MSG_DONTWAIT != 0 && s.timeout.Load() < 0 {
		return s.control(fn)
	}
	return s.wait(thread, op, dir, deadline, fn)
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
	err := s.waitFlags(thread, op, writing, deadline, flags, func(fd int) error {
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
