#!/bin/sh
# verifyd's reader slots (issue #9): each worker thread holds one LMDB read
# transaction, so the registry's reader table must hold the threads.
#   - 200 threads under 300 connections (wrk): not one answer but 2xx, no
#     registry read failure in /metrics, /healthz ok;
#   - a registry whose reader table was sized by another process to 2 slots
#     (tests/hold_env.c) under 16 threads: verifyd warns at start, the
#     requests beyond the slots get 503, the cause is logged once (not per
#     request), /healthz says so with a 503 and /metrics counts it.
. "$(dirname "$0")/lib_verifyd.sh"
: "${HOLD_ENV:?HOLD_ENV must name the hold_env helper}"
g() { "$STAMPGEN" -q "$@"; }
command -v wrk >/dev/null || { fail "wrk is not installed (scripts/install-deps)"; finish; }

g keygen -o k1 >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
g issue --product NM-COT-HH --lot LOT-A --produced 2026-11-01 --count 3 --key k1.key \
	--base-url https://tem.thanhhoa.gov.vn --out a --no-images
CODE=$(manifest_code a 1)

# non2xx WRK_OUTPUT: the count of non-2xx answers and socket errors
bad_answers() {
	n=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$1")
	e=$(sed -n 's/^ *Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\)/\1 \2 \3 \4/p' "$1")
	echo $((${n:-0} + $(echo "${e:-0}" | tr ' ' '+')))
}

# ---- 200 threads, 300 connections -------------------------------------------
vd_start --registry "$WORK/store" --scans "$WORK/scans" --threads 200 --max-connections 1024 \
	--per-ip 1024 || { fail "verifyd starts with 200 threads"; finish; }
timeout 60 wrk -t2 -c300 -d3s "$BASE/api/v1/stamps/$CODE" >wrk1.txt 2>&1 || true
reqs=$(awk '/requests in/ { print $1 }' wrk1.txt)
[ "${reqs:-0}" -gt 1000 ] && ok "200 threads, 300 connections: $reqs requests" ||
	{ fail "wrk: '${reqs:-}' requests"; sed 's/^/     | /' wrk1.txt; }
[ "$(bad_answers wrk1.txt)" = 0 ] && ok "... every answer 2xx, no socket error" ||
	{ fail "... non-2xx answers or errors"; sed 's/^/     | /' wrk1.txt; }
expect_status 200 "/metrics" /metrics
grep -q '^verifyd_registry_txn_failures_total{cause="readers_full"} 0$' "$WORK/body" &&
	ok "... no reader slot ran out" || fail "... readers_full: $(grep readers_full "$WORK/body")"
expect_status 200 "/healthz after the load" /healthz
grep -q "reader slots" "$VD_LOG" && fail "a reader-slot warning with 200 threads" ||
	ok "no reader-slot warning with 200 threads"
vd_stop TERM

# ---- a reader table of 2 slots, 16 threads ---------------------------------
# the table only grows when an exclusive opener finds it smaller: start afresh
rm -f store/lock.mdb
mkfifo hold.in
"$HOLD_ENV" store 2 <hold.in >hold.out 2>&1 &
HOLD=$!
exec 3>hold.in # holds the helper's stdin open; closing it ends the helper
i=0
while ! grep -q ready hold.out && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q ready hold.out && ok "another process holds the registry with 2 reader slots" ||
	fail "hold_env: $(cat hold.out)"
vd_start --registry "$WORK/store" --scans "$WORK/scans2" --threads 16 --per-ip 1024 ||
	{ fail "verifyd starts with 16 threads"; exec 3>&-; finish; }
grep -q "16 threads and 16 slots for stampgen need more than the registry's 2 reader slots" \
	"$VD_LOG" && ok "verifyd warns at start: 16 threads, 2 reader slots" ||
	{ fail "no warning at start"; sed 's/^/     | /' "$VD_LOG"; }
timeout 60 wrk -t2 -c64 -d2s "$BASE/api/v1/stamps/$CODE" >wrk2.txt 2>&1 || true

[ "$(bad_answers wrk2.txt)" -gt 0 ] && ok "requests beyond the slots fail ($(bad_answers wrk2.txt) answers)" ||
	fail "no request failed with 2 slots for 16 threads"
n=$(grep -c "every LMDB reader slot is taken" "$VD_LOG")
[ "$n" = 1 ] && ok "the cause is logged once, not per request" || fail "logged $n times"
expect_status 503 "/healthz after reader failures" /healthz
body_has "readers full:" "/healthz names the cause"
fetch /metrics
n=$(sed -n 's/^verifyd_registry_txn_failures_total{cause="readers_full"} //p' "$WORK/body")
[ "${n:-0}" -gt 0 ] && ok "/metrics counts them ($n)" || fail "/metrics readers_full '${n:-}'"
vd_stop TERM
exec 3>&-
wait "$HOLD" 2>/dev/null || true
vd_check_log
finish
