#!/bin/sh
# issue_kill.sh - kill -9 during `stampgen issue`, N times, on one store.
#
#   STAMPGEN=build/stampgen STAMP_SOURCE_DIR=. sh tests/soak/issue_kill.sh [N]
#   env: SOAK_TRIALS (N, default 10), SOAK_COUNT (stamps per issuance, 3000),
#        SOAK_SEED (random seed, printed), SOAK_SPREAD (kill moments span
#        0 .. SPREAD x a full issuance's time, default 1.15), SOAK_TIMEOUT
#        (seconds any one command may take, default 300)
#   smoke: SOAK_TRIALS=3 SOAK_COUNT=400
#
# Issuance reserves its serials (committed) before signing, writes into
# "<out>.tmp-XXXXXX", stores the batch in one transaction, then renames the
# folder (issue.c). This checks what a kill at any moment may leave: a
# consistent store whose batches all render, serial ranges that never
# overlap, no leftover code that verifies as genuine, no partial published
# folder, and every killed run's folder removed (with its "are burned" note)
# by the next issuance that gets past its reservation.
#
# The kill moments: one complete run of each mode (PNGs, PNGs + --sheet,
# --no-images) measures T; each mode's trials get delays stratified over
# [0, SPREAD x T) (one per slice, slices shuffled), so the moments are spread
# evenly and some runs complete.
#
# POSIX sh plus GNU coreutils (fractional sleep, date +%N, timeout), zbarimg
# and pdfinfo. The outcome of a killed run is read from `stampgen serials`
# (its pending reservation, by pid) and `stampgen batch list` (its lot).
#
# Published folders lose their PNGs and sheet once checked (manifests stay,
# for the render comparison): 100 trials would otherwise keep ~1.5 GB.
: "${STAMP_SOURCE_DIR:?STAMP_SOURCE_DIR must name the source tree}"
: "${STAMPGEN:?STAMPGEN must name the stampgen binary}"
# lib.sh changes to its temporary folder: make relative names absolute first
case $STAMPGEN in /*) ;; */*) STAMPGEN="$PWD/$STAMPGEN" ;; esac
case $STAMP_SOURCE_DIR in /*) ;; *) STAMP_SOURCE_DIR="$PWD/$STAMP_SOURCE_DIR" ;; esac
. "$STAMP_SOURCE_DIR/tests/e2e/lib.sh" # set -eu, $WORK (cwd), OCOPSTAMP_STORE, finish
G="$STAMPGEN"
CHILD=
trap 'if [ -n "$CHILD" ]; then kill -9 "$CHILD" 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

TRIALS=${1:-${SOAK_TRIALS:-10}}
COUNT=${SOAK_COUNT:-3000}
SEED=${SOAK_SEED:-$(($(date +%s) % 100000))}
SPREAD=${SOAK_SPREAD:-1.15}
TMO=${SOAK_TIMEOUT:-300}
URL=https://tem.thanhhoa.gov.vn
for v in "$TRIALS" "$COUNT" "$SEED" "$TMO"; do
	case $v in '' | *[!0-9]*)
		echo "issue_kill.sh: expected a number, got \"$v\"" >&2
		exit 2
		;;
	esac
done
[ "$TRIALS" -ge 1 ] && [ "$COUNT" -ge 1 ] || { echo "issue_kill.sh: N and SOAK_COUNT must be >= 1" >&2; exit 2; }
for t in zbarimg pdfinfo timeout; do
	command -v "$t" >/dev/null || { echo "issue_kill.sh: needs $t" >&2; exit 2; }
done

START=$(date +%s)
mkdir out logs chk
: >ranges   # first last kind id, every range ever seen (kind: batch, pending, burned)
: >pending  # trial pid first last dir: what the next issuance past its reservation must sweep
: >lots     # lot out mode
PAGES_PER_SHEET=24 # a4-3x8

run() { timeout -k 5 "$TMO" "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# outcomes are read from `stampgen serials` (b933021): an older build would misreport them
run "$G" serials --help >/dev/null 2>&1 || { echo "issue_kill.sh: $G has no 'serials' verb; rebuild it" >&2; exit 2; }

# One issuance, stampgen itself in this process (exec: $! of "(issue ...) &"
# is stampgen's pid); WRAP="timeout ..." bounds the runs that are not killed.
# issue MODE LOT OUT COUNT LOG
WRAP=
issue() {
	mode=$1 lot=$2 out=$3 n=$4 log=$5
	set --
	case $mode in sheet) set -- --sheet a4-3x8 ;; noimg) set -- --no-images ;; esac
	exec $WRAP "$G" -q issue --product "$P" --lot "$lot" --produced 2026-11-01 --count "$n" \
		--key "$WORK/k.key" --base-url "$URL" --out "$out" "$@" >"$log" 2>&1 </dev/null
}

# ---- per-trial bookkeeping: TP/TF checks of this trial, TMSG its failures ----
pass() { PASSES=$((PASSES + 1)) TP=$((TP + 1)); }
bad() {
	FAILS=$((FAILS + 1)) TF=$((TF + 1))
	TMSG="$TMSG
     FAIL $*"
}

# The reservations, from `stampgen serials`: "first count state pid" (state
# 0 pending, 1 burned); its batch lines into sbat ("first last id").
reservations() {
	if ! run "$G" -q serials >serials 2>serials.err </dev/null; then
		bad "stampgen serials: $(cat serials.err)"
		: >res
		: >sbat
		return
	fi
	awk -F '\t' 'NR > 1 && ($2 == "burned" || $2 == "pending") {
		split($1, r, "-"); pid = $5; sub(/.*pid /, "", pid); sub(/ .*/, "", pid)
		printf "%.0f %.0f %d %d\n", r[1], r[2] - r[1] + 1, $2 == "burned", pid }' serials >res
	awk -F '\t' 'NR > 1 && $2 ~ /^batch / { split($1, r, "-"); sub(/^batch /, "", $2); print r[1], r[2], $2 }' serials >sbat
}

