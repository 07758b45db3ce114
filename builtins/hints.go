package builtins

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"go.starlark.net/resolve"
	"go.starlark.net/syntax"
)

// Hint rewrites a syntax or resolve error that Python-only syntax caused
// (import, with, try/except, f-strings, class, raise, is, del, global, ...)
// into the same kind of error, at the same position, whose message says what
// to write in the dialect instead:
//
//	x.star:1:1: got import, want primary expression
//
// becomes
//
//	x.star:1:1: Starlark has no import: socket is predeclared, so delete this line (or write load("socket", "socket"))
//
// src is the source the error came from. err is returned unchanged when it
// is not a syntax.Error or resolve.ErrorList, or when nothing in it is
// Python-only syntax. A valid script never gets here.
func Hint(err error, src []byte) error {
	switch e := err.(type) {
	case syntax.Error:
		if msg, ok := syntaxHint(e.Pos, e.Msg, src); ok {
			return syntax.Error{Pos: e.Pos, Msg: msg}
		}
	case resolve.ErrorList:
		var out resolve.ErrorList
		changed := false
		for _, r := range e {
			if msg, ok := resolveHint(r.Msg, lineAt(src, r.Pos.Line)); ok {
				r.Msg = msg
				changed = true
			}
			out = append(out, r)
		}
		if changed {
			return out
		}
	}
	return err
}

var gotWant = regexp.MustCompile(`^got (.+?), want `)

// syntaxHint returns the message for a parse error at pos, if the token the
// parser choked on is Python-only syntax.
func syntaxHint(pos syntax.Position, msg string, src []byte) (string, bool) {
	line := lineAt(src, pos.Line)
	trimmed := strings.TrimSpace(line)
	if strings.HasPrefix(msg, "unexpected input character '@'") && strings.HasPrefix(trimmed, "@") {
		return "Starlark has no decorators: after the def, write f = decorator(f)", true
	}
	if h, ok := stringPrefixHint(src, pos); ok {
		return h, true
	}
	m := gotWant.FindStringSubmatch(msg)
	if m == nil {
		return "", false
	}
	switch got := m[1]; got {
	case "import", "from":
		return importHint(trimmed), true
	case "with":
		return withHint(trimmed), true
	case "try", "except", "finally":
		return tryHint(src, pos.Line), true
	case "class":
		return "Starlark has no classes: use functions and dicts", true
	case "raise":
		return `Starlark has no raise: call fail("message"), which stops the script with Exception: message`, true
	case "is":
		if isNotFollows(line, pos.Col) {
			return "Starlark has no 'is not': compare with != (x != None)", true
		}
		return "Starlark has no 'is': compare with == (x == None)", true
	case "del":
		return "Starlark has no del: remove a dict key with d.pop(key), a list item with l.pop(i); a name cannot be deleted", true
	case "global", "nonlocal":
		return fmt.Sprintf("Starlark has no %s: a function cannot rebind an outer variable, so keep the state in a dict or list (state[\"n\"] += 1) and change it in place", got), true
	case "yield":
		return "Starlark has no generators (yield): build a list and return it", true
	case "async", "await":
		return fmt.Sprintf("Starlark has no %s: call functions directly; socket calls block until done or until the socket's timeout (settimeout, setblocking(False))", got), true
	case "else":
		if loop, ok := loopBeforeElse(src, pos.Line); ok {
			return fmt.Sprintf("Starlark has no %s ... else: set a flag before break and test it after the loop", loop), true
		}
	case "':'", "'-'":
		if isAnnotation(line, pos.Col) {
			return "Starlark has no type annotations: drop them (def f(x): ..., x = 1)", true
		}
	}
	if assertStmt.MatchString(trimmed) {
		return assertHint, true
	}
	return "", false
}

// isAnnotation reports whether the ':' or '->' the parser stopped at, just
// before col or at it, annotates a name: def f(x: int) -> int, x: int = 1.
func isAnnotation(line string, col int32) bool {
	off := byteOffset(line, col)
	for _, at := range []int{off - 1, off} {
		if at < 0 || at >= len(line) {
			continue
		}
		if strings.HasPrefix(line[at:], "->") {
			return strings.HasPrefix(strings.TrimSpace(line), "def ")
		}
		if line[at] != ':' {
			continue
		}
		before := strings.TrimRight(line[:at], " \t")
		if before == "" || !isIdentByte(before[len(before)-1]) {
			return false
		}
		return strings.HasPrefix(strings.TrimSpace(line), "def ") || varAnnotation.MatchString(line)
	}
	return false
}

