# The Python docs' socketpair() example, with a reply added.
# socketpair_ipc.star is the same program in the dialect; both print
# socketpair_ipc.out.
import socket

# Create a connected pair of sockets
client, server = socket.socketpair()
print(f"Family is AF_UNIX: {client.family == socket.AF_UNIX}")

# Send data from client to server
client.send(b"Hello from the other end!")
data = server.recv(1024)
print(f"Server received: {data}")

# The pair is two-way: the server answers on the same socket.
server.sendall(b"Hello back!")
print(f"Client received: {client.recv(1024)}")

# Clean up
client.close()
server.close()
