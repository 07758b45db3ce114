// Command starsock runs Starlark scripts that use Python's socket module,
// in the starsock dialect (Python's exception classes, catch, isinstance,
// while loops, recursion), as python3 runs Python scripts:
//
//	starsock FILE [ARG...]     run a script; sys.argv is [FILE, ARG...]
//	starsock -c CODE [ARG...]  run CODE; sys.argv is ['-c', ARG...]
//	starsock - [ARG...]        run the script read from stdin
//	starsock                   an interactive prompt (a script from stdin if it is not a terminal)
//
// An uncaught exception prints a Python-style traceback and exits 1;
// sys.exit(n) exits n; Ctrl-C stops the script with KeyboardInterrupt and
// exit status 130.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

func main() {
	ignoreSIGPIPE()
	tuneGC()
	os.Exit(stdoutStatus(run(os.Args[1:])))
}

const usage = `usage: starsock [-i] [-c CODE | FILE | -] [ARG...]

Runs a Starlark script that uses Python's socket module.

  FILE           run the script in FILE; sys.argv is [FILE, ARG...]
  -c CODE        run CODE; sys.argv is ['-c', ARG...]
  -              run the script read from stdin; sys.argv is ['-', ARG...]
  -i             start the interactive prompt after the script (or without one)
  -h, --help     print this help and exit
  -V, --version  print the version and exit

With no script, starsock starts the interactive prompt when stdin is a
terminal, and otherwise runs the script read from stdin.

Scripts have socket, sys, time, catch, isinstance and Python's exception
classes predeclared; load("socket", "socket") works too.
`

// invocation is what the command line asks for.
type invocation struct {
	filename    string // as tracebacks name the script: the path, "<string>" or "<stdin>"
	code        *string
	fromStdin   bool
	interactive bool // -i, or no script with stdin a terminal
	argv        []string
}

// errUsage reports a command line that cannot be run; it exits 2.
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

// parseArgs reads the command line as python3 does: options up to the
// script, everything after it for the script's sys.argv.
func parseArgs(args []string) (invocation, error) {
	var inv invocation
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "-i":
			inv.interactive = true
		case arg == "-c" || strings.HasPrefix(arg, "-c"):
			code := strings.TrimPrefix(arg, "-c")
			if code == "" {
				if i+1 == len(args) {
					return inv, errUsage{"Argument expected for the -c option"}
				}
				i++
				code = args[i]
			}
			inv.code, inv.filename = &code, "<string>"
			inv.argv = append([]string{"-c"}, args[i+1:]...)
			return inv, nil
		case arg == "-":
			inv.fromStdin, inv.filename = true, "<stdin>"
			inv.argv = args[i:]
			return inv, nil
		case arg == "--":
			if i+1 < len(args) {
				inv.filename, inv.argv = args[i+1], args[i+1:]
				return inv, nil
			}
		case strings.HasPrefix(arg, "-"):
			return inv, errUsage{"unknown option " + arg}
		default:
			inv.filename, inv.argv = arg, args[i:]
			return inv, nil
		}
	}
	inv.argv = []string{""}
	if !inv.interactive {
		if isTerminal(os.Stdin) {
			inv.interactive = true
		} else {
			inv.fromStdin, inv.filename = true, "<stdin>"
		}
	}
	return inv, nil
}

// run runs the command line and returns the exit status.
func run(args []string) int {
	for _, arg := range args {
		if arg == "-h" || arg == "--help" {
			fmt.Print(usage)
			return 0
		}
		if arg == "-V" || arg == "--version" {
			fmt.Println(versionString())
			return 0
		}
		if arg == "-" || arg == "--" || !strings.HasPrefix(arg, "-") || strings.HasPrefix(arg, "-c") {
			break // the rest belongs to the script
		}
	}
	inv, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "starsock: %v\nusage: starsock [-i] [-c CODE | FILE | -] [ARG...]\nTry 'starsock -h' for more information.\n", err)
		return 2
	}

	var src []byte
	switch {
	case inv.code != nil:
		src = []byte(*inv.code)
	case inv.fromStdin:
		if src, err = io.ReadAll(os.Stdin); err != nil {
			fmt.Fprintf(os.Stderr, "starsock: can't read stdin: %v\n", err)
			return 2
		}
	case inv.filename != "":
		if src, err = os.ReadFile(inv.filename); err != nil {
			fmt.Fprintf(os.Stderr, "starsock: can't open file %s: %s\n", pyQuote(inv.filename), osErrorText(err))
			return 2
		}
	}

	s := newSession(inv.argv, inv.interactive)
	defer s.close()
	globals := s.predeclaredCopy()
	if src != nil {
		g, err := s.execFile(inv.filename, src)
		for name, v := range g {
			globals[name] = v
		}
		if err != nil && !inv.interactive {
			return s.report(err)
		}
		if err != nil { // with -i, as python3 -i: report it, then prompt
			s.printError(err, s.sourceLine)
		}
	}
	if inv.interactive {
		return s.repl(globals, src == nil)
	}
	return 0
}

// version is the release, set at link time with
// -ldflags "-X main.version=v1.2.3"; otherwise it comes from the build info.
var version = ""

func versionString() string {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok && v == "" {
		v = bi.Main.Version
		if v == "" || v == "(devel)" {
			v = "devel"
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && len(s.Value) >= 12 {
					v += "+" + s.Value[:12]
				}
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	return fmt.Sprintf("starsock %s (%s %s/%s)", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
