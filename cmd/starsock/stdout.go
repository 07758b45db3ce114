package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/starsock/starsock/builtins"
)

// stdout is the script's standard output. A write to it that fails, such
// as one into a pipe whose reader has gone, does not stop the script: as
// python3 does when its buffered stdout cannot be flushed, the interpreter
// runs on and at exit reports the error on stderr and exits 120. (Left to
// Go's default, such a write would kill the process with SIGPIPE.)
var stdout struct {
	once sync.Once
	err  error // the first failed write
}

// ignoreSIGPIPE makes writes to a closed pipe return EPIPE instead of
// killing the process; sockets send with MSG_NOSIGNAL anyway.
func ignoreSIGPIPE() { signal.Ignore(syscall.SIGPIPE) }

// printLine writes a line of the script's output.
func printLine(msg string) {
	if _, err := fmt.Fprintln(os.Stdout, msg); err != nil {
		stdout.once.Do(func() { stdout.err = err })
	}
}

// stdoutStatus returns the exit status: code, or 120 after reporting a
// failed write to stdout as CPython reports the flush that failed at exit.
func stdoutStatus(code int) int {
	if stdout.err == nil {
		return code
	}
	msg := stdout.err.Error()
	var exc *builtins.Exception
	if errors.As(builtins.FromError(stdout.err), &exc) {
		msg = exc.Error()
	}
	fmt.Fprintf(os.Stderr, "Exception ignored in: <_io.TextIOWrapper name='<stdout>' mode='w' encoding='utf-8'>\n%s\n", msg)
	return 120
}
