package socket

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
)

// TextIOWrapper is io.TextIOWrapper over one of makefile's buffered
// files, as Modules/_io/textio.c behaves: reads decode chunks of the
// buffer (read1 of 8192 bytes) and hand out characters; writes encode
// into a pending buffer passed to the buffered file past 8192 bytes and
// on flush. As in CPython 3.11, a write drops what was read ahead and not
// yet returned ("rw" mode).
type TextIOWrapper struct {
	threadMemo
	buffer   bufferedFile
	mode     starlark.Value // makefile's mode argument, as given
	encoding string         // as given, or the locale's
	codec    *builtins.Codec
	errors   string

	readUniversal bool   // any of \r, \n, \r\n ends a line
	readTranslate bool   // ... and reads as \n
	readNL        string // what ends a line otherwise
	writeNL       string // what \n is written as; "" to leave it
	canRead       bool   // CPython's decoder exists
	canWrite      bool   // CPython's encoder exists

	readMu      sync.Mutex
	decoded     string // the last decoded chunk; decoded[used:] is not yet returned
	used        int
	decoder     textDecoder
	b2cratio    float64 // bytes per character of the last chunk
	resetsTaken uint64

	writeMu    sync.Mutex
	pending    []byte       // encoded, not yet given to the buffer
	pendingLen atomic.Int64 // len(pending), read without the lock
	resets     atomic.Uint64
}

var (
	_ starlark.HasAttrs = (*TextIOWrapper)(nil)
	_ starlark.Iterable = (*TextIOWrapper)(nil)
)

// textOptions are makefile's encoding, errors and newline, checked.
type textOptions struct {
	encoding string
	codec    *builtins.Codec
	errors   string
	newline  *string // nil for None
}

// parseTextOptions checks the text arguments in TextIOWrapper's order:
// the types of encoding, newline and errors, the newline's value, then
// the encoding's name. errors is only looked up when an error needs it.
func parseTextOptions(encoding, errors, newline starlark.Value) (*textOptions, error) {
	enc, err := optionalString("encoding", encoding)
	if err != nil {
		return nil, err
	}
	nl, err := optionalString("newline", newline)
	if err != nil {
		return nil, err
	}
	errs, err := optionalString("errors", errors)
	if err != nil {
		return nil, err
	}
	opts := &textOptions{errors: "strict", newline: nl}
	if errs != nil {
		opts.errors = *errs
	}
	if nl != nil {
		switch *nl {
		case "", "\n", "\r", "\r\n":
		default:
			return nil, builtins.Errorf(builtins.ValueError, "illegal newline value: %s", *nl)
		}
	}
	if enc == nil || *enc == "locale" {
		// The locale's encoding, which here is UTF-8 as CPython names it.
		opts.encoding, opts.codec = "UTF-8", builtins.UTF8
		return opts, nil
	}
	if opts.codec, err = builtins.LookupCodec(*enc); err != nil {
		return nil, err
	}
	opts.encoding = *enc
	return opts, nil
}

// optionalString is a str-or-None argument of TextIOWrapper().
func optionalString(param string, v starlark.Value) (*string, error) {
	switch s := v.(type) {
	case nil, starlark.NoneType:
		return nil, nil
	case starlark.String:
		str := string(s)
		return &str, nil
	}
	return nil, builtins.Errorf(builtins.TypeError, "TextIOWrapper() argument '%s' must be str or None, not %s", param, builtins.PyTypeName(v))
}

func newTextIOWrapper(thread *starlark.Thread, buffer bufferedFile, mode starlark.Value, opts *textOptions) *TextIOWrapper {
	t := &TextIOWrapper{buffer: buffer, mode: mode, encoding: opts.encoding, codec: opts.codec, errors: opts.errors}
	t.remember(thread)
	nl := opts.newline
	t.readUniversal = nl == nil || *nl == ""
	t.readTranslate = nl == nil
	if nl != nil {
		t.readNL = *nl
		if *nl == "\r" || *nl == "\r\n" {
			t.writeNL = *nl
		}
	}
	t.canRead, _ = buffer.readable()
	t.canWrite, _ = buffer.writable()
	t.decoder = textDecoder{codec: t.codec, errors: t.errors, universal: t.readUniversal, translate: t.readTranslate}
	return t
}

func (t *TextIOWrapper) checkClosed() error {
	if t.buffer.isClosed() {
		return errClosedFile()
	}
	return nil
}

// --- writing ---

