# The Python docs' reuse_port example, made self-contained and extended: a
# second server shares the port, a third without reuse_port is refused.
# reuse_port.star is the same program in the dialect; both print
# reuse_port.out.
import socket

# Using create_server with reuse_port
first = socket.create_server(("127.0.0.1", 0), reuse_port=True)
address = first.getsockname()
second = socket.create_server(address, reuse_port=True)
print(f"Second server on the same address: {second.getsockname() == address}")
print("SO_REUSEPORT on both:",
      first.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT),
      second.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT))

# Without the option, the port is taken.
try:
    third = socket.create_server(address)
except OSError as err:
    print(f"Third server without reuse_port: OSError errno {err.errno}")

# With the first closed, the second takes every connection.
first.close()
client = socket.create_connection(address)
conn, addr = second.accept()
print(f"Second server accepted a connection from {addr[0]}")

conn.close()
client.close()
second.close()
