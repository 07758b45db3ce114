# tcp_bulk client: sends <bytes> (a multiple of 64 KiB) in sendall calls
# of 64 KiB, shuts down its side and waits for the server's b"ok".
# argv: port bytes. Prints "RESULT bytes <bytes> <seconds>".
import socket, sys, time

def main():
    port, size = int(sys.argv[1]), int(sys.argv[2])
    chunk = b"x" * 65536
    c = socket.create_connection(("127.0.0.1", port))
    start = time.monotonic()
    for _ in range(size // len(chunk)):
        c.sendall(chunk)
    c.shutdown(socket.SHUT_WR)
    if c.recv(16) != b"ok":
        sys.exit("tcp_bulk: no acknowledgement")
    elapsed = time.monotonic() - start
    c.close()
    print("RESULT bytes", size, elapsed)

main()
