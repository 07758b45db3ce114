package conv

import (
	"context"
	"encoding/binary"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/internal/nodns"
)

// The fuzz targets feed conv's converters arbitrary Starlark values built
// from the fuzz input and check that each answers with a value of the
// promised shape or with the Python exception CPython raises for such
// input, never a panic or a bare Go error. Their seed corpora are in
// testdata/fuzz/<Target>/; `make fuzz` runs them for longer.

func init() {
	// Fuzzed hosts are arbitrary strings, and those that look like names
	// would go to DNS.
	nodns.Install("conv's fuzz tests")
}

// valueReader decodes Starlark values from fuzz input: each value starts
// with a byte choosing its kind, followed by what that kind needs. Input
// that runs out reads as zero bytes, so every input decodes.
type valueReader struct{ data []byte }

func (r *valueReader) byte() byte {
	if len(r.data) == 0 {
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

func (r *valueReader) take(n int) []byte {
	n = min(n, len(r.data))
	b := r.data[:n]
	r.data = r.data[n:]
	return b
}

func (r *valueReader) uint64() uint64 {
	var b [8]byte
	copy(b[:], r.take(8))
	return binary.LittleEndian.Uint64(b[:])
}

// interestingStrings are hosts, paths and names at the edges of what the
// converters accept.
var interestingStrings = []string{
	"", "127.0.0.1", "localhost", "::1", "::1%lo", "::1%1", "fe80::1%lo", "::ffff:127.0.0.1",
	"<broadcast>", "255.255.255.255", "0x7f.1", "127.1", "2130706433", "1.2.3.4.5", "256.1.1.1",
	"0.0.0.0", "lo", "nosuch0", "\x00abstract", "/tmp/starsock.sock", "@name",
	strings.Repeat("p", 107), strings.Repeat("p", 108), "\x00" + strings.Repeat("a", 107),
	"\x00" + strings.Repeat("a", 108), "host\x00name", "\u2603", "\xff\xfe", strings.Repeat("a", 254),
}

var interestingInts = []int64{
	0, 1, -1, 80, 65535, 65536, -65536, 0xfffff, 0x100000, math.MaxInt32, math.MinInt32,
	math.MaxInt32 + 1, math.MinInt32 - 1, math.MaxUint32, math.MaxUint32 + 1, math.MaxInt64, math.MinInt64,
}

var interestingFloats = []float64{
	math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1e-10, 0.5, -0.5, 1e-9, 9.223372036854775e9,
	9.223372036854776e9, 1e300, -1e300, math.SmallestNonzeroFloat64, math.MaxFloat64,
}

const maxDepth = 4

func (r *valueReader) value(depth int) starlark.Value {
	switch r.byte() % 13 {
	case 0:
		return starlark.None
	case 1:
		return starlark.Bool(r.byte()&1 == 1)
	case 2:
		return starlark.MakeInt(int(int8(r.byte())))
	case 3:
		return starlark.MakeInt64(int64(r.uint64()))
	case 4: // up to 320 bits, either sign
		neg := r.byte()&1 == 1
		n := new(big.Int).SetBytes(r.take(int(r.byte() % 41)))
		if neg {
			n.Neg(n)
		}
		return starlark.MakeBigInt(n)
	case 5:
		return starlark.Float(math.Float64frombits(r.uint64()))
	case 6:
		return starlark.Float(interestingFloats[int(r.byte())%len(interestingFloats)])
	case 7:
		return starlark.String(r.take(int(r.byte())))
	case 8:
		return starlark.Bytes(r.take(int(r.byte())))
	case 9:
		s := interestingStrings[int(r.byte())%len(interestingStrings)]
		if r.byte()&1 == 1 {
			return starlark.Bytes(s)
		}
		return starlark.String(s)
	case 10:
		return starlark.MakeInt64(interestingInts[int(r.byte())%len(interestingInts)])
	case 11:
		return starlark.Tuple(r.values(depth))
	default:
		return starlark.NewList(r.values(depth))
	}
}

// values decodes up to five values for a tuple or list, none past maxDepth.
func (r *valueReader) values(depth int) []starlark.Value {
	n := int(r.byte() % 6)
	if depth >= maxDepth {
		n = 0
	}
	vs := make([]starlark.Value, n)
	for i := range vs {
		vs[i] = r.value(depth + 1)
	}
	return vs
}

// pythonError fails t unless err is a Python exception of one of classes.
func pythonError(t *testing.T, what string, err error, classes ...*builtins.Class) *builtins.Exception {
	t.Helper()
	exc, ok := err.(*builtins.Exception)
	if !ok {
		t.Fatalf("%s: got %T %v, want a Python exception", what, err, err)
	}
	for _, c := range classes {
		if exc.Class().IsSubclass(c) {
			return exc
		}
	}
	t.Fatalf("%s: raised %v, not one of %v", what, exc, classes)
	return nil
}

// addressFamilies are the families conv.Address converts for.
var addressFamilies = []int{unix.AF_INET, unix.AF_INET6, unix.AF_UNIX, unix.AF_NETLINK, unix.AF_PACKET, unix.AF_CAN}

var addressOps = []string{"bind", "connect", "sendto"}

// FuzzAddress converts arbitrary values as addresses of every family. An
// address that converts is in the kernel's layout for its family, and its
// Python value converts again to the same value.
func FuzzAddress(f *testing.F) {
	for fam := range addressFamilies {
		for _, seed := range [][]byte{
			{11, 2, 9, 1, 0, 10, 3},               // ("127.0.0.1", 80)
			{11, 4, 9, 3, 0, 10, 3, 10, 7, 10, 2}, // ("::1", 80, 0xfffff, -1)
			{9, 18, 1},                            // b"\x00abstract"
			{9, 19, 0},                            // "/tmp/starsock.sock"
			{11, 5, 9, 16, 0, 10, 1, 2, 0, 2, 1, 8, 3, 1, 2, 3}, // ("lo", 1, 0, 1, b"\x01\x02\x03")
			{11, 1, 9, 16, 0},                // ("lo",)
			{11, 2, 10, 5, 10, 13},           // (65536, 4294967295)
			{11, 2, 7, 3, 'a', 0, 'b', 6, 0}, // ("a\x00b", nan)
		} {
			f.Add(byte(fam), byte(0), seed)
		}
	}
	f.Fuzz(func(t *testing.T, famByte, opByte byte, data []byte) {
		family := addressFamilies[int(famByte)%len(addressFamilies)]
		op := addressOps[int(opByte)%len(addressOps)]
		r := &valueReader{data: data}
		v := r.value(0)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		sa, err := Address(ctx, family, unix.SOCK_STREAM, v, op)
		what := "Address(" + builtins.PyRepr(v) + ")"
		if err != nil {
			pythonError(t, what, err, builtins.TypeError, builtins.ValueError, builtins.OverflowError, builtins.OSError)
			return
		}
		if sa.Family() != family || sa.Len == 0 || sa.Len > Cap {
			t.Fatalf("%s: family %d, length %d; want family %d, length 1-%d", what, sa.Family(), sa.Len, family, Cap)
		}
		_ = sa.String()
		value := sa.Value()
		again, err := Address(ctx, family, unix.SOCK_STREAM, value, op)
		if err != nil {
			t.Fatalf("%s gave %s, which does not convert back: %v", what, builtins.PyRepr(value), err)
		}
		if eq, err := starlark.Equal(again.Value(), value); err != nil || !eq {
			t.Fatalf("%s gave %s, which converts back to %s", what, builtins.PyRepr(value), builtins.PyRepr(again.Value()))
		}
	})
}

// FuzzBytes: bytes are returned as they are; anything else is CPython's
// TypeError.
func FuzzBytes(f *testing.F) {
	for _, seed := range [][]byte{{8, 3, 'a', 0, 'b'}, {7, 1, 'x'}, {0}, {11, 0}, {12, 1, 8, 0}} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v := (&valueReader{data: data}).value(0)
		b, err := Bytes(v)
		if want, ok := v.(starlark.Bytes); ok {
			if err != nil || string(b) != string(want) {
				t.Fatalf("Bytes(%s) = %q, %v", builtins.PyRepr(v), b, err)
			}
			if got := OwnBytes(append([]byte(nil), b...)); got != want {
				t.Fatalf("OwnBytes(%q) = %q", b, got)
			}
			return
		}
		exc := pythonError(t, "Bytes("+builtins.PyRepr(v)+")", err, builtins.TypeError)
		if want := "a bytes-like object is required, not '" + builtins.PyTypeName(v) + "'"; exc.String() != want {
			t.Fatalf("Bytes(%s): %q, want %q", builtins.PyRepr(v), exc.String(), want)
		}
	})
}

