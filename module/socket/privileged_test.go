package socket_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// TestRawSockets runs testdata/privileged/raw.star where the process may
// open raw sockets (CAP_NET_RAW); elsewhere it skips, saying so.
func TestRawSockets(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP)
	if err != nil {
		t.Skipf("this process cannot open raw sockets (%v): it lacks CAP_NET_RAW", err)
	}
	unix.Close(fd)
	inst := socket.New(socket.Permissive)
	defer inst.Close()
	runScriptFile(t, inst, "../../testdata/privileged/raw.star")
}

// TestRawSocketsNeedPermission checks that an instance that does not allow
// raw sockets refuses them before asking the kernel.
func TestRawSocketsNeedPermission(t *testing.T) {
	inst := socket.New(socket.Options{})
	defer inst.Close()
	for _, src := range []string{
		"socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)",
		"socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 768)",
	} {
		err := run(context.Background(), inst, src, nil)
		var exc *builtins.Exception
		if !errors.As(err, &exc) || exc.Class() != builtins.PermissionError || !errors.Is(err, syscall.EPERM) {
			t.Errorf("%s: got %v, want PermissionError (EPERM)", src, err)
		}
	}
}

// TestCANAddresses binds an AF_CAN socket to a virtual CAN interface the
// test creates; it skips where the kernel has no CAN or no vcan.
func TestCANAddresses(t *testing.T) {
	fd, err := unix.Socket(unix.AF_CAN, unix.SOCK_RAW, unix.CAN_RAW)
	if err != nil {
		t.Skipf("the kernel offers no AF_CAN sockets: %v", err)
	}
	unix.Close(fd)
	const dev = "vcanstarsock"
	if out, err := exec.Command("ip", "link", "add", "dev", dev, "type", "vcan").CombinedOutput(); err != nil {
		t.Skipf("cannot create a vcan interface: %v: %s", err, strings.TrimSpace(string(out)))
	}
	defer exec.Command("ip", "link", "del", "dev", dev).Run()
	if out, err := exec.Command("ip", "link", "set", "up", dev).CombinedOutput(); err != nil {
		t.Fatalf("ip link set up: %v: %s", err, out)
	}
	inst := socket.New(socket.Permissive)
	defer inst.Close()
	err = run(context.Background(), inst, `
s = socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW)
s.bind((DEV,))
if s.getsockname() != (DEV,):
    fail("getsockname: %s" % repr(s.getsockname()))
s.close()
`, starlark.StringDict{"DEV": starlark.String(dev)})
	if err != nil {
		t.Fatal(err)
	}
}
