// Command soak runs the bundled interpreter with scripts/soak/server.star
// for a long while under mixed traffic (TCP and AF_UNIX echo connections,
// UDP echo datagrams, connections closed at once or reset) and samples the
// interpreter's resident memory and open descriptors as it goes. It fails
// if either grows past a small bound over its level after warming up, if
// any exchange goes wrong, or if the script does not end cleanly.
//
//	go run ./scripts/soak -duration 5m -bin bin/starsock
//
// It uses loopback and a temporary directory only. `make soak` runs it.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	duration  = flag.Duration("duration", 5*time.Minute, "how long to run the traffic")
	bin       = flag.String("bin", "bin/starsock", "the interpreter to soak")
	script    = flag.String("script", "scripts/soak/server.star", "the server script")
	every     = flag.Duration("sample", 5*time.Second, "how often to sample memory and descriptors")
	warmUp    = flag.Duration("warmup", 30*time.Second, "traffic before the baseline is taken")
	rssGrowth = flag.Int64("rss-growth", 16<<20, "bytes of resident memory the interpreter may gain after warming up")
	fdGrowth  = flag.Int("fd-growth", 4, "descriptors the interpreter may gain after warming up")
	clients   = flag.Int("clients", 2, "concurrent traffic generators")
)

func main() {
	flag.Parse()
	if err := soak(); err != nil {
		fmt.Fprintln(os.Stderr, "soak: FAIL:", err)
		os.Exit(1)
	}
	fmt.Println("soak: PASS")
}

// sample is the interpreter's resident memory and open descriptors at a time.
type sample struct {
	at  time.Duration
	rss int64
	fds int
}

func (s sample) String() string {
	return fmt.Sprintf("%6s  RSS %6.1f MiB  fds %3d", s.at.Round(time.Second), float64(s.rss)/(1<<20), s.fds)
}

func soak() error {
	dir, err := os.MkdirTemp("", "starsock-soak")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	unixPath := filepath.Join(dir, "echo.sock")

	ctx, cancel := context.WithTimeout(context.Background(), *duration+2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, *bin, *script, unixPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		return err
	}
	defer cmd.Process.Kill()
	out := bufio.NewScanner(stdout)
	if !out.Scan() {
		cmd.Wait()
		return fmt.Errorf("the server printed nothing; stderr:\n%s", stderr.String())
	}
	fields := strings.Fields(out.Text())
	if len(fields) != 3 || fields[0] != "ready" {
		return fmt.Errorf("the server's first line %q, want \"ready TCP_PORT UDP_PORT\"", out.Text())
	}
	peer := peers{tcp: "127.0.0.1:" + fields[1], udp: "127.0.0.1:" + fields[2], unix: unixPath}
	pid := cmd.Process.Pid

	start := time.Now()
	var samples []sample
	take := func() error {
		s, err := measure(pid)
		if err != nil {
			return err
		}
		s.at = time.Since(start)
		samples = append(samples, s)
		fmt.Println(s)
		return nil
	}
	if err := take(); err != nil {
		return err
	}

	var stats traffic
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, *clients)
	for i := 0; i < *clients; i++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			if err := peer.generate(rand.New(rand.NewPCG(seed, seed)), stop, &stats); err != nil {
				errs <- err
			}
		}(uint64(i + 1))
	}
	ticker := time.NewTicker(*every)
	deadline := time.After(*duration)
	var failure error
loop:
	for {
		select {
		case <-ticker.C:
			if err := take(); err != nil {
				failure = err
				break loop
			}
		case err := <-errs:
			failure = err
			break loop
		case <-deadline:
			break loop
		}
	}
	ticker.Stop()
	close(stop)
	wg.Wait()
	if failure == nil {
		failure = take()
	}
	if failure != nil {
		return failure
	}

	// Ask the server to end, and hold it to ending cleanly.
	if conn, err := net.Dial("udp", peer.udp); err == nil {
		conn.Write([]byte("quit"))
		conn.Close()
	}
	var rest []string
	for out.Scan() {
		rest = append(rest, out.Text())
	}
	if err := cmd.Wait(); err != nil || stderr.Len() > 0 {
		return fmt.Errorf("the server ended with %v; stderr:\n%s", err, stderr.String())
	}

	baseline := samples[0]
	for _, s := range samples {
		if s.at <= *warmUp {
			baseline.rss, baseline.fds = max(baseline.rss, s.rss), max(baseline.fds, s.fds)
		}
	}
	end := samples[len(samples)-1]
	fmt.Printf("traffic: %d TCP, %d AF_UNIX exchanges, %d UDP datagrams, %d connections closed at once, %d reset; %d bytes echoed and checked\n",
		stats.tcp.Load(), stats.unix.Load(), stats.udp.Load(), stats.closed.Load(), stats.reset.Load(), stats.bytes.Load())
	fmt.Printf("server: %s\n", strings.Join(rest, "; "))
	fmt.Printf("start: %s\nafter warm-up (max): RSS %.1f MiB, fds %d\nend:   %s\n", samples[0], float64(baseline.rss)/(1<<20), baseline.fds, end)
	if end.rss > baseline.rss+*rssGrowth {
		return fmt.Errorf("resident memory grew from %d to %d bytes, past the bound of %d", baseline.rss, end.rss, *rssGrowth)
	}
	if end.fds > baseline.fds+*fdGrowth {
		return fmt.Errorf("open descriptors grew from %d to %d, past the bound of %d", baseline.fds, end.fds, *fdGrowth)
	}
	return nil
}

