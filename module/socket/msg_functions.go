package socket

import (
	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// The module functions of ancillary data: CMSG_LEN and CMSG_SPACE from
// _socket, send_fds and recv_fds as socket.py (3.11) writes them.

// cmsgLen is CMSG_LEN(length): length read as Py_ssize_t.
func cmsgLen(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	return cmsgSize(args[0], "CMSG_LEN", conv.CmsgLen)
}

// cmsgSpace is CMSG_SPACE(length).
func cmsgSpace(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	return cmsgSize(args[0], "CMSG_SPACE", conv.CmsgSpace)
}

func cmsgSize(v starlark.Value, name string, size func(int64) (int64, bool)) (starlark.Value, error) {
	length, err := conv.Int(v, conv.SSizeT)
	if err != nil {
		return nil, err
	}
	n, ok := size(length)
	if !ok {
		return nil, builtins.Errorf(builtins.OverflowError, "%s() argument out of range", name)
	}
	return starlark.MakeInt64(n), nil
}

// sendFDs is send_fds(sock, buffers, fds, flags=0, address=None). As in
// CPython 3.11's socket.py, flags and address are accepted and not used.
func sendFDs(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	sock, err := socketArg(args[0], "sendmsg")
	if err != nil {
		return nil, err
	}
	data, err := fdArray(args[2])
	if err != nil {
		return nil, err
	}
	rights := starlark.Tuple{starlark.MakeInt(unix.SOL_SOCKET), starlark.MakeInt(unix.SCM_RIGHTS), starlark.Bytes(data)}
	return sock.sendmsg(thread, []starlark.Value{args[1], starlark.NewList([]starlark.Value{rights}), nil, nil})
}

// recvFDs is recv_fds(sock, bufsize, maxfds, flags=0): (data, fds,
// msg_flags, address). As in CPython 3.11's socket.py, flags is accepted
// and not used.
func recvFDs(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	sock, err := socketArg(args[0], "recvmsg")
	if err != nil {
		return nil, err
	}
	rightsLen, err := timesFour(args[2])
	if err != nil {
		return nil, err
	}
	ancbufsize, err := cmsgSize(rightsLen, "CMSG_LEN", conv.CmsgLen)
	if err != nil {
		return nil, err
	}
	m, err := sock.receiveMessage(thread, []starlark.Value{args[1], ancbufsize, nil})
	if err != nil {
		return nil, err
	}
	var fds []starlark.Value
	for _, fd := range rightsFDs(m.ancdata) {
		fds = append(fds, starlark.MakeInt(fd))
	}
	return starlark.Tuple{m.data, starlark.NewList(fds), starlark.MakeInt(m.flags), m.sender}, nil
}

// socketArg is the sock argument of send_fds and recv_fds, on which
// socket.py calls method.
func socketArg(v starlark.Value, method string) (*Socket, error) {
	if s, ok := v.(*Socket); ok {
		return s, nil
	}
	return nil, builtins.Errorf(builtins.AttributeError, "'%s' object has no attribute '%s'", builtins.PyTypeName(v), method)
}

// timesFour is recv_fds' maxfds * fds.itemsize: an int times 4, or what
// Python's * makes of another type (a repeated sequence, a float), which
// CMSG_LEN then refuses as it would.
func timesFour(v starlark.Value) (starlark.Value, error) {
	switch x := v.(type) {
	case starlark.Int:
		return x.Mul(starlark.MakeInt(4)), nil
	case starlark.Bool:
		if x {
			return starlark.MakeInt(4), nil
		}
		return starlark.MakeInt(0), nil
	case starlark.String, starlark.Bytes, *starlark.List, starlark.Tuple, starlark.Float:
		return v, nil
	}
	return nil, builtins.Errorf(builtins.TypeError, "unsupported operand type(s) for *: '%s' and 'int'", builtins.PyTypeName(v))
}
