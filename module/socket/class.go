package socket

import (
	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// socketClass is socket.socket: called, it makes a socket; as a type, it
// answers isinstance(x, socket.socket).
type socketClass struct{ inst *Instance }

var (
	_ starlark.Callable = (*socketClass)(nil)
	_ starlark.HasAttrs = (*socketClass)(nil)
	_ builtins.Typer    = (*socketClass)(nil)
)

var socketSignature = &builtins.Signature{Name: "socket.__init__", Style: builtins.PyDef, Self: true, Params: []string{"family?", "type?", "proto?", "fileno?"}}

func (c *socketClass) String() string        { return "<class 'socket.socket'>" }
func (c *socketClass) Type() string          { return "type" }
func (c *socketClass) Freeze()               {}
func (c *socketClass) Truth() starlark.Bool  { return starlark.True }
func (c *socketClass) Hash() (uint32, error) { return starlark.String("socket.socket").Hash() }
func (c *socketClass) Name() string          { return "socket" }

// Attr returns a method unbound, as CPython's socket.socket.bind is:
// socket.socket.bind(sock, address) is sock.bind(address).
func (c *socketClass) Attr(name string) (starlark.Value, error) {
	m := methods[name]
	if m == nil {
		return nil, nil
	}
	return starlark.NewBuiltin(name, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) == 0 {
			return nil, builtins.Errorf(builtins.TypeError, "unbound method socket.%s() needs an argument", name)
		}
		s, ok := args[0].(*Socket)
		if !ok {
			return nil, builtins.Errorf(builtins.TypeError, "descriptor '%s' for '_socket.socket' objects doesn't apply to a '%s' object", name, builtins.PyTypeName(args[0]))
		}
		return starlark.Call(thread, m.BindReceiver(s), args[1:], kwargs)
	}), nil
}

// socketTypeClass is socket.SocketType, which CPython keeps as
// _socket.socket, the base class socket.socket extends: every socket is an
// instance of it, but it is another class object (SocketType is not
// socket.socket). Called, it makes a socket as socket.socket does.
type socketTypeClass struct{ *socketClass }

func (c socketTypeClass) String() string        { return "<class '_socket.socket'>" }
func (c socketTypeClass) Hash() (uint32, error) { return starlark.String("_socket.socket").Hash() }

// AttrNames lists the methods.
func (c *socketClass) AttrNames() []string { return methodNames }

// methodNames is attrNames without the data attributes: the class gives
// its methods only.
var methodNames = func() []string {
	var names []string
	for _, name := range attrNames {
		if methods[name] != nil {
			names = append(names, name)
		}
	}
	return names
}()

// IsInstance reports whether v is a socket of any instance.
func (c *socketClass) IsInstance(v starlark.Value) bool {
	_, ok := v.(*Socket)
	return ok
}

// CallInternal is socket(family=-1, type=-1, proto=-1, fileno=None): with
// no fileno, -1 means AF_INET, SOCK_STREAM, 0; with one, what was not
// given is read from the descriptor.
func (c *socketClass) CallInternal(thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	bound, err := socketSignature.Bind(args, kwargs)
	if err != nil {
		return nil, err
	}
	kinds := []int{-1, -1, -1}
	for i := 0; i < 3; i++ {
		if bound[i] == nil {
			continue
		}
		n, err := conv.Int(bound[i], conv.CInt) // None too is a TypeError, as in CPython
		if err != nil {
			return nil, err
		}
		kinds[i] = int(n)
	}
	family, sotype, proto := kinds[0], kinds[1], kinds[2]
	if fileno := bound[3]; fileno != nil && fileno != starlark.None {
		fd, err := c.inst.fdArg("socket(fileno=)", fileno)
		if err != nil {
			return nil, err
		}
		// CPython narrows the descriptor to a C int before checking it,
		// so 2**31 is "negative" and 2**32 + 5 is descriptor 5.
		fd32 := int32(fd)
		if fd32 < 0 {
			return nil, builtins.Errorf(builtins.ValueError, "negative file descriptor")
		}
		return socketOrError(c.inst.adopt(int(fd32), family, sotype, proto))
	}
	if family == -1 {
		family = unix.AF_INET
	}
	if sotype == -1 {
		sotype = unix.SOCK_STREAM
	}
	if proto == -1 {
		proto = 0
	}
	return socketOrError(c.inst.open(family, sotype, proto))
}

// socketOrError passes on what made a socket, with no value beside an
// error: a nil *Socket returned as a starlark.Value would be a non-nil
// interface, and a host calling the builtin itself could not tell.
func socketOrError(s *Socket, err error) (starlark.Value, error) {
	if err != nil {
		return nil, err
	}
	return s, nil
}
