#!/bin/sh
# verifyd end to end, as shoppers' phones and programs see it: a batch is
# issued, verifyd starts on a free loopback port, and curl checks every
# verdict (genuine, suspicious after the threshold, unknown, forged,
# malformed), the JSON fields, the language switch, which requests count as
# scans, 404, 405, HEAD, 414/431, the escaping of a product name holding
# <script>; a SIGTERM flushes the counts (seen after a restart); a SIGHUP picks
# up a batch issued while verifyd runs without dropping a kept-alive
# connection or opening the same LMDB files twice, and opens a new snapshot
# folder moved into place; a SIGHUP with the registry gone keeps the old one.
. "$(dirname "$0")/lib_verifyd.sh"
URL=https://tem.thanhhoa.gov.vn
g() { "$STAMPGEN" -q "$@"; }
XSS_NAME='Mắm <script>alert("x")</script> & tôm'

# ---- the registry ---------------------------------------------------------
g keygen -o k1 --label test >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
g product add --id XSS-1 --coop_id HTX-KHUCPHU --name "$XSS_NAME" --group "Thực phẩm" --stars 4 \
	--ocop_decision 1/QĐ-UBND --ocop_date 2025-01-01 --cert_valid_until 2028-01-01 >/dev/null
KID=$("$STAMPGEN" key list | sed -n 2p | cut -f1)
# Same registry and key in a second store (for "unknown": a good signature on
# a serial that this store never issued), and a third with another key.
cp -a store store2
cp -a store store3
g -s store3 keygen -o k2 >/dev/null
issue() { # STORE PRODUCT LOT COUNT KEY OUT
	g -s "$1" issue --product "$2" --lot "$3" --produced 2026-11-01 --count "$4" --key "$5" \
		--base-url "$URL" --out "$6" --no-images
}
issue store NM-COT-HH LOT-A 10 k1.key a # serials 1..10
issue store XSS-1 LOT-X 1 k1.key x      # serial 11
issue store2 NM-COT-HH LOT-U 60 k1.key u
issue store3 NM-COT-HH LOT-K 1 k2.key k
A() { manifest_code a "$1"; }
X11=$(manifest_code x 11)
U60=$(manifest_code u 60)
K1=$(manifest_code k 1)
[ -n "$(A 1)" ] && [ -n "$X11" ] && [ -n "$U60" ] && [ -n "$K1" ] && ok "batches issued" ||
	fail "batches not issued"
