// Package builtins is the starsock dialect of Starlark: Python's exception
// classes as values, catch and isinstance (Starlark has no try/except), the
// argument checking that words mistakes as CPython does, and the file
// options and predeclared names of the dialect.
//
// It imports nothing of starsock's own; the socket module and the
// interpreter build on it.
package builtins

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
)

// Class is a Python exception class as a Starlark value. Classes compare by
// identity, so socket.timeout == TimeoutError holds because both names refer
// to one *Class.
type Class struct {
	name   string // __name__, e.g. "gaierror"
	module string // "" for builtins, "socket" for socket.gaierror
	base   *Class
}

var (
	_ starlark.Callable = (*Class)(nil)
	_ starlark.HasAttrs = (*Class)(nil)
)

func newClass(name, module string, base *Class) *Class {
	c := &Class{name: name, module: module, base: base}
	allClasses = append(allClasses, c)
	return c
}

var allClasses []*Class

// Python's exception classes, with CPython's hierarchy.
var (
	BaseException     = newClass("BaseException", "", nil)
	SystemExit        = newClass("SystemExit", "", BaseException)
	KeyboardInterrupt = newClass("KeyboardInterrupt", "", BaseException)
	ExceptionClass    = newClass("Exception", "", BaseException)

	ArithmeticError     = newClass("ArithmeticError", "", ExceptionClass)
	OverflowError       = newClass("OverflowError", "", ArithmeticError)
	ZeroDivisionError   = newClass("ZeroDivisionError", "", ArithmeticError)
	AttributeError      = newClass("AttributeError", "", ExceptionClass)
	EOFError            = newClass("EOFError", "", ExceptionClass)
	LookupError         = newClass("LookupError", "", ExceptionClass)
	IndexError          = newClass("IndexError", "", LookupError)
	KeyError            = newClass("KeyError", "", LookupError)
	NameError           = newClass("NameError", "", ExceptionClass)
	RuntimeError        = newClass("RuntimeError", "", ExceptionClass)
	NotImplementedError = newClass("NotImplementedError", "", RuntimeError)
	RecursionError      = newClass("RecursionError", "", RuntimeError)
	TypeError           = newClass("TypeError", "", ExceptionClass)
	ValueError          = newClass("ValueError", "", ExceptionClass)
	UnicodeError        = newClass("UnicodeError", "", ValueError)
	UnicodeDecodeError  = newClass("UnicodeDecodeError", "", UnicodeError)
	UnicodeEncodeError  = newClass("UnicodeEncodeError", "", UnicodeError)

	OSError                = newClass("OSError", "", ExceptionClass)
	BlockingIOError        = newClass("BlockingIOError", "", OSError)
	ChildProcessError      = newClass("ChildProcessError", "", OSError)
	ConnectionError        = newClass("ConnectionError", "", OSError)
	BrokenPipeError        = newClass("BrokenPipeError", "", ConnectionError)
	ConnectionAbortedError = newClass("ConnectionAbortedError", "", ConnectionError)
	ConnectionRefusedError = newClass("ConnectionRefusedError", "", ConnectionError)
	ConnectionResetError   = newClass("ConnectionResetError", "", ConnectionError)
	FileExistsError        = newClass("FileExistsError", "", OSError)
	FileNotFoundError      = newClass("FileNotFoundError", "", OSError)
	InterruptedError       = newClass("InterruptedError", "", OSError)
	IsADirectoryError      = newClass("IsADirectoryError", "", OSError)
	NotADirectoryError     = newClass("NotADirectoryError", "", OSError)
	PermissionError        = newClass("PermissionError", "", OSError)
	ProcessLookupError     = newClass("ProcessLookupError", "", OSError)
	TimeoutError           = newClass("TimeoutError", "", OSError)

	// The socket module's own classes; socket.error and socket.timeout are
	// the aliases OSError and TimeoutError.
	GaiError = newClass("gaierror", "socket", OSError)
	HError   = newClass("herror", "socket", OSError)
)

// Name returns the class's __name__ ("gaierror").
func (c *Class) Name() string { return c.name }

// QualifiedName is the name a traceback prints ("socket.gaierror", "OSError").
func (c *Class) QualifiedName() string {
	if c.module == "" {
		return c.name
	}
	return c.module + "." + c.name
}

