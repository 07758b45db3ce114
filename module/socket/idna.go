package socket

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
)

// encodedHostArg reads the host argument of gethostbyname, gethostbyname_ex
// and gethostbyaddr as CPython's "et" format with the idna codec does:
// bytes as they are, str encoded by Python's IDNA codec, and no NUL in the
// result.
func encodedHostArg(fname string, v starlark.Value) (string, error) {
	var host string
	switch v := v.(type) {
	case starlark.String:
		var err error
		if host, err = idnaEncode(string(v)); err != nil {
			return "", err
		}
	case starlark.Bytes:
		host = string(v)
	case starlark.NoneType: // the argument parser names None itself, not its type
		return "", builtins.Errorf(builtins.TypeError, "%s() argument 1 must be str, bytes or bytearray, not None", fname)
	default:
		return "", builtins.Errorf(builtins.TypeError, "%s() argument 1 must be str, bytes or bytearray, not %s", fname, builtins.PyTypeName(v))
	}
	if strings.IndexByte(host, 0) >= 0 {
		return "", builtins.Errorf(builtins.TypeError, "%s() argument 1 must be encoded string without null bytes, not %s", fname, builtins.PyTypeName(v))
	}
	return host, nil
}

// idnaEncode is str.encode("idna") (IDNA 2003, Lib/encodings/idna.py): an
// ASCII name keeps its text, its labels checked for length; other labels
// become "xn--" and their Punycode, after an approximation of Nameprep.
func idnaEncode(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if isASCII(s) {
		labels := strings.Split(s, ".")
		for _, label := range labels[:len(labels)-1] {
			if len(label) == 0 || len(label) >= 64 {
				return "", idnaError("label empty or too long")
			}
		}
		if len(labels[len(labels)-1]) >= 64 {
			return "", idnaError("label too long")
		}
		return s, nil
	}
	labels := splitIDNALabels(s)
	trailingDot := ""
	if labels[len(labels)-1] == "" {
		labels, trailingDot = labels[:len(labels)-1], "."
	}
	for i, label := range labels {
		if !isASCII(label) {
			label = nameprep(label)
		}
		if !isASCII(label) {
			if strings.HasPrefix(label, "xn--") {
				return "", idnaError("Label starts with ACE prefix")
			}
			label = "xn--" + punycode(label)
		}
		if len(label) == 0 || len(label) >= 64 {
			return "", idnaError("label empty or too long")
		}
		labels[i] = label
	}
	return strings.Join(labels, ".") + trailingDot, nil
}

// nameprep approximates RFC 3491's Nameprep, which Go's library lacks:
// lower case, "ß" as "ss" (its case folding), fullwidth ASCII as ASCII
// (its NFKC form); other compatibility forms are left as they are.
func nameprep(label string) string {
	label = strings.ReplaceAll(label, "ß", "ss")
	return strings.Map(func(r rune) rune {
		if r >= '\uff01' && r <= '\uff5e' {
			r -= 0xfee0
		}
		return unicode.ToLower(r)
	}, label)
}

// splitIDNALabels splits at the four dots IDNA knows, keeping empty labels.
func splitIDNALabels(s string) []string {
	var labels []string
	start := 0
	for i, r := range s {
		if r == '.' || r == '\u3002' || r == '\uff0e' || r == '\uff61' {
			labels = append(labels, s[start:i])
			start = i + utf8.RuneLen(r)
		}
	}
	return append(labels, s[start:])
}

func idnaError(reason string) error {
	return builtins.Errorf(builtins.UnicodeError, "encoding with 'idna' codec failed (UnicodeError: %s)", reason)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// punycode encodes a label as RFC 3492 does (Lib/encodings/punycode.py).
func punycode(label string) string {
	const (
		base, tmin, tmax, skew, damp = 36, 1, 26, 38, 700
		initialBias, initialN        = 72, 128
	)
	runes := []rune(label)
	var out []byte
	for _, r := range runes {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	basic := len(out)
	if basic > 0 {
		out = append(out, '-')
	}
	digit := func(d int) byte {
		if d < 26 {
			return byte('a' + d)
		}
		return byte('0' + d - 26)
	}
	adapt := func(delta, points int, first bool) int {
		if first {
			delta /= damp
		} else {
			delta /= 2
		}
		delta += delta / points
		k := 0
		for delta > ((base-tmin)*tmax)/2 {
			delta /= base - tmin
			k += base
		}
		return k + (base-tmin+1)*delta/(delta+skew)
	}
	n, delta, bias := initialN, 0, initialBias
	for handled := basic; handled < len(runes); {
		m := int(^uint(0) >> 1)
		for _, r := range runes {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		delta += (m - n) * (handled + 1)
		n = m
		for _, r := range runes {
			if int(r) < n {
				delta++
			}
			if int(r) != n {
				continue
			}
			q := delta
			for k := base; ; k += base {
				t := k - bias
				if t < tmin {
					t = tmin
				} else if t > tmax {
					t = tmax
				}
				if q < t {
					break
				}
				out = append(out, digit(t+(q-t)%(base-t)))
				q = (q - t) / (base - t)
			}
			out = append(out, digit(q))
			bias = adapt(delta, handled+1, handled == basic)
			delta = 0
			handled++
		}
		delta++
		n++
	}
	return string(out)
}
