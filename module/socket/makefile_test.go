package socket_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/module/socket"
)

// TestMakefileReadCancelled: a read of a file made by makefile, blocked on
// an idle socketpair, returns within a second of the thread's context
// being cancelled, with an error that unwraps to context.Canceled, in
// each kind of file.
func TestMakefileReadCancelled(t *testing.T) {
	for _, tc := range []struct{ mode, call string }{
		{`"rb"`, "f.readline()"},
		{`"rb", 0`, "f.read(10)"},
		{`"rwb"`, "f.read(10)"},
		{`"r"`, "f.readline()"},
		{`"rw"`, "f.read(1)"},
	} {
		t.Run(fmt.Sprintf("makefile(%s).%s", tc.mode, tc.call), func(t *testing.T) {
			inst := socket.New(socket.Permissive)
			defer inst.Close()
			globals := setup(t, inst, "a, b = socket.socketpair()\nf = b.makefile("+tc.mode+")", nil)
			err := cancelWhileBlocked(t, inst, tc.call, globals)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("got %v, want an error unwrapping to context.Canceled", err)
			}
		})
	}
}

// cancelWhileBlocked runs call in a script tied to a context, cancels the
// context once the call has been waiting a while, and returns the
// script's error, failing t if the call does not wait or does not return
// within a second of the cancellation.
func cancelWhileBlocked(t *testing.T, inst *socket.Instance, call string, globals starlark.StringDict) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, inst, call, globals) }()
	select {
	case err := <-done:
		t.Fatalf("%s returned before the cancellation: %v", call, err)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Second):
		inst.Close() // unblock it so the test ends
		t.Fatalf("%s still blocked 1s after the cancellation", call)
	}
	return nil
}

// TestMakefileForLoop: `for line in f` reads lines until the end of the
// stream; a failed read, which a for loop cannot raise, stops the thread
// (the statement after the loop never runs) with the exception's text,
// and a cancellation of the context stops it within a second. (The loop
// reads in the name of the thread that last called a method of the file,
// here the one that made it: Starlark tells an iteration nothing else.)
func TestMakefileForLoop(t *testing.T) {
	inst := socket.New(socket.Permissive)
	defer inst.Close()

	err := run(context.Background(), inst, `
a, b = socket.socketpair()
a.sendall(b"one\ntwo\nthree")
a.shutdown(socket.SHUT_WR)
got = [line for line in b.makefile("r")]
if got != ["one\n", "two\n", "three"]:
    fail("got %s" % repr(got))
`, nil)
	if err != nil {
		t.Fatal(err)
	}

	err = run(context.Background(), inst, `
a, b = socket.socketpair()
a.sendall(b"one\n")
b.settimeout(0.05)
for line in b.makefile("rb"):
    pass
print("the loop ended as if the stream had")
`, nil)
	if err == nil || !strings.Contains(err.Error(), "TimeoutError: timed out") {
		t.Errorf("a timeout in a for loop: got %v, want the thread stopped with TimeoutError: timed out", err)
	}

	err = cancelWhileBlocked(t, inst, `
a, b = socket.socketpair()
for line in b.makefile("rb"):
    pass
`, nil)
	if err == nil || !strings.Contains(err.Error(), context.Canceled.Error()) {
		t.Errorf("a cancelled for loop: got %v, want the thread stopped by the cancellation", err)
	}
}

// TestMakefileInstanceClose: the files keep a socket's descriptor open
// after the script's close(), but Instance.Close closes it at once; the
// files then fail with EBADF, and closing them later closes nothing more,
// even when the number has been reused.
func TestMakefileInstanceClose(t *testing.T) {
	inst := socket.New(socket.Permissive)
	globals := setup(t, inst, `
a, b = socket.socketpair()
f = b.makefile("rb")
g = b.makefile("w")
fd = b.fileno()
b.close()
`, nil)
	fd := int(mustInt(t, globals["fd"]))
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		t.Fatalf("the open files should keep descriptor %d open: %v", fd, err)
	}
	inst.Close()
	if n := inst.OpenSockets(); n != 0 {
		t.Errorf("%d sockets open after Instance.Close", n)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != unix.EBADF {
		t.Fatalf("descriptor %d after Instance.Close: got %v, want EBADF", fd, err)
	}

	reused := takeDescriptor(t, fd)
	defer reused.Close()
	err := run(context.Background(), inst, `
_, err = catch(f.read, 1)
if not isinstance(err, OSError) or err.errno != 9:
    fail("read after Instance.Close: %s" % repr(err))
f.close()
g.close()
b.close()
`, globals)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		t.Errorf("closing the files closed descriptor %d again, now someone else's: %v", fd, err)
	}
}

