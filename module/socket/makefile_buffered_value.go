package socket

import (
	"fmt"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// The buffered classes as Starlark values: attributes, methods, repr and
// iteration over lines.

var (
	bufferedReaderClass = newIOClass("_io.BufferedReader", []string{"closed", "mode", "name", "raw"},
		withPeek("BufferedReader", bufferedMethods[*BufferedReader]("BufferedReader")))
	bufferedWriterClass = newIOClass("_io.BufferedWriter", []string{"closed", "mode", "name", "raw"},
		bufferedMethods[*BufferedWriter]("BufferedWriter"))
	bufferedRWPairClass = newIOClass("_io.BufferedRWPair", []string{"closed"},
		withPeek("BufferedRWPair", bufferedMethods[*BufferedRWPair]("BufferedRWPair")))
)

var (
	_ starlark.HasAttrs = (*BufferedReader)(nil)
	_ starlark.Iterable = (*BufferedReader)(nil)
	_ starlark.HasAttrs = (*BufferedWriter)(nil)
	_ starlark.Iterable = (*BufferedWriter)(nil)
	_ starlark.HasAttrs = (*BufferedRWPair)(nil)
	_ starlark.Iterable = (*BufferedRWPair)(nil)
)

// bufferedMethods is the method table the three classes share, with
// CPython's signatures for class.
func bufferedMethods[F bufferedFile](class string) map[string]ioMethod[F] {
	return map[string]ioMethod[F]{
		"close":    {cNone(class, "close"), noneMethod(func(f F, thread *starlark.Thread) error { return f.close(thread) })},
		"fileno":   {cNone(class, "fileno"), intMethod(func(f F) (int, error) { return f.fileno() })},
		"flush":    {cNone(class, "flush"), noneMethod(func(f F, thread *starlark.Thread) error { return f.flush(thread) })},
		"isatty":   {cNone(class, "isatty"), boolMethod(func(f F) (bool, error) { return f.isatty() })},
		"readable": {cNone(class, "readable"), boolMethod(func(f F) (bool, error) { return f.readable() })},
		"seekable": {cNone(class, "seekable"), boolMethod(func(f F) (bool, error) { return f.seekable() })},
		"writable": {cNone(class, "writable"), boolMethod(func(f F) (bool, error) { return f.writable() })},
		"read": {cArgs(class, "read", "size?"), withSize(optionalSize, func(f F, thread *starlark.Thread, n int) (starlark.Value, error) {
			return f.read(thread, n)
		})},
		"read1": {cArgs(class, "read1", "size?"), withSize(sizeOr(-1), func(f F, thread *starlark.Thread, n int) (starlark.Value, error) {
			data, err := f.read1(thread, n)
			if err != nil {
				return nil, err
			}
			return data, nil
		})},
		"readline": {cArgs(class, "readline", "size?"), withSize(optionalSize, func(f F, thread *starlark.Thread, limit int) (starlark.Value, error) {
			return f.readline(thread, limit)
		})},
		"readlines": {cArgs(class, "readlines", "hint?"), func(f F, thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
			return readlines(thread, args[0], f.isClosed(), f.readline)
		}},
		"write": {cOne(class, "write"), func(f F, thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
			return writeBytes(f, thread, args[0])
		}},
		"writelines": {cOne(class, "writelines"), func(f F, thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
			return writelines(args[0], f.isClosed(), func(line starlark.Value) error {
				_, err := writeBytes(f, thread, line)
				return err
			})
		}},
	}
}

// writeBytes is a buffered file's write(b): a bytes-like object, checked
// before the file is.
func writeBytes(f bufferedFile, thread *starlark.Thread, v starlark.Value) (starlark.Value, error) {
	data, err := conv.Bytes(v)
	if err != nil {
		return nil, err
	}
	n, err := f.write(thread, data)
	if err != nil {
		return nil, err
	}
	return starlark.MakeInt(n), nil
}

// withPeek adds peek(size=0) to the table of a class that reads.
func withPeek[F interface {
	peek(*starlark.Thread) (starlark.Bytes, error)
}](class string, table map[string]ioMethod[F]) map[string]ioMethod[F] {
	table["peek"] = ioMethod[F]{cArgs(class, "peek", "size?"), withSize(sizeOr(0), func(f F, thread *starlark.Thread, _ int) (starlark.Value, error) {
		data, err := f.peek(thread)
		if err != nil {
			return nil, err
		}
		return data, nil
	})}
	return table
}

// iterateLines is iteration over a buffered file's lines.
func iterateLines(m *threadMemo, f bufferedFile) starlark.Iterator {
	return newLineIterator(m, f.isClosed, func(thread *starlark.Thread) (starlark.Value, error) {
		return f.readline(thread, -1)
	})
}

// --- BufferedReader ---

func (f *BufferedReader) AttrNames() []string        { return bufferedReaderClass.attrNames }
func (f *BufferedReader) Iterate() starlark.Iterator { return iterateLines(&f.threadMemo, f) }

func (f *BufferedReader) Attr(name string) (starlark.Value, error) {
	if v, ok := f.overRaw.attr(name); ok {
		return v, nil
	}
	return bufferedReaderClass.attr(f, name)
}

// --- BufferedWriter ---

func (f *BufferedWriter) AttrNames() []string        { return bufferedWriterClass.attrNames }
func (f *BufferedWriter) Iterate() starlark.Iterator { return iterateLines(&f.threadMemo, f) }

func (f *BufferedWriter) Attr(name string) (starlark.Value, error) {
	if v, ok := f.overRaw.attr(name); ok {
		return v, nil
	}
	return bufferedWriterClass.attr(f, name)
}

// --- BufferedRWPair ---

func (f *BufferedRWPair) String() string {
	return fmt.Sprintf("<_io.BufferedRWPair object at %p>", f)
}
func (f *BufferedRWPair) Type() string               { return "BufferedRWPair" }
func (f *BufferedRWPair) Freeze()                    {} // its state is under its halves' locks
func (f *BufferedRWPair) Truth() starlark.Bool       { return starlark.True }
func (f *BufferedRWPair) Hash() (uint32, error)      { return identityHash(f), nil }
func (f *BufferedRWPair) AttrNames() []string        { return bufferedRWPairClass.attrNames }
func (f *BufferedRWPair) Iterate() starlark.Iterator { return iterateLines(&f.threadMemo, f) }

func (f *BufferedRWPair) Attr(name string) (starlark.Value, error) {
	if name == "closed" {
		return starlark.Bool(f.isClosed()), nil
	}
	return bufferedRWPairClass.attr(f, name)
}

// noNameError is the AttributeError of a BufferedRWPair's name, which
// a TextIOWrapper over one passes on.
func noNameError() error {
	return builtins.Errorf(builtins.AttributeError, "'_io.BufferedRWPair' object has no attribute 'name'")
}
