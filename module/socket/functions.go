package socket

import (
	"os"
	"time"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// members builds the module's names: functions bound to this instance,
// the socket class, the exception aliases and the constants.
func (in *Instance) members() starlark.StringDict {
	d := make(starlark.StringDict, len(constants)+32)
	for name, v := range constants {
		d[name] = starlark.MakeInt64(v)
	}
	d["socket"] = in.class
	d["SocketType"] = socketTypeClass{in.class}
	d["error"] = builtins.OSError
	d["timeout"] = builtins.TimeoutError
	d["gaierror"] = builtins.GaiError
	d["herror"] = builtins.HError
	d["has_ipv6"] = starlark.True

	fn := func(sig *builtins.Signature, f func(*starlark.Thread, []starlark.Value) (starlark.Value, error)) {
		d[baseName(sig.Name)] = builtins.Builtin(sig, f)
	}
	fn(&builtins.Signature{Name: "socketpair", Style: builtins.PyDef, Params: []string{"family?", "type?", "proto?"}}, in.socketpair)
	fn(&builtins.Signature{Name: "create_connection", Style: builtins.PyDef, Params: []string{"address", "timeout?", "source_address?", "*", "all_errors?"}}, in.createConnection)
	fn(&builtins.Signature{Name: "create_server", Style: builtins.PyDef, Params: []string{"address", "*", "family?", "backlog?", "reuse_port?", "dualstack_ipv6?"}}, in.createServer)
	fn(&builtins.Signature{Name: "fromfd", Style: builtins.PyDef, Params: []string{"fd", "family", "type", "proto?"}}, in.fromfd)
	fn(&builtins.Signature{Name: "_socket.setdefaulttimeout", Style: builtins.COne}, in.setdefaulttimeout)
	fn(&builtins.Signature{Name: "_socket.getdefaulttimeout", Style: builtins.CNone}, in.getdefaulttimeout)
	fn(&builtins.Signature{Name: "has_dualstack_ipv6", Style: builtins.PyDef}, hasDualstackIPv6)
	fn(&builtins.Signature{Name: "getaddrinfo", Style: builtins.PyDef, Params: []string{"host", "port", "family?", "type?", "proto?", "flags?"}}, getaddrinfo)
	fn(&builtins.Signature{Name: "_socket.gethostname", Style: builtins.CNone}, gethostname)
	fn(&builtins.Signature{Name: "gethostbyname", Style: builtins.CArgs, Params: []string{"hostname"}}, gethostbyname)
	fn(&builtins.Signature{Name: "gethostbyname_ex", Style: builtins.CArgs, Params: []string{"hostname"}}, gethostbynameEx)
	fn(&builtins.Signature{Name: "gethostbyaddr", Style: builtins.CArgs, Params: []string{"ip_address"}}, gethostbyaddr)
	fn(&builtins.Signature{Name: "getfqdn", Style: builtins.PyDef, Params: []string{"name?"}}, getfqdn)
	fn(&builtins.Signature{Name: "getnameinfo", Style: builtins.CArgs, Params: []string{"sockaddr", "flags"}}, getnameinfo)
	fn(&builtins.Signature{Name: "getservbyname", Style: builtins.CArgs, Params: []string{"servicename", "protocolname?"}}, getservbyname)
	fn(&builtins.Signature{Name: "getservbyport", Style: builtins.CArgs, Params: []string{"port", "protocolname?"}}, getservbyport)
	fn(&builtins.Signature{Name: "getprotobyname", Style: builtins.CArgs, Params: []string{"name"}}, getprotobyname)
	fn(&builtins.Signature{Name: "sethostname", Style: builtins.CArgs, Params: []string{"name"}}, in.sethostname)
	fn(&builtins.Signature{Name: "inet_pton", Style: builtins.CArgs, Params: []string{"af", "ip_string"}}, inetPtonFunc)
	fn(&builtins.Signature{Name: "inet_ntop", Style: builtins.CArgs, Params: []string{"af", "packed_ip"}}, inetNtop)
	fn(&builtins.Signature{Name: "inet_aton", Style: builtins.CArgs, Params: []string{"ip_string"}}, inetAton)
	fn(&builtins.Signature{Name: "inet_ntoa", Style: builtins.CArgs, Params: []string{"packed_ip"}}, inetNtoa)
	fn(&builtins.Signature{Name: "htons", Style: builtins.CArgs, Params: []string{"x"}}, swap16("htons"))
	fn(&builtins.Signature{Name: "ntohs", Style: builtins.CArgs, Params: []string{"x"}}, swap16("ntohs"))
	fn(&builtins.Signature{Name: "_socket.htonl", Style: builtins.COne}, swap32)
	fn(&builtins.Signature{Name: "_socket.ntohl", Style: builtins.COne}, swap32)
	fn(&builtins.Signature{Name: "_socket.if_nameindex", Style: builtins.CNone}, ifNameindex)
	fn(&builtins.Signature{Name: "if_nametoindex", Style: builtins.CArgs, Params: []string{"oname"}}, ifNametoindex)
	fn(&builtins.Signature{Name: "_socket.if_indextoname", Style: builtins.COne}, ifIndextoname)
	fn(&builtins.Signature{Name: "_socket.close", Style: builtins.COne}, in.closeFD)
	fn(&builtins.Signature{Name: "_socket.dup", Style: builtins.COne}, in.dupFD)
	fn(&builtins.Signature{Name: "CMSG_LEN", Style: builtins.CArgs, Params: []string{"length"}}, cmsgLen)
	fn(&builtins.Signature{Name: "CMSG_SPACE", Style: builtins.CArgs, Params: []string{"length"}}, cmsgSpace)
	fn(&builtins.Signature{Name: "send_fds", Style: builtins.PyDef, Params: []string{"sock", "buffers", "fds", "flags?", "address?"}}, sendFDs)
	fn(&builtins.Signature{Name: "recv_fds", Style: builtins.PyDef, Params: []string{"sock", "bufsize", "maxfds", "flags?"}}, recvFDs)
	return d
}

// baseName drops a "_socket." prefix: the name a script calls the function by.
func baseName(name string) string {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '.' {
			return name[i+1:]
		}
	}
	return name
}

