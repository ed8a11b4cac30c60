#!/bin/sh
# Revocation end to end, as an officer and a shopper see it: three batches
# (two lots of one product, one of another); verifyd started once, before any
# revocation, and never restarted. For each scope (--serial, --serials,
# --batch, --lot, --product, --key, --key --from) a dry run counts the issued
# stamps and writes nothing; the revocation makes stampgen verify say REVOKED
# with the reason, note and date, verifyd's JSON carry the revocation and its
# page the revoked (or recalled) verdict with the note HTML-escaped, while a
# stamp just outside the scope stays genuine; unrevoke makes it genuine again
# everywhere. revoke list shows both states and who acted. Bad input is
# refused with a message naming the problem and leaves the store
# byte-identical. A genuine code under another host is FOREIGN HOST.
. "$(dirname "$0")/lib_verifyd.sh"
G=$STAMPGEN
URL=https://tem.thanhhoa.gov.vn
# Dates as stampgen counts them: Vietnam time (UTC+7, no summer time).
TODAY=$(TZ=UTC-7 date +%Y-%m-%d)
TOMORROW=$(TZ=UTC-7 date -d '+1 day' +%Y-%m-%d)
NOTE_HTML='Tem <b>mất</b> & "giả" '\''kho 3'\'''
NOTE_HTML_ESC='Tem &lt;b&gt;mất&lt;/b&gt; &amp; &quot;giả&quot; &#39;kho 3&#39;'
ACTOR='Nguyễn Văn An'
UNDOER='Trần Thị Bình'


# ---- setup: key, registry, three batches -----------------------------------
expect_exit 0 "keygen" -- "$G" keygen -o k1 --label test
expect_exit 0 "import the sample cooperatives" -- "$G" coop import "$SAMPLES/coops.csv"
expect_exit 0 "import the sample products" -- "$G" product import "$SAMPLES/products.csv"
KID=$("$G" key list | sed -n 2p | cut -f1)
echo "$KID" | grep -Eq '^[0-9A-F]{8}$' && ok "key list gives the key id $KID" || fail "key id '$KID'"
issue() { # PRODUCT LOT OUT: 5 stamps
	expect_exit 0 "issue $1 lot $2" -- "$G" issue --product "$1" --lot "$2" --produced 2026-11-01 \
		--count 5 --key k1.key --base-url "$URL" --out "$3" --no-images
}
issue NM-COT-HH LOT-A a # batch 1, serials 1-5
issue NM-COT-HH LOT-B b # batch 2, serials 6-10
issue NM-KP-30 LOT-C c  # batch 3, serials 11-15
# code N: stamp N's full code (URL) from its batch's manifest; b32 N: its base32
code() { awk -F, -v s="$1" '$1 == s { print $2 }' a/manifest.csv b/manifest.csv c/manifest.csv 2>/dev/null; }
b32() { b32_of "$(code "$1")"; }
[ -n "$(code 1)" ] && [ -n "$(code 10)" ] && [ -n "$(code 15)" ] && [ -z "$(code 16)" ] &&
	ok "three batches issued: serials 1-15" || fail "batches not issued as expected"
# A second store with its own key: that key is not registered in ours.
expect_exit 0 "keygen in another store" -- "$G" -s other keygen -o k2
KID2=$("$G" -s other key list | sed -n 2p | cut -f1)
[ "$FAILS" -eq 0 ] || { echo "setup failed: stopping"; finish; }

vd_start --registry "$WORK/store" --scans "$WORK/scans" || { fail "verifyd starts"; finish; }
ok "verifyd listens on 127.0.0.1:$VD_PORT, before any revocation"
FIRST_PID=$VD_PID

