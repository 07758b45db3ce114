package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// target is one goal from the benchmark's issue, checked on medians.
type target struct {
	pinned   bool
	workload string
	metric   string
	// versus is the implementation starsock's throughput is divided by;
	// "" when metric is already a ratio starsock measured against itself
	// (call_overhead's fileno_per_noop: the no-op's cost over call's, piece
	// by piece); the line then shows call's and floor's medians beside it.
	versus      string
	call, floor string
	min         float64
}

// targets: ping-pong and bulk at 1.5x CPython unpinned and 1.0x pinned,
// bulk at 0.9x Go's net.Conn, connection rate at CPython's, and s.fileno()
// within 1.5x of a call of a builtin that does nothing.
var targets = func() []target {
	var ts []target
	for _, w := range []struct{ name, metric string }{
		{"tcp_pingpong", "round_trips"},
		{"udp_pingpong", "round_trips"},
		{"unix_pingpong", "round_trips"},
		{"tcp_bulk", "bytes"},
	} {
		ts = append(ts,
			target{pinned: false, workload: w.name, metric: w.metric, versus: cpythonImpl, min: 1.5},
			target{pinned: true, workload: w.name, metric: w.metric, versus: cpythonImpl, min: 1.0})
	}
	return append(ts,
		target{pinned: false, workload: "tcp_bulk", metric: "bytes", versus: goNetImpl, min: 0.9},
		target{pinned: false, workload: "tcp_connect_rate", metric: "connections", versus: cpythonImpl, min: 1.0},
		target{pinned: true, workload: "tcp_connect_rate", metric: "connections", versus: cpythonImpl, min: 1.0},
		// time per call at most 1.5x the no-op's: the no-op's cost over
		// s.fileno()'s, piece by piece (fileno_per_noop), at least 1/1.5
		target{pinned: false, workload: "call_overhead", metric: "fileno_per_noop", call: "fileno", floor: "noop_builtin", min: 1 / 1.5},
	)
}()

// printTargets prints PASS or MISS per target measured in this run.
func (b *bench) printTargets(w io.Writer) {
	fmt.Fprintln(w, "\ntargets (on medians):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range targets {
		k := key{t.pinned, t.workload, t.metric}
		if t.versus == "" {
			ratio, ok1 := b.results.median(k, starsockImpl)
			call, ok2 := b.results.median(key{t.pinned, t.workload, t.call}, starsockImpl)
			floor, ok3 := b.results.median(key{t.pinned, t.workload, t.floor}, starsockImpl)
			if !ok1 || !ok2 || !ok3 {
				continue
			}
			u := unitOf(t.call)
			fmt.Fprintf(tw, "%s\t%s\t%s\tstarsock s.%s() / bool(), piece by piece (medians %s / %s ns)\t= %.2fx\t(want <= %.2fx)\n",
				verdict(ratio >= t.min), modeName(t.pinned), t.workload, t.call, u.format(call), u.format(floor), 1/ratio, 1/t.min)
			continue
		}
		r, ok := b.results.ratio(k, t.versus)
		if !ok {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\tstarsock/%s\t= %.2fx\t(want >= %.2fx)\n", verdict(r >= t.min), modeName(t.pinned), t.workload, t.versus, r, t.min)
	}
	tw.Flush()
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}
