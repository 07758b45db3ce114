package socket

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// SocketIO is socket.py's SocketIO: the raw stream over a socket that
// makefile's buffered files read and write through, and what makefile
// returns for buffering=0. Reading is recv, writing send; a non-blocking
// socket with nothing to give reads None, and once a read times out the
// object refuses to read again, since the timeout may have cut a message.
type SocketIO struct {
	threadMemo
	sock     *Socket
	mode     string // "rb", "wb" or "rwb"
	reading  bool
	writing  bool
	closed   atomic.Bool
	timedOut atomic.Bool
}

var (
	_ starlark.HasAttrs = (*SocketIO)(nil)
	_ starlark.Iterable = (*SocketIO)(nil)
)

func (r *SocketIO) String() string        { return fmt.Sprintf("<socket.SocketIO object at %p>", r) }
func (r *SocketIO) Type() string          { return "SocketIO" }
func (r *SocketIO) Freeze()               {} // its state is the socket's and atomic
func (r *SocketIO) Truth() starlark.Bool  { return starlark.True }
func (r *SocketIO) Hash() (uint32, error) { return identityHash(r), nil }

func (r *SocketIO) Attr(name string) (starlark.Value, error) {
	switch name {
	case "closed":
		return starlark.Bool(r.closed.Load()), nil
	case "mode":
		return starlark.String(r.mode), nil
	case "name":
		return r.name(), nil
	}
	return socketIOClass.attr(r, name)
}

func (r *SocketIO) AttrNames() []string { return socketIOClass.attrNames }

func (r *SocketIO) Iterate() starlark.Iterator {
	return newLineIterator(&r.threadMemo, r.closed.Load, func(thread *starlark.Thread) (starlark.Value, error) {
		return r.readline(thread, -1)
	})
}

var socketIOClass = newIOClass("SocketIO", []string{"closed", "mode", "name"}, map[string]ioMethod[*SocketIO]{
	"close":      {pyDef("SocketIO", "close"), (*SocketIO).closeMethod},
	"fileno":     {pyDef("SocketIO", "fileno"), intMethod((*SocketIO).fileno)},
	"flush":      {cNone("SocketIO", "flush"), noneMethod(func(r *SocketIO, _ *starlark.Thread) error { return r.checkClosed() })},
	"isatty":     {cNone("SocketIO", "isatty"), boolMethod((*SocketIO).isatty)},
	"read":       {cArgs("SocketIO", "read", "size?"), withSize(sizeOr(-1), (*SocketIO).read)},
	"readable":   {pyDef("SocketIO", "readable"), boolMethod((*SocketIO).readable)},
	"readall":    {cNone("SocketIO", "readall"), (*SocketIO).readallMethod},
	"readline":   {cArgs("SocketIO", "readline", "size?"), withSize(optionalSize, (*SocketIO).readline)},
	"readlines":  {cArgs("SocketIO", "readlines", "hint?"), (*SocketIO).readlinesMethod},
	"seekable":   {pyDef("SocketIO", "seekable"), boolMethod((*SocketIO).seekable)},
	"writable":   {pyDef("SocketIO", "writable"), boolMethod((*SocketIO).writable)},
	"write":      {pyDef("SocketIO", "write", "b"), (*SocketIO).writeMethod},
	"writelines": {cOne("SocketIO", "writelines"), (*SocketIO).writelinesMethod},
})

// name is the descriptor, or -1 once the file is closed.
func (r *SocketIO) name() starlark.Value {
	if r.closed.Load() {
		return starlark.MakeInt(-1)
	}
	return starlark.MakeInt(r.sock.Fileno())
}

func (r *SocketIO) checkClosed() error {
	if r.closed.Load() {
		return errClosedFile()
	}
	return nil
}

// checkOpenSocket is the check of socket.py's readable, writable and
// seekable, worded differently from IOBase's.
func (r *SocketIO) checkOpenSocket() error {
	if r.closed.Load() {
		return builtins.Errorf(builtins.ValueError, "I/O operation on closed socket.")
	}
	return nil
}

