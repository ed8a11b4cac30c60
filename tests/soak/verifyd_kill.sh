#!/bin/sh
# verifyd_kill.sh - SIGKILL to verifyd under scan load, N times: at most the
# last flush period's scans lost, none invented.
#
#   STAMPGEN=build/stampgen VERIFYD=build/verifyd STAMP_SOURCE_DIR=. sh tests/soak/verifyd_kill.sh [N]
#   env: SOAK_TRIALS (N, default 20), SOAK_SEED (random seed, printed),
#        SOAK_CODES (codes under load, 8), SOAK_MIN_MS / SOAK_MAX_MS (load
#        before the kill: 1600 / 5000 ms; above the window, so that every
#        trial can lose more than the bound allows), SOAK_WINDOW_MS (the loss bound's
#        window, 1500), SOAK_CONNS (client connections, 16), VERIFYD_FLAGS
#        (more verifyd flags), SOAK_GLOBAL (seconds the whole run may take:
#        60 + 20 N)
#   smoke: SOAK_TRIALS=3 SOAK_MAX_MS=2600
#
# As verifyd_term.sh (one registry, the counting load client on SOAK_CODES
# codes, a seeded random moment), but verifyd gets SIGKILL: it must die by
# it (status 137), start again on the same stores (LMDB: consistent after
# any kill) and, per code, through the JSON API (scans.requests, or
# scans.count before the redesign):
#
#     answers - recent  <=  stored after - stored before  <=  answers + cut
#
# answers: the 200 answers the client received whole for the code; recent:
# those of them received in the last SOAK_WINDOW_MS (1.5 s) before the kill
# (or after it: bytes already sent); cut: requests written whose answer
# never came whole (verifyd may have counted, even flushed, one and died
# before its answer left).
#
# Why 1.5 s: scans are counted in memory and one writer thread commits every
# changed total (synced) and then waits 1 s before the next commit. A scan
# counted after the last commit that completed before the kill began is lost:
# at most 1 s + two commits' time + scheduling ago (the commit under way when
# the kill came is lost too). An answer arrives after its scan was counted,
# so an answer received more than 1.5 s before the kill was counted more than
# 1.5 s before it, and is stored unless a commit took over ~250 ms. The
# lower bound also holds per second of load: the client's rate is printed
# with each trial, and "lost" as the span of the last answers it equals.
SOAK_NAME=verifyd_kill.sh
TRIALS=${1:-${SOAK_TRIALS:-20}}
SOAK_PER_TRIAL=20
. "$STAMP_SOURCE_DIR/tests/soak/lib_vdsoak.sh"
trial_params 1600 5000
SOAK_WINDOW_MS=${SOAK_WINDOW_MS:-1500}
num SOAK_WINDOW_MS "$SOAK_WINDOW_MS"

soak_registry $((NCODES + 4)) "$NCODES"
echo "verifyd_kill: $TRIALS trials, seed $SEED, $NCODES codes, SIGKILL after $MIN_MS-$MAX_MS ms of load, loss bound: the answers of the last $SOAK_WINDOW_MS ms; $VERIFYD"
vd_up || { fail "verifyd starts"; finish; }
totals before || finish
plan "$TRIALS" "$SEED" "$MIN_MS" "$MAX_MS" >plan

T=0 ALL=0 LOST=0 LOST_MAX=0 SPAN_MAX=0 CUTS=0 EXTRA=0
while read -r delay <&3; do
	T=$((T + 1))
	signal_trial KILL "$T" "$delay" || break
	tf=$FAILS
	[ "$VD_RC" = 137 ] || fail "trial $T: SIGKILL: exit status $VD_RC, expected 137"
	load_checks "$T" "$delay"
	# join: CODE ok cut delta recent lost_ms
	low=$(codes_where '$4 < $2 - $5' "join.$T")
	[ -z "$low" ] || fail "trial $T: more lost than the answers of the last $SOAK_WINDOW_MS ms (recent): $low"
	high=$(codes_where '$4 > $2 + $3' "join.$T")
	[ -z "$high" ] || fail "trial $T: more stored than requests answered or cut: $high"
	set -- $(awk '$1 == "all" { print $4, $5, $6, $7 }' "join.$T")
	stored=$1 recent=$2 span=$3 rate=$4
	lost=$((ANS - stored))
	ALL=$((ALL + ANS)) CUTS=$((CUTS + CUT))
	if [ "$lost" -ge 0 ]; then LOST=$((LOST + lost)); else EXTRA=$((EXTRA - lost)); fi
	[ "$lost" -gt "$LOST_MAX" ] && LOST_MAX=$lost
	[ "$span" -gt "$SPAN_MAX" ] && SPAN_MAX=$span
	msg="trial $T/$TRIALS: $delay ms of load, $ANS answers ($rate/s, $recent in the last $SOAK_WINDOW_MS ms; $CUT cut), SIGKILL (status $VD_RC); stored +$stored: $lost lost = the last $span ms of answers"
	if [ "$FAILS" -eq "$tf" ]; then ok "$msg"; else echo "     ($msg)"; fi
	mv after before
done 3<plan
trials_end
echo "verifyd_kill: $T trials, $ALL answers; lost $LOST in all, at most $LOST_MAX in a trial, the longest loss the last $SPAN_MAX ms of answers (bound $SOAK_WINDOW_MS ms); $EXTRA stored beyond the answers (of $CUTS cut); wall $(elapsed) s"
finish
