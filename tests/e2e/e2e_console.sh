#!/bin/sh
# stampgen console, its frame (issue #11): it prints one address with a
# one-time code; opening it gives a session cookie (HttpOnly, SameSite=Strict)
# and a redirect that drops the code; the code works once; without a session
# every page is the login page and a POST is 403; the overview counts the
# registry, the lists search and page, markup from the store is escaped; a
# POST needs the session's CSRF token and our own Origin (a missing token, a
# wrong one or another origin: 403, nothing changes); every answer carries the
# CSP, X-Frame-Options DENY and nosniff; sign-out ends the session; another
# address than loopback is refused while accounts do not exist.
. "$(dirname "$0")/lib.sh"
g() { "$STAMPGEN" -q "$@"; }
g keygen -o k1 >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
g product add --id XSS-1 --coop_id HTX-KHUCPHU --name 'Mắm <script>alert(1)</script>' --group "Thực phẩm" \
	--stars 3 --ocop_decision 1/QĐ-UBND --ocop_date 2025-01-01 --cert_valid_until 2028-01-01 >/dev/null
g issue --product NM-COT-HH --lot L01 --produced 2026-11-01 --count 7 --key k1.key \
	--base-url https://tem.thanhhoa.gov.vn --out a --no-images

expect_exit 2 "a non-loopback address is refused" -- "$STAMPGEN" console --listen 0.0.0.0
expect_out 'listens on this computer only' "says why"

. "$(dirname "$0")/lib_console.sh"
console_start
case $URL in "$B/?token="????????????????????????????????????????????????????????????????) ok "one address with a 64-digit one-time code" ;;
*) fail "printed '$URL'" ;; esac

req no-session GET /
[ "$S" = 200 ] && grep -q 'Đăng nhập' no-session && ok "no session: the login page" || fail "no session: $S"
grep -q 'Tổng quan' no-session && fail "the login page shows the console" || ok "and nothing else"
req wrong GET /?token=0000000000000000000000000000000000000000000000000000000000000000
[ "$S" = 403 ] && ! grep -qi '^set-cookie' wrong.h && ok "a wrong code: 403, no cookie" || fail "wrong code: $S"
req first GET "${URL#"$B"}"
COOKIE=$(tr -d '\r' <first.h | sed -n 's/^[Ss]et-[Cc]ookie: \(ocs_console=[0-9a-f]*\);.*/\1/p')
[ "$S" = 303 ] && [ "$(tr -d '\r' <first.h | sed -n 's/^[Ll]ocation: //p')" = / ] &&
	ok "the code: 303 to / (the code leaves the address bar)" || fail "the code: $S"
tr -d '\r' <first.h | grep -Eiq '^set-cookie: ocs_console=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict' &&
	ok "a session cookie: 256-bit id, HttpOnly, SameSite=Strict" || fail "cookie: $(grep -i set-cookie first.h)"
req again GET "${URL#"$B"}"
[ "$S" = 403 ] && ok "the code works once" || fail "the code again: $S"

req home GET / -H "Cookie: $COOKIE"
[ "$S" = 200 ] && grep -q 'Tổng quan' home && ok "the overview with the session" || fail "overview: $S"
grep -q '<div class="n">9</div>Hợp tác xã' home && grep -q '<div class="n">13</div>Sản phẩm' home &&
	grep -q '<div class="n">7</div>Tem' home && ok "counts: 9 cooperatives, 13 products, 7 stamps" ||
	fail "counts: $(grep -o '<div class="n">[0-9]*</div>[^<]*' home | tr '\n' ' ')"
grep -q '<td>L01</td><td>7</td>' home && ok "the last batch listed" || fail "last batches"
tr -d '\r' <home.h | grep -q "^Content-Security-Policy: default-src 'none'; style-src 'sha256-" &&
	tr -d '\r' <home.h | grep -q '^X-Frame-Options: DENY' && tr -d '\r' <home.h | grep -q '^X-Content-Type-Options: nosniff' &&
	ok "CSP, X-Frame-Options DENY, nosniff" || fail "headers: $(cat home.h)"
req products GET '/products?q=M%E1%BA%AFm' -H "Cookie: $COOKIE"
grep -q 'Mắm &lt;script&gt;alert(1)&lt;/script&gt;' products && ! grep -q '<script>alert' products &&
	ok "markup from the store is escaped" || fail "escaping"