func isIdentByte(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

var (
	varAnnotation = regexp.MustCompile(`^\s*[A-Za-z_][\w.]*\s*:\s*[^\s=]`)
	assertStmt    = regexp.MustCompile(`^assert\b\s*[^\s=(]`)
)

const assertHint = `Starlark has no assert: write if not cond: fail("message")`

// resolveHint returns the message for "undefined: name" when name is what a
// Python script takes for granted.
func resolveHint(msg, line string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, "undefined: ")
	if !ok {
		return "", false
	}
	name, _, _ := strings.Cut(rest, " ")
	switch name {
	case "__name__":
		return `Starlark has no __name__: a script runs from top to bottom, so call main() at the top level instead of testing if __name__ == "__main__"`, true
	case "assert":
		return assertHint, true
	case "exit", "quit":
		return fmt.Sprintf("undefined: %s (write sys.exit(code))", name), true
	}
	if pythonModules[name] && !strings.Contains(line, "load(") {
		return fmt.Sprintf("undefined: %s (there is no %s module here; the predeclared modules are socket, sys and time)", name, name), true
	}
	return "", false
}

// pythonModules are modules a Python socket script commonly uses that the
// dialect does not have.
var pythonModules = map[string]bool{
	"os": true, "select": true, "selectors": true, "struct": true, "errno": true,
	"threading": true, "ssl": true, "asyncio": true, "signal": true, "subprocess": true,
}

// predeclaredModules are the modules a script has without importing them.
var predeclaredModules = map[string]bool{"socket": true, "sys": true, "time": true}

var (
	importStmt = regexp.MustCompile(`^import\s+(.+?)\s*(#.*)?$`)
	fromStmt   = regexp.MustCompile(`^from\s+([\w.]+)\s+import\s+(.+?)\s*(#.*)?$`)
)

func importHint(stmt string) string {
	const prefix = "Starlark has no import: "
	if m := fromStmt.FindStringSubmatch(stmt); m != nil {
		mod := m[1]
		if !predeclaredModules[mod] {
			return prefix + noModule(mod)
		}
		names := strings.Trim(m[2], "() ")
		if names == "*" {
			return fmt.Sprintf("%s%s is predeclared: write %s.NAME for each name you use%s", prefix, mod, mod, orLoad(mod))
		}
		var uses []string
		for _, n := range strings.Split(names, ",") {
			if n, _, _ = strings.Cut(strings.TrimSpace(n), " "); n != "" {
				uses = append(uses, mod+"."+n)
			}
		}
		return fmt.Sprintf("%s%s is predeclared: write %s%s", prefix, mod, joinAnd(uses), orLoad(mod))
	}
	m := importStmt.FindStringSubmatch(stmt)
	if m == nil {
		return prefix + "socket, sys and time are predeclared, so delete this line"
	}
	var known, unknown []string
	for _, item := range strings.Split(m[1], ",") {
		mod, alias, _ := strings.Cut(strings.TrimSpace(item), " as ")
		mod = strings.TrimSpace(mod)
		switch {
		case !predeclaredModules[mod]:
			unknown = append(unknown, mod)
		case alias != "":
			return fmt.Sprintf("%s%s is predeclared; for another name write %s = %s", prefix, mod, strings.TrimSpace(alias), mod)
		default:
			known = append(known, mod)
		}
	}
	if len(unknown) > 0 {
		return prefix + noModule(unknown[0])
	}
	verb := "is"
	if len(known) > 1 {
		verb = "are"
	}
	load := ""
	for _, k := range known {
		if k == "socket" {
			load = orLoad(k)
		}
	}
	return fmt.Sprintf("%s%s %s predeclared, so delete this line%s", prefix, joinAnd(known), verb, load)
}

func noModule(mod string) string {
	return fmt.Sprintf("there is no %s module here; socket, sys and time are predeclared", mod)
}

func orLoad(mod string) string {
	if mod != "socket" {
		return ""
	}
	return ` (or write load("socket", "socket"))`
}

