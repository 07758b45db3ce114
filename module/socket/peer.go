package socket

import (
	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/conv"
)

// A socket remembers the peer of its last recvfrom, with the value it
// gave the script.
//
// A datagram server answers each datagram where it came from,
//
//	data, addr = s.recvfrom(n)
//	s.sendto(data, addr)
//
// mostly to the same peer as the datagram before. Building the
// (host, port) tuple for recvfrom takes three allocations, and reading it
// back in sendto three more and a parse of the host's text. So recvfrom
// returns the same tuple while the peer stays the same, and sendto (and
// every call that takes an address, through Socket.address), given that
// very tuple, uses the address it was made from. A tuple cannot
// change and Starlark has no identity test, so no script can tell one
// shared tuple from fresh ones. Only AF_INET and AF_INET6, whose values
// follow from the address's bytes alone.
type peerAddress struct {
	sa    conv.Sockaddr
	value starlark.Tuple
	// reversible: converting value back gives sa without an error
	// (conv.Sockaddr.Reversible); when not, the value is parsed and
	// refused as CPython refuses it.
	reversible bool
}

// peerValue returns the value of sa, an address recvfrom filled in.
func (s *Socket) peerValue(sa *conv.Sockaddr) starlark.Value {
	family := sa.Family()
	if family != unix.AF_INET && family != unix.AF_INET6 {
		return sa.Value()
	}
	if p := s.peer.Load(); p != nil && p.sa.SameAs(sa) {
		return p.value
	}
	p := &peerAddress{sa: *sa, value: sa.Value().(starlark.Tuple), reversible: sa.Reversible()}
	p.value.Freeze()
	s.peer.Store(p)
	return p.value
}

// peerSockaddr returns the address v was made from when v is the tuple
// peerValue last returned, else nil.
func (s *Socket) peerSockaddr(v starlark.Value) *conv.Sockaddr {
	t, ok := v.(starlark.Tuple)
	p := s.peer.Load()
	if !ok || p == nil || !p.reversible || len(t) != len(p.value) || &t[0] != &p.value[0] {
		return nil
	}
	return &p.sa
}
