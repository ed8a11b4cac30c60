#!/bin/sh
# The officers' accounts (issue #11): `stampgen user` refuses a password file
# others can read and lists what it added; the console refuses another address
# than loopback, and --no-token, while no account exists (before listening);
# with --no-token on 127.0.0.1 only accounts sign in: the login form, one
# message for a wrong password or an unknown name, 5 failures lock a name (the
# right password too), 20 lock a client address, a good sign-in gives a
# session; an officer is refused the admin pages; an admin lists accounts,
# adds one through the form (422 beside the password for a short one, 409 for
# a taken name), disables it and its live session ends at once, and it cannot
# sign in (disabled with `stampgen user disable` while the console runs, too);
# a new password set by the admin ends the account's session, the old one fails;
# the audit log names the signed-in account as the actor of a console change,
# and no password is in the store or the log.
. "$(dirname "$0")/lib.sh"
g() { "$STAMPGEN" -q "$@"; }
g keygen -o k1 >/dev/null
PW_MINH='minh-admin-pass 1'
PW_LAN='lan officer pass 2'
PW_TUAN='tuan officer pass 3'
PW_HOA='hoa officer pass 4'
PW_LAN2='lan new password 5'

# ---- stampgen user ------------------------------------------------------------------------
printf '%s\n' "$PW_MINH" >minh.pw
chmod 644 minh.pw
expect_exit 2 "user add: a password file others can read is refused" -- \
	"$STAMPGEN" user add minh --role admin --password-file minh.pw
out_has "chmod 600 minh.pw" "says to chmod 600 it"
expect_exit 0 "user list with no account" -- "$STAMPGEN" user list
[ "$(wc -l <out)" = 1 ] && ok "lists none (its header only)" || fail "user list: $(cat out)"

# ---- without accounts: no other address, no --no-token -----------------------------------
. "$(dirname "$0")/lib_console.sh"
# a loopback console holds the port: were the refusal to come after trying to
# listen, 0.0.0.0 on that port could not be taken (and is never taken by this test)
console_start
port=${B##*:}
expect_exit 2 "--listen 0.0.0.0 without accounts is refused" -- \
	timeout 20 "$STAMPGEN" console --listen 0.0.0.0 --port "$port"
out_has 'create one with `stampgen user add NAME --role admin`' "says how to create an account"
grep -q 'cannot listen' out && fail "it tried to listen first" || ok "refused before listening"
expect_exit 2 "--no-token without accounts is refused" -- \
	timeout 20 "$STAMPGEN" console --no-token --port "$port"
out_has "no enabled account" "says why"
kill "$PID"
wait "$PID" 2>/dev/null || true
PID=

chmod 600 minh.pw
expect_exit 0 "user add from a 0600 file" -- "$STAMPGEN" user add minh --role admin --password-file minh.pw
expect_exit 0 "user add from OCOPSTAMP_PASSWORD" -- \
	env OCOPSTAMP_PASSWORD="$PW_LAN" "$STAMPGEN" user add lan --role officer
env OCOPSTAMP_PASSWORD="$PW_TUAN" "$STAMPGEN" -q user add tuan --role officer </dev/null
expect_exit 1 "a taken name is refused" -- env OCOPSTAMP_PASSWORD="$PW_LAN" "$STAMPGEN" user add lan --role admin
out_has 'user "lan" exists already' "says so"
expect_exit 0 "user list" -- "$STAMPGEN" user list
grep -q '^lan	officer	enabled	' out && grep -q '^minh	admin	enabled	' out && [ "$(wc -l <out)" = 4 ] &&
	ok "lists the three accounts: name, role, state" || fail "user list: $(cat out)"

# ---- --no-token on 127.0.0.1: accounts only ------------------------------------------------
console_start --no-token
case $URL in *token=*) fail "a one-time code was printed: $URL" ;; *) ok "no one-time code printed" ;; esac
req form GET /
[ "$S" = 200 ] && grep -q '<form method="post" action="/login">' form &&
	grep -q '<label for="user">' form && grep -q '<label for="password">' form &&
	ok "the login form, each field with its label" || fail "login form: $S"

# login OUT NAME PASSWORD: POST /login; the session cookie (if any) in $C
login() {
	req "$1" POST /login -H "Origin: $B" --data-urlencode "user=$2" --data-urlencode "password=$3"
	C=$(tr -d '\r' <"$1.h" | sed -n 's/^[Ss]et-[Cc]ookie: \(ocs_console=[0-9a-f]*\);.*/\1/p')
}
WRONG='Sai tên đăng nhập hoặc mật khẩu'
login wrong lan 'not the password'
[ "$S" = 403 ] && grep -q "$WRONG" wrong && [ -z "$C" ] && ok "a wrong password: 403, the one message, no cookie" ||
	fail "wrong password: $S"