req coops GET '/coops?q=HTX-KHUCPHU' -H "Cookie: $COOKIE"
grep -q '1 kết quả' coops && ok "the search finds one cooperative" || fail "search: $(grep -o '[0-9]* kết quả' coops)"
req page2 GET '/products?page=1' -H "Cookie: $COOKIE"
[ "$(grep -o '<tr><td>' page2 | wc -l)" = 13 ] && ok "13 products on the first page" || fail "paging"

CSRF=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' home | head -1)

# ---- a cooperative through its form -----------------------------------------------------
req form GET /coops/new -H "Cookie: $COOKIE"
[ "$S" = 200 ] && grep -q '<label for="name">Tên hợp tác xã</label>' form && grep -q 'name="csrf"' form &&
	ok "the add form: a label for every field, the CSRF token" || fail "form: $S"
dump_store before.dump
req bad POST /coops/new -H "Cookie: $COOKIE" -H "Origin: $B" --data-urlencode "csrf=$CSRF" \
	--data-urlencode "id=HTX-NEW" --data-urlencode 'name=<b>Hợp tác</b>' --data-urlencode "phone=12345"
[ "$S" = 422 ] && ok "a bad field: 422, the form again" || fail "bad form: $S"
grep -q 'aria-invalid="true"> <span class="err">Cần: không bắt buộc; số điện thoại 8 đến 15 chữ số' bad &&
	ok "the registry's own rule beside the field, in Vietnamese" || fail "no error beside phone: $(grep -o 'class="err">[^<]*' bad)"
grep -q 'value="&lt;b&gt;Hợp tác&lt;/b&gt;"' bad && ok "the value given shown back, escaped" || fail "value not kept/escaped"
req nocsrf2 POST /coops/new -H "Cookie: $COOKIE" -H "Origin: $B" --data-urlencode "id=HTX-NEW" \
	--data-urlencode "name=HTX Mới" --data-urlencode "province=Thanh Hóa"
[ "$S" = 403 ] && ok "the form without its CSRF token: 403" || fail "form without token: $S"
dump_store after.dump
cmp -s before.dump after.dump && ok "refused forms wrote nothing" || fail "a refused form changed the store"
req good POST /coops/new -H "Cookie: $COOKIE" -H "Origin: $B" --data-urlencode "csrf=$CSRF" \
	--data-urlencode "id=HTX-NEW" --data-urlencode 'name=HTX Mới <b>' --data-urlencode "province=Thanh Hóa" \
	--data-urlencode "district=Nga Sơn" --data-urlencode "address=xã Nga Liên"
[ "$S" = 303 ] && [ "$(tr -d '\r' <good.h | sed -n 's/^[Ll]ocation: //p')" = "/coops/HTX-NEW" ] &&
	ok "a good form: 303 to the new cooperative" || fail "good form: $S"
"$STAMPGEN" coop show HTX-NEW >new.out 2>&1 && grep -q 'HTX Mới <b>' new.out && ok "it is in the store" ||
	fail "not stored: $(cat new.out)"
"$STAMPGEN" audit list >audit.out 2>&1 && grep -q 'coop HTX-NEW added' audit.out && ok "and in the audit log" ||
	fail "audit: $(tail -2 audit.out)"
req dup POST /coops/new -H "Cookie: $COOKIE" -H "Origin: $B" --data-urlencode "csrf=$CSRF" \
	--data-urlencode "id=HTX-NEW" --data-urlencode "name=Again" --data-urlencode "province=Thanh Hóa" \
	--data-urlencode "district=Nga Sơn" --data-urlencode "address=xã Nga Liên"
[ "$S" = 409 ] && grep -q 'đã có trong sổ đăng ký' dup && ok "an id already registered: 409, said beside it" ||
	fail "duplicate: $S"
req list GET '/coops?q=HTX-NEW' -H "Cookie: $COOKIE"
grep -q 'HTX Mới &lt;b&gt;' list && ok "the new name is escaped in the list" || fail "list escaping"
# the revocations' list pages, newest first: 55 of them are two pages of 50 and 5
g issue --product NM-COT-HH --lot L02 --produced 2026-11-01 --count 60 --key k1.key \
	--base-url https://tem.thanhhoa.gov.vn --out b --no-images
