package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"
)

// netWorkloads use package net: net.Conn over Go's netpoller, the way
// most Go programs do socket I/O.
var netWorkloads = map[string]roles{
	"tcp_pingpong":     {netStreamEchoServer("tcp"), netTCPPingPongClient},
	"udp_pingpong":     {netUDPServer, netUDPClient},
	"unix_pingpong":    {netStreamEchoServer("unix"), netUnixPingPongClient},
	"tcp_bulk":         {netBulkServer, netBulkClient},
	"tcp_connect_rate": {netConnectServer, netConnectClient},
	"call_overhead":    {nil, netCallOverhead},
}

var loopbackTCP = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}

// netListen listens on TCP 127.0.0.1 and an ephemeral port, or AF_UNIX at
// args[0], and prints READY with the port or path.
func netListen(network string, args []string) (net.Listener, error) {
	var l net.Listener
	var err error
	if network == "unix" {
		if len(args) < 1 {
			return nil, errors.New("missing path")
		}
		l, err = net.ListenUnix("unix", &net.UnixAddr{Name: args[0], Net: "unix"})
	} else {
		l, err = net.ListenTCP("tcp4", loopbackTCP)
	}
	if err != nil {
		return nil, err
	}
	switch a := l.Addr().(type) {
	case *net.TCPAddr:
		ready(a.Port)
	case *net.UnixAddr:
		ready(a.Name)
	}
	return l, nil
}

func netDialTCP(port int) (*net.TCPConn, error) {
	return net.DialTCP("tcp4", nil, &net.TCPAddr{IP: loopbackTCP.IP, Port: port})
}

func netStreamEchoServer(network string) func([]string) error {
	return func(args []string) error {
		l, err := netListen(network, args)
		if err != nil {
			return err
		}
		defer l.Close()
		c, err := l.Accept()
		if err != nil {
			return err
		}
		defer c.Close()
		buf := make([]byte, 1)
		for {
			n, err := c.Read(buf)
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if _, err := c.Write(buf[:n]); err != nil {
				return err
			}
		}
	}
}

// netPingPong runs count round trips of msg on c and reports them.
func netPingPong(c net.Conn, msg []byte, count int) error {
	buf := make([]byte, 64)
	start := time.Now()
	for range count {
		if _, err := c.Write(msg); err != nil {
			return err
		}
		n, err := c.Read(buf[:len(msg)])
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

func netTCPPingPongClient(args []string) error {
	port, count, err := portAndCount(args)
	if err != nil {
		return err
	}
	c, err := netDialTCP(port) // net sets TCP_NODELAY by default
	if err != nil {
		return err
	}
	defer c.Close()
	return netPingPong(c, []byte("x"), count)
}

func netUnixPingPongClient(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: path count")
	}
	count, err := intArg(args, 1)
	if err != nil {
		return err
	}
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: args[0], Net: "unix"})
	if err != nil {
		return err
	}
	defer c.Close()
	return netPingPong(c, []byte("x"), count)
}

func netUDPServer([]string) error {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: loopbackTCP.IP})
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

func netUDPClient(args []string) error {
	port, count, err := portAndCount(args)
	if err != nil {
		return err
	}
	c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.AddrFrom4(loopback4), uint16(port))))
	if err != nil {
		return err
	}
	defer c.Close()
	if err := netPingPong(c, make([]byte, datagramLen), count); err != nil {
		return err
	}
	_, err = c.Write(nil)
	return err
}

func netBulkServer(args []string) error {
	l, err := netListen("tcp", args)
	if err != nil {
		return err
	}
	defer l.Close()
	c, err := l.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	buf := make([]byte, bulkChunk)
	total := 0
	for {
		n, err := c.Read(buf)
		total += n
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	fmt.Println("RECEIVED", total)
	_, err = c.Write([]byte("ok"))
	return err
}

func netBulkClient(args []string) error {
	port, size, err := portAndCount(args)
	if err != nil {
		return err
	}
	c, err := netDialTCP(port)
	if err != nil {
		return err
	}
	defer c.Close()
	chunk := make([]byte, bulkChunk)
	start := time.Now()
	for range size / bulkChunk {
		if _, err := c.Write(chunk); err != nil {
			return err
		}
	}
	if err := c.CloseWrite(); err != nil {
		return err
	}
	reply := make([]byte, 16)
	n, err := c.Read(reply)
	if err != nil {
		return err
	}
	if string(reply[:n]) != "ok" {
		return errors.New("no acknowledgement")
	}
	result("bytes", size, time.Since(start))
	return nil
}

func netConnectServer(args []string) error {
	count, err := intArg(args, 0)
	if err != nil {
		return err
	}
	l, err := netListen("tcp", nil)
	if err != nil {
		return err
	}
	defer l.Close()
	for range count {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		c.Close()
	}
	c, err := l.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte("k"))
	return err
}

func netConnectClient(args []string) error {
	port, count, err := portAndCount(args)
	if err != nil {
		return err
	}
	start := time.Now()
	for range count {
		c, err := netDialTCP(port)
		if err != nil {
			return err
		}
		c.Close()
	}
	c, err := netDialTCP(port)
	if err != nil {
		return err
	}
	defer c.Close()
	buf := make([]byte, 1)
	if n, err := c.Read(buf); err != nil || n != 1 {
		return fmt.Errorf("server did not finish: %v", err)
	}
	result("connections", count, time.Since(start))
	return nil
}

// netCallOverhead measures how a net.Conn gives its descriptor:
// SyscallConn().Control. A net.Conn has no timeout to read back.
func netCallOverhead(args []string) error {
	count, err := intArg(args, 0)
	if err != nil {
		return err
	}
	l, err := net.ListenTCP("tcp4", loopbackTCP)
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
