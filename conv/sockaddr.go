package conv

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"strconv"
	"unsafe"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
)

// Sockaddr is a socket address in the kernel's own layout, ready for
// bind(2), connect(2) and sendto(2), or as accept(2), recvfrom(2) and
// getsockname(2) fill it in. Keeping the raw form (rather than x/sys's
// Sockaddr types) keeps what CPython keeps: an abstract AF_UNIX name is
// bytes starting with NUL, a path may start with '@', an unnamed socket has
// an empty name, and families x/sys does not know still round-trip.
type Sockaddr struct {
	Raw unix.RawSockaddrAny
	Len uint32 // bytes of Raw in use
}

// Family returns the address family (AF_INET, ...).
func (sa *Sockaddr) Family() int { return int(sa.Raw.Addr.Family) }

// Pointer returns the address for a system call.
func (sa *Sockaddr) Pointer() unsafe.Pointer { return unsafe.Pointer(&sa.Raw) }

// Cap is the size of the buffer the kernel may fill in.
const Cap = uint32(unsafe.Sizeof(unix.RawSockaddrAny{}))

const unixPathOffset = uint32(unsafe.Offsetof(unix.RawSockaddrUnix{}.Path))

func (sa *Sockaddr) inet4() *unix.RawSockaddrInet4 {
	return (*unix.RawSockaddrInet4)(unsafe.Pointer(&sa.Raw))
}
func (sa *Sockaddr) inet6() *unix.RawSockaddrInet6 {
	return (*unix.RawSockaddrInet6)(unsafe.Pointer(&sa.Raw))
}
func (sa *Sockaddr) unix() *unix.RawSockaddrUnix {
	return (*unix.RawSockaddrUnix)(unsafe.Pointer(&sa.Raw))
}

// port fields are in network byte order.
func getPort(p *uint16) int {
	b := (*[2]byte)(unsafe.Pointer(p))
	return int(b[0])<<8 | int(b[1])
}
func setPort(p *uint16, port int) {
	b := (*[2]byte)(unsafe.Pointer(p))
	b[0], b[1] = byte(port>>8), byte(port)
}

// FromAddrPort builds an AF_INET or AF_INET6 address.
func FromAddrPort(ap netip.AddrPort) *Sockaddr {
	sa := new(Sockaddr)
	a := ap.Addr()
	if a.Is4() {
		r := sa.inet4()
		r.Family = unix.AF_INET
		setPort(&r.Port, int(ap.Port()))
		r.Addr = a.As4()
		sa.Len = unix.SizeofSockaddrInet4
		return sa
	}
	r := sa.inet6()
	r.Family = unix.AF_INET6
	setPort(&r.Port, int(ap.Port()))
	r.Addr = a.As16()
	if z := a.Zone(); z != "" {
		r.Scope_id = zoneIndex(z)
	}
	sa.Len = unix.SizeofSockaddrInet6
	return sa
}

// InetNtop6 formats an IPv6 address as glibc's inet_ntop does, the form
// CPython shows: Go's, except that an IPv4-compatible address (the first
// 96 bits zero, then a nonzero word) keeps a dotted tail, as in
// "::127.0.0.1". The scope is not part of it.
func InetNtop6(b [16]byte) string {
	var zero [12]byte
	if [12]byte(b[:12]) == zero && (b[12] != 0 || b[13] != 0) {
		return "::" + netip.AddrFrom4([4]byte(b[12:])).String()
	}
	return netip.AddrFrom16(b).String()
}

func zoneIndex(zone string) uint32 {
	if n, err := strconv.ParseUint(zone, 10, 32); err == nil {
		return uint32(n)
	}
	if ifi, err := net.InterfaceByName(zone); err == nil {
		return uint32(ifi.Index)
	}
	return 0
}

// SameAs reports whether sa and o hold the same address, byte for byte.
// (Not named Equal: go-cmp would call an Equal method to compare Requests.)
func (sa *Sockaddr) SameAs(o *Sockaddr) bool {
	n := min(sa.Len, Cap)
	return sa.Len == o.Len && sa.bytes(n) == o.bytes(n)
}

// bytes returns the first n bytes of the address, as a string to compare.
func (sa *Sockaddr) bytes(n uint32) string {
	return unsafe.String((*byte)(unsafe.Pointer(&sa.Raw)), n)
}

// MaxFlowinfo is the largest IPv6 flowinfo an address argument may give
// (the 20 bits of the flow label); CPython raises OverflowError above it.
const MaxFlowinfo = 0xfffff

// flowinfo returns an AF_INET6 address's flowinfo.
func (sa *Sockaddr) flowinfo() uint32 {
	return binary.BigEndian.Uint32((*[4]byte)(unsafe.Pointer(&sa.inet6().Flowinfo))[:])
}

