#!/bin/sh
# Publishing the registry to replicas (issue #12), with deploy/publish-registry:
# three verifyd replicas on loopback, each with its registry link and its
# scans folder, fed from one officers' store.
#  - the first publication (RELOAD none), then the replicas start on it;
#  - one more batch, published: all three serve it (sha256, audit entry, two
#    batches in /healthz and /metrics) and a code of the new batch is genuine;
#  - the earlier snapshot (stale), and a store of another chain with more
#    entries (a fork): refused by each, which keeps the new one, and the
#    script puts the new one back in place;
#  - a corrupt copy (one byte flipped, its checksum file kept): the script
#    refuses it before any replica; put in place by hand and signalled, each
#    replica refuses it on its checksum;
#  - nginx over the three (proxy_next_upstream error timeout, keepalive) under
#    wrk: one replica SIGKILLed during the load, no failed request; started
#    again, it serves the current snapshot.
# Every process is stopped by its pid; every wait has a deadline.
. "$(dirname "$0")/lib_verifyd.sh"
PUB="$STAMP_SOURCE_DIR/deploy/publish-registry"
export STAMPGEN
PATH=$PATH:/usr/sbin # nginx
g() { "$STAMPGEN" -q "$@"; }
URL=https://tem.thanhhoa.gov.vn
N=3
NGX_PID=
WRK_PID=

all_cleanup() {
	for i in 1 2 3; do
		[ -f "$WORK/r$i/pid" ] || continue
		p=$(cat "$WORK/r$i/pid")
		kill -9 "$p" 2>/dev/null || true
	done
	[ -z "$WRK_PID" ] || kill -9 "$WRK_PID" 2>/dev/null || true
	[ -z "$NGX_PID" ] || kill -QUIT "$NGX_PID" 2>/dev/null || true
	i=0
	while [ -n "$NGX_PID" ] && kill -0 "$NGX_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -z "$NGX_PID" ] || kill -9 "$NGX_PID" 2>/dev/null || true
	vd_cleanup
}
trap all_cleanup EXIT

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_replica I: verifyd on r$I's port (picked once), pid in r$I/pid; waits for /healthz
start_replica() {
	d=$WORK/r$1
	[ -f "$d/port" ] || free_port >"$d/port"
	port=$(cat "$d/port")
	"$VERIFYD" --listen 127.0.0.1 --port "$port" --registry "$d/registry" --scans "$d/scans" \
		--threads 2 --trusted-proxy 127.0.0.1 2>>"$d/log" &
	echo $! >"$d/pid"
	i=0
	while [ $i -lt 150 ]; do
		kill -0 "$(cat "$d/pid")" 2>/dev/null || break
		curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "replica $1 did not start:"
	sed 's/^/     | /' "$d/log"
	return 1
}

# stop_replica I SIGNAL: sends it, waits (bounded) for the exit
stop_replica() {
	p=$(cat "$WORK/r$1/pid")
	kill -"$2" "$p" 2>/dev/null || true
	i=0
	while kill -0 "$p" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	kill -9 "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
	rm -f "$WORK/r$1/pid"
}

# health I: replica I's /healthz as JSON into $WORK/body
health() {
	BASE="http://127.0.0.1:$(cat "$WORK/r$1/port")"
	fetch /healthz -H 'Accept: application/json'
}

targets() { # RELOAD kind: pid or none
	for i in $(seq 1 $N); do
		if [ "$1" = none ]; then printf '%s ' "$WORK/r$i/registry,none,"; else
			printf '%s ' "$WORK/r$i/registry,pid:$WORK/r$i/pid,http://127.0.0.1:$(cat "$WORK/r$i/port")"
		fi
	done
}

publish() { # expected-exit description args...
	want=$1 what=$2
	shift 2
	# shellcheck disable=SC2046
	expect_exit "$want" "$what" -- sh "$PUB" --timeout 20 "$@" $(targets pid)
}

sum_of() { cut -c1-64 "$1.sha256"; }

# serves_all SHA SEQ BATCHES WHAT: each replica's /healthz says so
serves_all() {
	for i in $(seq 1 $N); do
		health "$i"
		if [ "$STATUS" = 200 ] && [ "$(json registry.sha256)" = "$1" ] &&
			[ "$(json registry.audit_seq)" = "$2" ] && [ "$(json registry.batches)" = "$3" ] &&
			[ "$(json registry.checksum)" = verified ]; then
			ok "replica $i $4: serves sha256 ${1%????????????????????????????????????????????????}..., audit entry $2, $3 batches"
		else
			fail "replica $i $4: /healthz $STATUS: $(cat "$WORK/body")"
		fi
	done
}

