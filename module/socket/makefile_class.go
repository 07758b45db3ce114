package socket

import (
	"reflect"
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// The Starlark side of makefile's io classes: method tables with CPython's
// signatures, the argument converters and errors the classes share, repr
// and hashing.

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

// sizeOr is sizeArg as a converter for withSize.
func sizeOr(def int) func(starlark.Value) (int, error) {
	return func(v starlark.Value) (int, error) { return sizeArg(v, def) }
}

// withSize is the body of a method of one size argument, which convert
// reads (each method has CPython's converter, and its wording).
func withSize[F any](convert func(starlark.Value) (int, error), call func(F, *starlark.Thread, int) (starlark.Value, error)) func(F, *starlark.Thread, []starlark.Value) (starlark.Value, error) {
	return func(f F, thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
		n, err := convert(args[0])
		if err != nil {
			return nil, err
		}
		return call(f, thread, n)
	}
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
type ioClass[F ioValue] struct {
	qualified string // as attribute errors name it: "_io.BufferedReader"
	methods   map[string]*starlark.Builtin
	attrNames []string
}

// ioValue is a value of an io class: it remembers the thread of each
// call, for `for line in f` (see threadMemo).
type ioValue interface {
	starlark.Value
	remember(*starlark.Thread)
}

func newIOClass[F ioValue](qualified string, properties []string, table map[string]ioMethod[F]) *ioClass[F] {
	c := &ioClass[F]{qualified: qualified, methods: make(map[string]*starlark.Builtin, len(table))}
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
	return getter(get, func(b bool) starlark.Value { return starlark.Bool(b) })
}

func intMethod[F any](get func(F) (int, error)) func(F, *starlark.Thread, []starlark.Value) (starlark.Value, error) {
	return getter(get, func(n int) starlark.Value { return starlark.MakeInt(n) })
}

// getter is the body of a method without arguments that returns what get
// does, as a Starlark value.
func getter[F, T any](get func(F) (T, error), value func(T) starlark.Value) func(F, *starlark.Thread, []starlark.Value) (starlark.Value, error) {
	return func(f F, _ *starlark.Thread, _ []starlark.Value) (starlark.Value, error) {
		v, err := get(f)
		if err != nil {
			return nil, err
		}
		return value(v), nil
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
