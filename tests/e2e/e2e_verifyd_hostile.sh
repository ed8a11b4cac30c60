#!/bin/sh
# verifyd against hostile input: malformed and abusive requests (bad base32,
# truncated and over-long codes, NUL and percent-encoded bytes, "..", huge and
# many headers, bad methods and versions, raw garbage, slow senders, stalled
# requests, a connection flood). Each gets a 4xx or a closed connection, never
# a 2xx for garbage, never a 5xx, never a crash; afterwards verifyd still
# gives correct answers. --timeout 2 so that stalled senders are cut quickly.
. "$(dirname "$0")/lib_verifyd.sh"
URL=https://tem.thanhhoa.gov.vn
g() { "$STAMPGEN" -q "$@"; }

g keygen -o k1 >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
g issue --product NM-COT-HH --lot LOT-H --produced 2026-11-01 --count 3 --key k1.key \
	--base-url "$URL" --out h --no-images
C=$(manifest_code h 1)
[ ${#C} -eq 119 ] && ok "a 119-character code" || fail "code '$C'"
vd_start --registry "$WORK/store" --scans "$WORK/scans" --timeout 2 --access-log true ||
	{ fail "verifyd starts"; finish; }
ok "verifyd listens on 127.0.0.1:$VD_PORT"
CASES=0

# rejected WHAT GOT: GOT (a status or "closed") must be a 4xx or a closed connection
rejected() {
	CASES=$((CASES + 1))
	case $2 in
	4??) ok "hostile: $1 -> $2" ;;
	closed | 000) ok "hostile: $1 -> connection closed" ;;
	*) fail "hostile: $1 -> $2 (expected a 4xx or a closed connection)" ;;
	esac
}
# via curl: hostile_url WHAT PATH [CURL ARGS...]
hostile_url() {
	what=$1
	shift
	fetch "$@"
	rejected "$what" "$STATUS"
}
# raw bytes: hostile_raw WHAT EXPR [http_raw.py options]
hostile_raw() {
	what=$1
	shift
	got=$($RAW send "$VD_PORT" "$@" 2>&1) || got="helper failed: $got"
	rejected "$what" "$got"
}
H='Host: t\r\n'
req() { printf "b'GET %s HTTP/1.1\\\\r\\\\n%s\\\\r\\\\n'" "$1" "$H"; }

# ---- codes that are not codes (curl) ----------------------------------------
first=$(printf '%s' "$C" | cut -c1)
rest=$(printf '%s' "$C" | cut -c2-)
hostile_url "empty code" "/S/"
hostile_url "empty API code" "/api/v1/stamps/"
hostile_url "word instead of a code" "/S/NOTACODE"
for bad in 0 1 8 9 = - _ . '~'; do
	hostile_url "non-base32 '$bad' in the code" "/S/$bad$rest"
done
hostile_url "truncated by one character" "/S/$(printf '%s' "$C" | cut -c1-118)"
hostile_url "truncated to half" "/S/$(printf '%s' "$C" | cut -c1-60)"
hostile_url "one character too many" "/S/${C}A"
hostile_url "code twice" "/S/$C$C"
hostile_url "padding '=' appended" "/S/$C="
hostile_url "trailing slash" "/S/$C/"
hostile_url "extra path segment" "/S/$C/extra"
hostile_url "percent-encoded first letter" "/S/%$(printf '%s' "$first" | od -An -tx1 | tr -d ' ')$rest"
hostile_url "whole code percent-encoded" "/S/$(printf '%s' "$C" | od -An -tx1 -v | tr -d ' \n' | sed 's/../%&/g')"
hostile_url "%00 in the code" "/S/%00$rest"
hostile_url "%00 after the code" "/S/$C%00"
hostile_url "encoded space after the code" "/S/$C%20"
hostile_url "'..' after the prefix" "/S/../../../etc/passwd"
hostile_url "encoded '..'" "/S/..%2f..%2f..%2fetc%2fpasswd"
hostile_url "'..' at the root" "/../../etc/passwd"
hostile_url "'..' in the API" "/api/v1/stamps/../../../../etc/passwd"
hostile_url "'..' then a code" "/S/../S/$C"
hostile_url "UTF-8 in the code" "/S/Tém$rest"
hostile_url "full code URL inside the path" "/S/$URL/S/$C"
hostile_url "URL path of 600 bytes" "/S/$(printf '%0600d' 0 | tr 0 A)"
hostile_url "URL of 40 kB" "/S/$(printf '%040000d' 0 | tr 0 A)"
big=$(printf '%030000d' 0 | tr 0 x)
hostile_url "header of 30 kB" "/S/$C" -H "X-Big: $big"
hostile_url "Accept-Language of 30 kB" "/S/$C" -H "Accept-Language: $big"
many=""
i=0
while [ $i -lt 600 ]; do many="$many -H X-Many-$i:v"; i=$((i + 1)); done
# shellcheck disable=SC2086
hostile_url "600 headers" "/S/$C" $many
hostile_url "1000 query arguments" "/S/$C?$(printf '%01000d' 0 | sed 's/0/a\&/g')"
for m in POST PUT DELETE PATCH OPTIONS TRACE CONNECT PROPFIND BREW; do
	hostile_url "method $m" "/S/$C" -X "$m"