// joinAnd joins words as English does: "a", "a and b", "a, b and c".
func joinAnd(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

var withAs = regexp.MustCompile(`^with\s+(.+?)\s+as\s+([A-Za-z_]\w*)\s*:`)

func withHint(stmt string) string {
	if m := withAs.FindStringSubmatch(stmt); m != nil && !strings.Contains(m[1], " as ") {
		return fmt.Sprintf("Starlark has no with: write %s = %s, use it, then call %s.close()", m[2], m[1], m[2])
	}
	return "Starlark has no with: create the socket (s = socket.socket()), use it, then call s.close()"
}

var exceptClause = regexp.MustCompile(`^(\s*)(except|finally)\b\s*(.*?)\s*(\bas\s+\w+\s*)?:`)

// tryHint explains catch, naming the class of the try's first except
// clause (or of the except clause the parser stopped at) when there is one.
func tryHint(src []byte, tryLine int32) string {
	const prefix = "Starlark has no try/except: write value, err = catch(fn, args...) to call fn(args...); err is None when it returns, else the exception"
	lines := strings.Split(string(src), "\n")
	if tryLine < 1 || int(tryLine) > len(lines) {
		return prefix
	}
	indent := leadingSpace(lines[tryLine-1])
	from := tryLine // the clauses after the try
	if exceptClause.MatchString(lines[tryLine-1]) {
		from-- // the parser stopped at a clause itself
	}
	for _, l := range lines[from:] {
		m := exceptClause.FindStringSubmatch(l)
		if m == nil || m[1] != indent {
			continue
		}
		switch {
		case m[2] == "finally":
			return prefix + "; do the cleanup after catch returns"
		case m[3] == "":
			return prefix + ", so test if err != None:"
		default:
			return prefix + ", so test if isinstance(err, " + m[3] + "):"
		}
	}
	return prefix + ", so test if isinstance(err, OSError):"
}

// loopBeforeElse reports whether the else at line elseLine follows a for or
// while loop, naming the loop.
func loopBeforeElse(src []byte, elseLine int32) (string, bool) {
	lines := strings.Split(string(src), "\n")
	if elseLine < 2 || int(elseLine) > len(lines) {
		return "", false
	}
	indent := leadingSpace(lines[elseLine-1])
	for i := elseLine - 2; i >= 0; i-- {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		ind := leadingSpace(l)
		if len(ind) > len(indent) {
			continue
		}
		if ind != indent {
			return "", false
		}
		word, _, _ := strings.Cut(strings.TrimSpace(l), " ")
		if word == "for" || word == "while" {
			return word, true
		}
		return "", false
	}
	return "", false
}

func leadingSpace(s string) string { return s[:len(s)-len(strings.TrimLeft(s, " \t"))] }

// isNotFollows reports whether the "is" that ends at or starts from col
// is followed by "not".
func isNotFollows(line string, col int32) bool {
	i := byteOffset(line, col)
	for _, start := range []int{i - 2, i} { // the error is at the token's end or start
		if start >= 0 && strings.HasPrefix(line[start:], "is") {
			if f := strings.Fields(line[start+2:]); len(f) > 0 && (f[0] == "not" || strings.HasPrefix(f[0], "not(")) {
				return true
			}
		}
	}
	return false
}

// lineAt returns line n (1-based) of src, without its newline.
func lineAt(src []byte, n int32) string {
	s := string(src)
	for i := int32(1); i < n; i++ {
		nl := strings.IndexByte(s, '\n')
		if nl < 0 {
			return ""
		}
		s = s[nl+1:]
	}
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSuffix(line, "\r")
}

// byteOffset converts a 1-based rune column of line to a byte offset.
func byteOffset(line string, col int32) int {
	i := 0
	for c := int32(1); c < col && i < len(line); c++ {
		_, size := utf8.DecodeRuneInString(line[i:])
		i += size
	}
	return i
}

// stringPrefixHint explains a string literal glued to a Python prefix the
// dialect lacks: f"..." and u"...". The parser reports the literal itself,
// at its start or just after its end, or an escape inside it.
func stringPrefixHint(src []byte, pos syntax.Position) (string, bool) {
	at := [2]int32{pos.Line, pos.Col}
	for _, lit := range stringLiterals(string(src)) {
		if before(at, lit.start) || before(lit.end, at) {
			continue
		}
		switch strings.ToLower(lit.prefix) {
		case "f", "rf", "fr":
			if call, ok := lit.asFormatCall(); ok {
				return "Starlark has no f-strings: write " + call, true
			}
			return `Starlark has no f-strings: write "x={}".format(x) or "x=%s" % x`, true
		case "u":
			return "Starlark strings need no u prefix: delete it", true
		}
		return "", false
	}
	return "", false
}

// before reports whether line:col position a comes before b.
func before(a, b [2]int32) bool { return a[0] < b[0] || a[0] == b[0] && a[1] < b[1] }

// A strLit is a string literal as Python would read it, with the prefix
// glued to its opening quote.
type strLit struct {
	prefix     string   // "f" in f"..."; "" if none
	quote      string   // ', ", ''' or """
	body       string   // between the quotes, escapes untouched
	start, end [2]int32 // line and rune column of the opening quote, and just after the closing one
}

// stringLiterals finds the string literals of src, skipping comments.
func stringLiterals(src string) []strLit {
	var lits []strLit
	line, col := int32(1), int32(1)
	i := 0
	advance := func(n int) { // moves i over n bytes, counting lines and runes
		for end := i + n; i < end && i < len(src); {
			r, size := utf8.DecodeRuneInString(src[i:])
			if r == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
			i += size
		}
	}
	identStart := -1 // byte offset of the identifier ending at i, if any
	for i < len(src) {
		c := src[i]
		switch {
		case c == '#':
			nl := strings.IndexByte(src[i:], '\n')
			if nl < 0 {
				nl = len(src) - i
			}
			advance(nl)
			identStart = -1
		case isIdentByte(c):
			if identStart < 0 {
				identStart = i
			}
			advance(1)
		case c == '\'' || c == '"':
			lit := strLit{quote: string(c), start: [2]int32{line, col}}
			if identStart >= 0 {
				lit.prefix = src[identStart:i]
			}
			if strings.HasPrefix(src[i:], strings.Repeat(string(c), 3)) {
				lit.quote = strings.Repeat(string(c), 3)
			}
			advance(len(lit.quote))
			bodyStart := i
			for i < len(src) && !strings.HasPrefix(src[i:], lit.quote) {
				if src[i] == '\n' && len(lit.quote) == 1 {
					break // unterminated; the parser reports it
				}
				if src[i] == '\\' {
					advance(1)
				}
				advance(1)
			}
			lit.body = src[bodyStart:i]
			advance(len(lit.quote))
			lit.end = [2]int32{line, col}
			lits = append(lits, lit)
			identStart = -1
		default:
			advance(1)
			identStart = -1
		}
	}
	return lits
}

// asFormatCall rewrites a one-line f-string whose fields are plain
// expressions (optionally !r or !s) as a str.format call:
// f"x={x!r}" becomes "x={!r}".format(x).
func (lit strLit) asFormatCall() (string, bool) {
	if len(lit.quote) != 1 {
		return "", false
	}
	var text strings.Builder
	var args []string
	body := lit.body
	for i := 0; i < len(body); i++ {
		c := body[i]
		if (c == '{' || c == '}') && i+1 < len(body) && body[i+1] == c {
			text.WriteString(body[i : i+2])
			i++
			continue
		}
		if c == '}' {
			return "", false
		}
		if c != '{' {
			text.WriteByte(c)
			continue
		}
		end := fieldEnd(body, i+1)
		if end < 0 {
			return "", false
		}
		expr, conv := body[i+1:end], ""
		if strings.HasSuffix(expr, "!r") || strings.HasSuffix(expr, "!s") {
			expr, conv = expr[:len(expr)-2], expr[len(expr)-2:]
		}
		expr = strings.TrimSpace(expr)
		if expr == "" || strings.HasSuffix(expr, "=") {
			return "", false
		}
		text.WriteString("{" + conv + "}")
		args = append(args, expr)
		i = end
	}
	prefix := strings.NewReplacer("f", "", "F", "").Replace(lit.prefix)
	s := prefix + lit.quote + text.String() + lit.quote
	if len(args) == 0 {
		return s, true
	}
	return s + ".format(" + strings.Join(args, ", ") + ")", true
}

// fieldEnd returns the index of the '}' closing the f-string field that
// starts at i, or -1 if the field has a format spec or is not closed.
func fieldEnd(body string, i int) int {
	depth := 0
	var quote byte
	for ; i < len(body); i++ {
		c := body[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == '}' && depth > 0:
			depth--
		case c == '}':
			return i
		case c == ':' && depth == 0:
			return -1 // a format spec: no str.format equivalent to offer
		}
	}
	return -1
}
