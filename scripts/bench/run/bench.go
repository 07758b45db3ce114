package main

import (
	"fmt"
	"os"
	"slices"
)

// bench holds a run's settings and what it measured.
type bench struct {
	impls   []implementation
	rounds  int
	scale   float64
	sockDir string
	seq     int
	results results
}

// key names one row of the tables.
type key struct {
	pinned   bool
	workload string
	metric   string
}

// results holds per row and implementation the throughput (operations
// per second) of every round.
type results map[key]map[string][]float64

// runWorkload runs w for every round, every implementation in turn
// within a round.
func (b *bench) runWorkload(w workload, pinned bool) error {
	count := w.scaled(b.scale)
	for round := 1; round <= b.rounds; round++ {
		for _, impl := range b.impls {
			ms, err := b.runOnce(w, impl, pinned, count)
			if err != nil {
				return fmt.Errorf("%s %s round %d: %w", modeName(pinned), w.name, round, err)
			}
			for _, m := range ms {
				k := key{pinned, w.name, m.metric}
				if b.results[k] == nil {
					b.results[k] = make(map[string][]float64)
				}
				rate := m.count / m.seconds
				b.results[k][impl.name] = append(b.results[k][impl.name], rate)
				fmt.Fprintf(os.Stderr, "%-8s %-16s round %d/%d %-8s %-12s %s %s\n",
					modeName(pinned), w.name, round, b.rounds, impl.name, m.metric, unitOf(m.metric).format(rate), unitOf(m.metric).name)
			}
		}
	}
	return nil
}

func modeName(pinned bool) string {
	if pinned {
		return "pinned"
	}
	return "unpinned"
}

// summary is the median, min and max of one implementation's rates.
type summary struct{ median, min, max float64 }

func summarize(rates []float64) (summary, bool) {
	if len(rates) == 0 {
		return summary{}, false
	}
	s := slices.Clone(rates)
	slices.Sort(s)
	mid := len(s) / 2
	median := s[mid]
	if len(s)%2 == 0 {
		median = (s[mid-1] + s[mid]) / 2
	}
	return summary{median, s[0], s[len(s)-1]}, true
}

// median returns the median rate of impl on row k.
func (r results) median(k key, impl string) (float64, bool) {
	s, ok := summarize(r[k][impl])
	return s.median, ok
}

// ratio is starsock's median throughput over other's on row k.
func (r results) ratio(k key, other string) (float64, bool) {
	s, ok1 := r.median(k, starsockImpl)
	o, ok2 := r.median(k, other)
	if !ok1 || !ok2 || o == 0 {
		return 0, false
	}
	return s / o, true
}
