package socket

import (
	"strings"
	"unicode/utf8"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
)

// charCount is len(s) as Python counts a str: characters, not bytes.
func charCount(s string) int { return utf8.RuneCountInString(s) }

// --- the text layer's decoder ---

// Newline kinds seen, as IncrementalNewlineDecoder records them.
const (
	seenCR = 1 << iota
	seenLF
	seenCRLF
)

// textDecoder is an incremental decoder of the codec, wrapped, when
// universal, in io.IncrementalNewlineDecoder: it holds back a final '\r'
// (the '\n' may follow in the next chunk), records which newlines it saw,
// and when translating turns '\r\n' and '\r' into '\n'.
type textDecoder struct {
	codec     *builtins.Codec
	errors    string
	universal bool
	translate bool

	pending   []byte // an incomplete sequence the codec held back
	pendingCR bool
	seen      int
}

func (d *textDecoder) decode(input []byte, final bool) (string, error) {
	in := input
	if len(d.pending) > 0 {
		in = append(append([]byte(nil), d.pending...), input...)
	}
	out, used, err := d.codec.Decode(in, final, d.errors)
	if err != nil {
		return "", err // as CPython's, the decoder keeps what it held
	}
	d.pending = append(d.pending[:0], in[used:]...)
	if !d.universal {
		return out, nil
	}
	if d.pendingCR && (final || out != "") {
		out = "\r" + out
		d.pendingCR = false
	}
	if !final && strings.HasSuffix(out, "\r") {
		out = out[:len(out)-1]
		d.pendingCR = true
	}
	crlf := strings.Count(out, "\r\n")
	cr := strings.Count(out, "\r") - crlf
	if strings.Count(out, "\n") > crlf {
		d.seen |= seenLF
	}
	if cr > 0 {
		d.seen |= seenCR
	}
	if crlf > 0 {
		d.seen |= seenCRLF
	}
	if d.translate {
		if crlf > 0 {
			out = strings.ReplaceAll(out, "\r\n", "\n")
		}
		if cr > 0 {
			out = strings.ReplaceAll(out, "\r", "\n")
		}
	}
	return out, nil
}

func (d *textDecoder) reset() {
	d.pending, d.pendingCR, d.seen = d.pending[:0], false, 0
}

// newlines is the decoder's newlines attribute: None, one kind, or a
// tuple of the kinds seen, in CPython's order.
func (d *textDecoder) newlines() starlark.Value {
	var kinds starlark.Tuple
	for _, k := range []struct {
		bit int
		s   string
	}{{seenCR, "\r"}, {seenLF, "\n"}, {seenCRLF, "\r\n"}} {
		if d.seen&k.bit != 0 {
			kinds = append(kinds, starlark.String(k.s))
		}
	}
	switch len(kinds) {
	case 0:
		return starlark.None
	case 1:
		return kinds[0]
	}
	return kinds
}