# ---- the officers' store, and its first snapshot ----------------------------
g keygen -o k1 >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
g issue --product NM-COT-HH --lot L1 --produced 2026-11-01 --count 200 --key k1.key \
	--base-url "$URL" --out b1 --no-images >/dev/null
g backup --out snap1.bak >/dev/null
SHA1=$(sum_of snap1.bak)
SEQ1=$("$STAMPGEN" audit verify | sed -n 's/^INTACT: \([0-9]*\) entries.*/\1/p')
[ -n "$SEQ1" ] && ok "store made: 1 batch, audit entry $SEQ1" || fail "no audit head"

for i in $(seq 1 $N); do mkdir -p "r$i"; done
# shellcheck disable=SC2046
expect_exit 0 "first publication (verifyd not running yet)" -- sh "$PUB" --from snap1.bak $(targets none)
for i in $(seq 1 $N); do
	[ -L "r$i/registry" ] && [ -f "r$i/registry/data.mdb.sha256" ] &&
		ok "replica $i: registry is a link to a snapshot folder" || fail "replica $i: no registry link"
	start_replica "$i" || fail "replica $i starts"
done
serves_all "$SHA1" "$SEQ1" 1 "at start"

# ---- one more batch, published with the script (it makes the backup) -------
g issue --product NM-COT-HH --lot L2 --produced 2026-11-15 --count 200 --key k1.key \
	--base-url "$URL" --out b2 --no-images >/dev/null
SEQ2=$("$STAMPGEN" audit verify | sed -n 's/^INTACT: \([0-9]*\) entries.*/\1/p')
t0=$(date +%s%N)
publish 0 "publish the store with one more batch" -s "$OCOPSTAMP_STORE"
PUB_MS=$((($(date +%s%N) - t0) / 1000000))
expect_out "all 3 replicas serve sha256" "the script says all three serve it"
SHA2=$(sed -n 's/.*snapshot .*: sha256 \([0-9a-f]*\) .*/\1/p' "$WORK/out" | head -n 1)
[ -n "$SHA2" ] && [ "$SHA2" != "$SHA1" ] && ok "a new snapshot: sha256 $SHA2 (published in $PUB_MS ms)" ||
	fail "no new sha256 in the script's output"
serves_all "$SHA2" "$SEQ2" 2 "after the publication"
B32=$(manifest_code b2 250)
for i in $(seq 1 $N); do
	BASE="http://127.0.0.1:$(cat "r$i/port")"
	fetch "/api/v1/stamps/$B32"
	[ "$STATUS" = 200 ] && [ "$(json verdict)" = genuine ] && [ "$(json batch.lot)" = L2 ] &&
		ok "replica $i: a code of the new batch is genuine" || fail "replica $i: new code: $STATUS $(json verdict)"
	fetch /metrics
	grep -q "^verifyd_registry_snapshot_info{sha256=\"$SHA2\",checksum=\"verified\"" "$WORK/body" &&
		grep -q "^verifyd_registry_audit_seq $SEQ2\$" "$WORK/body" &&
		grep -q "^verifyd_registry_batches 2\$" "$WORK/body" &&
		grep -q '^verifyd_registry_reloads_total{result="opened"} 1$' "$WORK/body" &&
		ok "replica $i: /metrics names the snapshot, its audit entry, 2 batches, 1 reload" ||
		{ fail "replica $i: /metrics"; grep registry "$WORK/body" | sed 's/^/     | /'; }
done
cp -L r1/registry/data.mdb snap2.mdb

# ---- a stale snapshot: refused by each, the new one kept --------------------
publish 1 "publish the earlier snapshot: refused" --from snap1.bak
n=$(grep -c "NOT PUBLISHED: verifyd refused it: the new snapshot is older: audit entry $SEQ1, the one served is at $SEQ2" "$WORK/out" || true)
[ "$n" = 3 ] && ok "each replica refused it as older" || { fail "refusals: $n of 3"; sed 's/^/     | /' "$WORK/out"; }
serves_all "$SHA2" "$SEQ2" 2 "after the stale one"
for i in $(seq 1 $N); do
	health "$i"
	[ "$(json reload.result)" = refused ] && ok "replica $i: /healthz says the last reload was refused" ||
		fail "replica $i: reload.result $(json reload.result)"
	[ "$(sha256sum <"r$i/registry/data.mdb" | cut -c1-64)" = "$SHA2" ] &&
		ok "replica $i: the new snapshot is back in place on disk" || fail "replica $i: on disk is not the new snapshot"
	grep -q "reload refused: the new snapshot is older" "r$i/log" && ok "replica $i: logged the refusal" ||
		fail "replica $i: no refusal in its log"
done

