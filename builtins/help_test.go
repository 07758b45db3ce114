package builtins

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.starlark.net/starlark"
)

// runHelp runs src with the dialect's names and returns what it printed.
func runHelp(t *testing.T, src string) string {
	t.Helper()
	var out strings.Builder
	thread := &starlark.Thread{Print: func(_ *starlark.Thread, msg string) { out.WriteString(msg + "\n") }}
	if _, err := starlark.ExecFileOptions(FileOptions, thread, "help.star", src, Predeclared([]string{"help.star"})); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return out.String()
}

func TestHelpPages(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		// CPython's page, as python3 -c 'import time; help(time.sleep)' prints it.
		{"help(time.sleep)", `Help on built-in function sleep in module time:

sleep(...)
    sleep(seconds)
    
    Delay execution for a given number of seconds.  The argument may be
    a floating point number for subsecond precision.

`},
		{"help(len)", `Help on built-in function len in module builtins:

len(obj, /)
    Return the number of items in a str, bytes, list, tuple, dict or set, as
    Python's len.

`},
		{"help(ConnectionRefusedError)", `Help on class ConnectionRefusedError in module builtins:

class ConnectionRefusedError(ConnectionError)
 |  Connection refused.
 |  
 |  Method resolution order:
 |      ConnectionRefusedError
 |      ConnectionError
 |      OSError
 |      Exception
 |      BaseException
 |      object
 |  
 |  Data descriptors inherited from OSError:
 |  
 |  errno
 |      POSIX exception code
 |  
 |  filename
 |      exception filename
 |  
 |  strerror
 |      exception strerror
 |  
 |  ----------------------------------------------------------------------
 |  Data descriptors inherited from BaseException:
 |  
 |  args

`},
		{"help(OSError(111, 'Connection refused'))", "Help on ConnectionRefusedError object:\n\nclass ConnectionRefusedError(ConnectionError)\n"},
		{"help(ConnectionError)", " |  Built-in subclasses:\n |      BrokenPipeError\n |      ConnectionAbortedError\n |      ConnectionRefusedError\n |      ConnectionResetError\n |  \n"},
		{"help(OSError)", " |      ... and 7 other subclasses\n"},
		{`
def connect(host, port=80, *more, timeout=None, **options):
    "Connect to host."
help(connect)`, `Help on function connect in module __main__:

connect(host, port=80, *more, timeout=None, **options)
    Connect to host.

`},
		{"def f(a, *, b): pass\nhelp(f)", "Help on function f in module __main__:\n\nf(a, *, b)\n\n"},
		{"help(3)", "Help on int object:\n\nint(x=0, /, base=10)\n"},
		{"help('len')", "Help on built-in function len in module builtins:\n"},
		{"help('time.sleep')", "Help on built-in function sleep in module time:\n"},
		{"help('nothing.here')", "No Python documentation found for 'nothing.here'.\nUse help() to get the interactive help utility.\nUse help(str) for help on the str class.\n\n"},
		{"help('abc'.split)", "Help on built-in function split:\n\nsplit(...) method of builtins.str instance\n\n"},
		{"help()", "Type help(object) for help about object, as in Python:\n"},
		{"print(catch(help, 1, 2)[1])", "Helper.__call__() takes from 1 to 2 positional arguments but 3 were given\n"},
	} {
		got := runHelp(t, tc.src)
		if strings.HasSuffix(tc.want, "\n\n") {
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.src, diff)
			}
		} else if !strings.Contains(got, tc.want) {
			t.Errorf("%s printed:\n%s\nwant it to contain:\n%s", tc.src, got, tc.want)
		}
	}
}

// TestDialectDocumented checks that every name the dialect predeclares,
// and every builtin Starlark adds, has documentation, so that a builtin
// cannot be added without it.
func TestDialectDocumented(t *testing.T) {
	names := Predeclared([]string{"x.star"})
	for name, v := range starlark.Universe {
		if _, ok := v.(*starlark.Builtin); ok {
			if _, shadowed := names[name]; !shadowed {
				names[name] = v
			}
		}
	}
	for name, v := range names {
		if _, ok := HelpText(v); !ok {
			t.Errorf("help(%s) finds no documentation", name)
		}
	}
	for _, m := range []starlark.Value{names["sys"], Time} {
		for _, attr := range m.(starlark.HasAttrs).AttrNames() {
			v, _ := m.(starlark.HasAttrs).Attr(attr)
			if _, ok := v.(*starlark.Builtin); !ok {
				continue
			}
			if _, ok := HelpText(v); !ok {
				t.Errorf("help(%s.%s) finds no documentation", m, attr)
			}
		}
	}
	for _, c := range allClasses {
		if c.module == "" && exceptionDocs[c.name] == "" {
			t.Errorf("%s has no docstring", c.name)
		}
	}
}
