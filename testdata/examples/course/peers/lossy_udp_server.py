# A UDP ping server that loses datagrams on purpose, always the same ones,
# so a client's retries can be tested: it drops the first "PING 2" and
# every "PING 4", answers the rest with "PONG n", and stops at "BYE".
import socket

with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    s.bind(('127.0.0.1', 0))
    s.settimeout(30)  # a client that never says BYE does not keep us forever
    print('port', s.getsockname()[1], flush=True)
    seen = {}
    received = dropped = 0
    while True:
        data, addr = s.recvfrom(1024)
        if data == b'BYE':
            break
        received += 1
        n = int(data.split()[1])
        seen[n] = seen.get(n, 0) + 1
        if (n == 2 and seen[n] == 1) or n == 4:
            dropped += 1
            continue
        s.sendto(b'PONG %d' % n, addr)
    print('received', received, 'dropped', dropped)
