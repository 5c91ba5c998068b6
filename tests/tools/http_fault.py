#!/usr/bin/env python3
"""A report server that misbehaves on purpose, for faults_post.sh: what
nginx cannot be made to do.

    http_fault.py MODE PORTFILE LOG

listens on 127.0.0.1 (a free port, written to PORTFILE once listening)
and answers every connection by MODE:

  slow   reads the request and its whole body, then never answers: the
         client's own timeout has to end the upload;
  reset  reads the headers and 16 KiB of the body, then closes with a TCP
         RST (SO_LINGER 0), as a server or proxy that dies mid-body does.

LOG gets one line per request, "METHOD PATH BODY_BYTES_READ", written
once the body (or its part) was read, so the test knows the upload is
under way and how much arrived.  Runs until killed.
"""
import socket
import struct
import sys
import threading

RESET_AFTER = 16 * 1024


def read_headers(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode("latin-1").split("\r\n"), rest


def header(lines, name):
    for line in lines[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name:
            return value.strip()
    return None


def serve(conn, mode, log):
    lines, body = read_headers(conn)
    if lines is None:
        conn.close()
        return
    # curl waits for "100 Continue" before a large body; say it at once.
    if (header(lines, "expect") or "").lower() == "100-continue":
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    length = int(header(lines, "content-length") or 0)
    want = min(length, RESET_AFTER) if mode == "reset" else length
    while len(body) < want:
        chunk = conn.recv(min(65536, want - len(body)))
        if not chunk:
            break
        body += chunk
    method, path = lines[0].split(" ")[:2]
    with open(log, "a") as f:
        f.write(f"{method} {path} {len(body)}\n")
    if mode == "reset":
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        conn.close()
        return
    # slow: hold the connection, unanswered, until the client gives up.
    while conn.recv(65536):
        pass
    conn.close()


def main():
    mode, portfile, log = sys.argv[1:4]
    if mode not in ("slow", "reset"):
        sys.exit(f"unknown mode '{mode}'")
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    with open(portfile, "w") as f:
        f.write(f"{srv.getsockname()[1]}\n")
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, mode, log),
                         daemon=True).start()


if __name__ == "__main__":
    main()
