package builtins

import (
	"encoding/hex"
	"strings"
	"unicode/utf8"
	_ "unsafe" // for go:linkname

	"go.starlark.net/starlark"
)

// Socket code lives on bytes: data.decode(), msg.encode(),
// line.split(b" "), header.startswith(b"HTTP/"). Starlark's bytes have
// only elems() and its strings no encode(), so a script copied from a
// Python tutorial would stop at its first line of parsing. The method
// tables of go.starlark.net's bytes and str types are unexported; starsock
// adds Python's methods to them once, at start-up. This changes those
// types for the whole process, which only makes calls work that failed
// before: a method Starlark already has is never replaced.

//go:linkname starlarkBytesMethods go.starlark.net/starlark.bytesMethods
var starlarkBytesMethods map[string]*starlark.Builtin

//go:linkname starlarkStringMethods go.starlark.net/starlark.stringMethods
var starlarkStringMethods map[string]*starlark.Builtin

func init() {
	for name, fn := range bytesMethods {
		if _, ok := starlarkBytesMethods[name]; !ok {
			starlarkBytesMethods[name] = starlark.NewBuiltin(name, fn)
		}
	}
	if _, ok := starlarkStringMethods["encode"]; !ok {
		starlarkStringMethods["encode"] = starlark.NewBuiltin("encode", strEncode)
	}
}

type method = func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)

var bytesMethods = map[string]method{
	"decode":     bytesDecode,
	"split":      bytesSplit(false),
	"rsplit":     bytesSplit(true),
	"splitlines": bytesSplitlines,
	"strip":      bytesStrip(strings.Trim),
	"lstrip":     bytesStrip(strings.TrimLeft),
	"rstrip":     bytesStrip(strings.TrimRight),
	"startswith": bytesAffix("startswith", strings.HasPrefix),
	"endswith":   bytesAffix("endswith", strings.HasSuffix),
	"find":       bytesSearch(false, false),
	"rfind":      bytesSearch(true, false),
	"index":      bytesSearch(false, true),
	"rindex":     bytesSearch(true, true),
	"count":      bytesCount,
	"replace":    bytesReplace,
	"join":       bytesJoin,
	"partition":  bytesPartition(false),
	"rpartition": bytesPartition(true),
	"upper":      bytesMap(func(s string) starlark.Value { return starlark.Bytes(asciiCase(s, 'a', 'z', 'A')) }),
	"lower":      bytesMap(func(s string) starlark.Value { return starlark.Bytes(asciiCase(s, 'A', 'Z', 'a')) }),
	"hex":        bytesHex,
	"isdigit":    bytesIs(func(c byte) bool { return c >= '0' && c <= '9' }),
	"isalpha":    bytesIs(isASCIILetter),
	"isalnum":    bytesIs(func(c byte) bool { return isASCIILetter(c) || c >= '0' && c <= '9' }),
	"isspace":    bytesIs(func(c byte) bool { return strings.IndexByte(asciiSpace, c) >= 0 }),
}

// asciiSpace is what Python's bytes methods take as whitespace.
const asciiSpace = " \t\n\r\x0b\x0c"

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// asciiCase moves the letters lo..hi to the case starting at to.
func asciiCase(s string, lo, hi, to byte) string {
	b := []byte(s)
	for i, c := range b {
		if c >= lo && c <= hi {
			b[i] = c - lo + to
		}
	}
	return string(b)
}

func recvBytes(b *starlark.Builtin) string { return string(b.Receiver().(starlark.Bytes)) }

// bytesLike is the argument CPython's bytes methods take as data: bytes
// (Starlark has no bytearray or memoryview).
func bytesLike(v starlark.Value) (string, error) {
	if b, ok := v.(starlark.Bytes); ok {
		return string(b), nil
	}
	return "", Errorf(TypeError, "a bytes-like object is required, not '%s'", PyTypeName(v))
}

// bind unpacks a method's arguments, worded as CPython words a wrong
// call of that method; what each value must be is checked by the method.
func bind(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) ([]starlark.Value, error) {
	return methodSignatures[b.Name()].Bind(args, kwargs)
}