# ---- checks on one stamp ----------------------------------------------------
# genuine N WHY: stampgen verify and verifyd's JSON say genuine
genuine() {
	expect_exit 0 "verify stamp $1 ($2)" -- "$G" verify "$(code "$1")"
	out_has "GENUINE" "stamp $1 GENUINE ($2)"
	expect_status 200 "API: stamp $1 ($2)" "/api/v1/stamps/$(b32 "$1")"
	json_is verdict genuine "API: stamp $1 genuine ($2)"
	json_is revocation MISSING "API: stamp $1 has no revocation ($2)"
}
# revoked N REASON NOTE SCOPE ID: stampgen verify and the JSON say revoked,
# with this reason, note, date, scope and revocation number
revoked() {
	n=$1 reason=$2 rnote=$3 scope=$4 rid=$5
	expect_exit 1 "verify stamp $n (revocation $rid)" -- "$G" verify "$(code "$n")"
	if [ -n "$rnote" ]; then
		out_has "REVOKED: $reason — $rnote (since $TODAY, revocation $rid)" \
			"stamp $n REVOKED: $reason, its note, since today"
	else
		out_has "REVOKED: $reason (since $TODAY, revocation $rid)" "stamp $n REVOKED: $reason, since today"
	fi
	expect_status 200 "API: stamp $n (revocation $rid)" "/api/v1/stamps/$(b32 "$n")"
	json_is verdict revoked "API: stamp $n verdict revoked, verifyd not restarted"
	json_is signature_valid true "API: stamp $n signature still valid"
	json_is revocation.id "$rid" "API: stamp $n revocation.id $rid"
	json_is revocation.reason "$reason" "API: stamp $n revocation.reason $reason"
	if [ -n "$rnote" ]; then json_is revocation.note "$rnote" "API: stamp $n revocation.note exact"; fi
	json_is revocation.scope "$scope" "API: stamp $n revocation.scope $scope"
	since=$(json revocation.since)
	case $since in "$TODAY"T*+07:00) ok "API: stamp $n revocation.since today ($since)" ;;
	*) fail "API: stamp $n revocation.since '$since', expected ${TODAY}T...+07:00" ;; esac
	[ "$n" -le 10 ] && p=NM-COT-HH || p=NM-KP-30
	json_is product.id "$p" "API: stamp $n still names its product"
}
# page N VI EN: the shopper's page in both languages shows these verdicts
page() {
	expect_status 200 "page: stamp $1" "/S/$(b32 "$1")"
	body_has "$2" "page: stamp $1 says '$2'"
	body_lacks "Tem chính hãng" "page: stamp $1 does not say genuine"
	expect_status 200 "English page: stamp $1" "/S/$(b32 "$1")?lang=en"
	body_has "$3" "English page: stamp $1 says '$3'"
	body_lacks "Genuine stamp" "English page: stamp $1 does not say genuine"
}
# dry TARGET... -- COUNT: a dry run of revoke TARGET counts COUNT stamps, writes nothing
dry() {
	args=
	while [ "$1" != -- ]; do args="$args $1"; shift; done
	count=$2
	dump_store "$WORK/before.dump"
	# shellcheck disable=SC2086
	expect_exit 0 "dry run of revoke$args" -- "$G" revoke $args --reason lost --dry-run
	if [ "$count" = 1 ]; then word=stamp; else word=stamps; fi
	out_has ": $count issued $word " "dry run of revoke$args counts $count stamps"
	out_has "nothing was written" "dry run of revoke$args says nothing was written"
	same_store "dry run of revoke$args"
}
# unrev ID N: unrevoke ID as $UNDOER; stamp N is genuine again
unrev() {
	expect_exit 0 "unrevoke $1" -- "$G" unrevoke "$1" --actor "$UNDOER"
	out_has "revocation $1 is undone" "unrevoke $1 says so"
	genuine "$2" "after unrevoke $1"
}

genuine 1 "before any revocation"

# ---- 1. --serial: one stamp, a note with HTML in it -------------------------
dry --serial 2 -- 1
expect_exit 0 "revoke --serial 2" -- "$G" revoke --serial 2 --reason stolen --note "$NOTE_HTML" \
	--actor "$ACTOR"
