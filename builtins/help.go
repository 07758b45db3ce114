package builtins

import (
	"os"
	"strings"

	"go.starlark.net/starlark"
)

// Help is Python's help(obj): it prints obj's documentation through the
// thread's Print, laid out as CPython's pydoc lays out plain text. The
// dialect documents its own names; a module documents its values by
// registering a DocSource. It is set in init because its body looks up the
// dialect's names, Help among them.
var Help *starlark.Builtin

// helpSignature words a wrong call of help as CPython does, where help is
// an instance of pydoc's Helper.
var helpSignature = &Signature{Name: "Helper.__call__", Qualified: "help", Style: PyDef, Self: true, Params: []string{"request?"}}

func init() { Help = Builtin(helpSignature, help) }

// helpIntro is what help() with no argument prints, where CPython starts
// its interactive help browser.
const helpIntro = `Type help(object) for help about object, as in Python:

    help(socket)                    the socket module: its functions, classes, constants
    help(socket.create_connection)  a function: its signature and documentation
    help(socket.socket)             the socket class and its methods
    help(s.recv)                    a method of the socket s
    help(OSError)                   an exception class
    help(catch)                     the dialect's try/except; also print, isinstance, ...

help("socket.getaddrinfo") finds an object by name.
`

func help(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	text := helpIntro
	if args[0] != nil {
		text, _ = HelpText(args[0])
	}
	// Python's help() ends with a blank line: the page ends with a newline
	// and Print adds another.
	if thread.Print != nil {
		thread.Print(thread, text)
	} else {
		os.Stdout.WriteString(text + "\n")
	}
	return starlark.None, nil
}

// A DocSource documents the values of a module for help().
type DocSource struct {
	// Name is the module's name in scripts and Module its value, so that
	// help("socket.recv") finds what the name refers to.
	Name   string
	Module starlark.Value
	// Find returns help(v)'s text for the module's values; ok is false for
	// a value it does not know.
	Find func(v starlark.Value) (text string, ok bool)
}

// docSources are the registered sources, in registration order.
var docSources []DocSource

// RegisterDocs adds src to what help() consults. Call it from an init
// function: the list is read without locking.
func RegisterDocs(src DocSource) { docSources = append(docSources, src) }

// HelpText returns what help(v) prints (without Print's final newline),
// and whether documentation of v was found: false when help can only name
// v's type.
func HelpText(v starlark.Value) (text string, documented bool) {
	if topic, ok := v.(starlark.String); ok {
		return topicHelp(string(topic))
	}
	if text, ok := dialectHelp(v); ok {
		return text, true
	}
	for _, src := range docSources {
		if text, ok := src.Find(v); ok {
			return text, true
		}
	}
	return undocumentedHelp(v), false
}

// topicHelp is help("name"): the value the dotted name refers to, starting
// from the dialect's predeclared names and the registered modules.
func topicHelp(topic string) (string, bool) {
	parts := strings.Split(topic, ".")
	v, ok := topicRoot(parts[0])
	for _, attr := range parts[1:] {
		if !ok {
			break
		}
		x, hasAttrs := v.(starlark.HasAttrs)
		if !hasAttrs {
			ok = false
			break
		}
		v, _ = x.Attr(attr)
		ok = v != nil
	}
	if _, isString := v.(starlark.String); !ok || isString {
		return "No Python documentation found for " + PyRepr(starlark.String(topic)) + ".\n" +
			"Use help() to get the interactive help utility.\n" +
			"Use help(str) for help on the str class.\n", false
	}
	return HelpText(v)
}

func topicRoot(name string) (starlark.Value, bool) {
	for _, src := range docSources {
		if src.Name == name {
			return src.Module, true
		}
	}
	if v, ok := Predeclared(nil)[name]; ok {
		return v, true
	}
	v, ok := starlark.Universe[name]
	return v, ok
}

