package conv

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
)

// The host database as glibc's "files" source answers gethostbyname(3),
// gethostbyaddr(3) and getaddrinfo(3) from /etc/hosts. No lookup here ever
// asks DNS: where glibc would go on to DNS, the answer is the one it gives
// when DNS does not answer (TRY_AGAIN, EAI_AGAIN), or, for a name DNS would
// refuse to look up (res_hnok), not found.

// Hostent is a host database entry, as struct hostent holds it.
type Hostent struct {
	Name    string
	Aliases []string
	Addrs   []netip.Addr
}

// HErrno is a resolver error, as h_errno holds it.
type HErrno int

// The h_errno values (netdb.h).
const (
	HostNotFound HErrno = 1
	TryAgain     HErrno = 2
	NoRecovery   HErrno = 3
)

// HostByName is gethostbyname_r(3) for IPv4, in glibc's order: a name of
// only digits and dots is an address; then every /etc/hosts entry that
// names it, merged into the first as "multi on" does (their aliases and
// differing canonical names appended, then their addresses); then DNS.
func HostByName(name string) (*Hostent, HErrno) {
	if a, isNumber := digitsDots(name); isNumber {
		if !a.IsValid() {
			return nil, HostNotFound
		}
		return &Hostent{Name: name, Addrs: []netip.Addr{a}}, 0
	}
	var h *Hostent
	for _, fields := range hostsFile.entries() {
		a, ok := hostsAddr(fields[0], unix.AF_INET)
		if !ok || !namesHost(fields[1:], name) {
			continue
		}
		if h == nil {
			h = &Hostent{Name: fields[1], Aliases: slices.Clone(fields[2:]), Addrs: []netip.Addr{a}}
			continue
		}
		h.Aliases = append(h.Aliases, fields[2:]...)
		if fields[1] != h.Name {
			h.Aliases = append(h.Aliases, fields[1])
		}
		h.Addrs = append(h.Addrs, a)
	}
	if h != nil {
		return h, 0
	}
	if name == "" {
		return nil, NoRecovery
	}
	return nil, dnsOutcome(name)
}

// HostByAddr is gethostbyaddr_r(3): the first /etc/hosts entry with
// address a (IPv4 entries match an IPv4-mapped address, and ::1 matches
// 127.0.0.1, as glibc reads them for an IPv4 lookup), then DNS. The
// unspecified IPv6 address is never looked up.
func HostByAddr(a netip.Addr) (*Hostent, HErrno) {
	family := unix.AF_INET6
	if a.Is4() {
		family = unix.AF_INET
	}
	if a == netip.IPv6Unspecified() {
		return nil, HostNotFound
	}
	for _, fields := range hostsFile.entries() {
		if b, ok := hostsAddr(fields[0], family); ok && b == a {
			return &Hostent{Name: fields[1], Aliases: slices.Clone(fields[2:]), Addrs: []netip.Addr{b}}, 0
		}
	}
	return nil, TryAgain // a reverse lookup always goes on to DNS
}

// LookupHostLocal is getaddrinfo(3) for host and family (AF_INET or
// AF_UNSPEC), as glibc answers it from numeric forms and /etc/hosts, with
// AF_UNSPEC answers in the order glibc sorts them (RFC 3484) when no source
// address is known. A name found nowhere is socket.gaierror EAI_AGAIN,
// or EAI_NONAME for one DNS would not look up.
func LookupHostLocal(host string, family int) ([]netip.Addr, error) {
	if _, _, numeric := parseNumericHost(host); numeric {
		return LookupHost(context.Background(), host, family) // numeric: answered before any DNS
	}
	if family == unix.AF_INET {
		h, herr := HostByName(host) // glibc's getaddrinfo takes this path for AF_INET
		if h != nil {
			return h.Addrs, nil
		}
		return nil, gaiErrorFor(herr)
	}
	var addrs []netip.Addr
	for _, fields := range hostsFile.entries() {
		a, ok := hostsAddr(fields[0], unix.AF_UNSPEC)
		if ok && namesHost(fields[1:], host) && (family == unix.AF_UNSPEC || addrFamily(a) == family) {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return nil, gaiErrorFor(dnsOutcome(host))
	}
	slices.SortStableFunc(addrs, func(x, y netip.Addr) int {
		if px, py := precedence(x), precedence(y); px != py {
			return py - px // higher precedence first
		}
		return scope(x) - scope(y) // then the smaller scope
	})
	return addrs, nil
}

// eaiAgain is getaddrinfo's EAI_AGAIN: "Temporary failure in name resolution".
const eaiAgain = -3

func gaiErrorFor(herr HErrno) error {
	if herr == TryAgain {
		return builtins.NewGaiError(eaiAgain)
	}
	return builtins.NewGaiError(EAI_NONAME)
}

// dnsOutcome is what the DNS source answers here for a name /etc/hosts
// does not have: glibc sends no query for a name res_hnok rejects (not
// found); for any other there is no answer (TRY_AGAIN).
func dnsOutcome(name string) HErrno {
	if resHnok(name) {
		return TryAgain
	}
	return HostNotFound
}

// entries returns /etc/hosts' entries, each at least an address and a name.
func (h *hostsCache) entries() [][]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refresh()
	return h.lines
}

