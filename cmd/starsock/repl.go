package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/starsock/starsock/builtins"
)

// errInterrupt is what a lineReader returns when Ctrl-C abandons the input.
var errInterrupt = errors.New("KeyboardInterrupt")

// A lineReader reads the interactive prompt's input a line at a time,
// without the newline. It returns io.EOF at the end of input (Ctrl-D) and
// errInterrupt on Ctrl-C.
type lineReader interface {
	ReadLine(prompt string) (string, error)
	Close() error
}

// repl runs the interactive prompt over globals until end of input or
// SystemExit, and returns the exit status.
func (s *session) repl(globals starlark.StringDict, banner bool) int {
	if banner {
		fmt.Fprintf(os.Stderr, "%s\nStarlark with Python's socket module. Type help(object) for help; Ctrl-D exits; Ctrl-C interrupts.\n", versionString())
	}
	lines := newLineReader(s.interrupts)
	defer lines.Close()
	opts := *builtins.FileOptions
	opts.LoadBindsGlobally = true // a load at the prompt defines globals, as an import does
	for {
		if status, done := s.replChunk(&opts, lines, globals); done {
			return status
		}
	}
}

// replChunk reads one statement (with its continuation lines), runs it,
// and prints an expression's value as Python's prompt does. done reports
// the end of the session.
func (s *session) replChunk(opts *syntax.FileOptions, lines lineReader, globals starlark.StringDict) (status int, done bool) {
	var chunk strings.Builder
	var readErr error
	prompt := ">>> "
	readline := func() ([]byte, error) {
		line, err := lines.ReadLine(prompt)
		if err != nil {
			readErr = err
			return nil, err
		}
		prompt = "... "
		chunk.WriteString(line + "\n")
		return []byte(line + "\n"), nil
	}
	f, err := opts.ParseCompoundStmt("<stdin>", readline)
	switch {
	case readErr == io.EOF:
		fmt.Fprintln(os.Stderr)
		return 0, true
	case readErr == errInterrupt:
		fmt.Fprintln(os.Stderr, "\nKeyboardInterrupt")
		return 0, false
	case readErr != nil:
		fmt.Fprintf(os.Stderr, "starsock: reading input: %v\n", readErr)
		return 1, true
	}
	source := func(filename string, n int32) (string, bool) {
		if l := splitLines([]byte(chunk.String())); filename == "<stdin>" && n >= 1 && int(n) <= len(l) {
			return l[n-1], true
		}
		return "", false
	}
	if err != nil {
		writeSyntaxError(os.Stderr, builtins.Hint(err, []byte(chunk.String())), source)
		return 0, false
	}

	var value starlark.Value
	err = s.interruptible(func() error {
		if len(f.Stmts) == 1 {
			if stmt, ok := f.Stmts[0].(*syntax.ExprStmt); ok {
				var err error
				value, err = starlark.EvalExprOptions(f.Options, s.thread, stmt.X, globals)
				return err
			}
		}
		return starlark.ExecREPLChunk(f, s.thread, globals)
	})
	switch {
	case isCompileError(err):
		writeSyntaxError(os.Stderr, builtins.Hint(err, []byte(chunk.String())), source)
	case err != nil:
		if exc := builtins.AsException(err); exc.Class().IsSubclass(builtins.SystemExit) {
			return exitStatus(exc), true
		}
		// Like Python's prompt, quote no source: line numbers restart
		// with each statement, so earlier definitions would be misquoted.
		s.printError(err, noSource)
	case value == builtins.Help:
		// Python's prompt answers a bare "help" with how to use it.
		fmt.Fprintln(os.Stdout, "Type help() for how to use help, or help(object) for help about object.")
	case value != nil && value != starlark.None:
		globals["_"] = value
		fmt.Fprintln(os.Stdout, builtins.PyRepr(value))
	}
	return 0, false
}

func noSource(string, int32) (string, bool) { return "", false }
