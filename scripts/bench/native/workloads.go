package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// The workloads' fixed sizes, as in the scripts.
const (
	bulkChunk   = 64 << 10
	datagramLen = 32
)

type roles struct {
	server, client func(a api, args []string) error
}

var workloads = map[string]roles{
	"tcp_pingpong":     {echoServer("tcp"), pingPongClient("tcp")},
	"unix_pingpong":    {echoServer("unix"), pingPongClient("unix")},
	"udp_pingpong":     {func(a api, _ []string) error { return a.udpEcho() }, udpClient},
	"tcp_bulk":         {bulkServer, bulkClient},
	"tcp_connect_rate": {connectServer, connectClient},
	"call_overhead":    {nil, func(a api, args []string) error { return callOverhead(a, args) }},
}

// listenReady listens and prints READY; args[0] is the AF_UNIX path.
func listenReady(a api, network string, args []string) (listener, error) {
	path := ""
	if network == "unix" {
		if len(args) < 1 {
			return nil, errors.New("missing path")
		}
		path = args[0]
	}
	l, addr, err := a.listen(network, path)
	if err != nil {
		return nil, err
	}
	ready(addr)
	return l, nil
}

// serveOne listens, prints READY and accepts one connection; done closes
// both.
func serveOne(a api, network string, args []string) (c conn, done func(), err error) {
	l, err := listenReady(a, network, args)
	if err != nil {
		return nil, nil, err
	}
	c, err = l.Accept()
	if err != nil {
		l.Close()
		return nil, nil, err
	}
	return c, func() { c.Close(); l.Close() }, nil
}

// echoServer sends each byte back until the client closes.
func echoServer(network string) func(api, []string) error {
	return func(a api, args []string) error {
		c, done, err := serveOne(a, network, args)
		if err != nil {
			return err
		}
		defer done()
		buf := make([]byte, 1)
		for {
			n, err := c.Read(buf)
			if n == 0 || err == io.EOF {
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

// pingPongClient: args are the port (or path) and the count.
func pingPongClient(network string) func(api, []string) error {
	return func(a api, args []string) error {
		count, err := intArg(args, 1)
		if err != nil {
			return err
		}
		c, err := a.dial(network, args[0])
		if err != nil {
			return err
		}
		defer c.Close()
		return pingPong(c, []byte("x"), count)
	}
}

// pingPong runs count round trips of msg on c and reports them.
func pingPong(c conn, msg []byte, count int) error {
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

func udpClient(a api, args []string) error {
	port, err := intArg(args, 0)
	if err != nil {
		return err
	}
	count, err := intArg(args, 1)
	if err != nil {
		return err
	}
	c, err := a.dialUDP(port)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := pingPong(c, make([]byte, datagramLen), count); err != nil {
		return err
	}
	_, err = c.Write(nil) // the end
	return err
}

// bulkServer counts bytes until EOF, prints RECEIVED and answers "ok".
func bulkServer(a api, args []string) error {
	c, done, err := serveOne(a, "tcp", args)
	if err != nil {
		return err
	}
	defer done()
	buf := make([]byte, bulkChunk)
	total := 0
	for {
		n, err := c.Read(buf)
		total += n
		if n == 0 || err == io.EOF {
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

func bulkClient(a api, args []string) error {
	size, err := intArg(args, 1)
	if err != nil {
		return err
	}
	c, err := a.dial("tcp", args[0])
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
	if err := expect(c, "ok"); err != nil {
		return err
	}
	result("bytes", size, time.Since(start))
	return nil
}

// connectServer accepts and closes count connections, then sends "k" on
// one more.
func connectServer(a api, args []string) error {
	count, err := intArg(args, 0)
	if err != nil {
		return err
	}
	l, err := listenReady(a, "tcp", nil)
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

func connectClient(a api, args []string) error {
	count, err := intArg(args, 1)
	if err != nil {
		return err
	}
	start := time.Now()
	for range count {
		c, err := a.dial("tcp", args[0])
		if err != nil {
			return err
		}
		c.Close()
	}
	c, err := a.dial("tcp", args[0])
	if err != nil {
		return err
	}
	defer c.Close()
	if err := expect(c, "k"); err != nil {
		return err
	}
	result("connections", count, time.Since(start))
	return nil
}

// expect reads the server's final word.
func expect(c conn, want string) error {
	buf := make([]byte, 16)
	n, err := c.Read(buf)
	if err != nil && err != io.EOF {
		return err
	}
	if string(buf[:n]) != want {
		return fmt.Errorf("got %q from the server, want %q", buf[:n], want)
	}
	return nil
}

func callOverhead(a api, args []string) error {
	count, err := intArg(args, 0)
	if err != nil {
		return err
	}
	return a.callOverhead(count)
}

func port(addr string) (int, error) { return strconv.Atoi(addr) }
