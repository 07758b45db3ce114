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

// TestREPLTerminal drives the interactive prompt as a user at a terminal:
// evaluation, history, Ctrl-C at the prompt and during a statement, Ctrl-D.
func TestREPLTerminal(t *testing.T) {
	t.Parallel()
	master, slave := openPTY(t)
	defer master.Close()
	cmd := exec.Command(starsock)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	defer cmd.Process.Kill()
	term := collect(master)
	send := func(keys string) {
		t.Helper()
		if _, err := master.WriteString(keys); err != nil {
			t.Fatalf("typing %q: %v", keys, err)
		}
	}

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
	send("\x04") // Ctrl-D
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
