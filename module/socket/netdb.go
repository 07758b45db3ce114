package socket

import (
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unicode"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// The network database functions: host names from /etc/hosts (never DNS:
// see conv/hostent.go), services from /etc/services, protocols from
// /etc/protocols, and sethostname.

// getnameinfo's flags (netdb.h), which x/sys/unix does not define.
const (
	ni_NUMERICHOST = 0x1
	ni_NUMERICSERV = 0x2
	ni_NOFQDN      = 0x4
	ni_NAMEREQD    = 0x8
	ni_DGRAM       = 0x10
	ni_KNOWN       = 0xff // with NI_IDN and the two deprecated IDN flags
)

// hstrerrors are glibc's hstrerror() messages, which socket.herror carries.
var hstrerrors = map[conv.HErrno]string{
	0:                 "Resolver Error 0 (no error)",
	conv.HostNotFound: "Unknown host",
	conv.TryAgain:     "Host name lookup failure",
	conv.NoRecovery:   "Unknown server error",
	4:                 "No address associated with name",
}

func newHError(code conv.HErrno) error {
	msg, ok := hstrerrors[code]
	if !ok {
		msg = "Unknown resolver error"
	}
	return builtins.NewException(builtins.HError, starlark.MakeInt(int(code)), starlark.String(msg))
}

// setipaddr turns a host into one address as CPython's setipaddr does:
// "" is the wildcard address, '<broadcast>' the IPv4 broadcast, numeric
// addresses are read as they are, names are looked up (without DNS).
func setipaddr(name string, family int) (netip.Addr, error) {
	switch name {
	case "":
		switch family {
		case unix.AF_INET:
			return netip.IPv4Unspecified(), nil
		case unix.AF_INET6:
			return netip.IPv6Unspecified(), nil
		}
		return netip.Addr{}, builtins.Errorf(builtins.OSError, "wildcard resolved to multiple address")
	case "255.255.255.255", "<broadcast>":
		if family != unix.AF_INET && family != unix.AF_UNSPEC {
			return netip.Addr{}, builtins.Errorf(builtins.OSError, "address family mismatched")
		}
		return netip.AddrFrom4([4]byte{255, 255, 255, 255}), nil
	}
	if a, ok := inetPton(name); ok && (family == unix.AF_UNSPEC || family == addrFamily(a)) {
		return a, nil
	}
	addrs, err := conv.LookupHostLocal(name, family)
	if err != nil {
		return netip.Addr{}, err
	}
	return addrs[0], nil
}

func addrFamily(a netip.Addr) int {
	if a.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// addrText is an address as inet_ntop writes it.
func addrText(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	return conv.InetNtop6(a.As16())
}

// hostentValue is CPython's (name, aliaslist, addresslist).
func hostentValue(h *conv.Hostent) starlark.Value {
	aliases := make([]starlark.Value, len(h.Aliases))
	for i, a := range h.Aliases {
		aliases[i] = starlark.String(a)
	}
	addrs := make([]starlark.Value, len(h.Addrs))
	for i, a := range h.Addrs {
		addrs[i] = starlark.String(addrText(a))
	}
	return starlark.Tuple{starlark.String(h.Name), starlark.NewList(aliases), starlark.NewList(addrs)}
}

func gethostbynameEx(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	name, err := encodedHostArg("gethostbyname_ex", args[0])
	if err != nil {
		return nil, err
	}
	if _, err := setipaddr(name, unix.AF_INET); err != nil {
		return nil, err
	}
	h, herr := conv.HostByName(name) // CPython looks the name up again, by name
	if h == nil {
		return nil, newHError(herr)
	}
	return hostentValue(h), nil
}

func gethostbyaddr(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	h, err := hostByAddrArg(args[0])
	if err != nil {
		return nil, err
	}
	return hostentValue(h), nil
}

// hostByAddrArg is gethostbyaddr's lookup: the argument resolved to an
// address, then the address to its host entry.
func hostByAddrArg(v starlark.Value) (*conv.Hostent, error) {
	name, err := encodedHostArg("gethostbyaddr", v)
	if err != nil {
		return nil, err
	}
	a, err := setipaddr(name, unix.AF_UNSPEC)
	if err != nil {
		return nil, err
	}
	h, herr := conv.HostByAddr(a.WithZone(""))
	if h == nil {
		return nil, newHError(herr)
	}
	return h, nil
}

// getfqdn is socket.py's: the first name of gethostbyaddr's answer that
// has a dot, else its canonical name, else the name given.
func getfqdn(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	var name starlark.Value
	var empty bool
	switch v := args[0].(type) {
	case nil:
		name, empty = starlark.String(""), true
	case starlark.String: // str.strip(): Python's whitespace
		s := strings.TrimFunc(string(v), func(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f })
		name, empty = starlark.String(s), s == "" || s == "0.0.0.0" || s == "::"
	case starlark.Bytes: // bytes.strip(): ASCII whitespace
		s := strings.Trim(string(v), " \t\n\r\v\f")
		name, empty = starlark.Bytes(s), s == ""
	default:
		return nil, builtins.Errorf(builtins.AttributeError, "'%s' object has no attribute 'strip'", builtins.PyTypeName(v))
	}
	if empty {
		host, err := os.Hostname()
		if err != nil {
			return nil, builtins.FromError(err)
		}
		name = starlark.String(host)
	}
	h, err := hostByAddrArg(name)
	if err != nil {
		if exc, ok := err.(*builtins.Exception); ok && exc.Class().IsSubclass(builtins.OSError) {
			return name, nil // socket.py catches socket.error
		}
		return nil, err
	}
	for _, n := range append([]string{h.Name}, h.Aliases...) {
		if strings.Contains(n, ".") {
			return starlark.String(n), nil
		}
	}
	return starlark.String(h.Name), nil
}

func getnameinfo(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	flags, err := conv.Int(args[1], conv.ArgInt)
	if err != nil {
		return nil, err
	}
	sa, ok := args[0].(starlark.Tuple)
	if !ok {
		return nil, builtins.Errorf(builtins.TypeError, "getnameinfo() argument 1 must be a tuple")
	}
	illegal := builtins.Errorf(builtins.TypeError, "getnameinfo(): illegal sockaddr argument")
	if len(sa) < 2 || len(sa) > 4 {
		return nil, illegal
	}
	host, ok := sa[0].(starlark.String)
	if !ok {
		return nil, illegal
	}
	if strings.IndexByte(string(host), 0) >= 0 {
		return nil, builtins.Errorf(builtins.ValueError, "embedded null character")
	}
	port, err := conv.Int(sa[1], conv.ArgInt)
	if err != nil {
		return nil, err
	}
	var flowinfo, scopeID int64 // "I": wrapped to 32 bits, as C does
	if len(sa) > 2 {
		if flowinfo, err = conv.Int(sa[2], conv.CUnsignedInt); err != nil {
			return nil, err
		}
	}
	if len(sa) > 3 {
		if scopeID, err = conv.Int(sa[3], conv.CUnsignedInt); err != nil {
			return nil, err
		}
	}
	if flowinfo > conv.MaxFlowinfo {
		return nil, builtins.Errorf(builtins.OverflowError, "getnameinfo(): flowinfo must be 0-1048575.")
	}
	// CPython reads the address with a numeric-only getaddrinfo.
	infos, err := lookupAddrinfo(builtins.ThreadContext(thread), host, starlark.String(strconv.FormatInt(port, 10)),
		unix.AF_UNSPEC, unix.SOCK_DGRAM, 0, ai_NUMERICHOST)
	if err != nil {
		return nil, err
	}
	if len(infos) > 1 {
		return nil, builtins.Errorf(builtins.OSError, "sockaddr resolved to multiple addresses")
	}
	ap, _ := infos[0].addr.AddrPort()
	if ap.Addr().Is4() && len(sa) != 2 {
		return nil, builtins.Errorf(builtins.OSError, "IPv4 sockaddr must be 2 tuple")
	}
	if flags&^ni_KNOWN != 0 {
		return nil, builtins.NewGaiError(conv.EAI_BADFLAGS)
	}
	name, err := nameinfoHost(ap.Addr().WithZone(""), uint32(scopeID), int(flags))
	if err != nil {
		return nil, err
	}
	return starlark.Tuple{starlark.String(name), starlark.String(nameinfoService(ap.Port(), int(flags)))}, nil
}

// nameinfoHost is getnameinfo(3)'s host part: the name /etc/hosts gives
// the address (the local domain cut off for NI_NOFQDN), else the address;
// scopeID is the IPv6 scope the caller's tuple gave.
func nameinfoHost(a netip.Addr, scopeID uint32, flags int) (string, error) {
	if flags&ni_NUMERICHOST == 0 {
		h, herr := conv.HostByAddr(a)
		if h != nil {
			if flags&ni_NOFQDN != 0 {
				return withoutLocalDomain(h.Name), nil
			}
			return h.Name, nil
		}
		if herr == conv.TryAgain {
			return "", builtins.NewGaiError(-3) // EAI_AGAIN
		}
	}
	if flags&ni_NAMEREQD != 0 {
		return "", builtins.NewGaiError(conv.EAI_NONAME)
	}
	text := addrText(a)
	if a.Is6() && scopeID != 0 {
		if a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() {
			if ifname, err := ifIndexToName(scopeID); err == nil {
				return text + "%" + ifname, nil
			}
		}
		text += "%" + strconv.FormatUint(uint64(scopeID), 10)
	}
	return text, nil
}

// withoutLocalDomain cuts ".<local domain>" off a host name, as glibc does
// for NI_NOFQDN: at the first place the domain occurs, if a dot precedes it.
func withoutLocalDomain(name string) string {
	domain := localDomain()
	if domain == "" {
		return name
	}
	if i := strings.Index(name, domain); i > 0 && name[i-1] == '.' {
		return name[:i-1]
	}
	return name
}

// localDomain is glibc's nrl_domainname: what follows the first dot of
// localhost's canonical name, else of the host name, else of the host
// name's canonical name, else of 127.0.0.1's name.
func localDomain() string {
	after := func(name string) (string, bool) {
		_, domain, ok := strings.Cut(name, ".")
		return domain, ok
	}
	if h, _ := conv.HostByName("localhost"); h != nil {
		if d, ok := after(h.Name); ok {
			return d
		}
	}
	host, err := os.Hostname()
	if err != nil {
		return ""
	}
	if d, ok := after(host); ok {
		return d
	}
	if h, _ := conv.HostByName(host); h != nil {
		if d, ok := after(h.Name); ok {
			return d
		}
	}
	if h, _ := conv.HostByAddr(netip.AddrFrom4([4]byte{127, 0, 0, 1})); h != nil {
		if d, ok := after(h.Name); ok {
			return d
		}
	}
	return ""
}

// nameinfoService is getnameinfo(3)'s service part: the port's name in
// /etc/services for TCP (UDP with NI_DGRAM), else its number.
func nameinfoService(port uint16, flags int) string {
	if flags&ni_NUMERICSERV == 0 {
		proto := "tcp"
		if flags&ni_DGRAM != 0 {
			proto = "udp"
		}
		if e, ok := services.serviceByPort(int(port), proto, true); ok {
			return e.names[0]
		}
	}
	return strconv.Itoa(int(port))
}

// serviceEntry is one line of /etc/services: its names (the official one
// first), port and protocol.
type serviceEntry struct {
	names []string
	port  int
	proto string
}

// serviceByName is getservbyname(3): the first entry with the name for proto, or
// for any protocol when hasProto is false.
func (t *serviceTable) serviceByName(name, proto string, hasProto bool) (serviceEntry, bool) {
	t.once.Do(t.load)
	for _, e := range t.lines {
		if hasProto && e.proto != proto {
			continue
		}
		for _, n := range e.names {
			if n == name {
				return e, true
			}
		}
	}
	return serviceEntry{}, false
}

// serviceByPort is getservbyport(3), in the same way.
func (t *serviceTable) serviceByPort(port int, proto string, hasProto bool) (serviceEntry, bool) {
	t.once.Do(t.load)
	for _, e := range t.lines {
		if e.port == port && (!hasProto || e.proto == proto) {
			return e, true
		}
	}
	return serviceEntry{}, false
}

// strArg reads an argument of CPython's "s" format: str only, without NUL.
func strArg(fname string, argn int, v starlark.Value) (string, error) {
	s, ok := v.(starlark.String)
	if !ok {
		name := builtins.PyTypeName(v)
		if v == starlark.None {
			name = "None"
		}
		return "", builtins.Errorf(builtins.TypeError, "%s() argument %d must be str, not %s", fname, argn, name)
	}
	if strings.IndexByte(string(s), 0) >= 0 {
		return "", builtins.Errorf(builtins.ValueError, "embedded null character")
	}
	return string(s), nil
}

// optProtoArg reads getservbyname's and getservbyport's optional protocol.
func optProtoArg(fname string, v starlark.Value) (proto string, given bool, err error) {
	if v == nil {
		return "", false, nil
	}
	proto, err = strArg(fname, 2, v)
	return proto, true, err
}

func getservbyname(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	name, err := strArg("getservbyname", 1, args[0])
	if err != nil {
		return nil, err
	}
	proto, hasProto, err := optProtoArg("getservbyname", args[1])
	if err != nil {
		return nil, err
	}
	e, ok := services.serviceByName(name, proto, hasProto)
	if !ok {
		return nil, builtins.Errorf(builtins.OSError, "service/proto not found")
	}
	return starlark.MakeInt(e.port), nil
}

func getservbyport(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	port, err := conv.Int(args[0], conv.ArgInt)
	if err != nil {
		return nil, err
	}
	proto, hasProto, err := optProtoArg("getservbyport", args[1])
	if err != nil {
		return nil, err
	}
	if port < 0 || port > 0xffff {
		return nil, builtins.Errorf(builtins.OverflowError, "getservbyport: port must be 0-65535.")
	}
	e, ok := services.serviceByPort(int(port), proto, hasProto)
	if !ok {
		return nil, builtins.Errorf(builtins.OSError, "port/proto not found")
	}
	return starlark.String(e.names[0]), nil
}

// protocolsPath is the protocols database; glibc has no built-in copy, so
// without the file every name is unknown.
const protocolsPath = "/etc/protocols"

func getprotobyname(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	name, err := strArg("getprotobyname", 1, args[0])
	if err != nil {
		return nil, err
	}
	number := -1
	conv.ReadTableFile(protocolsPath, func(fields []string) {
		if number >= 0 {
			return
		}
		n, err := strconv.Atoi(fields[1])
		if err != nil {
			return
		}
		for _, alias := range append(fields[:1:1], fields[2:]...) {
			if alias == name {
				number = n
				return
			}
		}
	})
	if number < 0 {
		return nil, builtins.Errorf(builtins.OSError, "protocol not found")
	}
	return starlark.MakeInt(number), nil
}

// sethostname renames the host, once the host program allows it.
func (in *Instance) sethostname(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	var name string
	switch v := args[0].(type) {
	case starlark.Bytes: // "S": taken as it is, NUL included
		name = string(v)
	default:
		var err error
		if name, err = fsPathArg(v); err != nil {
			return nil, err
		}
	}
	if err := in.allowSetHostname(name); err != nil {
		return nil, err
	}
	if err := unix.Sethostname([]byte(name)); err != nil {
		return nil, builtins.FromError(err)
	}
	return starlark.None, nil
}

// allowSetHostname asks the host: AllowSetHostname must be on and the
// Policy, if any, must not object.
func (in *Instance) allowSetHostname(name string) error {
	if !in.opts.AllowSetHostname {
		return builtins.OSErrorf(syscall.EPERM, "sethostname: changing the host name is not allowed by the host")
	}
	if in.opts.Policy == nil {
		return nil
	}
	if err := in.opts.Policy(Request{Op: "sethostname", Family: unix.AF_UNSPEC, Name: name}); err != nil {
		return builtins.OSErrorf(syscall.EACCES, "sethostname to %s is not allowed: %s", builtins.PyRepr(starlark.String(name)), err.Error())
	}
	return nil
}

// fsPathArg reads a str or bytes argument as CPython's
// PyUnicode_FSConverter does; a NUL is a ValueError.
func fsPathArg(v starlark.Value) (string, error) {
	var s string
	switch v := v.(type) {
	case starlark.String:
		s = string(v)
	case starlark.Bytes:
		s = string(v)
	default:
		return "", builtins.Errorf(builtins.TypeError, "expected str, bytes or os.PathLike object, not %s", builtins.PyTypeName(v))
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "", builtins.Errorf(builtins.ValueError, "embedded null byte")
	}
	return s, nil
}
