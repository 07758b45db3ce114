package socket

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/conv"
)

// sysSendmsg wraps sendmsg(2): buffers gathered into one message, control
// as built by conv.BuildControl; sa may be nil.
func sysSendmsg(fd int, buffers [][]byte, control []byte, flags int, sa *conv.Sockaddr) (int, error) {
	var msg unix.Msghdr
	iovs := make([]unix.Iovec, len(buffers))
	for i, b := range buffers {
		if len(b) > 0 {
			iovs[i].Base = &b[0]
			iovs[i].SetLen(len(b))
		}
	}
	if len(iovs) > 0 {
		msg.Iov = &iovs[0]
		msg.SetIovlen(len(iovs))
	}
	if len(control) > 0 {
		msg.Control = &control[0]
		msg.SetControllen(len(control))
	}
	if sa != nil {
		msg.Name = (*byte)(sa.Pointer())
		msg.Namelen = sa.Len
	}
	n, _, e := unix.Syscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags|unix.MSG_NOSIGNAL))
	return int(n), errnoErr(0, 0, e)
}

// sysRecvmsg wraps recvmsg(2) into one buffer. It returns the bytes
// received (more than len(p) for a datagram cut short under MSG_TRUNC),
// how much of control the kernel filled, and the message's flags; sa
// gets the sender's address, of length 0 when there is none.
func sysRecvmsg(fd int, p, control []byte, flags int, sa *conv.Sockaddr) (n, controlLen, msgFlags int, err error) {
	var msg unix.Msghdr
	var iov unix.Iovec
	if len(p) > 0 {
		iov.Base = &p[0]
		iov.SetLen(len(p))
	}
	msg.Iov = &iov
	msg.SetIovlen(1)
	if len(control) > 0 {
		msg.Control = &control[0]
		msg.SetControllen(len(control))
	}
	msg.Name = (*byte)(sa.Pointer())
	msg.Namelen = conv.Cap
	r, _, e := unix.Syscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	if e != 0 {
		return 0, 0, 0, e
	}
	sa.Len = min(msg.Namelen, conv.Cap)
	return int(r), int(msg.Controllen), int(msg.Flags), nil
}