done
hostile_url "POST with a 1 MB body" "/S/$C" --data-binary "@$STAMPGEN" -H "Expect:"

# ---- what curl will not send (python3, raw bytes) --------------------------
hostile_raw "HTTP/0.9 request" "b'GET /\\r\\n'"
hostile_raw "TLS ClientHello on the plain port" "b'\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03' + b'\\x00' * 64"
hostile_raw "binary garbage" "bytes(range(256)) * 4"
hostile_raw "empty lines only" "b'\\r\\n\\r\\n\\r\\n'"
hostile_raw "HTTP/1.1 without Host" "b'GET /S/$C HTTP/1.1\\r\\n\\r\\n'"
hostile_raw "two Host headers" "b'GET /S/$C HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n'"
hostile_raw "NUL in the path" "b'GET /S/A\\x00$rest HTTP/1.1\\r\\n$H\\r\\n'"
hostile_raw "NUL in a header name" "b'GET /S/$C HTTP/1.1\\r\\n${H}X\\x00Y: z\\r\\n\\r\\n'"
hostile_raw "raw '..' in the request line" "$(req /S/../../etc/passwd)"
# RFC 9112 3.2.2: the absolute form is routed like the origin form (the API
# path, which never counts, so the count check at the end still holds)
for u in "http://evil.example/api/v1/stamps/$C" "HTTPS://127.0.0.1/api/v1/stamps/$C" \
	"http://evil.example"; do
	got=$($RAW send "$VD_PORT" "$(req "$u")" 2>&1) || got="helper failed: $got"
	[ "$got" = 200 ] && ok "absolute form $u -> 200" || fail "absolute form $u -> $got, expected 200"
done
hostile_raw "absolute form to a path that is not ours" "$(req "http://evil.example/etc/passwd")"
hostile_raw "lower-case method" "b'get /S/$C HTTP/1.1\\r\\n$H\\r\\n'"
hostile_raw "method with '@'" "b'G@T /S/$C HTTP/1.1\\r\\n$H\\r\\n'"
hostile_raw "method of 2000 letters" "b'G' * 2000 + b' / HTTP/1.1\\r\\n$H\\r\\n'"
hostile_raw "missing version" "b'GET /S/$C\\r\\n$H\\r\\n'"
hostile_raw "version FOO/1.1" "b'GET / FOO/1.1\\r\\n$H\\r\\n'"
hostile_raw "version HTTP/1" "b'GET / HTTP/1\\r\\n$H\\r\\n'"
hostile_raw "tabs between the parts" "b'GET\\t/\\tHTTP/1.1\\r\\n$H\\r\\n'"
hostile_raw "double spaces in the request line" "b'GET  /S/$C  HTTP/1.1\\r\\n$H\\r\\n'"
hostile_raw "header without a colon" "b'GET / HTTP/1.1\\r\\n${H}NoColon\\r\\n\\r\\n'"
hostile_raw "space before a colon" "b'GET / HTTP/1.1\\r\\nHost : t\\r\\n\\r\\n'"
hostile_raw "Content-Length -1" "b'GET / HTTP/1.1\\r\\n${H}Content-Length: -1\\r\\n\\r\\n'"
hostile_raw "Content-Length not a number" "b'GET / HTTP/1.1\\r\\n${H}Content-Length: 1x\\r\\n\\r\\n'"
hostile_raw "Content-Length and chunked" \
	"b'POST / HTTP/1.1\\r\\n${H}Content-Length: 5\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\n'"
