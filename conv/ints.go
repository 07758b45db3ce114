// Package conv translates between Starlark values and the Go forms a
// socket call needs (integers of C's sizes, byte buffers, timeouts, socket
// addresses) and back, raising the exception CPython raises for a value of
// the wrong type or range.
package conv

import (
	"math"
	"math/big"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
)

// CType is the C type CPython converts a Python int to; each words an
// out-of-range value differently.
type CType int

const (
	// CInt is a C int read with PyLong_AsInt: "Python int too large to
	// convert to C int".
	CInt CType = iota
	// ArgInt is a C int parsed by PyArg_ParseTuple's "i": "signed integer
	// is greater than maximum" / "less than minimum".
	ArgInt
	// CLong is a C long: "Python int too large to convert to C long".
	CLong
	// SSizeT is a Py_ssize_t: "Python int too large to convert to C ssize_t".
	SSizeT
	// CUnsignedInt is a C unsigned int parsed by "I", which wraps like C.
	CUnsignedInt
)

// Int converts v, an int or a bool as Python allows, to a Go integer in the
// range of the C type t.
func Int(v starlark.Value, t CType) (int64, error) {
	var n starlark.Int
	switch x := v.(type) {
	case starlark.Int:
		n = x
	case starlark.Bool:
		if x {
			return 1, nil
		}
		return 0, nil
	default:
		return 0, NotAnInteger(v)
	}
	i, ok := n.Int64()
	if t == CUnsignedInt {
		// "I" takes the low 32 bits without complaint, as C would.
		return int64(uint32(new(big.Int).And(n.BigInt(), big.NewInt(math.MaxUint32)).Uint64())), nil
	}
	if !ok {
		return 0, tooLarge(t)
	}
	switch t {
	case CInt:
		if i < math.MinInt32 || i > math.MaxInt32 {
			return 0, tooLarge(t)
		}
	case ArgInt:
		if i > math.MaxInt32 {
			return 0, builtins.Errorf(builtins.OverflowError, "signed integer is greater than maximum")
		}
		if i < math.MinInt32 {
			return 0, builtins.Errorf(builtins.OverflowError, "signed integer is less than minimum")
		}
	}
	return i, nil
}

func tooLarge(t CType) error {
	name := map[CType]string{CInt: "int", ArgInt: "long", CLong: "long", SSizeT: "ssize_t"}[t]
	return builtins.Errorf(builtins.OverflowError, "Python int too large to convert to C %s", name)
}

// NotAnInteger is the TypeError for a non-integer where CPython wants one.
func NotAnInteger(v starlark.Value) error {
	return builtins.Errorf(builtins.TypeError, "'%s' object cannot be interpreted as an integer", builtins.PyTypeName(v))
}
