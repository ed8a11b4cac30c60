#!/bin/sh
# stampgen console, issuing (issue #11): the console started with --key (a key
# with a passphrase) and --out; the issue form proposes the expiry from the
# product's shelf life and recomputes it for another production date; a bad
# form (count 0, no lot, markup in the lot) is a 422 with the rule beside
# each field, the markup shown back escaped, and the store unchanged; a
# wrong passphrase: the job says so in words and no batch exists; a good
# issuance of 12 stamps: the job page (refresh, progress) ends on the batch
# page; its PDF (pdftoppm, zbarimg) holds codes `stampgen verify` says are
# genuine; its ZIP holds 12 PNGs whose codes are manifest.csv's; the audit
# entry names the session's user as actor; the passphrase is in no page, no
# log, no file; another session cannot see the job; a stage added on the
# batch page is in `stampgen event list`; the sample label is a PNG whose
# code does not verify.
. "$(dirname "$0")/lib.sh"
g() { "$STAMPGEN" -q "$@"; }
PASS='mật khẩu bí mật 7'
printf '%s\n' "$PASS" >pass.txt
chmod 600 pass.txt
g keygen -o prov --passphrase-file pass.txt >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
P=NM-COT-HH # shelf life 730 days

. "$(dirname "$0")/lib_console.sh"
OCOPSTAMP_ACTOR=officer-lan
export OCOPSTAMP_ACTOR
console_start --key prov.key --out batches
console_sign_in

req pick GET /issue -H "Cookie: $COOKIE"
[ "$S" = 200 ] && grep -q '<label for="product">' pick && grep -q "<option value=\"$P\">" pick &&
	ok "the issue page: a product to choose, with its label" || fail "issue page: $S"
req form GET "/issue?product=$P" -H "Cookie: $COOKIE"
[ "$S" = 200 ] && ok "the form of $P" || fail "form: $S"
for f in lot produced expiry count template base_url passphrase; do
	grep -q "<label for=\"$f\">" form && grep -q "id=\"$f\"" form || fail "no label for $f"
done
ok "every input has its label"
TODAY=$(TZ=Asia/Ho_Chi_Minh date +%Y-%m-%d)
grep -q "id=\"produced\" name=\"produced\" type=\"text\" value=\"$TODAY\"" form &&
	ok "production date proposed: today" || fail "produced: $(grep -o 'id="produced"[^>]*' form)"
WANT=$(TZ=UTC date -d "$TODAY + 730 days" +%Y-%m-%d)
grep -q "id=\"expiry\" name=\"expiry\" type=\"text\" value=\"$WANT\"" form && grep -q '730' form &&
	ok "expiry proposed: produced + 730 days, saying so" || fail "expiry: $(grep -o 'id="expiry"[^>]*' form)"
grep -q '<img class="preview" src="/issue/preview?template=' form && grep -q 'MẪU' form &&
	ok "a sample label, marked MẪU" || fail "no preview"
PREV=$(sed -n 's/.*<img class="preview" src="\([^"]*\)".*/\1/p' form | sed 's/&amp;/\&/g')
req preview.png GET "$PREV" -H "Cookie: $COOKIE"
if [ "$S" = 200 ] && [ "$(head -c 4 preview.png | od -An -c | tr -d ' ')" = '211PNG' ]; then
	ok "the preview is a PNG"
	SAMPLE=$(zbarimg --raw -q --nodbus preview.png 2>/dev/null || true)
	[ -n "$SAMPLE" ] && ok "its code reads" || fail "the preview's code does not read"
	expect_exit 1 "the sample code does not verify" -- "$STAMPGEN" verify "$SAMPLE"
else
	fail "preview: $S"
fi

