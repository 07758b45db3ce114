package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// newLineReader returns the prompt's line reader: a line editor with
// history when stdin and stderr are terminals, plain lines otherwise.
func newLineReader(intr *interrupts) lineReader {
	if isTerminal(os.Stdin) && isTerminal(os.Stderr) {
		if ed, err := newLineEditor(os.Stdin, os.Stderr, intr); err == nil {
			return ed
		}
	}
	return newPlainReader(os.Stdin, os.Stderr, intr)
}

// plainReader reads lines from a pipe or a terminal in its normal mode,
// writing the prompt to stderr as python3 does. It reads in a goroutine so
// that Ctrl-C can abandon the line being read.
type plainReader struct {
	prompts io.Writer
	lines   chan lineOrError
	intr    *interrupts
	err     error // the end of input, once reached
}

type lineOrError struct {
	line string
	err  error
}

func newPlainReader(in io.Reader, prompts io.Writer, intr *interrupts) *plainReader {
	r := &plainReader{prompts: prompts, lines: make(chan lineOrError), intr: intr}
	go func() {
		br := bufio.NewReader(in)
		for {
			line, err := br.ReadString('\n')
			if line != "" {
				r.lines <- lineOrError{line: strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")}
			}
			if err != nil {
				r.lines <- lineOrError{err: err}
				return
			}
		}
	}()
	return r
}

func (r *plainReader) ReadLine(prompt string) (string, error) {
	if r.err != nil {
		return "", r.err
	}
	fmt.Fprint(r.prompts, prompt)
	select {
	case l := <-r.lines:
		if l.err != nil {
			r.err = l.err
			return "", l.err
		}
		return l.line, nil
	case <-r.intr.atPrompt():
		return "", errInterrupt
	}
}

func (r *plainReader) Close() error { return nil }
