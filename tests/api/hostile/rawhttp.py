#!/usr/bin/python3
"""rawhttp.py -- sends raw bytes to an HTTP server, one connection per request.

usage: rawhttp.py PORT OUTDIR < requests
Each input line is JSON: {"name": str, "hex": request bytes in hex,
"half_close": bool (shut the write side after sending; default false)}.
For each request prints one line "name<TAB>status<TAB>content-type" and writes
the answer's body to OUTDIR/name.body. status is "" when the server closed
without answering and "0.9" for a header-less (HTTP/0.9) answer; interim 1xx
answers are skipped."""
import json
import os
import socket
import sys
import time


def read_answer(sock, deadline):
    data = b""

    def more():
        nonlocal data
        sock.settimeout(max(0.05, deadline - time.time()))
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ConnectionResetError, OSError):
            return False
        if not chunk:
            return False
        data += chunk
        return True

    while True:
        while len(data) < 5 and more():
            pass
        if not data:
            return "", "", b""
        if not data.startswith(b"HTTP/"):
            # no status line: an HTTP/0.9 answer, the body until close
            while more():
                pass
            return "0.9", "", data
        while b"\r\n\r\n" not in data and more():
            pass
        if b"\r\n\r\n" not in data:
            return "", "", data
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ")
        status = parts[1].decode("ascii", "replace") if len(parts) > 1 else ""
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
        if status.startswith("1"):
            data = rest
            continue
        ctype = headers.get("content-type", "")
        if "content-length" in headers:
            want = int(headers["content-length"])
            data = rest
            while len(data) < want and more():
                pass
            return status, ctype, data[:want]
        if headers.get("transfer-encoding", "").lower() == "chunked":
            data = rest
            body = b""
            while True:
                while b"\r\n" not in data and more():
                    pass
                size_line, _, data = data.partition(b"\r\n")
                try:
                    size = int(size_line.split(b";")[0], 16)
                except ValueError:
                    return status, ctype, body
                if size == 0:
                    return status, ctype, body
                while len(data) < size + 2 and more():
                    pass
                body += data[:size]
                data = data[size + 2:]
        data = rest
        while more():
            pass
        return status, ctype, data


def main():
    port, outdir = int(sys.argv[1]), sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        status, ctype, body = "", "", b""
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            try:
                sock.sendall(bytes.fromhex(req["hex"]))
                if req.get("half_close"):
                    sock.shutdown(socket.SHUT_WR)
                status, ctype, body = read_answer(sock, time.time() + 4)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                sock.close()
        except OSError as e:
            status = "connect-error:" + str(e)
        with open(os.path.join(outdir, req["name"] + ".body"), "wb") as f:
            f.write(body)
        print("%s\t%s\t%s" % (req["name"], status, ctype), flush=True)


main()
