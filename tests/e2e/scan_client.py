#!/usr/bin/env python3
"""scan_client.py - phones and abusers scanning one stamp, for the e2e tests.

  scan_client.py PORT PATH MODE N [SRC]
    phone     N scans on one connection from SRC, keeping the cookie verifyd gives
    rotate    N scans from SRC, a new User-Agent each time, no cookie
    phones    N phones: source addresses 127.0.1.1 .. 127.0.1.N, one UA each
    proxied   N scans from SRC (a trusted proxy) naming N clients 10.0.0.x in
              X-Forwarded-For, one UA each
    spoof     N scans from SRC (not trusted) with N different X-Forwarded-For
Prints "ok STATUSES COOKIES": the distinct statuses seen and the cookie values
given, or exits 1 with a message. Stdlib only.
"""
import http.client
import sys


def scan(conn, path, headers):
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    r.read()
    return r.status, r.getheader("Set-Cookie")


def main():
    port, path, mode, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    src = sys.argv[5] if len(sys.argv) > 5 else "127.0.0.1"
    statuses, cookies = set(), []

    def one(conn, headers):
        status, set_cookie = scan(conn, path, headers)
        statuses.add(status)
        if set_cookie:
            cookies.append(set_cookie.split(";")[0])
        return set_cookie

    if mode == "phone":
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(src, 0))
        jar = None
        for _ in range(n):
            h = {"User-Agent": "ocs-test-phone-A"}
            if jar:
                h["Cookie"] = jar
            sc = one(conn, h)
            if sc and not jar:
                jar = sc.split(";")[0]
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
                "127.0.0.1", port, timeout=10, source_address=("127.0.1.%d" % i, 0))
            one(conn, {"User-Agent": "ocs-test-phone-%d" % i})
            conn.close()
    else:
        sys.exit("unknown mode " + mode)
    print("ok", ",".join(str(s) for s in sorted(statuses)), " ".join(cookies))


if __name__ == "__main__":
    main()
