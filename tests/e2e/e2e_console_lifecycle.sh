#!/bin/sh
# The console's revocation, audit log, keys page and scans charts (issue #11):
#   - one stamp revoked by its URL: the dry run says 1 and writes nothing
#     (mdb_dump -a unchanged), the confirm stores it, `stampgen verify` and
#     verifyd then say revoked; a batch's dry run counts the batch; bad
#     fields are 4xx beside the field, nothing written; the note's markup is
#     escaped; undo behind a confirmation;
#   - the audit log lists the console's entries with its actor and says
#     intact as `stampgen audit verify` does, and after one entry is altered
#     says broken at that entry;
#   - the keys page lists the key; retiring it is confirmed first;
#   - a scans folder made by verifyd from real scans: the overview's charts
#     (SVG with a title, and their numbers as tables) give verifyd's counts,
#     by day verifyd's own count per day (its daily database: today's date,
#     the total counted); a copy without that database (an older verifyd)
#     charts by each stamp's last scan and says it is an approximation;
#     a stamp scanned by 30 phones is listed as suspicious with its batch;
#     the folder is not written (not even a lock file); without --scans the
#     overview says how to get charts.
. "$(dirname "$0")/lib_verifyd.sh"
. "$(dirname "$0")/lib_console.sh"
# both libraries set an EXIT trap: one that stops both
trap 'cleanup_console_both' EXIT
cleanup_console_both() {
	[ -z "$PID" ] || { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }
	vd_cleanup
}
G="$STAMPGEN"
g() { "$STAMPGEN" -q "$@"; }
CLIENT="python3 $(dirname "$0")/scan_client.py"
URLBASE=https://tem.thanhhoa.gov.vn
g keygen -o k1 --label 'khóa <1>' >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
g issue --product NM-COT-HH --lot L01 --produced 2026-11-01 --count 5 --key k1.key \
	--base-url "$URLBASE" --out a --no-images
g issue --product NM-COT-HH --lot L02 --produced 2026-11-02 --count 7 --key k1.key \
	--base-url "$URLBASE" --out b --no-images
for i in 10 11 12 13 14 15; do # small batches: an audit log of more than one page
	g issue --product NM-COT-HH --lot L$i --produced 2026-11-03 --count 1 --key k1.key \
		--base-url "$URLBASE" --out c$i --no-images 2>/dev/null
done
g issue --product NM-KP-30 --lot K1 --produced 2026-11-03 --count 2 --key k1.key \
	--base-url "$URLBASE" --out k --no-images 2>/dev/null
url() { awk -F, -v s="$2" '$1 == s { print $2 }' "$1/manifest.csv"; }
U1=$(url a 1)
case $U1 in HTTPS://*/S/*) ok "issued: two batches, serial 1 is $U1" ;; *) fail "manifest: '$U1'"; finish ;; esac
expect_exit 0 "stampgen revoke --code URL --dry-run (the parser the console shares)" -- \
	"$G" revoke --code "$U1" --reason lost --dry-run
out_has "would revoke serial 1: 1 issued stamp (reason lost); nothing was written" "... says serial 1, 1 stamp"
KID=$("$G" key list | sed -n 2p | cut -f1)
OS=$(id -un)
ME=can-bo-lan # the console's user, who signed in with its one-time code
export OCOPSTAMP_ACTOR=$ME
console_start
unset OCOPSTAMP_ACTOR
console_sign_in

# ---- without --scans: the note ------------------------------------------------------------
req home GET / -H "Cookie: $COOKIE"
grep -q 'id="no-scans"' home && grep -q 'stampgen console --scans' home &&
	ok "without --scans the overview says how to get charts" || fail "no note without --scans"

# ---- the form ------------------------------------------------------------------------------
req form GET /revoke -H "Cookie: $COOKIE"
[ "$S" = 200 ] && grep -q '<label for="target">' form && grep -q '<label for="reason">' form &&
	grep -q '<option value="stolen">Bị đánh cắp</option>' form &&
	grep -q '<option value="certificate-withdrawn">' form &&
	ok "the revocation form: labelled fields, the reasons in Vietnamese" || fail "form: $S"

# ---- a dry run writes nothing --------------------------------------------------------------
dump_store before.dump
post dry /revoke --data-urlencode "csrf=$CSRF" --data-urlencode kind=code --data-urlencode "target=$U1" \
	--data-urlencode reason=stolen --data-urlencode 'note=Cuộn <b>mất</b> & "x"'
