#!/bin/sh
# verifyd_term.sh - SIGTERM to verifyd under scan load, N times: no scan lost.
#
#   STAMPGEN=build/stampgen VERIFYD=build/verifyd STAMP_SOURCE_DIR=. sh tests/soak/verifyd_term.sh [N]
#   env: SOAK_TRIALS (N, default 20), SOAK_SEED (random seed, printed),
#        SOAK_CODES (codes under load, 8), SOAK_MIN_MS / SOAK_MAX_MS (load
#        before the signal: 300 / 3000 ms), SOAK_CONNS (client connections,
#        16), VERIFYD_FLAGS (more verifyd flags), SOAK_GLOBAL (seconds the
#        whole run may take: 60 + 20 N)
#   smoke: SOAK_TRIALS=3 SOAK_MAX_MS=1200
#
# One registry with one batch (stampgen, as the e2e tests make it). Each
# trial: verifyd runs; the load client (vd_load.py load: 16 keep-alive
# connections, each closed after 100 answers and opened again) scans
# SOAK_CODES codes (GET /S/<CODE>, no query; code k drawn with weight k + 1)
# and counts the 200 answers it received whole, per code; after a random
# moment (stratified over [MIN, MAX), seeded) verifyd gets SIGTERM under that
# load. It must exit 0 (within the 20 s vd_halt allows; the stop itself
# drains for 5 s at most) and log "stopped; scan counts written". The client
# is stopped once verifyd is gone; verifyd starts again on the same stores
# and the per-request total of each code is read through the JSON API
# (GET /api/v1/stamps/<CODE>, never a scan: scans.requests, or scans.count
# before the redesign). Asserted per trial and per code:
#     stored total after - stored total before = 200 answers received
# (not a scan lost, none counted twice). Requests whose answer was cut (a
# request written, the connection gone before the whole answer: those the
# kernel queued after verifyd stopped accepting) are printed, not counted.
# Also: the load received answers, none other than 200, no sanitizer report.
SOAK_NAME=verifyd_term.sh
TRIALS=${1:-${SOAK_TRIALS:-20}}
SOAK_PER_TRIAL=20
. "$STAMP_SOURCE_DIR/tests/soak/lib_vdsoak.sh"
trial_params 300 3000

soak_registry $((NCODES + 4)) "$NCODES"
echo "verifyd_term: $TRIALS trials, seed $SEED, $NCODES codes, SIGTERM after $MIN_MS-$MAX_MS ms of load; $VERIFYD"
vd_up || { fail "verifyd starts"; finish; }
totals before || finish
plan "$TRIALS" "$SEED" "$MIN_MS" "$MAX_MS" >plan

T=0 ALL=0 CUTS=0 HALT_MAX=0
while read -r delay <&3; do
	T=$((T + 1))
	signal_trial TERM "$T" "$delay" || break
	tf=$FAILS
	[ "$VD_RC" = 0 ] || fail "trial $T: SIGTERM under load: exit $VD_RC, expected 0"
	grep -q "stopped; scan counts written" "$HALT_LOG" || fail "trial $T: no \"stopped; scan counts written\" in the log: $(tail -2 "$HALT_LOG" | tr '\n' ' ')"
	load_checks "$T" "$delay"
	diff=$(codes_where '$4 != $2' "join.$T")
	[ -z "$diff" ] || fail "trial $T: stored totals differ from the answers received: $diff"
	set -- $(awk '$1 == "all" { print $4, $7 }' "join.$T")
	stored=$1 rate=$2
	ALL=$((ALL + ANS)) CUTS=$((CUTS + CUT))
	[ "$HALT_MS" -gt "$HALT_MAX" ] && HALT_MAX=$HALT_MS
	msg="trial $T/$TRIALS: $delay ms of load, $ANS answers ($rate/s; $CUT cut, $REFUSED connects refused), SIGTERM: exit $VD_RC in $HALT_MS ms; stored +$stored"
	if [ "$FAILS" -eq "$tf" ]; then ok "$msg = answers, every code"; else echo "     ($msg)"; fi
	mv after before
done 3<plan
trials_end
echo "verifyd_term: $T trials, $ALL answers counted, $CUTS requests cut at the stops, slowest stop $HALT_MAX ms; wall $(elapsed) s"
finish
