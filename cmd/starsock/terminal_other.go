//go:build !linux

package main

import (
	"errors"
	"os"
)

// isTerminal reports whether f is a terminal. Off Linux starsock does not
// look, and reads plain lines.
func isTerminal(*os.File) bool { return false }

type terminalMode struct{}

func makeRaw(*os.File) (*terminalMode, error) {
	return nil, errors.New("no line editing on this system")
}

func (m *terminalMode) restore() error { return nil }

func suspend() {}
