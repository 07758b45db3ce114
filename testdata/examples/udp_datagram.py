# The Python docs' UDP example, made self-contained: a second UDP socket
# sends the datagram, and the server's port is the kernel's pick.
# udp_datagram.star is the same program in the dialect; both print
# udp_datagram.out.
import socket

# Create a UDP socket
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))

# The other end: sendto() on an unbound UDP socket first binds it to a
# free port on 0.0.0.0 (every local address).
peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
peer.sendto(b"Test message", sock.getsockname())

# Receive a datagram
data, addr = sock.recvfrom(1024)
print(f"Received from {addr[0]}: {data}")
print(f"Sender's port is the peer's: {addr[1] == peer.getsockname()[1]}")
print(f"sendto() bound the peer to {peer.getsockname()[0]}")

# Send a response
sock.sendto(b"Ack: " + data, addr)
sock.close()

reply, server = peer.recvfrom(1024)
print(f"Peer received: {reply}")
peer.close()
