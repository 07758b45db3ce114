package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// The interpreter's garbage collector setting.
//
// A script that streams data makes a new bytes value per recv and drops
// it at once: recv(65536) in a loop allocates 64 KiB per call, and with
// Go's default (GOGC=100, a 4 MiB heap at the least while little is
// live) the collector runs every sixty-odd calls, a fifth of such a
// script's time (scripts/bench/README.md, tcp_bulk). CPython frees each
// value when its last reference goes. So while live data is small the
// interpreter lets the heap grow to lightHeapGC times it (GOGC=400: at
// least 16 MiB) before collecting, and once live data passes
// lightHeapLimit it goes back to Go's default, so that a script holding
// much data does not hold five times as much. A GOGC set in the
// environment wins.
const (
	lightHeapGC    = 400
	lightHeapLimit = 8 << 20
)

// tuneGC applies the setting and keeps it up to date after every
// collection.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	debug.SetGCPercent(lightHeapGC)
	watchCollections()
}

// gcSentinel is garbage from birth: its cleanup runs after the next
// collection, and sets the next sentinel.
type gcSentinel struct{ _ *byte }

func watchCollections() {
	runtime.AddCleanup(&gcSentinel{}, func(struct{}) { afterCollection() }, struct{}{})
}

// afterCollection sets the percentage for what the collection found live.
func afterCollection() {
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	percent := lightHeapGC
	if live[0].Value.Kind() == metrics.KindUint64 && live[0].Value.Uint64() > lightHeapLimit {
		percent = 100
	}
	debug.SetGCPercent(percent)
	watchCollections()
}
