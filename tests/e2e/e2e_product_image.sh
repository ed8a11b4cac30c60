#!/bin/sh
# Product photos, end to end (issue #8): a phone photo (3000 x 2000 JPEG made
# by cjpeg, with EXIF GPS position, make, comment and orientation "rotate 90"
# set by exiftool) becomes a 683 x 1024 upright JPEG in which exiftool finds
# no metadata at all; PNG with transparency (laid on white) and WebP (cwebp)
# are taken too; broken, oversized and foreign files, and an unknown product,
# are refused with the file named and the store as it was; the change is in
# the audit log. verifyd then serves the photo at /img/<sha256>.jpg (immutable
# for a year, ETag, 304), the page shows it with width and height, lazily,
# allowed by the CSP (img-src 'self'), and the JSON lists it.
. "$(dirname "$0")/lib_verifyd.sh"
PY=python3
g() { "$STAMPGEN" -q "$@"; }
for t in cjpeg djpeg cwebp exiftool; do
	command -v $t >/dev/null || { fail "$t is not installed (scripts/install-deps)"; finish; }
done

g keygen -o k1 >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
g issue --product NM-COT-HH --lot L1 --produced 2026-11-01 --count 2 --key k1.key \
	--base-url https://tem.thanhhoa.gov.vn --out a --no-images >/dev/null
$PY "$STAMP_SOURCE_DIR/tests/e2e/mkimages.py" "$WORK"
cjpeg -quality 90 phone.ppm >phone.jpg
exiftool -q -overwrite_original -n -Orientation=6 -GPSLatitude=19.8076 -GPSLatitudeRef=N \
	-GPSLongitude=105.7852 -GPSLongitudeRef=E -Make=TestPhone -Comment="nhà của chị Lan" phone.jpg
[ "$(exiftool -s3 -n -Orientation -Make phone.jpg | xargs)" = "6 TestPhone" ] &&
	exiftool -s3 -GPSLatitude phone.jpg | grep -q 19 && ok "the test photo carries GPS, make, orientation" ||
	fail "exiftool did not tag the test photo"

# ---- refused, and the store unchanged --------------------------------------------
dump_store before.dump
head -c 20000 phone.jpg >cut.jpg
echo "not a photo" >text.jpg
: >empty.png
head -c 9000000 /dev/zero | tr '\0' 'x' >big.jpg
refuse() { # FILE PATTERN DESCRIPTION [PRODUCT]
	expect_exit 1 "$3 is refused" -- "$STAMPGEN" product image "${4:-NM-COT-HH}" "$1"
	expect_out "$2" "$3: the message says why"
}
refuse cut.jpg 'cut.jpg: not a JPEG libjpeg can read' "a truncated JPEG"
refuse text.jpg 'text.jpg: not a JPEG, PNG or WebP file' "a text file named .jpg"
refuse empty.png 'empty.png: not a JPEG, PNG or WebP file' "an empty file"
refuse huge-ihdr.png 'huge-ihdr.png: the photo is 5000x5000 pixels; at most 4000' "a PNG claiming 5000 px"
refuse big.jpg 'big.jpg: 8388609 bytes; a photo may have at most 8388608' "a 9 MB file"
refuse phone.jpg 'NOPE' "a photo for an unknown product" NOPE
dump_store after.dump
cmp -s before.dump after.dump && ok "the store is as it was" || fail "a refused photo changed the store"
expect_exit 0 "a 4000 x 4000 PNG (64 MB decoded) within the bounds" -- "$STAMPGEN" product image \
	NM-KP-30 bomb.png

# ---- a phone photo ------------------------------------------------------------
expect_exit 0 "the phone photo is taken" -- "$STAMPGEN" product image NM-COT-HH phone.jpg
expect_out 'photo 683x1024, [0-9]+ bytes \(from [0-9]+\), sha256 [0-9a-f]{64}' "turned upright and scaled to 1024"
SUM=$(sed -n 's/.*sha256 \([0-9a-f]*\)$/\1/p' "$WORK/out")
expect_exit 0 "the kept JPEG written out" -- "$STAMPGEN" product image NM-COT-HH --out kept.jpg
[ "$(sha256sum kept.jpg | cut -d' ' -f1)" = "$SUM" ] && ok "its SHA-256 is its name" || fail "hash differs"
META=$(exiftool -a -G1 -s kept.jpg | grep -Ev '^\[(ExifTool|System|File|JFIF|Composite)\]' || true)
[ -z "$META" ] && ok "exiftool finds no metadata in it (no EXIF, GPS, comment)" ||
	{ fail "metadata left:"; echo "$META" | sed 's/^/     | /'; }