# ---- another chain (a fork) with more entries: refused ----------------------
F=$WORK/fork
g -s "$F" keygen -o k2 >/dev/null
g -s "$F" coop import "$SAMPLES/coops.csv" >/dev/null
g -s "$F" product import "$SAMPLES/products.csv" >/dev/null
fork_issue() {
	g -s "$F" issue --product NM-COT-HH --lot "$1" --produced 2026-11-01 --count 5 --key k2.key \
		--base-url "$URL" --out "f-$1" --no-images >/dev/null
}
fork_refused() { # what
	n=$(grep -c "NOT PUBLISHED: verifyd refused it: the new snapshot is not a continuation of the one served" "$WORK/out" || true)
	[ "$n" = 3 ] && ok "each replica refused $1" || { fail "$1: refusals: $n of 3"; sed 's/^/     | /' "$WORK/out"; }
}
fork_issue F1
fork_issue F2
FSEQ=$("$STAMPGEN" -s "$F" audit verify | sed -n 's/^INTACT: \([0-9]*\) entries.*/\1/p')
[ "$FSEQ" = "$SEQ2" ] && ok "a fork with as many audit entries ($FSEQ)" || fail "fork at $FSEQ entries, not $SEQ2"
publish 1 "publish a fork of the same length: refused" -s "$F"
fork_refused "a fork of the same length"
fork_issue F3
publish 1 "publish a longer fork: refused" -s "$F"
fork_refused "a longer fork"
serves_all "$SHA2" "$SEQ2" 2 "after the forks"

# ---- a corrupt copy: the script refuses it; placed by hand, each replica does
cp snap2.mdb bad.bak
printf '%s  bad.bak\n' "$SHA2" >bad.bak.sha256
python3 -c '
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(4096 + 200); b = f.read(1); f.seek(4096 + 200); f.write(bytes([b[0] ^ 0x20]))
' bad.bak
publish 2 "publish a copy with one byte flipped: refused before any replica" --from bad.bak
expect_out "damaged; nothing was published" "the script says why"
for i in $(seq 1 $N); do
	d=r$i/registry.snapshots/by-hand
	mkdir "$d"
	cp bad.bak "$d/data.mdb"
	printf '%s  data.mdb\n' "$SHA2" >"$d/data.mdb.sha256"
	good=$(readlink "r$i/registry")
	ln -s registry.snapshots/by-hand "r$i/registry.tmp" && mv -T "r$i/registry.tmp" "r$i/registry"
	health "$i"
	before=$(json reload.count)
	kill -HUP "$(cat "r$i/pid")"
	j=0
	while health "$i" && [ "$(json reload.count)" = "$before" ] && [ $j -lt 100 ]; do sleep 0.1; j=$((j + 1)); done
	[ "$(json reload.result)" = refused ] && json reload.reason | grep -q "checksum does not match" &&
		ok "replica $i: the corrupt copy is refused on its checksum" ||
		fail "replica $i: corrupt copy: $(cat "$WORK/body")"
	[ "$(json registry.sha256)" = "$SHA2" ] && ok "replica $i: still serves the good snapshot" ||
		fail "replica $i: serves $(json registry.sha256)"
	ln -s "$good" "r$i/registry.tmp" && mv -T "r$i/registry.tmp" "r$i/registry"
	rm -rf "$d"
done

# nothing left behind: no temporary copy, at most --keep (3) snapshot folders
for i in $(seq 1 $N); do
	left=$(find "r$i" -maxdepth 2 -name '.incoming*' | wc -l)
	kept=$(find "r$i/registry.snapshots" -mindepth 1 -maxdepth 1 -type d | wc -l)
	[ "$left" = 0 ] && [ "$kept" -ge 1 ] && [ "$kept" -le 3 ] && [ -f "r$i/registry/data.mdb" ] &&
		ok "replica $i: no temporary copy left, $kept snapshot folders kept" ||
		fail "replica $i: $left temporary copies, $kept snapshot folders"
done

# at start there is nothing to compare with, but the checksum is checked
mkdir badstart
cp bad.bak badstart/data.mdb
printf '%s  data.mdb\n' "$SHA2" >badstart/data.mdb.sha256
expect_exit 2 "verifyd on a corrupt registry with its checksum: refuses to start" -- \
	timeout 30 "$VERIFYD" --listen 127.0.0.1 --port "$(free_port)" --registry "$WORK/badstart" \
	--scans "$WORK/badstart-scans"
expect_out "badstart/data.mdb: checksum does not match" "verifyd says the checksum does not match"

# ---- a registry that is a plain folder: files renamed into it ---------------
mkdir plain
expect_exit 0 "publish into a plain folder (verifyd not running)" -- sh "$PUB" --from snap1.bak "$WORK/plain,none,"
[ ! -L plain ] && (cd plain && sha256sum -c --status data.mdb.sha256) &&
	ok "data.mdb and data.mdb.sha256 renamed into the folder, and they match" || fail "plain folder: $(ls -la plain)"
