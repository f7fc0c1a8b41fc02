#!/usr/bin/env python3
"""Another local process against the credential endpoint (tests/it/endpoint_hardening.rs); the
tests run it as another user (`setpriv --reuid=65534 …`) where that is the point.

    endpoint_load.py slowloris HOST PORT COUNT
        Opens COUNT connections and trickles a request head into each, one byte per connection
        every second, never finishing it; a connection the endpoint closes is opened again.
        Prints `ready` once all are open; on EOF on stdin prints one JSON line
        {"opened": N, "closed_by_endpoint": N, "refused": N} and exits.
    endpoint_load.py ask HOST PORT RESOURCE
        One App Service request with the header from $ENDPOINT_HEADER (never on a command line).
        Prints {"status": S, "body": {...}} or {"error": "..."}.
    endpoint_load.py impostor HOST PORT SECONDS
        Binds HOST:PORT (someone else's freed endpoint port) and answers every request with a
        forged token for SECONDS. Prints `ready`, then {"requests": N, "with_header": N}.
"""

import json
import os
import select
import socket
import sys
import time

HEAD = b"GET /msi/token?resource=https://management.azure.com HTTP/1.1\r\nHost: x\r\nX-Pad: "


def connect(host, port):
    s = socket.create_connection((host, port), timeout=5)
    s.setblocking(False)
    return s


def slowloris(host, port, count):
    stats = {"opened": 0, "closed_by_endpoint": 0, "refused": 0}
    conns = {}
    while len(conns) < count:
        try:
            s = connect(host, port)
            conns[s] = 0
            stats["opened"] += 1
        except OSError:
            stats["refused"] += 1
            time.sleep(0.01)
    print("ready", flush=True)
    while True:
        ready, _, _ = select.select([sys.stdin], [], [], 1.0)
        if ready and not sys.stdin.readline():
            break
        for s in list(conns):
            sent = conns[s]
            try:
                # The endpoint closing shows up as EOF on read, or as a failed send.
                readable, _, _ = select.select([s], [], [], 0)
                if readable and not s.recv(4096):
                    raise OSError("closed")
                chunk = HEAD[sent : sent + 1] if sent < len(HEAD) else b"a"
                s.send(chunk)
                conns[s] = sent + 1
            except OSError:
                stats["closed_by_endpoint"] += 1
                del conns[s]
                s.close()
                try:
                    conns[connect(host, port)] = 0
                    stats["opened"] += 1
                except OSError:
                    stats["refused"] += 1
    print(json.dumps(stats), flush=True)


def ask(host, port, resource):
    header = os.environ.get("ENDPOINT_HEADER", "")
    request = (
        f"GET /msi/token?api-version=2019-08-01&resource={resource} HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\nX-IDENTITY-HEADER: {header}\r\nConnection: close\r\n\r\n"
    ).encode()
    try:
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
    except OSError as e:
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
        return
    if not data:
        print(json.dumps({"error": "closed without a reply"}))
        return
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    print(json.dumps({"status": status, "body": parsed}))


def impostor(host, port, seconds):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((host, port))
    server.listen(16)
    server.settimeout(0.2)
    print("ready", flush=True)
    stats = {"requests": 0, "with_header": 0}
    body = json.dumps({"access_token": "forged", "expires_on": str(int(time.time()) + 3600),
                       "resource": "https://management.azure.com", "token_type": "Bearer"}).encode()
    end = time.time() + seconds
    while time.time() < end:
        try:
            conn, _ = server.accept()
        except socket.timeout:
            continue
        conn.settimeout(2)
        try:
            head = conn.recv(65536)
            stats["requests"] += 1
            if b"x-identity-header" in head.lower():
                stats["with_header"] += 1
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        except OSError:
            pass
        conn.close()
    print(json.dumps(stats), flush=True)


def main(argv):
    if len(argv) < 4:
        raise SystemExit(__doc__)
    mode, host, port = argv[0], argv[1], int(argv[2])
    if mode == "slowloris":
        slowloris(host, port, int(argv[3]))
    elif mode == "ask":
        ask(host, port, argv[3])
    elif mode == "impostor":
        impostor(host, port, float(argv[3]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
