package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/starsock/starsock/builtins"
)

// sourceLineFunc returns line n of a file, for quoting in tracebacks.
type sourceLineFunc func(filename string, n int32) (string, bool)

// writeTraceback prints an uncaught exception as python3 does:
//
//	Traceback (most recent call last):
//	  File "echo.star", line 9, in <module>
//	    go()
//	ConnectionRefusedError: [Errno 111] Connection refused
func writeTraceback(w io.Writer, err error, exc *builtins.Exception, source sourceLineFunc) {
	var b strings.Builder
	var ee *starlark.EvalError
	if errors.As(err, &ee) {
		var frames []starlark.CallFrame
		for _, fr := range ee.CallStack {
			if fr.Pos.Filename() != "<builtin>" {
				frames = append(frames, fr)
			}
		}
		if len(frames) > 0 {
			b.WriteString("Traceback (most recent call last):\n")
		}
		for _, fr := range frames {
			fmt.Fprintf(&b, "  File \"%s\", line %d, in %s\n", fr.Pos.Filename(), fr.Pos.Line, pyFuncName(fr.Name))
			if line, ok := source(fr.Pos.Filename(), fr.Pos.Line); ok && strings.TrimSpace(line) != "" {
				fmt.Fprintf(&b, "    %s\n", strings.TrimSpace(line))
			}
		}
	}
	b.WriteString(exc.Error())
	b.WriteByte('\n')
	io.WriteString(w, b.String())
}

// pyFuncName is the name Python gives a frame's function.
func pyFuncName(name string) string {
	switch name {
	case "<toplevel>", "<expr>":
		return "<module>"
	case "lambda":
		return "<lambda>"
	}
	return name
}

// writeSyntaxError prints an error that stopped a script before it ran as
// python3 prints a SyntaxError:
//
//	  File "x.star", line 1
//	    import socket
//	    ^
//	SyntaxError: Starlark has no import: ...
func writeSyntaxError(w io.Writer, err error, source sourceLineFunc) {
	var pos syntax.Position
	var msg string
	switch e := err.(type) {
	case syntax.Error:
		pos, msg = e.Pos, e.Msg
	case resolve.ErrorList:
		errs := append(resolve.ErrorList(nil), e...)
		sort.SliceStable(errs, func(i, j int) bool {
			a, b := errs[i].Pos, errs[j].Pos
			return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
		})
		pos, msg = errs[0].Pos, errs[0].Msg
	default:
		fmt.Fprintf(w, "SyntaxError: %v\n", err)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  File \"%s\", line %d\n", pos.Filename(), pos.Line)
	if line, ok := source(pos.Filename(), pos.Line); ok && strings.TrimSpace(line) != "" {
		trimmed := strings.TrimLeft(line, " \t\f")
		stripped := utf8.RuneCountInString(line) - utf8.RuneCountInString(trimmed)
		fmt.Fprintf(&b, "    %s\n", strings.TrimRight(trimmed, " \t\r"))
		if col := int(pos.Col) - 1 - stripped; pos.Col > 0 && col >= 0 {
			fmt.Fprintf(&b, "    %s^\n", strings.Repeat(" ", col))
		}
	}
	b.WriteString(syntaxErrorLine(msg))
	b.WriteByte('\n')
	io.WriteString(w, b.String())
}

// syntaxErrorLine names the error as Python would: indentation mistakes are
// IndentationError, the rest SyntaxError.
func syntaxErrorLine(msg string) string {
	switch {
	case strings.HasPrefix(msg, "got indent,"):
		return "IndentationError: unexpected indent"
	case strings.HasSuffix(msg, "want indent"):
		return "IndentationError: expected an indented block"
	case strings.Contains(msg, "unindent does not match"):
		return "IndentationError: " + msg
	}
	return "SyntaxError: " + msg
}

// splitLines splits source text into lines for sourceLineFunc.
func splitLines(src []byte) []string {
	return strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
}
