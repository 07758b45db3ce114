package socket

import (
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/conv"
)

// Where a recv's data lands. The bytes value a script gets must be of the
// size that arrived, not of bufsize (a recv(65536) that gets one byte must
// not keep 64 KiB alive), yet copying what arrived out of a scratch buffer
// is a second pass over the data, the largest cost of a bulk receive after
// the kernel's own copy. So a receive reads straight into the memory the
// value will keep when that memory will be mostly filled:
//
//   - a small bufsize: a buffer of bufsize; at most smallReceive bytes
//     can go unused;
//   - a receive like the last one on the socket, which filled at least
//     half its buffer (bulk transfer): a fresh buffer of bufsize;
//
// and otherwise reads into a pooled scratch buffer and copies out exactly
// what arrived. A fresh buffer that came back less than half full is
// copied down too, so no value holds more than twice its size.
const smallReceive = 512

// scratchSize is the largest receive done through a pooled buffer; a
// larger bufsize asks the kernel how much is pending (receiveLarge).
const scratchSize = 64 << 10

// scratch holds the pooled buffers.
var scratch = sync.Pool{New: func() any { b := make([]byte, scratchSize); return &b }}

// receiveSizer remembers, per socket, whether the last receive was bulk:
// more than smallReceive bytes asked for, and at least half of them came.
type receiveSizer struct {
	lastBulk atomic.Bool
}

// buffer returns a buffer for a receive of up to bufsize bytes: fresh
// memory the value may keep, or, when pooled is not nil, scratch that goes
// back to the pool once value has copied the data out.
func (rs *receiveSizer) buffer(bufsize int) (buf []byte, pooled *[]byte) {
	switch {
	case bufsize <= smallReceive:
		return make([]byte, bufsize), nil
	case rs.lastBulk.Load():
		return uninitialized(bufsize), nil
	}
	bp := scratch.Get().(*[]byte)
	return (*bp)[:bufsize], bp
}

// value makes the bytes value of the n bytes received into buf, and learns
// from n for the next receive.
func (rs *receiveSizer) value(buf []byte, n int, pooled *[]byte) starlark.Bytes {
	if n > len(buf) {
		return truncated(buf, n)
	}
	filledHalf := 2*n >= len(buf)
	bulk := filledHalf && len(buf) > smallReceive
	if rs.lastBulk.Load() != bulk {
		rs.lastBulk.Store(bulk)
	}
	if pooled == nil && (filledHalf || len(buf) <= smallReceive) {
		return conv.OwnBytes(buf[:n])
	}
	return starlark.Bytes(buf[:n]) // copies the n bytes
}

// truncated is the value of a receive that reports more bytes than buf
// holds: with MSG_TRUNC a datagram socket returns the datagram's length.
// CPython returns that many bytes, buf's and then whatever its buffer held
// beyond them; here zeros.
func truncated(buf []byte, n int) starlark.Bytes {
	out := make([]byte, n)
	copy(out, buf)
	return conv.OwnBytes(out)
}

// uninitialized returns a buffer of n bytes that the allocator has not
// zeroed: the kernel overwrites what a receive returns, and the rest is
// never seen (the value's length is what arrived). strings.Builder is the
// standard library's way to such memory.
func uninitialized(n int) []byte {
	var b strings.Builder
	b.Grow(n)
	b.WriteByte(0)
	return unsafe.Slice(unsafe.StringData(b.String()), n)
}