for n in $(seq 8 62); do g revoke --serial "$n" --reason lost --note "r$n"; done >/dev/null
req rev1 GET /revoke -H "Cookie: $COOKIE"
[ "$(grep -o '<td>r[0-9]*</td>' rev1 | wc -l)" = 50 ] && [ "$(grep -o '<td>r[0-9]*</td>' rev1 | head -1)" = "<td>r62</td>" ] &&
	grep -q '55 lần thu hồi, trang 1 / 2' rev1 && grep -q 'href="/revoke?page=2"' rev1 &&
	ok "revocations: the newest 50 first, a link to the older" || fail "revocations page 1: $(grep -o '<td>r[0-9]*</td>' rev1 | head -2 | tr '\n' ' ')"
req rev2 GET '/revoke?page=2' -H "Cookie: $COOKIE"
[ "$(grep -o '<td>r[0-9]*</td>' rev2 | tr '\n' ' ')" = "<td>r12</td> <td>r11</td> <td>r10</td> <td>r9</td> <td>r8</td> " ] &&
	ok "revocations: page 2 holds the 5 oldest" || fail "revocations page 2: $(grep -o '<td>r[0-9]*</td>' rev2 | tr '\n' ' ')"
req nocsrf POST /logout -H "Cookie: $COOKIE" -H "Origin: $B" -d ""
[ "$S" = 403 ] && ok "a POST without the CSRF token: 403" || fail "no token: $S"
req badcsrf POST /logout -H "Cookie: $COOKIE" -H "Origin: $B" -d "csrf=$(echo "$CSRF" | tr 0-9a-f 1-9a-f0)"
[ "$S" = 403 ] && ok "a wrong CSRF token: 403" || fail "wrong token: $S"
req cross POST /logout -H "Cookie: $COOKIE" -H "Origin: http://evil.example" -d "csrf=$CSRF"
[ "$S" = 403 ] && ok "another origin: 403" || fail "cross-origin: $S"
req nosess POST /logout -H "Origin: $B" -d "csrf=$CSRF"
[ "$S" = 403 ] && ok "no session: a POST is 403" || fail "no session POST: $S"
req still GET / -H "Cookie: $COOKIE"
grep -q 'Tổng quan' still && ok "the refused POSTs changed nothing: still signed in" || fail "signed out by a refused POST"
req out POST /logout -H "Cookie: $COOKIE" -H "Origin: $B" -d "csrf=$CSRF"
[ "$S" = 303 ] && ok "sign-out with the token and our origin" || fail "logout: $S"
req after GET / -H "Cookie: $COOKIE"
grep -q 'Đăng nhập' after && ok "the session is gone" || fail "still signed in after sign-out"
kill "$PID"
wait "$PID" 2>/dev/null && ok "SIGTERM: exit 0" || fail "exit on SIGTERM"
PID=

# ---- behind a TLS proxy: --origin -------------------------------------------------------
expect_exit 2 "--origin with a path is refused" -- "$STAMPGEN" console --origin https://x.example/console
expect_out 'expected http\(s\)://HOST' "says what it expects"
console_start --origin https://console.example
P=https://console.example
case $URL in "$P/?token="*) ok "--origin: the printed address is the proxy's" ;; *) fail "printed $URL" ;; esac
req first GET "/?token=${URL##*token=}"
tr -d '\r' <first.h | grep -Eiq '^set-cookie: ocs_console=[0-9a-f]{64}; .*; Secure$' &&
	ok "--origin https: the session cookie is Secure" || fail "cookie: $(grep -i set-cookie first.h)"
COOKIE=$(tr -d '\r' <first.h | sed -n 's/^[Ss]et-[Cc]ookie: \(ocs_console=[0-9a-f]*\);.*/\1/p')
req home GET / -H "Cookie: $COOKIE"
CSRF=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' home | head -1)
req own POST /lang -H "Cookie: $COOKIE" -H "Origin: $B" -d "csrf=$CSRF&lang=en"
[ "$S" = 403 ] && ok "--origin: a form from the console's own loopback address is refused" || fail "loopback origin: $S"
req proxied POST /lang -H "Cookie: $COOKIE" -H "Origin: $P" -d "csrf=$CSRF&lang=en"
[ "$S" = 303 ] && ok "--origin: a form from the proxy's address is taken" || fail "proxy origin: $S"
finish
