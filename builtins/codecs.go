package builtins

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The codecs a socket script meets: text on the wire is UTF-8, ASCII or
// Latin-1. Python's bytes.decode and str.encode take these names, in any
// case and with '_' or '-' ("UTF8", "latin_1", "iso-8859-1").
const (
	codecUTF8   = "utf-8"
	codecASCII  = "ascii"
	codecLatin1 = "latin-1"
)

func lookupCodec(name string) (string, error) {
	switch strings.ReplaceAll(strings.ToLower(name), "_", "-") {
	case "utf-8", "utf8", "u8", "utf":
		return codecUTF8, nil
	case "ascii", "us-ascii", "646":
		return codecASCII, nil
	case "latin-1", "latin1", "latin", "l1", "iso-8859-1", "iso8859-1", "8859", "cp819":
		return codecLatin1, nil
	}
	return "", Errorf(LookupError, "unknown encoding: %s", name)
}

// checkErrorHandler accepts the error handlers that need no Python
// callbacks. Like CPython, an unknown handler is only an error once it is
// needed, so it is checked where a bad byte is met.
func checkErrorHandler(name string) error {
	switch name {
	case "strict", "replace", "ignore", "backslashreplace":
		return nil
	}
	return Errorf(LookupError, "unknown error handler name '%s'", name)
}

// Decode is Python's bytes.decode(encoding, errors).
func Decode(data, encoding, errors string) (string, error) {
	codec, err := lookupCodec(encoding)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(data))
	for i := 0; i < len(data); {
		c := data[i]
		switch {
		case c < utf8.RuneSelf || codec == codecLatin1:
			b.WriteRune(rune(c))
			i++
			continue
		case codec == codecUTF8:
			r, size := utf8.DecodeRuneInString(data[i:])
			if r != utf8.RuneError || size > 1 {
				b.WriteString(data[i : i+size])
				i += size
				continue
			}
		}
		start, end, reason := badInput(codec, data, i)
		if errors == "strict" {
			pos := fmt.Sprintf("byte 0x%02x in position %d", data[start], start)
			if end-start > 1 {
				pos = fmt.Sprintf("bytes in position %d-%d", start, end-1)
			}
			return "", Errorf(UnicodeDecodeError, "'%s' codec can't decode %s: %s", codec, pos, reason)
		}
		if err := checkErrorHandler(errors); err != nil {
			return "", err
		}
		switch errors {
		case "replace":
			b.WriteRune(utf8.RuneError)
		case "backslashreplace":
			for j := start; j < end; j++ {
				fmt.Fprintf(&b, `\x%02x`, data[j])
			}
		}
		i = end
	}
	return b.String(), nil
}

// badInput finds the extent of the undecodable input at i and CPython's
// reason for it.
func badInput(codec, data string, i int) (start, end int, reason string) {
	if codec == codecASCII {
		return i, i + 1, "ordinal not in range(128)"
	}
	c := data[i]
	var need int
	switch {
	case c >= 0xc2 && c <= 0xdf:
		need = 2
	case c >= 0xe0 && c <= 0xef:
		need = 3
	case c >= 0xf0 && c <= 0xf4:
		need = 4
	default:
		return i, i + 1, "invalid start byte"
	}
	// The longest prefix of a valid sequence: a truncated one at the end
	// of the data is "unexpected end of data", one cut short by a byte
	// that cannot continue it is "invalid continuation byte".
	j := i + 1
	for ; j < i+need && j < len(data); j++ {
		lo, hi := byte(0x80), byte(0xbf)
		if j == i+1 {
			switch c {
			case 0xe0:
				lo = 0xa0
			case 0xed:
				hi = 0x9f
			case 0xf0:
				lo = 0x90
			case 0xf4:
				hi = 0x8f
			}
		}
		if data[j] < lo || data[j] > hi {
			return i, j, "invalid continuation byte"
		}
	}
	return i, j, "unexpected end of data"
}

// Encode is Python's str.encode(encoding, errors). Starlark strings are
// UTF-8 already, so UTF-8 is the string's own bytes.
func Encode(s, encoding, errors string) (string, error) {
	codec, err := lookupCodec(encoding)
	if err != nil {
		return "", err
	}
	if codec == codecUTF8 {
		return s, nil
	}
	limit := rune(0x80)
	if codec == codecLatin1 {
		limit = 0x100
	}
	var b strings.Builder
	runes := []rune(s) // Python counts positions in code points
	for pos, r := range runes {
		if r < limit {
			b.WriteByte(byte(r))
			continue
		}
		if errors == "strict" {
			end := pos + 1
			for end < len(runes) && runes[end] >= limit {
				end++
			}
			what := fmt.Sprintf("character '%s' in position %d", escapeRune(r), pos)
			if end-pos > 1 {
				what = fmt.Sprintf("characters in position %d-%d", pos, end-1)
			}
			return "", Errorf(UnicodeEncodeError, "'%s' codec can't encode %s: ordinal not in range(%d)", codec, what, limit)
		}
		if err := checkErrorHandler(errors); err != nil {
			return "", err
		}
		switch errors {
		case "replace":
			b.WriteByte('?')
		case "backslashreplace":
			b.WriteString(escapeRune(r))
		}
	}
	return b.String(), nil
}

func escapeRune(r rune) string {
	switch {
	case r < 0x100:
		return fmt.Sprintf(`\x%02x`, r)
	case r < 0x10000:
		return fmt.Sprintf(`\u%04x`, r)
	}
	return fmt.Sprintf(`\U%08x`, r)
}