[ "$S" = 200 ] && grep -q '<strong id="count">1</strong>' dry && ok "the dry run of one stamp's URL says 1" ||
	fail "dry run: $S $(grep -o 'id="count">[^<]*' dry)"
grep -q 'name="confirm" value="1"' dry && grep -q "name=\"target\" value=\"$U1\"" dry &&
	ok "the confirm button carries the same fields" || fail "confirm form"
grep -q 'Cuộn &lt;b&gt;mất&lt;/b&gt; &amp; &quot;x&quot;' dry && ! grep -q '<b>mất' dry &&
	ok "the note is escaped on the dry run" || fail "note not escaped on the dry run"
dump_store after.dump
cmp -s before.dump after.dump && ok "the dry run wrote nothing (mdb_dump -a unchanged)" || fail "the dry run wrote"

# ---- bad input: 4xx, beside the field, nothing written ---------------------------------------
post bad1 /revoke --data-urlencode "csrf=$CSRF" --data-urlencode kind=serials --data-urlencode target=5-2 \
	--data-urlencode reason=lost
[ "$S" = 422 ] && grep -q 'aria-invalid="true"> <span class="err">expected A-B with 1 &lt;= A &lt;= B' bad1 &&
	ok "a bad range: 422, the CLI's rule beside the field" || fail "bad range: $S $(grep -o 'class="err">[^<]*' bad1)"
post bad2 /revoke --data-urlencode "csrf=$CSRF" --data-urlencode kind=batch --data-urlencode target=99 \
	--data-urlencode reason=lost --data-urlencode confirm=1
[ "$S" = 404 ] && grep -q 'class="err"' bad2 && ok "a batch that does not exist: 404, said" || fail "batch 99: $S"
post bad3 /revoke --data-urlencode "csrf=$CSRF" --data-urlencode kind=serial --data-urlencode target=1 \
	--data-urlencode reason=bored --data-urlencode confirm=1
[ "$S" = 422 ] && grep -q 'lost, stolen' bad3 && ok "an unknown reason: 422, the vocabulary named" || fail "reason: $S"
post bad4 /revoke --data-urlencode "csrf=$CSRF" --data-urlencode kind=code --data-urlencode target=nonsense \
	--data-urlencode reason=lost --data-urlencode confirm=1
[ "$S" = 422 ] && grep -q "expected a stamp&#39;s code or its URL\|expected a stamp's code or its URL" bad4 &&
	ok "a code that is not one: 422" || fail "bad code: $S"
post bad5 /revoke --data-urlencode "csrf=$CSRF" --data-urlencode kind=serial --data-urlencode target=1 \
	--data-urlencode reason=lost --data-urlencode from=2026-01-01 --data-urlencode confirm=1
[ "$S" = 422 ] && ok "a date with a serial: 422" || fail "from with serial: $S"
post bad6 /revoke --data-urlencode kind=serial --data-urlencode target=1 --data-urlencode reason=lost \
	--data-urlencode confirm=1
[ "$S" = 403 ] && ok "without the CSRF token: 403" || fail "no csrf: $S"
dump_store after.dump
cmp -s before.dump after.dump && ok "refused revocations wrote nothing" || fail "a refused revocation wrote"

# ---- the confirm stores it -------------------------------------------------------------------
post done /revoke --data-urlencode "csrf=$CSRF" --data-urlencode kind=code --data-urlencode "target=$U1" \
	--data-urlencode reason=stolen --data-urlencode 'note=Cuộn <b>mất</b> & "x"' --data-urlencode confirm=1
[ "$S" = 200 ] && grep -q 'id="done">Lần thu hồi 1: serial 1, 1 tem' done && ok "confirmed: revocation 1, serial 1" ||
	fail "confirm: $S $(grep -o 'id="done">[^<]*' done)"
expect_exit 1 "stampgen verify of the revoked stamp" -- "$G" verify "$U1"
out_has "REVOKED: stolen — Cuộn <b>mất</b> & \"x\"" "stampgen verify says REVOKED: stolen, with the note"
vd_start --registry "$WORK/store" --scans "$WORK/scans" || { fail "verifyd starts"; finish; }
expect_status 200 "verifyd's API on the revoked stamp" "/api/v1/stamps/$(b32_of "$U1")"
json_is verdict revoked "verifyd says revoked"
json_is revocation.id 1 "... revocation 1"

