package socket

import (
	"bufio"
	"context"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// getaddrinfo's flags (netdb.h), which x/sys/unix does not define.
const (
	ai_PASSIVE     = 0x1
	ai_CANONNAME   = 0x2
	ai_NUMERICHOST = 0x4
	ai_V4MAPPED    = 0x8
	ai_ALL         = 0x10
	ai_ADDRCONFIG  = 0x20
	ai_NUMERICSERV = 0x400
)

// addrinfo is one getaddrinfo result.
type addrinfo struct {
	family, sotype, proto int
	canonname             string
	addr                  *conv.Sockaddr
}

func (ai addrinfo) value() starlark.Value {
	return starlark.Tuple{
		starlark.MakeInt(ai.family), starlark.MakeInt(ai.sotype), starlark.MakeInt(ai.proto),
		starlark.String(ai.canonname), ai.addr.Value(),
	}
}

// socket types getaddrinfo lists when asked for any, with their protocols.
var anySocketTypes = []struct{ sotype, proto int }{
	{unix.SOCK_STREAM, unix.IPPROTO_TCP},
	{unix.SOCK_DGRAM, unix.IPPROTO_UDP},
	{unix.SOCK_RAW, 0},
}

func getaddrinfo(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	ints := make([]int, 4) // family, type, proto, flags
	for i, v := range args[2:] {
		if v == nil {
			continue
		}
		n, err := conv.Int(v, conv.CInt)
		if err != nil {
			return nil, err
		}
		ints[i] = int(n)
	}
	infos, err := lookupAddrinfo(builtins.ThreadContext(thread), args[0], args[1], ints[0], ints[1], ints[2], ints[3])
	if err != nil {
		return nil, err
	}
	list := make([]starlark.Value, len(infos))
	for i, ai := range infos {
		list[i] = ai.value()
	}
	return starlark.NewList(list), nil
}

// lookupAddrinfo is getaddrinfo(3) as glibc answers it for numeric hosts,
// /etc/hosts and DNS, with CPython's argument checks.
func lookupAddrinfo(ctx context.Context, hostArg, portArg starlark.Value, family, sotype, proto, flags int) ([]addrinfo, error) {
	var host string
	hasHost := hostArg != starlark.None
	if hasHost {
		switch v := hostArg.(type) {
		case starlark.String:
			host = string(v)
		case starlark.Bytes:
			host = string(v)
		default:
			return nil, builtins.Errorf(builtins.TypeError, "getaddrinfo() argument 1 must be string or None")
		}
		if strings.IndexByte(host, 0) >= 0 {
			return nil, builtins.Errorf(builtins.ValueError, "embedded null character")
		}
	}
	var service string
	hasService := true
	switch v := portArg.(type) {
	case starlark.NoneType:
		hasService = false
	case starlark.Int:
		service = v.String()
	case starlark.Bool:
		service = map[bool]string{true: "1", false: "0"}[bool(v)]
	case starlark.String:
		service = string(v)
	case starlark.Bytes:
		service = string(v)
	default:
		return nil, builtins.Errorf(builtins.OSError, "Int or String expected")
	}
	if !hasHost && !hasService {
		return nil, builtins.NewGaiError(conv.EAI_NONAME)
	}
	if family != unix.AF_UNSPEC && family != unix.AF_INET && family != unix.AF_INET6 {
		return nil, builtins.NewGaiError(conv.EAI_FAMILY)
	}
	if flags&^(ai_PASSIVE|ai_CANONNAME|ai_NUMERICHOST|ai_NUMERICSERV|ai_V4MAPPED|ai_ALL|ai_ADDRCONFIG) != 0 {
		return nil, builtins.NewGaiError(conv.EAI_BADFLAGS)
	}

	// The socket types and ports the service gives.
	type kind struct{ sotype, proto, port int }
	var kinds []kind
	for _, k := range anySocketTypes {
		if sotype != 0 && sotype != k.sotype {
			continue
		}
		p := k.proto
		if proto != 0 {
			p = proto
		}
		port := 0
		if hasService {
			var ok bool
			if port, ok = servicePort(service, k.sotype, flags); !ok {
				continue
			}
		}
		kinds = append(kinds, kind{k.sotype, p, port})
	}
	if sotype != 0 && len(kinds) == 0 && sotype != unix.SOCK_STREAM && sotype != unix.SOCK_DGRAM && sotype != unix.SOCK_RAW {
		return nil, builtins.NewGaiError(conv.EAI_SOCKTYPE)
	}
	if len(kinds) == 0 {
		return nil, builtins.NewGaiError(conv.EAI_SERVICE)
	}

	var addrs []netip.Addr
	switch {
	case !hasHost && flags&ai_PASSIVE != 0:
		addrs = []netip.Addr{netip.IPv4Unspecified(), netip.IPv6Unspecified()}
	case !hasHost:
		addrs = []netip.Addr{netip.IPv6Loopback(), netip.AddrFrom4([4]byte{127, 0, 0, 1})}
	default:
		if flags&ai_NUMERICHOST != 0 {
			if _, err := netip.ParseAddr(host); err != nil {
				if _, ok := conv.InetAton(host); !ok {
					return nil, builtins.NewGaiError(conv.EAI_NONAME)
				}
			}
		}
		var err error
		if addrs, err = conv.LookupHost(ctx, host, family); err != nil {
			return nil, err
		}
	}
	var out []addrinfo
	for _, a := range addrs {
		af := unix.AF_INET
		if a.Is6() {
			af = unix.AF_INET6
		}
		if family != unix.AF_UNSPEC && af != family {
			continue
		}
		for _, k := range kinds {
			out = append(out, addrinfo{family: af, sotype: k.sotype, proto: k.proto,
				addr: conv.FromAddrPort(netip.AddrPortFrom(a, uint16(k.port)))})
		}
	}
	if len(out) == 0 {
		return nil, builtins.NewGaiError(conv.EAI_ADDRFAMILY)
	}
	if flags&ai_CANONNAME != 0 && hasHost {
		out[0].canonname = host
	}
	return out, nil
}

// servicePort reads a numeric service (kept to 16 bits, as glibc does) or
// looks a name up in /etc/services for the socket type's protocol.
func servicePort(service string, sotype, flags int) (int, bool) {
	if n, err := strconv.ParseUint(service, 10, 64); err == nil {
		return int(n & 0xffff), true
	}
	if flags&ai_NUMERICSERV != 0 || sotype == unix.SOCK_RAW {
		return 0, false
	}
	protoName := map[int]string{unix.SOCK_STREAM: "tcp", unix.SOCK_DGRAM: "udp"}[sotype]
	return services.port(service, protoName)
}

// services is /etc/services, read once.
var services = &serviceTable{path: "/etc/services"}

type serviceTable struct {
	path   string
	once   sync.Once
	byName map[string]int // "http/tcp" -> 80
	byPort map[string]string
}

func (t *serviceTable) load() {
	t.byName = make(map[string]int)
	t.byPort = make(map[string]string)
	f, err := os.Open(t.path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		portStr, proto, ok := strings.Cut(fields[1], "/")
		port, err := strconv.Atoi(portStr)
		if !ok || err != nil {
			continue
		}
		for _, name := range append([]string{fields[0]}, fields[2:]...) {
			if _, dup := t.byName[name+"/"+proto]; !dup {
				t.byName[name+"/"+proto] = port
			}
		}
		if _, dup := t.byPort[portStr+"/"+proto]; !dup {
			t.byPort[portStr+"/"+proto] = fields[0]
		}
	}
}

func (t *serviceTable) port(name, proto string) (int, bool) {
	t.once.Do(t.load)
	p, ok := t.byName[name+"/"+proto]
	return p, ok
}