// Reversible reports whether Address, given sa.Value(), returns sa
// without an error: true for AF_INET, and for AF_INET6 unless the
// kernel's flowinfo has bits above MaxFlowinfo (the traffic class, with
// IPV6_FLOWINFO_SEND); false for the other families, not checked.
func (sa *Sockaddr) Reversible() bool {
	switch sa.Family() {
	case unix.AF_INET:
		return true
	case unix.AF_INET6:
		return sa.flowinfo() <= MaxFlowinfo
	}
	return false
}

// AddrPort returns an IP address and port, for AF_INET and AF_INET6.
func (sa *Sockaddr) AddrPort() (netip.AddrPort, bool) {
	switch sa.Family() {
	case unix.AF_INET:
		r := sa.inet4()
		return netip.AddrPortFrom(netip.AddrFrom4(r.Addr), uint16(getPort(&r.Port))), true
	case unix.AF_INET6:
		r := sa.inet6()
		a := netip.AddrFrom16(r.Addr)
		if r.Scope_id != 0 {
			a = a.WithZone(zoneName(r.Scope_id))
		}
		return netip.AddrPortFrom(a, uint16(getPort(&r.Port))), true
	}
	return netip.AddrPort{}, false
}

func zoneName(index uint32) string {
	if ifi, err := net.InterfaceByIndex(int(index)); err == nil {
		return ifi.Name
	}
	return strconv.FormatUint(uint64(index), 10)
}

// interfaceName names an interface index in AF_PACKET and AF_CAN
// addresses: "" for 0 (any interface), as CPython shows it.
func interfaceName(index int32) string {
	if index == 0 {
		return ""
	}
	return zoneName(uint32(index))
}

// UnixName returns an AF_UNIX address's name as the kernel has it: a path,
// "\x00name" for the abstract namespace, "" for an unnamed socket.
func (sa *Sockaddr) UnixName() string {
	if sa.Len <= unixPathOffset {
		return ""
	}
	n := int(sa.Len - unixPathOffset)
	p := sa.unix().Path[:]
	b := unsafe.Slice((*byte)(unsafe.Pointer(&p[0])), len(p))
	if n > len(b) {
		n = len(b)
	}
	if b[0] == 0 {
		return string(b[:n])
	}
	for i := 0; i < n; i++ {
		if b[i] == 0 {
			n = i
		}
	}
	return string(b[:n])
}

// String renders the address for messages and policies: "127.0.0.1:80",
// "[::1]:80", a path, "@name" for an abstract AF_UNIX name.
func (sa *Sockaddr) String() string {
	if ap, ok := sa.AddrPort(); ok {
		return ap.String()
	}
	if sa.Family() == unix.AF_UNIX {
		name := sa.UnixName()
		if name != "" && name[0] == 0 {
			return "@" + name[1:]
		}
		return name
	}
	return builtins.PyRepr(sa.Value())
}

// Value returns the address as Python shows it: (host, port),
// (host, port, flowinfo, scope_id), a path str, abstract names as bytes,
// and for other families the tuples CPython builds.
func (sa *Sockaddr) Value() starlark.Value {
	switch sa.Family() {
	case unix.AF_INET:
		ap, _ := sa.AddrPort()
		return starlark.Tuple{starlark.String(ap.Addr().String()), starlark.MakeInt(int(ap.Port()))}
	case unix.AF_INET6:
		ap, _ := sa.AddrPort()
		r := sa.inet6()
		flow := sa.flowinfo()
		return starlark.Tuple{
			starlark.String(InetNtop6(r.Addr)),
			starlark.MakeInt(int(ap.Port())),
			starlark.MakeUint64(uint64(flow)),
			starlark.MakeUint64(uint64(r.Scope_id)),
		}
	case unix.AF_UNIX:
		name := sa.UnixName()
		if name != "" && name[0] == 0 {
			return starlark.Bytes(name)
		}
		return starlark.String(name)
	case unix.AF_NETLINK:
		r := (*unix.RawSockaddrNetlink)(unsafe.Pointer(&sa.Raw))
		return starlark.Tuple{starlark.MakeUint64(uint64(r.Pid)), starlark.MakeUint64(uint64(r.Groups))}
	case unix.AF_PACKET:
		r := (*unix.RawSockaddrLinklayer)(unsafe.Pointer(&sa.Raw))
		halen := min(int(r.Halen), len(r.Addr))
		proto := int(binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&r.Protocol))[:]))
		return starlark.Tuple{
			starlark.String(interfaceName(r.Ifindex)),
			starlark.MakeInt(proto),
			starlark.MakeInt(int(r.Pkttype)),
			starlark.MakeInt(int(r.Hatype)),
			starlark.Bytes(r.Addr[:halen]),
		}
	case unix.AF_CAN:
		r := (*unix.RawSockaddrCAN)(unsafe.Pointer(&sa.Raw))
		return starlark.Tuple{starlark.String(interfaceName(r.Ifindex))}
	}
	data := sa.Raw.Addr.Data[:]
	return starlark.Tuple{starlark.MakeInt(sa.Family()), starlark.Bytes(unsafe.Slice((*byte)(unsafe.Pointer(&data[0])), len(data)))}
}