func (c *Class) String() string        { return "<class '" + c.QualifiedName() + "'>" }
func (c *Class) Type() string          { return "type" }
func (c *Class) Freeze()               {} // immutable
func (c *Class) Truth() starlark.Bool  { return starlark.True }
func (c *Class) Hash() (uint32, error) { return starlark.String(c.QualifiedName()).Hash() }

// IsSubclass reports whether c is other or derives from it.
func (c *Class) IsSubclass(other *Class) bool {
	for k := c; k != nil; k = k.base {
		if k == other {
			return true
		}
	}
	return false
}

func (c *Class) Attr(name string) (starlark.Value, error) {
	switch name {
	case "__name__":
		return starlark.String(c.name), nil
	case "__qualname__":
		return starlark.String(c.name), nil
	case "__module__":
		if c.module == "" {
			return starlark.String("builtins"), nil
		}
		return starlark.String(c.module), nil
	case "__base__":
		if c.base == nil {
			return starlark.None, nil
		}
		return c.base, nil
	}
	return nil, Errorf(AttributeError, "type object '%s' has no attribute '%s'", c.name, name)
}

func (c *Class) AttrNames() []string {
	return []string{"__base__", "__module__", "__name__", "__qualname__"}
}

// CallInternal constructs an exception as CPython does: OSError(errno,
// strerror) yields the subclass the errno selects (OSError(111, "x") is a
// ConnectionRefusedError).
func (c *Class) CallInternal(thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 {
		return nil, Errorf(TypeError, "%s() takes no keyword arguments", c.name)
	}
	return NewException(c, args...), nil
}

// Exception is a raised or constructed Python exception. It is also a Go
// error whose Unwrap gives the Go cause (a syscall.Errno,
// os.ErrDeadlineExceeded, ...), so a host can use errors.Is and errors.As
// on what the interpreter returns.
type Exception struct {
	class    *Class
	args     starlark.Tuple
	errno    starlark.Value // None or Int, OSError family only
	strerror starlark.Value // None or String, OSError family only
	filename starlark.Value // None, or the third OSError argument
	cause    error
}

var (
	_ starlark.HasAttrs = (*Exception)(nil)
	_ error             = (*Exception)(nil)
)

// NewException builds an exception as calling cls(*args) does in CPython.
func NewException(cls *Class, args ...starlark.Value) *Exception {
	e := &Exception{class: cls, args: starlark.Tuple(args), errno: starlark.None, strerror: starlark.None, filename: starlark.None}
	if cls.IsSubclass(OSError) && len(args) >= 2 && len(args) <= 5 {
		// CPython keeps only (errno, strerror) in args once it has
		// recognised them, and picks the subclass from the errno.
		e.errno, e.strerror = args[0], args[1]
		if len(args) >= 3 {
			e.filename = args[2]
		}
		e.args = starlark.Tuple{args[0], args[1]}
		if cls == OSError {
			if n, ok := args[0].(starlark.Int); ok {
				if v, ok := n.Int64(); ok {
					e.class = classForErrno(int(v))
				}
			}
		}
	}
	return e
}

// Errorf returns an exception of class cls whose single argument is the
// formatted message, as raise cls("message") does.
func Errorf(cls *Class, format string, args ...any) *Exception {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return NewException(cls, starlark.String(msg))
}

// WithCause records the Go error that the exception stands for, so that
// errors.Is and errors.As see through it. It returns e.
func (e *Exception) WithCause(err error) *Exception {
	e.cause = err
	return e
}

// Class returns the exception's class.
func (e *Exception) Class() *Class { return e.class }

// Args returns the exception's args tuple.
func (e *Exception) Args() starlark.Tuple { return e.args }

// Errno returns the errno and whether there is one.
func (e *Exception) Errno() (int, bool) {
	if n, ok := e.errno.(starlark.Int); ok {
		if v, ok := n.Int64(); ok {
			return int(v), true
		}
	}
	return 0, false
}

// Type returns the class name, so type(err) == "ConnectionRefusedError".
func (e *Exception) Type() string          { return e.class.name }
func (e *Exception) Freeze()               { e.args.Freeze() }
func (e *Exception) Truth() starlark.Bool  { return starlark.True }
func (e *Exception) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: %s", e.class.name) }