out_has "revocation 1: serial 2, 1 issued stamp," "revoke --serial 2 is revocation 1 of 1 stamp"
revoked 2 stolen "$NOTE_HTML" serials 1
grep -Fq '"note":"Tem <b>mất</b> & \"giả\" '\''kho 3'\''"' "$WORK/body" &&
	ok "API: the note is JSON-escaped in the body" || fail "API: note not JSON-escaped as expected: $(cat "$WORK/body")"
page 2 "Tem đã bị thu hồi" "Revoked stamp"
body_has "The stamp was stolen" "English page gives the reason"
body_has "$NOTE_HTML_ESC" "English page: the note HTML-escaped"
expect_status 200 "page: stamp 2 again" "/S/$(b32 2)"
body_has "Tem bị đánh cắp" "page gives the reason in Vietnamese"
body_has "$NOTE_HTML_ESC" "page: the note HTML-escaped"
body_lacks "<b>" "page: no raw <b> from the note"
body_lacks '"giả"' "page: no raw double quotes from the note"
body_lacks "'kho 3'" "page: no raw single quotes from the note"
body_lacks "& \"" "page: no raw ampersand from the note"
genuine 1 "beside revoked serial 2"
genuine 3 "beside revoked serial 2"

# unrevoke: genuine again, in stampgen and in the running verifyd
unrev 1 2
expect_status 200 "page: stamp 2 after unrevoke" "/S/$(b32 2)"
body_has "Tem chính hãng" "page: stamp 2 genuine again"
body_lacks "Tem đã bị thu hồi" "page: stamp 2 no longer revoked"
dump_store "$WORK/before.dump"
expect_exit 1 "unrevoke 1 twice" -- "$G" unrevoke 1
out_has "revocation 1 is undone already" "second unrevoke says it is undone already"
expect_exit 1 "unrevoke a missing id" -- "$G" unrevoke 99
out_has "revocation 99 does not exist" "unrevoke 99 says it does not exist"
same_store "failed unrevokes"

# ---- 2. --serials: a range across two batches -------------------------------
dry --serials 3-7 -- 5
dry --serials 14-40 -- 2
expect_exit 0 "revoke --serials 3-7" -- "$G" revoke --serials 3-7 --reason lost --actor "$ACTOR"
out_has "revocation 2: serials 3-7, 5 issued stamps" "revoke --serials 3-7 is revocation 2"
revoked 3 lost "" serials 2
revoked 7 lost "" serials 2
page 5 "Tem đã bị thu hồi" "Revoked stamp"
body_has "The stamp was lost" "English page: reason lost"
genuine 2 "below the range"
genuine 8 "above the range"
# revoke list: one undone, one in force, and who
expect_exit 0 "revoke list" -- "$G" revoke list
out_has "$(printf '1\tundone\tserial 2\tstolen\t%s\t%s\t%s' "$TODAY" "$ACTOR" "$NOTE_HTML")" \
	"revoke list: 1 undone, serial 2, stolen, date, actor, note"
out_has "(undone on $TODAY by $UNDOER)" "revoke list: who undid 1, and when"
out_has "$(printf '2\tin force\tserials 3-7\tlost\t%s\t%s' "$TODAY" "$ACTOR")" \
	"revoke list: 2 in force, serials 3-7, lost, date, actor"
unrev 2 3
genuine 7 "after unrevoke 2"

# ---- 3. --batch ---------------------------------------------------------------
dry --batch 2 -- 5
expect_exit 0 "revoke --batch 2" -- "$G" revoke --batch 2 --reason printed-in-error --note "In lệch màu"
out_has "revocation 3: batch 2 (NM-COT-HH, lot LOT-B), 5 issued stamps" "revoke --batch 2 names its lot"
revoked 6 printed-in-error "In lệch màu" batch 3
revoked 10 printed-in-error "In lệch màu" batch 3
page 8 "Tem đã bị thu hồi" "Revoked stamp"
body_has "The stamp was printed in error" "English page: reason printed in error"
genuine 5 "batch 1, same product"
genuine 11 "batch 3"
unrev 3 6

