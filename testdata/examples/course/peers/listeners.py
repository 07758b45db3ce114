# Listens on three ports inside a block of 20 where nothing else listens,
# for the port scanner to find. Prints "block FIRST LAST" and the three
# ports, then keeps them open until its stdin closes.
import random
import socket
import sys

def listening(port):
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(('127.0.0.1', port)) == 0

for _ in range(100):
    first = random.randrange(20000, 60000)
    wanted = [first + 3, first + 7, first + 12]
    servers = []
    try:
        for port in wanted:
            s = socket.socket()
            servers.append(s)
            s.bind(('127.0.0.1', port))
            s.listen()
    except OSError:
        for s in servers:
            s.close()
        continue
    others = [p for p in range(first, first + 20) if p not in wanted]
    if any(listening(p) for p in others):
        for s in servers:
            s.close()
        continue
    break
else:
    sys.exit('no free block of ports found')

print('block', first, first + 19, flush=True)
print('listening', *wanted, flush=True)
sys.stdin.read()
for s in servers:
    s.close()
