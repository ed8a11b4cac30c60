#!/bin/sh
# An officer's day in the console, in a real browser (issue #11): Debian's
# chromium driven by puppeteer-core (tests/js/console_flow.mjs) on an empty
# registry with a passphrase-less key: sign in with the printed one-time
# address, import samples/coops.csv, products.csv and events.csv through the
# upload forms (preview, then import), issue a batch from the keyboard alone,
# download its sheet PDF and its manifest, revoke its first stamp by its code
# (dry run 1, then confirm). Then, outside the browser: the store holds what
# was imported; zbarimg decodes the downloaded PDF into the manifest's codes;
# `stampgen verify` and verifyd both say the revoked code is revoked, and
# another code of the batch genuine.
. "$(dirname "$0")/lib_verifyd.sh"
. "$(dirname "$0")/lib_console.sh"
"$STAMPGEN" -q keygen -o k1 >/dev/null
console_start --key k1.key --out batches
mkdir dl
browser_run flow.out console_flow.mjs "$URL" "$SAMPLES" "$WORK/dl"
[ "$N_OK" -ge 23 ] && ok "the browser flow checked $N_OK things" || fail "the browser flow checked only $N_OK things"
CODE=$(sed -n 's/^code //p' flow.out)
[ -n "$CODE" ] || { fail "the flow gave no code"; finish; }

[ "$("$STAMPGEN" coop list | tail -n +2 | wc -l)" = 10 ] && ok "the store holds the 9 uploaded cooperatives and the one added" ||
	fail "cooperatives: $("$STAMPGEN" coop list | head -3)"
[ "$("$STAMPGEN" product list | tail -n +2 | wc -l)" = 12 ] && ok "and the 12 products" || fail "products: $("$STAMPGEN" product list | head -3)"
"$STAMPGEN" event list --product NM-COT-HH >events.out 2>&1 && [ -s events.out ] && ok "and the stages" ||
	fail "stages: $(cat events.out)"

pdftoppm -r 300 -png dl/batch-1-sheet.pdf page
zbarimg --raw -q --nodbus page*.png 2>/dev/null | sort >decoded
awk -F, 'NR > 1 { print $2 }' dl/batch-1-manifest.csv | sort >listed
[ -s decoded ] && cmp -s decoded listed && ok "zbarimg reads the downloaded sheet: the manifest's $(wc -l <listed) codes" ||
	fail "the sheet's codes ($(wc -l <decoded)) are not the manifest's ($(wc -l <listed))"
OTHER=$(sed -n 3p listed)

expect_exit 1 "stampgen verify: the revoked code" -- "$STAMPGEN" verify "$CODE"
expect_out 'REVOKED' "says revoked"
expect_exit 0 "stampgen verify: another code of the batch" -- "$STAMPGEN" verify "$OTHER"
vd_start --registry "$WORK/store" --scans "$WORK/scans" || { fail "verifyd did not start"; finish; }
fetch "/api/v1/stamps/$(b32_of "$CODE")"
json_is verdict revoked "verifyd: the code revoked in the console is revoked"
json_is revocation.reason stolen "with the reason chosen in the form"
fetch "/api/v1/stamps/$(b32_of "$OTHER")"
json_is verdict genuine "verifyd: another code of the batch is genuine"
vd_stop
finish
