# tcp_connect_rate client: <count> cycles of socket, connect, close.
# argv: port count. Prints "RESULT connections <count> <seconds>".
import socket, sys, time

def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    addr = ("127.0.0.1", port)
    start = time.monotonic()
    for _ in range(count):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.connect(addr)
        c.close()
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.connect(addr)
    if c.recv(1) != b"k":
        sys.exit("tcp_connect_rate: server did not finish")
    elapsed = time.monotonic() - start
    c.close()
    print("RESULT connections", count, elapsed)

main()