post batch /revoke --data-urlencode "csrf=$CSRF" --data-urlencode kind=batch --data-urlencode target=2 \
	--data-urlencode reason=printed-in-error
[ "$S" = 200 ] && grep -q '<strong id="count">7</strong>' batch && ok "a batch's dry run counts its 7 stamps" ||
	fail "batch dry run: $S $(grep -o 'id="count">[^<]*' batch)"
post lot /revoke --data-urlencode "csrf=$CSRF" --data-urlencode kind=lot --data-urlencode target=NM-COT-HH:L01 \
	--data-urlencode reason=recalled
grep -q '<strong id="count">5</strong>' lot && ok "a lot's dry run counts its 5 stamps" || fail "lot dry run"
post key /revoke --data-urlencode "csrf=$CSRF" --data-urlencode kind=key --data-urlencode "target=$KID" \
	--data-urlencode from=2026-01-01 --data-urlencode reason=key-compromised
grep -q '<strong id="count">20</strong>' key && grep -q "key $KID, batches from 2026-01-01" key &&
	ok "a key's dry run from a date counts its 20 stamps" || fail "key dry run: $(grep -o 'id="count">[^<]*' key)"

req list GET /revoke -H "Cookie: $COOKIE"
grep -q '<td>Cuộn &lt;b&gt;mất&lt;/b&gt; &amp; &quot;x&quot;</td>' list && ! grep -q '<b>mất' list &&
	ok "the list shows the note escaped" || fail "list note"
grep -q "<td>1</td><td>có hiệu lực</td><td>serial 1</td><td>Bị đánh cắp</td><td>[0-9-]*</td><td>$ME</td>" list &&
	ok "the list: revocation 1 in force, by the console's user ($ME)" || fail "list row"

# ---- undo, behind a confirmation -------------------------------------------------------------
dump_store before.dump
post undo1 /revoke/undo --data-urlencode "csrf=$CSRF" --data-urlencode id=1
[ "$S" = 200 ] && grep -q 'name="confirm" value="1"' undo1 && ok "undo asks for a confirmation first" || fail "undo: $S"
dump_store after.dump
cmp -s before.dump after.dump && ok "... and writes nothing before it" || fail "undo wrote before confirming"
post undo9 /revoke/undo --data-urlencode "csrf=$CSRF" --data-urlencode id=9 --data-urlencode confirm=1
[ "$S" = 404 ] && ok "undoing a revocation that does not exist: 404" || fail "undo 9: $S"
post undo2 /revoke/undo --data-urlencode "csrf=$CSRF" --data-urlencode id=1 --data-urlencode confirm=1
[ "$S" = 303 ] && ok "undo confirmed: 303 to the list" || fail "undo confirm: $S"
expect_exit 0 "stampgen verify after the undo" -- "$G" verify "$U1"
out_has "GENUINE" "the stamp is genuine again"
expect_status 200 "verifyd's API after the undo" "/api/v1/stamps/$(b32_of "$U1")"
json_is verdict genuine "verifyd says genuine again"
post undo3 /revoke/undo --data-urlencode "csrf=$CSRF" --data-urlencode id=1 --data-urlencode confirm=1
[ "$S" = 409 ] && ok "undoing it twice: 409" || fail "undo twice: $S"
req list GET /revoke -H "Cookie: $COOKIE"
grep -q "<td>1</td><td>đã hủy ngày [0-9-]* $ME</td>" list && ok "the list: revocation 1 undone, by whom" ||
	fail "undone row"

# ---- keys --------------------------------------------------------------------------------------
req keys GET /keys -H "Cookie: $COOKIE"
[ "$S" = 200 ] && grep -q "<td>$KID</td><td>-</td><td>-</td><td>đang dùng</td><td>khóa &lt;1&gt;</td>" keys &&
	ok "the keys page lists key $KID, active, its label escaped" || fail "keys: $S"
