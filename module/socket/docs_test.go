package socket_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/module/socket"
)

// helpOf returns what help(expr) prints, where s is a socket.
func helpOf(t *testing.T, expr string) string {
	t.Helper()
	inst := socket.New(socket.Permissive)
	defer inst.Close()
	env := builtins.Predeclared(nil)
	env["socket"] = inst.Module()
	thread := &starlark.Thread{}
	s, err := starlark.EvalOptions(builtins.FileOptions, thread, "s", "socket.socket()", env)
	if err != nil {
		t.Fatal(err)
	}
	env["s"] = s
	v, err := starlark.EvalOptions(builtins.FileOptions, thread, "help", expr, env)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	text, _ := builtins.HelpText(v)
	return text + "\n" // help's Print adds the last newline
}

// TestHelpPages checks whole pages of help(): where starsock adds no note
// the text is what python3's help() prints.
func TestHelpPages(t *testing.T) {
	for expr, want := range map[string]string{
		"socket.htons": `Help on built-in function htons in module _socket:

htons(...)
    htons(integer) -> integer
    
    Convert a 16-bit unsigned integer from host to network byte order.

`,
		"s.accept": `Help on method accept in module socket:

accept() method of socket.socket instance
    accept() -> (socket object, address info)
    
    Wait for an incoming connection.  Return a new socket
    representing the connection, and the address of the client.
    For IP sockets, the address info is a pair (hostaddr, port).

`,
		"socket.socket.recv": `Help on method_descriptor:

recv(...)
    recv(buffersize[, flags]) -> data
    
    Receive up to buffersize bytes from the socket.  For the optional flags
    argument, see the Unix manual.  When no data is available, block until
    at least one byte is available or until the remote end is closed.  When
    the remote end is closed and all data is read, return the empty string.
    
    starsock: a bufsize larger than what is pending (even 2**40) returns what is
    pending, where CPython raises MemoryError allocating the buffer first.

`,
		"socket.create_connection": `Help on function create_connection in module socket:

create_connection(address, timeout=GLOBAL_DEFAULT, source_address=None, *, all_errors=False)
    Connect to *address* and return the socket object.
    
    Convenience function.  Connect to *address* (a 2-tuple ` + "``(host,\n" + `    port)` + "``" + `) and return the socket object.  Passing the optional
    *timeout* parameter will set the timeout on the socket instance
    before attempting to connect.  If no *timeout* is supplied, the
    global default timeout setting returned by :func:` + "`getdefaulttimeout`" + `
    is used.  If *source_address* is set it must be a tuple of (host, port)
    for the socket to bind as a source address before making the connection.
    A host of '' or port 0 tells the OS to use the default. When a connection
    cannot be created, raises the last error if *all_errors* is False,
    and an ExceptionGroup of all errors if *all_errors* is True.
    
    starsock: with all_errors=True the first error is raised: the dialect has
    no ExceptionGroup.

`,
	} {
		if diff := cmp.Diff(want, helpOf(t, expr)); diff != "" {
			t.Errorf("help(%s) (-want +got):\n%s", expr, diff)
		}
	}
}