# batch list into "id lot count first last"; non-zero when the verb fails.
batches() {
	run "$G" batch list >blist 2>blist.err </dev/null || return 1
	sed 1d blist | awk -F '\t' '{ split($6, r, "-"); print $1, $3, $5, r[1], r[2] }' >bat
}

# (POSIX sh has no local variables: each function's own carry its prefix.)

# Every batch renders; its manifest is the published one (serial and code;
# byte for byte for a --no-images batch). Ranges never overlap, ever.
store_checks() {
	if ! batches; then
		bad "stampgen batch list: $(cat blist.err)"
		return
	fi
	reservations
	sc_bad=0
	while read -r sc_id sc_lot sc_cnt _ <&4; do
		rm -rf chk/r
		if ! run "$G" -q render --batch "$sc_id" --out chk/r --no-images >chk/log 2>&1 </dev/null; then
			sc_bad=1
			bad "render --batch $sc_id: $(cat chk/log)"
			continue
		fi
		sc_rows=$(($(wc -l <chk/r/manifest.csv) - 1))
		[ "$sc_rows" -eq "$sc_cnt" ] || { sc_bad=1; bad "render --batch $sc_id: $sc_rows rows, count $sc_cnt"; }
		sc_dir=$(awk -v l="$sc_lot" '$1 == l { print $2 }' lots)
		sc_mode=$(awk -v l="$sc_lot" '$1 == l { print $3 }' lots)
		if [ -n "$sc_dir" ] && [ -f "$sc_dir/manifest.csv" ]; then
			if [ "$sc_mode" = noimg ]; then
				cmp -s chk/r/manifest.csv "$sc_dir/manifest.csv" || { sc_bad=1; bad "batch $sc_id: rendered manifest differs from $sc_dir/manifest.csv"; }
			else
				cut -d, -f1,2 chk/r/manifest.csv >chk/a
				cut -d, -f1,2 "$sc_dir/manifest.csv" >chk/b
				cmp -s chk/a chk/b || { sc_bad=1; bad "batch $sc_id: rendered codes differ from $sc_dir/manifest.csv"; }
			fi
		fi
	done 4<bat
	rm -rf chk/r
	[ "$sc_bad" -eq 0 ] && pass
	awk '{ print $4, $5, "batch", $1 }' bat >>ranges
	awk '{ print $1, $1 + $2 - 1, ($3 == 1 ? "burned" : "pending"), $1 }' res >>ranges
	sort -u -k1,1n -k2,2n -k3,3 -k4,4n ranges -o ranges
	# One range may be seen pending (a killed run's) and later burned; never
	# as two batches, and a batch's range is never a killed run's reservation.
	sc_overlap=$(awk '
		{ k = $1 " " $2
		  if (k != prev) { if (NR > 1 && $1 <= last) print "serials " $1 "-" $2 " overlap " plast
		                   prev = k; if ($2 > last) { last = $2; plast = $1 "-" $2 }; nb = 0; nr = 0 }
		  if ($3 == "batch") nb++; else nr++
		  if (nb > 1) print "serials " k " belong to two batches"
		  if (nb && nr) print "serials " k " are a batch and a killed run reservation" }' ranges | sort -u)
	if [ -z "$sc_overlap" ]; then pass; else bad "$sc_overlap"; fi
	# `serials` and `batch list` tell the same batches
	awk '{ print $4, $5, $1 }' bat | sort >chk/a
	sort sbat >chk/b
	if cmp -s chk/a chk/b; then pass; else bad "stampgen serials and batch list disagree: $(diff chk/a chk/b | head -4 | tr '\n' ' ')"; fi
}

# verify_none_genuine WHAT CODE...: none of the codes may verify as genuine.
verify_none_genuine() {
	vg_what=$1
	shift
	vg_bad=0
	for vg_code in "$@"; do
		vg_rc=0
		run "$G" verify "$vg_code" >chk/v 2>&1 </dev/null || vg_rc=$?
		# UNKNOWN (a burned serial) is expected; MALFORMED is a half-written manifest row
		if [ "$vg_rc" -eq 0 ] || grep -q GENUINE chk/v || ! grep -Eq '^code: (UNKNOWN|MALFORMED):' chk/v; then
			vg_bad=1
			bad "$vg_what: a leftover code says: $(head -4 chk/v | tr '\n' ' ')"
			break
		fi
	done
	[ "$vg_bad" -eq 0 ] && pass
	return 0
}

# Leftover temporary folder of a killed run: its codes must not be genuine.
LEFTCODES=0
check_leftover() {
	cl_dir=$1
	set --
	for cl_f in $(find "$cl_dir" -maxdepth 1 -name '*.png' | sort | head -5); do
		cl_c=$(run zbarimg --raw -q --nodbus "$cl_f" 2>/dev/null </dev/null || true) # half-written: no code
		[ -n "$cl_c" ] && set -- "$@" "$cl_c"
	done
	if [ -f "$cl_dir/manifest.csv" ]; then
		for cl_c in $(sed -n '2,6p' "$cl_dir/manifest.csv" | cut -d, -f2); do set -- "$@" "$cl_c"; done
	fi
	LEFTCODES=$((LEFTCODES + $#))
	verify_none_genuine "$cl_dir" "$@"
}

# A published folder is whole: the manifest's rows, every PNG, the sheet, no
# temporary entries; one of its codes verifies (the control for the checks
# above: the verifier does say GENUINE to a stored code).
check_published() {
	cp_out=$1 cp_mode=$2 cp_n=$3
	cp_bad=0
	if [ ! -f "$cp_out/manifest.csv" ]; then
		bad "$cp_out is published without manifest.csv"
		return
	fi
	cp_rows=$(($(wc -l <"$cp_out/manifest.csv") - 1))
	[ "$cp_rows" -eq "$cp_n" ] || { cp_bad=1; bad "$cp_out/manifest.csv: $cp_rows rows, expected $cp_n"; }
	cp_tmps=$(find "$cp_out" -name '*.tmp-*' | head -3)
	[ -z "$cp_tmps" ] || { cp_bad=1; bad "temporary entries in a published folder: $cp_tmps"; }
	cp_png=$(find "$cp_out" -name '*.png' | wc -l)
	cp_small=$(find "$cp_out" -name '*.png' -size -100c | wc -l)
	cp_want=$cp_n
	[ "$cp_mode" = noimg ] && cp_want=0
	[ "$cp_png" -eq "$cp_want" ] && [ "$cp_small" -eq 0 ] || { cp_bad=1; bad "$cp_out: $cp_png PNGs ($cp_small truncated), expected $cp_want"; }
	if [ "$cp_mode" = sheet ]; then
		cp_pages=$(run pdfinfo "$cp_out/sheet.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
		cp_wantp=$(((cp_n + PAGES_PER_SHEET - 1) / PAGES_PER_SHEET))
		[ "${cp_pages:-0}" -eq "$cp_wantp" ] || { cp_bad=1; bad "$cp_out/sheet.pdf: pdfinfo says ${cp_pages:-nothing} pages, expected $cp_wantp"; }
	elif [ -e "$cp_out/sheet.pdf" ]; then
		cp_bad=1
		bad "$cp_out/sheet.pdf without --sheet"
	fi
	cp_code=$(sed -n 2p "$cp_out/manifest.csv" | cut -d, -f2)
	if [ "$cp_mode" != noimg ]; then
		cp_z=$(run zbarimg --raw -q --nodbus "$cp_out/$(sed -n 2p "$cp_out/manifest.csv" | cut -d, -f3)" 2>/dev/null </dev/null || true)
		[ "$cp_z" = "$cp_code" ] || { cp_bad=1; bad "$cp_out: first PNG decodes to '$cp_z', manifest says '$cp_code'"; }
	fi
	run "$G" verify "$cp_code" >chk/v 2>&1 </dev/null && grep -q GENUINE chk/v ||
		{ cp_bad=1; bad "$cp_out: a published code does not verify: $(head -2 chk/v | tr '\n' ' ')"; }
	[ "$cp_bad" -eq 0 ] && pass
	return 0
}

# An issuance that got past its reservation (its output in $1) swept every
# earlier killed run: each pending reservation has its note (same serials),
# and each leftover folder is gone.
SWEPT=
resolve_pending() {
	rp_log=$1 rp_by=$2
	SWEPT=
	[ -s pending ] || return 0
	reservations
	while read -r rp_k rp_pid rp_first rp_last rp_dir <&5; do
		SWEPT="$SWEPT t$rp_k"
		case $rp_first in S*) # a stored batch whose folder was never put in place
			rp_note="note: batch ${rp_first#S} was stored, but its run (pid $rp_pid) ended before its folder was put in place: the temporary folder was removed: $rp_dir"
			if [ "$rp_dir" != - ] && [ -e "$rp_dir" ]; then
				bad "trial $rp_k's folder $rp_dir of stored batch ${rp_first#S} is left behind"
			elif [ "$rp_dir" != - ] && ! grep -qF "$rp_note" "$rp_log"; then
				bad "no note for trial $rp_k's stored batch ${rp_first#S}: $(grep "(pid $rp_pid)" "$rp_log")"
			else
				pass
			fi
			continue
			;;
		esac
		rp_note="note: serials $rp_first-$rp_last of an issuance that did not complete (pid $rp_pid) are burned"
		rp_n=$(grep -c "(pid $rp_pid) are burned" "$rp_log" || true)
		if [ "$rp_first" != - ] && ! grep -q "$rp_note" "$rp_log"; then
			rp_state=$(awk -v f="$rp_first" '$1 == f { print $3 }' res)
			if [ "$rp_state" = 1 ]; then
				bad "trial $rp_k's serials $rp_first-$rp_last were burned by $rp_by, killed before it removed $rp_dir (no note): nothing will remove it now"
			else
				bad "$rp_by did not burn trial $rp_k's serials $rp_first-$rp_last (pid $rp_pid, state ${rp_state:-gone}): no note"
			fi
			continue
		fi
		if [ "$rp_first" = - ] && [ "$rp_n" -ne 0 ]; then
			bad "$rp_by burned serials for trial $rp_k (pid $rp_pid), which reserved none"
			continue
		fi
		if [ "$rp_dir" != - ] && [ -e "$rp_dir" ]; then
			if [ "$rp_first" = - ]; then
				bad "trial $rp_k's folder $rp_dir is never removed: no reservation names it"
			elif grep -q "$rp_note; its temporary folder $rp_dir was removed" "$rp_log"; then
				bad "trial $rp_k's folder $rp_dir: the note says removed, it is there"
			else
				bad "trial $rp_k's folder $rp_dir is left behind: its serials are burned, the folder kept"
			fi
			continue
		fi
		if [ "$rp_dir" != - ] && ! grep -q "$rp_note; its temporary folder $rp_dir was removed" "$rp_log"; then
			bad "the note for trial $rp_k does not name its folder $rp_dir: $(grep "(pid $rp_pid)" "$rp_log")"
			continue
		fi
		pass
	done 5<pending
	: >pending
}

# ---- the store, and T of a complete run of each mode ----
run "$G" keygen -o k --label soak >/dev/null
run "$G" coop import "$SAMPLES/coops.csv" >/dev/null
run "$G" product import "$SAMPLES/products.csv" >/dev/null
P=$(run "$G" product list | sed -n 2p | cut -f1)
[ -n "$P" ] || { echo "issue_kill.sh: no product" >&2; exit 2; }

echo "issue_kill: $TRIALS trials of $COUNT stamps, seed $SEED, product $P, $STAMPGEN"
TP=0 TF=0 TMSG=
for mode in img sheet noimg; do
	out="$WORK/out/cal-$mode"
	echo "CAL-$mode $out $mode" >>lots
	t0=$(now_ms)
	rc=0
	(WRAP="timeout -k 5 $TMO" && issue "$mode" "CAL-$mode" "$out" "$COUNT" "logs/cal-$mode") || rc=$?
	t=$(($(now_ms) - t0))
	[ "$rc" -eq 0 ] || { bad "complete $mode run: exit $rc: $(cat "logs/cal-$mode")"; t=1000; }
	[ -d "$out" ] && check_published "$out" "$mode" "$COUNT"
	case $mode in img) T_img=$t ;; sheet) T_sheet=$t ;; *) T_noimg=$t ;; esac