// FuzzTimeout: None is no timeout; a number of seconds is a duration
// rounded up to whole nanoseconds; negative and NaN are ValueError, too
// large OverflowError, other types TypeError, as settimeout raises.
func FuzzTimeout(f *testing.F) {
	for _, seed := range [][]byte{{0}, {6, 0}, {6, 1}, {6, 4}, {6, 9}, {6, 10}, {10, 2}, {10, 15}, {4, 0, 9, 1, 0, 0, 0, 0, 0, 0, 0, 0}, {7, 0}, {1, 1}} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v := (&valueReader{data: data}).value(0)
		d, err := Timeout(v)
		what := "Timeout(" + builtins.PyRepr(v) + ")"
		switch x := v.(type) {
		case starlark.NoneType:
			if err != nil || d != NoTimeout {
				t.Fatalf("%s = %v, %v; want NoTimeout", what, d, err)
			}
		case starlark.Float:
			f := float64(x)
			switch ns := f * 1e9; {
			case math.IsNaN(f):
				pythonError(t, what, err, builtins.ValueError)
			case ns >= 0x1p63 || ns < -0x1p63:
				pythonError(t, what, err, builtins.OverflowError)
			case f < 0:
				pythonError(t, what, err, builtins.ValueError)
			case err != nil:
				t.Fatalf("%s: %v", what, err)
			case float64(d) < ns || float64(d) > ns+1+ns*1e-15:
				t.Fatalf("%s = %d ns, want %v s rounded up to whole nanoseconds", what, d, f)
			}
		case starlark.Int, starlark.Bool:
			n, _ := toBig(x)
			limit := big.NewInt(math.MaxInt64 / int64(time.Second))
			switch {
			case new(big.Int).Abs(n).Cmp(limit) > 0:
				pythonError(t, what, err, builtins.OverflowError)
			case n.Sign() < 0:
				pythonError(t, what, err, builtins.ValueError)
			case err != nil || d != time.Duration(n.Int64())*time.Second:
				t.Fatalf("%s = %v, %v; want %s s", what, d, err, n)
			}
		default:
			pythonError(t, what, err, builtins.TypeError)
		}
	})
}

