package socket_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// TestCPythonSocketTests runs testdata/test_socket/*.star: the test classes
// of CPython 3.11's Lib/test/test_socket.py ported to the dialect, one
// function per test method (see the README there). Each script prints how
// many tests it ran; a test that raises or fails an assertion fails the
// script's subtest. scripts/star_on_cpython.py runs the same scripts under
// CPython. The scripts run one at a time: some use a descriptor number
// just closed, which a script running beside them could reuse.
func TestCPythonSocketTests(t *testing.T) {
	requireHostnameInHosts(t)
	runScripts(t, "../../testdata/test_socket/*.star", false)
}

// requireHostnameInHosts stops the port before it looks up the machine's
// own name (testHostnameRes, testSockName, test_getfqdn_filter_localhost)
// where /etc/hosts does not have it: the lookup would go to DNS, and the
// tests never send a query off this machine.
func requireHostnameInHosts(t *testing.T) {
	t.Helper()
	name, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	hosts, err := os.ReadFile("/etc/hosts")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(hosts), "\n") {
		line, _, _ = strings.Cut(line, "#")
		fields := strings.Fields(line)
		for _, f := range fields[min(1, len(fields)):] {
			if f == name {
				return
			}
		}
	}
	t.Fatalf("the host name %q is not in /etc/hosts: three ported tests look it up, and would ask DNS; add it (127.0.1.1 %s) to run them", name, name)
}

// loadRelativeScript loads a .star module named by its path relative to
// the loading script (the thread's name), with the same predeclared names
// and socket instance; other module names are unknown (nil).
func loadRelativeScript(thread *starlark.Thread, inst *socket.Instance, module string) (starlark.StringDict, error) {
	if !strings.HasSuffix(module, ".star") {
		return nil, nil
	}
	path := filepath.Join(filepath.Dir(thread.Name), module)
	predeclared := builtins.Predeclared([]string{path})
	predeclared["socket"] = inst.Module()
	loader := &starlark.Thread{Name: path, Load: thread.Load, Print: thread.Print}
	return starlark.ExecFileOptions(builtins.FileOptions, loader, path, nil, predeclared)
}
