package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"text/tabwriter"
)

// unit says how a metric's rate is shown.
type unit struct {
	name    string
	perCall bool    // shown as time per operation (ns), lower is better
	ratio   bool    // a cost in units of another's (the rate's inverse), lower is better
	divisor float64 // rate shown divided by this
}

func unitOf(metric string) unit {
	switch metric {
	case "bytes":
		return unit{name: "MiB/s", divisor: 1 << 20}
	case "round_trips":
		return unit{name: "round trips/s", divisor: 1}
	case "connections":
		return unit{name: "connections/s", divisor: 1}
	case "fileno_per_noop":
		return unit{name: "x bool()", ratio: true}
	}
	return unit{name: "ns/call", perCall: true}
}

func (u unit) format(rate float64) string {
	switch {
	case u.perCall:
		return fmt.Sprintf("%.1f", 1e9/rate)
	case u.ratio:
		return fmt.Sprintf("%.2f", 1/rate)
	}
	return thousands(rate / u.divisor)
}

// formatSummary is "median [min-max]"; per-call units swap min and max
// so that the range reads low to high.
func (u unit) formatSummary(s summary) string {
	lo, hi := s.min, s.max
	if u.perCall || u.ratio {
		lo, hi = hi, lo
	}
	return fmt.Sprintf("%s [%s-%s]", u.format(s.median), u.format(lo), u.format(hi))
}

// thousands formats a rate without decimals, with thousands separators.
func thousands(x float64) string {
	s := fmt.Sprintf("%.0f", x)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// printTables prints one table per mode: a row per workload and metric.
func (b *bench) printTables(w io.Writer, selected []workload) {
	for _, pinned := range []bool{false, true} {
		var rows []key
		for _, wl := range selected {
			for _, metric := range metricsOf(b.results, pinned, wl.name) {
				rows = append(rows, key{pinned, wl.name, metric})
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: median [min-max] of %d rounds; the ratios are starsock's median throughput over the other's (>1: starsock is faster)\n", modeTitle(pinned), b.rounds)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, "workload\tmetric\tunit")
		for _, impl := range b.impls {
			fmt.Fprintf(tw, "\t%s", impl.name)
		}
		for _, impl := range b.impls[1:] {
			fmt.Fprintf(tw, "\tstarsock/%s", impl.name)
		}
		fmt.Fprintln(tw)
		for _, k := range rows {
			u := unitOf(k.metric)
			fmt.Fprintf(tw, "%s\t%s\t%s", k.workload, k.metric, u.name)
			for _, impl := range b.impls {
				s, ok := summarize(b.results[k][impl.name])
				if !ok {
					fmt.Fprint(tw, "\t-")
					continue
				}
				fmt.Fprintf(tw, "\t%s", u.formatSummary(s))
			}
			for _, impl := range b.impls[1:] {
				if r, ok := b.results.ratio(k, impl.name); ok {
					fmt.Fprintf(tw, "\t%.2f", r)
				} else {
					fmt.Fprint(tw, "\t-")
				}
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
	}
}

func modeTitle(pinned bool) string {
	if pinned {
		return "pinned (both processes on CPU 0: taskset -c 0)"
	}
	return fmt.Sprintf("unpinned (both processes free on the %d CPUs)", runtime.NumCPU())
}

// metricsOf lists the metrics measured for a workload, in a fixed order.
func metricsOf(r results, pinned bool, workload string) []string {
	var metrics []string
	for _, m := range []string{"round_trips", "bytes", "connections", "fileno", "gettimeout", "noop_builtin", "fileno_per_noop"} {
		if _, ok := r[key{pinned, workload, m}]; ok {
			metrics = append(metrics, m)
		}
	}
	return metrics
}

// printMachine describes where the numbers come from.
func printMachine(w io.Writer) {
	model := "unknown"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	fmt.Fprintf(w, "machine: %d CPUs, %s, kernel %s, load average %s\n", runtime.NumCPU(), model, readTrimmed("/proc/sys/kernel/osrelease"), loadAverage())
	python, _ := exec.Command("python3", "--version").Output()
	fmt.Fprintf(w, "go: %s, python: %s\n", runtime.Version(), strings.TrimSpace(string(python)))
}

func loadAverage() string {
	f := strings.Fields(readTrimmed("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func readTrimmed(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(data))
}