// namesHost reports whether name is one of an entry's names, compared as
// glibc's strcasecmp does: ASCII letters without regard to case.
func namesHost(names []string, name string) bool {
	for _, n := range names {
		if len(n) == len(name) && asciiFold(n) == asciiFold(name) {
			return true
		}
	}
	return false
}

func asciiFold(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// hostsAddr reads an /etc/hosts address for a lookup of family as glibc's
// parser does: inet_pton's strict forms only (no "127.1", no %scope); for
// AF_INET, an IPv4-mapped address is its IPv4 address and ::1 is
// 127.0.0.1; for AF_INET6, IPv4 entries do not count.
func hostsAddr(text string, family int) (netip.Addr, bool) {
	if strings.IndexByte(text, '%') >= 0 {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(text)
	if err != nil {
		return netip.Addr{}, false
	}
	switch {
	case family == unix.AF_UNSPEC, family == unix.AF_INET && a.Is4(), family == unix.AF_INET6 && a.Is6():
		return a, true
	case family == unix.AF_INET && a.Is4In6():
		return a.Unmap(), true
	case family == unix.AF_INET && a == netip.IPv6Loopback():
		return netip.AddrFrom4([4]byte{127, 0, 0, 1}), true
	}
	return netip.Addr{}, false
}

// digitsDots is glibc's shortcut for a name that starts with a digit and
// has only digits and dots, not ending in one: it is an IPv4 address in
// inet_aton's forms (a zero Addr if it is none), never looked up.
func digitsDots(name string) (a netip.Addr, isNumber bool) {
	if name == "" || name[0] < '0' || name[0] > '9' || name[len(name)-1] == '.' {
		return netip.Addr{}, false
	}
	for i := 0; i < len(name); i++ {
		if (name[i] < '0' || name[i] > '9') && name[i] != '.' {
			return netip.Addr{}, false
		}
	}
	a, _ = InetAton(name)
	return a, true
}

// resHnok is glibc's res_hnok: printable ASCII that ns_name_pton accepts
// as a domain name, whose labels hold only letters, digits, '-' and '_',
// the first not starting with '-'.
func resHnok(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] <= ' ' || name[i] > '~' {
			return false
		}
	}
	labels, ok := domainLabels(name)
	if !ok {
		return false
	}
	if len(labels) > 0 && strings.HasPrefix(labels[0], "-") {
		return false
	}
	for _, label := range labels {
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// domainLabels splits a domain name's text into labels as ns_name_pton
// does: "\DDD" and "\c" escapes, one trailing dot allowed ("." alone is the
// root), labels of 1 to 63 bytes, 255 bytes at most in wire form.
func domainLabels(name string) ([]string, bool) {
	var labels []string
	var label []byte
	wire := 1 // the root label's length byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '\\' && i+1 < len(name):
			i++
			c = name[i]
			if c >= '0' && c <= '9' {
				if i+2 >= len(name) || !isDigit(name[i+1]) || !isDigit(name[i+2]) {
					return nil, false
				}
				n := int(c-'0')*100 + int(name[i+1]-'0')*10 + int(name[i+2]-'0')
				if n > 255 {
					return nil, false
				}
				c, i = byte(n), i+2
			}
		case c == '\\':
			continue // a lone trailing backslash adds nothing
		case c == '.':
			last := i == len(name)-1 // a trailing dot ends the name
			if !last && (len(label) == 0 || name[i+1] == '.') {
				return nil, false
			}
			if len(label) > 0 {
				labels, wire = append(labels, string(label)), wire+len(label)+1
			}
			label = label[:0]
			continue
		}
		label = append(label, c)
		if len(label) > 63 {
			return nil, false
		}
	}
	if len(label) > 0 {
		labels, wire = append(labels, string(label)), wire+len(label)+1
	}
	return labels, wire <= 255
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// precedence is RFC 3484's default policy table, which glibc uses when
// /etc/gai.conf sets none; IPv4 addresses count as IPv4-mapped ones.
func precedence(a netip.Addr) int {
	switch {
	case a.Is4():
		return 10
	case a == netip.IPv6Loopback():
		return 50
	case a.As16()[0] == 0x20 && a.As16()[1] == 0x02:
		return 30 // 2002::/16, 6to4
	case a.Is4In6():
		return 10
	case [12]byte(a.AsSlice()[:12]) == [12]byte{}:
		return 20 // ::/96, IPv4-compatible
	}
	return 40
}

// scope is an address's scope as glibc's getaddrinfo ranks it.
func scope(a netip.Addr) int {
	b := a.As16()
	switch {
	case a.Is4() && (b[12] == 127 || b[12] == 169 && b[13] == 254):
		return 2 // loopback and link-local IPv4
	case a.Is4():
		return 14
	case a.IsMulticast():
		return int(b[1] & 0xf)
	case a.IsLinkLocalUnicast(), a == netip.IPv6Loopback():
		return 2
	case b[0] == 0xfe && b[1]&0xc0 == 0xc0:
		return 5 // site-local, fec0::/10
	}
	return 14
}
