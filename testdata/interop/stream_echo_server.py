"""Stream echo server: the CPython peer of TestInterop (module/socket/interop_test.go).

usage: python3 -u stream_echo_server.py FAMILY ADDRESS
  FAMILY   AF_INET, AF_INET6 or AF_UNIX
  ADDRESS  a numeric host to bind on port 0, or the AF_UNIX socket path

Prints "ready PORT" ("ready" for AF_UNIX) once listening, echoes every byte
of one connection until the client shuts down its side, then prints a
summary. stream_echo_server.star is the same server in the dialect.
"""
import socket
import sys

family = getattr(socket, sys.argv[1])
if family == socket.AF_UNIX:
    address = sys.argv[2]
else:
    address = (sys.argv[2], 0)

total = 0
with socket.socket(family, socket.SOCK_STREAM) as server:
    server.settimeout(5)
    server.bind(address)
    server.listen()
    if family == socket.AF_UNIX:
        print("ready")
    else:
        print("ready", server.getsockname()[1])
    conn, _ = server.accept()
    with conn:
        conn.settimeout(5)
        while True:
            data = conn.recv(65536)
            if not data:
                break
            conn.sendall(data)
            total += len(data)
print("server: 1 connection, %d bytes echoed" % total)