// takeDescriptor opens /dev/null until the kernel hands out number fd,
// and returns that file; the others are closed.
func takeDescriptor(t *testing.T, fd int) *os.File {
	t.Helper()
	var others []*os.File
	defer func() {
		for _, f := range others {
			f.Close()
		}
	}()
	for range 1000 {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		switch got := int(f.Fd()); {
		case got == fd:
			return f
		case got > fd:
			f.Close()
			t.Fatalf("descriptor %d was taken by someone else", fd)
		}
		others = append(others, f)
	}
	t.Fatalf("the kernel never handed out descriptor %d", fd)
	return nil
}

func mustInt(t *testing.T, v starlark.Value) int64 {
	t.Helper()
	n, ok := v.(starlark.Int).Int64()
	if !ok {
		t.Fatalf("%v is not a small int", v)
	}
	return n
}

// TestMakefileReadWhileWriting: one thread blocks reading a "rw" file
// while another writes and flushes through the same file; the write does
// not wait for the read, and the read gets the peer's answer.
func TestMakefileReadWhileWriting(t *testing.T) {
	for _, mode := range []string{"rwb", "rw"} {
		t.Run(mode, func(t *testing.T) {
			inst := socket.New(socket.Permissive)
			defer inst.Close()
			globals := setup(t, inst, fmt.Sprintf("a, b = socket.socketpair()\nf = b.makefile(%q)", mode), nil)
			peer := int(mustInt(t, setup(t, inst, "fd = a.fileno()", globals)["fd"]))
			globals["ping"], globals["want"] = starlark.Bytes("ping\n"), starlark.Bytes("pong after ping\n")
			if mode == "rw" {
				globals["ping"], globals["want"] = starlark.String("ping\n"), starlark.String("pong after ping\n")
			}
			wrote := make(chan error, 1)
			go func() {
				// The reader blocks first; then the writer goes through the
				// same file, and the peer answers what it got.
				time.Sleep(50 * time.Millisecond)
				wrote <- run(context.Background(), inst, "f.write(ping)\nf.flush()", globals)
				buf := make([]byte, 16)
				n, _ := syscall.Read(peer, buf)
				syscall.Write(peer, append([]byte("pong after "), buf[:n]...))
			}()
			errs := runAll(t, inst, globals, 10*time.Second, `
line = f.readline()
if line != want:
    fail("read %s" % repr(line))
`)
			if err := <-wrote; err != nil {
				t.Errorf("writer: %v", err)
			}
			if errs[0] != nil {
				t.Errorf("reader: %v", errs[0])
			}
		})
	}
}

// TestMakefileConcurrentReaders: threads reading lines from one file each
// get whole lines, and between them every line once.
func TestMakefileConcurrentReaders(t *testing.T) {
	inst := socket.New(socket.Permissive)
	defer inst.Close()
	const lines = 2000
	globals := setup(t, inst, `
a, b = socket.socketpair()
f = b.makefile("rb", 64)  # a small buffer: many refills under contention
`, nil)
	globals["N"] = starlark.MakeInt(lines)
	got := make([][]string, 3)
	collect := func(i int) *starlark.Builtin {
		return starlark.NewBuiltin("collect", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			got[i] = append(got[i], string(args[0].(starlark.Bytes)))
			return starlark.None, nil
		})
	}
	reader := `
for _ in range(N + 1):
    line = f.readline()
    if not line:
        break
    collect%d(line)
`
	for i := range got {
		globals[fmt.Sprintf("collect%d", i)] = collect(i)
	}
	errs := runAll(t, inst, globals, 20*time.Second,
		fmt.Sprintf(reader, 0), fmt.Sprintf(reader, 1), fmt.Sprintf(reader, 2), `
for i in range(N):
    a.sendall(bytes("line %d of a stream read by three threads\n" % i))
a.shutdown(socket.SHUT_WR)
`)
	for i, err := range errs {
		if err != nil {
			t.Errorf("script %d: %v", i, err)
		}
	}
	var all []string
	for _, g := range got {
		all = append(all, g...)
	}
	sort.Strings(all)
	want := make([]string, lines)
	for i := range want {
		want[i] = fmt.Sprintf("line %d of a stream read by three threads\n", i)
	}
	sort.Strings(want)
	if strings.Join(all, "") != strings.Join(want, "") {
		t.Errorf("the readers got %d lines, not each of the %d lines once", len(all), lines)
	}
}
