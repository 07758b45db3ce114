# The Python docs' echo server (socket module, "Example"), unchanged but
# for the address: 127.0.0.1 and a port the kernel picks, printed so the
# client under test knows where to connect.
import socket

HOST = '127.0.0.1'        # Loopback only
PORT = 0                  # The kernel picks a free port
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.bind((HOST, PORT))
    s.listen(1)
    print('port', s.getsockname()[1], flush=True)
    conn, addr = s.accept()
    with conn:
        print('Connected by', addr[0])
        while True:
            data = conn.recv(1024)
            if not data: break
            conn.sendall(data)