# another production date: the untouched proposal follows it
req recompute POST /issue -H "Cookie: $COOKIE" -H "Origin: $B" --data-urlencode "csrf=$CSRF" \
	--data-urlencode "product=$P" --data-urlencode "produced=2026-01-10" \
	--data-urlencode "expiry=$WANT" --data-urlencode "proposed=$WANT" --data-urlencode "action=recompute" \
	--data-urlencode "count=12" --data-urlencode "template=$(sed -n 's/.*<option value="\([^"]*\)" selected.*/\1/p' form | head -1)"
grep -q 'id="expiry" name="expiry" type="text" value="2028-01-10"' recompute &&
	ok "another production date: the expiry recomputed on the server (2028-01-10)" ||
	fail "recompute ($S): $(grep -o 'id="expiry"[^>]*' recompute)"

TPL=$(sed -n 's/.*<option value="\([^"]*\)" selected.*/\1/p' form | head -1)
BASE=https://tem.thanhhoa.gov.vn
dump_store before.dump
post bad /issue --data-urlencode "csrf=$CSRF" --data-urlencode "product=$P" --data-urlencode "lot=" \
	--data-urlencode "produced=2026-11-01" --data-urlencode "count=0" --data-urlencode "template=$TPL" \
	--data-urlencode "base_url=$BASE" --data-urlencode "passphrase=$PASS"
[ "$S" = 422 ] && ok "count 0 and no lot: 422" || fail "bad form: $S"
grep -q 'id="lot" name="lot" type="text" value="" aria-invalid="true"> <span class="err" id="err-0">lot: bắt buộc' bad &&
	ok "no lot: the rule beside the field" || fail "lot: $(grep -o 'id="lot"[^<]*<span[^<]*' bad)"
grep -q 'aria-invalid="true"> <span class="err" id="err-3">count: từ 1 đến 100000' bad &&
	ok "count 0: the rule beside the field" || fail "count: $(grep -o 'id="count"[^<]*<span[^<]*' bad)"
post bad2 /issue --data-urlencode "csrf=$CSRF" --data-urlencode "product=$P" \
	--data-urlencode 'lot=<script>x</script>' --data-urlencode "produced=2026-11-31" --data-urlencode "count=12" \
	--data-urlencode "template=$TPL" --data-urlencode "base_url=$BASE"
[ "$S" = 422 ] && grep -q 'value="&lt;script&gt;x&lt;/script&gt;"' bad2 && ! grep -q '<script>x' bad2 &&
	ok "markup in the lot: shown back escaped (422 for the impossible date)" || fail "markup: $S"
grep -q 'id="produced"[^>]*aria-invalid="true"> <span class="err"' bad2 && ok "the bad date marked beside its field" ||
	fail "date: $(grep -o 'id="produced"[^<]*' bad2)"
grep -q "$PASS" bad && fail "the passphrase shown back" || ok "the passphrase is not shown back"
dump_store after.dump
cmp -s before.dump after.dump && ok "refused forms: store unchanged" || fail "a refused form changed the store"

# a wrong passphrase: the job says so, and nothing is stored
post wrong /issue --data-urlencode "csrf=$CSRF" --data-urlencode "product=$P" --data-urlencode "lot=L-WRONG" \
	--data-urlencode "produced=2026-11-01" --data-urlencode "count=12" --data-urlencode "template=$TPL" \
	--data-urlencode "base_url=$BASE" --data-urlencode "passphrase=not it" --data-urlencode "action=issue"
JOB=$(tr -d '\r' <wrong.h | sed -n 's/^[Ll]ocation: //p')
[ "$S" = 303 ] && case $JOB in /issue/jobs/[0-9]*) true ;; *) false ;; esac &&
	ok "the POST: 303 to the job's page ($JOB)" || fail "wrong passphrase POST: $S $JOB"
poll() { # poll OUT JOB: the job's page until it is no longer running (30 s at most)
	i=0
	while [ $i -lt 300 ]; do
		req "$1" GET "$2" -H "Cookie: $COOKIE"
		grep -q 'http-equiv="refresh"' "$1" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "the job $2 did not end"
}
poll wrongjob "$JOB"
grep -q 'id="failed">Sai mật khẩu của khóa' wrongjob && grep -q 'Không có lô nào được lưu' wrongjob &&
	ok "wrong passphrase: the job says so in words, no batch stored" || fail "wrong job: $(cat wrongjob)"
