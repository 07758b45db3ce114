# tcp_bulk server: receives until EOF in recv(65536) calls, prints
# "RECEIVED <bytes>" and answers b"ok" so the client's clock stops when
# the last byte has been read. argv: none. Prints "READY <port>".
import socket, sys, time

def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    print("READY", srv.getsockname()[1])
    conn, _ = srv.accept()
    total = 0
    while True:
        data = conn.recv(65536)
        if not data:
            break
        total += len(data)
    print("RECEIVED", total)
    conn.sendall(b"ok")
    conn.close()
    srv.close()

main()
