package socket_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestExamples runs each testdata/examples/NAME.star and holds its output
// to NAME.out, exactly. Where NAME.py, the Python program the example
// translates, sits beside it, python3 runs it too and must print the same
// NAME.out: that is what shows the example means what Python means.
// Examples are also held to closing every socket they open (CPython's
// side: no ResourceWarning).
func TestExamples(t *testing.T) {
	scripts, err := filepath.Glob("../../testdata/examples/*.star")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	for _, script := range scripts {
		base := strings.TrimSuffix(script, ".star")
		t.Run(filepath.Base(base), func(t *testing.T) {
			t.Parallel()
			want, err := os.ReadFile(base + ".out")
			if err != nil {
				t.Fatalf("every example has its expected output: %v", err)
			}
			t.Run("starsock", func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				var out strings.Builder
				leftOpen, err := runStarsockScript(ctx, script, nil, func(line string) {
					out.WriteString(line + "\n")
				})
				if err != nil {
					t.Fatalf("%v\noutput so far:\n%s", err, out.String())
				}
				if diff := cmp.Diff(string(want), out.String()); diff != "" {
					t.Errorf("%s output (-%s.out +got):\n%s", script, filepath.Base(base), diff)
				}
				if leftOpen > 0 {
					t.Errorf("%s left %d sockets open: an example closes what it opens", script, leftOpen)
				}
			})
			t.Run("cpython", func(t *testing.T) {
				original := base + ".py"
				if _, err := os.Stat(original); errors.Is(err, fs.ErrNotExist) {
					t.Skipf("no Python original %s", original)
				}
				python := lookPython(t)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				var stdout, stderr bytes.Buffer
				cmd := exec.CommandContext(ctx, python, "-W", "always::ResourceWarning", original)
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				if err := cmd.Run(); err != nil {
					t.Fatalf("python3 %s: %v\n%s", original, err, stderr.Bytes())
				}
				if diff := cmp.Diff(string(want), stdout.String()); diff != "" {
					t.Errorf("python3 %s output (-%s.out +got):\n%s", original, filepath.Base(base), diff)
				}
				if stderr.Len() > 0 {
					t.Errorf("python3 %s wrote to stderr (a socket left open warns):\n%s", original, stderr.Bytes())
				}
			})
		})
	}
}
