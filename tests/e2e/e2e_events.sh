#!/bin/sh
# Production stages (events) end to end, as an officer and a shopper see
# them: the sample stages (samples/events.csv) imported on the product, a
# batch issued, its page and JSON showing the journey in time order with the
# inherited product stages, the source lot as "nguyên liệu từ ...", markup
# in a note shown as text. A stage added after issuance (shipping) and one
# withdrawn appear and disappear on the next scan once verifyd is told
# (SIGHUP). Bad input is refused with file:line: column messages, and a bad
# line leaves the store byte-identical (all or nothing). Issuance notes a
# product without a production stage; every change is in the audit log.
. "$(dirname "$0")/lib_verifyd.sh"
G=$STAMPGEN
URL=https://tem.thanhhoa.gov.vn
NOTE_HTML='Xe <b>lạnh</b> & "kín" '\''4°C'\'''
NOTE_HTML_ESC='Xe &lt;b&gt;lạnh&lt;/b&gt; &amp; &quot;kín&quot; &#39;4°C&#39;'


# ---- setup -------------------------------------------------------------------
expect_exit 0 "keygen" -- "$G" keygen -o k1 --label test
expect_exit 0 "import the sample cooperatives" -- "$G" coop import "$SAMPLES/coops.csv"
expect_exit 0 "import the sample products" -- "$G" product import "$SAMPLES/products.csv"
expect_exit 0 "import the sample stages" -- "$G" event import "$SAMPLES/events.csv"
out_has "6 events imported" "the six sample stages are imported"
expect_exit 0 "event list of the product" -- "$G" event list --product NM-COT-HH
[ "$(grep -c '^product NM-COT-HH' "$WORK/out")" -eq 4 ] && ok "NM-COT-HH has 4 stages" ||
	fail "NM-COT-HH stages: $(cat "$WORK/out")"

expect_exit 0 "issue a batch of a product with stages" -- "$G" issue --product NM-COT-HH \
	--lot LOT-A --produced 2026-03-10 --count 3 --key k1.key --base-url "$URL" --out a --no-images
if grep -Fq "no production stage" "$WORK/out"; then fail "no note for a product with stages"; else
	ok "no stage note for a product with production stages"; fi
expect_exit 0 "issue a batch of a product without stages" -- "$G" issue --product NM-KP-30 \
	--lot LOT-B --produced 2026-03-10 --count 3 --key k1.key --base-url "$URL" --out b --no-images
out_has 'product "NM-KP-30" has no production stage recorded' "issuance notes the missing stage"
A1=$(manifest_code a 1)
B1=$(manifest_code b 4)

# ---- stampgen event add / list -----------------------------------------------
expect_exit 0 "a batch stage before verifyd starts" -- "$G" event add --batch 1 --stage storing \
	--at "2026-03-11 08:00" --place "Kho HTX" --note "$NOTE_HTML"
out_has "added event #1 of batch 1: storing" "event add says what it added"
expect_exit 0 "event list of the batch" -- "$G" event list --batch 1
[ "$(sed -n 2p "$WORK/out" | cut -f1)" = "product NM-COT-HH" ] &&
	[ "$(tail -n 1 "$WORK/out" | cut -f1-3)" = "$(printf 'batch 1\t1\tstoring')" ] &&
	ok "a batch's list: its product's stages, then its own" || fail "event list --batch 1"

vd_start --registry "$WORK/store" --scans "$WORK/scans" || { fail "verifyd starts"; finish; }
expect_status 200 "the page of a stamp with a journey" "/S/$A1"
body_has "Hành trình sản phẩm" "the page has the journey (Vietnamese)"
body_has "Tiếp nhận nguyên liệu" "the receiving stage by its Vietnamese label"
body_has "nguyên liệu từ lô cá cơm 01/03/2025, tàu TH-90123-TS" "the input's source lot, one step back"
body_has "01/03/2025, 06:30" "a stage's day and time, Vietnamese style"
body_has "$NOTE_HTML_ESC" "markup in a note is shown as text"
body_lacks "<b>lạnh</b>" "no raw markup from a note"
python3 - "$WORK/body" <<'PY' && ok "the timeline is in time order" || fail "timeline order"
import sys
t = open(sys.argv[1], encoding="utf-8").read()
at = [t.find(s) for s in ("Tiếp nhận nguyên liệu", "Lên men", "Kiểm tra, kiểm nghiệm", "Đóng gói", "Lưu kho")]
sys.exit(0 if -1 not in at and at == sorted(at) else 1)
PY
expect_status 200 "the English page" "/S/$A1?lang=en"
body_has "Journey of the product" "the journey in English"
body_has "raw material from lô cá cơm" "the source in English"
body_has "Fermentation and ageing" "the fermenting stage's English label"
expect_status 200 "the JSON" "/api/v1/stamps/$A1"
python3 - "$WORK/body" "$NOTE_HTML" <<'PY' && ok "JSON events: stages, bizSteps, place, source, the note as given" || fail "JSON events"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
ev = d["events"]
assert [e["stage"] for e in ev] == ["receiving", "fermenting", "inspecting", "packing", "storing"], ev
assert ev[0]["bizstep"] == "https://ref.gs1.org/cbv/BizStep-receiving"
assert ev[0]["date"] == "2025-03-01" and ev[0]["time"] == "06:30" and ev[0]["of"] == "product"
assert ev[0]["place"]["lat"] == 19.8125 and ev[0]["place"]["lon"] == 105.9041
assert ev[0]["source"].startswith("lô cá cơm")
assert ev[1]["time"] is None and ev[1]["place"]["gln"] is None
assert ev[4]["of"] == "batch" and ev[4]["note"] == sys.argv[2]
PY
expect_status 200 "the batch's own page (GS1 Digital Link's traceability link)" "/L/1"
body_has "Hành trình sản phẩm" "the batch page has the journey"
body_has "Lưu kho" "with the batch's own stage"
body_has "$NOTE_HTML_ESC" "escaped there too"
expect_status 200 "the product's page" "/P/NM-COT-HH?lang=en"
body_has "Journey of the product" "the product page has its stages"
body_lacks "Storage" "but not a batch's"
expect_status 200 "the JSON of a batch without stages" "/api/v1/stamps/$B1"
json_is events "[]" "a batch without stages has an empty journey"
expect_status 200 "the page of a batch without stages" "/S/$B1"
body_lacks "Hành trình sản phẩm" "no journey section without stages"