# one character of the signature part changed (as in e2e_issue.sh)
CODE6=$(A 6)
pos=$((${#CODE6} - 20))
c=$(printf '%s' "$CODE6" | cut -c$pos)
[ "$c" = A ] && r=B || r=A
FORGED="$(printf '%s' "$CODE6" | cut -c1-$((pos - 1)))$r$(printf '%s' "$CODE6" | cut -c$((pos + 1))-)"

vd_start --registry "$WORK/store" --scans "$WORK/scans" --suspicious-after 3 --access-log true ||
	{ fail "verifyd starts"; finish; }
ok "verifyd listens on 127.0.0.1:$VD_PORT"

# ---- genuine: JSON fields --------------------------------------------------
expect_status 200 "API: genuine code" "/api/v1/stamps/$(A 1)"
header_has '^content-type: application/json' "API answers application/json"
header_has '^x-content-type-options: nosniff' "API: nosniff"
header_has '^cache-control: no-store' "API: no-store"
json_is verdict genuine "JSON verdict genuine"
json_is schema 2 "JSON schema 2"
json_is code.serial 1 "JSON code.serial"
json_is code.version 1 "JSON code.version"
json_is code.key_id "$KID" "JSON code.key_id is the key's id"
json_is signature_valid true "JSON signature_valid true"
json_is product.id NM-COT-HH "JSON product.id"
json_is product.name "Nước mắm cốt Hoằng Hóa" "JSON product.name (NFC UTF-8)"
json_is product.ocop_stars 4 "JSON product.ocop_stars"
json_is product.ocop_decision "1520/QĐ-UBND" "JSON product.ocop_decision"
json_is product.ocop_decision_date 2025-05-12 "JSON product.ocop_decision_date"
json_is product.certificate_valid_until 2028-05-12 "JSON product.certificate_valid_until"
json_is product.gtin 8936005120011 "JSON product.gtin"
json_is producer.id HTX-KHUCPHU "JSON producer.id"
json_is producer.name "HTX Chế biến hải sản Khúc Phụ" "JSON producer.name"
json_is producer.province "Thanh Hóa" "JSON producer.province"
json_is batch.lot LOT-A "JSON batch.lot"
json_is batch.produced 2026-11-01 "JSON batch.produced"
json_is batch.expiry 2028-10-31 "JSON batch.expiry (production date + 730 days)"
json_is scans.requests 0 "JSON scans.requests 0 before any scan (the API does not count)"
json_is scans.scanners 0 "JSON scans.scanners 0 before any scan"
json_is scans.first null "JSON scans.first null before any scan"
json_is scans.suspicious_after 3 "JSON scans.suspicious_after"

# ---- genuine: the page -----------------------------------------------------
expect_status 200 "page: genuine code" "/S/$(A 1)"
header_has '^content-type: text/html; charset=utf-8' "page is UTF-8 HTML"
header_has "^content-security-policy: default-src 'none'" "page has a strict CSP"
header_has '^content-language: vi' "page: Content-Language vi by default"
body_has "Tem chính hãng" "page: verdict 'Tem chính hãng'"
body_has "Nước mắm cốt Hoằng Hóa" "page: product name"
body_has "HTX Chế biến hải sản Khúc Phụ" "page: producer"
body_has 'lang="vi"' "page: html lang=vi"
body_has "Đã được 1 điện thoại quét (1 lượt quét được tính)" "page: first scan counted"
body_has "Tem này được quét lần đầu lúc" "page: says when the stamp was first scanned"
header_has '^set-cookie: ocs=[0-9a-f]{32}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax' \
	"page gives the phone a scanner cookie (HttpOnly, SameSite=Lax, no Secure without TLS)"
body_lacks "<script" "page: no script element"
expect_status 200 "API after one page view" "/api/v1/stamps/$(A 1)"
json_is scans.requests 1 "JSON scans.requests 1 after one page GET"
json_is scans.counted 1 "JSON scans.counted 1"
json_is scans.scanners 1 "JSON scans.scanners 1"
json_is scans.days 1 "JSON scans.days 1"
first=$(json scans.first)
echo "$first" | grep -Eq '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\+07:00$' &&
	ok "JSON scans.first is ISO 8601 in Vietnam time ($first)" || fail "scans.first: '$first'"

# ---- one stamp, one counter: letter case of prefix and code ---------------
A5=$(A 5)
A5L=$(printf '%s' "$A5" | tr 'A-Z' 'a-z')
expect_status 200 "page: upper-case code" "/S/$A5"
expect_status 200 "page: lower-case code" "/S/$A5L"
body_has "Tem chính hãng" "lower-case code is genuine"
expect_status 200 "page: lower-case /s/ prefix" "/s/$A5"
body_has "Tem chính hãng" "/s/ prefix is genuine"
expect_status 200 "API: lower-case code" "/api/v1/stamps/$A5L"
json_is scans.requests 3 "all spellings count on the one counter (3)"
json_is scans.scanners 1 "... and they are one scanner"

# ---- suspicious after the threshold (3 distinct scanners) ------------------
# Each phone its own loopback address: one machine scanning often is one
# scanner (tests/e2e/e2e_scan_counting.sh has the abuse cases).
A2=$(A 2)
for i in 1 2 3 4 5 6; do fetch "/S/$A2"; done
for i in 12 13; do fetch "/S/$A2" --interface "127.0.0.$i" -A "phone $i"; done
expect_status 200 "API: after 3 phones (this machine and two more)" "/api/v1/stamps/$A2"
json_is verdict genuine "3 phones (= threshold): still genuine"
json_is scans.scanners 3 "3 distinct scanners"
expect_status 200 "page: 4th phone" "/S/$A2" --interface 127.0.0.14 -A "phone 14"
body_has "Cảnh báo: tem có thể bị sao chép" "4th phone: page warns of a copy"
body_has "4 điện thoại khác nhau" "4th phone: page gives the number of phones"
expect_status 200 "API: after 4 phones" "/api/v1/stamps/$A2"
json_is verdict suspicious "JSON verdict suspicious after the threshold"
json_is signature_valid true "suspicious: signature still valid"
json_is scans.scanners 4 "JSON scans.scanners 4"
json_is scans.requests 9 "JSON scans.requests 9 (6 + 2 + 1)"
expect_status 200 "page in English: suspicious" "/S/$A2?lang=en"
body_has "Warning: this stamp may be a copy" "English page warns of a copy"

# ---- what counts as a scan -------------------------------------------------
A3=$(A 3)
fetch "/api/v1/stamps/$A3"
fetch "/api/v1/stamps/$A3"
fetch "/S/$A3" -I
fetch "/S/$A3" -I
fetch "/S/$A3?lang=en"
fetch "/S/$A3?lang=vi"
fetch "/S/$A3" -X POST
expect_status 200 "API: after API, HEAD, ?lang= and POST requests" "/api/v1/stamps/$A3"
json_is scans.requests 0 "API, HEAD, ?lang= and POST do not count"
fetch "/S/$A3"
expect_status 200 "API: after one page GET" "/api/v1/stamps/$A3"
json_is scans.requests 1 "a GET of the page URL counts"

# ---- Accept: application/json on the page URL ------------------------------
A4=$(A 4)
expect_status 200 "page URL with Accept: application/json" "/S/$A4" -H "Accept: application/json"
header_has '^content-type: application/json' "content negotiation gives JSON"
header_has '^vary: .*accept' "negotiated answer says Vary: Accept"
json_is verdict genuine "negotiated JSON verdict genuine"
expect_status 200 "browser Accept header" "/S/$A4" \
	-H "Accept: text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8"
header_has '^content-type: text/html' "a browser's Accept header gets HTML"

# ---- unknown, forged, unknown key, malformed -------------------------------
expect_status 200 "API: good signature, serial never issued here" "/api/v1/stamps/$U60"
json_is verdict unknown "JSON verdict unknown"
json_is signature_valid true "unknown: signature valid"
json_is code.serial 60 "unknown: serial 60"
json_is product MISSING "unknown: no product details"
expect_status 200 "page: unknown" "/S/$U60"
body_has "Không tìm thấy tem" "page: 'Không tìm thấy tem'"
expect_status 200 "API: one character changed" "/api/v1/stamps/$FORGED"
json_is verdict forged "JSON verdict forged"
json_is signature_valid false "forged: signature invalid"
json_is product MISSING "forged: no product details"
expect_status 200 "page: forged" "/S/$FORGED"
body_has "Tem giả" "page: 'Tem giả'"
body_lacks "Nước mắm" "forged page names no product"
expect_status 200 "API: code of a key not in the registry" "/api/v1/stamps/$K1"
json_is verdict forged "unknown key: JSON verdict forged"
json_is signature_valid false "unknown key: signature not valid"
expect_status 400 "page: malformed code" "/S/NOTACODE"
body_has "Mã không hợp lệ" "page: 'Mã không hợp lệ'"
expect_status 400 "API: malformed code" "/api/v1/stamps/NOTACODE"
json_is verdict malformed "JSON verdict malformed"
json_is code MISSING "malformed: no code object"
expect_status 400 "API: empty code" "/api/v1/stamps/"
expect_status 400 "page: code with one character too many" "/S/$(A 1)A"

# ---- the language switch ---------------------------------------------------
A7=$(A 7)
expect_status 200 "?lang=en" "/S/$A7?lang=en"
body_has "Genuine stamp" "English verdict 'Genuine stamp'"
body_has 'lang="en"' "html lang=en"
body_has 'href="?lang=vi"' "English page links to Vietnamese"
header_has '^content-language: en' "Content-Language en"
expect_status 200 "Accept-Language: en-US" "/S/$A7?x=1" -H "Accept-Language: en-US,en;q=0.9"
body_has "Genuine stamp" "Accept-Language en-US gives English"
expect_status 200 "Accept-Language: en preferred by q" "/S/$A7?x=1" -H "Accept-Language: vi;q=0.4, en;q=0.8"
body_has "Genuine stamp" "higher q for en gives English"
expect_status 200 "Accept-Language: fr, vi, en" "/S/$A7?x=1" -H "Accept-Language: fr-FR, vi;q=0.2, en;q=0.1"
body_has "Tem chính hãng" "higher q for vi gives Vietnamese"
expect_status 200 "?lang=vi beats Accept-Language en" "/S/$A7?lang=vi" -H "Accept-Language: en"
body_has "Tem chính hãng" "?lang=vi gives Vietnamese"
body_has 'href="?lang=en"' "Vietnamese page links to English"
expect_status 200 "?lang=xx" "/S/$A7?lang=xx"
body_has "Tem chính hãng" "unknown language falls back to Vietnamese"
expect_status 200 "English landing page" "/" -H "Accept-Language: en"
body_has "Scan the QR code" "landing page in English"

# ---- a product name holding <script> ---------------------------------------
expect_status 200 "page of the <script> product" "/S/$X11"
body_has "Mắm &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; tôm" "product name is HTML-escaped"
body_lacks "<script" "no <script> reaches the page"
expect_status 200 "API of the <script> product" "/api/v1/stamps/$X11"
json_is product.name "$XSS_NAME" "JSON carries the name exactly"
header_has '^x-content-type-options: nosniff' "JSON is not sniffed as HTML"

# ---- HEAD ------------------------------------------------------------------
fetch "/S/$A7?lang=vi"
glen=$(wc -c <"$WORK/body")
expect_status 200 "HEAD of a page" "/S/$A7?lang=vi" -I
hlen=$(tr -d '\r' <"$WORK/hdr" | sed -n 's/^[Cc]ontent-[Ll]ength: *//p')
[ "$hlen" = "$glen" ] && ok "HEAD Content-Length $hlen = GET body length" ||
	fail "HEAD Content-Length '$hlen', GET body $glen bytes"
got=$($RAW send "$VD_PORT" "b'HEAD /S/$A7?lang=vi HTTP/1.1\\r\\nHost: t\\r\\nConnection: close\\r\\n\\r\\n'" \
	--body-bytes)
[ "$got" = "200 0" ] && ok "HEAD sends no body" || fail "HEAD: '$got' (status, body bytes)"
expect_status 200 "HEAD of the API" "/api/v1/stamps/$A7" -I
header_has '^content-type: application/json' "HEAD of the API: JSON type"
expect_status 200 "HEAD /healthz" /healthz -I
expect_status 404 "HEAD of an unknown path" /nope -I

# ---- 404 -------------------------------------------------------------------
for p in /nope /S /api/v1/stamps "/API/v1/stamps/$(A 1)" /healthz/ /favicon.ico /index.html \
	/api/v1 "/api/v2/stamps/$(A 1)"; do
	expect_status 404 "GET $p" "$p"
done
fetch /nope
body_has "Không tìm thấy trang này" "404 page in Vietnamese"
header_has '^content-type: text/html' "404 is an HTML page"

# ---- 405 -------------------------------------------------------------------
for m in POST PUT DELETE PATCH OPTIONS TRACE PROPFIND; do
	expect_status 405 "$m on a stamp" "/S/$(A 8)" -X "$m"
	header_has '^allow: GET, HEAD' "$m: Allow: GET, HEAD"
done
expect_status 405 "POST with a body to the API" "/api/v1/stamps/$(A 8)" --data-binary 'x=1'
expect_status 405 "DELETE /" / -X DELETE
expect_status 200 "API: the 405s did not count" "/api/v1/stamps/$(A 8)"
json_is scans.requests 0 "405s leave the counter alone"

# ---- 414, 431 --------------------------------------------------------------
long=$(printf '%0600d' 0 | tr 0 A)
expect_status 414 "URL path of 603 bytes" "/S/$long"
huge=$(printf '%020000d' 0 | tr 0 A)
fetch "/S/$huge"
case $STATUS in 414 | 431) ok "URL of 20 kB: $STATUS" ;; *) fail "URL of 20 kB: $STATUS" ;; esac
expect_status 431 "header of 20 kB" / -H "X-Big: $huge"
hdrs=""
i=0
while [ $i -lt 400 ]; do hdrs="$hdrs -H X-H$i:abcdefghijklmnopqrstuvwxyz0123456789"; i=$((i + 1)); done
# shellcheck disable=SC2086
expect_status 431 "400 headers" / $hdrs

# ---- /healthz, /metrics, / -------------------------------------------------
expect_status 200 "/healthz" /healthz
body_has "ok" "/healthz says ok"
expect_status 200 "landing page" /
body_has "Quét mã QR" "landing page in Vietnamese"
expect_status 200 "/metrics" /metrics
for v in genuine suspicious unknown forged malformed; do
	n=$(sed -n "s/^verifyd_verdicts_total{verdict=\"$v\"} //p" "$WORK/body")
	[ "${n:-0}" -gt 0 ] && ok "/metrics counts $v verdicts ($n)" || fail "/metrics: $v is '${n:-}'"
done
body_has 'verifyd_requests_total{status="4xx"}' "/metrics counts statuses"
grep -q '^verifyd_requests_total{status="5xx"} 0$' "$WORK/body" && ok "no 5xx answered" ||
	fail "5xx answered: $(grep 5xx "$WORK/body")"

# ---- SIGTERM flushes the counts --------------------------------------------
A9=$(A 9)
fetch "/S/$A9"
fetch "/S/$A9"
vd_stop TERM # at once: within the writer's one-second period
[ "$VD_RC" = 0 ] && ok "SIGTERM: exit 0" || fail "SIGTERM: exit $VD_RC"
grep -q "stopped; scan counts written" "$VD_LOG" && ok "SIGTERM: log says counts written" ||
	fail "SIGTERM: no 'counts written' in the log"
vd_start --registry "$WORK/store" --scans "$WORK/scans" --suspicious-after 3 ||
	{ fail "verifyd restarts"; finish; }
expect_status 200 "after restart: stamp scanned twice before SIGTERM" "/api/v1/stamps/$A9"
json_is scans.requests 2 "after restart: both scans kept"
expect_status 200 "after restart: the suspicious stamp" "/api/v1/stamps/$A2"
json_is verdict suspicious "after restart: still suspicious"
json_is scans.scanners 4 "after restart: 4 scanners kept"

# ---- SIGHUP: a batch issued while verifyd runs; a kept-alive connection -----
issue store NM-KP-30 LOT-B 3 k1.key b # serials 12..14, written while verifyd runs
B12=$(manifest_code b 12)
[ -n "$B12" ] && ok "batch issued while verifyd runs (stampgen and verifyd share the LMDB)" ||
	fail "batch not issued while verifyd runs"
# hup LOGTEXT: SIGHUP, then wait (bounded) for LOGTEXT in the log
hup() {
	kill -HUP "$VD_PID"
	i=0
	while ! grep -Fq "$1" "$VD_LOG" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	grep -Fq "$1" "$VD_LOG"
}
# the keep-alive helper asks for the first code, waits for ./go, then asks for
# the second on the same connection
$RAW keepalive "$VD_PORT" "/api/v1/stamps/$(A 1)" "$WORK/go" "/api/v1/stamps/$B12" >ka.out 2>&1 &
ka=$!
i=0
while ! grep -q '^1 ' ka.out 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -q '^1 200' ka.out && ok "keep-alive connection open before SIGHUP" || fail "keep-alive: $(cat ka.out)"
hup "generation 1" && ok "SIGHUP handled (generation 1)" || fail "SIGHUP: nothing in the log"
grep -q "registry files unchanged, kept open" "$VD_LOG" &&
	ok "SIGHUP on the same files does not open the environment twice" ||
	fail "SIGHUP on the same files opened them again"
touch go
i=0
while kill -0 "$ka" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill "$ka" 2>/dev/null || true
karc=0
wait "$ka" || karc=$?
[ $karc -eq 0 ] && ok "the connection opened before SIGHUP still serves after it" ||
	{ fail "kept-alive connection across SIGHUP (exit $karc)"; sed 's/^/     | /' ka.out; }
grep -q '^2 200 .*"verdict":"genuine"' ka.out && ok "new batch genuine on the kept connection" ||
	{ fail "new batch on the kept connection"; sed 's/^/     | /' ka.out; }
expect_status 200 "new batch after SIGHUP" "/api/v1/stamps/$B12"
json_is verdict genuine "new batch: verdict genuine"
json_is batch.lot LOT-B "new batch: its lot"
expect_status 200 "new batch's page after SIGHUP" "/S/$B12"
body_has "Nước mắm Khúc Phụ 30 độ đạm" "new batch's page names its product"
expect_status 200 "old batch after SIGHUP" "/api/v1/stamps/$(A 1)"
json_is verdict genuine "old batch still genuine"
json_is scans.requests 1 "old batch's count survives SIGHUP"
# LMDB's locks are per process: had verifyd opened the files a second time,
# closing the first copy would drop its lock and its readers would vanish
# from the table that stampgen's writers consult.
for i in 1 2 3 4 5 6; do fetch "/api/v1/stamps/$(A 1)"; done
mdb_stat -r store >readers.txt 2>&1 || true
grep -Eq "^ *$VD_PID " readers.txt && ok "verifyd's readers still registered after SIGHUP" ||
	{ fail "verifyd's readers gone from the reader table after SIGHUP"; sed 's/^/     | /' readers.txt; }

# A new snapshot moved into place: SIGHUP opens it.
mkdir snap
mdb_copy store snap
issue snap NM-KP-30 LOT-C 2 k1.key c # serials 15..16, only in the snapshot
C15=$(manifest_code c 15)
expect_status 200 "before the snapshot is in place" "/api/v1/stamps/$C15"
json_is verdict unknown "snapshot's batch unknown before SIGHUP"
mv store store.old
mv snap store
hup "registry reopened (generation 2)" && ok "SIGHUP opens a new snapshot folder" ||
	{ fail "SIGHUP did not reopen the new snapshot"; tail -5 "$VD_LOG"; }
expect_status 200 "snapshot's batch after SIGHUP" "/api/v1/stamps/$C15"
json_is verdict genuine "snapshot's batch genuine after SIGHUP"
expect_status 200 "earlier batch in the snapshot" "/api/v1/stamps/$B12"
json_is verdict genuine "earlier batch genuine in the snapshot"
for i in 1 2 3 4 5 6; do fetch "/api/v1/stamps/$C15"; done
mdb_stat -r store >readers.txt 2>&1 || true
grep -Eq "^ *$VD_PID " readers.txt && ok "verifyd reads the new snapshot" ||
	{ fail "verifyd not among the new snapshot's readers"; sed 's/^/     | /' readers.txt; }

# SIGHUP while the registry is missing: the old one stays in use.
mv store store.away
kill -HUP "$VD_PID"
i=0
while ! grep -q "reload failed" "$VD_LOG" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "reload failed; still answering" "$VD_LOG" && ok "SIGHUP without a registry: reload refused" ||
	fail "SIGHUP without a registry: no 'reload failed' in the log"
expect_status 200 "registry gone: still answers" "/api/v1/stamps/$B12"
json_is verdict genuine "registry gone: still genuine from the registry opened before"
mv store.away store

# A data.mdb renamed in beside the lock file verifyd uses: opening it with the
# same lock file would break LMDB's locking, so the reload is refused.
mkdir snap2
mdb_copy -c store snap2
mv snap2/data.mdb store/data.mdb
kill -HUP "$VD_PID"
i=0
while ! grep -q "reload refused" "$VD_LOG" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "reload refused: data.mdb was replaced beside a lock file in use" "$VD_LOG" &&
	ok "data.mdb swapped beside a live lock file: reload refused" ||
	fail "data.mdb swapped beside a live lock file: no refusal in the log"
expect_status 200 "after a refused reload: still answers" "/api/v1/stamps/$B12"
json_is verdict genuine "after a refused reload: still genuine"
vd_alive && ok "verifyd alive after the signals" || fail "verifyd died"

vd_stop INT
[ "$VD_RC" = 0 ] && ok "SIGINT: exit 0" || fail "SIGINT: exit $VD_RC"

# ---- scan counts that cannot be written: /healthz says so -------------------
# A compacted copy of the scans store and a file size limit at its size: every
# commit needs a page past the limit and fails (EFBIG), as on a full disk.
mkdir scans-full
mdb_copy -c scans scans-full
limit=$(($(wc -c <scans-full/data.mdb) / 1024))
# LMDB sizes lock.mdb at open (64 bytes a reader slot: 33 KiB for
# STAMP_ENV_READERS); made beforehand, it needs no room under the limit
truncate -s 64K scans-full/lock.mdb
[ "$limit" -ge 16 ] || limit=16
printf '#!/bin/sh\ntrap "" XFSZ\nulimit -f %s\nexec "%s" "$@"\n' "$limit" "$VERIFYD" >vd-full.sh
chmod +x vd-full.sh
REAL_VERIFYD=$VERIFYD
VERIFYD=$WORK/vd-full.sh
vd_start --registry "$WORK/store" --scans "$WORK/scans-full" || { fail "verifyd starts"; finish; }
VERIFYD=$REAL_VERIFYD
fetch "/S/$(A 3)"
i=0
while ! grep -q "writing scan counts failed" "$VD_LOG" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "writing scan counts failed" "$VD_LOG" && ok "scans store full: the flush fails" ||
	fail "scans store full: no failed flush in the log"
i=0
while fetch /healthz && [ "$STATUS" = 200 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ "$STATUS" = 503 ] && ok "scan counts unwritten for 5 s: /healthz 503" ||
	fail "scan counts failing for 10 s: /healthz still $STATUS"
body_has "scan writer stalled" "/healthz says why"
vd_stop TERM
[ "$VD_RC" = 1 ] && ok "final flush failed: exit 1" || fail "final flush failed: exit $VD_RC"
finish