// readinto is SocketIO.readinto with a buffer of n bytes: what one recv
// gives (empty at the end of the stream), or ok false when a non-blocking
// socket has nothing, where CPython returns None.
func (r *SocketIO) readinto(thread *starlark.Thread, n int) (data starlark.Bytes, ok bool, err error) {
	if err := r.checkClosed(); err != nil {
		return "", false, err
	}
	if !r.reading {
		return "", false, unsupported("File or stream is not readable.")
	}
	if r.timedOut.Load() {
		return "", false, builtins.Errorf(builtins.OSError, "cannot read from timed out object")
	}
	data, err = r.sock.receive(thread, "read", []starlark.Value{starlark.MakeInt(n), nil}, nil)
	switch {
	case err == nil:
		return data, true, nil
	case builtins.IsCancellation(err):
	case errors.Is(err, os.ErrDeadlineExceeded):
		r.timedOut.Store(true)
	case errors.Is(err, unix.EAGAIN):
		return "", false, nil
	}
	return "", false, err
}

// write is SocketIO.write: one send, or ok false when a non-blocking
// socket's buffer is full (None).
func (r *SocketIO) write(thread *starlark.Thread, data []byte) (n int, ok bool, err error) {
	if err := r.checkWritable(); err != nil {
		return 0, false, err
	}
	n, err = r.sock.sendOnce(thread, "write", data, 0, nil, time.Time{})
	if errors.Is(err, unix.EAGAIN) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, builtins.FromError(err)
	}
	return n, true, nil
}

func (r *SocketIO) checkWritable() error {
	if err := r.checkClosed(); err != nil {
		return err
	}
	if !r.writing {
		return unsupported("File or stream is not writable.")
	}
	return nil
}

// read is RawIOBase.read: readall for a negative size, else one readinto.
func (r *SocketIO) read(thread *starlark.Thread, n int) (starlark.Value, error) {
	if n < 0 {
		return r.readall(thread)
	}
	data, ok, err := r.readinto(thread, n)
	if err != nil {
		return nil, err
	}
	if !ok {
		return starlark.None, nil
	}
	return data, nil
}

// readall is RawIOBase.readall: reads of the default buffer size to the
// end of the stream; None if a non-blocking socket had nothing at all.
func (r *SocketIO) readall(thread *starlark.Thread) (starlark.Value, error) {
	var all []byte
	for {
		data, ok, err := r.readinto(thread, defaultBufferSize)
		if err != nil {
			return nil, err
		}
		if !ok && all == nil {
			return starlark.None, nil
		}
		if !ok || len(data) == 0 {
			return starlark.Bytes(all), nil
		}
		all = append(all, data...)
	}
}

// readline is IOBase.readline on a stream without peek: a byte at a time.
func (r *SocketIO) readline(thread *starlark.Thread, limit int) (starlark.Value, error) {
	return ioBaseReadline(thread, limit, nil, r.read)
}

// close is IOBase.close, then socket.py's: the socket learns that one
// file fewer holds it open.
func (r *SocketIO) close() {
	if r.closed.CompareAndSwap(false, true) {
		r.sock.decrefIO()
	}
}

// The checks and answers of socket.py's readable, writable and seekable,
// and IOBase's fileno and isatty.

func (r *SocketIO) readable() (bool, error) { return r.reading, r.checkOpenSocket() }
func (r *SocketIO) writable() (bool, error) { return r.writing, r.checkOpenSocket() }
func (r *SocketIO) seekable() (bool, error) { return false, r.checkOpenSocket() }
func (r *SocketIO) isatty() (bool, error)   { return false, r.checkClosed() }

func (r *SocketIO) fileno() (int, error) {
	if err := r.checkClosed(); err != nil {
		return 0, err
	}
	return r.sock.Fileno(), nil
}

// --- methods ---

func (r *SocketIO) closeMethod(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	r.close()
	return starlark.None, nil
}

func (r *SocketIO) readallMethod(thread *starlark.Thread, _ []starlark.Value) (starlark.Value, error) {
	return r.readall(thread)
}

func (r *SocketIO) readlinesMethod(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	return readlines(thread, args[0], r.closed.Load(), r.readline)
}

// writeMethod checks the file before the argument, as socket.py does.
func (r *SocketIO) writeMethod(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	if err := r.checkWritable(); err != nil {
		return nil, err
	}
	data, err := conv.Bytes(args[0])
	if err != nil {
		return nil, err
	}
	n, ok, err := r.write(thread, data)
	if err != nil {
		return nil, err
	}
	if !ok {
		return starlark.None, nil
	}
	return starlark.MakeInt(n), nil
}

func (r *SocketIO) writelinesMethod(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	return writelines(args[0], r.closed.Load(), func(line starlark.Value) error {
		_, err := r.writeMethod(thread, []starlark.Value{line})
		return err
	})
}
