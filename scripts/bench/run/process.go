package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// runTimeout bounds one run of a workload, both processes together.
const runTimeout = 10 * time.Minute

// measurement is one metric of one run: count operations in seconds.
type measurement struct {
	metric  string
	count   float64
	seconds float64
}

// runOnce runs the workload's server (if any) and client with impl and
// returns the client's measurements.
func (b *bench) runOnce(w workload, impl implementation, pinned bool, count int) ([]measurement, error) {
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	command := func(role string, args []string) *exec.Cmd {
		argv := impl.command(w.name, role, args)
		if pinned {
			argv = append([]string{"taskset", "-c", "0"}, argv...)
		}
		return exec.CommandContext(ctx, argv[0], argv[1:]...)
	}

	var server *serverProcess
	addr := ""
	if w.server != nil {
		b.seq++
		path := filepath.Join(b.sockDir, fmt.Sprintf("%d.sock", b.seq))
		defer os.Remove(path)
		var err error
		server, err = startServer(command("server", w.server(count, path)))
		if err != nil {
			return nil, fmt.Errorf("%s server: %w", impl.name, err)
		}
		defer server.kill()
		addr = server.addr
	}

	client := command("client", w.client(addr, count))
	var stdout, stderr bytes.Buffer
	client.Stdout, client.Stderr = &stdout, &stderr
	if err := client.Run(); err != nil {
		server.kill() // before reading its stderr
		return nil, fmt.Errorf("%s client: %w\n%s%s", impl.name, err, stderr.Bytes(), server.stderrText())
	}
	if server != nil {
		lines, err := server.wait()
		if err != nil {
			return nil, fmt.Errorf("%s server: %w", impl.name, err)
		}
		if w.serverDone != nil {
			if err := w.serverDone(lines, count); err != nil {
				return nil, fmt.Errorf("%s server: %w", impl.name, err)
			}
		}
	}
	ms, err := parseResults(stdout.String())
	if err != nil {
		return nil, fmt.Errorf("%s client: %w\n%s", impl.name, err, stderr.Bytes())
	}
	return ms, nil
}

// parseResults reads the client's lines "RESULT <metric> <count> <seconds>".
func parseResults(out string) ([]measurement, error) {
	var ms []measurement
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 4 || f[0] != "RESULT" {
			continue
		}
		count, err1 := strconv.ParseFloat(f[2], 64)
		seconds, err2 := strconv.ParseFloat(f[3], 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("bad line %q: %w", line, err)
		}
		if seconds <= 0 {
			// A difference of two timings (call_overhead) can come out at
			// or below zero when a call costs less than the machine's
			// noise; that round has no figure for it.
			fmt.Fprintf(os.Stderr, "bench: no time measured in %q; the round is left out\n", line)
			continue
		}
		ms = append(ms, measurement{f[1], count, seconds})
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("no RESULT line in %q", out)
	}
	return ms, nil
}

// serverProcess is a running server: it has printed "READY <addr>".
type serverProcess struct {
	cmd    *exec.Cmd
	addr   string
	stderr bytes.Buffer
	lines  chan []string // what it prints after READY, once its stdout closes
}

func startServer(cmd *exec.Cmd) (*serverProcess, error) {
	s := &serverProcess{cmd: cmd, lines: make(chan []string, 1)}
	cmd.Stderr = &s.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(out)
	if !sc.Scan() {
		s.kill()
		return nil, fmt.Errorf("exited before READY\n%s", s.stderr.Bytes())
	}
	addr, ok := strings.CutPrefix(sc.Text(), "READY ")
	if !ok {
		s.kill()
		return nil, fmt.Errorf("printed %q, not READY <address>", sc.Text())
	}
	s.addr = strings.TrimSpace(addr)
	go func() {
		var lines []string
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		io.Copy(io.Discard, out)
		s.lines <- lines
	}()
	return s, nil
}

// wait waits for the server to exit and returns what it printed.
func (s *serverProcess) wait() ([]string, error) {
	lines := <-s.lines
	if err := s.cmd.Wait(); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, s.stderr.Bytes())
	}
	return lines, nil
}

// kill ends a server that is still running (after a failed client); s
// may be nil.
func (s *serverProcess) kill() {
	if s != nil && s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

// stderrText is the server's stderr for an error message; s may be nil.
func (s *serverProcess) stderrText() string {
	if s == nil || s.stderr.Len() == 0 {
		return ""
	}
	return "server: " + s.stderr.String()
}