grep -aq -e 'Exif' -e 'TestPhone' -e 'GPS' kept.jpg && fail "EXIF bytes in the kept JPEG" ||
	ok "no EXIF bytes in it"
[ "$(exiftool -s3 -ImageWidth -ImageHeight kept.jpg | xargs)" = "683 1024" ] && ok "683 x 1024" ||
	fail "size $(exiftool -s3 -ImageSize kept.jpg)"
djpeg -pnm kept.jpg >kept.ppm
CORNERS=$($PY -c '
import sys
d = open(sys.argv[1], "rb").read()
magic, dims, maxv, px = d.split(b"\n", 3)
w, h = map(int, dims.split())
def red(x, y):
    r, g, b = px[(y * w + x) * 3:(y * w + x) * 3 + 3]
    return r > 200 and g < 60 and b < 60
print(red(w - 20, 20), red(20, 20), red(w - 20, h - 20))' kept.ppm)
[ "$CORNERS" = "True False False" ] && ok "the red corner is top-right: rotated 90 degrees as EXIF said" ||
	fail "red corner (top-right, top-left, bottom-right): $CORNERS"
expect_exit 0 "the audit log names it" -- "$STAMPGEN" audit list
expect_out "product NM-COT-HH photo set: 683x1024" "audit entry"

# ---- PNG with transparency, and WebP -------------------------------------------------
expect_exit 0 "a PNG with transparency" -- "$STAMPGEN" product image MAMTEP-HL alpha.png
expect_out 'photo 300x200' "kept at its own size"
g product image MAMTEP-HL --out alpha.jpg
djpeg -pnm alpha.jpg >alpha.ppm
LEFT=$($PY -c '
import sys
d = open(sys.argv[1], "rb").read()
magic, dims, maxv, px = d.split(b"\n", 3)
w, h = map(int, dims.split())
print(min(px[(100 * w + 20) * 3:(100 * w + 20) * 3 + 3]) > 240, px[(100 * w + 280) * 3 + 2] > 180)' alpha.ppm)
[ "$LEFT" = "True True" ] && ok "transparent is white, opaque stays blue" || fail "alpha: $LEFT"
cwebp -quiet -q 80 alpha.png -o alpha.webp
expect_exit 0 "a WebP photo" -- "$STAMPGEN" product image MAMTEP-HL alpha.webp
expect_out 'photo 300x200' "WebP decoded"
expect_exit 0 "a photo removed" -- "$STAMPGEN" product image NM-KP-30 --remove
expect_exit 1 "removing a photo that is not there" -- "$STAMPGEN" product image NM-KP-30 --remove
expect_out 'has no photo' "says so"

# ---- verifyd serves it ----------------------------------------------------------------
vd_start --registry store --scans scans || { fail "verifyd did not start"; finish; }
CODE=$(manifest_code a 1)
expect_status 200 "the page" "/S/$CODE"
body_has "<img class=\"photo\" src=\"/img/$SUM.jpg\" width=\"683\" height=\"1024\" loading=\"lazy\"" \
	"the photo on the page, with its size, lazily"
header_has "^Content-Security-Policy: .*img-src 'self'" "the CSP allows our own images only"
expect_status 200 "the photo" "/img/$SUM.jpg"
header_has '^Content-Type: image/jpeg' "as image/jpeg"
header_has '^Cache-Control: public, max-age=31536000, immutable' "cached for a year, immutable"
header_has "^ETag: \"$SUM\"" "its hash is its ETag"
cmp -s "$WORK/body" kept.jpg && ok "the bytes stampgen kept" || fail "served bytes differ"
expect_status 304 "If-None-Match: not modified" "/img/$SUM.jpg" -H "If-None-Match: \"$SUM\""
expect_status 404 "an unknown photo" "/img/0000000000000000000000000000000000000000000000000000000000000000.jpg"
expect_status 404 "a name that is no hash" "/img/../../etc/passwd"
expect_status 200 "the JSON" "/api/v1/stamps/$CODE"
json_is product.images "[{\"url\": \"/img/$SUM.jpg\", \"type\": \"image/jpeg\", \"width\": 683, \"height\": 1024, \"bytes\": $(wc -c <kept.jpg), \"sha256\": \"$SUM\"}]" \
	"the JSON lists the photo"
PAGE=$(wc -c <"$WORK/body")
vd_stop
finish
