# call_overhead: the cost of a socket method call from the script, with
# the cost of the loop itself subtracted. bool() stands for a call of a
# builtin that does nothing, the floor for any call.
# argv: count. Prints "RESULT <call> <count> <seconds>" per call.
import socket, sys, time

def main():
    count = int(sys.argv[1])
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)

    start = time.monotonic()
    for _ in range(count):
        pass
    empty = time.monotonic() - start

    start = time.monotonic()
    for _ in range(count):
        s.fileno()
    fileno = time.monotonic() - start - empty

    start = time.monotonic()
    for _ in range(count):
        s.gettimeout()
    gettimeout = time.monotonic() - start - empty

    start = time.monotonic()
    for _ in range(count):
        bool()
    noop = time.monotonic() - start - empty

    s.close()
    print("RESULT fileno", count, fileno)
    print("RESULT gettimeout", count, gettimeout)
    print("RESULT noop_builtin", count, noop)

main()
