package socket

import (
	"sync/atomic"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
)

// What io.IOBase gives every file class: readline from read (and peek),
// readlines, writelines, and iteration over lines.

// ioBaseReadline is IOBase.readline: it peeks (when the stream can) to
// read up to a newline at once, else reads a byte at a time. As in
// CPython a peek is cut at limit, not at what the line still lacks.
func ioBaseReadline(thread *starlark.Thread, limit int, peek func(*starlark.Thread) (starlark.Bytes, error), read func(*starlark.Thread, int) (starlark.Value, error)) (starlark.Value, error) {
	var line []byte
	for limit < 0 || len(line) < limit {
		ahead := 1
		if peek != nil {
			peeked, err := peek(thread)
			if err != nil {
				return nil, err
			}
			if len(peeked) > 0 {
				n := 0
				for n < len(peeked) && (limit < 0 || n < limit) {
					n++
					if peeked[n-1] == '\n' {
						break
					}
				}
				ahead = n
			}
		}
		v, err := read(thread, ahead)
		if err != nil {
			return nil, err
		}
		chunk, ok := v.(starlark.Bytes)
		if !ok {
			return nil, builtins.Errorf(builtins.OSError, "read() should have returned a bytes object, not '%s'", builtins.PyTypeName(v))
		}
		if len(chunk) == 0 {
			break
		}
		line = append(line, chunk...)
		if line[len(line)-1] == '\n' {
			break
		}
	}
	return starlark.Bytes(line), nil
}

// readlines is IOBase.readlines(hint): lines until the end of the stream,
// or until their length passes hint when it is positive.
func readlines(thread *starlark.Thread, hintArg starlark.Value, closed bool, readline func(*starlark.Thread, int) (starlark.Value, error)) (starlark.Value, error) {
	hint, err := optionalSize(hintArg)
	if err != nil {
		return nil, err
	}
	if closed {
		return nil, errClosedFile()
	}
	var lines []starlark.Value
	total := 0
	for {
		line, err := readline(thread, -1)
		if err != nil {
			return nil, err
		}
		n := lineLength(line)
		if n == 0 {
			break
		}
		lines = append(lines, line)
		if hint > 0 {
			if n > hint-total {
				break
			}
			total += n
		}
	}
	return starlark.NewList(lines), nil
}

// lineLength is len(line) as Python counts it: bytes, or characters.
func lineLength(line starlark.Value) int {
	if s, ok := line.(starlark.String); ok {
		return charCount(string(s))
	}
	return starlark.Len(line)
}

// writelines is IOBase.writelines: write for each item of lines.
func writelines(lines starlark.Value, closed bool, write func(starlark.Value) error) (starlark.Value, error) {
	if closed {
		return nil, errClosedFile()
	}
	iter := starlark.Iterate(lines)
	if iter == nil {
		return nil, builtins.Errorf(builtins.TypeError, "'%s' object is not iterable", builtins.PyTypeName(lines))
	}
	defer iter.Done()
	var line starlark.Value
	for iter.Next(&line) {
		if err := write(line); err != nil {
			return nil, err
		}
	}
	return starlark.None, nil
}

// threadMemo remembers the thread that last used a file. Starlark gives
// an iteration no thread, so `for line in f` reads in the name of this
// one: its context interrupts the reads, and it stops when a read fails.
type threadMemo struct {
	last atomic.Pointer[starlark.Thread]
}

func (m *threadMemo) remember(thread *starlark.Thread) {
	if thread != nil {
		m.last.Store(thread)
	}
}

// lineIterator is `for line in f`: readline until it returns an empty
// line, as IOBase.__next__ does.
type lineIterator struct {
	thread   *starlark.Thread
	readline func(thread *starlark.Thread) (starlark.Value, error)
	done     bool
}

func newLineIterator(m *threadMemo, closed func() bool, readline func(*starlark.Thread) (starlark.Value, error)) *lineIterator {
	it := &lineIterator{thread: m.last.Load(), readline: readline}
	if closed() {
		// iter() of a closed file raises at once.
		it.readline = func(*starlark.Thread) (starlark.Value, error) { return nil, errClosedFile() }
	}
	return it
}

func (it *lineIterator) Next(p *starlark.Value) bool {
	if it.done {
		return false
	}
	line, err := it.readline(it.thread)
	if err != nil {
		// A for loop cannot raise, and ending it would pass a failed read
		// off as the end of the stream: the thread stops instead, as an
		// uncaught exception would stop it.
		it.done = true
		if it.thread != nil {
			it.thread.Cancel(err.Error())
		}
		return false
	}
	if starlark.Len(line) <= 0 {
		it.done = true
		return false
	}
	*p = line
	return true
}

func (it *lineIterator) Done() {}
