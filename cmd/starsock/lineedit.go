package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
)

// lineEditor is the prompt's line editor on a terminal: cursor keys,
// Home/End, Ctrl-A/E/K/U/W, and history with Up/Down (for the session
// only). The terminal is in raw mode only while a line is read, so Ctrl-C
// while a statement runs is still SIGINT.
type lineEditor struct {
	in      *os.File
	keys    *bufio.Reader
	out     io.Writer
	intr    *interrupts
	history []string
}

func newLineEditor(in *os.File, out io.Writer, intr *interrupts) (*lineEditor, error) {
	m, err := makeRaw(in) // check that raw mode is possible at all
	if err != nil {
		return nil, err
	}
	m.restore()
	return &lineEditor{in: in, keys: bufio.NewReader(in), out: out, intr: intr}, nil
}

func (e *lineEditor) Close() error { return nil }

// editState is the line being edited.
type editState struct {
	prompt string
	buf    []rune
	pos    int    // cursor, an index into buf
	hist   int    // the history entry shown; len(history) for the new line
	draft  []rune // the new line, kept while browsing history
}

func (e *lineEditor) ReadLine(prompt string) (string, error) {
	mode, err := makeRaw(e.in)
	if err != nil {
		return "", err
	}
	defer mode.restore()
	e.intr.drainPrompt() // Ctrl-C arrives as a byte now; a stale signal means nothing
	st := &editState{prompt: prompt, hist: len(e.history)}
	e.redraw(st)
	for {
		r, _, err := e.keys.ReadRune()
		if err != nil {
			fmt.Fprint(e.out, "\n")
			return "", io.EOF
		}
		switch r {
		case '\r', '\n':
			fmt.Fprint(e.out, "\n")
			line := string(st.buf)
			if strings.TrimSpace(line) != "" && (len(e.history) == 0 || e.history[len(e.history)-1] != line) {
				e.history = append(e.history, line)
			}
			return line, nil
		case 3: // Ctrl-C
			fmt.Fprint(e.out, "^C")
			return "", errInterrupt
		case 4: // Ctrl-D: end of input on an empty line, else delete
			if len(st.buf) == 0 {
				return "", io.EOF
			}
			st.deleteAt(st.pos)
		case 127, 8: // Backspace
			if st.pos > 0 {
				st.pos--
				st.deleteAt(st.pos)
			}
		case 1: // Ctrl-A
			st.pos = 0
		case 5: // Ctrl-E
			st.pos = len(st.buf)
		case 2: // Ctrl-B
			st.pos = max(st.pos-1, 0)
		case 6: // Ctrl-F
			st.pos = min(st.pos+1, len(st.buf))
		case 11: // Ctrl-K
			st.buf = st.buf[:st.pos]
		case 21: // Ctrl-U
			st.buf, st.pos = append([]rune(nil), st.buf[st.pos:]...), 0
		case 23: // Ctrl-W
			st.deleteWordBack()
		case 12: // Ctrl-L
			fmt.Fprint(e.out, "\x1b[H\x1b[2J")
		case 16: // Ctrl-P
			e.browse(st, -1)
		case 14: // Ctrl-N
			e.browse(st, +1)
		case 26: // Ctrl-Z
			mode.restore()
			suspend()
			makeRaw(e.in)
		case '\t':
			st.insert([]rune("    "))
		case 27:
			e.escape(st)
		default:
			if !unicode.IsPrint(r) {
				continue
			}
			atEnd := st.pos == len(st.buf)
			st.insert([]rune{r})
			if atEnd { // the common case needs no redraw
				fmt.Fprint(e.out, string(r))
				continue
			}
		}
		e.redraw(st)
	}
}

// escape handles an escape sequence: cursor keys, Home, End, Delete.
func (e *lineEditor) escape(st *editState) {
	b, err := e.keys.ReadByte()
	if err != nil || (b != '[' && b != 'O') {
		return
	}
	var seq []byte
	for {
		c, err := e.keys.ReadByte()
		if err != nil {
			return
		}
		seq = append(seq, c)
		if c >= 0x40 && c <= 0x7e {
			break
		}
	}
	switch string(seq) {
	case "A":
		e.browse(st, -1)
	case "B":
		e.browse(st, +1)
	case "C":
		st.pos = min(st.pos+1, len(st.buf))
	case "D":
		st.pos = max(st.pos-1, 0)
	case "H", "1~", "7~":
		st.pos = 0
	case "F", "4~", "8~":
		st.pos = len(st.buf)
	case "3~":
		st.deleteAt(st.pos)
	}
}

// browse moves through the history by step.
func (e *lineEditor) browse(st *editState, step int) {
	next := st.hist + step
	if next < 0 || next > len(e.history) {
		return
	}
	if st.hist == len(e.history) {
		st.draft = st.buf
	}
	st.hist = next
	if next == len(e.history) {
		st.buf = st.draft
	} else {
		st.buf = []rune(e.history[next])
	}
	st.pos = len(st.buf)
}

// redraw rewrites the line and puts the cursor in place.
func (e *lineEditor) redraw(st *editState) {
	s := "\r" + st.prompt + string(st.buf) + "\x1b[K"
	if back := len(st.buf) - st.pos; back > 0 {
		s += fmt.Sprintf("\x1b[%dD", back)
	}
	io.WriteString(e.out, s)
}

func (st *editState) insert(rs []rune) {
	buf := make([]rune, 0, len(st.buf)+len(rs))
	buf = append(append(append(buf, st.buf[:st.pos]...), rs...), st.buf[st.pos:]...)
	st.buf, st.pos = buf, st.pos+len(rs)
}

func (st *editState) deleteAt(i int) {
	if i < len(st.buf) {
		st.buf = append(st.buf[:i:i], st.buf[i+1:]...)
	}
}

func (st *editState) deleteWordBack() {
	i := st.pos
	for i > 0 && st.buf[i-1] == ' ' {
		i--
	}
	for i > 0 && st.buf[i-1] != ' ' {
		i--
	}
	st.buf = append(st.buf[:i:i], st.buf[st.pos:]...)
	st.pos = i
}