// methodSignatures are the methods' parameters, each in the style CPython
// parses them in (which decides the wording of a wrong call).
var methodSignatures = func() map[string]*Signature {
	sigs := map[string]*Signature{
		"decode":     {Name: "decode", Style: Clinic, Params: []string{"encoding?", "errors?"}},
		"encode":     {Name: "encode", Style: Clinic, Params: []string{"encoding?", "errors?"}},
		"split":      {Name: "split", Style: Clinic, Params: []string{"sep?", "maxsplit?"}},
		"rsplit":     {Name: "rsplit", Style: Clinic, Params: []string{"sep?", "maxsplit?"}},
		"splitlines": {Name: "splitlines", Style: Clinic, Params: []string{"keepends?"}},
		"hex":        {Name: "hex", Style: Clinic, Params: []string{"sep?", "bytes_per_sep?"}},
		"replace":    {Name: "replace", Qualified: "bytes.replace", Style: Positional, Params: []string{"old", "new", "count?"}},
	}
	for _, name := range []string{"strip", "lstrip", "rstrip"} {
		sigs[name] = &Signature{Name: name, Qualified: "bytes." + name, Style: Positional, Params: []string{"bytes?"}}
	}
	for _, name := range []string{"startswith", "endswith"} {
		sigs[name] = &Signature{Name: name, Qualified: "bytes." + name, Style: CArgs, Params: []string{"prefix", "start?", "end?"}}
	}
	for _, name := range []string{"find", "rfind", "index", "rindex", "count"} {
		sigs[name] = &Signature{Name: name, Qualified: "bytes." + name, Style: CArgs, Params: []string{"sub", "start?", "end?"}}
	}
	for _, name := range []string{"join", "partition", "rpartition"} {
		sigs[name] = &Signature{Name: "bytes." + name, Style: COne}
	}
	for _, name := range []string{"upper", "lower", "isdigit", "isalpha", "isalnum", "isspace"} {
		sigs[name] = &Signature{Name: "bytes." + name, Style: CNone}
	}
	return sigs
}()

func optString(v starlark.Value, fn, param, def string) (string, error) {
	switch v := v.(type) {
	case nil:
		return def, nil
	case starlark.String:
		return string(v), nil
	}
	return "", Errorf(TypeError, "%s() argument '%s' must be str, not %s", fn, param, PyTypeName(v))
}

