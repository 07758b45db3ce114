"""Datagram echo client: the CPython peer of TestInterop (module/socket/interop_test.go).

usage: python3 -u dgram_echo_client.py FAMILY HOST PORT
  FAMILY  AF_INET or AF_INET6
  HOST    the server's numeric host

Sends MESSAGES one datagram at a time, checks each echo and the address it
came from, sends b"quit", and prints a summary. dgram_echo_client.star is
the same client in the dialect.
"""
import socket
import sys

# One exchange at a time over loopback loses nothing. The empty datagram
# is legal and must not be taken for end of stream; 60000 bytes is near
# the 65507 a UDP datagram can carry.
MESSAGES = [
    b"hello",
    bytes(range(256)),
    (bytes(range(251)) * 240)[:60000],
    b"",
    b"bye",
]

family = getattr(socket, sys.argv[1])
host, port = sys.argv[2], int(sys.argv[3])
total = 0
with socket.socket(family, socket.SOCK_DGRAM) as sock:
    sock.settimeout(5)
    for i, msg in enumerate(MESSAGES):
        sock.sendto(msg, (host, port))
        echo, peer = sock.recvfrom(65536)
        if peer[:2] != (host, port):
            sys.exit("message %d: echo came from %r" % (i, peer))
        if echo != msg:
            sys.exit("message %d: sent %d bytes, got back %d that differ" % (i, len(msg), len(echo)))
        total += len(msg)
    sock.sendto(b"quit", (host, port))
print("client: %d datagrams, %d bytes echoed, all bytes match" % (len(MESSAGES), total))
