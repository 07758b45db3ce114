package socket

import (
	"net"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
)

// Network interfaces by name and index.

func ifNameindex(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, builtins.FromError(err)
	}
	list := make([]starlark.Value, len(ifaces))
	for i, ifi := range ifaces {
		list[i] = starlark.Tuple{starlark.MakeInt(ifi.Index), starlark.String(ifi.Name)}
	}
	return starlark.NewList(list), nil
}

func ifNametoindex(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	name, err := fsPathArg(args[0])
	if err != nil {
		return nil, err
	}
	index, err := ifNameToIndex(name)
	if err != nil {
		return nil, builtins.Errorf(builtins.OSError, "no interface with this name")
	}
	return starlark.MakeUint64(uint64(index)), nil
}

func ifIndextoname(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	n, ok := intValue(args[0])
	if !ok {
		return nil, builtins.Errorf(builtins.TypeError, "an integer is required")
	}
	index, err := unsignedLong(n)
	if err != nil {
		return nil, err
	}
	name, err := ifIndexToName(uint32(index)) // C's unsigned int: the low 32 bits
	if err != nil {
		return nil, builtins.FromError(err)
	}
	return starlark.String(name), nil
}

// ifNameToIndex is if_nametoindex(3): SIOCGIFINDEX on a scratch socket.
func ifNameToIndex(name string) (uint32, error) {
	ifr, err := unix.NewIfreq(name) // refuses names of IFNAMSIZ bytes or more, as glibc does
	if err != nil {
		return 0, err
	}
	if err := interfaceIoctl(unix.SIOCGIFINDEX, ifr); err != nil {
		return 0, err
	}
	return ifr.Uint32(), nil
}

// ifIndexToName is if_indextoname(3): SIOCGIFNAME, an unknown index being
// ENXIO as POSIX wants (the kernel says ENODEV).
func ifIndexToName(index uint32) (string, error) {
	ifr, _ := unix.NewIfreq("")
	ifr.SetUint32(index)
	if err := interfaceIoctl(unix.SIOCGIFNAME, ifr); err != nil {
		if err == unix.ENODEV {
			return "", unix.ENXIO
		}
		return "", err
	}
	return ifr.Name(), nil
}

func interfaceIoctl(req uint, ifr *unix.Ifreq) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.IoctlIfreq(fd, req, ifr)
}
