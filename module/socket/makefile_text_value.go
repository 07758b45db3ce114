package socket

import (
	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
)

// TextIOWrapper as a Starlark value: attributes, methods, repr and
// iteration over lines.

var textIOWrapperClass = newIOClass("_io.TextIOWrapper",
	[]string{"buffer", "closed", "encoding", "errors", "line_buffering", "mode", "name", "newlines", "write_through"},
	map[string]ioMethod[*TextIOWrapper]{
		"close":    {cNone("TextIOWrapper", "close"), noneMethod((*TextIOWrapper).close)},
		"fileno":   {cNone("TextIOWrapper", "fileno"), intMethod(func(t *TextIOWrapper) (int, error) { return t.buffer.fileno() })},
		"flush":    {cNone("TextIOWrapper", "flush"), noneMethod((*TextIOWrapper).flush)},
		"isatty":   {cNone("TextIOWrapper", "isatty"), boolMethod(func(t *TextIOWrapper) (bool, error) { return t.buffer.isatty() })},
		"readable": {cNone("TextIOWrapper", "readable"), boolMethod(func(t *TextIOWrapper) (bool, error) { return t.buffer.readable() })},
		"seekable": {cNone("TextIOWrapper", "seekable"), boolMethod(func(t *TextIOWrapper) (bool, error) { return t.buffer.seekable() })},
		"writable": {cNone("TextIOWrapper", "writable"), boolMethod(func(t *TextIOWrapper) (bool, error) { return t.buffer.writable() })},
		"read":     {cArgs("TextIOWrapper", "read", "size?"), withSize(optionalSize, (*TextIOWrapper).read)},
		"readline": {cArgs("TextIOWrapper", "readline", "size?"), withSize(sizeOr(-1), (*TextIOWrapper).readline)},
		"readlines": {cArgs("TextIOWrapper", "readlines", "hint?"), func(t *TextIOWrapper, thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
			return readlines(thread, args[0], t.buffer.isClosed(), t.readline)
		}},
		"write": {cOne("TextIOWrapper", "write"), func(t *TextIOWrapper, thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
			n, err := t.write(thread, args[0])
			if err != nil {
				return nil, err
			}
			return starlark.MakeInt(n), nil
		}},
		"writelines": {cOne("TextIOWrapper", "writelines"), func(t *TextIOWrapper, thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
			return writelines(args[0], t.buffer.isClosed(), func(line starlark.Value) error {
				_, err := t.write(thread, line)
				return err
			})
		}},
	})

// String is CPython's repr: the name when the buffer has one, the mode,
// the encoding.
func (t *TextIOWrapper) String() string {
	name, _ := t.buffer.name()
	return fileRepr("TextIOWrapper", name, "mode="+builtins.PyRepr(t.mode), "encoding="+builtins.PyRepr(starlark.String(t.encoding)))
}

func (t *TextIOWrapper) Type() string          { return "TextIOWrapper" }
func (t *TextIOWrapper) Freeze()               {} // its state is under its locks
func (t *TextIOWrapper) Truth() starlark.Bool  { return starlark.True }
func (t *TextIOWrapper) Hash() (uint32, error) { return identityHash(t), nil }
func (t *TextIOWrapper) AttrNames() []string   { return textIOWrapperClass.attrNames }

func (t *TextIOWrapper) Iterate() starlark.Iterator {
	return newLineIterator(&t.threadMemo, t.buffer.isClosed, func(thread *starlark.Thread) (starlark.Value, error) {
		return t.readline(thread, -1)
	})
}

func (t *TextIOWrapper) Attr(name string) (starlark.Value, error) {
	switch name {
	case "buffer":
		return t.buffer, nil
	case "closed":
		return starlark.Bool(t.buffer.isClosed()), nil
	case "encoding":
		return starlark.String(t.encoding), nil
	case "errors":
		return starlark.String(t.errors), nil
	case "line_buffering", "write_through":
		return starlark.False, nil
	case "mode":
		return t.mode, nil
	case "name":
		return t.buffer.name()
	case "newlines":
		if !t.canRead || !t.readUniversal {
			return starlark.None, nil
		}
		t.readMu.Lock()
		defer t.readMu.Unlock()
		t.takeResets()
		return t.decoder.newlines(), nil
	}
	return textIOWrapperClass.attr(t, name)
}
