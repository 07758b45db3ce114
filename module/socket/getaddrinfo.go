package socket

import (
	"context"
	"math"
	"net/netip"
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

// gaiType is a row of glibc's table of the socket types and protocols
// getaddrinfo knows (gaih_inet_typeproto in sysdeps/posix/getaddrinfo.c).
type gaiType struct {
	sotype, proto int
	anyProto      bool // GAI_PROTO_PROTOANY: any protocol the caller asks for
	noService     bool // GAI_PROTO_NOSERV: no service, not even a number
	byDefault     bool // listed when the caller asks for no type or protocol
	name          string
}

var gaiTypes = []gaiType{
	{unix.SOCK_STREAM, unix.IPPROTO_TCP, false, false, true, "tcp"},
	{unix.SOCK_DGRAM, unix.IPPROTO_UDP, false, false, true, "udp"},
	{unix.SOCK_DCCP, unix.IPPROTO_DCCP, false, false, false, "dccp"},
	{unix.SOCK_DGRAM, unix.IPPROTO_UDPLITE, false, false, false, "udplite"},
	{unix.SOCK_STREAM, unix.IPPROTO_SCTP, false, false, false, "sctp"},
	{unix.SOCK_SEQPACKET, unix.IPPROTO_SCTP, false, false, false, "sctp"},
	{unix.SOCK_RAW, 0, true, true, true, "raw"},
}

// gaiKnownFlags are the flags glibc accepts, AI_IDN and friends included.
const gaiKnownFlags = ai_PASSIVE | ai_CANONNAME | ai_NUMERICHOST | ai_V4MAPPED | ai_ALL | ai_ADDRCONFIG | ai_NUMERICSERV | 0x40 | 0x80 | 0x100 | 0x200

func getaddrinfo(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	ints := make([]int, 4) // family, type, proto, flags
	for i, v := range args[2:] {
		if v == nil {
			continue
		}
		n, err := conv.Int(v, conv.ArgInt)
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
// /etc/hosts and DNS, with CPython's argument checks, in glibc's order:
// flags, family, service, then the host.
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
	}
	var service string
	hasService := true
	switch v := portArg.(type) {
	case starlark.NoneType:
		hasService = false
	case starlark.Int: // not a bool: CPython wants an exact int
		n, err := conv.Int(v, conv.CLong)
		if err != nil {
			return nil, err
		}
		service = strconv.FormatInt(n, 10)
	case starlark.String:
		service = string(v)
	case starlark.Bytes:
		service = string(v)
	default:
		return nil, builtins.Errorf(builtins.OSError, "Int or String expected")
	}
	// glibc gets C strings: they end at a NUL, and "*" means none.
	host, _, _ = strings.Cut(host, "\x00")
	service, _, _ = strings.Cut(service, "\x00")
	if host == "*" {
		hasHost = false
	}
	if service == "*" {
		hasService = false
	}

	if !hasHost && !hasService {
		return nil, builtins.NewGaiError(conv.EAI_NONAME)
	}
	if flags&^gaiKnownFlags != 0 || flags&ai_CANONNAME != 0 && !hasHost {
		return nil, builtins.NewGaiError(conv.EAI_BADFLAGS)
	}
	if family != unix.AF_UNSPEC && family != unix.AF_INET && family != unix.AF_INET6 {
		return nil, builtins.NewGaiError(conv.EAI_FAMILY)
	}
	port, numeric := int64(0), true
	if hasService = hasService && service != ""; hasService {
		if port, numeric = parseService(service); !numeric && flags&ai_NUMERICSERV != 0 {
			return nil, builtins.NewGaiError(conv.EAI_NONAME)
		}
	}
	kinds, err := serviceKinds(sotype, proto, hasService, service, port, numeric)
	if err != nil {
		return nil, err
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
		lookupFamily := family
		if family == unix.AF_INET6 && flags&ai_V4MAPPED != 0 {
			lookupFamily = unix.AF_UNSPEC
		}
		var err error
		if addrs, err = conv.LookupHost(ctx, host, lookupFamily); err != nil {
			return nil, err
		}
		if lookupFamily != family {
			addrs = v4Mapped(addrs, flags&ai_ALL != 0)
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

// kind is a socket type and protocol with the port the service gives it.
type kind struct{ sotype, proto, port int }

// serviceKinds picks the socket types and protocols getaddrinfo answers
// for, and their port, as glibc's gaih_inet does: a type or protocol asked
// for selects the first row of gaiTypes that has it; none asked for lists
// the default rows (or, for a service name, every row that knows it).
func serviceKinds(sotype, proto int, hasService bool, service string, port int64, numeric bool) ([]kind, error) {
	var tp *gaiType
	if sotype != 0 || proto != 0 {
		for i := range gaiTypes {
			t := &gaiTypes[i]
			if (sotype == 0 || sotype == t.sotype) && (proto == 0 || t.anyProto || proto == t.proto) {
				tp = t
				break
			}
		}
		if tp == nil {
			if sotype != 0 {
				return nil, builtins.NewGaiError(conv.EAI_SOCKTYPE)
			}
			return nil, builtins.NewGaiError(conv.EAI_SERVICE)
		}
	}
	protoOf := func(t *gaiType) int {
		if t.anyProto {
			return proto
		}
		return t.proto
	}
	if hasService && tp != nil && tp.noService {
		return nil, builtins.NewGaiError(conv.EAI_SERVICE)
	}
	if hasService && (!numeric || port < 0) {
		// A name (or a number C reads as negative): /etc/services.
		var kinds []kind
		for i := range gaiTypes {
			t := &gaiTypes[i]
			if tp != nil && t != tp || tp == nil && t.noService {
				continue
			}
			if p, ok := services.port(service, t.name); ok {
				kinds = append(kinds, kind{t.sotype, protoOf(t), p})
			}
		}
		if len(kinds) == 0 {
			return nil, builtins.NewGaiError(conv.EAI_SERVICE)
		}
		return kinds, nil
	}
	p := int(uint16(port)) // htons of a C int
	if tp != nil {
		return []kind{{tp.sotype, protoOf(tp), p}}, nil
	}
	var kinds []kind
	for i := range gaiTypes {
		if t := &gaiTypes[i]; t.byDefault {
			kinds = append(kinds, kind{t.sotype, t.proto, p})
		}
	}
	return kinds, nil
}

// parseService reads a service as glibc does, with strtoul(3) into a C
// int: leading space and a sign allowed, digits to the end, overflow
// saturating, the result cut to 32 bits. numeric is false when anything
// but digits follows.
func parseService(s string) (num int64, numeric bool) {
	i := 0
	for i < len(s) && strings.IndexByte(" \t\n\v\f\r", s[i]) >= 0 {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var v uint64
	overflow := false
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			overflow = true
		}
		v = v*10 + d
	}
	if i == start || i != len(s) {
		return -1, false
	}
	switch {
	case overflow:
		v = math.MaxUint64
	case neg:
		v = -v
	}
	return int64(int32(uint32(v))), true
}

// v4Mapped is AI_V4MAPPED's answer for AF_INET6: the IPv6 addresses, and
// the IPv4 ones as ::ffff:a.b.c.d when there are no IPv6 ones (or with
// AI_ALL).
func v4Mapped(addrs []netip.Addr, all bool) []netip.Addr {
	var six, four []netip.Addr
	for _, a := range addrs {
		if a.Is4() {
			four = append(four, netip.AddrFrom16(a.As16()))
		} else {
			six = append(six, a)
		}
	}
	if len(six) == 0 || all {
		return append(six, four...)
	}
	return six
}

// services is /etc/services, read once.
var services = &serviceTable{path: "/etc/services"}

type serviceTable struct {
	path   string
	once   sync.Once
	byName map[string]int // "http/tcp" -> 80
	lines  []serviceEntry // in file order, for netdb.go
}

func (t *serviceTable) load() {
	t.byName = make(map[string]int)
	conv.ReadTableFile(t.path, func(fields []string) {
		portStr, proto, ok := strings.Cut(fields[1], "/")
		port, err := strconv.Atoi(portStr)
		if !ok || err != nil {
			return
		}
		t.lines = append(t.lines, serviceEntry{names: append(fields[:1:1], fields[2:]...), port: port, proto: proto})
		for _, name := range append([]string{fields[0]}, fields[2:]...) {
			if _, dup := t.byName[name+"/"+proto]; !dup {
				t.byName[name+"/"+proto] = port
			}
		}
	})
}

func (t *serviceTable) port(name, proto string) (int, bool) {
	t.once.Do(t.load)
	p, ok := t.byName[name+"/"+proto]
	return p, ok
}
