"""Stream echo client: the CPython peer of TestInterop (module/socket/interop_test.go).

usage: python3 -u stream_echo_client.py FAMILY ADDRESS [PORT]
  FAMILY   AF_INET, AF_INET6 or AF_UNIX
  ADDRESS  the server's numeric host (then PORT), or its AF_UNIX socket path

Sends MESSAGES, checks that every byte comes back, shuts down its sending
side, expects EOF, and prints a summary. stream_echo_client.star is the
same client in the dialect.
"""
import socket
import sys

# CHUNK bounds what is in flight: each piece of a message is read back
# before the next is sent, so neither peer's buffers fill while both wait.
CHUNK = 65536

# A period of 251 (a prime) makes a piece echoed at the wrong offset differ.
MESSAGES = [
    b"hello",
    bytes(range(256)),
    (bytes(range(251)) * 4178)[: 1 << 20],
    b"\x00\r\n",
    b"bye",
]


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            sys.exit("server closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


family = getattr(socket, sys.argv[1])
if family == socket.AF_UNIX:
    address = sys.argv[2]
else:
    address = (sys.argv[2], int(sys.argv[3]))

total = 0
with socket.socket(family, socket.SOCK_STREAM) as sock:
    sock.settimeout(5)
    sock.connect(address)
    for i, msg in enumerate(MESSAGES):
        for start in range(0, len(msg), CHUNK):
            piece = msg[start : start + CHUNK]
            sock.sendall(piece)
            if recv_exactly(sock, len(piece)) != piece:
                sys.exit("message %d: echo differs in bytes %d..%d" % (i, start, start + len(piece)))
        total += len(msg)
    sock.shutdown(socket.SHUT_WR)
    rest = sock.recv(1)
    if rest:
        sys.exit("expected EOF, got %r" % rest)
print("client: %d messages, %d bytes echoed, all bytes match" % (len(MESSAGES), total))
