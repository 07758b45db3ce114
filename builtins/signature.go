package builtins

import (
	"fmt"
	"strings"
	"sync"

	"go.starlark.net/starlark"
)

// Style is how CPython checks a function's arguments, which decides how it
// words a mistake in them.
type Style int

const (
	// PyDef is a function written in Python (socket.py's create_connection,
	// the socket class's methods): "f() missing 1 required positional
	// argument: 'x'", "takes from 1 to 3 positional arguments but 4 were
	// given"; methods count self.
	PyDef Style = iota
	// CArgs is a C function parsing a tuple (PyArg_ParseTuple): "recv()
	// takes at least 1 argument (0 given)"; no keyword arguments.
	CArgs
	// COne is a C function of exactly one argument (METH_O): "socket.bind()
	// takes exactly one argument (0 given)".
	COne
	// CNone is a C function of no arguments (METH_NOARGS): "socket.fileno()
	// takes no arguments (1 given)".
	CNone
	// Clinic is an Argument Clinic function that takes keywords
	// (bytes.split, str.encode): "split() takes at most 2 arguments (3
	// given)", "'x' is an invalid keyword argument for split()".
	Clinic
	// Positional is an Argument Clinic function of positional arguments
	// only (bytes.replace): "replace expected at least 2 arguments, got 1";
	// no keyword arguments.
	Positional
)

// Signature describes a builtin's parameters and how CPython reports a
// wrong call of it. Params are names; a trailing "?" marks an optional
// one; the entry "*" starts the keyword-only ones.
type Signature struct {
	Name   string // as CPython's count messages name it: "recv", "socket.bind"
	Style  Style
	Params []string
	// Qualified names the function in "takes no keyword arguments"
	// ("socket.recv"); Name is used when empty.
	Qualified string
	// Self counts the receiver in PyDef messages, as Python does for methods.
	Self bool
	// CountMessage replaces CArgs' count message where CPython has its own
	// wording; %d is the number given ("sendto() takes 2 or 3 arguments (%d given)").
	CountMessage string

	once     sync.Once // guards the parse of Params: signatures are shared by threads
	params   []param   // parsed from Params on first use
	required int       // positional parameters without a default
	nPos     int       // positional parameters
}

type param struct {
	name     string
	optional bool
	kwOnly   bool
}

func (sig *Signature) parse() { sig.once.Do(sig.parseParams) }

func (sig *Signature) parseParams() {
	kwOnly := false
	for _, p := range sig.Params {
		if p == "*" {
			kwOnly = true
			continue
		}
		name, optional := strings.CutSuffix(p, "?")
		sig.params = append(sig.params, param{name: name, optional: optional, kwOnly: kwOnly})
		if !kwOnly {
			sig.nPos++
			if !optional {
				sig.required++
			}
		}
	}
}

// Bind matches args and kwargs to the parameters and returns one value per
// parameter (nil where an optional one was not given), or a TypeError worded
// as CPython words it.
func (sig *Signature) Bind(args starlark.Tuple, kwargs []starlark.Tuple) ([]starlark.Value, error) {
	sig.parse()
	switch sig.Style {
	case CNone:
		if len(kwargs) > 0 {
			return nil, sig.noKeywords()
		}
		if len(args) > 0 {
			return nil, Errorf(TypeError, "%s() takes no arguments (%d given)", sig.Name, len(args))
		}
		return nil, nil
	case COne:
		if len(kwargs) > 0 {
			return nil, sig.noKeywords()
		}
		if len(args) != 1 {
			return nil, Errorf(TypeError, "%s() takes exactly one argument (%d given)", sig.Name, len(args))
		}
		return []starlark.Value{args[0]}, nil
	case CArgs:
		if len(kwargs) > 0 {
			return nil, sig.noKeywords()
		}
		if len(args) < sig.required || len(args) > sig.nPos {
			return nil, sig.countError(len(args))
		}
		out := make([]starlark.Value, len(sig.params))
		copy(out, args)
		return out, nil
	case Positional:
		if len(kwargs) > 0 {
			return nil, sig.noKeywords()
		}
		if len(args) < sig.required {
			return nil, Errorf(TypeError, "%s expected at least %d argument%s, got %d", sig.Name, sig.required, plural(sig.required), len(args))
		}
		if len(args) > sig.nPos {
			return nil, Errorf(TypeError, "%s expected at most %d argument%s, got %d", sig.Name, sig.nPos, plural(sig.nPos), len(args))
		}
		out := make([]starlark.Value, len(sig.params))
		copy(out, args)
		return out, nil
	case Clinic:
		return sig.bindClinic(args, kwargs)
	}
	return sig.bindPyDef(args, kwargs)
}