dump_store before.dump
post ret1 /keys/retire --data-urlencode "csrf=$CSRF" --data-urlencode "id=$KID" --data-urlencode on=2030-01-31
[ "$S" = 200 ] && grep -q 'name="confirm" value="1"' ret1 && ok "retiring asks for a confirmation" || fail "retire: $S"
dump_store after.dump
cmp -s before.dump after.dump && ok "... and writes nothing before it" || fail "retire wrote before confirming"
post ret2 /keys/retire --data-urlencode "csrf=$CSRF" --data-urlencode "id=$KID" --data-urlencode on=31/31/2030
[ "$S" = 422 ] && ok "a bad date: 422" || fail "bad date: $S"
post ret3 /keys/retire --data-urlencode "csrf=$CSRF" --data-urlencode id=DEADBEEF --data-urlencode confirm=1
[ "$S" = 404 ] && ok "a key that is not registered: 404" || fail "unknown key: $S"
post ret4 /keys/retire --data-urlencode "csrf=$CSRF" --data-urlencode "id=$KID" --data-urlencode on=2030-01-31 \
	--data-urlencode confirm=1
[ "$S" = 303 ] && "$G" key list | grep -q "^$KID	-	2030-01-31	" && ok "retired: key list says until 2030-01-31" ||
	fail "retire confirm: $S $("$G" key list)"

# ---- the audit log -----------------------------------------------------------------------------
"$G" audit verify >verify.txt
req audit GET /audit -H "Cookie: $COOKIE"
[ "$S" = 200 ] && grep -q "id=\"verify\" role=\"status\">[^<]*$(cat verify.txt)</p>" audit &&
	ok "the audit page: $(cat verify.txt), as stampgen audit verify says" || fail "audit: $S $(grep -o 'id="verify"[^<]*' audit)"
grep -q "<td>$OS</td><td>$ME</td><td>console: revoke</td><td>revocation 1: serials, stolen</td>" audit &&
	grep -q "<td>$OS</td><td>$ME</td><td>console: unrevoke</td><td>revocation 1 undone</td>" audit &&
	grep -q "<td>$OS</td><td>$ME</td><td>console: key retire</td><td>key $KID retired" audit &&
	ok "the entries name the console's user as actor, and what was done" ||
	fail "audit rows: $(grep -o '<tr><td>[0-9]*</td>.*' audit | sed 's/<\/tr>/\n/g' | head -5)"
first=$(grep -o '<tr><td>[0-9]*</td>' audit | head -1 | tr -dc 0-9)
n=$(sed 's/INTACT: \([0-9]*\) entries.*/\1/' verify.txt)
[ "$first" = "$n" ] && ok "newest first (entry $n on top)" || fail "order: first row $first of $n"
rows=$(grep -o '<tr><td>[0-9]*</td><td>[0-9-]* [0-9:]*</td>' audit | wc -l)
last=$(grep -o '<tr><td>[0-9]*</td><td>[0-9-]* [0-9:]*</td>' audit | tail -1 | sed 's/<tr><td>\([0-9]*\).*/\1/')
[ "$n" -gt 20 ] && [ "$rows" = 20 ] && [ "$last" = $((n - 19)) ] && grep -q 'href="?page=2"' audit &&
	ok "page 1: entries $n to $((n - 19)), a link to page 2" || fail "paging: $n entries, $rows rows, last $last"
req audit2 GET '/audit?page=2' -H "Cookie: $COOKIE"
first=$(grep -o '<tr><td>[0-9]*</td><td>[0-9-]* [0-9:]*</td>' audit2 | head -1 | sed 's/<tr><td>\([0-9]*\).*/\1/')
[ "$first" = $((n - 20)) ] && ok "page 2 starts at entry $((n - 20))" || fail "page 2 starts at '$first'"

# in English once the session switched
post lang /lang --data-urlencode "csrf=$CSRF" --data-urlencode lang=en
req en GET /revoke -H "Cookie: $COOKIE"
grep -q '<h1>Revoke stamps</h1>' en && grep -q '<option value="stolen">Stolen</option>' en &&
	ok "the revocation page in English after the switch" || fail "English: $(grep -o '<h1>[^<]*' en)"
post lang /lang --data-urlencode "csrf=$CSRF" --data-urlencode lang=vi

# alter entry 2 behind the store's back, as someone with the files could
mdb_dump -s audit "$OCOPSTAMP_STORE" >audit.dump
python3 - audit.dump <<'EOF'
import sys
lines = open(sys.argv[1]).read().split("\n")
start = lines.index("HEADER=END") + 1
# records: a key line then a value line, each " HEX"; the second record is entry 2
k, v = start + 2, start + 3
val = lines[v].strip()
i = len(val) - 80  # a byte in the texts, far from the lengths at the start
val = val[:i] + ("0" if val[i] != "0" else "1") + val[i + 1:]
lines[v] = " " + val
open(sys.argv[1], "w").write("\n".join(lines))
EOF
mdb_load -s audit -f audit.dump "$OCOPSTAMP_STORE" 2>/dev/null || fail "mdb_load"
"$G" audit verify >verify.txt || true
grep -q '^BROKEN at entry 2' verify.txt && ok "tampered: stampgen audit verify says $(cat verify.txt)" ||
	fail "tamper: $(cat verify.txt)"
