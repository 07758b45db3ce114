package socket

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
)

// The encodings a text file made by makefile can use: UTF-8, ASCII and
// Latin-1, under the names and aliases CPython knows them by, with
// CPython's error handlers and the messages of its codecs. A Starlark
// string is UTF-8 bytes, so decoding produces UTF-8 and encoding reads it.

// textCodec is one encoding.
type textCodec struct {
	name string // as the codec's errors name it: "utf-8"
	// decode decodes in, holding back an incomplete sequence at its end
	// unless final; used is how much of in it consumed.
	decode func(c *textCodec, in []byte, final bool, errors string) (text string, used int, err error)
	encode func(c *textCodec, s string, errors string) ([]byte, error)
	limit  rune // the first character the encoding cannot hold (0: none)
}

var (
	utf8Codec   = &textCodec{name: "utf-8", decode: decodeUTF8, encode: encodeUTF8}
	asciiCodec  = &textCodec{name: "ascii", decode: decodeSingleByte, encode: encodeSingleByte, limit: 0x80}
	latin1Codec = &textCodec{name: "latin-1", decode: decodeSingleByte, encode: encodeSingleByte, limit: 0x100}
)

// codecAliases maps normalized names to the codecs, as encodings.aliases
// does (for these three).
var codecAliases = map[string]*textCodec{
	"utf_8": utf8Codec, "utf8": utf8Codec, "u8": utf8Codec, "utf": utf8Codec,
	"utf8_ucs2": utf8Codec, "utf8_ucs4": utf8Codec, "cp65001": utf8Codec,

	"ascii": asciiCodec, "646": asciiCodec, "ansi_x3.4_1968": asciiCodec, "ansi_x3.4_1986": asciiCodec,
	"ansi_x3_4_1968": asciiCodec, "cp367": asciiCodec, "csascii": asciiCodec, "ibm367": asciiCodec,
	"iso646_us": asciiCodec, "iso_646.irv_1991": asciiCodec, "iso_ir_6": asciiCodec, "us": asciiCodec,
	"us_ascii": asciiCodec,

	"latin_1": latin1Codec, "8859": latin1Codec, "cp819": latin1Codec, "csisolatin1": latin1Codec,
	"ibm819": latin1Codec, "iso8859": latin1Codec, "iso8859_1": latin1Codec, "iso_8859_1": latin1Codec,
	"iso_8859_1_1987": latin1Codec, "iso_ir_100": latin1Codec, "l1": latin1Codec, "latin": latin1Codec,
	"latin1": latin1Codec,
}

// lookupCodec is codecs.lookup for the encodings starsock has.
func lookupCodec(name string) (*textCodec, error) {
	norm := normalizeEncoding(name)
	if c := codecAliases[norm]; c != nil {
		return c, nil
	}
	if c := codecAliases[strings.ReplaceAll(norm, ".", "_")]; c != nil {
		return c, nil
	}
	return nil, builtins.Errorf(builtins.LookupError, "unknown encoding: %s", name)
}

// normalizeEncoding is encodings.normalize_encoding of the lowercased
// name: each run of characters other than letters, digits and '.' becomes
// one '_', and none leads.
func normalizeEncoding(name string) string {
	var b strings.Builder
	punct := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' {
			if punct && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			punct = false
		} else {
			punct = true
		}
	}
	return b.String()
}

// charCount is len(s) as Python counts a str: characters, not bytes.
func charCount(s string) int { return utf8.RuneCountInString(s) }

// --- decoding ---

// decodeFailure handles the undecodable bytes in[start:end] as the error
// handler says, writing what replaces them to b.
func decodeFailure(b *strings.Builder, c *textCodec, errors string, in []byte, start, end int, reason string) error {
	switch errors {
	case "strict", "surrogatepass":
		if end-start == 1 {
			return builtins.Errorf(builtins.UnicodeDecodeError, "'%s' codec can't decode byte 0x%02x in position %d: %s", c.name, in[start], start, reason)
		}
		return builtins.Errorf(builtins.UnicodeDecodeError, "'%s' codec can't decode bytes in position %d-%d: %s", c.name, start, end-1, reason)
	case "ignore":
	case "replace":
		b.WriteRune(utf8.RuneError)
	case "backslashreplace":
		for _, x := range in[start:end] {
			fmt.Fprintf(b, `\x%02x`, x)
		}
	case "xmlcharrefreplace", "namereplace":
		return builtins.Errorf(builtins.TypeError, "don't know how to handle UnicodeDecodeError in error callback")
	case "surrogateescape":
		return unsupportedHandler(errors)
	default:
		return unknownHandler(errors)
	}
	return nil
}

func unknownHandler(name string) error {
	return builtins.Errorf(builtins.LookupError, "unknown error handler name '%s'", name)
}

// unsupportedHandler: a Starlark string cannot hold the lone surrogates
// or character names these handlers produce.
func unsupportedHandler(name string) error {
	return builtins.Errorf(builtins.LookupError, "error handler '%s' is not supported by starsock", name)
}

