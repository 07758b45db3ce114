package conv_test

import (
	"context"
	"net/netip"
	"testing"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/conv"
)

// The conversions every address-taking call makes (bind, connect,
// sendto) and every address-returning one (accept, recvfrom,
// getsockname): numeric hosts only, so that no benchmark resolves names.
var benchAddresses = []struct {
	name   string
	family int
	value  starlark.Value
}{
	{"inet", unix.AF_INET, starlark.Tuple{starlark.String("127.0.0.1"), starlark.MakeInt(8080)}},
	{"inet_any", unix.AF_INET, starlark.Tuple{starlark.String(""), starlark.MakeInt(0)}},
	{"inet6", unix.AF_INET6, starlark.Tuple{starlark.String("::1"), starlark.MakeInt(8080), starlark.MakeInt(0), starlark.MakeInt(0)}},
	{"inet6_short", unix.AF_INET6, starlark.Tuple{starlark.String("fe80::1"), starlark.MakeInt(8080)}},
	{"unix_path", unix.AF_UNIX, starlark.String("/tmp/starsock-bench.sock")},
	{"unix_abstract", unix.AF_UNIX, starlark.Bytes("\x00starsock-bench")},
}

// BenchmarkAddress is a Python address to kernel form.
func BenchmarkAddress(b *testing.B) {
	ctx := context.Background()
	for _, tc := range benchAddresses {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if _, err := conv.Address(ctx, tc.family, unix.SOCK_STREAM, tc.value, "connect"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkValue is a kernel address to the Python value a script sees.
func BenchmarkValue(b *testing.B) {
	for _, tc := range benchAddresses {
		sa, err := conv.Address(context.Background(), tc.family, unix.SOCK_STREAM, tc.value, "connect")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				sa.Value()
			}
		})
	}
}

// BenchmarkString is the form a host's policy and messages see.
func BenchmarkString(b *testing.B) {
	sa := conv.FromAddrPort(netip.MustParseAddrPort("127.0.0.1:8080"))
	b.ReportAllocs()
	for range b.N {
		_ = sa.String()
	}
}

// BenchmarkBytes is the data argument of send and sendall: it must not
// copy, whatever the size.
func BenchmarkBytes(b *testing.B) {
	for _, size := range []int{1, 64 << 10, 1 << 20} {
		var v starlark.Value = starlark.Bytes(make([]byte, size))
		b.Run(starlark.MakeInt(size).String(), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if _, err := conv.Bytes(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
