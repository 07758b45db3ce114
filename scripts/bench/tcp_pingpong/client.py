# tcp_pingpong client: N round trips of one byte over loopback TCP.
# argv: port count. Prints "RESULT round_trips <count> <seconds>".
import socket, sys, time

def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    c = socket.create_connection(("127.0.0.1", port))
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    msg = b"x"
    start = time.monotonic()
    for _ in range(count):
        c.sendall(msg)
        if c.recv(1) != msg:
            sys.exit("tcp_pingpong: short or wrong reply")
    elapsed = time.monotonic() - start
    c.close()
    print("RESULT round_trips", count, elapsed)

main()