// Address converts a Python address for a socket of the given family and
// type into kernel form, checking it as CPython's getsockaddrarg does and
// raising what it raises. op is the calling method ("bind", "connect",
// "sendto") as CPython names it in messages.
func Address(ctx context.Context, family, sotype int, v starlark.Value, op string) (*Sockaddr, error) {
	switch family {
	case unix.AF_INET:
		return inetAddress(ctx, v, op)
	case unix.AF_INET6:
		return inet6Address(ctx, v, op)
	case unix.AF_UNIX:
		return unixAddress(v)
	case unix.AF_NETLINK:
		return netlinkAddress(v, op)
	case unix.AF_PACKET:
		return packetAddress(v, op)
	case unix.AF_CAN:
		return canAddress(v, op)
	}
	return nil, builtins.Errorf(builtins.OSError, "%s(): bad family", op)
}

func addressTuple(v starlark.Value, op, family string) (starlark.Tuple, error) {
	t, ok := v.(starlark.Tuple)
	if !ok {
		return nil, builtins.Errorf(builtins.TypeError, "%s(): %s address must be tuple, not %s", op, family, builtins.PyTypeName(v))
	}
	return t, nil
}

// portArg reads a port as CPython's "i" format does, before the host is
// resolved; the 0-65535 check comes after resolution, as in CPython.
func portArg(v starlark.Value, op string) (int64, error) {
	port, err := Int(v, ArgInt)
	if err != nil {
		if exc, ok := err.(*builtins.Exception); ok && exc.Class() == builtins.OverflowError {
			return 0, portRange(op)
		}
		return 0, err
	}
	return port, nil
}

func portRange(op string) error {
	return builtins.Errorf(builtins.OverflowError, "%s(): port must be 0-65535.", op)
}

func inetAddress(ctx context.Context, v starlark.Value, op string) (*Sockaddr, error) {
	t, err := addressTuple(v, op, "AF_INET")
	if err != nil {
		return nil, err
	}
	if len(t) != 2 {
		return nil, builtins.Errorf(builtins.TypeError, "AF_INET address must be a pair (host, port)")
	}
	host, err := HostString(t[0])
	if err != nil {
		return nil, err
	}
	port, err := portArg(t[1], op)
	if err != nil {
		return nil, err
	}
	ip, err := ResolveHost(ctx, host, unix.AF_INET)
	if err != nil {
		return nil, err
	}
	if port < 0 || port > 0xffff {
		return nil, portRange(op)
	}
	return FromAddrPort(netip.AddrPortFrom(ip, uint16(port))), nil
}

func inet6Address(ctx context.Context, v starlark.Value, op string) (*Sockaddr, error) {
	t, err := addressTuple(v, op, "AF_INET6")
	if err != nil {
		return nil, err
	}
	if len(t) < 2 || len(t) > 4 {
		return nil, builtins.Errorf(builtins.TypeError, "AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])")
	}
	host, err := HostString(t[0])
	if err != nil {
		return nil, err
	}
	port, err := portArg(t[1], op)
	if err != nil {
		return nil, err
	}
	var flowinfo, scope int64
	if len(t) > 2 {
		if flowinfo, err = Int(t[2], CUnsignedInt); err != nil {
			return nil, err
		}
	}
	if len(t) > 3 {
		if scope, err = Int(t[3], CUnsignedInt); err != nil {
			return nil, err
		}
	}
	ip, err := ResolveHost(ctx, host, unix.AF_INET6)
	if err != nil {
		return nil, err
	}
	if port < 0 || port > 0xffff {
		return nil, portRange(op)
	}
	if flowinfo > MaxFlowinfo {
		return nil, builtins.Errorf(builtins.OverflowError, "%s(): flowinfo must be 0-1048575.", op)
	}
	sa := FromAddrPort(netip.AddrPortFrom(ip, uint16(port)))
	r := sa.inet6()
	binary.BigEndian.PutUint32((*[4]byte)(unsafe.Pointer(&r.Flowinfo))[:], uint32(flowinfo))
	if len(t) > 3 {
		r.Scope_id = uint32(scope)
	}
	return sa, nil
}