req audit GET /audit -H "Cookie: $COOKIE"
grep -q "id=\"verify\" role=\"alert\">[^<]*BROKEN at entry 2" audit && ok "the audit page says broken at entry 2" ||
	fail "audit after tamper: $(grep -o 'id="verify"[^<]*' audit)"

# ---- scans charts ------------------------------------------------------------------------------
S3=$(b32_of "$(url a 3)") S4=$(b32_of "$(url a 4)") S7=$(b32_of "$(url b 7)")
out=$($CLIENT "$VD_PORT" "/S/$S3" phones 30) && ok "30 phones scanned serial 3" || fail "client: $out"
out=$($CLIENT "$VD_PORT" "/S/$S4" phones 4) && ok "4 phones scanned serial 4" || fail "client: $out"
out=$($CLIENT "$VD_PORT" "/S/$S7" phone 3 127.0.0.5) && ok "one phone scanned serial 7 three times" || fail "client: $out"
SK=$(b32_of "$(sed -n 2p k/manifest.csv | cut -d, -f2)")
out=$($CLIENT "$VD_PORT" "/S/$SK" phones 2) && ok "2 phones scanned a stamp of NM-KP-30" || fail "client: $out"
c() { fetch "/api/v1/stamps/$1"; json scans.counted; }
C3=$(c "$S3") C4=$(c "$S4") C7=$(c "$S7") CK=$(c "$SK")
fetch "/api/v1/stamps/$S3"
json_is verdict suspicious "verifyd: serial 3 suspicious"
vd_stop
cp -r "$WORK/scans" scans-copy
rm -f scans-copy/lock.mdb
chmod -R a-w scans-copy
find scans-copy -type f -exec sha256sum {} + | sort >scans.sum
TOTAL=$((C3 + C4 + C7))
[ "$TOTAL" -gt 30 ] && ok "verifyd counted $C3 + $C4 + $C7 scans" || fail "counts: $C3 $C4 $C7"

kill "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
PID=
grep -Eq 'Sanitizer|runtime error:' console.err && fail "sanitizer report in the console's log: $(head -20 console.err)" ||
	ok "no sanitizer report in the console's log"
console_start --scans "$WORK/scans-copy"
console_sign_in
req home GET / -H "Cookie: $COOKIE"
[ "$S" = 200 ] && grep -q '<svg role="img" aria-labelledby="days-t"' home && grep -q '<title id="days-t">' home &&
	grep -q '<svg role="img" aria-labelledby="prod-t"' home && ! grep -q 'style=' home &&
	ok "two SVG charts, each with its title, no style attribute" || fail "charts: $S"
grep -q "<p id=\"scan-totals\">$((TOTAL + CK)) lượt quét được tính, 4 tem đã quét" home &&
	ok "the totals: $((TOTAL + CK)) counted scans of 4 stamps, as verifyd counted" || fail "totals: $(grep -o 'id="scan-totals">[^<]*' home)"
grep -q "<table id=\"products\">.*<tr><td>NM-COT-HH</td><td>3</td><td>$TOTAL</td></tr><tr><td>NM-KP-30</td><td>1</td><td>$CK</td></tr></table>" home &&
	ok "scans by product, most first: NM-COT-HH 3 stamps $TOTAL scans, NM-KP-30 1 stamp $CK" || fail "products table"
TODAY=$(TZ=Asia/Ho_Chi_Minh date +%Y-%m-%d)
# verifyd's own count of the day, in its daily database: key the date (u32 big-endian YYYYMMDD)
KEY=$(printf '%08x' "$(TZ=Asia/Ho_Chi_Minh date +%Y%m%d)")
VAL=$(printf '%016x' $((TOTAL + CK)))
cp -r scans-copy daily-probe # mdb_dump makes a lock file: not in the copy the console reads
chmod -R u+w daily-probe
mdb_dump -n -s daily daily-probe/data.mdb 2>/dev/null | sed -n '/^HEADER=END/,/^DATA=END/p' | grep -v '=END' | tr -d ' ' >daily.dump
[ "$(cat daily.dump)" = "$(printf '%s\n%s' "$KEY" "$VAL")" ] &&
	ok "verifyd counted $((TOTAL + CK)) scans on $TODAY in its daily database, no other day" ||
	fail "daily database: $(cat daily.dump | tr '\n' ' ') (expected $KEY $VAL)"