func bytesDecode(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	encoding, errors, err := codecArgs(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	s, err := Decode(recvBytes(b), encoding, errors)
	return starlark.String(s), err
}

func strEncode(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	encoding, errors, err := codecArgs(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	s, err := Encode(string(b.Receiver().(starlark.String)), encoding, errors)
	return starlark.Bytes(s), err
}

// codecArgs reads decode's and encode's (encoding='utf-8', errors='strict').
func codecArgs(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (encoding, errors string, err error) {
	vals, err := bind(b, args, kwargs)
	if err != nil {
		return "", "", err
	}
	if encoding, err = optString(vals[0], b.Name(), "encoding", "utf-8"); err != nil {
		return "", "", err
	}
	errors, err = optString(vals[1], b.Name(), "errors", "strict")
	return encoding, errors, err
}

func optInt(v starlark.Value, def int) (int, error) {
	if v == nil || v == starlark.None {
		return def, nil
	}
	i, ok := v.(starlark.Int)
	if !ok {
		return 0, Errorf(TypeError, "'%s' object cannot be interpreted as an integer", PyTypeName(v))
	}
	n, ok := i.Int64()
	if !ok || n > 1<<31 || n < -1<<31 {
		return 0, Errorf(OverflowError, "Python int too large to convert to C ssize_t")
	}
	return int(n), nil
}

func bytesSplit(fromRight bool) method {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		vals, err := bind(b, args, kwargs)
		if err != nil {
			return nil, err
		}
		max, err := optInt(vals[1], -1)
		if err != nil {
			return nil, err
		}
		s := recvBytes(b)
		var parts []string
		if vals[0] == nil || vals[0] == starlark.None {
			parts = splitSpace(s, max, fromRight)
		} else {
			sep, err := bytesLike(vals[0])
			if err != nil {
				return nil, err
			}
			if sep == "" {
				return nil, Errorf(ValueError, "empty separator")
			}
			parts = splitSep(s, sep, max, fromRight)
		}
		return bytesList(parts), nil
	}
}

func splitSep(s, sep string, max int, fromRight bool) []string {
	if max < 0 || !fromRight {
		return strings.SplitN(s, sep, max+sign(max))
	}
	var parts []string
	for ; max > 0; max-- {
		i := strings.LastIndex(s, sep)
		if i < 0 {
			break
		}
		parts = append(parts, s[i+len(sep):])
		s = s[:i]
	}
	parts = append(parts, s)
	reverse(parts)
	return parts
}

// sign turns Python's maxsplit into SplitN's count: -1 stays "all".
func sign(max int) int {
	if max < 0 {
		return 0
	}
	return 1
}

// splitSpace is split() with no separator: runs of ASCII whitespace
// separate, and none yields empty parts.
func splitSpace(s string, max int, fromRight bool) []string {
	isSpace := func(c byte) bool { return strings.IndexByte(asciiSpace, c) >= 0 }
	var parts []string
	if !fromRight {
		for {
			s = strings.TrimLeft(s, asciiSpace)
			if s == "" {
				return parts
			}
			if max == 0 {
				return append(parts, s)
			}
			i := 0
			for i < len(s) && !isSpace(s[i]) {
				i++
			}
			parts, s, max = append(parts, s[:i]), s[i:], max-1
		}
	}
	for {
		s = strings.TrimRight(s, asciiSpace)
		if s == "" {
			break
		}
		if max == 0 {
			parts = append(parts, s)
			break
		}
		i := len(s)
		for i > 0 && !isSpace(s[i-1]) {
			i--
		}
		parts, s, max = append(parts, s[i:]), s[:i], max-1
	}
	reverse(parts)
	return parts
}

func reverse(parts []string) {
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
}

func bytesList(parts []string) *starlark.List {
	elems := make([]starlark.Value, len(parts))
	for i, p := range parts {
		elems[i] = starlark.Bytes(p)
	}
	return starlark.NewList(elems)
}

func bytesSplitlines(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	vals, err := bind(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	keep := vals[0] != nil && bool(vals[0].Truth())
	s := recvBytes(b)
	var parts []string
	for s != "" {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			parts = append(parts, s)
			break
		}
		end := i + 1
		if s[i] == '\r' && end < len(s) && s[end] == '\n' {
			end++
		}
		if keep {
			parts = append(parts, s[:end])
		} else {
			parts = append(parts, s[:i])
		}
		s = s[end:]
	}
	return bytesList(parts), nil
}

func bytesStrip(trim func(s, cutset string) string) method {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		vals, err := bind(b, args, kwargs)
		if err != nil {
			return nil, err
		}
		chars := asciiSpace
		if vals[0] != nil && vals[0] != starlark.None {
			if chars, err = bytesLike(vals[0]); err != nil {
				return nil, err
			}
		}
		return starlark.Bytes(trim(recvBytes(b), chars)), nil
	}
}

// span applies Python's optional start and end to s, as slice indices.
func span(s string, start, end starlark.Value) (string, int, error) {
	lo, err := optInt(start, 0)
	if err != nil {
		return "", 0, err
	}
	hi, err := optInt(end, len(s))
	if err != nil {
		return "", 0, err
	}
	clamp := func(i int) int {
		if i < 0 {
			i += len(s)
		}
		return min(max(i, 0), len(s))
	}
	lo, hi = clamp(lo), clamp(hi)
	if lo > hi {
		return "", -1, nil
	}
	return s[lo:hi], lo, nil
}

func bytesAffix(name string, has func(s, affix string) bool) method {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		vals, err := bind(b, args, kwargs)
		if err != nil {
			return nil, err
		}
		s, off, err := span(recvBytes(b), vals[1], vals[2])
		if err != nil || off < 0 {
			return starlark.False, err
		}
		affixes := []starlark.Value{vals[0]}
		if t, ok := vals[0].(starlark.Tuple); ok {
			affixes = t
		}
		for _, a := range affixes {
			ab, ok := a.(starlark.Bytes)
			if !ok {
				if _, isTuple := vals[0].(starlark.Tuple); isTuple {
					return nil, Errorf(TypeError, "a bytes-like object is required, not '%s'", PyTypeName(a))
				}
				return nil, Errorf(TypeError, "%s first arg must be bytes or a tuple of bytes, not %s", name, PyTypeName(a))
			}
			if has(s, string(ab)) {
				return starlark.True, nil
			}
		}
		return starlark.False, nil
	}
}

// needle is the sub argument of find, index and count: bytes, or an int
// naming one byte.
func needle(v starlark.Value) (string, error) {
	switch v := v.(type) {
	case starlark.Bytes:
		return string(v), nil
	case starlark.Int:
		n, ok := v.Int64()
		if !ok || n < 0 || n > 255 {
			return "", Errorf(ValueError, "byte must be in range(0, 256)")
		}
		return string([]byte{byte(n)}), nil
	}
	return "", Errorf(TypeError, "argument should be integer or bytes-like object, not '%s'", PyTypeName(v))
}

// searchArgs reads find's, index's and count's (sub[, start[, end]]): the
// slice searched, what is searched for, and the slice's offset (-1 when
// start is past end, which finds nothing).
func searchArgs(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (s, sub string, off int, err error) {
	vals, err := bind(b, args, kwargs)
	if err != nil {
		return "", "", 0, err
	}
	if sub, err = needle(vals[0]); err != nil {
		return "", "", 0, err
	}
	s, off, err = span(recvBytes(b), vals[1], vals[2])
	return s, sub, off, err
}

func bytesSearch(fromRight, mustFind bool) method {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		s, sub, off, err := searchArgs(b, args, kwargs)
		if err != nil {
			return nil, err
		}
		i := -1
		if off >= 0 {
			if fromRight {
				i = strings.LastIndex(s, sub)
			} else {
				i = strings.Index(s, sub)
			}
		}
		if i < 0 {
			if mustFind {
				return nil, Errorf(ValueError, "subsection not found")
			}
			return starlark.MakeInt(-1), nil
		}
		return starlark.MakeInt(off + i), nil
	}
}