func (in *Instance) setdefaulttimeout(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	d, err := conv.Timeout(args[0])
	if err != nil {
		return nil, err
	}
	in.defaultTimeout.Store(int64(d))
	return starlark.None, nil
}

func (in *Instance) getdefaulttimeout(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	return conv.TimeoutValue(time.Duration(in.defaultTimeout.Load())), nil
}

// open creates a socket as socket(family, type, proto) does.
func (in *Instance) open(family, sotype, proto int) (*Socket, error) {
	if err := in.checkKind(family, sotype); err != nil {
		return nil, err
	}
	if err := in.checkCapacity(1); err != nil {
		return nil, err
	}
	fd, err := unix.Socket(family, sotype|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return nil, builtins.FromError(err)
	}
	return in.newSocket(fd, family, sotype, proto, in.initialTimeout(sotype))
}

// initialTimeout is a new socket's timeout: 0 if created with
// SOCK_NONBLOCK, else the default, as CPython's init_sockobject.
func (in *Instance) initialTimeout(sotype int) time.Duration {
	if sotype&unix.SOCK_NONBLOCK != 0 {
		return 0
	}
	return time.Duration(in.defaultTimeout.Load())
}

// checkKind refuses raw and packet sockets unless the host allows them.
func (in *Instance) checkKind(family, sotype int) error {
	if in.opts.AllowRaw {
		return nil
	}
	if family == unix.AF_PACKET || sotype&0xf == unix.SOCK_RAW {
		return builtins.OSErrorf(unix.EPERM, "raw and packet sockets are not allowed by the host")
	}
	return nil
}

