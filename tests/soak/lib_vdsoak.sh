# Helpers of the verifyd soak scripts (POSIX sh), on top of tests/e2e's
# lib_verifyd.sh (vd_start, fetch, ok/fail, finish): a global deadline, one
# registry with a batch, the load client (vd_load.py) started and stopped by
# its pid, scan totals read through the JSON API, a stop by signal that
# times itself.
#
# The caller sets SOAK_NAME and either SOAK_GLOBAL (seconds the whole run
# may take) or TRIALS and SOAK_PER_TRIAL (then SOAK_GLOBAL defaults to
# 60 + SOAK_PER_TRIAL x TRIALS) before sourcing this file.
if [ -n "${SOAK_PER_TRIAL:-}" ]; then
	case $TRIALS in '' | *[!0-9]*) echo "$SOAK_NAME: N must be a whole number, got \"$TRIALS\"" >&2; exit 2 ;; esac
	SOAK_GLOBAL=${SOAK_GLOBAL:-$((60 + SOAK_PER_TRIAL * TRIALS))}
fi
: "${STAMP_SOURCE_DIR:?STAMP_SOURCE_DIR must name the source tree}"
: "${STAMPGEN:?STAMPGEN must name the stampgen binary}"
: "${VERIFYD:?VERIFYD must name the verifyd binary}"

# The whole run under timeout(1), which signals the script's process group
# (verifyd and the clients too) when the deadline passes; the traps below
# then stop everything by pid.
case ${SOAK_GLOBAL:-} in '' | *[!0-9]*)
	echo "$SOAK_NAME: SOAK_GLOBAL must be a number of seconds, got \"${SOAK_GLOBAL:-}\"" >&2
	exit 2
	;;
esac
if [ "${SOAK_UNDER_TIMEOUT:-}" != yes ]; then
	command -v timeout >/dev/null || { echo "$SOAK_NAME: needs timeout (coreutils)" >&2; exit 2; }
	SOAK_UNDER_TIMEOUT=yes exec timeout -k 15 "$SOAK_GLOBAL" sh "$0" "$@"
