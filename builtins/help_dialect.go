package builtins

import (
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// A builtinDoc documents one of the dialect's builtins: how it is called
// and what it does, with Python's equivalent where the two differ.
type builtinDoc struct{ decl, doc string }

// dialectDocs document the dialect's predeclared functions and Starlark's
// universal ones, by name.
var dialectDocs = map[string]builtinDoc{
	"catch": {"catch(fn, /, *args, **kwargs)", `Call fn(*args, **kwargs) and return (value, None), or (None, err) if it
raised an exception.  This is starsock's try/except: Starlark has none.

    value, err = catch(socket.create_connection, ("127.0.0.1", 1))
    if isinstance(err, ConnectionRefusedError):
        ...

is Python's

    try:
        value = socket.create_connection(("127.0.0.1", 1))
    except ConnectionRefusedError as err:
        ...

Only subclasses of Exception are caught, as "except Exception" catches:
SystemExit, KeyboardInterrupt and the host's cancellation go on up.
fail(msg) raises Exception(msg).`},
	"isinstance": {"isinstance(obj, class_or_tuple, /)", `Return whether an object is an instance of a class or of a subclass thereof.

As Python's: the class may be an exception class (following the class
hierarchy: isinstance(err, OSError) is True for a ConnectionRefusedError),
socket.socket, one of int, float, str, bytes, bool, list, tuple, dict and
set, or a tuple of these.`},
	"print": {"print(*args, sep=' ', end='\\n', file=None, flush=False)", `Prints the values, as Python's print does: str() of each, separated by
sep and followed by end.  With file, the text goes to file.write (a file
made by sock.makefile("w")), and flush=True then calls file.flush().

starsock: with the default end the line goes through the host's Print
(the interpreter's standard output); any other end writes to standard
output directly.`},
	"str": {"str(...)", `str(object='') -> str
str(bytes, encoding='utf-8', errors='strict') -> str

Return a string version of object, as Python's str does: strings as they
are, everything else as repr() writes it ('127.0.0.1', b'data', 1e-05).
With an encoding or errors, decode bytes as bytes.decode() does.

starsock: "%s" % x and "{}".format(x) are Starlark's, not Python's: they
write b"data" and ("a", 1) where str() writes b'data' and ('a', 1).`},
	"repr": {"repr(obj, /)", `Return the canonical string representation of the object, as Python
writes it: 'text' in single quotes, b'bytes', ('127.0.0.1', 80), True,
None, exceptions as ConnectionRefusedError(111, 'Connection refused').

starsock: constants are plain ints, so repr(socket.AF_INET) is 2, not
<AddressFamily.AF_INET: 2>.`},
	"help": {"help(request=None)", `Print the documentation of an object, as Python's help does: a function's
signature and docstring, a class and its methods, a module's contents.
help("socket.recv") finds the object by name; help() tells how to use it.

starsock: no interactive help browser; the texts of the socket module are
CPython's, with notes where starsock differs.`},
	"abs":  {"abs(x, /)", "Return the absolute value of the argument, as Python's abs."},
	"all":  {"all(iterable, /)", "Return True if bool(x) is True for all values x in the iterable, as\nPython's all.  If the iterable is empty, return True."},
	"any":  {"any(iterable, /)", "Return True if bool(x) is True for any x in the iterable, as Python's any.\nIf the iterable is empty, return False."},
	"bool": {"bool(x=False, /)", "Return True when the argument x is true, False otherwise, as Python's bool."},
	"bytes": {"bytes(x, /)", `Return bytes made from x: a str (encoded as UTF-8), bytes, or an iterable
of ints in 0..255.

starsock: bytes(n) of an int is an error; Python's makes n zero bytes.
Use b"\x00" * n.  bytes(s, "utf-8") is s.encode("utf-8").`},
	"chr":  {"chr(i, /)", "Return a string of one character with Unicode code point i, as Python's chr."},
	"dict": {"dict(pairs=(), /, **kwargs)", "Return a new dictionary from key/value pairs and keyword arguments, as\nPython's dict."},
	"dir":  {"dir(object, /)", "Return the sorted names of the object's attributes and methods, as\nPython's dir(object); dir() with no argument is not supported."},
	"enumerate": {"enumerate(iterable, start=0)", `Return a list of (index, value) pairs, counting from start.

starsock: a list, where Python's enumerate returns an iterator.`},
	"fail": {"fail(*args, sep=' ')", `Stop the script with an error whose message is the arguments, joined by
sep.  Python's equivalent is raise Exception(msg): catch() gives the error
as an Exception whose str() is the message, and uncaught it ends the
script with a traceback.`},
	"float":   {"float(x=0.0, /)", "Convert a string or number to a floating point number, as Python's float."},
	"getattr": {"getattr(object, name, default=None, /)", "Get a named attribute from an object, as Python's getattr: getattr(x, 'y')\nis x.y.  With a default, it is returned when the attribute does not exist."},
	"hasattr": {"hasattr(obj, name, /)", "Return whether the object has an attribute with the given name, as\nPython's hasattr."},
	"hash": {"hash(obj, /)", `Return the hash value of a str or bytes.

starsock: Starlark's hash takes only str and bytes; Python's takes any
hashable object.`},
	"int":  {"int(x=0, /, base=10)", "Convert a number or string to an integer, as Python's int: int('0x10', 0)\nis 16, int(3.9) is 3."},
	"len":  {"len(obj, /)", "Return the number of items in a str, bytes, list, tuple, dict or set, as\nPython's len."},
	"list": {"list(iterable=(), /)", "Return a new list of the iterable's items, as Python's list."},
	"max": {"max(...)", `max(iterable, *, key=None) -> value
max(a, b, *args, key=None) -> value

Return the largest item of an iterable or the largest argument, as
Python's max.

starsock: no default= argument.`},
	"min": {"min(...)", `min(iterable, *, key=None) -> value
min(a, b, *args, key=None) -> value

Return the smallest item of an iterable or the smallest argument, as
Python's min.

starsock: no default= argument.`},
	"ord":   {"ord(c, /)", "Return the Unicode code point of a one-character string (or the value of\na one-byte bytes), as Python's ord."},
	"range": {"range(...)", "range(stop) -> range\nrange(start, stop[, step]) -> range\n\nReturn the sequence of integers from start (0) to stop (excluded) by step,\nas Python's range."},
	"reversed": {"reversed(sequence, /)", `Return the sequence's items in reverse order.

starsock: a list, where Python's reversed returns an iterator.`},
	"set":    {"set(iterable=(), /)", "Return a new set of the iterable's items, as Python's set."},
	"sorted": {"sorted(iterable, /, *, key=None, reverse=False)", "Return a new list containing all items from the iterable in ascending\norder, as Python's sorted."},
	"tuple":  {"tuple(iterable=(), /)", "Return a tuple of the iterable's items, as Python's tuple."},
	"type": {"type(object, /)", `Return the name of the object's type as a string: "int", "string",
"socket", "ConnectionRefusedError".

starsock: Python's type returns the class itself.  To test an object's
class, use isinstance(err, OSError) in both.`},
	"zip": {"zip(*iterables)", `Return a list of tuples, the i-th holding the i-th item of every
iterable, as long as the shortest.

starsock: a list, where Python's zip returns an iterator.`},
}

// typeBuiltins names the builtin documenting each Starlark type, for
// help(5) and help("text"): as in Python, help on a value is help on its
// type.
var typeBuiltins = map[string]string{
	"int": "int", "float": "float", "string": "str", "bytes": "bytes", "bool": "bool",
	"list": "list", "tuple": "tuple", "dict": "dict", "set": "set", "range": "range",
}

// dialectHelp documents the dialect's own values: its builtins and
// Starlark's, the exception classes and exceptions, the sys and time
// modules, functions a script defines, and values of Starlark's types.
func dialectHelp(v starlark.Value) (string, bool) {
	switch v := v.(type) {
	case *starlark.Builtin:
		return builtinHelp(v)
	case *Class:
		return classHelp(v, "Help on class "+v.name+" in module "+v.moduleName()+":"), true
	case *Exception:
		return classHelp(v.class, "Help on "+v.class.name+" object:"), true
	case *starlark.Function:
		return HelpPage("Help on function "+v.Name()+" in module __main__:", RoutineDoc(functionDecl(v), v.Doc())), true
	case *starlarkstruct.Module:
		return dialectModuleHelp(v)
	}
	if name, ok := typeBuiltins[v.Type()]; ok {
		d := dialectDocs[name]
		return HelpPage("Help on "+PyTypeName(v)+" object:", RoutineDoc(d.decl, d.doc)), true
	}
	return "", false
}

// builtinHelp documents the dialect's builtins by identity, so that a
// module's function of the same name is not taken for one of them.
func builtinHelp(b *starlark.Builtin) (string, bool) {
	name := b.Name()
	switch {
	case b == Catch || b == IsInstance || b == Print || b == Str || b == Repr || b == Help,
		b == starlark.Universe[name]:
		d, ok := dialectDocs[name]
		if !ok {
			return "", false
		}
		return HelpPage("Help on built-in function "+name+" in module builtins:", RoutineDoc(d.decl, d.doc)), true
	case name == "sys.exit" && b.Receiver() == nil:
		return cpythonFunctionPages["sys.exit"].String(), true
	}
	if m, ok := Time.Members[strings.TrimPrefix(name, "time.")]; ok && m == b {
		return cpythonFunctionPages[name].String(), true
	}
	return "", false
}

// functionDecl is a def's declaration line as pydoc writes it:
// f(a, b=1, *args, c, **kwargs).
func functionDecl(fn *starlark.Function) string {
	n, kwonly := fn.NumParams(), fn.NumKwonlyParams()
	var varargs, kwargs string
	if fn.HasKwargs() {
		n--
		name, _ := fn.Param(n)
		kwargs = "**" + name
	}
	if fn.HasVarargs() {
		n--
		name, _ := fn.Param(n)
		varargs = "*" + name
	}
	var params []string
	for i := 0; i < n; i++ {
		if i == n-kwonly {
			if varargs == "" {
				params = append(params, "*")
			} else {
				params = append(params, varargs)
				varargs = ""
			}
		}
		name, _ := fn.Param(i)
		if d := fn.ParamDefault(i); d != nil {
			name += "=" + PyRepr(d)
		}
		params = append(params, name)
	}
	if varargs != "" {
		params = append(params, varargs)
	}
	if kwargs != "" {
		params = append(params, kwargs)
	}
	return fn.Name() + "(" + strings.Join(params, ", ") + ")"
}

// dialectModuleHelp documents the sys and time modules, pydoc's page of a
// module cut to the parts a script has.
func dialectModuleHelp(m *starlarkstruct.Module) (string, bool) {
	var description, data string
	switch {
	case m == Time:
		description = "The part of Python's time module that socket scripts use."
	case m.Name == "sys" && m.Members["exit"] != nil:
		description = "The part of Python's sys module that scripts use: argv, the command\nline arguments (argv[0] is the script), and exit()."
		data = "argv = " + PyRepr(m.Members["argv"])
	default:
		return "", false
	}
	var functions []string
	for _, name := range m.Members.Keys() {
		if b, ok := m.Members[name].(*starlark.Builtin); ok {
			p := cpythonFunctionPages[b.Name()]
			functions = append(functions, RoutineDoc(p.Decl, p.Doc))
		}
	}
	text := "Help on module " + m.Name + ":\n\n" +
		ModuleSection("NAME", m.Name) +
		ModuleSection("DESCRIPTION", description) +
		ModuleSection("FUNCTIONS", strings.Join(functions, "\n"))
	if data != "" {
		text += ModuleSection("DATA", data)
	}
	return text, true
}

// undocumentedHelp is help(v) for a value nothing documents: its type, or
// for a builtin (a method of a str, say) its name as pydoc shows one
// without a docstring.
func undocumentedHelp(v starlark.Value) string {
	b, ok := v.(*starlark.Builtin)
	if !ok {
		return HelpPage("Help on "+PyTypeName(v)+" object:", RoutineDoc(PyRepr(v), ""))
	}
	decl := b.Name() + "(...)"
	if recv := b.Receiver(); recv != nil {
		decl += " method of builtins." + PyTypeName(recv) + " instance"
	}
	return HelpPage("Help on built-in function "+b.Name()+":", RoutineDoc(decl, ""))
}