// toBig returns an int or bool as a big.Int, and whether v is one.
func toBig(v starlark.Value) (*big.Int, bool) {
	switch x := v.(type) {
	case starlark.Bool:
		if x {
			return big.NewInt(1), true
		}
		return big.NewInt(0), true
	case starlark.Int:
		return x.BigInt(), true
	}
	return nil, false
}

// cTypeRanges are the ranges of the signed C types, and how CPython words
// a value outside them.
var cTypeRanges = map[CType]struct {
	lo, hi       int64
	below, above string
}{
	CInt:   {math.MinInt32, math.MaxInt32, "Python int too large to convert to C int", "Python int too large to convert to C int"},
	ArgInt: {math.MinInt32, math.MaxInt32, "signed integer is less than minimum", "signed integer is greater than maximum"},
	CLong:  {math.MinInt64, math.MaxInt64, "Python int too large to convert to C long", "Python int too large to convert to C long"},
	SSizeT: {math.MinInt64, math.MaxInt64, "Python int too large to convert to C ssize_t", "Python int too large to convert to C ssize_t"},
}

// FuzzInt converts arbitrary values to each C type and checks the result
// against the type's range: the value itself inside it, CPython's
// OverflowError outside, the low 32 bits for unsigned int, and a
// TypeError for what is not an int.
func FuzzInt(f *testing.F) {
	for ct := CInt; ct <= CUnsignedInt; ct++ {
		for _, seed := range [][]byte{{2, 5}, {10, 7}, {10, 9}, {10, 15}, {10, 16}, {4, 1, 9, 1, 0, 0, 0, 0, 0, 0, 0, 0}, {1, 1}, {5}, {7, 1, '1'}, {0}} {
			f.Add(byte(ct), seed)
		}
	}
	f.Fuzz(func(t *testing.T, typeByte byte, data []byte) {
		ct := CType(int(typeByte) % int(CUnsignedInt+1))
		v := (&valueReader{data: data}).value(0)
		got, err := Int(v, ct)
		what := "Int(" + builtins.PyRepr(v) + ", " + big.NewInt(int64(ct)).String() + ")"
		n, ok := toBig(v)
		if !ok {
			exc := pythonError(t, what, err, builtins.TypeError)
			if want := "'" + builtins.PyTypeName(v) + "' object cannot be interpreted as an integer"; exc.String() != want {
				t.Fatalf("%s: %q, want %q", what, exc.String(), want)
			}
			return
		}
		if ct == CUnsignedInt {
			want := new(big.Int).Mod(n, big.NewInt(1<<32)).Int64()
			if err != nil || got != want {
				t.Fatalf("%s = %d, %v; want %d", what, got, err, want)
			}
			return
		}
		r := cTypeRanges[ct]
		var wantMsg string
		switch {
		case !n.IsInt64() && ct == ArgInt:
			wantMsg = "Python int too large to convert to C long" // "i" reads a C long first
		case n.Cmp(big.NewInt(r.lo)) < 0:
			wantMsg = r.below
		case n.Cmp(big.NewInt(r.hi)) > 0:
			wantMsg = r.above
		}
		if wantMsg == "" {
			if err != nil || got != n.Int64() {
				t.Fatalf("%s = %d, %v; want %s", what, got, err, n)
			}
			return
		}
		if exc := pythonError(t, what, err, builtins.OverflowError); exc.String() != wantMsg {
			t.Fatalf("%s: %q, want %q", what, exc.String(), wantMsg)
		}
	})
}
