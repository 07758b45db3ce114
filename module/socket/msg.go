package socket

import (
	"math"
	"time"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// sendmsg(buffers[, ancdata[, flags[, address]]]) gathers buffers into one
// message with ancillary data, as CPython's: the arguments are read in
// its order (flags, address, buffers, ancdata), so the same mistake gets
// the same exception.
func (s *Socket) sendmsg(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	var flags int64
	var err error
	if args[2] != nil {
		if flags, err = conv.Int(args[2], conv.ArgInt); err != nil {
			return nil, err
		}
	}
	var sa *conv.Sockaddr
	if args[3] != nil && args[3] != starlark.None {
		if sa, err = s.address(thread, "sendmsg", args[3]); err != nil {
			return nil, err
		}
	}
	buffers, err := dataBuffers(args[0])
	if err != nil {
		return nil, err
	}
	var control []byte
	if args[1] != nil {
		msgs, err := ancillaryItems(args[1])
		if err != nil {
			return nil, err
		}
		if err := s.inst.checkPassable(msgs); err != nil {
			return nil, err
		}
		if control, err = conv.BuildControl(msgs); err != nil {
			return nil, err
		}
	}
	var n int
	err = s.waitFlags(thread, "sendmsg", writing, time.Time{}, int(flags), func(fd int) error {
		var err error
		n, err = sysSendmsg(fd, buffers, control, int(flags), sa)
		return err
	})
	if err != nil {
		return nil, builtins.FromError(err)
	}
	return starlark.MakeInt(n), nil
}

// message is what recvmsg received.
type message struct {
	data    starlark.Bytes
	ancdata []conv.ControlMessage
	flags   int
	sender  starlark.Value // None when the kernel gave no address
}

// recvmsg(bufsize[, ancbufsize[, flags]]) returns (data, ancdata,
// msg_flags, address) as CPython's.
func (s *Socket) recvmsg(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	m, err := s.receiveMessage(thread, args)
	if err != nil {
		return nil, err
	}
	ancdata := make([]starlark.Value, len(m.ancdata))
	for i, c := range m.ancdata {
		ancdata[i] = starlark.Tuple{starlark.MakeInt(int(c.Level)), starlark.MakeInt(int(c.Type)), conv.OwnBytes(c.Data)}
	}
	return starlark.Tuple{m.data, starlark.NewList(ancdata), starlark.MakeInt(m.flags), m.sender}, nil
}

// receiveMessage is recvmsg with Go results. Descriptors arrive
// close-on-exec (MSG_CMSG_CLOEXEC, which CPython leaves to the caller),
// so that none leaks into a process the host starts; msg_flags shows the
// flag only when the script asked for it. The instance owns the
// descriptors until the script closes or adopts them (msg_fds.go).
func (s *Socket) receiveMessage(thread *starlark.Thread, args []starlark.Value) (*message, error) {
	bufsize, err := conv.Int(args[0], conv.SSizeT)
	if err != nil {
		return nil, err
	}
	var ancbufsize, flags int64
	if args[1] != nil {
		if ancbufsize, err = conv.Int(args[1], conv.SSizeT); err != nil {
			return nil, err
		}
	}
	if args[2] != nil {
		if flags, err = conv.Int(args[2], conv.ArgInt); err != nil {
			return nil, err
		}
	}
	if bufsize < 0 {
		return nil, builtins.Errorf(builtins.ValueError, "negative buffer size in recvmsg()")
	}
	if ancbufsize < 0 || ancbufsize > math.MaxInt32 {
		return nil, builtins.Errorf(builtins.ValueError, "invalid ancillary data buffer length")
	}

	// The kernel writes at most a few KiB of control data per message
	// (SCM_MAX_FD descriptors, credentials, a security label), so a
	// scratch buffer serves any ancbufsize; a larger one would only sit
	// unused.
	cp := scratch.Get().(*[]byte)
	defer scratch.Put(cp)
	control := (*cp)[:min(ancbufsize, scratchSize)]
	var data []byte
	if bufsize <= scratchSize {
		dp := scratch.Get().(*[]byte)
		defer scratch.Put(dp)
		data = (*dp)[:bufsize]
	}

	var sa conv.Sockaddr
	var n, controlLen, msgFlags int
	err = s.waitFlags(thread, "recvmsg", reading, time.Time{}, int(flags), func(fd int) error {
		if bufsize > scratchSize {
			data = pendingBuffer(int(bufsize), data, fd)
		}
		var err error
		n, controlLen, msgFlags, err = sysRecvmsg(fd, data, control, int(flags)|unix.MSG_CMSG_CLOEXEC, &sa)
		return err
	})
	if err != nil {
		return nil, builtins.FromError(err)
	}
	m := &message{ancdata: conv.ParseControl(control[:controlLen]), flags: msgFlags, sender: starlark.None}
	s.inst.own(rightsFDs(m.ancdata))
	if flags&unix.MSG_CMSG_CLOEXEC == 0 {
		m.flags &^= unix.MSG_CMSG_CLOEXEC
	}
	if sa.Len > 0 {
		m.sender = sa.Value()
	}
	// Past the buffer under MSG_TRUNC, n is the datagram's length, and
	// CPython returns what fitted.
	m.data = starlark.Bytes(data[:min(n, len(data))])
	return m, nil
}

// pendingBuffer sizes a receive of more than the scratch buffers hold by
// what the kernel has queued (SIOCINQ: a stream's bytes, the next
// datagram's length), so that recvmsg(2**31 - 1) with ten bytes waiting
// allocates ten bytes. buf is reused when large enough. A socket that
// cannot say (a listener) gets a scratch-sized buffer, and recvmsg(2)'s
// own error.
func pendingBuffer(bufsize int, buf []byte, fd int) []byte {
	pending, err := unix.IoctlGetInt(fd, unix.SIOCINQ)
	if err != nil {
		pending = 0
	}
	size := min(bufsize, max(pending, 1))
	if pending == 0 {
		size = min(bufsize, scratchSize) // EOF, an empty datagram, or nothing yet
	}
	if cap(buf) < size {
		return make([]byte, size)
	}
	return buf[:size]
}
