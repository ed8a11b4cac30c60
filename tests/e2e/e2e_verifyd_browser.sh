#!/bin/sh
# verifyd's pages in a real browser: headless Chromium at a phone's viewport
# (390x844), Vietnamese first as on a Vietnamese phone, loads the page of a
# genuine, a forged and a <script>-named stamp. The rendered DOM must carry
# the verdict and the product name (and no script element); the screenshots
# must show the verdict banner's colour, i.e. the inline style passed the
# Content-Security-Policy. Screenshots are kept in ./screenshots (the test's
# build folder) or $SCREENSHOT_DIR.
SHOTS=${SCREENSHOT_DIR:-$PWD/screenshots}
. "$(dirname "$0")/lib_verifyd.sh"
URL=https://tem.thanhhoa.gov.vn
g() { "$STAMPGEN" -q "$@"; }
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
PNG="python3 $E2E_DIR/png_pixel.py"

[ -x "$CHROMIUM" ] || { fail "no $CHROMIUM (scripts/install-deps installs chromium)"; finish; }
mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png

g keygen -o k1 >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
g product add --id XSS-1 --coop_id HTX-KHUCPHU --name 'Mắm <script>document.title="pwned"</script>' \
	--group "Thực phẩm" --stars 3 --ocop_decision 1/QĐ-UBND --ocop_date 2025-01-01 \
	--cert_valid_until 2028-01-01 >/dev/null
g issue --product NM-COT-HH --lot LOT-W --produced 2026-11-01 --count 2 --key k1.key \
	--base-url "$URL" --out w --no-images
g issue --product XSS-1 --lot LOT-X --produced 2026-11-01 --count 1 --key k1.key \
	--base-url "$URL" --out x --no-images
GEN=$(manifest_code w 1)
X3=$(manifest_code x 3)
pos=$((${#GEN} - 20))
c=$(printf '%s' "$GEN" | cut -c$pos)
[ "$c" = A ] && r=B || r=A
FORGED="$(printf '%s' "$GEN" | cut -c1-$((pos - 1)))$r$(printf '%s' "$GEN" | cut -c$((pos + 1))-)"

vd_start --registry "$WORK/store" --scans "$WORK/scans" || { fail "verifyd starts"; finish; }
ok "verifyd listens on 127.0.0.1:$VD_PORT"

# browse NAME PATH: DOM in $WORK/NAME.html, screenshot in $SHOTS/NAME.png; each
# run in a fresh profile, nothing fetched but our page.
browse() {
	for what in dom shot; do
		prof=$(mktemp -d "$WORK/chromium.XXXXXX")
		if [ $what = dom ]; then out="--dump-dom"; else out="--screenshot=$SHOTS/$1.png"; fi
		rc=0
		timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
			--no-first-run --no-default-browser-check --disable-background-networking \
			--disable-component-update --disable-sync --disable-extensions \
			--disable-default-apps --metrics-recording-only --password-store=basic \
			--user-data-dir="$prof" --lang=vi-VN --accept-lang=vi-VN,vi \
			--window-size=390,844 --hide-scrollbars $out "$BASE$2" \
			>"$WORK/$1.$what" 2>"$WORK/$1.$what.err" || rc=$?
		[ $rc -eq 0 ] || { fail "chromium ($what of $2) exit $rc"; tail -5 "$WORK/$1.$what.err"; }
	done
	mv "$WORK/$1.dom" "$WORK/$1.html"
}
dom_has() {
	if grep -Fq -- "$2" "$WORK/$1.html"; then ok "$1: DOM has '$2'"; else
		fail "$1: DOM lacks '$2'"; head -c 600 "$WORK/$1.html" | sed 's/^/     | /'; echo; fi
}
dom_lacks() {
	if grep -Fq -- "$2" "$WORK/$1.html"; then fail "$1: DOM has '$2'"; else ok "$1: DOM lacks '$2'"; fi
}
# banner NAME RRGGBB: the screenshot is 390x844 and its top-left is the colour
banner() {
	got=$($PNG "$SHOTS/$1.png" 5 5 2>&1) || got="unreadable: $got"
	[ "$got" = "390 844 $2" ] && ok "$1: 390x844 screenshot, banner #$2 (style applied)" ||
		fail "$1: screenshot '$got', expected '390 844 $2'"
}

browse genuine "/S/$GEN"
dom_has genuine "Tem chính hãng"
dom_has genuine "Nước mắm cốt Hoằng Hóa"
dom_has genuine "HTX Chế biến hải sản Khúc Phụ"
dom_has genuine '<html lang="vi">'
banner genuine 0a7d32

browse forged "/S/$FORGED"
dom_has forged "Tem giả"
dom_lacks forged "Nước mắm cốt Hoằng Hóa"
banner forged b00020

browse genuine-en "/S/$GEN?lang=en"
dom_has genuine-en "Genuine stamp"
dom_has genuine-en "Nước mắm cốt Hoằng Hóa"

browse script-name "/S/$X3"
dom_has script-name "Tem chính hãng"
dom_has script-name 'Mắm &lt;script&gt;document.title="pwned"&lt;/script&gt;'
dom_lacks script-name "<script"
dom_lacks script-name "<title>pwned"

expect_status 200 "the browser's loads were counted as scans" "/api/v1/stamps/$GEN"
n=$(json scans.requests)
[ "$n" -ge 1 ] 2>/dev/null && ok "scans.requests $n after the browser's visits" || fail "scans.requests '$n'"
vd_alive && ok "verifyd alive" || fail "verifyd died"
vd_stop TERM
[ "$VD_RC" = 0 ] && ok "SIGTERM: exit 0" || fail "SIGTERM: exit $VD_RC"
echo "screenshots: $SHOTS"
finish
