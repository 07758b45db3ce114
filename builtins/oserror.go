package builtins

import (
	"context"
	"errors"
	"os"
	"strconv"
	"syscall"
	"unicode/utf8"

	"go.starlark.net/starlark"
)

// errnoClasses is CPython's errno -> OSError subclass table (PEP 3151).
var errnoClasses = map[syscall.Errno]*Class{
	syscall.EAGAIN:       BlockingIOError,
	syscall.EALREADY:     BlockingIOError,
	syscall.EINPROGRESS:  BlockingIOError,
	syscall.ECHILD:       ChildProcessError,
	syscall.EPIPE:        BrokenPipeError,
	syscall.ESHUTDOWN:    BrokenPipeError,
	syscall.ECONNABORTED: ConnectionAbortedError,
	syscall.ECONNREFUSED: ConnectionRefusedError,
	syscall.ECONNRESET:   ConnectionResetError,
	syscall.EEXIST:       FileExistsError,
	syscall.ENOENT:       FileNotFoundError,
	syscall.EISDIR:       IsADirectoryError,
	syscall.ENOTDIR:      NotADirectoryError,
	syscall.EINTR:        InterruptedError,
	syscall.EACCES:       PermissionError,
	syscall.EPERM:        PermissionError,
	syscall.ESRCH:        ProcessLookupError,
	syscall.ETIMEDOUT:    TimeoutError,
}

func classForErrno(errno int) *Class {
	if c, ok := errnoClasses[syscall.Errno(errno)]; ok {
		return c
	}
	return OSError
}

// Strerror is the C library's message for errno, as CPython shows it.
func Strerror(errno syscall.Errno) string {
	if s, ok := strerrors[int(errno)]; ok {
		return s
	}
	return "Unknown error " + strconv.Itoa(int(errno))
}

// NewOSError returns the OSError subclass CPython raises for errno, with
// CPython's strerror, unwrapping to errno itself.
func NewOSError(errno syscall.Errno) *Exception {
	e := NewException(OSError, starlark.MakeInt(int(errno)), starlark.String(Strerror(errno)))
	e.cause = errno
	return e
}

// OSErrorf returns an OSError subclass for errno with a message of the
// module's own (e.g. the open-socket cap), still unwrapping to errno.
func OSErrorf(errno syscall.Errno, format string, args ...any) *Exception {
	e := Errorf(OSError, format, args...)
	e.class = classForErrno(int(errno))
	e.errno = starlark.MakeInt(int(errno))
	e.strerror = e.args[0]
	e.args = starlark.Tuple{e.errno, e.strerror}
	e.cause = errno
	return e
}

// NewGaiError returns socket.gaierror for a getaddrinfo error code.
func NewGaiError(code int) *Exception {
	msg, ok := gaiStrerrors[code]
	if !ok {
		msg = "Unknown error"
	}
	return NewException(GaiError, starlark.MakeInt(code), starlark.String(msg))
}

// NewTimeout returns TimeoutError("timed out"), what CPython raises when a
// socket timeout expires. It unwraps to os.ErrDeadlineExceeded.
func NewTimeout() *Exception {
	return Errorf(TimeoutError, "timed out").WithCause(os.ErrDeadlineExceeded)
}

// FromError converts a Go error from a system call or the poller into the
// Python exception CPython raises for it. An *Exception is returned as is;
// cancellation is left alone (see IsCancellation) so that it stops the script.
func FromError(err error) error {
	if err == nil {
		return nil
	}
	var exc *Exception
	if errors.As(err, &exc) {
		return exc
	}
	if IsCancellation(err) {
		return err
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return NewTimeout()
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return NewOSError(errno)
	}
	if errors.Is(err, os.ErrClosed) {
		return NewOSError(syscall.EBADF)
	}
	return Errorf(OSError, "%s", err.Error()).WithCause(err)
}

// Cancelled is the error a blocking call returns when the context tied to
// its thread is done. It unwraps to the context's cause (context.Canceled
// unless the host gave another), and catch never swallows it.
type Cancelled struct {
	Op    string // the call that was interrupted, e.g. "recv"
	Cause error
}

func (c *Cancelled) Error() string { return c.Op + ": " + c.Cause.Error() }
func (c *Cancelled) Unwrap() error { return c.Cause }

// IsCancellation reports whether err stops the script rather than being
// an exception a script may catch: a cancelled context, or the thread's
// own cancellation (Thread.Cancel, too many steps).
func IsCancellation(err error) bool {
	var c *Cancelled
	if errors.As(err, &c) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	return isThreadCancelled(err)
}

// PyTypeName is the name Python gives v's type in messages ("str", not
// Starlark's "string").
func PyTypeName(v starlark.Value) string {
	switch v.(type) {
	case starlark.String:
		return "str"
	case *starlark.Builtin:
		return "builtin_function_or_method"
	case *starlark.Function:
		return "function"
	}
	return v.Type()
}

// PyFloatRepr formats f as Python's repr(float) does: shortest digits,
// positional between 1e-4 and 1e16, "inf", "nan".
func PyFloatRepr(f float64) string {
	switch {
	case f != f:
		return "nan"
	case f > 1e308 && f*2 == f:
		return "inf"
	case f < -1e308 && f*2 == f:
		return "-inf"
	}
	sci := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expStr := sci, "0"
	for i := 0; i < len(sci); i++ {
		if sci[i] == 'e' {
			mant, expStr = sci[:i], sci[i+1:]
		}
	}
	exp, _ := strconv.Atoi(expStr)
	if exp < -4 || exp >= 16 {
		if len(expStr) == 2 || (expStr[0] == '+' || expStr[0] == '-') && len(expStr) == 2 {
			return sci
		}
		sign := "+"
		if exp < 0 {
			sign, exp = "-", -exp
		}
		e := strconv.Itoa(exp)
		if len(e) < 2 {
			e = "0" + e
		}
		return mant + "e" + sign + e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s
		}
	}
	return s + ".0"
}

func decodeRune(s string) (rune, int) {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && size <= 1 {
		return -1, 1
	}
	return r, size
}