// unixAddress follows CPython on Linux: a name starting with NUL is
// abstract and may fill all 108 bytes; a path needs room for its NUL; the
// empty name is passed without one, so that bind autobinds to an abstract
// name.
func unixAddress(v starlark.Value) (*Sockaddr, error) {
	var name string
	switch x := v.(type) {
	case starlark.String:
		name = string(x)
	case starlark.Bytes:
		name = string(x)
	default:
		return nil, NotBytesLike(v)
	}
	sa := new(Sockaddr)
	r := sa.unix()
	r.Family = unix.AF_UNIX
	abstract := len(name) == 0 || name[0] == 0
	if (abstract && len(name) > len(r.Path)) || (!abstract && len(name) >= len(r.Path)) {
		return nil, builtins.Errorf(builtins.OSError, "AF_UNIX path too long")
	}
	for i := 0; i < len(name); i++ {
		r.Path[i] = int8(name[i])
	}
	sa.Len = unixPathOffset + uint32(len(name))
	if !abstract {
		sa.Len++ // the terminating NUL, as CPython passes it
	}
	return sa, nil
}

func netlinkAddress(v starlark.Value, op string) (*Sockaddr, error) {
	t, err := addressTuple(v, op, "AF_NETLINK")
	if err != nil {
		return nil, err
	}
	if len(t) != 2 {
		return nil, builtins.Errorf(builtins.TypeError, "AF_NETLINK address must be a pair (pid, groups)")
	}
	pid, err := Int(t[0], CUnsignedInt)
	if err != nil {
		return nil, err
	}
	groups, err := Int(t[1], CUnsignedInt)
	if err != nil {
		return nil, err
	}
	sa := new(Sockaddr)
	r := (*unix.RawSockaddrNetlink)(unsafe.Pointer(&sa.Raw))
	r.Family, r.Pid, r.Groups = unix.AF_NETLINK, uint32(pid), uint32(groups)
	sa.Len = unix.SizeofSockaddrNetlink
	return sa, nil
}

// interfaceIndex is if_nametoindex for the interface named in an address.
func interfaceIndex(v starlark.Value) (int32, error) {
	name, err := HostString(v)
	if err != nil {
		return 0, err
	}
	if name == "" {
		return 0, nil // any interface
	}
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return 0, builtins.NewOSError(unix.ENODEV)
	}
	return int32(ifi.Index), nil
}

func packetAddress(v starlark.Value, op string) (*Sockaddr, error) {
	t, err := addressTuple(v, op, "AF_PACKET")
	if err != nil {
		return nil, err
	}
	if len(t) < 2 || len(t) > 5 {
		return nil, builtins.Errorf(builtins.TypeError, "AF_PACKET address must be a tuple of two to five elements")
	}
	ifindex, err := interfaceIndex(t[0])
	if err != nil {
		return nil, err
	}
	ints := make([]int64, 3) // protocol, pkttype, hatype
	for i := 1; i < len(t) && i <= 3; i++ {
		if ints[i-1], err = Int(t[i], CInt); err != nil {
			return nil, err
		}
	}
	if ints[0] < 0 || ints[0] > 0xffff {
		return nil, builtins.Errorf(builtins.OverflowError, "%s(): proto must be 0-65535.", op)
	}
	sa := new(Sockaddr)
	r := (*unix.RawSockaddrLinklayer)(unsafe.Pointer(&sa.Raw))
	r.Family = unix.AF_PACKET
	binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&r.Protocol))[:], uint16(ints[0]))
	r.Ifindex = ifindex
	r.Pkttype = uint8(ints[1])
	r.Hatype = uint16(ints[2])
	if len(t) == 5 {
		hw, err := Bytes(t[4])
		if err != nil {
			return nil, err
		}
		if len(hw) > len(r.Addr) {
			return nil, builtins.Errorf(builtins.ValueError, "Hardware address must be 8 bytes or less")
		}
		copy(r.Addr[:], hw)
		r.Halen = uint8(len(hw))
	}
	sa.Len = unix.SizeofSockaddrLinklayer
	return sa, nil
}

func canAddress(v starlark.Value, op string) (*Sockaddr, error) {
	t, err := addressTuple(v, op, "AF_CAN")
	if err != nil {
		return nil, err
	}
	if len(t) != 1 {
		return nil, builtins.Errorf(builtins.TypeError, "AF_CAN address must be a tuple (interface, )")
	}
	ifindex, err := interfaceIndex(t[0])
	if err != nil {
		return nil, err
	}
	sa := new(Sockaddr)
	r := (*unix.RawSockaddrCAN)(unsafe.Pointer(&sa.Raw))
	r.Family, r.Ifindex = unix.AF_CAN, ifindex
	sa.Len = unix.SizeofSockaddrCAN
	return sa, nil
}
