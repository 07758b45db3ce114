package conv

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
)

// getaddrinfo's error codes that name lookups raise as socket.gaierror.
const (
	EAI_NONAME     = -2
	EAI_ADDRFAMILY = -9
	EAI_SERVICE    = -8
	EAI_FAMILY     = -6
	EAI_SOCKTYPE   = -7
	EAI_BADFLAGS   = -1
)

// HostString returns a host argument as text: str, or bytes as CPython
// also accepts. A NUL inside is a TypeError, as in CPython.
func HostString(v starlark.Value) (string, error) {
	var s string
	switch x := v.(type) {
	case starlark.String:
		s = string(x)
	case starlark.Bytes:
		s = string(x)
	default:
		return "", builtins.Errorf(builtins.TypeError, "str, bytes or bytearray expected, not %s", builtins.PyTypeName(v))
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "", builtins.Errorf(builtins.TypeError, "host name must not contain null character")
	}
	return s, nil
}

// ResolveHost turns a host for family (AF_INET or AF_INET6) into an IP
// address the way CPython's setipaddr does: "" is the wildcard address,
// '<broadcast>' the IPv4 broadcast, numeric forms as getaddrinfo reads them
// ('127.1' included), then names from /etc/hosts and DNS. Failures are
// socket.gaierror with getaddrinfo's code.
func ResolveHost(ctx context.Context, host string, family int) (netip.Addr, error) {
	switch host {
	case "":
		if family == unix.AF_INET6 {
			return netip.IPv6Unspecified(), nil
		}
		return netip.IPv4Unspecified(), nil
	case "<broadcast>", "255.255.255.255":
		if family != unix.AF_INET && family != unix.AF_UNSPEC {
			return netip.Addr{}, builtins.Errorf(builtins.OSError, "address family mismatched")
		}
		return netip.AddrFrom4([4]byte{255, 255, 255, 255}), nil
	}
	if a, numeric, err := numericHost(host, family); numeric {
		return a, err // without LookupHost's slice: the common case of sendto
	}
	addrs, err := LookupHost(ctx, host, family)
	if err != nil {
		return netip.Addr{}, err
	}
	return addrs[0], nil
}

// LookupHost returns the addresses of host for family (AF_UNSPEC for
// both), numeric forms first, then /etc/hosts, then DNS.
func LookupHost(ctx context.Context, host string, family int) ([]netip.Addr, error) {
	if a, numeric, err := numericHost(host, family); numeric {
		if err != nil {
			return nil, err
		}
		return []netip.Addr{a}, nil
	}
	if !validHostname(host) {
		return nil, builtins.NewGaiError(EAI_NONAME)
	}
	if addrs, found := hostsFile.lookup(host, family); found {
		if len(addrs) == 0 {
			// glibc goes on to DNS, which has no such name either.
			return nil, builtins.NewGaiError(EAI_NONAME)
		}
		return addrs, nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	network := map[int]string{unix.AF_INET: "ip4", unix.AF_INET6: "ip6"}[family]
	if network == "" {
		network = "ip"
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, network, host)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &builtins.Cancelled{Op: "getaddrinfo", Cause: context.Cause(ctx)}
		}
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsTemporary {
			return nil, builtins.NewGaiError(-3) // EAI_AGAIN
		}
		return nil, builtins.NewGaiError(EAI_NONAME)
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	return addrs, nil
}

// numericHost answers for a numeric host (numeric reports whether host
// is one) as getaddrinfo does before any lookup.
func numericHost(host string, family int) (a netip.Addr, numeric bool, err error) {
	a, badScope, numeric := parseNumericHost(host)
	if !numeric {
		return netip.Addr{}, false, nil
	}
	if family == unix.AF_INET && a.Is4In6() {
		a = a.Unmap() // glibc reads ::ffff:a.b.c.d as a.b.c.d for AF_INET
	}
	if family != unix.AF_UNSPEC && addrFamily(a) != family {
		return netip.Addr{}, true, builtins.NewGaiError(EAI_ADDRFAMILY)
	}
	if badScope {
		return netip.Addr{}, true, builtins.NewGaiError(EAI_NONAME)
	}
	return a, true, nil
}