# ---- 4. --lot PRODUCT:LOT: a recall -------------------------------------------
dry --lot NM-COT-HH:LOT-A -- 5
expect_exit 0 "revoke --lot NM-COT-HH:LOT-A" -- "$G" revoke --lot NM-COT-HH:LOT-A --reason recalled \
	--note "Lô nhiễm khuẩn"
out_has "revocation 4: batch 1 (NM-COT-HH, lot LOT-A), 5 issued stamps" "revoke --lot is revocation 4 of batch 1"
revoked 1 recalled "Lô nhiễm khuẩn" batch 4
revoked 5 recalled "Lô nhiễm khuẩn" batch 4
page 3 "Sản phẩm bị thu hồi — không sử dụng" "Product recalled — do not consume"
body_has "Lô nhiễm khuẩn" "recall page shows the note"
genuine 6 "the product's other lot"
genuine 12 "another product"
unrev 4 1

# ---- 5. --product ---------------------------------------------------------------
dry --product NM-KP-30 -- 5
dry --product NM-COT-HH -- 10
expect_exit 0 "revoke --product NM-KP-30" -- "$G" revoke --product NM-KP-30 \
	--reason certificate-withdrawn --note "QĐ 77/QĐ-UBND"
out_has "revocation 5: product NM-KP-30, 5 issued stamps" "revoke --product is revocation 5"
revoked 11 certificate-withdrawn "QĐ 77/QĐ-UBND" product 5
revoked 15 certificate-withdrawn "QĐ 77/QĐ-UBND" product 5
page 13 "Tem đã bị thu hồi" "Revoked stamp"
body_has "The product&#39;s OCOP certificate was withdrawn" "English page: certificate withdrawn"
genuine 10 "another product"
unrev 5 11

# ---- 6. --key --from a later date: covers nothing -------------------------------
dry --key "$KID" --from "$TOMORROW" -- 0
expect_exit 0 "revoke --key $KID --from $TOMORROW" -- "$G" revoke --key "$KID" --from "$TOMORROW" \
	--reason key-compromised
out_has "revocation 6: key $KID, batches from $TOMORROW, 0 issued stamps" "revoke --key --from tomorrow: 0 stamps"
genuine 1 "key revoked only from tomorrow"
genuine 15 "key revoked only from tomorrow"
unrev 6 8

# ---- 7. --key --from today: covers the batches issued today ---------------------
dry --key "$KID" --from "$TODAY" -- 15
TODAY_DMY=$(echo "$TODAY" | awk -F- '{ print $3 "/" $2 "/" $1 }')
dry --key "$KID" --from "$TODAY_DMY" -- 15
expect_exit 0 "revoke --key $KID --from $TODAY" -- "$G" revoke --key "$KID" --from "$TODAY" \
	--reason key-compromised --note "Khóa bị lộ"
out_has "revocation 7: key $KID, batches from $TODAY, 15 issued stamps" "revoke --key --from today: 15 stamps"
revoked 1 key-compromised "Khóa bị lộ" key 7
revoked 15 key-compromised "Khóa bị lộ" key 7
page 9 "Tem đã bị thu hồi" "Revoked stamp"
body_has "The stamp&#39;s signing key was compromised" "English page: key compromised"
unrev 7 15

# ---- 8. --key: every stamp it signed ----------------------------------------------
dry --key "$KID" -- 15
expect_exit 0 "revoke --key $KID" -- "$G" revoke --key "$KID" --reason key-compromised
out_has "revocation 8: key $KID, 15 issued stamps" "revoke --key: 15 stamps"
revoked 4 key-compromised "" key 8
revoked 12 key-compromised "" key 8
unrev 8 4
genuine 12 "after unrevoke 8"

# ---- the list at the end: eight revocations, all undone ---------------------------
expect_exit 0 "revoke list at the end" -- "$G" revoke list
n=$(grep -c "	undone	" "$WORK/out" || true)
[ "$n" = 8 ] && ok "revoke list: 8 revocations undone" || fail "revoke list: $n undone, expected 8"
grep -q "	in force	" "$WORK/out" && fail "revoke list: one still in force" || ok "revoke list: none in force"

