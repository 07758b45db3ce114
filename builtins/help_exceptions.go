package builtins

import (
	"sort"
	"strconv"
	"strings"
)

// exceptionAttrs are the attributes an exception has, by the class that
// defines them (as Exception.Attr serves them).
var exceptionAttrs = map[*Class][]string{
	BaseException: {"args"},
	OSError:       {"errno", "filename", "strerror"},
	SystemExit:    {"code"},
}

// moduleName is the class's __module__.
func (c *Class) moduleName() string {
	if c.module == "" {
		return "builtins"
	}
	return c.module
}

// pydocClassName is how pydoc names class c on the page of a class of
// module mod: qualified when c lives in another module.
func pydocClassName(name, module, mod string) string {
	if module == mod {
		return name
	}
	return module + "." + name
}

// classHelp is help() of an exception class: pydoc's page cut to what the
// dialect's exceptions have, the docstring, the class hierarchy and the
// attributes.
func classHelp(c *Class, heading string) string {
	mod := c.moduleName()
	name := func(k *Class) string { return pydocClassName(k.name, k.moduleName(), mod) }
	base := pydocClassName("object", "builtins", mod)
	if c.base != nil {
		base = name(c.base)
	}
	page := ClassDoc{Decl: "class " + c.name + "(" + base + ")"}
	if doc := exceptionDocs[c.QualifiedName()]; doc != "" {
		page.Add(doc + "\n")
	}
	page.Add("Method resolution order:")
	for k := c; k != nil; k = k.base {
		page.Add("    " + name(k))
	}
	page.Add("    " + pydocClassName("object", "builtins", mod))
	page.Add("")
	if subclasses := builtinSubclasses(c); len(subclasses) > 0 {
		page.Add("Built-in subclasses:")
		const shown = 4 // as many as pydoc lists
		for i, sub := range subclasses {
			if i == shown {
				page.Add("    ... and " + strconv.Itoa(len(subclasses)-shown) + " other subclasses")
				break
			}
			page.Add("    " + sub)
		}
		page.Add("")
	}
	for k := c; k != nil; k = k.base {
		attrs := exceptionAttrs[k]
		if len(attrs) == 0 {
			continue
		}
		if k == c {
			page.Section("Data descriptors defined here:")
		} else {
			page.Section("Data descriptors inherited from " + name(k) + ":")
		}
		for _, attr := range attrs {
			entry := attr + "\n"
			if doc := exceptionAttrDocs[attr]; doc != "" {
				entry += PydocIndent(doc, "    ") + "\n"
			}
			page.Add(entry)
		}
	}
	return HelpPage(heading, page.String())
}

// builtinSubclasses are the direct subclasses of c among the builtins
// module's classes, sorted as pydoc sorts them.
func builtinSubclasses(c *Class) []string {
	var names []string
	for _, k := range allClasses {
		if k.base == c && k.module == "" {
			names = append(names, k.name)
		}
	}
	sort.Slice(names, func(i, j int) bool { return strings.ToLower(names[i]) < strings.ToLower(names[j]) })
	return names
}
