# tcp_connect_rate server: accepts and closes <count> connections, then
# one more on which it sends one byte, so the client's clock stops when
# every connection has been accepted. argv: count. Prints "READY <port>".
import socket, sys, time

def main():
    count = int(sys.argv[1])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4096)
    print("READY", srv.getsockname()[1])
    for _ in range(count):
        conn, _ = srv.accept()
        conn.close()
    conn, _ = srv.accept()
    conn.sendall(b"k")
    conn.close()
    srv.close()

main()
