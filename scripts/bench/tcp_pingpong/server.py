# tcp_pingpong server: echoes one byte at a time until the client closes.
# argv: none. Prints "READY <port>", then serves one connection.
import socket, sys, time

def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    print("READY", srv.getsockname()[1])
    conn, _ = srv.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        data = conn.recv(1)
        if not data:
            break
        conn.sendall(data)
    conn.close()
    srv.close()

main()
