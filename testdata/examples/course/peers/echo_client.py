# The Python docs' echo client (socket module, "Example"), unchanged but
# for the port, which the server under test picked and passes as argv[1].
import socket
import sys

HOST = '127.0.0.1'        # The remote host
PORT = int(sys.argv[1])   # The same port as used by the server
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.connect((HOST, PORT))
    s.sendall(b'Hello, world')
    data = s.recv(1024)
print('Received', repr(data))
