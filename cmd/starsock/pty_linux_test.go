package main

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: the master to play the user, the
// slave for the interpreter's stdin, stdout and stderr.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		t.Skipf("ptsname: %v", err)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Skipf("open pts: %v", err)
	}
	return master, slave
}

// startTerminal starts the interpreter's prompt on a pseudo-terminal and
// returns what the terminal shows, a way to type at it, and a way to end
// the session with Ctrl-D.
func startTerminal(t *testing.T) (term *output, send func(keys string), ctrlD func()) {
	master, slave := openPTY(t)
	t.Cleanup(func() { master.Close() })
	cmd := exec.Command(starsock)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	t.Cleanup(func() { cmd.Process.Kill() })
	send = func(keys string) {
		t.Helper()
		if _, err := master.WriteString(keys); err != nil {
			t.Fatalf("typing %q: %v", keys, err)
		}
	}
	ctrlD = func() {
		t.Helper()
		send("\x04")
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("exit: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Ctrl-D did not end the session")
		}
	}
	return collect(master), send, ctrlD
}

// TestREPLTerminal drives the interactive prompt as a user at a terminal:
// evaluation, history, Ctrl-C at the prompt and during a statement, Ctrl-D.
func TestREPLTerminal(t *testing.T) {
	t.Parallel()
	term, send, ctrlD := startTerminal(t)

	term.expect(t, ">>> ")
	send("20 + 1\r")
	term.expect(t, "21\r\n")
	term.expect(t, ">>> ")
	send("\x1b[A\x1b[D\x1b[D\x1b[D\x1b[D2\r") // Up, Left x4: 202 + 1
	term.expect(t, "203\r\n")
	term.expect(t, ">>> ")
	send("unfinished(\x03") // Ctrl-C abandons the line
	term.expect(t, "KeyboardInterrupt\r\n")
	term.expect(t, ">>> ")
	send("time.sleep(30)\r")
	term.expect(t, "time.sleep(30)")
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	send("\x03") // Ctrl-C stops the statement
	term.expect(t, "KeyboardInterrupt\r\n")
	term.expect(t, ">>> ")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Ctrl-C took %v to stop time.sleep", d)
	}
	send("def f():\r    return 'ok'\r\rf()\r")
	term.expect(t, "'ok'\r\n")
	term.expect(t, ">>> ")
	ctrlD()
}

// TestREPLHelp types help(...) at the prompt, as a user looking for a
// function's signature does.
func TestREPLHelp(t *testing.T) {
	t.Parallel()
	term, send, ctrlD := startTerminal(t)
	term.expect(t, "Type help(object) for help")
	term.expect(t, ">>> ")
	send("help(socket.create_connection)\r")
	term.expect(t, "Help on function create_connection in module socket:\r\n\r\n")
	term.expect(t, "create_connection(address, timeout=GLOBAL_DEFAULT, source_address=None, *, all_errors=False)\r\n")
	term.expect(t, "    Connect to *address* and return the socket object.\r\n")
	term.expect(t, ">>> ")
	send("s = socket.socket()\r")
	term.expect(t, ">>> ")
	send("help(s.recv)\r")
	term.expect(t, "recv(...) method of socket.socket instance\r\n    recv(buffersize[, flags]) -> data\r\n")
	term.expect(t, ">>> ")
	send("help\r")
	term.expect(t, "Type help() for how to use help, or help(object) for help about object.\r\n")
	term.expect(t, ">>> ")
	ctrlD()
}