login unknown nobody "$PW_LAN"
[ "$S" = 403 ] && grep -q "$WRONG" unknown && [ -z "$C" ] && ok "an unknown name: the same answer" ||
	fail "unknown name: $S"
req cross POST /login -H "Origin: http://evil.example" --data-urlencode "user=lan" --data-urlencode "password=$PW_LAN"
[ "$S" = 403 ] && ! grep -qi '^set-cookie' cross.h && ok "a sign-in from another origin: 403" || fail "cross-origin login: $S"

for i in 1 2 3 4 5; do login fail$i tuan "wrong guess $i"; done
[ "$S" = 403 ] && ok "5 wrong passwords for tuan" || fail "5th failure: $S"
login locked tuan "$PW_TUAN"
[ "$S" = 429 ] && grep -q 'Tạm khóa' locked && [ -z "$C" ] &&
	ok "then locked: 429, even with the right password, no cookie" || fail "after 5 failures: $S"

login good lan "$PW_LAN"
LAN=$C
[ "$S" = 303 ] && [ -n "$LAN" ] && tr -d '\r' <good.h | grep -Eiq '^set-cookie: ocs_console=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict' &&
	ok "a good officer sign-in: 303, a session cookie" || fail "officer sign-in: $S"
req lanhome GET / -H "Cookie: $LAN"
[ "$S" = 200 ] && grep -q 'Tổng quan' lanhome && grep -q 'Đăng xuất (lan)' lanhome &&
	ok "the officer's session shows the console as lan" || fail "officer home: $S"
grep -q 'href="/users"' lanhome && fail "an officer sees the accounts link" || ok "no accounts link for an officer"
LAN_CSRF=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' lanhome | head -1)
req offusers GET /users -H "Cookie: $LAN"
[ "$S" = 403 ] && ! grep -q '<th>' offusers && ok "an officer: 403 on /users" || fail "officer /users: $S"
COOKIE=$LAN
post offadd /users/new --data-urlencode "csrf=$LAN_CSRF" --data-urlencode "name=evil" --data-urlencode "role=admin" \
	--data-urlencode "password=evil password 1" --data-urlencode "password2=evil password 1"
[ "$S" = 403 ] && ok "an officer: 403 on adding an account" || fail "officer add: $S"

login admin minh "$PW_MINH"
MINH=$C
[ "$S" = 303 ] && [ -n "$MINH" ] && ok "the admin signs in" || fail "admin sign-in: $S"
req adminkeys GET /keys -H "Cookie: $MINH"
keys_admin=$S
req offkeys GET /keys -H "Cookie: $LAN"
if [ "$keys_admin" = 200 ]; then
	[ "$S" = 403 ] && ok "an officer: 403 on /keys" || fail "officer /keys: $S"
else
	[ "$S" = "$keys_admin" ] && ok "/keys is not there yet ($S to both roles)" || fail "officer /keys: $S"
fi
req users GET /users -H "Cookie: $MINH"
[ "$S" = 200 ] && grep -q '<th>Tên đăng nhập</th><th>Vai trò</th><th>Trạng thái</th><th>Tạo lúc</th>' users &&
	grep -q '<tr><td>lan</td><td>cán bộ</td><td>hoạt động</td>' users &&
	grep -q '<tr><td>minh</td><td>quản trị</td>' users && ok "the admin sees the accounts" || fail "admin /users: $S"
grep -q '<label for="name">' users && grep -q '<label for="role">' users && grep -q '<label for="password">' users &&
	grep -q '<label for="password2">' users && ok "the add form, a label for every field" || fail "add form labels"
CSRF=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' users | head -1)
COOKIE=$MINH

dump_store before.dump
post short /users/new --data-urlencode "csrf=$CSRF" --data-urlencode "name=hoa" --data-urlencode "role=officer" \
	--data-urlencode "password=short" --data-urlencode "password2=short"
[ "$S" = 422 ] && ok "a short password: 422" || fail "short password: $S"
grep -q 'name="password" type="password" autocomplete="new-password" aria-invalid="true"> <span class="err">the password is shorter than 10 bytes' short &&
	ok "the rule beside the password field" || fail "no error beside the password: $(grep -o 'class="err">[^<]*' short)"
grep -q 'value="hoa"' short && ok "the name given is shown back" || fail "name not kept"
post differ /users/new --data-urlencode "csrf=$CSRF" --data-urlencode "name=hoa" --data-urlencode "role=officer" \
	--data-urlencode "password=$PW_HOA" --data-urlencode "password2=$PW_HOA x"