dump_store after2.dump
[ "$(g batch list 2>/dev/null | grep -c L-WRONG || true)" = 0 ] && ! grep -q 'L-WRONG' after2.dump &&
	ok "and no batch of that lot exists" || fail "a batch was stored with a wrong passphrase"
[ ! -e batches/batch-1 ] && ok "no batch folder" || fail "batches/batch-1 exists"

# a good issuance of 12 stamps
post good /issue --data-urlencode "csrf=$CSRF" --data-urlencode "product=$P" --data-urlencode "lot=L-12" \
	--data-urlencode "produced=2026-11-01" --data-urlencode "expiry=" --data-urlencode "count=12" \
	--data-urlencode "template=$TPL" --data-urlencode "base_url=$BASE" --data-urlencode "passphrase=$PASS" \
	--data-urlencode "action=issue"
JOB=$(tr -d '\r' <good.h | sed -n 's/^[Ll]ocation: //p')
[ "$S" = 303 ] && ok "issue 12: 303 to $JOB" || fail "good POST: $S"
req first GET "$JOB" -H "Cookie: $COOKIE"
if grep -q '<meta http-equiv="refresh" content="1">' first; then
	grep -q '<progress id="p" max="12" value="[0-9]*">' first &&
		ok "the job page refreshes itself and shows its progress" || fail "job page: $(cat first)"
else
	grep -q 'id="finished"' first && ok "the job was done at once" || fail "job page: $(cat first)"
fi
poll goodjob "$JOB"
grep -q 'id="finished">Đã phát hành lô 1: 12 tem.' goodjob && grep -q 'href="/batches/1"' goodjob &&
	ok "done: batch 1 of 12 stamps, linked" || fail "good job: $(cat goodjob)"
# the job is the session's: without it, or with another cookie, it is not shown
req job-nosession GET "$JOB"
grep -q 'Đã phát hành' job-nosession && fail "the job seen without a session" || ok "no session: no job"
req job-forged GET "$JOB" -H "Cookie: ocs_console=$(printf '%064d' 7)"
grep -q 'Đã phát hành' job-forged && fail "the job seen with another cookie" || ok "another cookie: no job"

req batch GET /batches/1 -H "Cookie: $COOKIE"
[ "$S" = 200 ] && grep -q '<th scope="row">Số lô</th><td>L-12</td>' batch &&
	grep -q '<th scope="row">Hạn dùng</th><td>2028-10-31</td>' batch &&
	grep -q '<th scope="row">Người phát hành</th><td>officer-lan</td>' batch &&
	ok "the batch page: lot, expiry from the shelf life, who issued it" ||
	fail "batch page: $S $(grep -o '<table id="facts">.*</table>' batch | head -c 600)"
[ -d batches/batch-1 ] && [ -f batches/batch-1/sheet.pdf ] && ok "the folder batches/batch-1, its sheet inside" ||
	fail "batches/batch-1: $(ls batches 2>&1)"
req list GET /batches -H "Cookie: $COOKIE"
grep -q '<a href="/batches/1">1</a></td><td>NM-COT-HH</td><td>L-12</td>' list && ok "/batches lists it" ||
	fail "batches list"
req sheet.pdf GET /batches/1/sheet.pdf -H "Cookie: $COOKIE"
if [ "$S" = 200 ] && [ "$(head -c 5 sheet.pdf)" = '%PDF-' ]; then
	ok "the sheet PDF downloads"
	pdftoppm -r 300 -png -f 1 -l 1 sheet.pdf page
	CODE=$(zbarimg --raw -q --nodbus page*.png 2>/dev/null | head -1)
	[ -n "$CODE" ] && ok "zbarimg reads a code off the sheet" || fail "no code on the sheet"
	expect_exit 0 "stampgen verify: the sheet's code is genuine" -- "$STAMPGEN" verify "$CODE"
