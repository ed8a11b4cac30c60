"""mkimages.py DIR: the test photos of e2e_product_image.sh, made from pixels
here and by the real encoders (cjpeg, cwebp) and exiftool, as a phone would
give them:
  phone.ppm       3000 x 2000, a red square in the top-left corner
  phone.jpg       (made by the script from phone.ppm with cjpeg + exiftool)
  alpha.png       300 x 200 RGBA: the left half transparent, the right blue
  huge-ihdr.png   a PNG whose header claims 5000 x 5000 pixels
  bomb.png        a valid 4000 x 4000 grey PNG of a few KB (decodes to 64 MB)
"""
import os
import struct
import sys
import zlib


def chunk(kind, data):
    c = struct.pack(">I", len(data)) + kind + data
    return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(path, w, h, color_type, rows):
    bpp = {0: 1, 2: 3, 6: 4}[color_type]
    raw = b"".join(b"\0" + r for r in rows)
    assert all(len(r) == w * bpp for r in rows)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


d = sys.argv[1]
W, H = 3000, 2000
rows = bytearray()
for y in range(H):
    for x in range(W):
        rows += bytes((230, 20, 20)) if x < 300 and y < 300 else bytes(((x * 255) // W, (y * 255) // H, 128))
with open(os.path.join(d, "phone.ppm"), "wb") as f:
    f.write(b"P6\n%d %d\n255\n" % (W, H) + rows)

png(os.path.join(d, "alpha.png"), 300, 200, 6,
    [b"".join(bytes((0, 0, 0, 0)) if x < 150 else bytes((20, 40, 220, 255)) for x in range(300))
     for _ in range(200)])
# a header claiming 5000 x 5000, with a tiny image body: refused before decoding
with open(os.path.join(d, "huge-ihdr.png"), "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n")
    f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", 5000, 5000, 8, 0, 0, 0, 0)))
    f.write(chunk(b"IDAT", zlib.compress(b"\0" * 100)))
    f.write(chunk(b"IEND", b""))
png(os.path.join(d, "bomb.png"), 4000, 4000, 0, [bytes(4000)] * 4000)
