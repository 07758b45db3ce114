package socket

import (
	"unsafe"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// maxOptionLength is CPython's bound on getsockopt's buflen.
const maxOptionLength = 1024

func levelAndName(args []starlark.Value) (int, int, error) {
	level, err := conv.Int(args[0], conv.ArgInt)
	if err != nil {
		return 0, 0, err
	}
	name, err := conv.Int(args[1], conv.ArgInt)
	if err != nil {
		return 0, 0, err
	}
	return int(level), int(name), nil
}

// getsockopt(level, optname[, buflen]): an int, or with buflen the raw
// option bytes.
func (s *Socket) getsockopt(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	level, name, err := levelAndName(args)
	if err != nil {
		return nil, err
	}
	var buflen int64
	if args[2] != nil {
		if buflen, err = conv.Int(args[2], conv.ArgInt); err != nil {
			return nil, err
		}
	}
	if buflen == 0 {
		var v int
		if err := s.control(func(fd int) error {
			var err error
			v, err = unix.GetsockoptInt(fd, level, name)
			return err
		}); err != nil {
			return nil, builtins.FromError(err)
		}
		return starlark.MakeInt(v), nil
	}
	if buflen < 0 || buflen > maxOptionLength {
		return nil, builtins.Errorf(builtins.OSError, "getsockopt buflen out of range")
	}
	buf := make([]byte, buflen)
	n := uint32(buflen)
	if err := s.control(func(fd int) error {
		_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(name), uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)), 0)
		if e != 0 {
			return e
		}
		return nil
	}); err != nil {
		return nil, builtins.FromError(err)
	}
	return conv.OwnBytes(buf[:n]), nil
}

// setsockopt(level, optname, int|bytes) or setsockopt(level, optname, None,
// optlen). CPython tries those forms in turn, so the error a script sees
// is the one from the last form, the bytes one.
func (s *Socket) setsockopt(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	value, optlen := args[2], args[3]
	if optlen == nil {
		if n, err := conv.Int(value, conv.ArgInt); err == nil {
			level, name, err := levelAndName(args)
			if err != nil {
				return nil, err
			}
			return s.setOption(level, name, unsafe.Pointer(&n), 4) // the low 32 bits, a C int
		}
	} else if value == starlark.None {
		// optlen is "I": an unsigned int that wraps as C's does (-1 is 2**32-1).
		if n, err := conv.Int(optlen, conv.CUnsignedInt); err == nil {
			level, name, err := levelAndName(args)
			if err != nil {
				return nil, err
			}
			return s.setOption(level, name, nil, uint32(n))
		}
	}
	if optlen != nil {
		return nil, builtins.Errorf(builtins.TypeError, "setsockopt() takes exactly 3 arguments (4 given)")
	}
	level, name, err := levelAndName(args)
	if err != nil {
		return nil, err
	}
	data, err := conv.Bytes(value)
	if err != nil {
		return nil, err
	}
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	return s.setOption(level, name, p, uint32(len(data)))
}

func (s *Socket) setOption(level, name int, p unsafe.Pointer, n uint32) (starlark.Value, error) {
	err := s.control(func(fd int) error {
		_, _, e := unix.Syscall6(unix.SYS_SETSOCKOPT, uintptr(fd), uintptr(level), uintptr(name), uintptr(p), uintptr(n), 0)
		if e != 0 {
			return e
		}
		return nil
	})
	if err != nil {
		return nil, builtins.FromError(err)
	}
	return starlark.None, nil
}
