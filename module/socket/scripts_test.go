package socket_test

import (
	"context"
	"path/filepath"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarktest"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// TestScripts runs every testdata/*.star script, each in its own module
// instance, with go.starlark.net's assert module; a failed assertion is a
// test error, an uncaught exception a test failure with its backtrace.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("../../testdata/*.star")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts found: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			inst := socket.New(socket.Permissive)
			defer inst.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			thread := &starlark.Thread{Name: file, Load: scriptLoader(inst)}
			thread.SetLocal(builtins.ContextKey, ctx)
			starlarktest.SetReporter(thread, t)
			predeclared := builtins.Predeclared([]string{file})
			predeclared["socket"] = inst.Module()
			if _, err := starlark.ExecFileOptions(builtins.FileOptions, thread, file, nil, predeclared); err != nil {
				if ee, ok := err.(*starlark.EvalError); ok {
					t.Fatal(ee.Backtrace())
				}
				t.Fatal(err)
			}
		})
	}
}

func scriptLoader(inst *socket.Instance) func(*starlark.Thread, string) (starlark.StringDict, error) {
	return func(_ *starlark.Thread, module string) (starlark.StringDict, error) {
		switch module {
		case "assert.star":
			return starlarktest.LoadAssertModule()
		case "socket":
			return starlark.StringDict{"socket": inst.Module()}, nil
		}
		return nil, nil
	}
}
