#!/usr/bin/env python3
"""Load, counting and attack clients of the verifyd soak scripts (stdlib only).

  vd_load.py load --port P --codes FILE --out FILE [--conns 16] [--per-conn 100]
                  [--seed S] [--max-seconds 600] [--host 127.0.0.1]
      Scans: GET /S/<CODE> (no query) on --conns keep-alive connections,
      each closed by the client after --per-conn answers and opened again
      (as phones come and go; it also lets a stopping verifyd drain in
      milliseconds instead of waiting for idle connections). Codes are drawn
      from FILE (one base32 code a line), code k with weight k + 1, so that
      the totals differ per code. OUT.ready appears once SIGTERM is handled
      and the first answer is in (5 s at most). Runs until SIGTERM or SIGINT (or
      --max-seconds): then no new request starts, those in flight get up to
      5 s to finish, and OUT is written:
        code CODE sent N ok N non2xx N cut N
        status STATUS N              (each status other than 200)
        conn opened N refused N failed N
        time started EPOCH_MS ended EPOCH_MS
        bucket CODE EPOCH_10MS N     (200 answers received in that 10 ms)
      ok: 200 answers received in full. cut: a request was written and the
      connection ended (closed, reset) before its whole answer came: the
      server may or may not have counted it. refused: connect() refused
      (nothing listens). failed: any other connect error.

  vd_load.py totals --port P --codes FILE
      GET /api/v1/stamps/<CODE> (never a scan) for each code; prints
      "CODE TOTAL FIELD": scans.requests when the answer has it (the
      redesigned scans object), else scans.count. Exit 1 on any other
      answer than 200 with one of them.

  vd_load.py join --out FILE --before F --after F [--kill-ms K --window-ms W]
      Per code of a load's OUT: "CODE ok cut delta recent lost_ms", delta =
      after - before (the totals files of `totals`), recent = 200 answers
      received at or after K - W (all of them up to the end), lost_ms = the
      shortest span before K whose answers number at least ok - delta (0
      when nothing was lost). Last line: "all ok cut delta recent lost_ms
      rate" for every code together; rate = 200 answers a second.

  vd_load.py slowloris --port P --sockets N --per-addr M --out FILE
                       [--duration 30] [--interval 3] [--first-addr 2]
                       [--reconnect 1] [--code CODE] [--seed S]
      N connections from 127.0.0.<first-addr> .. (M per source address,
      bound before connect), each sending a request head that never ends:
      half of them one byte at a time, half one header line at a time, every
      interval x U(0.5, 1.5) seconds. A connection the server closes is
      opened again (--reconnect 1) after 0.2 s. After --duration seconds all
      are closed and OUT gets:
        sockets N addresses K per_addr M
        connects N established N refused N failed N
        closed_by_server N answered N  (answered: it sent a status line)
        lifetime_s min MED max N       (connections the server closed)
        held_to_end N  oldest_s S
        bytes_sent N
        open SECOND N                  (established connections, each second)

  vd_load.py probe --port P --path PATH --out FILE [--every 0.5] [--deadline 1]
                   [--duration 30] [--source 127.0.0.1]
      Every --every seconds, a new connection from --source, one full GET of
      PATH (Connection: close), bounded by --deadline seconds in all; one
      line per probe: "T_SECONDS OUTCOME MS" with OUTCOME 200 (or another
      status), refused, reset, closed (no status line), timeout-connect
      (no TCP handshake) or timeout-answer (connected, no whole answer).
"""
import argparse
import asyncio
import heapq
import json
import os
import random
import selectors
import signal
import socket
import sys
import time
import http.client


def now_ms():
    return int(time.time() * 1000)


# ---- load ------------------------------------------------------------------


class Tally:
    def __init__(self, codes):
        self.codes = codes
        self.sent = {c: 0 for c in codes}
        self.ok = {c: 0 for c in codes}
        self.non2xx = {c: 0 for c in codes}
        self.cut = {c: 0 for c in codes}
        self.status = {}
        self.buckets = {}  # (code, epoch_10ms) -> n
        self.opened = self.refused = self.failed = 0

    def answer(self, code, status):
        if status == 200:
            self.ok[code] += 1
            k = (code, int(time.time() * 100))
            self.buckets[k] = self.buckets.get(k, 0) + 1
        else:
            self.non2xx[code] += 1
            self.status[status] = self.status.get(status, 0) + 1

    def write(self, path, started, ended):
        with open(path + ".tmp", "w") as f:
            for c in self.codes:
                f.write("code %s sent %d ok %d non2xx %d cut %d\n" %
                        (c, self.sent[c], self.ok[c], self.non2xx[c], self.cut[c]))
            for s, n in sorted(self.status.items()):
                f.write("status %d %d\n" % (s, n))
            f.write("conn opened %d refused %d failed %d\n" % (self.opened, self.refused, self.failed))
            f.write("time started %d ended %d\n" % (started, ended))
            for (c, t), n in sorted(self.buckets.items(), key=lambda kv: kv[0][1]):
                f.write("bucket %s %d %d\n" % (c, t, n))
        os.replace(path + ".tmp", path)