// write is TextIOWrapper.write(s): the number of characters written.
func (t *TextIOWrapper) write(thread *starlark.Thread, v starlark.Value) (int, error) {
	s, ok := v.(starlark.String)
	if !ok {
		kind := builtins.PyTypeName(v)
		if v == starlark.None {
			kind = "None"
		}
		return 0, builtins.Errorf(builtins.TypeError, "write() argument must be str, not %s", kind)
	}
	if err := t.checkClosed(); err != nil {
		return 0, err
	}
	if !t.canWrite {
		return 0, unsupported("not writable")
	}
	text := string(s)
	n := charCount(text)
	if t.writeNL != "" {
		text = strings.ReplaceAll(text, "\n", t.writeNL)
	}
	encoded, err := t.codec.Encode(text, t.errors)
	if err != nil {
		return 0, err
	}
	t.writeMu.Lock()
	defer t.writeMu.Unlock()
	if len(t.pending)+len(encoded) > defaultBufferSize {
		if err := t.writeFlushLocked(thread); err != nil {
			return 0, err
		}
	}
	t.pending = append(t.pending, encoded...)
	t.pendingLen.Store(int64(len(t.pending)))
	if len(t.pending) >= defaultBufferSize {
		if err := t.writeFlushLocked(thread); err != nil {
			return 0, err
		}
	}
	t.resets.Add(1)
	return n, nil
}

// writeFlushLocked gives the pending bytes to the buffer, which does not
// flush them; t.writeMu is held. As in CPython they are dropped if the
// buffer refuses them.
func (t *TextIOWrapper) writeFlushLocked(thread *starlark.Thread) error {
	if len(t.pending) == 0 {
		return nil
	}
	data := t.pending
	t.pending = nil
	t.pendingLen.Store(0)
	_, err := t.buffer.write(thread, data)
	return err
}

// writeFlush is writeFlushLocked for the readers, which have nothing to
// do (and do not wait for a writer) when nothing is pending.
func (t *TextIOWrapper) writeFlush(thread *starlark.Thread) error {
	if t.pendingLen.Load() == 0 {
		return nil
	}
	t.writeMu.Lock()
	defer t.writeMu.Unlock()
	return t.writeFlushLocked(thread)
}

func (t *TextIOWrapper) flush(thread *starlark.Thread) error {
	if err := t.checkClosed(); err != nil {
		return err
	}
	if err := t.writeFlush(thread); err != nil {
		return err
	}
	return t.buffer.flush(thread)
}

// close flushes, then closes the buffer even if the flush failed.
func (t *TextIOWrapper) close(thread *starlark.Thread) error {
	if t.buffer.isClosed() {
		return nil
	}
	flushErr := t.flush(thread)
	closeErr := t.buffer.close(thread)
	if flushErr != nil {
		return flushErr
	}
	return closeErr
}

// --- reading ---

// startRead is the common start of read and readline: the checks, the
// pending writes, and the read-ahead a write dropped. It returns with
// t.readMu held.
func (t *TextIOWrapper) startRead(thread *starlark.Thread) error {
	if err := t.checkClosed(); err != nil {
		return err
	}
	if !t.canRead {
		return unsupported("not readable")
	}
	if err := t.writeFlush(thread); err != nil {
		return err
	}
	t.readMu.Lock()
	t.takeResets()
	return nil
}

// takeResets applies the writes since the last read: each dropped the
// read-ahead and reset the decoder. t.readMu is held.
func (t *TextIOWrapper) takeResets() {
	if n := t.resets.Load(); n != t.resetsTaken {
		t.resetsTaken = n
		t.setDecoded("")
		t.decoder.reset()
	}
}

func (t *TextIOWrapper) setDecoded(s string) { t.decoded, t.used = s, 0 }

// takeDecoded returns up to n characters (all for n < 0) of the decoded
// chunk not yet returned.
func (t *TextIOWrapper) takeDecoded(n int) string {
	rest := t.decoded[t.used:]
	end := charOffset(rest, n)
	t.used += end
	return rest[:end]
}

