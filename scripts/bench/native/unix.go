package main

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// unixWorkloads use blocking system calls on plain descriptors: the
// goroutine sits in the kernel like a C program, with no netpoller.
var unixWorkloads = map[string]roles{
	"tcp_pingpong":     {unixStreamEchoServer(unix.AF_INET), unixTCPPingPongClient},
	"udp_pingpong":     {unixUDPServer, unixUDPClient},
	"unix_pingpong":    {unixStreamEchoServer(unix.AF_UNIX), unixUnixPingPongClient},
	"tcp_bulk":         {unixBulkServer, unixBulkClient},
	"tcp_connect_rate": {unixConnectServer, unixConnectClient},
	"call_overhead":    {nil, unixCallOverhead},
}

var loopback4 = [4]byte{127, 0, 0, 1}

func socket(family, sotype int) (int, error) {
	return unix.Socket(family, sotype|unix.SOCK_CLOEXEC, 0)
}

// listen makes a listening socket: TCP on 127.0.0.1 and an ephemeral
// port, or AF_UNIX at args[0]. It prints READY with the port or path.
func listen(family int, args []string) (int, error) {
	fd, err := socket(family, unix.SOCK_STREAM)
	if err != nil {
		return -1, err
	}
	var sa unix.Sockaddr = &unix.SockaddrInet4{Addr: loopback4}
	if family == unix.AF_UNIX {
		if len(args) < 1 {
			return -1, errors.New("missing path")
		}
		sa = &unix.SockaddrUnix{Name: args[0]}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return -1, err
	}
	if err := unix.Listen(fd, 4096); err != nil {
		return -1, err
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		return -1, err
	}
	switch a := bound.(type) {
	case *unix.SockaddrInet4:
		ready(a.Port)
	case *unix.SockaddrUnix:
		ready(a.Name)
	}
	return fd, nil
}

func accept(lfd int) (int, error) {
	fd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
	return fd, err
}

func dialTCP(port int) (int, error) {
	fd, err := socket(unix.AF_INET, unix.SOCK_STREAM)
	if err != nil {
		return -1, err
	}
	return fd, unix.Connect(fd, &unix.SockaddrInet4{Addr: loopback4, Port: port})
}

func noDelay(fd int) error {
	return unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
}

// writeAll is sendall.
func writeAll(fd int, p []byte) error {
	for len(p) > 0 {
		n, err := unix.Write(fd, p)
		if err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

func unixStreamEchoServer(family int) func([]string) error {
	return func(args []string) error {
		lfd, err := listen(family, args)
		if err != nil {
			return err
		}
		fd, err := accept(lfd)
		if err != nil {
			return err
		}
		if family == unix.AF_INET {
			if err := noDelay(fd); err != nil {
				return err
			}
		}
		buf := make([]byte, 1)
		for {
			n, err := unix.Read(fd, buf)
			if err != nil {
				return err
			}
			if n == 0 {
				break
			}
			if err := writeAll(fd, buf[:n]); err != nil {
				return err
			}
		}
		unix.Close(fd)
		return unix.Close(lfd)
	}
}

// pingPong runs count round trips of msg on fd and reports them.
func pingPong(fd int, msg []byte, count int) error {
	buf := make([]byte, 64)
	start := time.Now()
	for range count {
		if err := writeAll(fd, msg); err != nil {
			return err
		}
		n, err := unix.Read(fd, buf[:len(msg)])
		if err != nil {
			return err
		}
		if string(buf[:n]) != string(msg) {
			return fmt.Errorf("short or wrong reply %q", buf[:n])
		}
	}
	result("round_trips", count, time.Since(start))
	return nil
}

func unixTCPPingPongClient(args []string) error {
	port, count, err := portAndCount(args)
	if err != nil {
		return err
	}
	fd, err := dialTCP(port)
	if err != nil {
		return err
	}
	if err := noDelay(fd); err != nil {
		return err
	}
	defer unix.Close(fd)
	return pingPong(fd, []byte("x"), count)
}

func unixUnixPingPongClient(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: path count")
	}
	count, err := intArg(args, 1)
	if err != nil {
		return err
	}
	fd, err := socket(unix.AF_UNIX, unix.SOCK_STREAM)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: args[0]}); err != nil {
		return err
	}
	return pingPong(fd, []byte("x"), count)
}