# ---- bad input: refused, with a message, store unchanged -----------------------
# bad EXIT TEXT DESCRIPTION -- ARGS...: revoke ARGS exits EXIT, says TEXT, writes nothing
bad() {
	want=$1 text=$2 what=$3
	shift 4
	dump_store "$WORK/before.dump"
	expect_exit "$want" "$what" -- "$G" revoke "$@"
	out_has "$text" "$what: message says '$text'"
	same_store "$what"
}
bad 2 "--reason is required" "no --reason" -- --serial 1
bad 2 "lost, stolen, recalled, certificate-withdrawn, key-compromised, printed-in-error, other" \
	"unknown reason" -- --serial 1 --reason bogus
out_has '"bogus"' "unknown reason: the message quotes it"
bad 2 "exactly one of" "two targets" -- --serial 1 --batch 1 --reason lost
bad 2 "--from goes with --key only" "--from without --key" -- --batch 1 --from "$TODAY" --reason lost
bad 2 '--serials: expected A-B' "--serials 20-10" -- --serials 20-10 --reason lost
bad 2 '--lot: expected PRODUCT:LOT' "--lot without a colon" -- --lot NM-COT-HH --reason lost
bad 1 'product "NM-COT-HH" has no batch with lot "NOPE"' "--lot of a missing lot" -- \
	--lot NM-COT-HH:NOPE --reason lost
bad 1 "batch 99 does not exist" "--batch 99" -- --batch 99 --reason lost
bad 1 '"NOPE" is not registered' "--product NOPE" -- --product NOPE --reason lost
bad 1 "$KID2 is not registered" "--key of an unregistered key" -- --key "$KID2" --reason lost
LONG=$(printf '%0256d' 0)
bad 1 "longer than 255 bytes" "a note of 256 bytes" -- --serial 1 --reason lost --note "$LONG"
bad 1 "control character" "a note with a control character" -- --serial 1 --reason lost \
	--note "$(printf 'a\001b')"
bad 1 "control character" "a dry run refuses the note the real run refuses" -- --serial 1 \
	--reason lost --note "$(printf 'a\001b')" --dry-run
bad 1 "at most 63 bytes" "an --actor of 64 bytes" -- --serial 1 --reason lost \
	--actor "$(printf '%064d' 0)"
bad 1 "actor: control character" "an --actor with a tab" -- --serial 1 --reason lost \
	--actor "$(printf 'x\ty')"
# a dry run of a lot names the batch the real run would revoke
expect_exit 0 "dry run of --lot" -- "$G" revoke --lot NM-COT-HH:LOT-B --reason lost --dry-run
out_has "would revoke batch 2 (NM-COT-HH, lot LOT-B): 5 issued stamps" "dry run of --lot names batch 2"
dump_store "$WORK/before.dump"
expect_exit 0 "a note of 255 bytes" -- "$G" revoke --serial 1 --reason other --note "${LONG#0}"
revoked 1 other "${LONG#0}" serials 9
unrev 9 1

# ---- a genuine code under another host -------------------------------------
expect_exit 0 "verify stamp 3 under its own host" -- "$G" verify "$(code 3)"
expect_exit 1 "verify stamp 3 under another host" -- "$G" verify "HTTPS://ELSEWHERE.EXAMPLE/S/$(b32 3)"
out_has "FOREIGN HOST" "another host: FOREIGN HOST"
out_has "ELSEWHERE.EXAMPLE" "FOREIGN HOST names the host"

# ---- the daemon: same process all along, clean stop, no sanitizer report --------
[ "$VD_PID" = "$FIRST_PID" ] && vd_alive && ok "verifyd ran throughout, never restarted" ||
	fail "verifyd was restarted or died"
vd_stop TERM
[ "$VD_RC" = 0 ] && ok "verifyd: SIGTERM exits 0" || fail "verifyd: SIGTERM exit $VD_RC"
finish