: >plain/lock.mdb # as verifyd leaves it on a writable filesystem
before=$(sha256sum <plain/data.mdb)
expect_exit 1 "publish beside a lock file: refused" -- sh "$PUB" --from "$WORK/snap1.bak" \
	"$WORK/plain,pid:$WORK/r1/pid,http://127.0.0.1:$(cat r1/port)"
expect_out "holds lock.mdb" "the script says why"
[ "$(sha256sum <plain/data.mdb)" = "$before" ] && ok "the folder is left as it was" || fail "the folder changed"
[ "$(find . -maxdepth 1 -name '.incoming*' | wc -l)" = 0 ] && ok "no temporary copy left beside it" ||
	fail "temporary copies left: $(find . -maxdepth 1 -name '.incoming*')"

# ---- nginx over the three; one SIGKILLed under load --------------------------
NGX=$WORK/nginx
NGX_PORT=$(free_port)
mkdir -p "$NGX/logs" "$NGX/tmp"
{
	echo "daemon off; master_process on; worker_processes 1; pid $NGX/nginx.pid;"
	echo "error_log $NGX/logs/error.log warn; events { worker_connections 512; }"
	echo "http { access_log off; client_body_temp_path $NGX/tmp/body; proxy_temp_path $NGX/tmp/proxy;"
	echo "fastcgi_temp_path $NGX/tmp/fastcgi; uwsgi_temp_path $NGX/tmp/uwsgi; scgi_temp_path $NGX/tmp/scgi;"
	echo "upstream verifyd {"
	for i in $(seq 1 $N); do echo "server 127.0.0.1:$(cat "r$i/port") max_fails=1 fail_timeout=2s;"; done
	echo "keepalive 16; keepalive_timeout 4s; }"
	echo "server { listen 127.0.0.1:$NGX_PORT; location / { proxy_pass http://verifyd;"
	echo "proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_set_header Host \$host;"
	echo "proxy_connect_timeout 1s; proxy_read_timeout 5s;"
	echo "proxy_next_upstream error timeout; proxy_next_upstream_tries 3; } } }"
} >"$NGX/nginx.conf"
nginx -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/logs/error.log" 2>>"$NGX/logs/error.log" &
NGX_PID=$!
i=0
while ! curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$NGX_PORT/healthz" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
BASE="http://127.0.0.1:$NGX_PORT"
expect_status 200 "nginx in front answers" "/api/v1/stamps/$B32"
wrk -t1 -c16 -d6s "http://127.0.0.1:$NGX_PORT/api/v1/stamps/$B32" >wrk.out 2>&1 &
WRK_PID=$!
sleep 2
stop_replica 2 KILL
ok "replica 2 SIGKILLed under load"
j=0
while kill -0 "$WRK_PID" 2>/dev/null && [ $j -lt 150 ]; do sleep 0.1; j=$((j + 1)); done
wait "$WRK_PID" || true
WRK_PID=
sed 's/^/     | /' wrk.out
REQS=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' wrk.out)
[ -n "$REQS" ] && [ "$REQS" -gt 1000 ] && ok "wrk: $REQS requests through nginx" || fail "wrk ran: '$REQS' requests"
grep -Eq "Socket errors|Non-2xx" wrk.out && fail "wrk saw failed requests" ||
	ok "no failed request while a replica was killed (no socket error, no non-2xx)"
# the kill hit traffic: nginx saw the upstream fail (and retried elsewhere)
NERR=$(grep -c "connect() failed\|upstream prematurely closed\|recv() failed" "$NGX/logs/error.log" || true)
[ "${NERR:-0}" -gt 0 ] && ok "nginx saw the killed replica fail $NERR times, retried on the others" ||
	fail "nginx saw no upstream failure: the kill did not hit traffic"

start_replica 2 || fail "replica 2 starts again"
health 2
[ "$STATUS" = 200 ] && [ "$(json registry.sha256)" = "$SHA2" ] && [ "$(json registry.audit_seq)" = "$SEQ2" ] &&
	ok "replica 2 rejoined with the current snapshot" || fail "replica 2 after restart: $(cat "$WORK/body")"
BASE="http://127.0.0.1:$NGX_PORT"
expect_status 200 "through nginx after the rejoin" "/api/v1/stamps/$B32"

# ---- stop everything by pid, check the logs ---------------------------------
kill -QUIT "$NGX_PID" 2>/dev/null || true
i=0
while kill -0 "$NGX_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
NGX_PID=
for i in $(seq 1 $N); do
	stop_replica "$i" TERM
	VD_LOG=$WORK/r$i/log
	VD_RUNS=$i
	vd_check_log
done
finish
