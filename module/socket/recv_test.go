package socket_test

import (
	"context"
	"testing"

	"github.com/starsock/starsock/module/socket"
)

// The receive path's shortcuts (recvbuf.go, spin.go, bound.go) must not
// change what a script sees. Each case is a script that fails on a
// difference from CPython (whose outcomes the comments give).
func TestReceivePath(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"values keep their bytes across later receives", `
a, b = socket.socketpair()
sizes = [65536, 65536, 1, 700, 65536, 100, 65536, 3000]
got = []
for i, n in enumerate(sizes):
    chunk = bytes([65 + i]) * n
    a.sendall(chunk)
    data = b""
    for _ in range(100):
        if len(data) == n:
            break
        data += b.recv(n - len(data))
    got.append(data)
for i, n in enumerate(sizes):
    if got[i] != bytes([65 + i]) * n:
        fail("receive %d changed after later receives" % i)
`},
		{"MSG_TRUNC reports the datagram's length", `
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.bind(("127.0.0.1", 0))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for bufsize in (10, 1000, 100000):
    b.sendto(b"x" * 100 + b"y" * 1100, a.getsockname())
    data = a.recv(bufsize, socket.MSG_TRUNC)
    if len(data) != 1200:  # CPython: 1200, whatever bufsize
        fail("recv(%d, MSG_TRUNC): %d bytes" % (bufsize, len(data)))
    if data[:min(bufsize, 100)] != b"x" * min(bufsize, 100):
        fail("recv(%d, MSG_TRUNC): wrong data" % bufsize)
    b.sendto(b"z" * 50, a.getsockname())
    data, addr = a.recvfrom(10, socket.MSG_TRUNC)
    if len(data) != 50 or data[:10] != b"z" * 10:
        fail("recvfrom(10, MSG_TRUNC): %r" % data)
`},
		{"a timed recv on a listening socket waits", `
srv = socket.create_server(("127.0.0.1", 0))
srv.settimeout(0.05)
_, err = catch(srv.recv, 10)
if not isinstance(err, TimeoutError):  # CPython: TimeoutError: timed out
    fail("got %r" % err)
`},
		{"a timed recv on an unconnected socket fails at once", `
s = socket.socket()
s.settimeout(5)
_, err = catch(s.recv, 10)
if not isinstance(err, OSError) or err.errno != 107:  # CPython: [Errno 107]
    fail("got %r" % err)
`},
		{"a timed MSG_OOB recv waits for data, then fails", `
a, b = socket.socketpair()
a.settimeout(0.05)
_, err = catch(a.recv, 1, socket.MSG_OOB)
if not isinstance(err, TimeoutError):  # CPython: TimeoutError: timed out
    fail("no data: got %r" % err)
b.send(b"x")
_, err = catch(a.recv, 1, socket.MSG_OOB)
if not isinstance(err, OSError) or err.errno != 22:  # CPython: [Errno 22]
    fail("with data: got %r" % err)
if a.recv(5) != b"x":
    fail("the data was consumed")
`},
		{"a timed recv gets data that is there", `
a, b = socket.socketpair()
a.settimeout(5)
b.send(b"ready")
if a.recv(10) != b"ready":
    fail("wrong data")
b.close()
if a.recv(10) != b"":
    fail("no EOF")
`},
		{"recvfrom gives each datagram its own sender, and sendto answers it", `
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.bind(("127.0.0.1", 0))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b.bind(("127.0.0.1", 0))
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.bind(("127.0.0.2", 0))
for peer in (b, b, c, b, c, c):
    peer.sendto(b"hi", a.getsockname())
    data, addr = a.recvfrom(10)
    if addr != peer.getsockname():
        fail("recvfrom: %r, sent from %r" % (addr, peer.getsockname()))
    a.sendto(data + b"!", addr)
    if peer.recv(10) != b"hi!":
        fail("the answer to %r went astray" % (addr,))
    a.sendto(b"again", (addr[0], addr[1]))  # an equal tuple made by the script
    if peer.recv(10) != b"again":
        fail("the answer to a tuple equal to %r went astray" % (addr,))
    _, err = catch(a.sendto, b"x", (addr[0], 70000))
    if not isinstance(err, OverflowError):  # CPython: sendto(): port must be 0-65535.
        fail("sendto a bad port: got %r" % err)
`},
		{"bound methods are one value per socket and method", `
a, b = socket.socketpair()
if a.recv != a.recv or a.recv == b.recv or a.recv == a.send:
    fail("bound methods compare wrongly")
recv = a.recv
a.close()
_, err = catch(recv, 1)
if not isinstance(err, OSError) or err.errno != 9:  # CPython: [Errno 9]
    fail("a method taken before close: got %r" % err)
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inst := socket.New(socket.Permissive)
			defer inst.Close()
			if err := run(context.Background(), inst, tc.src, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}
