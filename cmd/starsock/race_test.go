//go:build race

package main

// The interpreter under test is built with the race detector too when the
// tests are.
func init() { buildFlags = append(buildFlags, "-race") }