// bindClinic binds as Argument Clinic's parser does for a function that
// takes its arguments by position or by keyword.
func (sig *Signature) bindClinic(args starlark.Tuple, kwargs []starlark.Tuple) ([]starlark.Value, error) {
	if given := len(args) + len(kwargs); given > sig.nPos {
		what := "argument"
		if len(args) == 0 {
			what = "keyword argument"
		}
		return nil, Errorf(TypeError, "%s() takes at most %d %s%s (%d given)", sig.Name, sig.nPos, what, plural(sig.nPos), given)
	}
	out := make([]starlark.Value, len(sig.params))
	copy(out, args)
	for _, kv := range kwargs {
		key := string(kv[0].(starlark.String))
		i := sig.index(key)
		switch {
		case i < 0:
			return nil, Errorf(TypeError, "'%s' is an invalid keyword argument for %s()", key, sig.Name)
		case out[i] != nil:
			return nil, Errorf(TypeError, "argument for %s() given by name ('%s') and position (%d)", sig.Name, key, i+1)
		}
		out[i] = kv[1]
	}
	for i, p := range sig.params {
		if out[i] == nil && !p.optional {
			return nil, Errorf(TypeError, "%s() missing required argument '%s' (pos %d)", sig.Name, p.name, i+1)
		}
	}
	return out, nil
}

func (sig *Signature) noKeywords() error {
	name := sig.Qualified
	if name == "" {
		name = sig.Name
	}
	return Errorf(TypeError, "%s() takes no keyword arguments", name)
}

func (sig *Signature) countError(given int) error {
	if sig.CountMessage != "" {
		return Errorf(TypeError, sig.CountMessage, given)
	}
	var bound string
	var n int
	switch {
	case sig.required == sig.nPos:
		bound, n = "exactly", sig.nPos
	case given < sig.required:
		bound, n = "at least", sig.required
	default:
		bound, n = "at most", sig.nPos
	}
	return Errorf(TypeError, "%s() takes %s %d argument%s (%d given)", sig.Name, bound, n, plural(n), given)
}

func (sig *Signature) bindPyDef(args starlark.Tuple, kwargs []starlark.Tuple) ([]starlark.Value, error) {
	self := 0
	if sig.Self {
		self = 1
	}
	if len(args) > sig.nPos {
		given := len(args) + self
		verb := "were"
		if given == 1 {
			verb = "was"
		}
		if sig.required == sig.nPos {
			n := sig.nPos + self
			return nil, Errorf(TypeError, "%s() takes %d positional argument%s but %d %s given", sig.Name, n, plural(n), given, verb)
		}
		return nil, Errorf(TypeError, "%s() takes from %d to %d positional arguments but %d %s given", sig.Name, sig.required+self, sig.nPos+self, given, verb)
	}
	out := make([]starlark.Value, len(sig.params))
	copy(out, args)
	for _, kv := range kwargs {
		key := string(kv[0].(starlark.String))
		i := sig.index(key)
		if i < 0 {
			return nil, Errorf(TypeError, "%s() got an unexpected keyword argument '%s'", sig.Name, key)
		}
		if out[i] != nil {
			return nil, Errorf(TypeError, "%s() got multiple values for argument '%s'", sig.Name, key)
		}
		out[i] = kv[1]
	}
	var missingPos, missingKw []string
	for i, p := range sig.params {
		if out[i] == nil && !p.optional {
			if p.kwOnly {
				missingKw = append(missingKw, "'"+p.name+"'")
			} else {
				missingPos = append(missingPos, "'"+p.name+"'")
			}
		}
	}
	if len(missingPos) > 0 {
		return nil, Errorf(TypeError, "%s() missing %d required positional argument%s: %s", sig.Name, len(missingPos), plural(len(missingPos)), joinNames(missingPos))
	}
	if len(missingKw) > 0 {
		return nil, Errorf(TypeError, "%s() missing %d required keyword-only argument%s: %s", sig.Name, len(missingKw), plural(len(missingKw)), joinNames(missingKw))
	}
	return out, nil
}

func (sig *Signature) index(name string) int {
	for i, p := range sig.params {
		if p.name == name {
			return i
		}
	}
	return -1
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// joinNames joins as Python's argument errors do: 'a', 'a' and 'b',
// 'a', 'b', and 'c'.
func joinNames(names []string) string {
	switch len(names) {
	case 1:
		return names[0]
	case 2:
		return names[0] + " and " + names[1]
	}
	return strings.Join(names[:len(names)-1], ", ") + ", and " + names[len(names)-1]
}

// Builtin makes a Starlark builtin whose arguments are bound by sig before
// fn sees them, so every wrong call gets CPython's TypeError.
func Builtin(sig *Signature, fn func(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error)) *starlark.Builtin {
	name := sig.Qualified
	if name == "" {
		name = sig.Name
	}
	return starlark.NewBuiltin(name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		bound, err := sig.Bind(args, kwargs)
		if err != nil {
			return nil, err
		}
		return fn(thread, bound)
	})
}

// String returns sig as Python would show it: "recv(bufsize, flags=...)".
func (sig *Signature) String() string {
	sig.parse()
	var b strings.Builder
	fmt.Fprintf(&b, "%s(", sig.Name)
	for i, p := range sig.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strings.TrimSuffix(p, "?"))
		if strings.HasSuffix(p, "?") {
			b.WriteString("=...")
		}
	}
	b.WriteString(")")
	return b.String()
}
