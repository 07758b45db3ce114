# udp_pingpong server: sends each datagram back to its sender; an empty
# datagram ends the run. argv: none. Prints "READY <port>".
import socket, sys, time

def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    print("READY", s.getsockname()[1])
    while True:
        data, addr = s.recvfrom(64)
        if not data:
            break
        s.sendto(data, addr)
    s.close()

main()
