# The Python docs' create_server() example, made self-contained: the script
# is its own client, on a port the kernel picks. tcp_server.star is the
# same program in the dialect; both print tcp_server.out.
import socket

with socket.create_server(("127.0.0.1", 0), backlog=5) as server:
    host, port = server.getsockname()
    print(f"Server listening on {host}")

    with socket.create_connection((host, port)) as client:
        client.sendall(b"Hello client")

        conn, addr = server.accept()
        print(f"Connection from {addr[0]}")
        data = conn.recv(1024)
        print(f"Received: {data}")
        conn.sendall(b"Hello from server")
        conn.close()

        print(f"Client received: {client.recv(1024)}")
