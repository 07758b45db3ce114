package socket_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// loadDir holds the servers the load tests drive.
const loadDir = "../../testdata/load"

// loadDeadline bounds each load test; cancelling it stops the server's
// blocked calls.
const loadDeadline = 2 * time.Minute

// loadServer is a server script running in-process, in an instance of
// its own, printing to lines.
type loadServer struct {
	lines chan string
	done  chan struct{}
	err   error
	open  int // sockets the script left open
}

func startLoadServer(ctx context.Context, script string, args ...string) *loadServer {
	s := &loadServer{lines: make(chan string, 16), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(s.lines)
		s.open, s.err = runStarsockScript(ctx, filepath.Join(loadDir, script), args, func(line string) { s.lines <- line })
	}()
	return s
}

// port waits for the script's "ready PORT" line.
func (s *loadServer) port(t *testing.T) string {
	t.Helper()
	line, ok := <-s.lines
	if !ok || !strings.HasPrefix(line, "ready ") {
		<-s.done
		t.Fatalf("server's first line %q (%v), want \"ready PORT\"", line, s.err)
	}
	return strings.TrimPrefix(line, "ready ")
}

// stop cancels the script, if it is still running, and waits for it.
func (s *loadServer) stop(cancel context.CancelFunc) {
	cancel()
	for range s.lines {
	}
	<-s.done
}

// summary waits for the script to end and returns its last line.
func (s *loadServer) summary(t *testing.T) string {
	t.Helper()
	var last string
	for line := range s.lines {
		last = line
	}
	<-s.done
	if s.err != nil {
		t.Fatalf("server: %v", s.err)
	}
	if s.open != 0 {
		t.Errorf("server left %d sockets open", s.open)
	}
	return last
}

// streamPayload is connection i's message: 1 to 8192 bytes, a pattern of
// its own.
func streamPayload(i int) []byte {
	p := make([]byte, 1+(i*7919)%8192)
	for j := range p {
		p[j] = byte(i + j*31)
	}
	return p
}

// echoExchange sends p, half-closes, and checks that exactly p comes back.
func echoExchange(conn net.Conn, p []byte) error {
	conn.SetDeadline(time.Now().Add(loadDeadline))
	if _, err := conn.Write(p); err != nil {
		return err
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		return err
	}
	got, err := io.ReadAll(conn)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, p) {
		return fmt.Errorf("sent %d bytes, %d came back, not the same", len(p), len(got))
	}
	return nil
}

// TestLoadTCPEcho drives testdata/load/tcp_echo_server.star, which serves
// one connection at a time, with 2,000 connections one after another and
// then a burst of 1,000 opened at once, which wait in its listen backlog
// while it serves them in turn. Every byte sent must come back.
func TestLoadTCPEcho(t *testing.T) {
	const sequential, burst = 2000, 1000
	needDescriptors(t, burst+256)
	ctx, cancel := context.WithTimeout(context.Background(), loadDeadline)
	defer cancel()
	srv := startLoadServer(ctx, "tcp_echo_server.star", strconv.Itoa(sequential+burst), "1024")
	addr := "127.0.0.1:" + srv.port(t)
	defer srv.stop(cancel)

	start := time.Now()
	var sent int
	for i := 0; i < sequential; i++ {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		p := streamPayload(i)
		err = echoExchange(conn, p)
		conn.Close()
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		sent += len(p)
	}
	sequentialTime := time.Since(start)

	start = time.Now()
	conns := make([]net.Conn, burst)
	for i := range conns {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("burst connection %d: %v", i, err)
		}
		defer conn.Close()
		conns[i] = conn
	}
	var wg sync.WaitGroup
	errs := make([]error, burst)
	for i, conn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = echoExchange(conn, streamPayload(sequential+i))
		}()
		sent += len(streamPayload(sequential + i))
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("burst connection %d: %v", i, err)
		}
	}
	burstTime := time.Since(start)

	want := fmt.Sprintf("served %d connections, %d bytes echoed", sequential+burst, sent)
	if got := srv.summary(t); got != want {
		t.Errorf("server's summary %q, want %q", got, want)
	}
	t.Logf("%d sequential connections in %v, a burst of %d in %v; %d bytes echoed and checked, 0 lost",
		sequential, sequentialTime.Round(time.Millisecond), burst, burstTime.Round(time.Millisecond), sent)
}

// udpPayload is datagram i: its number, then 8 to 1400 bytes of a
// pattern of its own.
func udpPayload(i int) []byte {
	p := make([]byte, 4+8+(i*7919)%1393)
	binary.BigEndian.PutUint32(p, uint32(i))
	for j := 4; j < len(p); j++ {
		p[j] = byte(i*7 + j)
	}
	return p
}

// TestLoadUDPEcho sends 100,000 datagrams through
// testdata/load/udp_echo_server.star over loopback, paced by a window of
// udpWindow datagrams in flight, so that no socket buffer can overflow:
// every datagram must come back once, unchanged. The rate is logged.
func TestLoadUDPEcho(t *testing.T) {
	const datagrams, udpWindow = 100000, 32
	ctx, cancel := context.WithTimeout(context.Background(), loadDeadline)
	defer cancel()
	srv := startLoadServer(ctx, "udp_echo_server.star", strconv.Itoa(datagrams))
	port := srv.port(t)
	defer srv.stop(cancel)

	conn, err := net.Dial("udp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	seen := make([]bool, datagrams)
	buf := make([]byte, 65536)
	sent, received, size := 0, 0, 0
	start := time.Now()
	for received < datagrams {
		for sent < datagrams && sent-received < udpWindow {
			p := udpPayload(sent)
			if _, err := conn.Write(p); err != nil {
				t.Fatalf("datagram %d: %v", sent, err)
			}
			size += len(p)
			sent++
		}
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("%d datagrams sent, %d came back, then: %v", sent, received, err)
		}
		i := int(binary.BigEndian.Uint32(buf))
		if n < 4 || i >= datagrams || seen[i] || !bytes.Equal(buf[:n], udpPayload(i)) {
			t.Fatalf("datagram %d of %d bytes came back wrong or twice", i, n)
		}
		seen[i] = true
		received++
	}
	elapsed := time.Since(start)

	want := fmt.Sprintf("echoed %d datagrams, %d bytes", datagrams, size)
	if got := srv.summary(t); got != want {
		t.Errorf("server's summary %q, want %q", got, want)
	}
	t.Logf("%d datagrams (%d bytes) echoed and checked in %v, %.0f datagrams/s, 0 lost",
		datagrams, size, elapsed.Round(time.Millisecond), datagrams/elapsed.Seconds())
}

// needDescriptors skips a test the descriptor limit cannot accommodate.
func needDescriptors(t *testing.T, n uint64) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < n {
		t.Skipf("needs %d descriptors; RLIMIT_NOFILE is %d", n, lim.Cur)
	}
}
