package socket

import (
	"reflect"
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// defaultBufferSize is io.DEFAULT_BUFFER_SIZE, the buffer of a file made
// with buffering None or negative, and the text layer's chunk size.
const defaultBufferSize = 8192

// makefile is socket.py's makefile(mode='r', buffering=None, *,
// encoding=None, errors=None, newline=None): a SocketIO raw stream, in a
// BufferedReader, BufferedWriter or BufferedRWPair unless buffering is 0,
// in a TextIOWrapper unless mode has "b". The arguments are checked in
// CPython's order, so a call with two mistakes reports the same one; a
// file is made only once all of them are good.
func (s *Socket) makefile(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	mode, err := parseFileMode(args[0])
	if err != nil {
		return nil, err
	}
	size, err := bufferSize(args[1])
	if err != nil {
		return nil, err
	}
	if size == 0 && !mode.binary {
		return nil, builtins.Errorf(builtins.ValueError, "unbuffered streams must be binary")
	}
	var text *textOptions
	if !mode.binary {
		if text, err = parseTextOptions(args[2], args[3], args[4]); err != nil {
			return nil, err
		}
	}

	raw := &SocketIO{sock: s, mode: mode.raw(), reading: mode.reading, writing: mode.writing}
	raw.remember(thread)
	s.increfIO()
	if size == 0 {
		return raw, nil
	}
	var buffer fileBuffer
	switch {
	case mode.reading && mode.writing:
		buffer = &BufferedRWPair{reader: newBufferedReader(raw, size), writer: newBufferedWriter(raw, size)}
	case mode.reading:
		buffer = newBufferedReader(raw, size)
	default:
		buffer = newBufferedWriter(raw, size)
	}
	buffer.remember(thread)
	if mode.binary {
		return buffer, nil
	}
	return newTextIOWrapper(thread, buffer, mode.text, text), nil
}

// fileMode is makefile's mode: any of the letters r, w and b, each any
// number of times, as socket.py checks it with set(mode).
type fileMode struct {
	text             starlark.Value // as given: TextIOWrapper.mode shows it
	reading, writing bool
	binary           bool
}

func parseFileMode(v starlark.Value) (fileMode, error) {
	if v == nil {
		v = starlark.String("r")
	}
	var letters string
	switch m := v.(type) {
	case starlark.String:
		letters = string(m)
	case starlark.Bytes:
		// set(b"r") holds ints, never a subset of the letters.
		if len(m) > 0 {
			return fileMode{}, invalidMode(v)
		}
	default:
		if _, ok := v.(starlark.Iterable); !ok {
			return fileMode{}, builtins.Errorf(builtins.TypeError, "'%s' object is not iterable", builtins.PyTypeName(v))
		}
		return fileMode{}, invalidMode(v)
	}
	if strings.Trim(letters, "rwb") != "" {
		return fileMode{}, invalidMode(v)
	}
	m := fileMode{text: v, writing: strings.Contains(letters, "w"), binary: strings.Contains(letters, "b")}
	m.reading = strings.Contains(letters, "r") || !m.writing
	return m, nil
}

func invalidMode(v starlark.Value) error {
	return builtins.Errorf(builtins.ValueError, "invalid mode %s (only r, w, b allowed)", builtins.PyRepr(v))
}

// raw is the SocketIO's mode: "rb", "wb" or "rwb".
func (m fileMode) raw() string {
	var b strings.Builder
	if m.reading {
		b.WriteByte('r')
	}
	if m.writing {
		b.WriteByte('w')
	}
	b.WriteByte('b')
	return b.String()
}

// bufferSize reads buffering as socket.py does: None or negative is the
// default size, 0 unbuffered, and anything else must then be a size for
// io.BufferedReader (a float compares with 0 but is no size).
func bufferSize(v starlark.Value) (int, error) {
	switch b := v.(type) {
	case nil, starlark.NoneType:
		return defaultBufferSize, nil
	case starlark.Int, starlark.Bool:
		if n, _ := intValue(b); n.Sign() < 0 {
			return defaultBufferSize, nil
		}
		n, err := conv.Int(b, conv.SSizeT)
		return int(n), err
	case starlark.Float:
		switch {
		case b < 0:
			return defaultBufferSize, nil
		case b == 0:
			return 0, nil
		}
		return 0, conv.NotAnInteger(b)
	}
	return 0, builtins.Errorf(builtins.TypeError, "'<' not supported between instances of '%s' and 'int'", builtins.PyTypeName(v))
}

// increfIO and decrefIO count the files made from the socket (socket.py's
// _io_refs): close() closes the descriptor only once they are all closed.
func (s *Socket) increfIO() {
	s.mu.Lock()
	s.ioRefs++
	s.mu.Unlock()
}

func (s *Socket) decrefIO() {
	s.mu.Lock()
	if s.ioRefs > 0 {
		s.ioRefs--
	}
	closeNow := s.closeRequested && s.ioRefs == 0
	s.mu.Unlock()
	if closeNow {
		s.release(true)
	}
}

// closeWaitsForFiles records the script's close(), socket.py's: the
// socket counts as closed from now on (its repr says so), and it reports
// whether files made by makefile still hold the descriptor open, in which
// case closing the last of them closes it. Instance.Close and
// Socket.Close do not wait for the files.
func (s *Socket) closeWaitsForFiles() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeRequested = true
	return s.ioRefs > 0
}

