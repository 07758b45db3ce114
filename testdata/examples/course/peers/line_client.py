# A client for the course's line protocol, in CPython: one command per
# line, one reply line each, read with makefile() and readline().
import socket
import sys

COMMANDS = ['HELLO starsock', 'ADD 2 3 37', 'ADD two', 'SHOUT', 'QUIT']

with socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5) as s:
    with s.makefile('rw', encoding='utf-8', newline='\n') as f:
        for command in COMMANDS:
            print('>', command)
            f.write(command + '\n')
            f.flush()
            print('<', f.readline().rstrip('\n'))
