# call_overhead: the cost of a socket method call from the script, with
# the cost of the loop itself subtracted. bool(), called through a local
# name, stands for a call of a builtin that does nothing: the floor for
# any call.
#
# The count runs in CHUNKS pieces, and each piece runs the empty loop and
# then every other loop, each less the empty loop's time in the same
# piece; the median piece counts. The machine this was written on runs a
# process at one speed or at half of it, and now and then changes for a
# moment: a loop timed in another moment than the empty loop it is
# compared with was off by that much.
# argv: count. Prints "RESULT <call> <count> <seconds>" per call: the
# count's time at the median piece's rate.
import socket, sys, time

CHUNKS = 20

def timed(loop, n, s):
    start = time.monotonic()
    loop(n, s)
    return time.monotonic() - start

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
    loops = (("fileno", fileno), ("gettimeout", gettimeout), ("noop_builtin", noop))
    n = count // CHUNKS
    costs = {name: [] for name, _ in loops}
    for _ in range(CHUNKS):
        base = timed(empty, n, s)
        for name, loop in loops:
            costs[name].append(timed(loop, n, s) - base)
    for name, _ in loops:
        print("RESULT", name, count, sorted(costs[name])[CHUNKS // 2] * CHUNKS)
    # s.fileno() in calls of the no-op, piece by piece: the two loops of a
    # piece run moments apart, at one speed of the machine, where the
    # medians above may come from pieces run at different speeds. Printed
    # with count 1 and the ratio in place of the seconds, so that the
    # runner's rate is the no-op's cost over s.fileno()'s.
    ratios = [f / b for f, b in zip(costs["fileno"], costs["noop_builtin"]) if f > 0 and b > 0]
    if ratios:
        print("RESULT fileno_per_noop 1", sorted(ratios)[len(ratios) // 2])
    s.close()

main()
