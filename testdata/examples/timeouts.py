# The Python docs' timeout examples, made self-contained: the socket
# connects to a local server instead of example.com, and a recv() nothing
# answers shows the timeout firing. timeouts.star is the same program in
# the dialect; both print timeouts.out.
import socket

server = socket.create_server(("127.0.0.1", 0))

# Setting a timeout on individual sockets
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
print(f"new socket: {sock.gettimeout()}")
sock.settimeout(5.0)  # 5 second timeout
print(f"after settimeout(5.0): {sock.gettimeout()}")
sock.connect(server.getsockname())  # would raise TimeoutError after 5 s
conn, addr = server.accept()

# Nothing is ever sent to sock, so recv() waits: 0.1 s, then TimeoutError.
sock.settimeout(0.1)
try:
    sock.recv(1024)
except TimeoutError as err:
    print(f"recv() after 0.1 s: TimeoutError: {err}")
    print(f"socket.timeout is its old name: {isinstance(err, socket.timeout)}")

# Timeout 0.0 is non-blocking mode: no waiting at all.
sock.settimeout(0.0)
try:
    sock.recv(1024)
except BlockingIOError as err:
    print(f"recv() non-blocking: BlockingIOError: {err}")

# Using getdefaulttimeout() for consistent behavior
print(f"default timeout: {socket.getdefaulttimeout()}")
socket.setdefaulttimeout(10.0)
print(f"after setdefaulttimeout(10.0): {socket.getdefaulttimeout()}")

# Now all new sockets inherit this timeout
sock1 = socket.socket()  # has 10s timeout
sock2 = socket.socket()  # also has 10s timeout
print(f"sock1: {sock1.gettimeout()} sock2: {sock2.gettimeout()}")
print(f"sock, made before, keeps its own: {sock.gettimeout()}")
socket.setdefaulttimeout(None)
sock3 = socket.socket()
print(f"after setdefaulttimeout(None), a new socket: {sock3.gettimeout()}")

for s in [sock, sock1, sock2, sock3, conn, server]:
    s.close()
