#!/bin/sh
# The shopper's pages on a phone's screen (issue #8): Debian's chromium,
# driven by puppeteer-core (tests/js/page_layout.mjs, installed by
# scripts/install-deps), opens a genuine stamp's page (Vietnamese and
# English), its batch page and its product page, with the production stages'
# timeline, at 360 and 412 CSS pixels:
# no horizontal scroll, the verdict wholly in view without scrolling, the
# product photo laid out at its ratio before it loads, and no serious or
# critical axe-core violation. Screenshots in ./screenshots/layout (the
# test's build folder) or $SCREENSHOT_DIR. Also reports the bytes of the
# page and of the photo.
SHOTS=${SCREENSHOT_DIR:-$PWD/screenshots}/layout
. "$(dirname "$0")/lib_verifyd.sh"
g() { "$STAMPGEN" -q "$@"; }
mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png

g keygen -o k1 >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
g product image NM-COT-HH "$SAMPLES/photos/NM-COT-HH.jpg"
g event import "$SAMPLES/events.csv" >/dev/null # the journey's timeline is laid out too
g issue --product NM-COT-HH --lot L01 --produced 2026-11-01 --count 2 --key k1.key \
	--base-url https://tem.thanhhoa.gov.vn --out a --no-images
g event add --batch 1 --stage shipping --at "2026-11-03 14:00" --place "Chợ Đồng Xuân" \
	--province "Hà Nội" --partner "Công ty TNHH Vận tải và Thương mại Hoằng Hóa Thanh Hóa"
CODE=$(manifest_code a 1)
vd_start --registry store --scans scans || { fail "verifyd did not start"; finish; }

# each check prints its own ok/FAIL line; they are counted here
browser_run "$WORK/layout.out" page_layout.mjs "$BASE" "$SHOTS" "/S/$CODE" "/S/$CODE?lang=en" /L/1 /P/NM-COT-HH
[ "$N_OK" -ge 28 ] && ok "all 4 pages x 2 widths were checked" ||
	fail "fewer checks ran than 4 pages x 2 widths x 4 (see above)"
[ "$(ls "$SHOTS"/*.png | wc -l)" -eq 8 ] && ok "8 screenshots in $SHOTS" || fail "screenshots missing"

fetch "/S/$CODE?lang=en"
PAGE=$(wc -c <"$WORK/body")
SUM=$(sed -n 's/.*src="\/img\/\([0-9a-f]*\)\.jpg".*/\1/p' "$WORK/body")
fetch "/img/$SUM.jpg"
IMG=$(wc -c <"$WORK/body")
echo "page: $PAGE bytes; photo: $IMG bytes"
[ "$PAGE" -lt 16384 ] && ok "the page is small ($PAGE bytes)" || fail "the page is $PAGE bytes"
vd_stop
finish
