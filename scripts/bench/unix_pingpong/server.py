# unix_pingpong server: echoes one byte at a time over an AF_UNIX stream
# until the client closes. argv: path. Prints "READY <path>".
import socket, sys, time

def main():
    path = sys.argv[1]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    print("READY", path)
    conn, _ = srv.accept()
    while True:
        data = conn.recv(1)
        if not data:
            break
        conn.sendall(data)
    conn.close()
    srv.close()

main()
