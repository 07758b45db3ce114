package builtins

import (
	"os"
	"strings"

	"go.starlark.net/starlark"
)

// Print, Str and Repr replace Starlark's own so that values look as they do
// in Python: ('127.0.0.1', 80), b'data', 1e-05. (Starlark writes
// ("127.0.0.1", 80) and b"data".) String formatting with % and .format
// still follows Starlark; the README lists that difference.
var (
	Print = starlark.NewBuiltin("print", pyPrint)
	Str   = starlark.NewBuiltin("str", pyStrBuiltin)
	Repr  = Builtin(&Signature{Name: "repr", Style: COne}, func(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
		return starlark.String(PyRepr(args[0])), nil
	})
)

// PyStr is Python's str(v): strings as they are, everything else as repr,
// exceptions and sockets as their own String.
func PyStr(v starlark.Value) string {
	switch v := v.(type) {
	case starlark.String:
		return string(v)
	case *Exception:
		return v.String()
	}
	return PyRepr(v)
}

func pyStrBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	vals, err := strSignature.Bind(args, kwargs)
	if err != nil {
		return nil, err
	}
	if vals[1] == nil && vals[2] == nil {
		if vals[0] == nil {
			return starlark.String(""), nil
		}
		return starlark.String(PyStr(vals[0])), nil
	}
	// str(data, encoding, errors) decodes, as data.decode(...) does.
	data, ok := vals[0].(starlark.Bytes)
	if !ok {
		if _, isStr := vals[0].(starlark.String); isStr {
			return nil, Errorf(TypeError, "decoding str is not supported")
		}
		return nil, Errorf(TypeError, "decoding to str: need a bytes-like object, %s found", PyTypeName(vals[0]))
	}
	encoding, err := optString(vals[1], "str", "encoding", "utf-8")
	if err != nil {
		return nil, err
	}
	errors, err := optString(vals[2], "str", "errors", "strict")
	if err != nil {
		return nil, err
	}
	s, err := Decode(string(data), encoding, errors)
	return starlark.String(s), err
}

var strSignature = &Signature{Name: "str", Style: Clinic, Params: []string{"object?", "encoding?", "errors?"}}

// pyPrint is print(*values, sep=' ', end='\n'). With the default end it
// goes through thread.Print, so an embedding host still receives it.
func pyPrint(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	sep, end := " ", "\n"
	var file starlark.Value = starlark.None
	flush := false
	for _, kv := range kwargs {
		key := string(kv[0].(starlark.String))
		switch key {
		case "sep", "end":
		case "flush":
			flush = bool(kv[1].Truth())
			continue
		case "file":
			file = kv[1]
			continue
		default:
			return nil, Errorf(TypeError, "'%s' is an invalid keyword argument for print()", key)
		}
		switch v := kv[1].(type) {
		case starlark.NoneType:
		case starlark.String:
			if key == "sep" {
				sep = string(v)
			} else {
				end = string(v)
			}
		default:
			return nil, Errorf(TypeError, "%s must be None or a string, not %s", key, PyTypeName(kv[1]))
		}
	}
	var line strings.Builder
	for i, v := range args {
		if i > 0 {
			line.WriteString(sep)
		}
		line.WriteString(PyStr(v))
	}
	if file != starlark.None {
		return starlark.None, printToFile(thread, file, line.String()+end, flush)
	}
	if end == "\n" && thread.Print != nil {
		thread.Print(thread, line.String())
		return starlark.None, nil
	}
	line.WriteString(end)
	os.Stdout.WriteString(line.String())
	return starlark.None, nil
}

// printToFile is print(..., file=f): the text goes to f.write, as Python
// does, so print works on a file made by sock.makefile("w").
func printToFile(thread *starlark.Thread, file starlark.Value, text string, flush bool) error {
	call := func(method string, args ...starlark.Value) error {
		fn, err := getattr(file, method)
		if err != nil {
			return err
		}
		_, err = starlark.Call(thread, fn, args, nil)
		return err
	}
	if err := call("write", starlark.String(text)); err != nil {
		return err
	}
	if flush {
		return call("flush")
	}
	return nil
}

// getattr is Python's getattr(v, name), with its AttributeError.
func getattr(v starlark.Value, name string) (starlark.Value, error) {
	if a, ok := v.(starlark.HasAttrs); ok {
		if m, err := a.Attr(name); m != nil || err != nil {
			return m, err
		}
	}
	return nil, Errorf(AttributeError, "'%s' object has no attribute '%s'", PyTypeName(v), name)
}
