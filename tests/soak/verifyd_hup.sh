#!/bin/sh
# verifyd_hup.sh - SIGHUP to verifyd under scan load, N times, some with a new
# registry snapshot published: not one failed answer, new batches answered.
#
#   STAMPGEN=build/stampgen VERIFYD=build/verifyd STAMP_SOURCE_DIR=. sh tests/soak/verifyd_hup.sh [N]
#   env: SOAK_TRIALS (N, default 20), SOAK_SEED (random seed, printed),
#        SOAK_CODES (codes under load, 8), SOAK_MIN_MS / SOAK_MAX_MS (load
#        between two signals: 200 / 1500 ms), SOAK_PUBLISH_PCT (share of
#        the signals that follow a new snapshot, 35), SOAK_PUBLISH (file,
#        folder or auto: see below), SOAK_CONNS (client connections, 16),
#        VERIFYD_FLAGS (more verifyd flags), SOAK_GLOBAL (seconds the whole
#        run may take: 60 + 10 N)
#   smoke: SOAK_TRIALS=6
#
# The officers' live store ($WORK/store, stampgen) and the server's registry
# folder ($WORK/registry), a snapshot of it made the documented way
# (docs/operations.md, "Publishing the registry"): `mdb_copy -c` of the live
# store into a scratch folder, then
#   file    `mv -T scratch/data.mdb registry/data.mdb`, with verifyd seeing the
#           registry folder read-only, as the systemd unit has it
#           (ReadOnlyPaths=): verifyd runs in its own mount namespace
#           (unshare -m, or unshare -rm without root) with the folder bound
#           read-only over itself, so LMDB uses no lock file there and
#           server_reload opens the renamed-in file;
#   folder  the scratch folder renamed over the registry folder (verifyd
#           outside systemd, on a writable folder: a data.mdb renamed in
#           beside the lock.mdb verifyd uses is refused, see server_reload);
#   auto    file when a mount namespace can be had, else folder (printed).
#
# verifyd starts on the registry; one load client (vd_load.py load, as in
# verifyd_term.sh: keep-alive connections of 100 requests, SOAK_CODES codes)
# scans for the whole run. N times, after a random pause: either a new batch
# is issued on the live store, its first code checked "unknown" on verifyd
# (the control), a snapshot published and verifyd sent SIGHUP, and once its
# log says "registry reopened (generation G)" the new code must be genuine
# (API) and its page answer 200; or SIGHUP alone, and the log must say
# "(generation G)" for the unchanged files. Asserted at the end: every
# request of the load answered 200 (no other status, no connection refused,
# failed or cut) all through the signals; verifyd alive, no "reload failed"
# or "reload refused" in its log, /metrics and /healthz 200 after each
# signal; after a SIGTERM and a restart, each code's stored total
# (scans.requests, or scans.count) grew by exactly the client's 200 answers
# (nothing lost across the reloads); no sanitizer report.
SOAK_NAME=verifyd_hup.sh
TRIALS=${1:-${SOAK_TRIALS:-20}}
SOAK_PER_TRIAL=10
. "$STAMP_SOURCE_DIR/tests/soak/lib_vdsoak.sh"
trial_params 200 1500
PCT=${SOAK_PUBLISH_PCT:-35}
PUBLISH=${SOAK_PUBLISH:-auto}
num SOAK_PUBLISH_PCT "$PCT"

# ---- how snapshots are published -------------------------------------------
REGISTRY=$WORK/registry
UNSHARE="unshare -m"
[ "$(id -u)" -eq 0 ] || UNSHARE="unshare -r -m"
ns_ok() {
	mkdir -p "$WORK/ns-probe"
	command -v unshare >/dev/null &&
		$UNSHARE sh -c 'mount --bind -o ro "$1" "$1" && ! touch "$1/x" 2>/dev/null' sh "$WORK/ns-probe" 2>/dev/null
}
case $PUBLISH in
auto) if ns_ok; then PUBLISH=file; else PUBLISH=folder; fi ;;
file) ns_ok || { echo "$SOAK_NAME: SOAK_PUBLISH=file needs a mount namespace ($UNSHARE)" >&2; exit 2; } ;;
folder) ;;
*) echo "$SOAK_NAME: SOAK_PUBLISH must be file, folder or auto, got \"$PUBLISH\"" >&2; exit 2 ;;
esac
REAL_VERIFYD=$VERIFYD
if [ "$PUBLISH" = file ]; then
	# verifyd keeps its pid through the execs; the folder read-only in its namespace only
	printf '#!/bin/sh\nexec %s sh -c '\''mount --bind -o ro "$1" "$1" && shift && exec "$@"'\'' sh "%s" "%s" "$@"\n' \
		"$UNSHARE" "$REGISTRY" "$REAL_VERIFYD" >vd-ro.sh
	chmod +x vd-ro.sh
	VERIFYD=$WORK/vd-ro.sh
fi
SNAPS=0
publish() {
	rm -rf snap.tmp
	mkdir snap.tmp
	mdb_copy -c "$OCOPSTAMP_STORE" snap.tmp || return 1
	SNAPS=$((SNAPS + 1))
	if [ "$PUBLISH" = file ]; then
		mv -T snap.tmp/data.mdb "$REGISTRY/data.mdb"
	else
		mv "$REGISTRY" "$WORK/registry.old.$SNAPS" # verifyd may read it until SIGHUP
		mv snap.tmp "$REGISTRY"
	fi
}

# log_wait TEXT: up to 10 s for TEXT in verifyd's log
log_wait() {
	lw_n=0
	while ! grep -Fq "$1" "$VD_LOG" && [ $lw_n -lt 200 ]; do
		sleep 0.05
		lw_n=$((lw_n + 1))
	done
	grep -Fq "$1" "$VD_LOG"
}

