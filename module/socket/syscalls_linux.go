package socket

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/conv"
)

// The system calls a socket makes most, as raw system calls: the runtime
// is not told of them. Through unix.Syscall it would be (entersyscall),
// and that costs in two ways. A call longer than sysmon's 20µs (a 64 KiB
// copy can be) has its thread's P handed to another thread, a futex
// wake-up each time. And entersyscall wakes sysmon when it sleeps because
// the process was idle, and sysmon then looks every 20µs for a
// millisecond: in a process that is idle and busy in turn, as both ends
// of a connection loop on one CPU are, a sysmon wake-up per connection or
// more (strace: 27,000 nanosleeps for 20,000 connections), each a thread
// switch on that CPU.
//
// A raw call must not block, since its thread keeps its P. sendto and
// recvfrom pass MSG_DONTWAIT. connect and accept4 have no such flag: they
// rely on the descriptor's O_NONBLOCK (newSocket), which only another
// holder of the open file could clear. close checks SO_LINGER first.
//
// Those that take or return an address use conv.Sockaddr (the kernel's
// layout) rather than x/sys's Sockaddr types, which cannot carry every
// address CPython can (see conv.Sockaddr). Each returns the errno.

// sysBind wraps bind(2).
func sysBind(fd int, sa *conv.Sockaddr) error {
	return errnoErr(unix.RawSyscall(unix.SYS_BIND, uintptr(fd), uintptr(sa.Pointer()), uintptr(sa.Len)))
}

// sysConnect wraps connect(2).
func sysConnect(fd int, sa *conv.Sockaddr) error {
	return errnoErr(unix.RawSyscall(unix.SYS_CONNECT, uintptr(fd), uintptr(sa.Pointer()), uintptr(sa.Len)))
}

// sysAccept wraps accept4(2) with SOCK_NONBLOCK|SOCK_CLOEXEC.
func sysAccept(fd int, sa *conv.Sockaddr) (int, error) {
	sa.Len = conv.Cap
	nfd, _, e := unix.RawSyscall6(unix.SYS_ACCEPT4, uintptr(fd), uintptr(sa.Pointer()), uintptr(unsafe.Pointer(&sa.Len)), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	return int(nfd), errnoErr(0, 0, e)
}

// sysClose wraps close(2), raw unless fd is a socket that lingers
// (SO_LINGER on, with a time): closing the last descriptor of such a
// socket waits, up to that time, for the peer to take the data, whatever
// O_NONBLOCK says (made raw, the runtime's preemption signal cut that
// wait short: TestLingeringCloseWaits). A descriptor that is not a socket
// closes as Go does.
func sysClose(fd int) error {
	var l unix.Linger
	n := uint32(unsafe.Sizeof(l))
	_, _, e := unix.RawSyscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_LINGER, uintptr(unsafe.Pointer(&l)), uintptr(unsafe.Pointer(&n)), 0)
	if e != 0 || l.Onoff != 0 && l.Linger != 0 {
		return unix.Close(fd)
	}
	return errnoErr(unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0))
}

// sysGetsockname wraps getsockname(2).
func sysGetsockname(fd int, sa *conv.Sockaddr) error {
	sa.Len = conv.Cap
	return errnoErr(unix.RawSyscall(unix.SYS_GETSOCKNAME, uintptr(fd), uintptr(sa.Pointer()), uintptr(unsafe.Pointer(&sa.Len))))
}

// sysGetpeername wraps getpeername(2).
func sysGetpeername(fd int, sa *conv.Sockaddr) error {
	sa.Len = conv.Cap
	return errnoErr(unix.RawSyscall(unix.SYS_GETPEERNAME, uintptr(fd), uintptr(sa.Pointer()), uintptr(unsafe.Pointer(&sa.Len))))
}

// sysSendto wraps sendto(2); sa may be nil.
func sysSendto(fd int, p []byte, flags int, sa *conv.Sockaddr) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	var addr unsafe.Pointer
	var alen uint32
	if sa != nil {
		addr, alen = sa.Pointer(), sa.Len
	}
	n, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(ptr), uintptr(len(p)), uintptr(flags|unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT), uintptr(addr), uintptr(alen))
	return int(n), errnoErr(0, 0, e)
}

// sysRecvfrom wraps recvfrom(2); sa may be nil.
func sysRecvfrom(fd int, p []byte, flags int, sa *conv.Sockaddr) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	var addr, alen unsafe.Pointer
	if sa != nil {
		sa.Len = conv.Cap
		addr, alen = sa.Pointer(), unsafe.Pointer(&sa.Len)
	}
	n, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(ptr), uintptr(len(p)), uintptr(flags|unix.MSG_DONTWAIT), uintptr(addr), uintptr(alen))
	return int(n), errnoErr(0, 0, e)
}

func errnoErr(_, _ uintptr, e unix.Errno) error {
	if e != 0 {
		return e
	}
	return nil
}
