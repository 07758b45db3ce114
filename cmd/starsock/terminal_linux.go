package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// terminalMode is a terminal's saved settings.
type terminalMode struct {
	fd   int
	orig unix.Termios
}

// makeRaw puts the terminal f in the mode a line editor needs: bytes
// as typed, no echo, Ctrl-C and Ctrl-Z as bytes rather than signals. Output
// processing stays on, so "\n" still ends a line on screen.
func makeRaw(f *os.File) (*terminalMode, error) {
	fd := int(f.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	m := &terminalMode{fd: fd, orig: *t}
	t.Iflag &^= unix.ICRNL | unix.INLCR | unix.IXON
	t.Lflag &^= unix.ECHO | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return nil, err
	}
	return m, nil
}

// restore puts the terminal back as it was.
func (m *terminalMode) restore() error {
	return unix.IoctlSetTermios(m.fd, unix.TCSETS, &m.orig)
}

// suspend stops the process as Ctrl-Z does in a shell.
func suspend() { unix.Kill(0, unix.SIGTSTP) }