async def read_answer(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    line, _, rest = head.partition(b"\r\n")
    parts = line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise ValueError("not an HTTP status line: %r" % line[:60])
    length = 0
    for h in rest.split(b"\r\n"):
        k, _, v = h.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    if length:
        await reader.readexactly(length)
    return int(parts[1])


async def load_conn(args, tally, rng, stop, weights):
    codes = tally.codes
    reqs = {c: ("GET /S/%s HTTP/1.1\r\nHost: verifyd\r\n\r\n" % c).encode() for c in codes}
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(args.host, args.port)
        except ConnectionRefusedError:
            tally.refused += 1
            await asyncio.sleep(0.01)
            continue
        except OSError:
            tally.failed += 1
            await asyncio.sleep(0.01)
            continue
        tally.opened += 1
        inflight = None
        try:
            for _ in range(args.per_conn):
                if stop.is_set():
                    break
                code = rng.choices(codes, weights)[0]
                writer.write(reqs[code])
                tally.sent[code] += 1
                inflight = code
                status = await read_answer(reader)
                inflight = None
                tally.answer(code, status)
        except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:
            if inflight is not None:
                tally.cut[inflight] += 1
            writer.close()
            raise
        if inflight is not None:
            tally.cut[inflight] += 1
        writer.close()


async def load_main(args):
    codes = [l.strip() for l in open(args.codes) if l.strip()]
    if not codes:
        sys.exit("vd_load.py: no code in " + args.codes)
    tally = Tally(codes)
    weights = [k + 1 for k in range(len(codes))]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    started = now_ms()
    rngs = [random.Random("%s-%d" % (args.seed, i)) for i in range(args.conns)]
    tasks = [asyncio.create_task(load_conn(args, tally, rngs[i], stop, weights)) for i in range(args.conns)]
    # ready: the signals are handled and the first answer is in (or 5 s passed)
    for _ in range(500):
        if sum(tally.ok.values()) + sum(tally.non2xx.values()) or stop.is_set():
            break
        await asyncio.sleep(0.01)
    with open(args.out + ".ready", "w") as f:
        f.write("%d\n" % now_ms())
    try:
        await asyncio.wait_for(stop.wait(), args.max_seconds)
    except asyncio.TimeoutError:
        stop.set()
    ended = now_ms()
    _, pending = await asyncio.wait(tasks, timeout=5)
    for t in pending:
        t.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    tally.write(args.out, started, ended)


# ---- totals ----------------------------------------------------------------


def totals(args):
    codes = [l.strip() for l in open(args.codes) if l.strip()]
    conn = http.client.HTTPConnection(args.host, args.port, timeout=10)
    rc = 0
    for c in codes:
        try:
            conn.request("GET", "/api/v1/stamps/" + c)
            r = conn.getresponse()
            body = r.read()
        except (OSError, http.client.HTTPException) as e:
            print(c, "ERROR", repr(e))
            return 1
        try:
            scans = json.loads(body)["scans"]
            field = "requests" if "requests" in scans else "count"
            print(c, int(scans[field]), field)
        except (ValueError, KeyError, TypeError):
            print(c, "ERROR", "status %d: %r" % (r.status, body[:120]))
            rc = 1
            continue
        if r.status != 200:
            print(c, "ERROR", "status %d" % r.status)
            rc = 1
    return rc


# ---- join ------------------------------------------------------------------


def read_totals(path):
    t = {}
    for line in open(path):
        f = line.split()
        if len(f) >= 2 and f[1].isdigit():
            t[f[0]] = int(f[1])
    return t


def join(args):
    res, buckets = {}, {}
    for line in open(args.out):
        f = line.split()
        if f[0] == "code":
            res[f[1]] = (int(f[5]), int(f[9]))  # ok, cut
        elif f[0] == "time":
            started, ended = int(f[2]), int(f[4])
        elif f[0] == "bucket":
            buckets.setdefault(f[1], []).append((int(f[2]) * 10, int(f[3])))
    before, after = read_totals(args.before), read_totals(args.after)
    kill = args.kill_ms if args.kill_ms is not None else ended
    tot = [0, 0, 0, 0, 0]
    allb = []

    def lost_span(bl, lost):
        if lost <= 0:
            return 0
        acc = 0
        for t, n in sorted(bl, reverse=True):
            acc += n
            if acc >= lost:
                return max(0, kill - t)
        return kill - started

    for c, (ok, cut) in res.items():
        delta = after.get(c, -1) - before.get(c, 0)
        bl = buckets.get(c, [])
        allb += bl
        recent = sum(n for t, n in bl if t + 10 > kill - args.window_ms)
        print(c, ok, cut, delta, recent, lost_span(bl, ok - delta))
        for i, v in enumerate((ok, cut, delta, recent)):
            tot[i] += v
    secs = max(0.001, (ended - started) / 1000.0)
    print("all", tot[0], tot[1], tot[2], tot[3], lost_span(allb, tot[0] - tot[2]), "%.0f" % (tot[0] / secs))
    return 0


# ---- slowloris -------------------------------------------------------------


class Slow:
    __slots__ = ("sock", "addr", "mode", "sent", "born", "est", "head", "pos", "line")


def slowloris(args):
    rng = random.Random(args.seed)
    sel = selectors.DefaultSelector()
    nadd = (args.sockets + args.per_addr - 1) // args.per_addr
    if args.first_addr + nadd - 1 > 254:
        sys.exit("vd_load.py: too many source addresses (at most 127.0.0.254)")
    head = ("GET /S/%s HTTP/1.1\r\nHost: verifyd\r\nUser-Agent: slowloris\r\n" % args.code).encode()
    st = dict(connects=0, established=0, refused=0, failed=0, closed=0, answered=0, bytes=0)
    lifetimes, timers, conns, open_at = [], [], {}, []
    t0 = time.monotonic()
    end = t0 + args.duration
    seq = 0

    def later(delay, what, c):
        nonlocal seq
        seq += 1
        heapq.heappush(timers, (time.monotonic() + delay, seq, what, c))

    def interval():
        return args.interval * rng.uniform(0.5, 1.5)

    def open_one(addr, mode):
        c = Slow()
        c.addr, c.mode, c.sent, c.est, c.pos, c.line = addr, mode, 0, False, 0, 0
        c.head = head
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        c.sock = s
        st["connects"] += 1
        try:
            s.bind((addr, 0))
            s.connect_ex((args.host, args.port))
        except OSError:
            st["failed"] += 1
            s.close()
            later(0.2, "open", c)
            return
        c.born = time.monotonic()
        conns[s.fileno()] = c
        sel.register(s, selectors.EVENT_WRITE, c)

    def drop(c, by_server, answered=False):
        sel.unregister(c.sock)
        del conns[c.sock.fileno()]
        c.sock.close()
        if by_server:
            st["closed"] += 1
            if answered:
                st["answered"] += 1
            lifetimes.append(time.monotonic() - c.born)
        c.sock = None
        if args.reconnect and time.monotonic() < end:
            later(0.2, "open", c)

    def send_some(c):
        if c.mode == "byte":
            chunk = c.head[c.pos:c.pos + 1] if c.pos < len(c.head) else b"X"
            c.pos += 1
            if c.pos >= len(c.head) and chunk == b"X":
                # past the request line and headers: the next header, byte by byte
                c.head += ("-Pad%d: %d\r\n" % (c.line, c.line)).encode()
                c.line += 1
        else:
            if c.pos < len(c.head):
                i = c.head.index(b"\r\n", c.pos) + 2
                chunk, c.pos = c.head[c.pos:i], i
            else:
                chunk = ("X-Pad%d: %d\r\n" % (c.line, c.line)).encode()
                c.line += 1
        try:
            n = c.sock.send(chunk)
            st["bytes"] += n
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            drop(c, True)
            return
        later(interval(), "send", c)

    k = 0
    for a in range(nadd):
        for _ in range(args.per_addr):
            if k == args.sockets:
                break
            open_one("127.0.0.%d" % (args.first_addr + a), "byte" if k % 2 == 0 else "line")
            k += 1
    next_second = t0 + 1
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if now >= next_second:
            open_at.append((int(now - t0 + 0.5), sum(1 for c in conns.values() if c.est)))
            next_second += 1
        wait = min(end, next_second) - now
        if timers:
            wait = min(wait, max(0, timers[0][0] - now))
        for key, ev in sel.select(wait):
            c = key.data
            if c.sock is None:
                continue
            if not c.est:
                err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    sel.unregister(c.sock)
                    del conns[c.sock.fileno()]
                    c.sock.close()
                    c.sock = None
                    st["refused" if err == 111 else "failed"] += 1
                    if args.reconnect:
                        later(0.2, "open", c)
                    continue
                c.est = True
                st["established"] += 1
                sel.modify(c.sock, selectors.EVENT_READ, c)
                send_some(c)
                continue
            try:
                data = c.sock.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            drop(c, True, data.startswith(b"HTTP/"))
        now = time.monotonic()
        while timers and timers[0][0] <= now:
            _, _, what, c = heapq.heappop(timers)
            if what == "open":
                if now < end:
                    c.head, c.pos, c.line = head, 0, 0
                    open_one(c.addr, c.mode)
            elif c.sock is not None and c.est:
                send_some(c)
    held = [c for c in conns.values() if c.est]
    oldest = max((time.monotonic() - c.born for c in held), default=0)
    for c in list(conns.values()):
        c.sock.close()
    lifetimes.sort()
    with open(args.out, "w") as f:
        f.write("sockets %d addresses %d per_addr %d\n" % (args.sockets, nadd, args.per_addr))
        f.write("connects %d established %d refused %d failed %d\n" %
                (st["connects"], st["established"], st["refused"], st["failed"]))
        f.write("closed_by_server %d answered %d\n" % (st["closed"], st["answered"]))
        if lifetimes:
            f.write("lifetime_s %.1f %.1f %.1f %d\n" %
                    (lifetimes[0], lifetimes[len(lifetimes) // 2], lifetimes[-1], len(lifetimes)))
        else:
            f.write("lifetime_s - - - 0\n")
        f.write("held_to_end %d oldest_s %.1f\n" % (len(held), oldest))
        f.write("bytes_sent %d\n" % st["bytes"])
        for s, n in open_at:
            f.write("open %d %d\n" % (s, n))
    return 0


# ---- probe -----------------------------------------------------------------


def probe_once(args):
    t0 = time.monotonic()
    deadline = t0 + args.deadline
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    data = b""
    try:
        s.bind((args.source, 0))
        s.settimeout(args.deadline)
        try:
            s.connect((args.host, args.port))
        except socket.timeout:
            return "timeout-connect"
        except ConnectionRefusedError:
            return "refused"
        s.sendall(("GET %s HTTP/1.1\r\nHost: verifyd\r\nConnection: close\r\n\r\n" % args.path).encode())
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout-answer"
            s.settimeout(left)
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        return "timeout-answer"
    except ConnectionResetError:
        return "reset" if not data else "reset-after-%d-bytes" % len(data)
    except OSError as e:
        return "error-%s" % (e.errno or "x")
    finally:
        s.close()
    if data.startswith(b"HTTP/1.") and len(data) > 12 and data[9:12].isdigit():
        end = data.find(b"\r\n\r\n")
        length = None
        for h in data[:end].split(b"\r\n"):
            k, _, v = h.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v.strip())
        if end < 0 or (length is not None and len(data) - end - 4 < length):
            return "partial"
        return data[9:12].decode()
    return "closed"


def probe(args):
    t0 = time.monotonic()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    i = 0
    with open(args.out, "w", buffering=1) as f:
        while not stop and time.monotonic() - t0 < args.duration:
            at = t0 + i * args.every
            if at > time.monotonic():
                time.sleep(at - time.monotonic())
            i += 1
            if stop:
                break
            start = time.monotonic()
            outcome = probe_once(args)
            f.write("%.1f %s %d\n" % (start - t0, outcome, (time.monotonic() - start) * 1000))
            while t0 + i * args.every < time.monotonic():
                i += 1  # a probe that took longer than the period: the next on time
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    server = argparse.ArgumentParser(add_help=False)
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, required=True)
    a = sub.add_parser("load", parents=[server])
    a.add_argument("--codes", required=True)
    a.add_argument("--out", required=True)
    a.add_argument("--conns", type=int, default=16)
    a.add_argument("--per-conn", type=int, default=100)
    a.add_argument("--seed", default="0")
    a.add_argument("--max-seconds", type=float, default=600)
    a = sub.add_parser("totals", parents=[server])
    a.add_argument("--codes", required=True)
    a = sub.add_parser("join")
    a.add_argument("--out", required=True)
    a.add_argument("--before", required=True)
    a.add_argument("--after", required=True)
    a.add_argument("--kill-ms", type=int)
    a.add_argument("--window-ms", type=int, default=0)
    a = sub.add_parser("slowloris", parents=[server])
    a.add_argument("--sockets", type=int, default=2000)
    a.add_argument("--per-addr", type=int, default=60)
    a.add_argument("--first-addr", type=int, default=2)
    a.add_argument("--duration", type=float, default=30)
    a.add_argument("--interval", type=float, default=3)
    a.add_argument("--reconnect", type=int, default=1)
    a.add_argument("--code", default="A")
    a.add_argument("--seed", default="0")
    a.add_argument("--out", required=True)
    a = sub.add_parser("probe", parents=[server])
    a.add_argument("--path", required=True)
    a.add_argument("--out", required=True)
    a.add_argument("--every", type=float, default=0.5)
    a.add_argument("--deadline", type=float, default=1)
    a.add_argument("--duration", type=float, default=30)
    a.add_argument("--source", default="127.0.0.1")
    args = p.parse_args()
    if args.cmd == "load":
        asyncio.run(load_main(args))
        return 0
    return {"totals": totals, "join": join, "slowloris": slowloris, "probe": probe}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