[ "$S" = 422 ] && grep -q 'aria-invalid="true"> <span class="err">hai mật khẩu khác nhau' differ &&
	ok "two different passwords: 422, said beside the second" || fail "differing passwords: $S"
post badname /users/new --data-urlencode "csrf=$CSRF" --data-urlencode 'name=<b>Hoa</b>' --data-urlencode "role=officer" \
	--data-urlencode "password=$PW_HOA" --data-urlencode "password2=$PW_HOA"
[ "$S" = 422 ] && grep -q 'value="&lt;b&gt;Hoa&lt;/b&gt;" aria-invalid="true"> <span class="err">the user name may hold only' badname &&
	! grep -q '<b>Hoa' badname && ok "a bad name: 422, libstamp's rule beside it, the value escaped" || fail "bad name: $S"
post taken /users/new --data-urlencode "csrf=$CSRF" --data-urlencode "name=lan" --data-urlencode "role=admin" \
	--data-urlencode "password=$PW_HOA" --data-urlencode "password2=$PW_HOA"
[ "$S" = 409 ] && grep -q 'aria-invalid="true"> <span class="err">user &quot;lan&quot; exists already' taken &&
	ok "a taken name: 409, said beside the name" || fail "taken name: $S"
same_store "the refused forms"

post added /users/new --data-urlencode "csrf=$CSRF" --data-urlencode "name=hoa" --data-urlencode "role=officer" \
	--data-urlencode "password=$PW_HOA" --data-urlencode "password2=$PW_HOA"
[ "$S" = 303 ] && [ "$(tr -d '\r' <added.h | sed -n 's/^[Ll]ocation: //p')" = /users ] &&
	ok "a good form: 303 back to the accounts" || fail "add: $S"
"$STAMPGEN" user list >list.out 2>&1
grep -q '^hoa	officer	enabled	' list.out && ok "hoa is in the store, an officer" || fail "not stored: $(cat list.out)"

login hoa1 hoa "$PW_HOA"
HOA=$C
req hoahome GET / -H "Cookie: $HOA"
[ -n "$HOA" ] && grep -q 'Đăng xuất (hoa)' hoahome && ok "hoa signs in" || fail "hoa sign-in: $S"
post disable /users/disable --data-urlencode "csrf=$CSRF" --data-urlencode "user=hoa"
[ "$S" = 303 ] && ok "the admin disables hoa" || fail "disable: $S"
req hoaafter GET / -H "Cookie: $HOA"
grep -q 'Đăng nhập' hoaafter && ! grep -q 'Tổng quan' hoaafter &&
	ok "hoa's live session is refused at once" || fail "hoa still signed in: $S"
login hoa2 hoa "$PW_HOA"
[ "$S" = 403 ] && grep -q 'vô hiệu hóa' hoa2 && [ -z "$C" ] && ok "a disabled account cannot sign in" ||
	fail "disabled sign-in: $S"
"$STAMPGEN" user list >list.out 2>&1
grep -q '^hoa	officer	disabled	' list.out && ok "user list shows hoa disabled" || fail "list: $(cat list.out)"
req users2 GET /users -H "Cookie: $MINH"
grep -q 'action="/users/enable"' users2 && ok "the page offers to enable hoa again" || fail "no enable button"
post nobody /users/disable --data-urlencode "csrf=$CSRF" --data-urlencode "user=nobody"
[ "$S" = 404 ] && ok "disabling an unknown account: 404" || fail "unknown disable: $S"

# ---- the audit log's actor is the signed-in account ------------------------------------------
COOKIE=$LAN
post coop /coops/new --data-urlencode "csrf=$LAN_CSRF" --data-urlencode "id=HTX-LAN" --data-urlencode "name=HTX Lan" \
	--data-urlencode "province=Thanh Hóa" --data-urlencode "district=Nga Sơn" --data-urlencode "address=xã Nga Liên"
[ "$S" = 303 ] && ok "lan adds a cooperative in the console" || fail "coop add: $S"
"$STAMPGEN" audit list >audit.out 2>&1
grep -q '(lan)	console: coop add	coop HTX-LAN added' audit.out && ok "the audit log names lan as its actor" ||
	fail "audit: $(grep HTX-LAN audit.out)"
grep -q '(minh)	console: user add	user hoa added, role officer' audit.out &&
	grep -q '(minh)	console: user disable	user hoa disabled' audit.out &&
	ok "and minh as the actor of hoa's addition and disabling" || fail "audit: $(grep 'user hoa' audit.out)"

