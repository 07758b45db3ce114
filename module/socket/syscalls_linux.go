package socket

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/conv"
)

// The system calls that take or return an address, on conv.Sockaddr (the
// kernel's layout) rather than x/sys's Sockaddr types, which cannot carry
// every address CPython can (see conv.Sockaddr). Each returns the errno.

// sysBind wraps bind(2).
func sysBind(fd int, sa *conv.Sockaddr) error {
	return errnoErr(unix.RawSyscall(unix.SYS_BIND, uintptr(fd), uintptr(sa.Pointer()), uintptr(sa.Len)))
}

// sysConnect wraps connect(2).
func sysConnect(fd int, sa *conv.Sockaddr) error {
	return errnoErr(unix.Syscall(unix.SYS_CONNECT, uintptr(fd), uintptr(sa.Pointer()), uintptr(sa.Len)))
}

// sysAccept wraps accept4(2) with SOCK_NONBLOCK|SOCK_CLOEXEC.
func sysAccept(fd int, sa *conv.Sockaddr) (int, error) {
	sa.Len = conv.Cap
	nfd, _, e := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(fd), uintptr(sa.Pointer()), uintptr(unsafe.Pointer(&sa.Len)), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	return int(nfd), errnoErr(0, 0, e)
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

// sysSendto and sysRecvfrom, the calls every transfer makes, are raw
// system calls: the runtime is not told of them, so it does not hand the
// thread's P to another thread when one takes longer than sysmon's 20µs
// (a 64 KiB copy can), a futex wake-up each time. That is safe only for a
// call that cannot block, so they pass MSG_DONTWAIT: the descriptor is
// non-blocking, but whoever else holds its open file could clear that.

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
