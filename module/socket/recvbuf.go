package socket

import (
	"strings"
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

// receiveSizer remembers, per socket, how full the last receive's buffer
// came back.
type receiveSizer struct {
	lastFilledHalf atomic.Bool
}

// buffer returns a buffer for a receive of up to bufsize bytes and whether
// it is fresh (the value may keep it) rather than pooled scratch; release
// returns scratch to the pool.
func (rs *receiveSizer) buffer(bufsize int) (buf []byte, fresh bool, release func()) {
	switch {
	case bufsize <= smallReceive:
		return make([]byte, bufsize), true, func() {}
	case rs.lastFilledHalf.Load():
		return uninitialized(bufsize), true, func() {}
	}
	bp := scratch.Get().(*[]byte)
	return (*bp)[:bufsize], false, func() { scratch.Put(bp) }
}

// value makes the bytes value of the n bytes received into buf, and learns
// from n for the next receive.
func (rs *receiveSizer) value(buf []byte, n int, fresh bool) starlark.Bytes {
	filledHalf := 2*n >= len(buf)
	if rs.lastFilledHalf.Load() != filledHalf {
		rs.lastFilledHalf.Store(filledHalf)
	}
	if fresh && (filledHalf || len(buf) <= smallReceive) {
		return conv.OwnBytes(buf[:n])
	}
	return starlark.Bytes(buf[:n]) // copies the n bytes
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