else
	fail "sheet.pdf: $S"
fi
# the product's photo on the batch page (a JPEG made from the sheet)
pdftoppm -r 40 -jpeg -f 1 -l 1 sheet.pdf photo
g product image "$P" photo*.jpg >/dev/null 2>&1 || fail "product image"
req withphoto GET /batches/1 -H "Cookie: $COOKIE"
req photo.jpg GET /batches/1/photo -H "Cookie: $COOKIE"
grep -q '<img class="photo" src="/batches/1/photo"' withphoto && [ "$S" = 200 ] &&
	[ "$(head -c 2 photo.jpg | od -An -tx1 | tr -d ' ')" = ffd8 ] &&
	ok "the product's photo on the batch page (a JPEG)" || fail "photo: $S"
req manifest.csv GET /batches/1/manifest.csv -H "Cookie: $COOKIE"
[ "$S" = 200 ] && [ "$(tail -n +2 manifest.csv | wc -l)" = 12 ] && ok "manifest.csv: 12 rows" || fail "manifest: $S"
req stamps.zip GET /batches/1/stamps.zip -H "Cookie: $COOKIE"
[ "$S" = 200 ] && tr -d '\r' <stamps.zip.h | grep -q '^Content-Type: application/zip' &&
	ok "the ZIP downloads" || fail "zip: $S"