# disabled with stampgen while the console runs: the session ends at its next request
req lanstill GET / -H "Cookie: $LAN"
grep -q 'Đăng xuất (lan)' lanstill && ok "lan is still signed in" || fail "lan signed out early: $S"
"$STAMPGEN" -q user disable lan
req langone GET / -H "Cookie: $LAN"
grep -q 'Đăng nhập' langone && ! grep -q 'Tổng quan' langone &&
	ok "user disable lan (the CLI): lan's session ends at once" || fail "lan still signed in: $S"
"$STAMPGEN" -q user enable lan
req langone2 GET / -H "Cookie: $LAN"
grep -q 'Đăng nhập' langone2 && ok "and stays ended once enabled again" || fail "the old session came back"
login lanback lan "$PW_LAN"
[ "$S" = 303 ] && [ -n "$C" ] && ok "enabled again: lan signs in" || fail "lan after enable: $S"
LAN=$C
req minhhome GET / -H "Cookie: $MINH"
grep -q 'Đăng xuất (minh)' minhhome && ok "minh's session was not touched" || fail "minh signed out: $S"

# ---- a new password set by the admin -------------------------------------------------------------
COOKIE=$MINH
post pwshort /users/passwd --data-urlencode "csrf=$CSRF" --data-urlencode "pwuser=lan" \
	--data-urlencode "newpass=short" --data-urlencode "newpass2=short"
[ "$S" = 422 ] && grep -q 'id="newpass" name="newpass" type="password" autocomplete="new-password" aria-invalid="true"> <span class="err">the password is shorter than 10 bytes' pwshort &&
	ok "a short new password: 422, the rule beside it" || fail "short new password: $S"
post pwnobody /users/passwd --data-urlencode "csrf=$CSRF" --data-urlencode "pwuser=nobody" \
	--data-urlencode "newpass=$PW_LAN2" --data-urlencode "newpass2=$PW_LAN2"
[ "$S" = 404 ] && grep -q 'aria-invalid="true"> <span class="err">no user &quot;nobody&quot;' pwnobody &&
	ok "a new password for an unknown account: 404, said beside the name" || fail "unknown passwd: $S"
post pwgood /users/passwd --data-urlencode "csrf=$CSRF" --data-urlencode "pwuser=lan" \
	--data-urlencode "newpass=$PW_LAN2" --data-urlencode "newpass2=$PW_LAN2"
[ "$S" = 303 ] && ok "the admin sets lan a new password" || fail "passwd: $S"
req lanpw GET / -H "Cookie: $LAN"
grep -q 'Đăng nhập' lanpw && ! grep -q 'Tổng quan' lanpw && ok "lan's session ends with it" || fail "lan still in: $S"
login lanold lan "$PW_LAN"
[ "$S" = 403 ] && grep -q "$WRONG" lanold && ok "the old password no longer signs in" || fail "old password: $S"
login lannew lan "$PW_LAN2"
[ "$S" = 303 ] && [ -n "$C" ] && ok "the new one does" || fail "new password: $S"
"$STAMPGEN" audit list >audit.out 2>&1
grep -q '(minh)	console: user passwd	user lan password changed' audit.out && ok "audited, minh as the actor" ||
	fail "passwd audit: $(grep 'user lan' audit.out)"

# 20 failures from one address, each for another name, lock the address (last: it locks 127.0.0.1)
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19; do login addr$i "guess$i" "wrong guess $i"; done
[ "$S" = 403 ] && ok "19 failures from 127.0.0.1 for 19 names: still the one message" || fail "19th: $S"
login addr20 guess20 "wrong guess 20"
login addrlocked minh "$PW_MINH"
[ "$S" = 429 ] && grep -q 'Tạm khóa' addrlocked && [ -z "$C" ] &&
	ok "the 20th locks the address: minh's right password is refused (429)" || fail "after 20 from one address: $S"

# ---- no password anywhere ---------------------------------------------------------------------
leaks=""
for pw in "$PW_MINH" "$PW_LAN" "$PW_TUAN" "$PW_HOA" "$PW_LAN2"; do
	grep -qF "$pw" "$OCOPSTAMP_STORE/data.mdb" audit.out list.out && leaks="$leaks [$pw]"
done
[ -z "$leaks" ] && ok "no password in data.mdb, the audit log or the list" || fail "found:$leaks"
grep -q 'argon2' audit.out && fail "a hash in the audit log" || ok "no hash in the audit log"

kill "$PID"
wait "$PID" 2>/dev/null && ok "SIGTERM: exit 0" || fail "exit on SIGTERM"
PID=
finish
