package socket

import (
	"sort"
	"strconv"
	"time"
	"unsafe"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// method is a socket method: its CPython signature (which also decides how
// a wrong call is worded) and its body.
type method struct {
	sig *builtins.Signature
	fn  func(s *Socket, thread *starlark.Thread, args []starlark.Value) (starlark.Value, error)
}

// methodTable lists the socket's methods with their CPython signatures.
// C methods of _socket.socket are CArgs/COne/CNone; socket.py's are PyDef.
var methodTable = map[string]method{
	"accept":          {&builtins.Signature{Name: "socket.accept", Style: builtins.PyDef, Self: true}, (*Socket).accept},
	"bind":            {&builtins.Signature{Name: "socket.bind", Style: builtins.COne}, (*Socket).bind},
	"close":           {&builtins.Signature{Name: "socket.close", Style: builtins.PyDef, Self: true}, (*Socket).closeMethod},
	"connect":         {&builtins.Signature{Name: "socket.connect", Style: builtins.COne}, (*Socket).connect},
	"connect_ex":      {&builtins.Signature{Name: "socket.connect_ex", Style: builtins.COne}, (*Socket).connectEx},
	"detach":          {&builtins.Signature{Name: "socket.detach", Style: builtins.PyDef, Self: true}, (*Socket).detach},
	"dup":             {&builtins.Signature{Name: "socket.dup", Style: builtins.PyDef, Self: true}, (*Socket).dup},
	"fileno":          {&builtins.Signature{Name: "socket.fileno", Style: builtins.CNone}, (*Socket).fileno},
	"get_inheritable": {&builtins.Signature{Name: "socket.get_inheritable", Style: builtins.PyDef, Self: true}, (*Socket).getInheritable},
	"getblocking":     {&builtins.Signature{Name: "socket.getblocking", Style: builtins.CNone}, (*Socket).getblocking},
	"getpeername":     {&builtins.Signature{Name: "socket.getpeername", Style: builtins.CNone}, (*Socket).getpeername},
	"getsockname":     {&builtins.Signature{Name: "socket.getsockname", Style: builtins.CNone}, (*Socket).getsockname},
	"getsockopt":      {&builtins.Signature{Name: "getsockopt", Qualified: "socket.getsockopt", Style: builtins.CArgs, Params: []string{"level", "optname", "buflen?"}}, (*Socket).getsockopt},
	"gettimeout":      {&builtins.Signature{Name: "socket.gettimeout", Style: builtins.CNone}, (*Socket).gettimeout},
	"listen":          {&builtins.Signature{Name: "listen", Qualified: "socket.listen", Style: builtins.CArgs, Params: []string{"backlog?"}}, (*Socket).listen},
	"makefile":        {&builtins.Signature{Name: "socket.makefile", Style: builtins.PyDef, Self: true, Params: []string{"mode?", "buffering?", "*", "encoding?", "errors?", "newline?"}}, (*Socket).makefile},
	"recv":            {&builtins.Signature{Name: "recv", Qualified: "socket.recv", Style: builtins.CArgs, Params: []string{"bufsize", "flags?"}}, (*Socket).recv},
	"recvfrom":        {&builtins.Signature{Name: "recvfrom", Qualified: "socket.recvfrom", Style: builtins.CArgs, Params: []string{"bufsize", "flags?"}}, (*Socket).recvfrom},
	"recvmsg":         {&builtins.Signature{Name: "recvmsg", Qualified: "socket.recvmsg", Style: builtins.CArgs, Params: []string{"bufsize", "ancbufsize?", "flags?"}}, (*Socket).recvmsg},
	"send":            {&builtins.Signature{Name: "send", Qualified: "socket.send", Style: builtins.CArgs, Params: []string{"data", "flags?"}}, (*Socket).send},
	"sendall":         {&builtins.Signature{Name: "sendall", Qualified: "socket.sendall", Style: builtins.CArgs, Params: []string{"data", "flags?"}}, (*Socket).sendall},
	"sendmsg":         {&builtins.Signature{Name: "sendmsg", Qualified: "socket.sendmsg", Style: builtins.CArgs, Params: []string{"buffers", "ancdata?", "flags?", "address?"}}, (*Socket).sendmsg},
	"sendto":          {&builtins.Signature{Name: "sendto", Qualified: "socket.sendto", Style: builtins.CArgs, Params: []string{"data", "flags_or_address", "address?"}, CountMessage: "sendto() takes 2 or 3 arguments (%d given)"}, (*Socket).sendto},
	"set_inheritable": {&builtins.Signature{Name: "socket.set_inheritable", Style: builtins.PyDef, Self: true, Params: []string{"inheritable"}}, (*Socket).setInheritable},
	"setblocking":     {&builtins.Signature{Name: "socket.setblocking", Style: builtins.COne}, (*Socket).setblocking},
	"setsockopt":      {&builtins.Signature{Name: "setsockopt", Qualified: "socket.setsockopt", Style: builtins.CArgs, Params: []string{"level", "optname", "value", "optlen?"}, CountMessage: "setsockopt() takes exactly 3 arguments (%d given)"}, (*Socket).setsockopt},
	"settimeout":      {&builtins.Signature{Name: "socket.settimeout", Style: builtins.COne}, (*Socket).settimeout},
	"shutdown":        {&builtins.Signature{Name: "socket.shutdown", Style: builtins.COne}, (*Socket).shutdown},
}

// methods holds one builtin per method, bound to a socket on access.
var methods = func() map[string]*starlark.Builtin {
	m := make(map[string]*starlark.Builtin, len(methodTable))
	for name, def := range methodTable {
		def := def
		m[name] = starlark.NewBuiltin(name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if len(args) == 0 && len(kwargs) == 0 && def.sig.Style == builtins.CNone {
				return def.fn(b.Receiver().(*Socket), thread, nil) // nothing to bind: Bind would return nil
			}
			bound, err := def.sig.Bind(args, kwargs)
			if err != nil {
				return nil, err
			}
			return def.fn(b.Receiver().(*Socket), thread, bound)
		})
	}
	return m
}()

