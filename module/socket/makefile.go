package socket

import (
	"strings"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// defaultBufferSize is io.DEFAULT_BUFFER_SIZE, the buffer of a file made
// with buffering None or negative, and the text layer's chunk size.
const defaultBufferSize = 8192

// makefile is socket.py's makefile(mode='r', buffering=None, *,
// encoding=None, errors=None, newline=None): a SocketIO raw stream, in a
// BufferedReader, BufferedWriter or BufferedRWPair unless buffering is 0,
// in a TextIOWrapper unless mode has "b". The arguments are checked in
// CPython's order, so a call with two mistakes reports the same one; a
// file is made only once all of them are good.
func (s *Socket) makefile(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	mode, err := parseFileMode(args[0])
	if err != nil {
		return nil, err
	}
	size, err := bufferSize(args[1])
	if err != nil {
		return nil, err
	}
	if size == 0 && !mode.binary {
		return nil, builtins.Errorf(builtins.ValueError, "unbuffered streams must be binary")
	}
	var text *textOptions
	if !mode.binary {
		if text, err = parseTextOptions(args[2], args[3], args[4]); err != nil {
			return nil, err
		}
	}

	raw := &SocketIO{sock: s, mode: mode.raw(), reading: mode.reading, writing: mode.writing}
	raw.remember(thread)
	s.increfIO()
	if size == 0 {
		return raw, nil
	}
	var buffer fileBuffer
	switch {
	case mode.reading && mode.writing:
		buffer = &BufferedRWPair{reader: newBufferedReader(raw, size), writer: newBufferedWriter(raw, size)}
	case mode.reading:
		buffer = newBufferedReader(raw, size)
	default:
		buffer = newBufferedWriter(raw, size)
	}
	buffer.remember(thread)
	if mode.binary {
		return buffer, nil
	}
	return newTextIOWrapper(thread, buffer, mode.text, text), nil
}

// fileMode is makefile's mode: any of the letters r, w and b, each any
// number of times, as socket.py checks it with set(mode).
type fileMode struct {
	text             starlark.Value // as given: TextIOWrapper.mode shows it
	reading, writing bool
	binary           bool
}

func parseFileMode(v starlark.Value) (fileMode, error) {
	if v == nil {
		v = starlark.String("r")
	}
	letters, err := modeLetters(v)
	if err != nil {
		return fileMode{}, err
	}
	if strings.Trim(letters, "rwb") != "" {
		return fileMode{}, invalidMode(v)
	}
	m := fileMode{text: v, writing: strings.Contains(letters, "w"), binary: strings.Contains(letters, "b")}
	m.reading = strings.Contains(letters, "r") || !m.writing
	return m, nil
}

// modeLetters is set(mode) as a string of its members: the characters of
// a str, the items of another iterable (each a one-letter str to pass).
func modeLetters(v starlark.Value) (string, error) {
	switch m := v.(type) {
	case starlark.String:
		return string(m), nil
	case starlark.Bytes:
		if len(m) > 0 {
			return "", invalidMode(v) // set(b"r") holds ints
		}
		return "", nil
	}
	iter := starlark.Iterate(v)
	if iter == nil {
		return "", builtins.Errorf(builtins.TypeError, "'%s' object is not iterable", builtins.PyTypeName(v))
	}
	defer iter.Done()
	var letters strings.Builder
	var item starlark.Value
	for iter.Next(&item) {
		if _, err := item.Hash(); err != nil {
			return "", builtins.Errorf(builtins.TypeError, "unhashable type: '%s'", builtins.PyTypeName(item))
		}
		s, ok := item.(starlark.String)
		if !ok || len(s) != 1 {
			return "", invalidMode(v)
		}
		letters.WriteString(string(s))
	}
	return letters.String(), nil
}

func invalidMode(v starlark.Value) error {
	return builtins.Errorf(builtins.ValueError, "invalid mode %s (only r, w, b allowed)", builtins.PyRepr(v))
}

// raw is the SocketIO's mode: "rb", "wb" or "rwb".
func (m fileMode) raw() string {
	var b strings.Builder
	if m.reading {
		b.WriteByte('r')
	}
	if m.writing {
		b.WriteByte('w')
	}
	b.WriteByte('b')
	return b.String()
}

// bufferSize reads buffering as socket.py does: None or negative is the
// default size, 0 unbuffered, and anything else must then be a size for
// io.BufferedReader (a float compares with 0 but is no size).
func bufferSize(v starlark.Value) (int, error) {
	switch b := v.(type) {
	case nil, starlark.NoneType:
		return defaultBufferSize, nil
	case starlark.Int, starlark.Bool:
		if n, _ := intValue(b); n.Sign() < 0 {
			return defaultBufferSize, nil
		}
		n, err := conv.Int(b, conv.SSizeT)
		return int(n), err
	case starlark.Float:
		switch {
		case b < 0:
			return defaultBufferSize, nil
		case b == 0:
			return 0, nil
		}
		return 0, conv.NotAnInteger(b)
	}
	return 0, builtins.Errorf(builtins.TypeError, "'<' not supported between instances of '%s' and 'int'", builtins.PyTypeName(v))
}

// increfIO and decrefIO count the files made from the socket (socket.py's
// _io_refs): close() closes the descriptor only once they are all closed.
func (s *Socket) increfIO() {
	s.mu.Lock()
	s.ioRefs++
	s.mu.Unlock()
}

func (s *Socket) decrefIO() {
	s.mu.Lock()
	if s.ioRefs > 0 {
		s.ioRefs--
	}
	closeNow := s.closeRequested && s.ioRefs == 0
	s.mu.Unlock()
	if closeNow {
		s.release(true)
	}
}

// closeWaitsForFiles records the script's close(), socket.py's: the
// socket counts as closed from now on (its repr says so), and it reports
// whether files made by makefile still hold the descriptor open, in which
// case closing the last of them closes it. Instance.Close and
// Socket.Close do not wait for the files.
func (s *Socket) closeWaitsForFiles() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeRequested = true
	return s.ioRefs > 0
}

// closedForRepr reports whether repr shows the socket as [closed]: after
// close() or detach(), even while files keep the descriptor open.
func (s *Socket) closedForRepr() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed || s.closeRequested
}
