package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// A session is one run of the interpreter: one permissive socket module
// instance, one thread, and the sources its tracebacks quote.
type session struct {
	inst        *socket.Instance
	predeclared starlark.StringDict
	thread      *starlark.Thread
	interrupts  *interrupts
	sources     map[string][]string // lines by filename, for tracebacks
}

func newSession(argv []string, interactive bool) *session {
	s := &session{
		inst:        socket.New(socket.Permissive),
		predeclared: builtins.Predeclared(argv),
		interrupts:  watchInterrupts(interactive),
		sources:     make(map[string][]string),
	}
	s.predeclared["socket"] = s.inst.Module()
	s.thread = &starlark.Thread{
		Name:  "main",
		Print: func(_ *starlark.Thread, msg string) { printLine(msg) },
		Load:  s.load,
	}
	return s
}

// close closes every socket the script left open.
func (s *session) close() {
	s.interrupts.stop()
	s.inst.Close()
}

// predeclaredCopy returns the predeclared names as a dict the REPL may
// add globals to.
func (s *session) predeclaredCopy() starlark.StringDict {
	d := make(starlark.StringDict, len(s.predeclared))
	for k, v := range s.predeclared {
		d[k] = v
	}
	return d
}

// load serves load("socket", "socket"), the one module there is to load.
func (s *session) load(_ *starlark.Thread, module string) (starlark.StringDict, error) {
	if module == "socket" {
		return starlark.StringDict{"socket": s.inst.Module()}, nil
	}
	return nil, fmt.Errorf(`no module named %s (the one module to load is "socket"; sys and time are predeclared)`, builtins.PyRepr(starlark.String(module)))
}

// execFile runs a script, stopping it with KeyboardInterrupt on Ctrl-C.
func (s *session) execFile(filename string, src []byte) (starlark.StringDict, error) {
	s.sources[filename] = splitLines(src)
	var globals starlark.StringDict
	err := s.interruptible(func() error {
		var err error
		globals, err = starlark.ExecFileOptions(builtins.FileOptions, s.thread, filename, src, s.predeclared)
		return err
	})
	if isCompileError(err) {
		err = builtins.Hint(err, src)
	}
	return globals, err
}

// interruptible runs fn with the thread tied to a context that Ctrl-C
// cancels; Ctrl-C also cancels the thread, so that loops of pure Starlark
// stop too. A run that Ctrl-C stopped returns an error that is a
// KeyboardInterrupt.
func (s *session) interruptible(fn func() error) error {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	s.thread.SetLocal(builtins.ContextKey, ctx)
	r := s.interrupts.begin(func() {
		cancel(builtins.NewException(builtins.KeyboardInterrupt))
		s.thread.Cancel("KeyboardInterrupt")
	})
	err := fn()
	if s.interrupts.end(r) && err != nil && builtins.IsCancellation(err) {
		err = &interruptError{cause: err}
	}
	s.thread.Uncancel()
	return err
}

// interruptError is a run stopped by Ctrl-C. It is the KeyboardInterrupt
// exception, and keeps the interpreter's error for the traceback.
type interruptError struct{ cause error }

func (e *interruptError) Error() string { return "KeyboardInterrupt" }

func (e *interruptError) Unwrap() []error {
	return []error{builtins.NewException(builtins.KeyboardInterrupt), e.cause}
}

// report prints what stopped the script as python3 does, and returns the
// exit status: 0 or n for SystemExit, 130 for KeyboardInterrupt, 1 for
// other exceptions and syntax errors.
func (s *session) report(err error) int {
	if isCompileError(err) {
		writeSyntaxError(os.Stderr, err, s.sourceLine)
		return 1
	}
	exc := builtins.AsException(err)
	if exc.Class().IsSubclass(builtins.SystemExit) {
		return exitStatus(exc)
	}
	writeTraceback(os.Stderr, err, exc, s.sourceLine)
	if exc.Class().IsSubclass(builtins.KeyboardInterrupt) {
		return 130
	}
	return 1
}

// printError prints err as a SyntaxError or a traceback, whatever it is.
func (s *session) printError(err error, source sourceLineFunc) {
	if isCompileError(err) {
		writeSyntaxError(os.Stderr, err, source)
		return
	}
	writeTraceback(os.Stderr, err, builtins.AsException(err), source)
}

// exitStatus is the status SystemExit(code) exits with, printing a code
// that is not a number as python3 does.
func exitStatus(exc *builtins.Exception) int {
	code, _ := exc.Attr("code")
	switch c := code.(type) {
	case starlark.NoneType:
		return 0
	case starlark.Bool:
		if c {
			return 1
		}
		return 0
	case starlark.Int:
		if n, ok := c.Int64(); ok {
			return int(n)
		}
	case starlark.String:
		fmt.Fprintln(os.Stderr, string(c))
		return 1
	}
	fmt.Fprintln(os.Stderr, builtins.PyRepr(code))
	return 1
}

func (s *session) sourceLine(filename string, line int32) (string, bool) {
	lines := s.sources[filename]
	if line < 1 || int(line) > len(lines) {
		return "", false
	}
	return lines[line-1], true
}

// isCompileError reports whether err stopped the script before it ran.
func isCompileError(err error) bool {
	switch err.(type) {
	case syntax.Error, resolve.ErrorList:
		return true
	}
	return false
}

// pyQuote is Python's repr of a path, made absolute as python3 prints it.
func pyQuote(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return builtins.PyRepr(starlark.String(path))
}

// osErrorText is str() of the OSError Python raises for err.
func osErrorText(err error) string {
	var exc *builtins.Exception
	if errors.As(builtins.FromError(err), &exc) {
		return exc.String()
	}
	return err.Error()
}