hostile_raw "broken chunked body" "b'POST / HTTP/1.1\\r\\n${H}Transfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\nxx\\r\\n'"
hostile_raw "body promised, never sent" "b'GET /S/$C HTTP/1.1\\r\\n${H}Content-Length: 99999999\\r\\n\\r\\n'" --wait 15
hostile_raw "3000 headers in one request" "b'GET / HTTP/1.1\\r\\n$H' + b'X-H: v\\r\\n' * 3000 + b'\\r\\n'"
hostile_raw "header line of 64 kB" "b'GET / HTTP/1.1\\r\\n${H}X: ' + b'a' * 65536 + b'\\r\\n\\r\\n'"
hostile_raw "request line of 64 kB" "b'GET /' + b'A' * 65536 + b' HTTP/1.1\\r\\n$H\\r\\n'"
hostile_raw "bare CR line ends" "b'GET / HTTP/1.1\\rHost: t\\r\\r'" --wait 15
hostile_raw "bad code sent byte by byte (slow sender)" "$(req /S/NOT-A-CODE)" --byte-delay 0.02
hostile_raw "stalled in the request line" "b'GET /S/AE'" --wait 15
hostile_raw "stalled in the headers" "b'GET /S/$C HTTP/1.1\\r\\n${H}X-Slow: '" --wait 15
hostile_raw "slow header, then stalled" "b'GET /S/$C HTTP/1.1\\r\\n${H}X-Slow: abcdef'" --byte-delay 0.02 --wait 15
hostile_raw "terminal escapes in the path" "$(req '/\x1b[2J\x1b]0;pwned\x07')"

# ---- legal but odd: correct, harmless answers ------------------------------
got=$($RAW send "$VD_PORT" "b'GET / HTTP/1.1\\r\\n${H}X: a\\x00b\\r\\n\\r\\n'")
case $got in 2?? | 4?? | closed) ok "NUL in a header value: $got (libmicrohttpd cuts the value there; unused)" ;;
*) fail "NUL in a header value: $got" ;; esac
got=$($RAW send "$VD_PORT" "b'GET /S/$C HTTP/2.0\\r\\n$H\\r\\n'")
case $got in 505 | 4?? | closed) ok "HTTP/2.0 in plain text: $got (libmicrohttpd's answer, RFC 9110 15.6.6)" ;;
*) fail "HTTP/2.0 in plain text: $got" ;; esac
expect_status 200 "?lang=<script> is just not English" "/S/$C?lang=%3Cscript%3E"
body_lacks "<script" "nothing echoed from the query"
expect_status 200 "odd Accept-Language" "/S/$C?x=1" -H "Accept-Language: en;q=NaN, vi;q=inf, *;q=-1, ,,;;q="
expect_status 200 "Accept-Language of 4 kB" "/S/$C?x=1" -H "Accept-Language: $(printf '%04000d' 0 | tr 0 ,)en"
expect_status 200 "query argument of 6 kB (under the limits)" "/S/$C?x=$(printf '%06000d' 0 | tr 0 a)"

# ---- a flood of idle connections (per-IP limit 64) -------------------------
got=$($RAW flood "$VD_PORT" 90)
case $got in
*"after=200") ok "90 idle connections: $got; verifyd serves afterwards" ;;
*) fail "connection flood: $got" ;;
esac

[ $CASES -ge 40 ] && ok "$CASES hostile requests, each refused" || fail "only $CASES hostile requests"

# ---- still correct afterwards ----------------------------------------------
vd_alive && ok "verifyd survived (pid $VD_PID)" || fail "verifyd died"
expect_status 200 "/healthz after the abuse" /healthz
body_has "ok" "/healthz says ok"
expect_status 200 "a genuine code after the abuse" "/api/v1/stamps/$C"
json_is verdict genuine "still genuine"
json_is scans.requests 0 "no garbage request counted as a scan"
expect_status 200 "the page of a genuine code after the abuse" "/S/$(manifest_code h 2)"
body_has "Tem chính hãng" "page still says 'Tem chính hãng'"
expect_status 200 "/metrics after the abuse" /metrics
grep -q '^verifyd_requests_total{status="5xx"} 0$' "$WORK/body" && ok "no 5xx answered" ||
	fail "5xx answered: $(grep 5xx "$WORK/body")"
LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$VD_LOG" &&
	fail "control bytes reached the log" || ok "no control bytes in the access log"
vd_stop TERM
[ "$VD_RC" = 0 ] && ok "SIGTERM: exit 0 after the abuse" || fail "SIGTERM: exit $VD_RC"
finish