func unixUDPServer([]string) error {
	fd, err := socket(unix.AF_INET, unix.SOCK_DGRAM)
	if err != nil {
		return err
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: loopback4}); err != nil {
		return err
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		return err
	}
	ready(bound.(*unix.SockaddrInet4).Port)
	buf := make([]byte, 64)
	for {
		n, from, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return err
		}
		if n == 0 {
			return unix.Close(fd)
		}
		if err := unix.Sendto(fd, buf[:n], 0, from); err != nil {
			return err
		}
	}
}

func unixUDPClient(args []string) error {
	port, count, err := portAndCount(args)
	if err != nil {
		return err
	}
	fd, err := socket(unix.AF_INET, unix.SOCK_DGRAM)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, &unix.SockaddrInet4{Addr: loopback4, Port: port}); err != nil {
		return err
	}
	if err := pingPong(fd, make([]byte, datagramLen), count); err != nil {
		return err
	}
	_, err = unix.Write(fd, nil)
	return err
}

func unixBulkServer(args []string) error {
	lfd, err := listen(unix.AF_INET, args)
	if err != nil {
		return err
	}
	fd, err := accept(lfd)
	if err != nil {
		return err
	}
	buf := make([]byte, bulkChunk)
	total := 0
	for {
		n, err := unix.Read(fd, buf)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		total += n
	}
	fmt.Println("RECEIVED", total)
	if err := writeAll(fd, []byte("ok")); err != nil {
		return err
	}
	unix.Close(fd)
	return unix.Close(lfd)
}

func unixBulkClient(args []string) error {
	port, size, err := portAndCount(args)
	if err != nil {
		return err
	}
	fd, err := dialTCP(port)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	chunk := make([]byte, bulkChunk)
	start := time.Now()
	for range size / bulkChunk {
		if err := writeAll(fd, chunk); err != nil {
			return err
		}
	}
	if err := unix.Shutdown(fd, unix.SHUT_WR); err != nil {
		return err
	}
	reply := make([]byte, 16)
	n, err := unix.Read(fd, reply)
	if err != nil {
		return err
	}
	if string(reply[:n]) != "ok" {
		return errors.New("no acknowledgement")
	}
	result("bytes", size, time.Since(start))
	return nil
}

func unixConnectServer(args []string) error {
	count, err := intArg(args, 0)
	if err != nil {
		return err
	}
	lfd, err := listen(unix.AF_INET, nil)
	if err != nil {
		return err
	}
	for range count {
		fd, err := accept(lfd)
		if err != nil {
			return err
		}
		unix.Close(fd)
	}
	fd, err := accept(lfd)
	if err != nil {
		return err
	}
	if err := writeAll(fd, []byte("k")); err != nil {
		return err
	}
	unix.Close(fd)
	return unix.Close(lfd)
}

func unixConnectClient(args []string) error {
	port, count, err := portAndCount(args)
	if err != nil {
		return err
	}
	start := time.Now()
	for range count {
		fd, err := dialTCP(port)
		if err != nil {
			return err
		}
		unix.Close(fd)
	}
	fd, err := dialTCP(port)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	buf := make([]byte, 1)
	if n, err := unix.Read(fd, buf); err != nil || n != 1 {
		return fmt.Errorf("server did not finish: %v", err)
	}
	result("connections", count, time.Since(start))
	return nil
}

// fdSocket is the least a socket object could be: the Go counterpart of
// s.fileno() and s.gettimeout() is a method call that reads a field.
type fdSocket struct {
	fd      int
	timeout time.Duration
}

//go:noinline
func (s *fdSocket) Fileno() int { return s.fd }

//go:noinline
func (s *fdSocket) Gettimeout() time.Duration { return s.timeout }

func unixCallOverhead(args []string) error {
	count, err := intArg(args, 0)
	if err != nil {
		return err
	}
	fd, err := socket(unix.AF_INET, unix.SOCK_STREAM)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	s := &fdSocket{fd: fd, timeout: -1}
	var sink int
	start := time.Now()
	for range count {
		sink += s.Fileno()
	}
	result("fileno", count, time.Since(start))
	start = time.Now()
	for range count {
		sink += int(s.Gettimeout())
	}
	result("gettimeout", count, time.Since(start))
	if sink == 42 {
		fmt.Println() // keeps sink, and so the calls, alive
	}
	return nil
}