// measure reads a process's resident memory and counts its descriptors.
func measure(pid int) (sample, error) {
	var s sample
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return s, fmt.Errorf("VmRSS %q: %v", rest, err)
			}
			s.rss = kib << 10
		}
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return s, err
	}
	s.fds = len(fds)
	return s, nil
}

// traffic counts what the generators did.
type traffic struct {
	tcp, unix, udp, closed, reset, bytes atomic.Int64
}

// peers are the server's addresses.
type peers struct{ tcp, udp, unix string }

// generate makes random exchanges until stop is closed.
func (p peers) generate(r *rand.Rand, stop <-chan struct{}, stats *traffic) error {
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		var err error
		switch n := r.IntN(10); {
		case n < 3:
			err = p.stream("tcp", p.tcp, r, stats, &stats.tcp)
		case n < 6:
			err = p.stream("unix", p.unix, r, stats, &stats.unix)
		case n < 8:
			err = p.datagrams(r, stats)
		case n < 9:
			err = p.closeAtOnce(r, stats)
		default:
			err = p.resetMidway(stats)
		}
		if err != nil {
			return err
		}
	}
}

// exchangeDeadline bounds one exchange: the server serves one connection
// at a time, so a connection may wait behind the other generators'.
const exchangeDeadline = 30 * time.Second

// stream sends a random message on a new connection, half-closes, and
// checks that it all comes back.
func (p peers) stream(network, addr string, r *rand.Rand, stats *traffic, count *atomic.Int64) error {
	conn, err := net.DialTimeout(network, addr, exchangeDeadline)
	if err != nil {
		return fmt.Errorf("%s dial: %w", network, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(exchangeDeadline))
	msg := make([]byte, 1+r.IntN(256<<10))
	for i := range msg {
		msg[i] = byte(r.Uint32())
	}
	errc := make(chan error, 1)
	go func() {
		_, err := conn.Write(msg)
		if err == nil {
			err = conn.(interface{ CloseWrite() error }).CloseWrite()
		}
		errc <- err
	}()
	got, err := io.ReadAll(conn)
	if werr := <-errc; werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return fmt.Errorf("%s exchange of %d bytes: %w", network, len(msg), err)
	}
	if !bytes.Equal(got, msg) {
		return fmt.Errorf("%s: sent %d bytes, %d came back, not the same", network, len(msg), len(got))
	}
	count.Add(1)
	stats.bytes.Add(int64(len(msg)))
	return nil
}

// datagrams sends a few datagrams one at a time and checks each echo.
func (p peers) datagrams(r *rand.Rand, stats *traffic) error {
	conn, err := net.Dial("udp", p.udp)
	if err != nil {
		return err
	}
	defer conn.Close()
	buf := make([]byte, 65536)
	for n := 1 + r.IntN(32); n > 0; n-- {
		msg := make([]byte, 1+r.IntN(1400))
		for j := range msg {
			msg[j] = byte(r.Uint32())
		}
		if _, err := conn.Write(msg); err != nil {
			return err
		}
		conn.SetReadDeadline(time.Now().Add(exchangeDeadline))
		n, err := conn.Read(buf)
		if err != nil {
			return fmt.Errorf("udp: no echo of a %d-byte datagram: %w", len(msg), err)
		}
		if !bytes.Equal(buf[:n], msg) {
			return fmt.Errorf("udp: sent %d bytes, %d came back, not the same", len(msg), n)
		}
		stats.udp.Add(1)
		stats.bytes.Add(int64(n))
	}
	return nil
}

// closeAtOnce connects and closes without a word.
func (p peers) closeAtOnce(r *rand.Rand, stats *traffic) error {
	network, addr := "tcp", p.tcp
	if r.IntN(2) == 0 {
		network, addr = "unix", p.unix
	}
	conn, err := net.DialTimeout(network, addr, exchangeDeadline)
	if err != nil {
		return fmt.Errorf("%s dial: %w", network, err)
	}
	stats.closed.Add(1)
	return conn.Close()
}

// resetMidway sends part of a message and resets the connection
// (SO_LINGER 0), leaving the server to meet ECONNRESET.
func (p peers) resetMidway(stats *traffic) error {
	conn, err := net.DialTimeout("tcp", p.tcp, exchangeDeadline)
	if err != nil {
		return fmt.Errorf("tcp dial: %w", err)
	}
	tcp := conn.(*net.TCPConn)
	tcp.SetLinger(0)
	if _, err := tcp.Write(make([]byte, 4096)); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	stats.reset.Add(1)
	return tcp.Close()
}