// closedForRepr reports whether repr shows the socket as [closed]: after
// close() or detach(), even while files keep the descriptor open.
func (s *Socket) closedForRepr() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed || s.closeRequested
}

// --- errors the io classes share ---

// errClosedFile is IOBase's check on a closed file.
func errClosedFile() error {
	return builtins.Errorf(builtins.ValueError, "I/O operation on closed file.")
}

// unsupported is io.UnsupportedOperation(msg). The dialect has no class
// that is both OSError and ValueError, so it is an OSError with
// CPython's message.
func unsupported(msg string) error {
	return builtins.Errorf(builtins.OSError, "%s", msg)
}

// --- argument conversions of the io classes ---

// optionalSize is CPython's _Py_convert_optional_to_ssize_t: an int, or
// None (or nothing) for -1.
func optionalSize(v starlark.Value) (int, error) {
	switch v.(type) {
	case nil, starlark.NoneType:
		return -1, nil
	case starlark.Int, starlark.Bool:
		n, err := conv.Int(v, conv.SSizeT)
		return int(n), err
	}
	return 0, builtins.Errorf(builtins.TypeError, "argument should be integer or None, not '%s'", builtins.PyTypeName(v))
}

// sizeArg is the "n" converter (Py_ssize_t, None not allowed), with def
// when the argument is absent.
func sizeArg(v starlark.Value, def int) (int, error) {
	if v == nil {
		return def, nil
	}
	n, err := conv.Int(v, conv.SSizeT)
	return int(n), err
}

// --- the Starlark side of the io classes ---

// ioMethod is a method of an io class: its CPython signature, which words
// a wrong call as CPython does, and its body.
type ioMethod[F any] struct {
	sig *builtins.Signature
	fn  func(f F, thread *starlark.Thread, args []starlark.Value) (starlark.Value, error)
}

// ioClass holds an io class's bound-on-access methods and the names dir()
// lists.
type ioClass[F interface {
	starlark.Value
	remember(*starlark.Thread)
}] struct {
	name      string // the type's __name__: "BufferedReader"
	qualified string // as attribute errors name it: "_io.BufferedReader"
	methods   map[string]*starlark.Builtin
	attrNames []string
}