done
store_checks
echo "calibration: a complete issuance takes $T_img ms (PNGs), $T_sheet ms (PNGs + sheet), $T_noimg ms (--no-images); checks $TP ok, $TF failed$TMSG"
find out -name '*.png' -delete
rm -f out/*/sheet.pdf

# ---- the plan: mode and kill delay of each trial ----
# Modes in turn: PNGs, PNGs + sheet, no images (40 % / 40 % / 20 %).
awk -v n="$TRIALS" -v seed="$SEED" -v spread="$SPREAD" -v ti="$T_img" -v ts="$T_sheet" -v tn="$T_noimg" '
BEGIN { srand(seed); split("img sheet noimg img sheet", cyc, " ")
	T["img"] = ti; T["sheet"] = ts; T["noimg"] = tn
	for (i = 1; i <= n; i++) { m = cyc[(i - 1) % 5 + 1]; mode[i] = m; idx[m, ++cnt[m]] = i }
	for (m in cnt) {
		for (k = 1; k <= cnt[m]; k++) u[k] = (k - 1 + rand()) / cnt[m]
		for (k = cnt[m]; k > 1; k--) { j = int(rand() * k) + 1; x = u[k]; u[k] = u[j]; u[j] = x }
		for (k = 1; k <= cnt[m]; k++) d[idx[m, k]] = int(u[k] * spread * T[m])
	}
	for (i = 1; i <= n; i++) printf "%d %s %d %.3f\n", i, mode[i], d[i], d[i] / T[mode[i]] }' >plan

N_BEFORE=0 N_SIGNING=0 N_AFTER=0 N_AFTER_PUB=0 N_DONE=0 LEFTDIRS=0
while read -r i mode delay frac <&3; do
	TP=0 TF=0 TMSG=
	lot="SOAK-$i" out="$WORK/out/t$i" log="logs/t$i"
	echo "$lot $out $mode" >>lots
	(issue "$mode" "$lot" "$out" "$COUNT" "$log") &
	CHILD=$!
	sleep "$((delay / 1000)).$(printf %03d $((delay % 1000)))"
	kill -9 "$CHILD" 2>/dev/null || true
	rc=0
	wait "$CHILD" 2>/dev/null || rc=$?
	pid=$CHILD CHILD=

	# What the kill left: read the store.
	batches || true
	reservations
	inbatch=$(awk -v l="$lot" '$2 == l { print $4 "-" $5 }' bat)
	resv=$(awk -v p="$pid" '$4 == p { print $1, $1 + $2 - 1, $3 }' res)
	if [ "$rc" -eq 0 ]; then
		outcome=completed N_DONE=$((N_DONE + 1))
		[ -n "$inbatch" ] || bad "exit 0 but no batch has lot $lot"
		[ -d "$out" ] || bad "exit 0 but $out is not there"
	elif [ "$rc" -ne 137 ]; then
		outcome="exit $rc"
		bad "issuance exited $rc: $(head -3 "$log")"
	elif [ -n "$inbatch" ]; then
		if [ -d "$out" ]; then
			outcome="killed after commit (published)" N_AFTER_PUB=$((N_AFTER_PUB + 1))
		else
			outcome="killed after commit (not published)"
		fi
		N_AFTER=$((N_AFTER + 1))
	elif [ -n "$resv" ]; then
		outcome="killed during signing" N_SIGNING=$((N_SIGNING + 1))
		set -- $resv
		[ "$3" -eq 0 ] || bad "the killed run's reservation $1-$2 is already marked burned"
	else
		outcome="killed before reserve" N_BEFORE=$((N_BEFORE + 1))
	fi
	[ -n "$inbatch" ] && [ -n "$resv" ] && bad "lot $lot is a batch ($inbatch) and still reserved ($resv)"
	[ -d "$out" ] && [ -z "$inbatch" ] && bad "$out is published but no batch has lot $lot"

	# This run got past its reservation: it swept the earlier killed runs.
	case $outcome in "killed before reserve" | exit*) ;; *) resolve_pending "$log" "trial $i" ;; esac
	store_checks
	[ -d "$out" ] && check_published "$out" "$mode" "$COUNT"
	left=$(find out -maxdepth 1 -name "t$i.tmp-*")
	bid=$(awk -v l="$lot" '$2 == l { print $1 }' bat)
	for d in $left; do
		LEFTDIRS=$((LEFTDIRS + 1))
		# killed after the batch was stored: its codes are genuine (the batch is
		# issued); what must hold is that the next issuance removes the folder
		[ -n "$bid" ] || check_leftover "$WORK/$d"
	done
	if [ "$rc" -ne 0 ]; then
		if [ -n "$bid" ]; then
			set -- "S$bid" -
		elif [ -n "$resv" ]; then set -- $resv; else set -- - -; fi
		dirs=0
		for d in $left; do
			echo "$i $pid $1 $2 $WORK/$d" >>pending
			dirs=$((dirs + 1))
		done
		[ "$dirs" -eq 0 ] && [ "$1" != - ] && echo "$i $pid $1 $2 -" >>pending
	fi
	[ -n "$resv" ] && outcome="$outcome, serials $(echo "$resv" | cut -d' ' -f1-2 | tr ' ' -) reserved"
	[ -n "$left" ] && outcome="$outcome, left $(echo "$left" | wc -w) temporary folder(s)"
	[ -n "$SWEPT" ] && outcome="$outcome, sweep of$SWEPT checked"
	if [ "$TF" -eq 0 ]; then res_s="checks $TP ok"; else res_s="checks $TP ok, $TF FAILED"; fi
	printf 'trial %d/%d %-5s delay %5d ms (%.2f T): %s; %s%s\n' "$i" "$TRIALS" "$mode" "$delay" "$frac" "$outcome" "$res_s" "$TMSG"
	if [ -d "$out" ]; then find "$out" -name '*.png' -delete; rm -f "$out/sheet.pdf"; fi
	SWEPT=
done 3<plan

# ---- a final clean issuance sweeps what the last trials left ----
TP=0 TF=0 TMSG=
fout="$WORK/out/final"
echo "SOAK-FINAL $fout img" >>lots
rc=0
(WRAP="timeout -k 5 $TMO" && issue img SOAK-FINAL "$fout" 10 logs/final) || rc=$?
[ "$rc" -eq 0 ] || bad "final issuance: exit $rc: $(cat logs/final)"
resolve_pending logs/final "the final issuance"
[ "$rc" -eq 0 ] && check_published "$fout" img 10
store_checks
ffirst=$(awk '$2 == "SOAK-FINAL" { print $4 }' bat)
maxres=$(awk '!($3 == "batch" && $4 == id) { if ($2 > m) m = $2 } END { printf "%.0f\n", m }' id="$(awk '$2 == "SOAK-FINAL" { print $1 }' bat)" ranges)
if [ -n "$ffirst" ] && [ "$ffirst" -gt "$maxres" ]; then pass; else
	bad "the final issuance's first serial ${ffirst:-none} is not above every serial reserved before ($maxres)"; fi
stale=$(find out -name '*.tmp-*' -prune | sort)
if [ -z "$stale" ]; then pass; else bad "$(echo "$stale" | wc -l) temporary folder(s) remain: $(echo "$stale" | tr '\n' ' ')"; fi
npend=$(awk '$3 == 0' res | wc -l)
if [ "$npend" -eq 0 ]; then pass; else bad "$npend reservation(s) still pending after the final issuance"; fi
burned=$(awk '$3 == 1 { s += $2; n++ } END { printf "%.0f %d\n", s, n }' res)
noted=$(cat logs/* | sed -n 's/.*note: serials \([0-9]*\)-\([0-9]*\) of .*burned.*/\1 \2/p' | sort -u | awk '{ s += $2 - $1 + 1 } END { printf "%.0f\n", s }')
set -- $burned
[ "$1" -eq "$noted" ] && pass || bad "the store holds $1 burned serials, the notes name $noted"
if [ "$TF" -eq 0 ]; then res_s="checks $TP ok"; else res_s="checks $TP ok, $TF FAILED"; fi
echo "final issuance: first serial ${ffirst:-none}, every serial reserved before <= $maxres; $res_s$TMSG"
echo "outcomes: $N_BEFORE killed before reserve, $N_SIGNING during signing, $N_AFTER after commit ($N_AFTER_PUB of them published), $N_DONE completed"
echo "burned: $1 serials in $2 reservations; $LEFTDIRS leftover temporary folders, $LEFTCODES of their codes verified; $(wc -l <bat) batches; wall $(($(date +%s) - START)) s"
finish
