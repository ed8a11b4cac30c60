#!/usr/bin/env python3
"""scan_client.py - phones and abusers scanning one stamp, for the e2e tests.

  scan_client.py PORT[,PORT...] PATH MODE N [SRC]
  Several ports (replicas): scan i (phone), phone i (phones) or request i
  (load) goes to the i-th port in turn, one kept-alive connection a port.
    phone     N scans on one connection from SRC, keeping the cookie verifyd gives
    rotate    N scans from SRC, a new User-Agent each time, no cookie
    phones    N phones: source addresses 127.0.1.1 .. 127.0.1.N, one UA each
    proxied   N scans from SRC (a trusted proxy) naming N clients 10.0.0.x in
              X-Forwarded-For, one UA each
    spoof     N scans from SRC (not trusted) with N different X-Forwarded-For
    load      for N seconds, scans by 200 phones (127.0.2.1 .. 127.0.2.200, one UA
              each, a new connection each scan); a failed request is status 0
Prints "ok STATUSES COOKIES": the distinct statuses seen and the cookie values
given (load: "ok STATUSES sent=COUNT"), or exits 1 with a message. Stdlib only.
"""
import http.client
import sys
import time


def scan(conn, path, headers):
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    r.read()
    return r.status, r.getheader("Set-Cookie")


def main():
    ports = [int(p) for p in sys.argv[1].split(",")]
    port, path, mode, n = ports[0], sys.argv[2], sys.argv[3], int(sys.argv[4])
    src = sys.argv[5] if len(sys.argv) > 5 else "127.0.0.1"
    statuses, cookies = set(), []

    def one(conn, headers):
        status, set_cookie = scan(conn, path, headers)
        statuses.add(status)
        if set_cookie:
            cookies.append(set_cookie.split(";")[0])
        return set_cookie

    if mode == "phone":
        conns = [http.client.HTTPConnection("127.0.0.1", p, timeout=10, source_address=(src, 0))
                 for p in ports]
        jar = None
        for i in range(n):
            conn = conns[i % len(conns)]
            h = {"User-Agent": "ocs-test-phone-A"}
            if jar:
                h["Cookie"] = jar
            sc = one(conn, h)
            if sc and not jar:
                jar = sc.split(";")[0]
        for conn in conns:
            conn.close()
    elif mode in ("rotate", "proxied", "spoof"):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(src, 0))
        for i in range(n):
            h = {"User-Agent": "ocs-test-rotating-%d" % i}
            if mode == "proxied":
                h["X-Forwarded-For"] = "10.0.%d.%d" % (i // 250, 1 + i % 250)
            if mode == "spoof":
                h["User-Agent"] = "ocs-test-spoofer"
                h["X-Forwarded-For"] = "10.1.%d.%d" % (i // 250, 1 + i % 250)
            one(conn, h)
        conn.close()
    elif mode == "phones":
        for i in range(1, n + 1):
            conn = http.client.HTTPConnection(
                "127.0.0.1", ports[i % len(ports)], timeout=10,
                source_address=("127.0.1.%d" % i, 0))
            one(conn, {"User-Agent": "ocs-test-phone-%d" % i})
            conn.close()
    elif mode == "load":
        end, i = time.monotonic() + n, 0
        while time.monotonic() < end:
            phone = i % 200
            conn = http.client.HTTPConnection(
                "127.0.0.1", ports[i % len(ports)], timeout=5,
                source_address=("127.0.2.%d" % (phone + 1), 0))
            try:
                one(conn, {"User-Agent": "ocs-test-load-%d" % phone})
            except (OSError, http.client.HTTPException):
                statuses.add(0)
            conn.close()
            i += 1
        print("ok", ",".join(str(s) for s in sorted(statuses)), "sent=%d" % i)
        return
    else:
        sys.exit("unknown mode " + mode)
    print("ok", ",".join(str(s) for s in sorted(statuses)), " ".join(cookies))


if __name__ == "__main__":
    main()
