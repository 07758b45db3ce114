"""Datagram echo server: the CPython peer of TestInterop (module/socket/interop_test.go).

usage: python3 -u dgram_echo_server.py FAMILY HOST
  FAMILY  AF_INET or AF_INET6
  HOST    a numeric host to bind on port 0

Prints "ready PORT" once bound, sends every datagram back to its sender
until one reads b"quit", then prints a summary. dgram_echo_server.star is
the same server in the dialect.
"""
import socket
import sys

family = getattr(socket, sys.argv[1])
count = 0
total = 0
with socket.socket(family, socket.SOCK_DGRAM) as sock:
    sock.settimeout(5)
    sock.bind((sys.argv[2], 0))
    print("ready", sock.getsockname()[1])
    while True:
        data, peer = sock.recvfrom(65536)
        if data == b"quit":
            break
        sock.sendto(data, peer)
        count += 1
        total += len(data)
print("server: %d datagrams, %d bytes echoed" % (count, total))