// adopt wraps a descriptor given to socket(fileno=) or fromfd: it must be a
// socket; what was not given is read from it (SO_DOMAIN, SO_TYPE,
// SO_PROTOCOL), and it is switched to non-blocking for the netpoller.
func (in *Instance) adopt(fd int, family, sotype, proto int) (*Socket, error) {
	get := func(opt int) (int, error) { return unix.GetsockoptInt(fd, unix.SOL_SOCKET, opt) }
	detected, err := get(unix.SO_TYPE)
	if err != nil {
		return nil, builtins.FromError(err)
	}
	if sotype < 0 {
		sotype = detected
	}
	if family < 0 {
		if family, err = get(unix.SO_DOMAIN); err != nil {
			return nil, builtins.FromError(err)
		}
	}
	if proto < 0 {
		if proto, err = get(unix.SO_PROTOCOL); err != nil {
			return nil, builtins.FromError(err)
		}
	}
	if err := in.checkCapacity(1); err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		return nil, builtins.FromError(err)
	}
	in.disown(fd) // a received descriptor is the socket's from here
	return in.newSocket(fd, family, sotype, proto, in.initialTimeout(sotype))
}

// fromfd duplicates fd and wraps the duplicate.
func (in *Instance) fromfd(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	fd, err := in.fdArg("fromfd", args[0])
	if err != nil {
		return nil, err
	}
	// socket.py's fromfd dups first, then passes family, type and proto
	// to socket(): a bad descriptor is OSError whatever they are.
	nfd, err := dupCloexec(fd)
	if err != nil {
		return nil, builtins.FromError(err)
	}
	kinds := make([]int, 3)
	for i, v := range []starlark.Value{args[1], args[2], args[3]} {
		if v == nil {
			continue // proto defaults to 0
		}
		n, err := conv.Int(v, conv.CInt)
		if err != nil {
			unix.Close(nfd)
			return nil, err
		}
		kinds[i] = int(n)
	}
	s, err := in.adopt(nfd, kinds[0], kinds[1], kinds[2])
	if err != nil {
		unix.Close(nfd)
		return nil, err
	}
	return s, nil
}

func (in *Instance) closeFD(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	fd, err := in.fdArg("close", args[0])
	if err != nil {
		return nil, err
	}
	in.disown(fd)
	if err := in.closeDescriptor(fd); err != nil && err != unix.ECONNRESET {
		return nil, builtins.FromError(err)
	}
	return starlark.None, nil
}

func (in *Instance) dupFD(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	fd, err := in.fdArg("dup", args[0])
	if err != nil {
		return nil, err
	}
	nfd, err := dupCloexec(fd)
	if err != nil {
		return nil, builtins.FromError(err)
	}
	return starlark.MakeInt(nfd), nil
}

// socketpair returns two connected sockets; the family defaults to
// AF_UNIX (None too, as in socket.py; type and proto must be ints).
func (in *Instance) socketpair(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	kinds := []int{unix.AF_UNIX, unix.SOCK_STREAM, 0}
	for i, v := range args {
		if v == nil || i == 0 && v == starlark.None {
			continue
		}
		n, err := conv.Int(v, conv.ArgInt) // _socket.socketpair parses "|iii"
		if err != nil {
			return nil, err
		}
		kinds[i] = int(n)
	}
	family, sotype, proto := kinds[0], kinds[1], kinds[2]
	if err := in.checkKind(family, sotype); err != nil {
		return nil, err
	}
	if err := in.checkCapacity(2); err != nil {
		return nil, err
	}
	fds, err := unix.Socketpair(family, sotype|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return nil, builtins.FromError(err)
	}
	a, err := in.newSocket(fds[0], family, sotype, proto, in.initialTimeout(sotype))
	if err != nil {
		unix.Close(fds[1])
		return nil, err
	}
	b, err := in.newSocket(fds[1], family, sotype, proto, in.initialTimeout(sotype))
	if err != nil {
		a.Close()
		return nil, err
	}
	return starlark.Tuple{a, b}, nil
}

func hasDualstackIPv6(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return starlark.False, nil
	}
	defer unix.Close(fd)
	err = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0)
	return starlark.Bool(err == nil), nil
}

func gethostname(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	name, err := os.Hostname()
	if err != nil {
		return nil, builtins.FromError(err)
	}
	return starlark.String(name), nil
}

func gethostbyname(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	host, err := encodedHostArg("gethostbyname", args[0])
	if err != nil {
		return nil, err
	}
	ip, err := conv.ResolveHost(builtins.ThreadContext(thread), host, unix.AF_INET)
	if err != nil {
		return nil, err
	}
	return starlark.String(ip.String()), nil
}
