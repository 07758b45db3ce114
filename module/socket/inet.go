package socket

import (
	"math"
	"net/netip"
	"strings"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// Address text <-> packed bytes, and byte order.

// inetPton reads an address as inet_pton(3) does for either family: IPv4
// in four decimal parts without leading zeros, IPv6 without a %scope.
func inetPton(text string) (netip.Addr, bool) {
	if strings.IndexByte(text, '%') >= 0 {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(text)
	return a, err == nil
}

func inetPtonFunc(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	family, err := conv.Int(args[0], conv.ArgInt)
	if err != nil {
		return nil, err
	}
	text, err := strArg("inet_pton", 2, args[1])
	if err != nil {
		return nil, err
	}
	if family != unix.AF_INET && family != unix.AF_INET6 {
		return nil, builtins.NewOSError(unix.EAFNOSUPPORT)
	}
	a, ok := inetPton(text)
	if !ok || addrFamily(a) != int(family) {
		return nil, builtins.Errorf(builtins.OSError, "illegal IP address string passed to inet_pton")
	}
	return starlark.Bytes(a.AsSlice()), nil
}

func inetNtop(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	family, err := conv.Int(args[0], conv.ArgInt)
	if err != nil {
		return nil, err
	}
	packed, err := conv.Bytes(args[1])
	if err != nil {
		return nil, err
	}
	var want int
	switch family {
	case unix.AF_INET:
		want = 4
	case unix.AF_INET6:
		want = 16
	default:
		return nil, builtins.Errorf(builtins.ValueError, "unknown address family %d", family)
	}
	if len(packed) != want {
		return nil, builtins.Errorf(builtins.ValueError, "invalid length of packed IP address string")
	}
	a, _ := netip.AddrFromSlice(packed)
	return starlark.String(addrText(a)), nil
}

// inetAton is inet_aton(3): inet_aton's forms ("127.1", "0x7f.1", ...),
// and anything after the first whitespace ignored.
func inetAton(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	text, err := strArg("inet_aton", 1, args[0])
	if err != nil {
		return nil, err
	}
	if i := strings.IndexAny(text, " \t\n\v\f\r"); i >= 0 {
		text = text[:i]
	}
	a, ok := conv.InetAton(text)
	if !ok {
		return nil, builtins.Errorf(builtins.OSError, "illegal IP address string passed to inet_aton")
	}
	return starlark.Bytes(a.AsSlice()), nil
}

func inetNtoa(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	packed, err := conv.Bytes(args[0])
	if err != nil {
		return nil, err
	}
	if len(packed) != 4 {
		return nil, builtins.Errorf(builtins.OSError, "packed IP wrong length for inet_ntoa")
	}
	return starlark.String(netip.AddrFrom4([4]byte(packed)).String()), nil
}

// swap16 is htons and ntohs (the same on a little-endian machine, and the
// same in CPython's checks): a C int that must fit 16 unsigned bits.
func swap16(name string) func(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	return func(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
		x, err := conv.Int(args[0], conv.ArgInt)
		if err != nil {
			return nil, err
		}
		if x < 0 {
			return nil, builtins.Errorf(builtins.OverflowError, "%s: can't convert negative Python int to C 16-bit unsigned integer", name)
		}
		if x > math.MaxUint16 {
			return nil, builtins.Errorf(builtins.OverflowError, "%s: Python int too large to convert to C 16-bit unsigned integer", name)
		}
		return starlark.MakeInt64(x>>8 | x&0xff<<8), nil
	}
}

// swap32 is htonl and ntohl: any int of 32 unsigned bits.
func swap32(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	n, ok := intValue(args[0])
	if !ok {
		return nil, builtins.Errorf(builtins.TypeError, "expected int, %s found", builtins.PyTypeName(args[0]))
	}
	x, err := unsignedLong(n)
	if err != nil {
		return nil, err
	}
	if x > math.MaxUint32 {
		return nil, builtins.Errorf(builtins.OverflowError, "int larger than 32 bits")
	}
	return starlark.MakeUint64(x>>24 | x>>8&0xff00 | x<<8&0xff0000 | x&0xff<<24), nil
}

// intValue is an int or a bool (which Python counts as an int).
func intValue(v starlark.Value) (starlark.Int, bool) {
	switch v := v.(type) {
	case starlark.Int:
		return v, true
	case starlark.Bool:
		if v {
			return starlark.MakeInt(1), true
		}
		return starlark.MakeInt(0), true
	}
	return starlark.Int{}, false
}

// unsignedLong is PyLong_AsUnsignedLong's conversion and its errors.
func unsignedLong(n starlark.Int) (uint64, error) {
	if n.Sign() < 0 {
		return 0, builtins.Errorf(builtins.OverflowError, "can't convert negative value to unsigned int")
	}
	x, ok := n.Uint64()
	if !ok {
		return 0, builtins.Errorf(builtins.OverflowError, "Python int too large to convert to C unsigned long")
	}
	return x, nil
}
