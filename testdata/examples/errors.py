# Socket errors in Python, caught with try/except. errors.star is the same
# program in the dialect, with catch(); both print errors.out.
import socket

# A TCP socket that is bound but not listening refuses connections: a
# port with nobody on it, without guessing which port is free.
idle = socket.socket()
idle.bind(("127.0.0.1", 0))

sock = socket.socket()
try:
    sock.connect(idle.getsockname())
except ConnectionRefusedError as err:
    print("connect() refused:", err)
    print("errno:", err.errno, "strerror:", err.strerror)
    print("an OSError:", isinstance(err, OSError), "a socket.error:", isinstance(err, socket.error))
sock.close()
idle.close()

# connect_ex() returns the errno instead of raising.
idle = socket.socket()
idle.bind(("127.0.0.1", 0))
sock = socket.socket()
print("connect_ex() returned:", sock.connect_ex(idle.getsockname()))
sock.close()
idle.close()

# AI_NUMERICHOST makes getaddrinfo() parse the host as an address only,
# so this fails without asking any name server.
try:
    socket.getaddrinfo("not-an-address", 80, flags=socket.AI_NUMERICHOST)
except socket.gaierror as err:
    print("getaddrinfo() failed: socket.gaierror:", err)
    print("an OSError:", isinstance(err, OSError))

# Using a closed socket is an OSError too: EBADF, errno 9.
sock = socket.socket()
sock.close()
try:
    sock.send(b"data")
except OSError as err:
    print("send() on a closed socket:", err)