python3 - <<'EOF' >zip.out 2>&1 && ok "the ZIP holds 12 PNGs" || { fail "zip: $(cat zip.out)"; }
import zipfile
z = zipfile.ZipFile("stamps.zip")
names = z.namelist()
assert len(names) == 12 and all(n.endswith(".png") for n in names), names
z.extractall("zipped")
EOF
for f in zipped/*.png; do zbarimg --raw -q --nodbus "$f"; done | sort >zip-codes
tail -n +2 manifest.csv | cut -d, -f2 | sort >manifest-codes
[ -s zip-codes ] && cmp -s zip-codes manifest-codes && ok "the ZIP's codes are manifest.csv's" ||
	fail "zip codes differ: $(diff zip-codes manifest-codes | head -5)"
[ -f batches/batch-1/stamps.zip ] && ok "the ZIP kept in the batch folder" || fail "zip not kept"
req stamps2.zip GET /batches/1/stamps.zip -H "Cookie: $COOKIE"
cmp -s stamps.zip stamps2.zip && ok "and served again as it was" || fail "zip differs the second time"

g audit list >audit.txt 2>&1 || true
grep 'batch 1 issued' audit.txt | grep -q 'officer-lan' && ok "the audit entry names the session's user" ||
	fail "audit: $(grep -n 'batch 1' audit.txt | head -3)"

# a stage added on the batch page
post ev /batches/1/events --data-urlencode "csrf=$CSRF" --data-urlencode "stage=packing" \
	--data-urlencode "at=2026-11-02" --data-urlencode "place=Xưởng Khúc Phụ" --data-urlencode "note=đóng chai <b>"
[ "$S" = 303 ] && ok "a stage added: 303" || fail "event add: $S $(grep -o 'class="err"[^<]*' ev)"
g event list --batch 1 >events.txt 2>&1 || true
grep -q 'Xưởng Khúc Phụ' events.txt && ok "it is in stampgen event list" || fail "event list: $(cat events.txt)"
req batch2 GET /batches/1 -H "Cookie: $COOKIE"
grep -q 'Xưởng Khúc Phụ' batch2 && grep -q 'đóng chai &lt;b&gt;' batch2 && ok "and on the batch page, escaped" ||
	fail "stage not on the page"
post evbad /batches/1/events --data-urlencode "csrf=$CSRF" --data-urlencode "stage=packing" --data-urlencode "at=2026-13-45"
[ "$S" = 422 ] && grep -q 'id="ev-at"[^>]*aria-invalid="true"> <span class="err">' evbad &&
	ok "a bad day: 422, the rule beside the field" || fail "bad event: $S"

# a batch issued elsewhere: its folder rendered again by a job
rm -rf batches/batch-1
req nof GET /batches/1 -H "Cookie: $COOKIE"
grep -q 'id="nofolder"' nof && ok "a missing folder: the page offers to render it" || fail "no render offer"
post rend /batches/1/render --data-urlencode "csrf=$CSRF" --data-urlencode "template=$TPL"
RJOB=$(tr -d '\r' <rend.h | sed -n 's/^[Ll]ocation: //p')
[ "$S" = 303 ] && poll rendjob "$RJOB" && grep -q 'id="finished"' rendjob &&
	[ "$(ls batches/batch-1/*.png | wc -l)" = 12 ] && [ -f batches/batch-1/sheet.pdf ] &&
	ok "rendered again: 12 PNGs and the sheet" || fail "render: $S $(cat rendjob 2>/dev/null | head -c 300)"
[ -s manifest-codes ] && tail -n +2 batches/batch-1/manifest.csv | cut -d, -f2 | sort | cmp -s - manifest-codes &&
	ok "the same codes" || fail "render gave other codes"

# the passphrase: in no page, no log, no file
for f in *; do [ -f "$f" ] && [ "$f" != pass.txt ] && grep -lF "$PASS" "$f"; done >leaks || true
grep -rlF "$PASS" batches store 2>/dev/null >>leaks || true
[ ! -s leaks ] && ok "the passphrase is in no page, no log (console.out, console.err), no file" ||
	fail "passphrase found in: $(cat leaks)"

# another session cannot see the job: a new console's session (the one-time
# code of a console signs in once; a second session needs officers' accounts),
# this one without --key: the issue page says how to restart, a POST is 409
kill "$PID"
wait "$PID" 2>/dev/null || true
PID=
grep -Eq 'Sanitizer|runtime error' console.err && fail "the console's sanitizers: $(head -30 console.err)" ||
	ok "the console stopped (its jobs joined) without a sanitizer's report"
console_start --out batches
console_sign_in
req nokey GET "/issue?product=$P" -H "Cookie: $COOKIE"
grep -q 'id="nokey"' nokey && grep -q 'stampgen console --key' nokey && ok "without --key: the page says how to restart" ||
	fail "no key note"
dump_store before.dump
post nokeypost /issue --data-urlencode "csrf=$CSRF" --data-urlencode "product=$P" --data-urlencode "lot=L-NOKEY" \
	--data-urlencode "produced=2026-11-01" --data-urlencode "count=3" --data-urlencode "template=$TPL" \
	--data-urlencode "base_url=$BASE" --data-urlencode "action=issue"
[ "$S" = 409 ] && ok "without --key: the POST is 409" || fail "no key POST: $S"
same_store "without --key"
req other GET "$JOB" -H "Cookie: $COOKIE"
[ "$S" = 404 ] && ok "another session: the job is 404" || fail "another session sees the job: $S"
post en /lang --data-urlencode "csrf=$CSRF" --data-urlencode "lang=en"
req en-form GET "/issue?product=$P" -H "Cookie: $COOKIE"
req en-batch GET /batches/1 -H "Cookie: $COOKIE"
grep -q '<label for="lot">Lot</label>' en-form && grep -q '<h1>Batch 1</h1>' en-batch &&
	grep -q '<th scope="row">Issued by</th>' en-batch && ok "in English once the session switched" ||
	fail "English: $(grep -o '<h1>[^<]*' en-form en-batch)"
req preview2.png GET "$PREV" -H "Cookie: $COOKIE"
[ "$S" = 200 ] && ok "a preview alone" || fail "preview: $S"
kill "$PID"
wait "$PID" 2>/dev/null || true
PID=
grep -Eq 'Sanitizer|runtime error' console.err && fail "after a preview alone: $(head -30 console.err)" ||
	ok "after a preview alone: no sanitizer's report (the font caches released)"
finish
