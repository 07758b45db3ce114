package main

import (
	"fmt"
	"net"
	"net/netip"
	"time"
)

// netAPI uses package net: net.Conn over Go's netpoller, the way most Go
// programs do socket I/O.
var netAPI = api{
	listen: netListen,
	dial: func(network, addr string) (conn, error) {
		if network == "unix" {
			return net.DialUnix("unix", nil, &net.UnixAddr{Name: addr, Net: "unix"})
		}
		p, err := port(addr)
		if err != nil {
			return nil, err
		}
		return net.DialTCP("tcp4", nil, net.TCPAddrFromAddrPort(loopbackPort(p))) // TCP_NODELAY by default
	},
	dialUDP: func(port int) (conn, error) {
		c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(loopbackPort(port)))
		if err != nil {
			return nil, err
		}
		return udpConn{c}, nil
	},
	udpEcho:      netUDPEcho,
	callOverhead: netCallOverhead,
}

func loopbackPort(port int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4(loopback4), uint16(port))
}

// udpConn is a connected *net.UDPConn as a conn; a datagram socket has no
// write side to shut down.
type udpConn struct{ *net.UDPConn }

func (udpConn) CloseWrite() error { return nil }

// netListener hands out its connections as conns.
type netListener struct{ net.Listener }

func (l netListener) Accept() (conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return c.(conn), nil // *net.TCPConn and *net.UnixConn have CloseWrite
}

func netListen(network, path string) (listener, string, error) {
	if network == "unix" {
		l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
		return netListener{l}, path, err
	}
	l, err := net.ListenTCP("tcp4", net.TCPAddrFromAddrPort(loopbackPort(0)))
	if err != nil {
		return nil, "", err
	}
	return netListener{l}, fmt.Sprint(l.Addr().(*net.TCPAddr).Port), nil
}

func netUDPEcho() error {
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(loopbackPort(0)))
	if err != nil {
		return err
	}
	defer c.Close()
	ready(c.LocalAddr().(*net.UDPAddr).Port)
	buf := make([]byte, 64)
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if _, err := c.WriteToUDPAddrPort(buf[:n], from); err != nil {
			return err
		}
	}
}

// netCallOverhead measures how a net.Conn gives its descriptor:
// SyscallConn().Control. A net.Conn has no timeout to read back.
func netCallOverhead(count int) error {
	l, err := net.ListenTCP("tcp4", net.TCPAddrFromAddrPort(loopbackPort(0)))
	if err != nil {
		return err
	}
	defer l.Close()
	rc, err := l.SyscallConn()
	if err != nil {
		return err
	}
	var sink uintptr
	fileno := func(fd uintptr) { sink += fd }
	start := time.Now()
	for range count {
		if err := rc.Control(fileno); err != nil {
			return err
		}
	}
	result("fileno", count, time.Since(start))
	if sink == 42 {
		fmt.Println()
	}
	return nil
}
