#!/usr/bin/python3
"""tests/lib/fcgi.py -- one FastCGI request straight to the pool, as a peer
other than nginx could send it (nginx never sends such parameters).

usage: fcgi.py [--stdin] ADDRESS [NAME=VALUE ...]
  --stdin  the request's body is what this reads on its standard input
  ADDRESS  a unix socket's path, or host:port
  NAME=VALUE  FastCGI parameters; \\xHH in a value is that byte
Prints the answer's STDOUT (CGI headers and body); exits 1 when the
connection is closed unanswered."""
import socket
import struct
import sys


def record(kind, content, request_id=1):
    return struct.pack(">BBHHBx", 1, kind, request_id, len(content), 0) + content


def pair(name, value):
    def length(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return length(len(name)) + length(len(value)) + name + value


def main():
    args = sys.argv[1:]
    stdin = b""
    if args and args[0] == "--stdin":
        stdin, args = sys.stdin.buffer.read(), args[1:]
    address, params = args[0], args[1:]
    if address.startswith("/"):
        s = socket.socket(socket.AF_UNIX)
        s.connect(address)
    else:
        host, port = address.rsplit(":", 1)
        s = socket.create_connection((host, int(port)))
    body = b"".join(pair(*(p.encode().decode("unicode_escape").encode("latin-1").split(b"=", 1)))
                    for p in params)
    body += pair(b"CONTENT_LENGTH", str(len(stdin)).encode())
    parts = [stdin[i:i + 65535] for i in range(0, len(stdin), 65535)]
    s.sendall(record(1, struct.pack(">HB5x", 1, 0)) + record(4, body) + record(4, b"") +
              b"".join(record(5, p) for p in parts) + record(5, b""))
    out = b""
    while True:
        head = s.recv(8, socket.MSG_WAITALL)
        if len(head) < 8:
            sys.exit(1)
        _, kind, _, n, pad = struct.unpack(">BBHHBx", head)
        content = s.recv(n + pad, socket.MSG_WAITALL)[:n] if n + pad else b""
        if kind == 6:
            out += content
        elif kind == 3:
            break
    sys.stdout.buffer.write(out)


main()
