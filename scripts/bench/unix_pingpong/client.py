# unix_pingpong client: N round trips of one byte over an AF_UNIX stream.
# argv: path count. Prints "RESULT round_trips <count> <seconds>".
import socket, sys, time

def main():
    path, count = sys.argv[1], int(sys.argv[2])
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(path)
    msg = b"x"
    start = time.monotonic()
    for _ in range(count):
        c.sendall(msg)
        if c.recv(1) != msg:
            sys.exit("unix_pingpong: short or wrong reply")
    elapsed = time.monotonic() - start
    c.close()
    print("RESULT round_trips", count, elapsed)

main()
