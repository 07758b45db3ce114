# call_overhead: the cost of a socket method call from the script, with
# the cost of the loop itself subtracted. bool(), called through a local
# name, stands for a call of a builtin that does nothing: the floor for
# any call. Each loop runs three
# times and the fastest counts, so that a moment's interference elsewhere
# on the machine does not.
# argv: count. Prints "RESULT <call> <count> <seconds>" per call.
import socket, sys, time

def best(loop, count, s):
    fastest = None
    for _ in range(3):
        start = time.monotonic()
        loop(count, s)
        elapsed = time.monotonic() - start
        if fastest == None or elapsed < fastest:
            fastest = elapsed
    return fastest

# The loops take s as a parameter: a local, as in a script's function.

def empty(n, s):
    for _ in range(n):
        pass

def fileno(n, s):
    for _ in range(n):
        s.fileno()

def gettimeout(n, s):
    for _ in range(n):
        s.gettimeout()

def noop(n, s, call = bool):
    for _ in range(n):
        call()

def main():
    count = int(sys.argv[1])
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)

    loop = best(empty, count, s)
    for name, calls in (("fileno", fileno), ("gettimeout", gettimeout), ("noop_builtin", noop)):
        print("RESULT", name, count, best(calls, count, s) - loop)
    s.close()

main()
