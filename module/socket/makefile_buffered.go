package socket

import (
	"bytes"
	"errors"
	"sync"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
)

// The buffered files of makefile, as CPython's Modules/_io/bufferedio.c
// behaves over a SocketIO: the same raw reads and writes of the same
// sizes, so that what a script sees (how much a read or peek returns,
// what a non-blocking socket does) is CPython's. Each holds a lock for
// its buffer across the raw call, as CPython's does; a BufferedRWPair's
// reader and writer have one each, so one thread may read while another
// writes.

// bufferedFile is what the three buffered classes share: the methods of
// their Starlark tables, and what a TextIOWrapper calls on its buffer.
type bufferedFile interface {
	starlark.Value
	remember(*starlark.Thread)
	isClosed() bool
	read(thread *starlark.Thread, n int) (starlark.Value, error) // bytes, or None when a non-blocking socket has nothing
	read1(thread *starlark.Thread, n int) (starlark.Bytes, error)
	readline(thread *starlark.Thread, limit int) (starlark.Value, error)
	write(thread *starlark.Thread, data []byte) (int, error)
	flush(thread *starlark.Thread) error
	close(thread *starlark.Thread) error
	readable() (bool, error)
	writable() (bool, error)
	seekable() (bool, error)
	isatty() (bool, error)
	fileno() (int, error)
	name() (starlark.Value, error) // an AttributeError for a BufferedRWPair
}

// fileBuffer is the buffer makefile returns in binary modes and wraps in
// a TextIOWrapper otherwise.
type fileBuffer = bufferedFile

var (
	_ bufferedFile = (*BufferedReader)(nil)
	_ bufferedFile = (*BufferedWriter)(nil)
	_ bufferedFile = (*BufferedRWPair)(nil)
)

// errWouldBlock is what a buffered write raises when a non-blocking
// socket takes no more. (CPython's also carries characters_written, which
// the dialect's exceptions have no room for.)
func errWouldBlock() error {
	return builtins.OSErrorf(unix.EAGAIN, "write could not complete without blocking")
}

// overRaw is what a BufferedReader and a BufferedWriter share: the raw
// stream under them, which answers most questions about the file.
type overRaw struct {
	threadMemo
	class string // "BufferedReader" or "BufferedWriter"
	raw   *SocketIO
	size  int
}

func (f *overRaw) String() string        { return fileRepr(f.class, f.raw.name()) }
func (f *overRaw) Type() string          { return f.class }
func (f *overRaw) Freeze()               {} // its state is under its lock
func (f *overRaw) Truth() starlark.Bool  { return starlark.True }
func (f *overRaw) Hash() (uint32, error) { return identityHash(f), nil }

func (f *overRaw) isClosed() bool                { return f.raw.closed.Load() }
func (f *overRaw) seekable() (bool, error)       { return f.raw.seekable() }
func (f *overRaw) isatty() (bool, error)         { return f.raw.isatty() }
func (f *overRaw) fileno() (int, error)          { return f.raw.fileno() }
func (f *overRaw) name() (starlark.Value, error) { return f.raw.name(), nil }

// attr is the attributes both classes have.
func (f *overRaw) attr(name string) (starlark.Value, bool) {
	switch name {
	case "closed":
		return starlark.Bool(f.isClosed()), true
	case "mode":
		return starlark.String(f.raw.mode), true
	case "name":
		return f.raw.name(), true
	case "raw":
		return f.raw, true
	}
	return nil, false
}

// --- BufferedReader ---

// BufferedReader is io.BufferedReader over a SocketIO.
type BufferedReader struct {
	overRaw

	mu  sync.Mutex
	buf []byte // what the buffer holds since its last reset; buf[pos:] is unread
	pos int
}

func newBufferedReader(raw *SocketIO, size int) *BufferedReader {
	return &BufferedReader{overRaw: overRaw{class: "BufferedReader", raw: raw, size: size}}
}

func (f *BufferedReader) ahead() int { return len(f.buf) - f.pos }