var attrNames = func() []string {
	names := []string{"family", "proto", "timeout", "type"}
	for name := range methodTable {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}()

func itoa(n int) string { return strconv.Itoa(n) }

func unsafePointer(s *Socket) unsafe.Pointer { return unsafe.Pointer(s) }

// --- state and descriptors ---

func (s *Socket) closeMethod(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	if s.closeWaitsForFiles() {
		return starlark.None, nil
	}
	gone := s.descriptorGone()
	if _, released := s.release(true); released && gone {
		return nil, builtins.NewOSError(unix.EBADF) // CPython's close(2) fails on the closed number
	}
	return starlark.None, nil
}

func (s *Socket) detach(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	fd, _ := s.release(false)
	return starlark.MakeInt(fd), nil
}

func (s *Socket) fileno(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	return starlark.MakeInt(s.Fileno()), nil
}

// dup is socket.py's dup: a new socket on a duplicate descriptor, with
// this one's timeout.
func (s *Socket) dup(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	var nfd int
	err := s.control(func(fd int) error {
		var err error
		nfd, err = dupCloexec(fd)
		return err
	})
	if err != nil {
		return nil, builtins.FromError(err)
	}
	if err := s.inst.checkCapacity(1); err != nil {
		unix.Close(nfd)
		return nil, err
	}
	return socketOrError(s.inst.newSocket(nfd, s.family, s.sotype, s.proto, time.Duration(s.timeout.Load())))
}

func (s *Socket) getInheritable(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	var flags int
	err := s.control(func(fd int) (err error) {
		flags, err = unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		return err
	})
	if err != nil {
		return nil, builtins.FromError(err)
	}
	return starlark.Bool(flags&unix.FD_CLOEXEC == 0), nil
}

func (s *Socket) setInheritable(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	// os.set_inheritable reads the flag as a C int, not as a truth value.
	flag, err := conv.Int(args[0], conv.CInt)
	if err != nil {
		return nil, err
	}
	inheritable := flag != 0
	err = s.control(func(fd int) error {
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil {
			return err
		}
		if inheritable {
			flags &^= unix.FD_CLOEXEC
		} else {
			flags |= unix.FD_CLOEXEC
		}
		_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFD, flags)
		return err
	})
	if err != nil {
		return nil, builtins.FromError(err)
	}
	return starlark.None, nil
}

// --- timeouts ---

func (s *Socket) gettimeout(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	return conv.TimeoutValue(time.Duration(s.timeout.Load())), nil
}

func (s *Socket) settimeout(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	d, err := conv.Timeout(args[0])
	if err != nil {
		return nil, err
	}
	s.timeout.Store(int64(d))
	return s.modeSet()
}

// modeSet ends settimeout and setblocking: CPython stores the new timeout,
// then sets the descriptor's mode, which fails with EBADF once the socket
// is closed or detached, or its descriptor closed under it (the timeout
// stays changed).
func (s *Socket) modeSet() (starlark.Value, error) {
	if s.isClosed() || s.descriptorGone() {
		return nil, builtins.NewOSError(unix.EBADF)
	}
	return starlark.None, nil
}

func (s *Socket) getblocking(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	return starlark.Bool(s.timeout.Load() != 0), nil
}

// setblocking(flag) is settimeout(None) or settimeout(0.0).
func (s *Socket) setblocking(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	block, err := conv.Int(args[0], conv.CLong)
	if err != nil {
		return nil, err
	}
	if block != 0 {
		s.timeout.Store(int64(conv.NoTimeout))
	} else {
		s.timeout.Store(0)
	}
	return s.modeSet()
}

// --- names ---

func (s *Socket) getsockname(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	return s.sockname(sysGetsockname)
}

func (s *Socket) getpeername(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	return s.sockname(sysGetpeername)
}