fi
unset SOAK_UNDER_TIMEOUT
# lib.sh changes to its temporary folder: make relative names absolute first
case $STAMPGEN in /*) ;; */*) STAMPGEN="$PWD/$STAMPGEN" ;; esac
case $VERIFYD in /*) ;; */*) VERIFYD="$PWD/$VERIFYD" ;; esac
case $STAMP_SOURCE_DIR in /*) ;; *) STAMP_SOURCE_DIR="$PWD/$STAMP_SOURCE_DIR" ;; esac
export STAMPGEN VERIFYD STAMP_SOURCE_DIR
E2E_DIR="$STAMP_SOURCE_DIR/tests/e2e"
. "$E2E_DIR/lib_verifyd.sh" # set -eu, $WORK (cwd), OCOPSTAMP_STORE, vd_*, ok/fail/finish
for t in python3 curl mdb_copy; do
	command -v "$t" >/dev/null || { echo "$SOAK_NAME: needs $t" >&2; exit 2; }
done
LOAD="python3 $STAMP_SOURCE_DIR/tests/soak/vd_load.py"
URL=https://tem.thanhhoa.gov.vn
SOAK_START=$(date +%s)
# (POSIX sh has no local variables: each function's own carry its prefix;
# vd_start uses i, tries and port.)
PIDS= # clients started in the background (vd_load.py), stopped by pid

soak_cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $PIDS; do
		sc_n=0
		while kill -0 "$p" 2>/dev/null && [ $sc_n -lt 70 ]; do sleep 0.1; sc_n=$((sc_n + 1)); done
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	PIDS=
	vd_cleanup
}
trap soak_cleanup EXIT
trap 'echo "$SOAK_NAME: stopped by a signal (the whole run may take ${SOAK_GLOBAL} s: SOAK_GLOBAL)"; exit 124' TERM
trap 'exit 130' INT
# a reader that goes away (| head) or a closed terminal must not leave verifyd behind
trap 'exit 129' HUP
trap 'exit 141' PIPE

# num NAME VALUE: VALUE is a whole number, or the run stops (exit 2)
num() {
	case $2 in '' | *[!0-9]*)
		echo "$SOAK_NAME: $1 must be a whole number, got \"$2\"" >&2
		exit 2
		;;
	esac
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# ms_sleep MS
ms_sleep() { sleep "$(($1 / 1000)).$(printf %03d $(($1 % 1000)))"; }

# trial_params MIN_MS MAX_MS: the trial scripts' settings, checked: SEED
# (SOAK_SEED), NCODES (SOAK_CODES, 8), MIN_MS and MAX_MS (SOAK_MIN_MS and
# SOAK_MAX_MS, defaults as given), and TRIALS
trial_params() {
	SEED=${SOAK_SEED:-$(($(date +%s) % 100000))}
	NCODES=${SOAK_CODES:-8}
	MIN_MS=${SOAK_MIN_MS:-$1}
	MAX_MS=${SOAK_MAX_MS:-$2}
	for v in "SOAK_SEED $SEED" "SOAK_CODES $NCODES" "SOAK_MIN_MS $MIN_MS" "SOAK_MAX_MS $MAX_MS"; do
		num $v
	done
	[ "$TRIALS" -ge 1 ] && [ "$NCODES" -ge 1 ] && [ "$MAX_MS" -gt "$MIN_MS" ] ||
		{ echo "$SOAK_NAME: N and SOAK_CODES must be >= 1, SOAK_MAX_MS > SOAK_MIN_MS" >&2; exit 2; }
}

# soak_registry COUNT CODES: the live store ($OCOPSTAMP_STORE) with a key, the
# sample cooperatives and products and one batch of COUNT stamps; the first
# CODES of its codes (base32) in ./codes.
soak_registry() {
	"$STAMPGEN" -q keygen -o k --label soak >/dev/null
	"$STAMPGEN" -q coop import "$SAMPLES/coops.csv" >/dev/null
	"$STAMPGEN" -q product import "$SAMPLES/products.csv" >/dev/null
	soak_issue SOAK-A "$1" batch-a
	awk -F, -v n="$2" 'NR > 1 && NR <= n + 1 { i = index($2, "/S/"); print substr($2, i + 3) }' \
		batch-a/manifest.csv >codes
	[ "$(wc -l <codes)" -eq "$2" ] || { echo "$SOAK_NAME: the batch holds fewer than $2 codes" >&2; exit 2; }
}

# soak_issue LOT COUNT OUT [STORE]: a --no-images batch on the live store
soak_issue() {
	"$STAMPGEN" -q -s "${4:-$OCOPSTAMP_STORE}" issue --product NM-COT-HH --lot "$1" --produced 2026-11-01 \
		--count "$2" --key "$WORK/k.key" --base-url "$URL" --out "$3" --no-images >/dev/null
}

# vd_up: verifyd on REGISTRY (the live store unless the script says) and
# the soak's scans store, with VERIFYD_FLAGS; prints its first log line once
REGISTRY=$WORK/store
vd_up() {
	# shellcheck disable=SC2086
	vd_start --registry "$REGISTRY" --scans "$WORK/scans" --suspicious-after 1000000 ${VERIFYD_FLAGS:-} ||
		return 1
	[ "$VD_RUNS" -gt 1 ] || echo "     $(head -1 "$VD_LOG")"
}

# load_start OUT SEED [ARGS...]: the scan load against verifyd on $VD_PORT
# (vd_load.py load), returning once it runs; its pid in LOAD_PID
load_start() {
	lo_out=$1 lo_seed=$2
	shift 2
	$LOAD load --port "$VD_PORT" --codes codes --out "$lo_out" --seed "$lo_seed" \
		--conns "${SOAK_CONNS:-16}" --max-seconds "$SOAK_GLOBAL" "$@" &
	LOAD_PID=$!
	PIDS="$PIDS $LOAD_PID"
	# running: python3 is slow to start on a busy machine (10 s at most)
	lo_n=0
	while [ ! -e "$lo_out.ready" ] && kill -0 "$LOAD_PID" 2>/dev/null && [ $lo_n -lt 200 ]; do
		sleep 0.05
		lo_n=$((lo_n + 1))
	done
}

# load_stop: SIGTERM to the client (no new request; those in flight get 5 s),
# then wait for it; 1 when it wrote no results
load_stop() {
	kill -TERM "$LOAD_PID" 2>/dev/null || true
	ls_rc=0
	wait "$LOAD_PID" || ls_rc=$?
	PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$LOAD_PID" | tr '\n' ' ')
	[ "$ls_rc" -eq 0 ] || echo "load client exited $ls_rc"
	[ "$ls_rc" -eq 0 ]
}

# load_sums OUT: sets ANS (200 answers), SENT, NON2XX, CUT, REFUSED, CFAIL, SECS
load_sums() {
	[ -s "$1" ] || : >"$1"
	set -- $(awk '$1 == "code" { s += $4; o += $6; n += $8; c += $10 }
		$1 == "conn" { r = $5; f = $7 }
		$1 == "time" { d = ($5 - $3) / 1000 }
		END { printf "%d %d %d %d %d %d %.2f\n", s, o, n, c, r, f, d }' "$1")
	SENT=$1 ANS=$2 NON2XX=$3 CUT=$4 REFUSED=$5 CFAIL=$6 SECS=$7
}

# totals FILE: "CODE TOTAL FIELD" of every code, through GET /api/v1/stamps/
# (never a scan): scans.requests once the API has it, else scans.count
TOTAL_FIELD=
totals() {
	if ! $LOAD totals --port "$VD_PORT" --codes codes >"$1" 2>&1; then
		fail "reading the scan totals through the API: $(grep -m1 ERROR "$1")"
		return 1
	fi
	tf=$(awk 'NR == 1 { print $3 }' "$1")
	if [ "$tf" != "$TOTAL_FIELD" ]; then
		TOTAL_FIELD=$tf
		echo "     (the per-request total is read from scans.$tf)"
	fi
}

# vd_halt SIGNAL: lib_verifyd.sh's vd_stop, in the names the soaks use:
# VD_RC, HALT_MS, HALT_LOG (and no ok line for a clean log)
VD_LOG_QUIET=1
vd_halt() {
	vd_stop "$1"
	HALT_MS=$VD_STOP_MS HALT_LOG=$VD_STOP_LOG
}

# load_checks TRIAL DELAY: the load of res.TRIAL received answers, and none
# but 200 (every code is genuine)
load_checks() {
	[ "$ANS" -gt 0 ] || fail "trial $1: the load received no answer in $2 ms"
	[ "$NON2XX" -eq 0 ] || fail "trial $1: $NON2XX answers other than 200 for genuine codes: $(grep '^status' "res.$1" | tr '\n' ' ')"
}

# codes_where AWK-CONDITION JOIN: the codes of a join file whose line meets
# the condition ($2 answers, $3 cut, $4 stored delta, $5 recent, $6 lost_ms),
# each as "AEBD...WMAY: 502 answers (16 recent, 1 cut), stored +303; "
codes_where() {
	awk "\$1 != \"all\" && ($1)"' { printf "%s...%s: %d answers (%d recent, %d cut), stored +%d; ", substr($1, 1, 8), substr($1, length($1) - 3), $2, $5, $3, $4 }' "$2"
}

# trials_end: every trial ran; the last verifyd stops cleanly
trials_end() {
	[ "$T" -eq "$TRIALS" ] || fail "only $T of $TRIALS trials ran"
	vd_halt TERM
	[ "$VD_RC" = 0 ] || fail "the last verifyd: exit $VD_RC"
}

# plan N SEED MIN_MS MAX_MS: N delays, stratified over [MIN, MAX) (one per
# slice, slices shuffled), one a line
plan() {
	awk -v n="$1" -v seed="$2" -v lo="$3" -v hi="$4" 'BEGIN { srand(seed)
		for (k = 1; k <= n; k++) u[k] = (k - 1 + rand()) / n
		for (k = n; k > 1; k--) { j = int(rand() * k) + 1; x = u[k]; u[k] = u[j]; u[j] = x }
		for (k = 1; k <= n; k++) printf "%d\n", lo + u[k] * (hi - lo) }'
}

elapsed() { echo $(($(date +%s) - SOAK_START)); }

# signal_trial SIGNAL TRIAL DELAY_MS: with verifyd running (vd_up) and its
# totals in ./before, drives the scan load for DELAY_MS, sends SIGNAL to verifyd under that load (its
# moment in KILL_MS), waits for the exit (VD_RC, HALT_MS), stops the client
# (load_sums of res.TRIAL), starts verifyd again and reads the totals into
# ./after; join.TRIAL holds vd_load.py join's lines (window SOAK_WINDOW_MS).
# Returns 1 when verifyd could not be started again or read.
signal_trial() {
	st_sig=$1 st_i=$2 st_delay=$3
	load_start "res.$st_i" "$SEED-$st_i"
	ms_sleep "$st_delay"
	KILL_MS=$(now_ms)
	vd_halt "$st_sig"
	if ! load_stop; then
		fail "trial $st_i: the load client failed"
		vd_up
		return 1
	fi
	load_sums "res.$st_i"
	if ! vd_up; then
		fail "trial $st_i: verifyd does not start again after SIG$st_sig"
		return 1
	fi
	totals after || return 1
	$LOAD join --out "res.$st_i" --before before --after after --kill-ms "$KILL_MS" \
		--window-ms "${SOAK_WINDOW_MS:-0}" >"join.$st_i"
}
