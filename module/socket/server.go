package socket

import (
	"errors"
	"fmt"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// hostAndPort unpacks `host, port = address` with Python's messages: a
// str unpacks into its characters, a dict or set into its keys.
func hostAndPort(address starlark.Value) (starlark.Value, starlark.Value, error) {
	var items []starlark.Value
	switch x := address.(type) {
	case starlark.String:
		for _, r := range string(x) {
			if items = append(items, starlark.String(string(r))); len(items) > 2 {
				break
			}
		}
	case starlark.Indexable:
		if x.Len() != 2 {
			return nil, nil, unpackCount(x.Len())
		}
		return x.Index(0), x.Index(1), nil
	case starlark.Iterable:
		iter := x.Iterate()
		defer iter.Done()
		var v starlark.Value
		for len(items) <= 2 && iter.Next(&v) {
			items = append(items, v)
		}
	default:
		return nil, nil, builtins.Errorf(builtins.TypeError, "cannot unpack non-iterable %s object", builtins.PyTypeName(address))
	}
	if len(items) != 2 {
		return nil, nil, unpackCount(len(items))
	}
	return items[0], items[1], nil
}

func unpackCount(n int) error {
	if n > 2 {
		return builtins.Errorf(builtins.ValueError, "too many values to unpack (expected 2)")
	}
	return builtins.Errorf(builtins.ValueError, "not enough values to unpack (expected 2, got %d)", n)
}

// createConnection is socket.py's create_connection: try each address
// getaddrinfo gives until one connects; raise the last OS error otherwise.
// all_errors=True raises the first error too: the dialect has no
// ExceptionGroup (see the README's differences).
func (in *Instance) createConnection(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	host, port, err := hostAndPort(args[0])
	if err != nil {
		return nil, err
	}
	timeout, source := args[1], args[2]
	infos, err := lookupAddrinfo(builtins.ThreadContext(thread), host, port, unix.AF_UNSPEC, unix.SOCK_STREAM, 0, 0)
	if err != nil {
		return nil, err
	}
	var firstErr error
	for _, ai := range infos {
		s, err := in.open(ai.family, ai.sotype, ai.proto)
		if err == nil {
			err = s.connectVia(thread, timeout, source, ai.addr)
			if err == nil {
				return s, nil
			}
			s.Close()
		}
		if !isOSError(err) {
			return nil, err
		}
		if firstErr == nil || args[3] == nil || !args[3].Truth() {
			firstErr = err // CPython raises the last error, or the first with all_errors
		}
	}
	if firstErr == nil {
		return nil, builtins.Errorf(builtins.OSError, "getaddrinfo returns an empty list")
	}
	return nil, firstErr
}

// connectVia sets the timeout (if given), binds source (if given) and connects.
func (s *Socket) connectVia(thread *starlark.Thread, timeout, source starlark.Value, sa *conv.Sockaddr) error {
	if timeout != nil {
		if _, err := s.settimeout(thread, []starlark.Value{timeout}); err != nil {
			return err
		}
	}
	if source != nil && source.Truth() {
		if _, err := s.bind(thread, []starlark.Value{source}); err != nil {
			return err
		}
	}
	if err := s.inst.allow("create_connection", sa); err != nil {
		return err
	}
	return builtins.FromError(s.connectAddr(thread, "connect", sa))
}

// isOSError reports whether err is an exception that socket.py's
// `except error` would catch.
func isOSError(err error) bool {
	var exc *builtins.Exception
	return errors.As(err, &exc) && exc.Class().IsSubclass(builtins.OSError)
}

// createServer is socket.py's create_server.
func (in *Instance) createServer(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	address := args[0]
	family := int64(unix.AF_INET)
	if args[1] != nil {
		var err error
		if family, err = conv.Int(args[1], conv.CInt); err != nil {
			return nil, err
		}
	}
	reusePort := args[3] != nil && bool(args[3].Truth())
	dualstack := args[4] != nil && bool(args[4].Truth())
	if dualstack {
		if ok, _ := hasDualstackIPv6(nil, nil); ok != starlark.True {
			return nil, builtins.Errorf(builtins.ValueError, "dualstack_ipv6 not supported on this platform")
		}
		if family != unix.AF_INET6 {
			return nil, builtins.Errorf(builtins.ValueError, "dualstack_ipv6 requires AF_INET6 family")
		}
	}
	s, err := in.open(int(family), unix.SOCK_STREAM, 0)
	if err != nil {
		return nil, err
	}
	if err := s.serve(thread, address, args[2], reusePort, dualstack); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Socket) serve(thread *starlark.Thread, address, backlog starlark.Value, reusePort, dualstack bool) error {
	setInt := func(level, opt, v int) error {
		return builtins.FromError(s.control(func(fd int) error { return unix.SetsockoptInt(fd, level, opt, v) }))
	}
	setInt(unix.SOL_SOCKET, unix.SO_REUSEADDR, 1) // socket.py ignores a failure here
	if reusePort {
		if err := setInt(unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return err
		}
	}
	if s.family == unix.AF_INET6 {
		v6only := 1
		if dualstack {
			v6only = 0
		}
		if err := setInt(unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, v6only); err != nil {
			return err
		}
	}
	sa, err := conv.Address(builtins.ThreadContext(thread), s.family, s.sotype, address, "bind")
	if err == nil {
		err = s.inst.allow("create_server", sa)
	}
	if err == nil {
		err = builtins.FromError(s.control(func(fd int) error { return sysBind(fd, sa) }))
	}
	if err != nil {
		// socket.py: raise error(err.errno, '%s (while attempting to bind on address %r)' % (err.strerror, address))
		var exc *builtins.Exception
		if errors.As(err, &exc) {
			if errno, ok := exc.Errno(); ok {
				strerror, _ := exc.Attr("strerror")
				msg := fmt.Sprintf("%s (while attempting to bind on address %s)", builtins.PyStr(strerror), builtins.PyRepr(address))
				return builtins.NewException(builtins.OSError, starlark.MakeInt(errno), starlark.String(msg)).WithCause(exc.Unwrap())
			}
		}
		return err
	}
	listenArgs := []starlark.Value{nil}
	if backlog != nil && backlog != starlark.None {
		listenArgs[0] = backlog
	}
	_, err = s.listen(thread, listenArgs)
	return err
}
