package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// gcPercent reads the collector's setting without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// waitPercent collects until the setting is want, or fails after a
// second.
func waitPercent(t *testing.T, want int) {
	t.Helper()
	for end := time.Now().Add(time.Second); gcPercent() != want; {
		if time.Now().After(end) {
			t.Fatalf("GOGC is %d, want %d", gcPercent(), want)
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}

// TestGCSetting: the interpreter's collector lets a small heap grow to
// lightHeapGC, and goes back to Go's default while more than
// lightHeapLimit is live.
func TestGCSetting(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	debug.SetGCPercent(100)
	watchCollections()
	waitPercent(t, lightHeapGC)

	live := make([]byte, 2*lightHeapLimit)
	waitPercent(t, 100)
	runtime.KeepAlive(live)
	waitPercent(t, lightHeapGC)
}
