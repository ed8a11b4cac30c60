#!/bin/sh
# The officers' console in a real browser (issue #11): Debian's chromium,
# driven by puppeteer-core (tests/js/console_pages.mjs, installed by
# scripts/install-deps), signs in with the printed one-time address and
# visits every page the console links to, in Vietnamese and in English, at
# 1366×768 and 768×1024: status 200, no horizontal scroll, a label for every
# field, no serious or critical axe-core violation. The overview has its
# charts: verifyd counted scans of two stamps first (one by 25 phones). Screenshots of the
# navigation's pages in ./screenshots/console (the test's build folder) or
# $SCREENSHOT_DIR/console.
SHOTS=${SCREENSHOT_DIR:-$PWD/screenshots}/console
. "$(dirname "$0")/lib_verifyd.sh"
. "$(dirname "$0")/lib_console.sh"
g() { "$STAMPGEN" -q "$@"; }
mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png

g keygen -o k1 >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
g product image NM-COT-HH "$SAMPLES/photos/NM-COT-HH.jpg"
g event import "$SAMPLES/events.csv" >/dev/null
g issue --product NM-COT-HH --lot L01 --produced 2026-11-01 --count 7 --key k1.key \
	--base-url https://tem.thanhhoa.gov.vn --out a --no-images
g revoke --serial 6 --reason lost --note "Cuộn tem bị mất" >/dev/null
# shoppers' scans, for the overview's charts: one stamp by 25 phones (a likely copy), one by 3
vd_start --registry "$WORK/store" --scans "$WORK/scans" || { fail "verifyd did not start"; finish; }
python3 "$(dirname "$0")/scan_client.py" "$VD_PORT" "/S/$(manifest_code a 1)" phones 25 >/dev/null &&
	python3 "$(dirname "$0")/scan_client.py" "$VD_PORT" "/S/$(manifest_code a 2)" phones 3 >/dev/null &&
	ok "verifyd counted the scans of 28 phones" || fail "the scans failed"
vd_stop
console_start --scans "$WORK/scans" --key k1.key --out batches

browser_run "$WORK/pages.out" console_pages.mjs "$URL" "$SHOTS" "/issue?product=NM-COT-HH" /batches/1 \
	/products/NM-COT-HH /coops/import
[ "$N_OK" -gt 400 ] && ok "the browser run checked $N_OK things" || fail "the browser run checked only $N_OK things"
n_shots=$(ls "$SHOTS" | grep -c '\.png$' || true)
[ "$n_shots" -ge 52 ] && ok "$n_shots screenshots in $SHOTS" || fail "$n_shots screenshots"
finish
