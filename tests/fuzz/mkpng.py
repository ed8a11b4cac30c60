#!/usr/bin/env python3
"""mkpng.py - the PNG seeds of fuzz_photo, other shapes of one stamp.

Reads the 1-bit stamp that fuzz_mkseeds renders (corpus/photo/ok-stamp-1bit.png)
and writes it again as a phone or a scanner might save it: 8-bit grey, RGB,
RGBA and grey+alpha over transparency, palette with tRNS, 16-bit RGB, Adam7
interlaced, and a blurred, noisy, enlarged "photo"; plus damaged files.
Deterministic (no randomness but a fixed LCG), standard library only:

    python3 tests/fuzz/mkpng.py tests/fuzz/corpus/photo
"""
import os
import struct
import sys
import zlib


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png(width, height, depth, colour, raw, extra=b"", interlace=0):
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def unfilter(data, height, stride, bpp):
    out, prior = [], bytearray(stride)
    for y in range(height):
        at = y * (stride + 1)
        kind, row = data[at], bytearray(data[at + 1:at + 1 + stride])
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b, c = prior[i], prior[i - bpp] if i >= bpp else 0
            if kind == 1:
                row[i] = (row[i] + a) & 255
            elif kind == 2:
                row[i] = (row[i] + b) & 255
            elif kind == 3:
                row[i] = (row[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append(row)
        prior = row
    return out


def read_1bit(path):
    """The grey levels (0 or 255) of a 1-bit grey, non-interlaced PNG."""
    d, at, idat = open(path, "rb").read(), 8, b""
    while at < len(d):
        n, kind = struct.unpack(">I4s", d[at:at + 8])
        if kind == b"IHDR":
            w, h, depth, colour, _, _, lace = struct.unpack(">IIBBBBB", d[at + 8:at + 21])
            assert (depth, colour, lace) == (1, 0, 0), "expected the 1-bit render"
        elif kind == b"IDAT":
            idat += d[at + 8:at + 8 + n]
        at += 12 + n
    rows = unfilter(zlib.decompress(idat), h, (w + 7) // 8, 1)
    return w, h, [[255 if r[x // 8] >> (7 - x % 8) & 1 else 0 for x in range(w)] for r in rows]


def raw_rows(rows):
    return b"".join(b"\0" + bytes(r) for r in rows)


def adam7(w, h, pix, bpp):
    """Interlaced raw data: the seven passes, each row filter 0."""
    out = b""
    for x0, y0, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
                           (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)):
        for y in range(y0, h, dy):
            row = [pix(x, y) for x in range(x0, w, dx)]
            if row:
                out += b"\0" + b"".join(row)
    return out


def main(out):
    w, h, g = read_1bit(os.path.join(out, "ok-stamp-1bit.png"))
    seed = [12345]

    def noise(span):
        seed[0] = (seed[0] * 1103515245 + 12345) & 0x7FFFFFFF
        return seed[0] % (2 * span + 1) - span

    def put(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    put("ok-grey8.png", png(w, h, 8, 0, raw_rows(g)))
    put("ok-rgb.png", png(w, h, 8, 2, raw_rows(
        [b"".join(bytes((v // 2 + 32, v // 2 + 64, v)) for v in r) for r in g])))
    put("ok-rgba-transparent.png", png(w, h, 8, 6, raw_rows(
        [b"".join(bytes((0, 0, 0, 255 - v)) for v in r) for r in g])))
    put("ok-grey-alpha.png", png(w, h, 8, 4, raw_rows(
        [b"".join(bytes((0, 255 - v)) for v in r) for r in g])))
    plte = chunk(b"PLTE", bytes((20, 30, 90, 250, 250, 240, 255, 0, 0)))
    put("ok-palette-trns.png", png(w, h, 8, 3, raw_rows(
        [bytes(1 if v else 0 for v in r) for r in g]), plte + chunk(b"tRNS", b"\xff\x00")))
    put("ok-rgb16.png", png(w, h, 16, 2, raw_rows(
        [b"".join(struct.pack(">HHH", v * 257, v * 257, v * 200) for v in r) for r in g])))
    put("ok-interlaced.png", png(w, h, 8, 0, adam7(w, h, lambda x, y: bytes((g[y][x],)), 1),
                                 interlace=1))
    # a photo: twice the size, blurred over 3 x 3, grey and noisy, on a grey card
    s = 2
    big = [[g[y // s][x // s] for x in range(w * s)] for y in range(h * s)]
    photo = []
    for y in range(h * s):
        row = []
        for x in range(w * s):
            acc = sum(big[min(max(y + j, 0), h * s - 1)][min(max(x + i, 0), w * s - 1)]
                      for j in (-1, 0, 1) for i in (-1, 0, 1))
            row.append(min(max(40 + acc // 9 * 170 // 255 + noise(12), 0), 255) & 0xF0)
        photo.append(row)
    put("ok-photo-like.png", png(w * s, h * s, 8, 0, raw_rows(photo)))

    put("bad-blank.png", png(64, 64, 8, 0, raw_rows([[255] * 64] * 64)))
    one = png(w, h, 8, 0, raw_rows(g))
    put("bad-truncated.png", one[:len(one) // 2])
    bad = bytearray(one)
    bad[40] ^= 0x10  # inside the IDAT: its CRC fails
    put("bad-idat-crc.png", bytes(bad))
    put("bad-side-20001.png", png(20001, 1, 1, 0, b"\0" + bytes(2501)))
    put("bad-depth-3.png", png(8, 8, 3, 0, raw_rows([[0] * 3] * 8)))
    put("bad-not-png", b"not a png at all\n")


if __name__ == "__main__":
    main(sys.argv[1])
