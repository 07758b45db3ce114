package conv

import (
	"unsafe"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
)

// Bytes returns the contents of a bytes-like value without copying. The
// slice aliases an immutable Starlark value: callers only read it (send,
// sendall, setsockopt do).
func Bytes(v starlark.Value) ([]byte, error) {
	b, ok := v.(starlark.Bytes)
	if !ok {
		return nil, NotBytesLike(v)
	}
	return unsafe.Slice(unsafe.StringData(string(b)), len(b)), nil
}

// NotBytesLike is the TypeError for a value that is not bytes-like.
func NotBytesLike(v starlark.Value) error {
	return builtins.Errorf(builtins.TypeError, "a bytes-like object is required, not '%s'", builtins.PyTypeName(v))
}

// OwnBytes makes a Starlark bytes value from buf without copying. The
// caller gives up buf: nothing may write to it afterwards.
func OwnBytes(buf []byte) starlark.Bytes {
	if len(buf) == 0 {
		return ""
	}
	return starlark.Bytes(unsafe.String(&buf[0], len(buf)))
}
