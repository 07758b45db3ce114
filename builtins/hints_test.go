package builtins

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// compile parses and resolves src as the interpreter does, and returns
// the error with hints applied.
func compile(src string) error {
	predeclared := Predeclared(nil)
	isPredeclared := func(name string) bool { return predeclared.Has(name) || name == "socket" }
	_, _, err := starlark.SourceProgramOptions(FileOptions, "x.star", src, isPredeclared)
	if err == nil {
		return nil
	}
	return Hint(err, []byte(src))
}

func TestHint(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"import socket", "import socket\n",
			`x.star:1:1: Starlark has no import: socket is predeclared, so delete this line (or write load("socket", "socket"))`},
		{"import sys, time", "import sys, time\n",
			`x.star:1:1: Starlark has no import: sys and time are predeclared, so delete this line`},
		{"import in a function", "def f():\n\timport socket\n",
			`x.star:2:2: Starlark has no import: socket is predeclared, so delete this line (or write load("socket", "socket"))`},
		{"import as", "import socket as so\n",
			`x.star:1:1: Starlark has no import: socket is predeclared; for another name write so = socket`},
		{"import unknown", "import socket, select\n",
			`x.star:1:1: Starlark has no import: there is no select module here; socket, sys and time are predeclared`},
		{"from import star", "from socket import *\n",
			`x.star:1:1: Starlark has no import: socket is predeclared: write socket.NAME for each name you use (or write load("socket", "socket"))`},
		{"from import names", "from socket import socket, AF_INET\n",
			`x.star:1:1: Starlark has no import: socket is predeclared: write socket.socket and socket.AF_INET (or write load("socket", "socket"))`},
		{"from sys", "from sys import argv, exit\n",
			`x.star:1:1: Starlark has no import: sys is predeclared: write sys.argv and sys.exit`},
		{"with as", "with socket.socket() as s:\n    pass\n",
			`x.star:1:1: Starlark has no with: write s = socket.socket(), use it, then call s.close()`},
		{"with, no as", "with lock:\n    pass\n",
			`x.star:1:1: Starlark has no with: create the socket (s = socket.socket()), use it, then call s.close()`},
		{"try except class", "try:\n    x = 1\nexcept OSError as e:\n    pass\n",
			`x.star:1:1: Starlark has no try/except: write value, err = catch(fn, args...) to call fn(args...); err is None when it returns, else the exception, so test if isinstance(err, OSError):`},
		{"try except tuple", "def f():\n    try:\n        pass\n    except (ConnectionRefusedError, TimeoutError):\n        pass\n",
			`x.star:2:5: Starlark has no try/except: write value, err = catch(fn, args...) to call fn(args...); err is None when it returns, else the exception, so test if isinstance(err, (ConnectionRefusedError, TimeoutError)):`},
		{"except without try", "except ConnectionRefusedError as err:\n    pass\nexcept OSError:\n    pass\n",
			`x.star:1:1: Starlark has no try/except: write value, err = catch(fn, args...) to call fn(args...); err is None when it returns, else the exception, so test if isinstance(err, ConnectionRefusedError):`},
		{"try bare except", "try:\n    pass\nexcept:\n    pass\n",
			`x.star:1:1: Starlark has no try/except: write value, err = catch(fn, args...) to call fn(args...); err is None when it returns, else the exception, so test if err != None:`},
		{"try finally", "try:\n    pass\nfinally:\n    pass\n",
			`x.star:1:1: Starlark has no try/except: write value, err = catch(fn, args...) to call fn(args...); err is None when it returns, else the exception; do the cleanup after catch returns`},
		{"f-string", "x = 1\ny = f\"x={x}\"\n",
			`x.star:2:13: Starlark has no f-strings: write "x={}".format(x)`},
		{"f-string in a call", "s.send(f'{n!r} {d[\"k\"]}\\n'.encode())\n",
			`x.star:1:27: Starlark has no f-strings: write '{!r} {}\n'.format(n, d["k"])`},
		{"f-string, no fields", "x = F'a{{b}}'\n",
			`x.star:1:14: Starlark has no f-strings: write 'a{{b}}'`},
		{"raw f-string", "x = rf'\\d{x}'\n",
			`x.star:1:7: Starlark has no f-strings: write r'\d{}'.format(x)`},
		{"f-string with format spec", "x = f'{t:.2f}'\n",
			`x.star:1:15: Starlark has no f-strings: write "x={}".format(x) or "x=%s" % x`},
		{"triple-quoted f-string", "x = f\"\"\"a\nb{x}\"\"\"\n",
			`x.star:2:8: Starlark has no f-strings: write "x={}".format(x) or "x=%s" % x`},
		{"f-string after non-ASCII", "s = 'éé' + f'x'\n",
			`x.star:1:16: Starlark has no f-strings: write 'x'`},
		{"u prefix", "x = u'a'\n",
			`x.star:1:9: Starlark strings need no u prefix: delete it`},
		{"class", "class A:\n    pass\n",
			`x.star:1:1: Starlark has no classes: use functions and dicts`},
		{"raise", "raise ValueError('x')\n",
			`x.star:1:1: Starlark has no raise: call fail("message"), which stops the script with Exception: message`},
		{"is", "x = None\nif x is None:\n    pass\n",
			`x.star:2:8: Starlark has no 'is': compare with == (x == None)`},
		{"is not", "x = None\nif x is not None:\n    pass\n",
			`x.star:2:8: Starlark has no 'is not': compare with != (x != None)`},
		{"is not in a comprehension", "y = [i for i in [] if i is not None]\n",
			`x.star:1:27: Starlark has no 'is not': compare with != (x != None)`},
		{"del", "x = 1\ndel x\n",
			`x.star:2:1: Starlark has no del: remove a dict key with d.pop(key), a list item with l.pop(i); a name cannot be deleted`},
		{"global", "def f():\n    global x\n    x = 1\n",
			`x.star:2:5: Starlark has no global: a function cannot rebind an outer variable, so keep the state in a dict or list (state["n"] += 1) and change it in place`},
		{"nonlocal", "def f():\n    nonlocal x\n",
			`x.star:2:5: Starlark has no nonlocal: a function cannot rebind an outer variable, so keep the state in a dict or list (state["n"] += 1) and change it in place`},
		{"yield", "def f():\n    yield 1\n",
			`x.star:2:5: Starlark has no generators (yield): build a list and return it`},
		{"async", "async def f():\n    pass\n",
			`x.star:1:1: Starlark has no async: call functions directly; socket calls block until done or until the socket's timeout (settimeout, setblocking(False))`},
		{"await", "def f():\n    await g()\n",
			`x.star:2:5: Starlark has no await: call functions directly; socket calls block until done or until the socket's timeout (settimeout, setblocking(False))`},
		{"while else", "while True:\n    break\nelse:\n    pass\n",
			`x.star:3:1: Starlark has no while ... else: set a flag before break and test it after the loop`},
		{"for else", "for x in []:\n    # c\n    pass\n\nelse:\n    pass\n",
			`x.star:5:1: Starlark has no for ... else: set a flag before break and test it after the loop`},
		{"decorator", "@deco\ndef f():\n    pass\n",
			`x.star:1:1: Starlark has no decorators: after the def, write f = decorator(f)`},
		{"variable annotation", "x: int = 1\n",
			`x.star:1:3: Starlark has no type annotations: drop them (def f(x): ..., x = 1)`},
		{"parameter annotation", "def f(x: int):\n    pass\n",
			`x.star:1:9: Starlark has no type annotations: drop them (def f(x): ..., x = 1)`},
		{"return annotation", "def f(x) -> int:\n    pass\n",
			`x.star:1:11: Starlark has no type annotations: drop them (def f(x): ..., x = 1)`},
		{"assert statement", "x = 1\nassert x == 1, 'm'\n",
			`x.star:2:9: Starlark has no assert: write if not cond: fail("message")`},
		{"assert call", "assert(True)\n",
			`x.star:1:1: Starlark has no assert: write if not cond: fail("message")`},
		{"__name__", "def main():\n    pass\nif __name__ == '__main__':\n    main()\n",
			`x.star:3:4: Starlark has no __name__: a script runs from top to bottom, so call main() at the top level instead of testing if __name__ == "__main__"`},
		{"exit", "exit(1)\n",
			`x.star:1:1: undefined: exit (write sys.exit(code))`},
		{"module name", "x = struct.pack('!H', 1)\n",
			`x.star:1:5: undefined: struct (there is no struct module here; the predeclared modules are socket, sys and time)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := compile(tc.src)
			if err == nil {
				t.Fatalf("compiled without error:\n%s", tc.src)
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("hint for\n%s(-want +got):\n%s", tc.src, diff)
			}
		})
	}
}

// TestHintLeavesOtherErrors checks that mistakes that are not Python-only
// syntax keep the parser's or resolver's message.
func TestHintLeavesOtherErrors(t *testing.T) {
	for _, src := range []string{
		"x = (1 +\n",
		"  x = 1\n",
		"x = 'a' 'b'\n",
		"print 'x'\n",
		"f = 1\nx = f 'a'\n",
		"x = y\n",
		"if True:\n    pass\n  else:\n    pass\n",
		"x = {**a}\n",
		"x = 1_000\n",
		"def f(:\n",
	} {
		_, _, want := starlark.SourceProgramOptions(FileOptions, "x.star", src, Predeclared(nil).Has)
		if want == nil {
			t.Fatalf("compiled without error:\n%s", src)
		}
		if got := Hint(want, []byte(src)); got.Error() != want.Error() {
			t.Errorf("Hint changed the error for\n%s got  %v\n want %v", src, got, want)
		}
	}
}

// TestHintKeepsErrorTypes checks that a host can still use errors.As on a
// hinted error.
func TestHintKeepsErrorTypes(t *testing.T) {
	var se syntax.Error
	if err := compile("import socket\n"); !errors.As(err, &se) || se.Pos.Line != 1 || se.Pos.Col != 1 {
		t.Errorf("import: got %#v, want a syntax.Error at 1:1", err)
	}
	var el resolve.ErrorList
	if err := compile("exit(1)\n"); !errors.As(err, &el) || len(el) != 1 {
		t.Errorf("exit: got %#v, want a resolve.ErrorList", err)
	}
	other := errors.New("not a syntax error")
	if got := Hint(other, []byte("import socket\n")); got != other {
		t.Errorf("Hint(%v) = %v, want it unchanged", other, got)
	}
}

func TestHintValidScripts(t *testing.T) {
	for _, src := range []string{
		"f = lambda x: x\nprint(f(1))\n",
		"s = socket\nis_ok = s != None\n",
		"x = b'a' + rb'\\d'\n",
		"def f(x):\n    return '{}'.format(x)\n",
	} {
		if err := compile(src); err != nil {
			t.Errorf("valid script\n%s failed: %v", src, err)
		}
	}
}