// String is CPython's str(exc): "[Errno 111] Connection refused", "timed out".
func (e *Exception) String() string {
	if e.errno != starlark.None || e.strerror != starlark.None {
		if e.filename != starlark.None {
			return fmt.Sprintf("[Errno %s] %s: %s", PyStr(e.errno), PyStr(e.strerror), PyRepr(e.filename))
		}
		return fmt.Sprintf("[Errno %s] %s", PyStr(e.errno), PyStr(e.strerror))
	}
	switch len(e.args) {
	case 0:
		return ""
	case 1:
		if e.class.IsSubclass(KeyError) {
			return PyRepr(e.args[0])
		}
		return PyStr(e.args[0])
	}
	return PyRepr(e.args)
}

// Error is the line Python prints last in a traceback: "ClassName: message".
func (e *Exception) Error() string {
	msg := e.String()
	if msg == "" {
		return e.class.QualifiedName()
	}
	return e.class.QualifiedName() + ": " + msg
}

// Unwrap returns the Go cause, if any.
func (e *Exception) Unwrap() error { return e.cause }

func (e *Exception) Attr(name string) (starlark.Value, error) {
	switch name {
	case "args":
		return e.args, nil
	case "__class__":
		return e.class, nil
	}
	if e.class.IsSubclass(OSError) {
		switch name {
		case "errno":
			return e.errno, nil
		case "strerror":
			return e.strerror, nil
		case "filename":
			return e.filename, nil
		}
	}
	if e.class.IsSubclass(SystemExit) && name == "code" {
		switch len(e.args) {
		case 0:
			return starlark.None, nil
		case 1:
			return e.args[0], nil
		}
		return e.args, nil
	}
	return nil, Errorf(AttributeError, "'%s' object has no attribute '%s'", e.class.name, name)
}

func (e *Exception) AttrNames() []string {
	names := []string{"__class__", "args"}
	if e.class.IsSubclass(OSError) {
		names = append(names, "errno", "filename", "strerror")
	}
	if e.class.IsSubclass(SystemExit) {
		names = append(names, "code")
	}
	return names
}

// PyRepr is Python's repr(v) for plain data: strings in single quotes as
// Python writes them, bytes as b'...', True/False/None, tuples with the
// one-element comma. Other values fall back to Starlark's String.
func PyRepr(v starlark.Value) string {
	var b strings.Builder
	writeRepr(&b, v)
	return b.String()
}

func writeRepr(b *strings.Builder, v starlark.Value) {
	switch v := v.(type) {
	case starlark.String:
		writeQuoted(b, string(v), false)
	case starlark.Bytes:
		writeQuoted(b, string(v), true)
	case starlark.Tuple:
		b.WriteByte('(')
		for i, x := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, x)
		}
		if len(v) == 1 {
			b.WriteByte(',')
		}
		b.WriteByte(')')
	case *starlark.List:
		b.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, v.Index(i))
		}
		b.WriteByte(']')
	case starlark.Float:
		b.WriteString(PyFloatRepr(float64(v)))
	case *starlark.Dict:
		b.WriteByte('{')
		for i, item := range v.Items() {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, item[0])
			b.WriteString(": ")
			writeRepr(b, item[1])
		}
		b.WriteByte('}')
	case *starlark.Set:
		if v.Len() == 0 {
			b.WriteString("set()")
			return
		}
		b.WriteByte('{')
		iter := v.Iterate()
		defer iter.Done()
		var x starlark.Value
		for i := 0; iter.Next(&x); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, x)
		}
		b.WriteByte('}')
	case *Exception: // ValueError('x'): the args without a tuple's trailing comma
		b.WriteString(v.class.name)
		b.WriteByte('(')
		for i, x := range v.args {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, x)
		}
		b.WriteByte(')')
	default:
		b.WriteString(v.String())
	}
}

// writeQuoted writes s the way Python's repr quotes a str or bytes value.
func writeQuoted(b *strings.Builder, s string, isBytes bool) {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	if isBytes {
		b.WriteByte('b')
	}
	b.WriteByte(quote)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == quote || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f || (isBytes && c >= 0x80):
			fmt.Fprintf(b, `\x%02x`, c)
		case !isBytes && c >= 0x80:
			r, size := decodeRune(s[i:])
			if r < 0 { // invalid UTF-8 in a Starlark string
				fmt.Fprintf(b, `\x%02x`, c)
				i++
				continue
			}
			if r < 0xa0 || r == 0xad {
				fmt.Fprintf(b, `\x%02x`, r)
			} else {
				b.WriteString(s[i : i+size])
			}
			i += size
			continue
		default:
			b.WriteByte(c)
		}
		i++
	}
	b.WriteByte(quote)
}
