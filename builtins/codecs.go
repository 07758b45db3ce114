package builtins

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The encodings socket code meets: UTF-8, ASCII and Latin-1, under the
// names and aliases CPython knows them by, with CPython's error handlers
// and the messages of its codecs. bytes.decode, str.encode, str(data,
// encoding) and the text files of makefile() all use them. A Starlark
// string is UTF-8 bytes, so decoding produces UTF-8 and encoding reads it.

// Codec is one encoding.
type Codec struct {
	name string // as the codec's errors name it: "utf-8"
	// decode decodes in, holding back an incomplete sequence at its end
	// unless final; used is how much of in it consumed.
	decode func(c *Codec, in []byte, final bool, errors string) (text string, used int, err error)
	encode func(c *Codec, s string, errors string) ([]byte, error)
	limit  rune // the first character the encoding cannot hold (0: none)
}

var (
	utf8Codec   = &Codec{name: "utf-8", decode: decodeUTF8, encode: encodeUTF8}
	asciiCodec  = &Codec{name: "ascii", decode: decodeSingleByte, encode: encodeSingleByte, limit: 0x80}
	latin1Codec = &Codec{name: "latin-1", decode: decodeSingleByte, encode: encodeSingleByte, limit: 0x100}
)

// UTF8 is the UTF-8 codec, the default of decode, encode and text files.
var UTF8 = utf8Codec

// codecAliases maps normalized names to the codecs, as encodings.aliases
// does (for these three).
var codecAliases = map[string]*Codec{
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

// LookupCodec is codecs.lookup for the encodings starsock has.
func LookupCodec(name string) (*Codec, error) {
	norm := normalizeEncoding(name)
	if c := codecAliases[norm]; c != nil {
		return c, nil
	}
	if c := codecAliases[strings.ReplaceAll(norm, ".", "_")]; c != nil {
		return c, nil
	}
	return nil, Errorf(LookupError, "unknown encoding: %s", name)
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

// --- decoding ---

// decodeFailure handles the undecodable bytes in[start:end] as the error
// handler says, writing what replaces them to b.
func decodeFailure(b *strings.Builder, c *Codec, errors string, in []byte, start, end int, reason string) error {
	switch errors {
	case "strict", "surrogatepass":
		if end-start == 1 {
			return Errorf(UnicodeDecodeError, "'%s' codec can't decode byte 0x%02x in position %d: %s", c.name, in[start], start, reason)
		}
		return Errorf(UnicodeDecodeError, "'%s' codec can't decode bytes in position %d-%d: %s", c.name, start, end-1, reason)
	case "ignore":
	case "replace":
		b.WriteRune(utf8.RuneError)
	case "backslashreplace":
		for _, x := range in[start:end] {
			fmt.Fprintf(b, `\x%02x`, x)
		}
	case "xmlcharrefreplace", "namereplace":
		return Errorf(TypeError, "don't know how to handle UnicodeDecodeError in error callback")
	case "surrogateescape":
		return unsupportedHandler(errors)
	default:
		return unknownHandler(errors)
	}
	return nil
}

func unknownHandler(name string) error {
	return Errorf(LookupError, "unknown error handler name '%s'", name)
}

// unsupportedHandler: a Starlark string cannot hold the lone surrogates
// or character names these handlers produce.
func unsupportedHandler(name string) error {
	return Errorf(LookupError, "error handler '%s' is not supported by starsock", name)
}

// decodeUTF8 decodes as CPython's UTF-8 codec: each error covers the
// longest valid prefix of a sequence (or one invalid start byte), so
// replace writes one U+FFFD for each.
func decodeUTF8(c *Codec, in []byte, final bool, errors string) (string, int, error) {
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
func decodeSingleByte(c *Codec, in []byte, _ bool, errors string) (string, int, error) {
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
func encodeUTF8(_ *Codec, s string, _ string) ([]byte, error) { return []byte(s), nil }

// encodeSingleByte encodes ASCII or Latin-1. A run of characters the
// encoding cannot hold is one error, as in CPython.
func encodeSingleByte(c *Codec, s string, errors string) ([]byte, error) {
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
				return nil, Errorf(UnicodeEncodeError, "'%s' codec can't encode character '%s' in position %d: %s", c.name, escapeChar(chars[i]), i, reason)
			}
			return nil, Errorf(UnicodeEncodeError, "'%s' codec can't encode characters in position %d-%d: %s", c.name, i, j-1, reason)
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

// Name is the codec's name as its errors give it: "utf-8".
func (c *Codec) Name() string { return c.name }

// Decode decodes in, holding back an incomplete sequence at its end unless
// final; used is how much of in it consumed (all of it when final).
func (c *Codec) Decode(in []byte, final bool, errors string) (text string, used int, err error) {
	return c.decode(c, in, final, errors)
}

// Encode encodes s, handling what the encoding cannot hold as errors says.
func (c *Codec) Encode(s, errors string) ([]byte, error) { return c.encode(c, s, errors) }

// Decode is Python's bytes.decode(encoding, errors).
func Decode(data, encoding, errors string) (string, error) {
	c, err := LookupCodec(encoding)
	if err != nil {
		return "", err
	}
	if c == utf8Codec && utf8.ValidString(data) {
		return data, nil // the common case: the bytes are the string, no copy
	}
	s, _, err := c.Decode([]byte(data), true, errors)
	return s, err
}

// Encode is Python's str.encode(encoding, errors).
func Encode(s, encoding, errors string) (string, error) {
	c, err := LookupCodec(encoding)
	if err != nil {
		return "", err
	}
	b, err := c.Encode(s, errors)
	return string(b), err
}