func bytesCount(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s, sub, off, err := searchArgs(b, args, kwargs)
	if err != nil || off < 0 {
		return starlark.MakeInt(0), err
	}
	return starlark.MakeInt(strings.Count(s, sub)), nil
}

func bytesReplace(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	vals, err := bind(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	old, err := bytesLike(vals[0])
	if err != nil {
		return nil, err
	}
	new, err := bytesLike(vals[1])
	if err != nil {
		return nil, err
	}
	n, err := optInt(vals[2], -1)
	if err != nil {
		return nil, err
	}
	return starlark.Bytes(strings.Replace(recvBytes(b), old, new, n)), nil
}

func bytesJoin(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	vals, err := bind(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	iterable, ok := vals[0].(starlark.Iterable)
	if !ok {
		return nil, Errorf(TypeError, "can only join an iterable")
	}
	it := iterable.Iterate()
	defer it.Done()
	var parts []string
	var x starlark.Value
	for i := 0; it.Next(&x); i++ {
		p, ok := x.(starlark.Bytes)
		if !ok {
			return nil, Errorf(TypeError, "sequence item %d: expected a bytes-like object, %s found", i, PyTypeName(x))
		}
		parts = append(parts, string(p))
	}
	return starlark.Bytes(strings.Join(parts, recvBytes(b))), nil
}

func bytesPartition(fromRight bool) method {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		vals, err := bind(b, args, kwargs)
		if err != nil {
			return nil, err
		}
		sep, err := bytesLike(vals[0])
		if err != nil {
			return nil, err
		}
		if sep == "" {
			return nil, Errorf(ValueError, "empty separator")
		}
		s := recvBytes(b)
		i := strings.Index(s, sep)
		if fromRight {
			i = strings.LastIndex(s, sep)
		}
		switch {
		case i >= 0:
			return starlark.Tuple{starlark.Bytes(s[:i]), starlark.Bytes(sep), starlark.Bytes(s[i+len(sep):])}, nil
		case fromRight:
			return starlark.Tuple{starlark.Bytes(""), starlark.Bytes(""), starlark.Bytes(s)}, nil
		}
		return starlark.Tuple{starlark.Bytes(s), starlark.Bytes(""), starlark.Bytes("")}, nil
	}
}

// bytesMap is a method of no arguments that maps the bytes to a value.
func bytesMap(f func(string) starlark.Value) method {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if _, err := bind(b, args, kwargs); err != nil {
			return nil, err
		}
		return f(recvBytes(b)), nil
	}
}

func bytesIs(class func(byte) bool) method {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if _, err := bind(b, args, kwargs); err != nil {
			return nil, err
		}
		s := recvBytes(b)
		for i := 0; i < len(s); i++ {
			if !class(s[i]) {
				return starlark.False, nil
			}
		}
		return starlark.Bool(s != ""), nil
	}
}

// bytesHex is bytes.hex(sep=None, bytes_per_sep=1): sep goes between
// groups of bytes_per_sep bytes, counted from the right (from the left
// when negative).
func bytesHex(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	vals, err := bind(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	digits := hex.EncodeToString([]byte(recvBytes(b)))
	if vals[0] == nil || vals[0] == starlark.None {
		return starlark.String(digits), nil
	}
	var sep string
	switch v := vals[0].(type) {
	case starlark.String:
		sep = string(v)
	case starlark.Bytes:
		sep = string(v)
	default:
		return nil, Errorf(TypeError, "object of type '%s' has no len()", PyTypeName(v))
	}
	if utf8.RuneCountInString(sep) != 1 {
		return nil, Errorf(ValueError, "sep must be length 1.")
	}
	if sep[0] >= utf8.RuneSelf {
		return nil, Errorf(ValueError, "sep must be ASCII.")
	}
	per, err := optInt(vals[1], 1)
	if err != nil {
		return nil, err
	}
	group := 2 * max(per, -per) // hex digits per group
	if group == 0 || group >= len(digits) {
		return starlark.String(digits), nil
	}
	var parts []string
	if per > 0 { // whole groups at the right, the short one first
		first := len(digits) % group
		if first > 0 {
			parts = append(parts, digits[:first])
		}
		for i := first; i < len(digits); i += group {
			parts = append(parts, digits[i:i+group])
		}
	} else {
		for i := 0; i < len(digits); i += group {
			parts = append(parts, digits[i:min(i+group, len(digits))])
		}
	}
	return starlark.String(strings.Join(parts, sep)), nil
}
