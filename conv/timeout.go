package conv

import (
	"math"
	"time"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
)

// NoTimeout stands for Python's timeout None: block without a deadline.
const NoTimeout time.Duration = -1

// Timeout converts a Python timeout (None, or seconds as int or float) as
// settimeout and setdefaulttimeout do: rounded up to whole nanoseconds,
// negative values a ValueError, NaN a ValueError, too large an OverflowError.
func Timeout(v starlark.Value) (time.Duration, error) {
	switch x := v.(type) {
	case starlark.NoneType:
		return NoTimeout, nil
	case starlark.Float:
		f := float64(x)
		if math.IsNaN(f) {
			return 0, builtins.Errorf(builtins.ValueError, "Invalid value NaN (not a number)")
		}
		ns := math.Ceil(f * 1e9)
		if f < 0 {
			ns = math.Floor(f * 1e9)
		}
		if !(ns >= math.MinInt64 && ns < math.MaxInt64) {
			return 0, builtins.Errorf(builtins.OverflowError, "timestamp out of range for platform time_t")
		}
		if ns < 0 {
			return 0, outOfRange()
		}
		return time.Duration(ns), nil
	case starlark.Int, starlark.Bool:
		n, err := Int(x, CLong)
		if err != nil || n > math.MaxInt64/int64(time.Second) || n < math.MinInt64/int64(time.Second) {
			return 0, builtins.Errorf(builtins.OverflowError, "timestamp too large to convert to C _PyTime_t")
		}
		if n < 0 {
			return 0, outOfRange()
		}
		return time.Duration(n) * time.Second, nil
	}
	return 0, NotAnInteger(v)
}

func outOfRange() error {
	return builtins.Errorf(builtins.ValueError, "Timeout value out of range")
}

// TimeoutValue is the Python value of a timeout, as gettimeout returns it.
func TimeoutValue(d time.Duration) starlark.Value {
	if d < 0 {
		return starlark.None
	}
	if d%time.Second == 0 {
		return starlark.Float(float64(d / time.Second))
	}
	return starlark.Float(float64(d) / 1e9)
}
