package socket_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarktest"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// TestScripts runs every testdata/*.star script, each in its own module
// instance, with go.starlark.net's assert module; a failed assertion is a
// test error, an uncaught exception a test failure with its backtrace.
// sys.argv[1] is a temporary directory, for AF_UNIX paths. A script that
// blocks for longer than scriptDeadline is cancelled (its waits return),
// so a bug that would hang fails instead.
// scripts/star_on_cpython.py runs the same scripts under CPython.
func TestScripts(t *testing.T) {
	runScripts(t, "../../testdata/*.star", true)
}

// runScripts runs each script matching pattern as a subtest, in its own
// module instance; in parallel, if parallel is set.
func runScripts(t *testing.T, pattern string, parallel bool) {
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts found: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			if parallel {
				t.Parallel()
			}
			inst := socket.New(socket.Permissive)
			defer inst.Close()
			runScriptFile(t, inst, file)
		})
	}
}

// runScriptFile runs one assert-style script in inst, failing t with the
// backtrace of an uncaught exception.
func runScriptFile(t *testing.T, inst *socket.Instance, file string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), scriptDeadline)
	defer cancel()
	thread := &starlark.Thread{Name: file, Load: scriptLoader(inst)}
	stop := context.AfterFunc(ctx, func() { thread.Cancel("script deadline exceeded") })
	defer stop()
	thread.SetLocal(builtins.ContextKey, ctx)
	starlarktest.SetReporter(thread, t)
	predeclared := builtins.Predeclared([]string{file, t.TempDir()})
	predeclared["socket"] = inst.Module()
	if _, err := starlark.ExecFileOptions(builtins.FileOptions, thread, file, nil, predeclared); err != nil {
		if ee, ok := err.(*starlark.EvalError); ok {
			t.Fatal(ee.Backtrace())
		}
		t.Fatal(err)
	}
}

// scriptDeadline bounds each script; they take well under a second.
const scriptDeadline = 60 * time.Second

func scriptLoader(inst *socket.Instance) func(*starlark.Thread, string) (starlark.StringDict, error) {
	return func(thread *starlark.Thread, module string) (starlark.StringDict, error) {
		switch module {
		case "assert.star":
			return starlarktest.LoadAssertModule()
		case "socket":
			return starlark.StringDict{"socket": inst.Module()}, nil
		}
		return loadRelativeScript(thread, inst, module)
	}
}
