package main

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
)

// interrupts routes SIGINT (Ctrl-C) to what the interpreter is doing: it
// stops the statement running; between statements it interrupts the
// interactive prompt, or, with no prompt, exits 130 as Python would.
type interrupts struct {
	signals chan os.Signal
	prompt  chan struct{} // nil without an interactive prompt

	mu      sync.Mutex
	running *runState // nil between statements
}

type runState struct {
	stop        func()
	interrupted bool
}

func watchInterrupts(interactive bool) *interrupts {
	in := &interrupts{signals: make(chan os.Signal, 1)}
	if interactive {
		in.prompt = make(chan struct{}, 1)
	}
	signal.Notify(in.signals, os.Interrupt)
	go in.route()
	return in
}

func (in *interrupts) route() {
	for range in.signals {
		in.mu.Lock()
		switch r := in.running; {
		case r != nil && !r.interrupted:
			r.interrupted = true
			r.stop()
		case r != nil:
			// A second Ctrl-C: the statement did not stop; give up on it.
			fmt.Fprintln(os.Stderr, "\nKeyboardInterrupt")
			os.Exit(130)
		case in.prompt != nil:
			select {
			case in.prompt <- struct{}{}:
			default:
			}
		default:
			os.Exit(130)
		}
		in.mu.Unlock()
	}
}

// stop stops routing SIGINT; it kills the process again.
func (in *interrupts) stop() {
	signal.Stop(in.signals)
}

// begin routes SIGINT to stop until end is called.
func (in *interrupts) begin(stop func()) *runState {
	r := &runState{stop: stop}
	in.mu.Lock()
	in.running = r
	in.mu.Unlock()
	return r
}

// end ends the run r and reports whether Ctrl-C interrupted it.
func (in *interrupts) end(r *runState) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.running = nil
	return r.interrupted
}

// atPrompt returns a channel that receives Ctrl-C while no statement runs.
func (in *interrupts) atPrompt() <-chan struct{} { return in.prompt }

// drainPrompt forgets a Ctrl-C that arrived while no one was reading.
func (in *interrupts) drainPrompt() {
	select {
	case <-in.prompt:
	default:
	}
}