// decodeUTF8 decodes as CPython's UTF-8 codec: each error covers the
// longest valid prefix of a sequence (or one invalid start byte), so
// replace writes one U+FFFD for each.
func decodeUTF8(c *textCodec, in []byte, final bool, errors string) (string, int, error) {
	if utf8.Valid(in) {
		return string(in), len(in), nil
	}
	var b strings.Builder
	i := 0
	for i < len(in) {
		size, status := utf8Sequence(in[i:])
		switch status {
		case seqValid:
			b.Write(in[i : i+size])
			i += size
			continue
		case seqIncomplete:
			if !final {
				return b.String(), i, nil
			}
			if err := decodeFailure(&b, c, errors, in, i, i+size, "unexpected end of data"); err != nil {
				return "", 0, err
			}
		case seqBadStart:
			if err := decodeFailure(&b, c, errors, in, i, i+size, "invalid start byte"); err != nil {
				return "", 0, err
			}
		case seqBadContinuation:
			if err := decodeFailure(&b, c, errors, in, i, i+size, "invalid continuation byte"); err != nil {
				return "", 0, err
			}
		}
		i += size
	}
	return b.String(), i, nil
}

type seqStatus int

const (
	seqValid seqStatus = iota
	seqIncomplete
	seqBadStart
	seqBadContinuation
)

// utf8Sequence classifies the sequence at the start of p: its size when
// valid, else how many bytes the error covers.
func utf8Sequence(p []byte) (int, seqStatus) {
	c := p[0]
	if c < 0x80 {
		return 1, seqValid
	}
	need, lo, hi := 0, byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c == 0xED:
		need, hi = 2, 0x9F // no surrogates
	case c >= 0xE1 && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1, seqBadStart
	}
	for k := 1; k <= need; k++ {
		if k >= len(p) {
			return k, seqIncomplete
		}
		if p[k] < lo || p[k] > hi {
			return k, seqBadContinuation
		}
		lo, hi = 0x80, 0xBF
	}
	return need + 1, seqValid
}

// decodeSingleByte decodes ASCII or Latin-1: each byte is the character
// of that number, and for ASCII one above 127 is an error.
func decodeSingleByte(c *textCodec, in []byte, _ bool, errors string) (string, int, error) {
	var b strings.Builder
	b.Grow(len(in))
	for i, x := range in {
		if rune(x) < c.limit {
			b.WriteRune(rune(x))
			continue
		}
		if err := decodeFailure(&b, c, errors, in, i, i+1, "ordinal not in range(128)"); err != nil {
			return "", 0, err
		}
	}
	return b.String(), len(in), nil
}

// --- encoding ---

// encodeUTF8 is the identity: a Starlark string is UTF-8 already.
func encodeUTF8(_ *textCodec, s string, _ string) ([]byte, error) { return []byte(s), nil }

// encodeSingleByte encodes ASCII or Latin-1. A run of characters the
// encoding cannot hold is one error, as in CPython.
func encodeSingleByte(c *textCodec, s string, errors string) ([]byte, error) {
	chars := []rune(s)
	out := make([]byte, 0, len(chars))
	for i := 0; i < len(chars); {
		if chars[i] < c.limit {
			out = append(out, byte(chars[i]))
			i++
			continue
		}
		j := i + 1
		for j < len(chars) && chars[j] >= c.limit {
			j++
		}
		switch errors {
		case "strict", "surrogateescape", "surrogatepass":
			reason := fmt.Sprintf("ordinal not in range(%d)", c.limit)
			if j-i == 1 {
				return nil, builtins.Errorf(builtins.UnicodeEncodeError, "'%s' codec can't encode character '%s' in position %d: %s", c.name, escapeChar(chars[i]), i, reason)
			}
			return nil, builtins.Errorf(builtins.UnicodeEncodeError, "'%s' codec can't encode characters in position %d-%d: %s", c.name, i, j-1, reason)
		case "ignore":
		case "replace":
			out = append(out, strings.Repeat("?", j-i)...)
		case "backslashreplace":
			for _, r := range chars[i:j] {
				out = append(out, escapeChar(r)...)
			}
		case "xmlcharrefreplace":
			for _, r := range chars[i:j] {
				out = fmt.Appendf(out, "&#%d;", r)
			}
		case "namereplace":
			return nil, unsupportedHandler(errors)
		default:
			return nil, unknownHandler(errors)
		}
		i = j
	}
	return out, nil
}

// escapeChar is a character as Python's backslash escapes write it.
func escapeChar(r rune) string {
	switch {
	case r <= 0xFF:
		return fmt.Sprintf(`\x%02x`, r)
	case r <= 0xFFFF:
		return fmt.Sprintf(`\u%04x`, r)
	}
	return fmt.Sprintf(`\U%08x`, r)
}

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
	codec     *textCodec
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
	out, used, err := d.codec.decode(d.codec, in, final, d.errors)
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