grep -q "<table id=\"days\">.*</caption><tr><th scope=\"col\">Ngày</th><th scope=\"col\">Lượt quét</th></tr><tr><td>$TODAY</td><td>$((TOTAL + CK))</td></tr></table>" home &&
	ok "scans by day, verifyd's count: today $TODAY, $((TOTAL + CK)) scans, no other day" || fail "days table: $(grep -o '<table id="days">.*' home | head -c 400)"
grep -q '<p id="days-note">Mỗi cột là số lượt quét được tính trong ngày đó' home && ! grep -q 'ước tính' home &&
	ok "the chart by day says it is verifyd's count per day" || fail "days note: $(grep -o '<p id="days-note">[^<]*' home)"
grep -q '<table id="suspects">.*<tr><td>3</td><td>30</td><td><a href="/batches/1">1</a></td></tr>' home &&
	ok "serial 3 listed as suspicious (30 scanners), linked to batch 1" || fail "suspects: $(grep -o 'id="suspects".*' home | head -c 400)"
grep -q '<tr><td>4</td><td>4</td>' home && fail "serial 4 (4 scanners) listed as suspicious" ||
	ok "serial 4 (4 scanners) is not"
# the charts are drawn from a summary made at start: a change of the registry makes it again
g revoke --serial 3 --reason stolen >/dev/null
req home2 GET / -H "Cookie: $COOKIE"
! grep -q '<table id="suspects">.*<tr><td>3</td>' home2 && grep -q "<p id=\"scan-totals\">$((TOTAL + CK)) lượt" home2 &&
	ok "serial 3 revoked meanwhile: no longer listed as suspicious, the totals the same" ||
	fail "after the revocation: $(grep -o 'id="suspects".*' home2 | head -c 300)"
find scans-copy -type f -exec sha256sum {} + | sort >scans.after
cmp -s scans.sum scans.after && [ ! -e scans-copy/lock.mdb ] &&
	ok "the scans folder was not written (no lock file made)" || fail "the scans folder changed"
chmod -R u+w scans-copy
kill "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
PID=
grep -Eq 'Sanitizer|runtime error:' console.err && fail "sanitizer report in the console's log: $(head -20 console.err)" ||
	ok "no sanitizer report in the console's log"

# ---- a copy from a verifyd before the count per day: the approximation, said so -----------
mkdir scans-old
for db in scans meta; do mdb_dump -n -s "$db" daily-probe/data.mdb | mdb_load -n -s "$db" scans-old/data.mdb 2>/dev/null || fail "mdb_load $db"; done
rm -f scans-old/data.mdb-lock
chmod -R a-w scans-old
console_start --scans "$WORK/scans-old"
console_sign_in
req home GET / -H "Cookie: $COOKIE"
grep -q "<p id=\"scan-totals\">$((TOTAL + CK)) lượt quét được tính, 4 tem đã quét" home &&
	grep -q "<table id=\"days\">.*<tr><td>$TODAY</td><td>4</td><td>$((TOTAL + CK))</td></tr>" home &&
	ok "an older copy: scans by the day of each stamp's last scan, today $TODAY, 4 stamps, $((TOTAL + CK)) scans" ||
	fail "older copy: $S $(grep -o 'id="scan-totals">[^<]*' home) $(grep -o '<table id="days">.*' home | head -c 300)"
grep -q '<p id="days-note">Thư mục này từ một verifyd cũ, không đếm lượt quét theo từng ngày' home &&
	grep -q '<title id="days-t">Lượt quét theo ngày quét cuối (ước tính)' home &&
	ok "... labelled as an approximation" || fail "older copy's note: $(grep -o '<p id="days-note">[^<]*' home)"
chmod -R u+w scans-old
kill "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
PID=
grep -Eq 'Sanitizer|runtime error:' console.err && fail "sanitizer report in the console's log: $(head -20 console.err)" ||
	ok "no sanitizer report in the console's log"
finish
