package builtins

import (
	"errors"
	"regexp"
	"strings"

	"go.starlark.net/starlark"
)

// Catch is the dialect's try/except:
//
//	value, err = catch(fn, *args, **kwargs)
//
// err is None when fn returns; otherwise value is None and err is the
// exception, as `except Exception as err` would bind it. Only subclasses of
// Exception are caught: SystemExit, KeyboardInterrupt and the thread's
// cancellation go on up, as in Python.
var Catch = starlark.NewBuiltin("catch", catch)

func catch(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 0 {
		return nil, Errorf(TypeError, "catch() missing 1 required positional argument: 'fn'")
	}
	v, err := starlark.Call(thread, args[0], args[1:], kwargs)
	if err == nil {
		return starlark.Tuple{v, starlark.None}, nil
	}
	if IsCancellation(err) {
		return nil, err
	}
	exc := AsException(err)
	if !exc.class.IsSubclass(ExceptionClass) {
		return nil, err
	}
	return starlark.Tuple{starlark.None, exc}, nil
}

// AsException returns the Python exception that err stands for: the
// *Exception inside it, or, for an error of the interpreter itself, an
// exception of the class CPython would raise for the same mistake.
func AsException(err error) *Exception {
	var exc *Exception
	if errors.As(err, &exc) {
		return exc
	}
	msg := err.Error()
	var ee *starlark.EvalError
	if errors.As(err, &ee) {
		// Report the innermost cause's text, not the wrapping frames'.
		if inner := errors.Unwrap(ee); inner != nil {
			msg = inner.Error()
		}
	}
	cls, text := classifyMessage(msg)
	return Errorf(cls, "%s", text).WithCause(err)
}

// interpreterErrors maps the interpreter's own messages to the class
// CPython raises for the same mistake.
var interpreterErrors = []struct {
	re  *regexp.Regexp
	cls *Class
}{
	{regexp.MustCompile(`(accepts|takes) (no|at most|at least|exactly|\d)|missing \d+ argument|missing argument for|unexpected keyword argument|multiple values for (parameter|argument)|got \d+ arguments?, want|does not accept keyword arguments`), TypeError},
	{regexp.MustCompile(`unsupported (binary|unary) operation|unknown binary op|invalid call of non-function|not iterable|unhashable|got \w+, want|not subscriptable|not a (string|list|dict)`), TypeError},
	{regexp.MustCompile(`has no \.\w+ field or method|can't assign to \.\w+ field`), AttributeError},
	{regexp.MustCompile(`division by zero|division or modulo by zero`), ZeroDivisionError},
	{regexp.MustCompile(`key .* not in `), KeyError},
	{regexp.MustCompile(`index .* out of range|out of range .*index`), IndexError},
	{regexp.MustCompile(`called recursively`), RecursionError},
	{regexp.MustCompile(`too large|overflow`), OverflowError},
	{regexp.MustCompile(`invalid literal|invalid syntax for|empty sequence|not in list|unknown encoding`), ValueError},
	{regexp.MustCompile(`undefined: `), NameError},
}

func classifyMessage(msg string) (*Class, string) {
	if rest, ok := strings.CutPrefix(msg, "fail: "); ok {
		return ExceptionClass, rest // fail(msg) is Python's raise Exception(msg)
	}
	for _, ie := range interpreterErrors {
		if ie.re.MatchString(msg) {
			return ie.cls, msg
		}
	}
	return RuntimeError, msg
}

// isThreadCancelled recognises the error the interpreter returns once
// Thread.Cancel was called (including "too many steps").
func isThreadCancelled(err error) bool {
	return strings.Contains(err.Error(), "Starlark computation cancelled")
}

// IsInstance is Python's isinstance(obj, classinfo) for exception classes
// and tuples of them; for Starlark's own types it accepts the builtins that
// name them (isinstance(3, int)).
var IsInstance = starlark.NewBuiltin("isinstance", isinstance)

func isinstance(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 {
		return nil, Errorf(TypeError, "isinstance() takes no keyword arguments")
	}
	if len(args) != 2 {
		return nil, Errorf(TypeError, "isinstance expected 2 arguments, got %d", len(args))
	}
	ok, err := isInstanceOf(args[0], args[1])
	if err != nil {
		return nil, err
	}
	return starlark.Bool(ok), nil
}

// builtinTypeNames maps the predeclared functions that stand for types to
// the Starlark type name their values carry.
var builtinTypeNames = map[string]string{
	"int": "int", "float": "float", "str": "string", "bool": "bool", "bytes": "bytes",
	"list": "list", "tuple": "tuple", "dict": "dict", "set": "set",
}

func isInstanceOf(obj, classinfo starlark.Value) (bool, error) {
	switch c := classinfo.(type) {
	case *Class:
		if e, ok := obj.(*Exception); ok {
			return e.class.IsSubclass(c), nil
		}
		return false, nil // a class is not an instance of an exception class
	case starlark.Tuple:
		for _, x := range c {
			ok, err := isInstanceOf(obj, x)
			if ok || err != nil {
				return ok, err
			}
		}
		return false, nil
	case *starlark.Builtin:
		if name, ok := builtinTypeNames[c.Name()]; ok && c.Receiver() == nil {
			if name == "int" {
				_, isBool := obj.(starlark.Bool)
				_, isInt := obj.(starlark.Int)
				return isInt || isBool, nil // bool subclasses int in Python
			}
			return obj.Type() == name, nil
		}
	case Typer:
		return c.IsInstance(obj), nil
	}
	return false, Errorf(TypeError, "isinstance() arg 2 must be a type, a tuple of types, or a union")
}

// Typer is a value that stands for a type (such as socket.socket) and can
// say whether a value is one of its instances.
type Typer interface {
	starlark.Value
	IsInstance(v starlark.Value) bool
}