func addrFamily(a netip.Addr) int {
	if a.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// parseNumericHost reads a numeric host as glibc's getaddrinfo does:
// inet_aton's IPv4 forms ("127.1", "0x7f.1", "2130706433") and IPv6 with
// an optional %scope. badScope reports a scope glibc rejects, which is
// EAI_NONAME once the address family has been checked.
func parseNumericHost(host string) (a netip.Addr, badScope, ok bool) {
	if a, ok := InetAton(host); ok {
		return a, false, true
	}
	addr, scope, hasScope := strings.Cut(host, "%")
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return netip.Addr{}, false, false
	}
	if !hasScope {
		return a, false, true
	}
	if !validScope(a, scope) {
		return a, true, true
	}
	return a.WithZone(scope), false, true
}

// validScope is glibc's __inet6_scopeid_pton: an interface name only on a
// link-local address, otherwise a decimal number of at most 32 bits.
func validScope(a netip.Addr, scope string) bool {
	if a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		if _, err := net.InterfaceByName(scope); err == nil {
			return true
		}
	}
	if scope == "" || scope[0] < '0' || scope[0] > '9' {
		return false
	}
	_, err := strconv.ParseUint(scope, 10, 32)
	return err == nil
}

// InetAton parses IPv4 text as inet_aton(3) does: one to four parts, each
// decimal, octal (leading 0) or hex (leading 0x), the last filling the
// remaining bytes. It allocates nothing: every sendto to a literal address
// comes through here.
func InetAton(s string) (netip.Addr, bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	var vals [4]uint64
	parts := 0
	for rest := s; ; {
		part, after, more := strings.Cut(rest, ".")
		if parts == len(vals) {
			return netip.Addr{}, false
		}
		v, ok := parseAtonPart(part)
		if !ok {
			return netip.Addr{}, false
		}
		vals[parts] = v
		parts++
		if !more {
			break
		}
		rest = after
	}
	var n uint64
	last := parts - 1
	for i := 0; i < last; i++ {
		if vals[i] > 0xff {
			return netip.Addr{}, false
		}
		n |= vals[i] << (24 - 8*uint(i))
	}
	if vals[last] >= 1<<(8*uint(4-last)) {
		return netip.Addr{}, false
	}
	n |= vals[last]
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

func parseAtonPart(p string) (uint64, bool) {
	base := 10
	digits := p
	switch {
	case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
		base, digits = 16, p[2:] // "0x" alone is no number: strtoul stops at the x
	case len(p) > 1 && p[0] == '0':
		base, digits = 8, p[1:]
	}
	if digits == "" {
		return 0, false
	}
	v, err := strconv.ParseUint(digits, base, 32)
	return v, err == nil
}

// validHostname rejects names no resolver would find, so that hostile or
// malformed input never reaches DNS: over 253 bytes, empty or over-long
// labels, characters outside letters, digits, '-', '_' and '.'.
func validHostname(h string) bool {
	if len(h) == 0 || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// hostsFile is /etc/hosts as glibc's "files" source reads it: names match
// without regard to case, and a name listed only for the other family is
// not looked up in DNS. It is re-read when it changes.
var hostsFile = &hostsCache{path: "/etc/hosts"}

type hostsCache struct {
	path    string
	mu      sync.Mutex
	modTime time.Time
	size    int64
	byName  map[string][]netip.Addr
	lines   [][]string // every entry's fields in file order, for hostent.go
}

func (h *hostsCache) lookup(name string, family int) (addrs []netip.Addr, found bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refresh()
	all, found := h.byName[strings.ToLower(name)]
	for _, a := range all {
		if family == unix.AF_UNSPEC || addrFamily(a) == family {
			addrs = append(addrs, a)
		}
	}
	return addrs, found
}

func (h *hostsCache) refresh() {
	st, err := os.Stat(h.path)
	if err != nil {
		h.byName, h.lines = nil, nil
		return
	}
	if h.byName != nil && st.ModTime().Equal(h.modTime) && st.Size() == h.size {
		return
	}
	h.modTime, h.size = st.ModTime(), st.Size()
	h.byName, h.lines = make(map[string][]netip.Addr), nil
	ReadTableFile(h.path, func(fields []string) {
		h.lines = append(h.lines, fields)
		a, err := netip.ParseAddr(fields[0])
		if err != nil {
			return
		}
		a = a.WithZone("").Unmap()
		for _, name := range fields[1:] {
			key := strings.ToLower(name)
			h.byName[key] = append(h.byName[key], a)
		}
	})
}