// charOffset is the byte offset of s after n characters, or len(s).
func charOffset(s string, n int) int {
	if n < 0 || n >= len(s) {
		return len(s)
	}
	i := 0
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// readChunk reads (read1) and decodes the next chunk into t.decoded,
// reporting false at the end of the stream. sizeHint is how many
// characters the caller still wants.
func (t *TextIOWrapper) readChunk(thread *starlark.Thread, sizeHint int) (bool, error) {
	if sizeHint > 0 {
		sizeHint = int(max(t.b2cratio, 1) * float64(sizeHint))
	}
	input, err := t.buffer.read1(thread, max(defaultBufferSize, sizeHint))
	if err != nil {
		return false, err
	}
	eof := len(input) == 0
	decoded, err := t.decoder.decode([]byte(input), eof)
	if err != nil {
		return false, err
	}
	t.setDecoded(decoded)
	t.b2cratio = 0
	if nchars := charCount(decoded); nchars > 0 {
		t.b2cratio = float64(len(input)) / float64(nchars)
		eof = false
	}
	return !eof, nil
}

// read is TextIOWrapper.read(n): n characters, fewer at the end of the
// stream; all of it for n < 0.
func (t *TextIOWrapper) read(thread *starlark.Thread, n int) (starlark.Value, error) {
	if err := t.startRead(thread); err != nil {
		return nil, err
	}
	defer t.readMu.Unlock()
	if n < 0 {
		all, err := t.buffer.read(thread, -1)
		if err != nil {
			return nil, err
		}
		data, ok := all.(starlark.Bytes)
		if !ok { // a non-blocking socket had nothing: CPython's decoder fails on None
			if t.codec == builtins.UTF8 {
				return nil, builtins.Errorf(builtins.TypeError, "can't concat NoneType to bytes")
			}
			return nil, builtins.Errorf(builtins.TypeError, "a bytes-like object is required, not 'NoneType'")
		}
		decoded, err := t.decoder.decode([]byte(data), true)
		if err != nil {
			return nil, err
		}
		return starlark.String(t.takeDecoded(-1) + decoded), nil
	}
	var b strings.Builder
	b.WriteString(t.takeDecoded(n))
	remaining := n - charCount(b.String())
	for remaining > 0 {
		more, err := t.readChunk(thread, remaining)
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		chunk := t.takeDecoded(remaining)
		b.WriteString(chunk)
		remaining -= charCount(chunk)
	}
	return starlark.String(b.String()), nil
}

// readline is TextIOWrapper.readline(limit): a line with its ending, at
// most limit characters when limit is not negative.
func (t *TextIOWrapper) readline(thread *starlark.Thread, limit int) (starlark.Value, error) {
	if err := t.startRead(thread); err != nil {
		return nil, err
	}
	defer t.readMu.Unlock()
	var parts []string
	chunked := 0    // characters in parts
	remaining := "" // the end of the last chunk, which may start a line ending
	line := ""
	for {
		for t.decoded == "" {
			more, err := t.readChunk(thread, 0)
			if err != nil {
				return nil, err
			}
			if !more {
				break
			}
		}
		if t.decoded == "" { // the end of the stream
			parts = append(parts, remaining)
			break
		}
		buf, start, offset := t.decoded, t.used, 0
		if remaining != "" {
			buf, start, offset = remaining+t.decoded, 0, len(remaining)
			remaining = ""
		}
		end, found := t.findLineEnding(buf[start:])
		if limit >= 0 && charCount(buf[start:start+end])+chunked >= limit {
			end, found = charOffset(buf[start:], limit-chunked), true
		}
		if found {
			line, t.used = buf[start:start+end], start+end-offset
			break
		}
		// No line ending yet: keep what surely holds none, read on.
		parts = append(parts, buf[start:start+end])
		chunked += charCount(buf[start : start+end])
		remaining = buf[start+end:]
		t.setDecoded("")
	}
	parts = append(parts, line)
	return starlark.String(strings.Join(parts, "")), nil
}

// findLineEnding returns the offset just past the first line ending in s
// and true, or else how much of s surely holds none (all of it, but for
// the start of a two-character newline at its very end) and false.
func (t *TextIOWrapper) findLineEnding(s string) (int, bool) {
	switch {
	case t.readTranslate:
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			return i + 1, true
		}
	case t.readUniversal:
		if i := strings.IndexAny(s, "\r\n"); i >= 0 {
			if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				return i + 2, true
			}
			return i + 1, true
		}
	default:
		if i := strings.Index(s, t.readNL); i >= 0 {
			return i + len(t.readNL), true
		}
		if len(t.readNL) > 1 {
			tail := max(len(s)-(len(t.readNL)-1), 0)
			if i := strings.IndexByte(s[tail:], t.readNL[0]); i >= 0 {
				return tail + i, false
			}
		}
	}
	return len(s), false
}
