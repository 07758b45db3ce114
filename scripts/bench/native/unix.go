package main

import (
	"fmt"
	"io"
	"time"

	"golang.org/x/sys/unix"
)

// unixAPI uses blocking system calls on plain descriptors: the goroutine
// sits in the kernel as a C program's thread does, with no netpoller.
var unixAPI = api{
	listen: unixListen,
	dial: func(network, addr string) (conn, error) {
		if network == "unix" {
			return unixDial(unix.AF_UNIX, unix.SOCK_STREAM, &unix.SockaddrUnix{Name: addr})
		}
		p, err := port(addr)
		if err != nil {
			return nil, err
		}
		return unixDial(unix.AF_INET, unix.SOCK_STREAM, &unix.SockaddrInet4{Addr: loopback4, Port: p})
	},
	dialUDP: func(port int) (conn, error) {
		return unixDial(unix.AF_INET, unix.SOCK_DGRAM, &unix.SockaddrInet4{Addr: loopback4, Port: port})
	},
	udpEcho:      unixUDPEcho,
	callOverhead: unixCallOverhead,
}

var loopback4 = [4]byte{127, 0, 0, 1}

// fdConn is a connected descriptor in blocking mode.
type fdConn int

func (c fdConn) Read(p []byte) (int, error) {
	n, err := unix.Read(int(c), p)
	if n == 0 && err == nil && len(p) > 0 {
		return 0, io.EOF
	}
	return n, err
}

// Write writes all of p, as sendall does.
func (c fdConn) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return unix.Write(int(c), p) // an empty datagram
	}
	done := 0
	for done < len(p) {
		n, err := unix.Write(int(c), p[done:])
		if err != nil {
			return done, err
		}
		done += n
	}
	return done, nil
}

func (c fdConn) CloseWrite() error { return unix.Shutdown(int(c), unix.SHUT_WR) }
func (c fdConn) Close() error      { return unix.Close(int(c)) }

func socket(family, sotype int) (int, error) {
	return unix.Socket(family, sotype|unix.SOCK_CLOEXEC, 0)
}

// unixDial connects a new socket; TCP sockets get TCP_NODELAY, as package
// net's do.
func unixDial(family, sotype int, sa unix.Sockaddr) (conn, error) {
	fd, err := socket(family, sotype)
	if err != nil {
		return nil, err
	}
	if err := unix.Connect(fd, sa); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if family == unix.AF_INET && sotype == unix.SOCK_STREAM {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
			return nil, err
		}
	}
	return fdConn(fd), nil
}

type fdListener struct{ fd, family int }

func (l fdListener) Accept() (conn, error) {
	fd, _, err := unix.Accept4(l.fd, unix.SOCK_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if l.family == unix.AF_INET {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
			return nil, err
		}
	}
	return fdConn(fd), nil
}

func (l fdListener) Close() error { return unix.Close(l.fd) }

func unixListen(network, path string) (listener, string, error) {
	family := unix.AF_INET
	var sa unix.Sockaddr = &unix.SockaddrInet4{Addr: loopback4}
	if network == "unix" {
		family, sa = unix.AF_UNIX, &unix.SockaddrUnix{Name: path}
	}
	fd, err := socket(family, unix.SOCK_STREAM)
	if err != nil {
		return nil, "", err
	}
	if err := unix.Bind(fd, sa); err != nil {
		return nil, "", err
	}
	if err := unix.Listen(fd, 4096); err != nil {
		return nil, "", err
	}
	if family == unix.AF_UNIX {
		return fdListener{fd, family}, path, nil
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		return nil, "", err
	}
	return fdListener{fd, family}, fmt.Sprint(bound.(*unix.SockaddrInet4).Port), nil
}

func unixUDPEcho() error {
	fd, err := socket(unix.AF_INET, unix.SOCK_DGRAM)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
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
			return nil
		}
		if err := unix.Sendto(fd, buf[:n], 0, from); err != nil {
			return err
		}
	}
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

func unixCallOverhead(count int) error {
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