# ---- the run -----------------------------------------------------------------
soak_registry $((NCODES + 4)) "$NCODES"
mkdir "$REGISTRY"
mdb_copy -c "$OCOPSTAMP_STORE" "$REGISTRY"
echo "verifyd_hup: $TRIALS signals, seed $SEED, $NCODES codes under load, $MIN_MS-$MAX_MS ms apart, $PCT % after a new snapshot (published: $PUBLISH); $REAL_VERIFYD"
vd_up || { fail "verifyd starts"; finish; }
if [ "$PUBLISH" = file ]; then
	# the control: verifyd saw the folder read-only, as under the unit
	[ ! -e "$REGISTRY/lock.mdb" ] && ok "verifyd reads the registry folder read-only (no lock.mdb)" ||
		fail "verifyd made a lock.mdb in the registry folder: it is not read-only to it"
fi
totals before || finish
awk -v n="$TRIALS" -v seed="$SEED" -v lo="$MIN_MS" -v hi="$MAX_MS" -v pct="$PCT" 'BEGIN { srand(seed)
	for (k = 1; k <= n; k++) { d[k] = int(lo + rand() * (hi - lo)); p[k] = rand() * 100 < pct; any += p[k] }
	if (!any && pct > 0) p[int((n + 1) / 2)] = 1
	for (k = 1; k <= n; k++) print d[k], p[k] }' >plan

load_start res "$SEED"
T=0 GEN=0 PUBS=0
while read -r delay pub <&3; do
	T=$((T + 1))
	ms_sleep "$delay"
	GEN=$((GEN + 1))
	if [ "$pub" -eq 1 ]; then
		PUBS=$((PUBS + 1))
		t0=$(now_ms)
		soak_issue "SOAK-H$T" 2 "batch-h$T"
		newc=$(manifest_code "batch-h$T" "$(awk -F, 'NR == 2 { print $1 }' "batch-h$T/manifest.csv")")
		fetch "/api/v1/stamps/$newc"
		before=$(json verdict)
		publish || { fail "signal $T: publishing the snapshot failed"; continue; }
		kill -HUP "$VD_PID"
		if ! log_wait "registry reopened (generation $GEN)"; then
			fail "signal $T: no \"registry reopened (generation $GEN)\" in the log: $(tail -2 "$VD_LOG" | tr '\n' ' ')"
			continue
		fi
		took=$(($(now_ms) - t0))
		fetch "/api/v1/stamps/$newc"
		after=$(json verdict)
		st_api=$STATUS
		fetch "/S/$newc"
		if [ "$before" = unknown ] && [ "$st_api" = 200 ] && [ "$after" = genuine ] && [ "$STATUS" = 200 ]; then
			ok "signal $T/$TRIALS after $delay ms: new batch SOAK-H$T, snapshot $SNAPS published, SIGHUP: generation $GEN ($took ms from issue to reopened); its code was $before, now $after, its page $STATUS"
		else
			fail "signal $T: the new batch's code: before the snapshot '$before' (want unknown), after SIGHUP API $st_api '$after' (want 200 genuine), page $STATUS (want 200)"
		fi
	else
		kill -HUP "$VD_PID"
		if log_wait "(generation $GEN)"; then
			ok "signal $T/$TRIALS after $delay ms: SIGHUP on unchanged files: generation $GEN"
		else
			fail "signal $T: no \"(generation $GEN)\" in the log: $(tail -2 "$VD_LOG" | tr '\n' ' ')"
		fi
	fi
	vd_alive || { fail "signal $T: verifyd is gone"; break; }
	# the other routes that read shared state, while the load runs
	fetch /metrics
	m=$STATUS
	fetch /healthz
	[ "$m" = 200 ] && [ "$STATUS" = 200 ] || fail "signal $T: /metrics $m, /healthz $STATUS (want 200 and 200)"
done 3<plan
ms_sleep "$MIN_MS" # load after the last signal too
load_stop || fail "the load client failed"
load_sums res
[ "$ANS" -gt 0 ] && [ "$SENT" -eq "$ANS" ] && [ "$NON2XX" -eq 0 ] && [ "$CUT" -eq 0 ] &&
	[ "$REFUSED" -eq 0 ] && [ "$CFAIL" -eq 0 ] &&
	ok "load through $T signals ($PUBS snapshots): $ANS requests in $SECS s, every one answered 200" ||
	fail "load through the signals: $SENT sent, $ANS answered 200, $NON2XX other statuses ($(grep '^status' res | tr '\n' ' ')), $CUT cut, $REFUSED connects refused, $CFAIL failed"
if grep -Eq "reload (failed|refused)" "$VD_LOG"; then
	fail "verifyd refused or failed a reload: $(grep -E 'reload (failed|refused)' "$VD_LOG" | head -2 | tr '\n' ' ')"
else
	ok "no reload failed or refused"
fi
vd_halt TERM
[ "$VD_RC" = 0 ] || fail "SIGTERM after the run: exit $VD_RC"
vd_up || { fail "verifyd starts again"; finish; }
if totals after; then
	$LOAD join --out res --before before --after after >join.all
	diff=$(codes_where '$4 != $2' join.all)
	[ -z "$diff" ] && ok "stored totals grew by the answers, every code, across $T reloads" ||
		fail "stored totals differ from the answers: $diff"
fi
vd_halt TERM
echo "verifyd_hup: $T signals, $PUBS with a new snapshot ($PUBLISH), $ANS answers; wall $(elapsed) s"
finish
