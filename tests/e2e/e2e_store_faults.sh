#!/bin/sh
# A damaged store is refused in words, never by a crash (issue #9). A store
# made as the demo makes it, then three damaged copies: one page cut off the
# end, cut in half, and three middle pages overwritten with (seeded) random
# bytes. For each, stampgen check, batch list and verify CODE exit non-zero
# with a message naming data.mdb and the damage, and none dies by a signal or
# with a sanitizer report. verifyd refuses a truncated registry at start
# (exit 2, the message in its log), and a SIGHUP onto a truncated registry
# keeps the one it has: still running, still answering.
. "$(dirname "$0")/lib_verifyd.sh"
g() { "$STAMPGEN" -q "$@"; }
URL=https://tem.thanhhoa.gov.vn

g keygen -o k1 >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
g issue --product NM-COT-HH --lot L1 --produced 2026-11-01 --count 3000 --key k1.key \
	--base-url "$URL" --out b1 --no-images >/dev/null
CODE=$(awk -F, '$1 == 1500 { print $2 }' b1/manifest.csv)
[ -n "$CODE" ] && ok "store made: 3000 stamps" || fail "no batch"
expect_exit 0 "check on the sound store" -- "$STAMPGEN" check
expect_out "^checked: 1 keys, [0-9]+ coops, [0-9]+ products, 1 batches, 3000 stamps, 0 revocations, [0-9]+ audit entries, 0 events, 0 accounts; 0 problems$" \
	"the summary counts what is there"

# a snapshot as verifyd reads it, and its size
mkdir snap
mdb_copy -c store snap
SIZE=$(wc -c <snap/data.mdb)
PAGES=$((SIZE / 4096))

# damaged copies: cut by one page, cut in half, three middle pages overwritten
for d in cut1 half pages; do mkdir "$d"; done
head -c $((SIZE - 4096)) snap/data.mdb >cut1/data.mdb
head -c $((SIZE / 2)) snap/data.mdb >half/data.mdb
cp snap/data.mdb pages/data.mdb
python3 - "$PAGES" pages/data.mdb <<'EOF'
import random, sys
pages, path = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(9)
with open(path, "r+b") as f:
    for p in (pages * 3 // 10, pages // 2, pages * 7 // 10):
        f.seek(p * 4096)
        f.write(bytes(rnd.getrandbits(8) for _ in range(4096)))
EOF

# no_signal WHAT: the last command neither died by a signal nor tripped a sanitizer
no_signal() {
	if [ "$got" -gt 128 ] || grep -Eq "Sanitizer|runtime error:" "$WORK/out"; then
		fail "$1: died (exit $got)"
		sed 's/^/     | /' "$WORK/out" | head -20
	else
		ok "$1: no signal, no sanitizer report"
	fi
}
for d in cut1 half pages; do
	case $d in
	cut1 | half) why="truncated: [0-9]+ bytes, but its last page ends at $SIZE \(page size 4096\)" ;;
	pages) why="page [0-9]+ .*is damaged" ;;
	esac
	expect_exit 1 "$d: check finds the damage" -- "$STAMPGEN" -s "$d" check
	no_signal "$d: check"
	expect_out "^data.mdb: " "$d: check lists the file's problems"
	expect_out "$why" "$d: check says what is wrong"
	expect_exit 2 "$d: batch list refuses the store" -- "$STAMPGEN" -s "$d" batch list
	no_signal "$d: batch list"
	expect_out "stampgen: $d/data.mdb: $why" "$d: batch list names the file and the damage"
	expect_out "restore a backup or a complete snapshot" "$d: batch list says what to do"
	expect_exit 2 "$d: verify CODE refuses the store" -- "$STAMPGEN" -s "$d" verify "$CODE"
	no_signal "$d: verify"
	expect_out "$d/data.mdb: $why" "$d: verify names the damage"
done
# the sound snapshot, for comparison: the same verbs work
expect_exit 0 "the snapshot verifies the code" -- "$STAMPGEN" -s snap verify "$CODE"

# ---- verifyd: refuses a truncated registry at start -------------------------
port=$((20000 + ($$ * 53 + $(date +%s)) % 40000))
set +e
timeout 60 "$VERIFYD" --listen 127.0.0.1 --port "$port" --registry "$WORK/half" \
	--scans "$WORK/scans0" >vd0.log 2>&1
rc=$?
set -e
[ $rc -eq 2 ] && ok "verifyd on a truncated registry: exit 2" || fail "verifyd on a truncated registry: exit $rc"
grep -Eq "half/data.mdb: truncated: [0-9]+ bytes, but its last page ends at $SIZE" vd0.log &&
	ok "verifyd says the registry is truncated" || { fail "verifyd's message"; sed 's/^/     | /' vd0.log; }
grep -Eq "Sanitizer|runtime error:" vd0.log && fail "sanitizer report at start" || true

# ---- verifyd: SIGHUP onto a truncated registry keeps the old one ------------
# The registry folder R is replaced by one holding only a truncated data.mdb
# (a snapshot folder renamed into place, as a new snapshot would be); a file
# renamed beside a lock file in use is refused for another reason
# (server_reload), which e2e_verifyd covers.
cp -a snap R
vd_start --registry "$WORK/R" --scans "$WORK/scans" || { fail "verifyd starts"; finish; }
B32=$(b32_of "$CODE")
expect_status 200 "verifyd answers before the reload" "/api/v1/stamps/$B32"
json_is verdict genuine "genuine before the reload"
mkdir R.new
cp cut1/data.mdb R.new/data.mdb
mv R R.old
mv R.new R
kill -HUP "$VD_PID"
i=0
while ! grep -q "reload failed" "$VD_LOG" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -Eq "R/data.mdb: truncated: [0-9]+ bytes, but its last page ends at $SIZE" "$VD_LOG" &&
	ok "SIGHUP: the truncated registry is refused, in the log" ||
	{ fail "SIGHUP: no refusal in the log"; sed 's/^/     | /' "$VD_LOG"; }
grep -q "reload failed; still answering from the registry opened before" "$VD_LOG" &&
	ok "SIGHUP: the old registry is kept" || fail "SIGHUP: no 'still answering' in the log"
vd_alive && ok "verifyd still runs after the refused reload" || fail "verifyd died on SIGHUP"
expect_status 200 "verifyd still answers after the refused reload" "/api/v1/stamps/$B32"
json_is verdict genuine "still genuine, from the old registry"
vd_stop TERM
[ "$VD_RC" = 0 ] && ok "SIGTERM: exit 0" || fail "SIGTERM: exit $VD_RC"
finish