func newIOClass[F interface {
	starlark.Value
	remember(*starlark.Thread)
}](name, qualified string, properties []string, table map[string]ioMethod[F]) *ioClass[F] {
	c := &ioClass[F]{name: name, qualified: qualified, methods: make(map[string]*starlark.Builtin, len(table))}
	for mname, m := range table {
		m := m
		c.methods[mname] = starlark.NewBuiltin(mname, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			bound, err := m.sig.Bind(args, kwargs)
			if err != nil {
				return nil, err
			}
			f := b.Receiver().(F)
			f.remember(thread)
			return m.fn(f, thread, bound)
		})
		c.attrNames = append(c.attrNames, mname)
	}
	c.attrNames = append(c.attrNames, properties...)
	sort.Strings(c.attrNames)
	return c
}

// attr returns the bound method name of f, or CPython's AttributeError.
func (c *ioClass[F]) attr(f F, name string) (starlark.Value, error) {
	if m := c.methods[name]; m != nil {
		return m.BindReceiver(f), nil
	}
	return nil, c.noAttr(name)
}

func (c *ioClass[F]) noAttr(name string) error {
	return builtins.Errorf(builtins.AttributeError, "'%s' object has no attribute '%s'", c.qualified, name)
}

// Signatures of the io classes' methods, in the styles CPython's are:
// cArgs for Argument Clinic's optional size ("read expected at most 1
// argument, got 2", "BufferedReader.read() takes no keyword arguments"),
// cOne and cNone for METH_O and METH_NOARGS, pyDef for socket.py's own.
func cArgs(class, name string, params ...string) *builtins.Signature {
	return &builtins.Signature{Name: name, Qualified: class + "." + name, Style: builtins.CArgs, Params: params,
		CountMessage: name + " expected at most 1 argument, got %d"}
}

func cOne(class, name string) *builtins.Signature {
	return &builtins.Signature{Name: class + "." + name, Style: builtins.COne}
}

func cNone(class, name string) *builtins.Signature {
	return &builtins.Signature{Name: class + "." + name, Style: builtins.CNone}
}

func pyDef(class, name string, params ...string) *builtins.Signature {
	return &builtins.Signature{Name: class + "." + name, Style: builtins.PyDef, Self: true, Params: params}
}

// Adapters from the io classes' Go methods to Starlark method bodies.

func boolMethod[F any](get func(F) (bool, error)) func(F, *starlark.Thread, []starlark.Value) (starlark.Value, error) {
	return func(f F, _ *starlark.Thread, _ []starlark.Value) (starlark.Value, error) {
		b, err := get(f)
		if err != nil {
			return nil, err
		}
		return starlark.Bool(b), nil
	}
}

func intMethod[F any](get func(F) (int, error)) func(F, *starlark.Thread, []starlark.Value) (starlark.Value, error) {
	return func(f F, _ *starlark.Thread, _ []starlark.Value) (starlark.Value, error) {
		n, err := get(f)
		if err != nil {
			return nil, err
		}
		return starlark.MakeInt(n), nil
	}
}

func noneMethod[F any](do func(F, *starlark.Thread) error) func(F, *starlark.Thread, []starlark.Value) (starlark.Value, error) {
	return func(f F, thread *starlark.Thread, _ []starlark.Value) (starlark.Value, error) {
		if err := do(f, thread); err != nil {
			return nil, err
		}
		return starlark.None, nil
	}
}

// fileRepr formats the repr of a buffered or text file: the name when the
// file has one, then the given fields.
func fileRepr(class string, name starlark.Value, fields ...string) string {
	var b strings.Builder
	b.WriteString("<_io." + class)
	if name != nil {
		b.WriteString(" name=" + builtins.PyRepr(name))
	}
	for _, f := range fields {
		b.WriteString(" " + f)
	}
	b.WriteString(">")
	return b.String()
}

// identityHash hashes an io object by identity, as Python does; the
// address is a stable stand-in.
func identityHash(p any) uint32 {
	return uint32(reflect.ValueOf(p).Pointer() >> 3)
}