// A PydocPage is help() of a function as pydoc writes it: the heading
// ("Help on built-in function htons in module _socket:"), the declaration
// line ("htons(...)") and the docstring.
type PydocPage struct{ Title, Decl, Doc string }

func (p PydocPage) String() string { return HelpPage(p.Title, RoutineDoc(p.Decl, p.Doc)) }

// HelpPage is a page of help(): its heading line ("Help on built-in
// function recv:"), a blank line, then the body.
func HelpPage(heading, body string) string { return heading + "\n\n" + body }

// RoutineDoc is pydoc's entry for a function or method: the declaration
// line, then the docstring indented by four spaces (nothing when empty).
func RoutineDoc(decl, doc string) string {
	if doc == "" {
		return decl + "\n"
	}
	return decl + "\n" + strings.TrimRight(PydocIndent(doc, "    "), " \t\n") + "\n"
}

// PydocIndent puts prefix before every line of text, as pydoc indents
// (blank lines too; the last line is right-trimmed).
func PydocIndent(text, prefix string) string {
	if text == "" {
		return ""
	}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		lines[i] = prefix + line
	}
	lines[len(lines)-1] = strings.TrimRight(lines[len(lines)-1], " \t")
	return strings.Join(lines, "\n")
}

// ModuleSection is one section of pydoc's page of a module: the title
// ("FUNCTIONS") and its contents indented by four spaces.
func ModuleSection(title, contents string) string {
	return title + "\n" + strings.TrimRight(PydocIndent(contents, "    "), " \t\n") + "\n\n"
}

// ClassDoc builds pydoc's text of a class: the class line, then the
// signature, docstring and sections, each line behind " |  ".
type ClassDoc struct {
	Decl     string // "class socket(_socket.socket)"
	contents []string
	sections int
}

// Add appends text (one or more lines) to the class's contents.
func (c *ClassDoc) Add(text string) { c.contents = append(c.contents, text) }

// Section starts a titled part ("Methods defined here:"), behind a rule
// if it is not the first, as pydoc separates them.
func (c *ClassDoc) Section(title string) {
	if c.sections > 0 {
		c.Add(strings.Repeat("-", 70))
	}
	c.sections++
	c.Add(title)
	c.Add("")
}

func (c *ClassDoc) String() string {
	contents := strings.TrimRight(strings.Join(c.contents, "\n"), " \t\n")
	if contents == "" {
		return c.Decl + "\n"
	}
	return c.Decl + "\n" + PydocIndent(contents, " |  ") + "\n"
}

// SummaryEntry is a function's line in a listing (a module's functions, a
// class's methods): how it is called, then the first sentence of what it
// does, indented. The call is the docstring's own call line where it
// starts with one ("recv(buffersize[, flags]) -> data"), else decl.
func SummaryEntry(name, decl, doc string) string {
	call := decl
	lines := strings.Split(doc, "\n")
	i := 0
	for i < len(lines) && strings.HasPrefix(lines[i], name+"(") {
		// A call line may go on to the next lines until its parentheses close.
		line := lines[i]
		for i++; strings.Count(line, "(") > strings.Count(line, ")") && i < len(lines); i++ {
			line += " " + strings.TrimSpace(lines[i])
		}
		if call == decl {
			call = line
		}
	}
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	var paragraph []string
	for ; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
		paragraph = append(paragraph, strings.TrimSpace(lines[i]))
	}
	summary := strings.Join(paragraph, " ")
	if end := strings.Index(summary, ". "); end >= 0 {
		summary = summary[:end+1]
	}
	if summary == "" {
		return call
	}
	return call + "\n" + PydocIndent(Wrap(summary, 72), "    ")
}

// Wrap breaks text into lines of at most width columns at spaces (a
// longer word keeps a line of its own).
func Wrap(text string, width int) string {
	var b strings.Builder
	col := 0
	for _, word := range strings.Fields(text) {
		switch {
		case col == 0:
		case col+1+len(word) > width:
			b.WriteByte('\n')
			col = 0
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}