func (f *BufferedReader) reset() { f.buf, f.pos = f.buf[:0], 0 }

// fill is one raw read into the rest of the buffer. n is 0 at the end of
// the stream; ok is false when a non-blocking socket had nothing.
func (f *BufferedReader) fill(thread *starlark.Thread) (n int, ok bool, err error) {
	data, ok, err := f.raw.readinto(thread, f.size-len(f.buf))
	if err != nil || !ok {
		return 0, ok, err
	}
	f.buf = append(f.buf, data...)
	return len(data), true, nil
}

func (f *BufferedReader) take(n int) starlark.Bytes {
	b := starlark.Bytes(f.buf[f.pos : f.pos+n])
	f.pos += n
	return b
}

// read is BufferedReader.read: n bytes unless the stream ends or a
// non-blocking socket runs dry first; -1 reads to the end.
func (f *BufferedReader) read(thread *starlark.Thread, n int) (starlark.Value, error) {
	if n < -1 {
		return nil, builtins.Errorf(builtins.ValueError, "read length must be non-negative or -1")
	}
	if f.isClosed() {
		return nil, builtins.Errorf(builtins.ValueError, "read of closed file")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if n == -1 {
		return f.readAll(thread)
	}
	if n <= f.ahead() {
		return f.take(n), nil
	}
	return f.readGeneric(thread, n)
}

// readAll is what is buffered and then the raw stream's readall. As in
// CPython, an error loses what was buffered.
func (f *BufferedReader) readAll(thread *starlark.Thread) (starlark.Value, error) {
	buffered := append([]byte(nil), f.buf[f.pos:]...)
	f.reset()
	rest, err := f.raw.readall(thread)
	if err != nil {
		return nil, err
	}
	if len(buffered) == 0 {
		return rest, nil
	}
	if more, ok := rest.(starlark.Bytes); ok {
		buffered = append(buffered, more...)
	}
	return starlark.Bytes(buffered), nil
}

// readGeneric reads whole buffer-sized blocks straight from the raw
// stream, then fills the buffer for the rest, reading no more once n
// bytes are there (a socket may have nothing more to give).
func (f *BufferedReader) readGeneric(thread *starlark.Thread, n int) (starlark.Value, error) {
	out := append([]byte(nil), f.buf[f.pos:]...)
	remaining := n - len(out)
	f.reset()
	// ended is the return at the end of the stream, or when a
	// non-blocking socket has nothing (None if nothing was read at all).
	ended := func(eof bool) (starlark.Value, error) {
		if eof || len(out) > 0 {
			return starlark.Bytes(out), nil
		}
		return starlark.None, nil
	}
	for remaining > 0 {
		blocks := remaining - remaining%f.size
		if blocks == 0 {
			break
		}
		data, ok, err := f.raw.readinto(thread, blocks)
		if err != nil {
			return nil, err
		}
		if !ok || len(data) == 0 {
			return ended(ok)
		}
		out = append(out, data...)
		remaining -= len(data)
	}
	for remaining > 0 && len(f.buf) < f.size {
		got, ok, err := f.fill(thread)
		if err != nil {
			return nil, err
		}
		if !ok || got == 0 {
			return ended(ok)
		}
		chunk := f.take(min(got, remaining))
		out = append(out, chunk...)
		remaining -= len(chunk)
	}
	return starlark.Bytes(out), nil
}

// read1 is what is buffered, up to n bytes, or else one raw read of n.
func (f *BufferedReader) read1(thread *starlark.Thread, n int) (starlark.Bytes, error) {
	if n < 0 {
		n = f.size
	}
	if f.isClosed() {
		return "", builtins.Errorf(builtins.ValueError, "read of closed file")
	}
	if n == 0 {
		return "", nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if have := f.ahead(); have > 0 {
		return f.take(min(have, n)), nil
	}
	f.reset()
	data, _, err := f.raw.readinto(thread, n)
	return data, err
}

// peek is what is buffered, after one raw read if nothing is.
func (f *BufferedReader) peek(thread *starlark.Thread) (starlark.Bytes, error) {
	if f.isClosed() {
		return "", builtins.Errorf(builtins.ValueError, "peek of closed file")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ahead() == 0 {
		f.reset()
		if _, _, err := f.fill(thread); err != nil {
			return "", err
		}
	}
	return starlark.Bytes(f.buf[f.pos:]), nil
}

// readline is BufferedReader.readline: up to and including a newline, at
// most limit bytes when limit is not negative.
func (f *BufferedReader) readline(thread *starlark.Thread, limit int) (starlark.Value, error) {
	if f.isClosed() {
		return nil, builtins.Errorf(builtins.ValueError, "readline of closed file")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.ahead()
	if limit >= 0 && n > limit {
		n = limit
	}
	if i := bytes.IndexByte(f.buf[f.pos:f.pos+n], '\n'); i >= 0 {
		return f.take(i + 1), nil
	}
	if n == limit {
		return f.take(n), nil
	}
	line := []byte(f.take(n))
	if limit >= 0 {
		limit -= n
	}
	for {
		f.reset()
		got, ok, err := f.fill(thread)
		if err != nil {
			return nil, err
		}
		if !ok || got == 0 {
			break
		}
		if limit >= 0 && got > limit {
			got = limit
		}
		if i := bytes.IndexByte(f.buf[:got], '\n'); i >= 0 {
			line = append(line, f.take(i+1)...)
			break
		}
		line = append(line, f.buf[:got]...)
		if got == limit {
			f.pos = got
			break
		}
		if limit >= 0 {
			limit -= got
		}
	}
	return starlark.Bytes(line), nil
}

func (f *BufferedReader) write(*starlark.Thread, []byte) (int, error) {
	return 0, unsupported("write")
}

// flush of a reader is the raw stream's: nothing to do but a check.
func (f *BufferedReader) flush(*starlark.Thread) error { return f.raw.checkClosed() }

func (f *BufferedReader) close(*starlark.Thread) error {
	f.raw.close()
	return nil
}

func (f *BufferedReader) readable() (bool, error) { return f.raw.readable() }
func (f *BufferedReader) writable() (bool, error) { return false, nil }

// --- BufferedWriter ---

// BufferedWriter is io.BufferedWriter over a SocketIO.
type BufferedWriter struct {
	overRaw

	mu   sync.Mutex
	buf  []byte // data written and not yet sent: buf[sent:]
	sent int
}

func newBufferedWriter(raw *SocketIO, size int) *BufferedWriter {
	return &BufferedWriter{overRaw: overRaw{class: "BufferedWriter", raw: raw, size: size}}
}

// write buffers data, sending what the buffer cannot hold. On a
// non-blocking socket that takes no more, it keeps what fits in the
// buffer and raises BlockingIOError, as CPython does.
func (f *BufferedWriter) write(thread *starlark.Thread, data []byte) (int, error) {
	if f.isClosed() {
		return 0, builtins.Errorf(builtins.ValueError, "write to closed file")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(data) <= f.size-len(f.buf) {
		f.buf = append(f.buf, data...)
		return len(data), nil
	}
	if err := f.flushLocked(thread); err != nil {
		if !errors.Is(err, unix.EAGAIN) {
			return 0, err
		}
		f.buf = append(f.buf[:0], f.buf[f.sent:]...)
		f.sent = 0
		avail := f.size - len(f.buf)
		if len(data) <= avail {
			f.buf = append(f.buf, data...)
			return len(data), nil
		}
		f.buf = append(f.buf, data[:avail]...)
		return 0, errWouldBlock()
	}
	written := 0
	for len(data)-written > f.size {
		n, ok, err := f.raw.write(thread, data[written:])
		if err != nil {
			return 0, err
		}
		if !ok {
			f.buf = append(f.buf[:0], data[written:written+f.size]...)
			return 0, errWouldBlock()
		}
		written += n
	}
	f.buf = append(f.buf[:0], data[written:]...)
	return len(data), nil
}

// flushLocked sends the buffer; f.mu is held.
func (f *BufferedWriter) flushLocked(thread *starlark.Thread) error {
	for f.sent < len(f.buf) {
		n, ok, err := f.raw.write(thread, f.buf[f.sent:])
		if err != nil {
			return err
		}
		if !ok {
			return errWouldBlock()
		}
		f.sent += n
	}
	f.buf, f.sent = f.buf[:0], 0
	return nil
}

func (f *BufferedWriter) flush(thread *starlark.Thread) error {
	if f.isClosed() {
		return builtins.Errorf(builtins.ValueError, "flush of closed file")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.flushLocked(thread)
}

// close flushes, then closes the raw stream even if the flush failed,
// and raises the flush's error; what was not sent is dropped.
func (f *BufferedWriter) close(thread *starlark.Thread) error {
	if f.isClosed() {
		return nil
	}
	err := f.flush(thread)
	f.raw.close()
	f.mu.Lock()
	f.buf, f.sent = nil, 0
	f.mu.Unlock()
	return err
}

func (f *BufferedWriter) read(*starlark.Thread, int) (starlark.Value, error) {
	return nil, unsupported("read")
}

func (f *BufferedWriter) read1(*starlark.Thread, int) (starlark.Bytes, error) {
	return "", unsupported("read1")
}

// readline is IOBase's, which reads through read: unsupported.
func (f *BufferedWriter) readline(thread *starlark.Thread, limit int) (starlark.Value, error) {
	return ioBaseReadline(thread, limit, nil, f.read)
}

func (f *BufferedWriter) readable() (bool, error) { return false, nil }
func (f *BufferedWriter) writable() (bool, error) { return f.raw.writable() }

// --- BufferedRWPair ---

// BufferedRWPair is io.BufferedRWPair: a reader and a writer over the
// same SocketIO, what makefile gives for "rwb".
type BufferedRWPair struct {
	threadMemo
	reader *BufferedReader
	writer *BufferedWriter
}

func (f *BufferedRWPair) isClosed() bool { return f.writer.isClosed() }

func (f *BufferedRWPair) read(thread *starlark.Thread, n int) (starlark.Value, error) {
	return f.reader.read(thread, n)
}

func (f *BufferedRWPair) read1(thread *starlark.Thread, n int) (starlark.Bytes, error) {
	return f.reader.read1(thread, n)
}

func (f *BufferedRWPair) peek(thread *starlark.Thread) (starlark.Bytes, error) {
	return f.reader.peek(thread)
}

// readline is IOBase's: peek, then read up to the newline.
func (f *BufferedRWPair) readline(thread *starlark.Thread, limit int) (starlark.Value, error) {
	return ioBaseReadline(thread, limit, f.reader.peek, f.reader.read)
}

func (f *BufferedRWPair) write(thread *starlark.Thread, data []byte) (int, error) {
	return f.writer.write(thread, data)
}

func (f *BufferedRWPair) flush(thread *starlark.Thread) error { return f.writer.flush(thread) }

// close closes the writer, then the reader, and raises the writer's error.
func (f *BufferedRWPair) close(thread *starlark.Thread) error {
	err := f.writer.close(thread)
	f.reader.close(thread)
	return err
}

func (f *BufferedRWPair) readable() (bool, error) { return f.reader.readable() }
func (f *BufferedRWPair) writable() (bool, error) { return f.writer.writable() }
func (f *BufferedRWPair) seekable() (bool, error) { return false, nil }

func (f *BufferedRWPair) isatty() (bool, error) {
	if tty, err := f.writer.isatty(); tty || err != nil {
		return tty, err
	}
	return f.reader.isatty()
}

func (f *BufferedRWPair) fileno() (int, error) { return 0, unsupported("fileno") }

func (f *BufferedRWPair) name() (starlark.Value, error) {
	return nil, noNameError()
}