// TestHelpPageParts checks parts of the longer pages: the module's, the
// class's, and those whose heading depends on how the value was reached.
func TestHelpPageParts(t *testing.T) {
	for _, part := range []struct{ expr, want string }{
		{"s.recv", "Help on built-in function recv:\n\nrecv(...) method of socket.socket instance\n    recv(buffersize[, flags]) -> data\n"},
		// A module function and a method of one name are told apart.
		{"socket.close", "Help on built-in function close in module _socket:\n\nclose(...)\n    close(integer) -> None\n"},
		{"socket.socket.close", "Help on function close in module socket:\n\nclose(self)\n    close()\n"},
		{"socket.socketpair", "socketpair(family=None, type=SOCK_STREAM, proto=0)\n"},
		{"'socket.getaddrinfo'", "Help on function getaddrinfo in module socket:\n\ngetaddrinfo(host, port, family=0, type=0, proto=0, flags=0)\n"},
		{"socket.socket", "Help on class socket in module socket:\n\nclass socket(_socket.socket)\n |  socket(family=-1, type=-1, proto=-1, fileno=None)\n |  \n |  A subclass of _socket.socket adding the makefile() method.\n"},
		{"socket.socket", " |  recv(buffersize[, flags]) -> data\n |      Receive up to buffersize bytes from the socket.\n |  \n"},
		{"socket.socket", " |  Data descriptors defined here:\n |  \n |  family\n |      Read-only access to the address family for this socket.\n"},
		{"s", "Help on socket in module socket object:\n\nclass socket(_socket.socket)\n"},
		{"socket.SocketType", "Help on class socket in module _socket:\n\nclass socket(builtins.object)\n |  socket(family=AF_INET, type=SOCK_STREAM, proto=0) -> socket object\n"},
		{"socket", "Help on module socket:\n\nNAME\n    socket\n\nDESCRIPTION\n    This module provides socket operations and some related functions.\n"},
		{"socket", "\nFUNCTIONS\n    CMSG_LEN(length) -> control message length\n        Return the total length, without trailing padding, of an ancillary data\n        item with associated data of the given length.\n"},
		{"socket", "\nEXCEPTIONS\n    error = OSError\n    gaierror(OSError)\n    herror(OSError)\n    timeout = TimeoutError\n"},
		{"socket", "    has_ipv6 = True\n"},
		{"socket.gaierror", "Help on class gaierror in module socket:\n\nclass gaierror(builtins.OSError)\n"},
	} {
		if got := helpOf(t, part.expr); !strings.Contains(got, part.want) {
			t.Errorf("help(%s) printed:\n%s\nwant it to contain:\n%s", part.expr, got, part.want)
		}
	}
}

// TestEveryMemberDocumented walks dir(socket), dir(socket.socket) and
// dir(socket.socket()) and checks that help() documents each public
// member, so that none can be added without documentation. Constants are
// data: help(socket) counts them.
func TestEveryMemberDocumented(t *testing.T) {
	inst := socket.New(socket.Permissive)
	defer inst.Close()
	predeclared := builtins.Predeclared(nil)
	predeclared["socket"] = inst.Module()
	globals, err := starlark.ExecFileOptions(builtins.FileOptions, &starlark.Thread{}, "dir.star", `
s = socket.socket()
objects = {"socket": socket, "socket.socket": socket.socket, "socket.socket()": s}
members = {name: {m: getattr(obj, m) for m in dir(obj) if not m.startswith("_")} for name, obj in objects.items()}
s.close()
`, predeclared)
	if err != nil {
		t.Fatal(err)
	}
	class, _ := predeclared["socket"].(starlark.HasAttrs).Attr("socket")
	classPage, _ := builtins.HelpText(class)
	members := globals["members"].(*starlark.Dict)
	for _, item := range members.Items() {
		object := string(item[0].(starlark.String))
		for _, m := range item[1].(*starlark.Dict).Items() {
			name, v := string(m[0].(starlark.String)), m[1]
			switch v.(type) {
			case starlark.Int, starlark.Bool, starlark.NoneType, starlark.Float:
				// Data: the module's constants, the socket's family, timeout, ...
				if object == "socket.socket()" && !strings.Contains(classPage, " |  "+name+"\n |      ") {
					t.Errorf("help(socket.socket) does not document the attribute %s", name)
				}
				continue
			}
			if _, ok := builtins.HelpText(v); !ok {
				t.Errorf("help(%s.%s) finds no documentation", object, name)
			}
		}
	}
}

// TestHelpTellsFunctionsFromMethods: help tells a module function from an
// unbound method by its builtin's name, so no function's builtin may be
// named as a method is.
func TestHelpTellsFunctionsFromMethods(t *testing.T) {
	mod := socket.New(socket.Permissive).Module().(starlark.HasAttrs)
	class, _ := mod.Attr("socket")
	for _, name := range mod.AttrNames() {
		v, _ := mod.Attr(name)
		b, ok := v.(*starlark.Builtin)
		if !ok {
			continue
		}
		if m, _ := class.(starlark.HasAttrs).Attr(b.Name()); m != nil {
			t.Errorf("socket.%s's builtin is named %q, as the method socket.socket.%s is", name, b.Name(), b.Name())
		}
	}
}