# ---- after issuance: a new stage shows on the next scan once verifyd is told --
expect_exit 0 "shipping, added after issuance" -- "$G" event add --batch 1 --stage shipping \
	--at "2026-03-12 14:00" --place "Chợ Đồng Xuân" --province "Hà Nội" \
	--partner "Công ty Vận tải Hoằng Hóa"
kill -HUP "$VD_PID"
i=0
while [ $i -lt 50 ] && ! grep -q "cached details dropped" "$VD_LOG"; do sleep 0.1; i=$((i + 1)); done
expect_status 200 "the page after SIGHUP" "/S/$A1"
body_has "Vận chuyển" "the shipping stage is shown after SIGHUP"
body_has "Công ty Vận tải Hoằng Hóa" "its partner is shown as who did it"
expect_exit 0 "withdraw the storing stage" -- "$G" event withdraw --batch 1 --seq 1
expect_exit 0 "event list marks it" -- "$G" event list --batch 1
out_has "$(printf '\tstoring\t')" "the withdrawn stage is still listed"
out_has "withdrawn" "and marked withdrawn"
expect_exit 1 "withdrawing it again" -- "$G" event withdraw --batch 1 --seq 1
out_has "withdrawn already" "a second withdrawal is refused"
kill -HUP "$VD_PID"
sleep 0.5
expect_status 200 "the JSON after the withdrawal" "/api/v1/stamps/$A1"
python3 - "$WORK/body" <<'PY' && ok "the withdrawn stage is gone, shipping is last" || fail "events after withdraw"
import json, sys
ev = json.load(open(sys.argv[1], encoding="utf-8"))["events"]
assert [e["stage"] for e in ev] == ["receiving", "fermenting", "inspecting", "packing", "shipping"], ev
PY

# ---- refused input: messages, exit codes, nothing written --------------------
dump_store "$WORK/before.dump"
printf 'batch,stage,at,note\n1,packing,2026-03-12,ok\n1,boiling,2026-03-12,x\n1,packing,31/02/2026,y\n9,packing,2026-03-12,z\n' >bad.csv
expect_exit 1 "a CSV with bad lines" -- "$G" event import bad.csv
out_has 'bad.csv:3: column "stage": expected one of receiving, growing' "an unknown stage, with its line"
out_has 'bad.csv:4: column "at": expected a date' "an impossible date, with its line"
out_has 'bad.csv:5: column "batch": batch 9 is not in the store' "an unknown batch, with its line"
out_has "3 problems; nothing imported" "the summary"
same_store "a CSV with one good line and three bad"
printf 'product,at\nNM-COT-HH,2026-03-12\n' >nostage.csv
expect_exit 1 "a CSV without the stage column" -- "$G" event import nostage.csv
out_has 'nostage.csv:1: missing required column "stage"' "the missing column is named"
expect_exit 1 "a bidi control in a note" -- "$G" event add --batch 1 --stage packing \
	--at 2026-03-12 --note "$(printf 'ab\342\200\256cd')"
out_has 'column "note"' "the note's column is named"
expect_exit 1 "a bad GLN check digit" -- "$G" event add --batch 1 --stage packing --at 2026-03-12 \
	--gln 8930000000001
out_has "check digit" "the GLN check digit is checked"
expect_exit 1 "a latitude without a longitude" -- "$G" event add --batch 1 --stage packing \
	--at 2026-03-12 --lat 19.8
out_has 'column "lon": required with "lat"' "lat needs lon"
expect_exit 1 "neither --batch nor --product" -- "$G" event add --stage packing --at 2026-03-12
out_has 'columns "batch", "product": one of them is required' "the missing owner is named"
expect_exit 1 "an unknown product" -- "$G" event add --product NOPE --stage packing --at 2026-03-12
out_has 'no product "NOPE" is registered' "the unknown product is named"
expect_exit 1 "event list of an unknown product" -- "$G" event list --product NOPE
out_has 'no product "NOPE" in' "event list names it"
expect_exit 1 "event list of an unknown batch" -- "$G" event list --batch 99
out_has "batch 99 does not exist" "event list names the batch"
expect_exit 2 "event list with both --batch and --product" -- "$G" event list --batch 1 --product NM-COT-HH
same_store "refused adds"

# ---- audit ---------------------------------------------------------------------
expect_exit 0 "audit list" -- "$G" audit list
out_has "event batch 1 #2 added: shipping on 2026-03-12 14:00" "the added stage is audited"
out_has "event batch 1 #1 withdrawn" "the withdrawal is audited"
expect_exit 0 "audit verify" -- "$G" audit verify
expect_exit 0 "stampgen check" -- "$G" check

vd_stop
finish
