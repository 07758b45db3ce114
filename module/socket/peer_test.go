package socket

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"unsafe"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// TestPeerAddress: recvfrom's address value is shared while the peer
// stays, sendto takes that value back without parsing it, and neither
// changes what a script sees: the policy is still asked, and an address
// sendto must refuse is still refused.
func TestPeerAddress(t *testing.T) {
	var asked []string
	inst := New(Options{Policy: func(r Request) error {
		asked = append(asked, r.Op+" "+r.Address.String())
		return nil
	}})
	defer inst.Close()
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := inst.newSocket(fd, unix.AF_INET6, unix.SOCK_DGRAM, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	thread := &starlark.Thread{Name: "test"}
	peer := func(port uint16, flowinfo uint32) *conv.Sockaddr {
		sa := conv.FromAddrPort(netip.AddrPortFrom(netip.IPv6Loopback(), port))
		r := (*unix.RawSockaddrInet6)(unsafe.Pointer(&sa.Raw))
		binary.BigEndian.PutUint32((*[4]byte)(unsafe.Pointer(&r.Flowinfo))[:], flowinfo)
		return sa
	}

	first := s.peerValue(peer(9, 0)).(starlark.Tuple)
	again := s.peerValue(peer(9, 0)).(starlark.Tuple)
	if &first[0] != &again[0] {
		t.Error("the same peer twice: two tuples, want one shared")
	}
	if want := `("::1", 9, 0, 0)`; first.String() != want {
		t.Errorf("value %s, want %s", first, want)
	}
	if sa := s.peerSockaddr(first); sa == nil || !sa.SameAs(peer(9, 0)) {
		t.Errorf("peerSockaddr of the shared tuple: %v", sa)
	}
	equal := starlark.Tuple{first[0], first[1], first[2], first[3]}
	if s.peerSockaddr(equal) != nil {
		t.Error("peerSockaddr took a tuple the script made (it must be parsed)")
	}
	if _, err := s.sendto(thread, []starlark.Value{starlark.Bytes("x"), first, nil}); err != nil {
		t.Fatalf("sendto the shared tuple: %v", err)
	}
	if want := "sendto [::1]:9"; len(asked) != 1 || asked[0] != want {
		t.Errorf("policy asked %q, want [%q]", asked, want)
	}

	other := s.peerValue(peer(10, 0)).(starlark.Tuple)
	if s.peerSockaddr(first) != nil || s.peerSockaddr(other) == nil {
		t.Error("after a new peer, the old tuple still maps to an address, or the new one does not")
	}

	// A flowinfo beyond 20 bits comes back from sendto as CPython's
	// OverflowError, not as the address it was made from.
	wide := s.peerValue(peer(9, 0x0fffffff))
	_, err = s.sendto(thread, []starlark.Value{starlark.Bytes("x"), wide, nil})
	exc, ok := err.(*builtins.Exception)
	if !ok || exc.Class() != builtins.OverflowError || exc.Error() != "OverflowError: sendto(): flowinfo must be 0-1048575." {
		t.Errorf("sendto with flowinfo 0x0fffffff: %v, want OverflowError", err)
	}
}
