# udp_pingpong client: N round trips of a 32-byte datagram on a connected
# UDP socket. argv: port count. Prints "RESULT round_trips <count> <seconds>".
import socket, sys, time

def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.connect(("127.0.0.1", port))
    msg = b"0123456789abcdef0123456789abcdef"
    start = time.monotonic()
    for _ in range(count):
        c.send(msg)
        if c.recv(64) != msg:
            sys.exit("udp_pingpong: wrong reply")
    elapsed = time.monotonic() - start
    c.send(b"")
    c.close()
    print("RESULT round_trips", count, elapsed)

main()
