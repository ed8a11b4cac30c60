#!/usr/bin/env python3
"""Raw HTTP for verifyd's end-to-end scripts: what curl will not send.

  http_raw.py send PORT EXPR [--byte-delay S] [--wait S] [--body-bytes]
      Sends the bytes of EXPR (a Python bytes expression, e.g.
      "b'GET / HTTP/1.1\\r\\n\\r\\n'"; "b'X' * 9000" works too) on one
      connection to 127.0.0.1:PORT, one byte at a time with --byte-delay
      seconds between them if given, then waits up to --wait seconds (10)
      for an answer. Prints the status code of the first response, or
      "closed" (the server closed or reset the connection without one), or
      "timeout" (still open, no answer). Interim 1xx answers are skipped.
      --body-bytes: read until the server closes and also print how many
      bytes followed the first response's header. Exit 0 in every case.

  http_raw.py keepalive PORT PATH1 GOFILE PATH2
      GET PATH1 and, on the same connection once GOFILE exists (at most
      60 s), GET PATH2. Prints "1 STATUS" and "2 STATUS BODY" (BODY: the
      second response's body on one line); exit 1 if the connection did not
      survive (reopened, closed or reset) in between.

  http_raw.py flood PORT N
      Opens N idle connections at once, then one request on a new
      connection after they are all closed. Prints "refused=R closed=C
      after=STATUS".
"""
import http.client
import os
import socket
import sys
import time


def read_status(s, wait, body_bytes=False):
    """The first final response's status code, "closed" or "timeout"."""
    data, deadline = b"", time.monotonic() + wait
    try:
        while True:
            while data.startswith(b"HTTP/1.1 1") and b"\r\n\r\n" in data:
                data = data[data.index(b"\r\n\r\n") + 4:]  # an interim answer
            if not body_bytes and b"\r\n" in data:
                break
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            s.settimeout(left)
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        return "timeout"
    except (ConnectionResetError, BrokenPipeError):
        pass
    if data.startswith(b"HTTP/") and len(data) >= 12 and data[9:12].isdigit():
        if body_bytes:
            end = data.find(b"\r\n\r\n")
            return "%s %d" % (data[9:12].decode(), len(data) - end - 4 if end >= 0 else -1)
        return data[9:12].decode()
    return "closed" if not data else "garbage:" + repr(data[:40])


def send(port, expr, byte_delay, wait, body_bytes):
    # our own scripts' literals, with bytes() and range() for generated ones
    payload = eval(expr, {"__builtins__": {"bytes": bytes, "range": range}}, {})
    if not isinstance(payload, bytes):
        sys.exit("http_raw.py: EXPR must give bytes")
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        if byte_delay:
            for i in range(len(payload)):
                s.sendall(payload[i:i + 1])
                time.sleep(byte_delay)
        else:
            s.sendall(payload)
    except (ConnectionResetError, BrokenPipeError):
        print("closed")
        return
    print(read_status(s, wait, body_bytes))
    s.close()


def keepalive(port, path1, gofile, path2):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    conn.request("GET", path1)
    r = conn.getresponse()
    r.read()
    print("1", r.status, flush=True)
    sock1 = conn.sock
    if sock1 is None:
        print("connection closed after the first response")
        return 1
    for _ in range(600):
        if os.path.exists(gofile):
            break
        time.sleep(0.1)
    else:
        print("GOFILE never appeared")
        return 1
    conn.auto_open = 0  # never reconnect behind our back
    try:
        conn.request("GET", path2, headers={"Accept": "application/json"})
        r = conn.getresponse()
        body = r.read().decode("utf-8", "replace").replace("\n", " ")
    except (http.client.HTTPException, OSError) as e:
        print("second request on the kept connection failed:", repr(e))
        return 1
    print("2", r.status, body)
    return 0 if conn.sock is sock1 or conn.sock is None else 1


def flood(port, n):
    socks, refused, closed = [], 0, 0
    for _ in range(n):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            refused += 1
    time.sleep(0.5)
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
    for s in socks:
        s.close()
    time.sleep(0.5)
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    after = read_status(s, 10)
    s.close()
    print("refused=%d closed=%d after=%s" % (refused, closed, after))


def main(argv):
    if len(argv) >= 3 and argv[0] == "send":
        byte_delay, wait, body_bytes, rest = 0.0, 10.0, False, argv[3:]
        while rest:
            if rest[0] == "--body-bytes":
                body_bytes, rest = True, rest[1:]
                continue
            if rest[0] == "--byte-delay":
                byte_delay = float(rest[1])
            elif rest[0] == "--wait":
                wait = float(rest[1])
            else:
                sys.exit("http_raw.py: unknown option " + rest[0])
            rest = rest[2:]
        send(int(argv[1]), argv[2], byte_delay, wait, body_bytes)
        return 0
    if len(argv) == 5 and argv[0] == "keepalive":
        return keepalive(int(argv[1]), argv[2], argv[3], argv[4])
    if len(argv) == 3 and argv[0] == "flood":
        flood(int(argv[1]), int(argv[2]))
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
