#!/bin/sh
# Shared scan counts on Redis (issue #12): three verifyd replicas on one
# redis-server that this script starts (unix socket, no persistence but an
# explicit SHUTDOWN SAVE) and stops by PID, every wait bounded:
#   - 60 phones spread over the replicas: every replica answers suspicious;
#     the same through an nginx in front (round robin, X-Forwarded-For);
#   - 1,000 scans of one phone spread over them: genuine everywhere, one
#     scanner, one counted scan (its cookie holds on every replica);
#   - Redis stopped for 10 s under load: every request a 200, /healthz
#     degraded with the cause, and once Redis is back every replica shows
#     every request and every phone of the outage;
#   - Redis restarted empty: the replicas recover without a restart, put the
#     scanner keys back, the old cookie still holds, new scans are shared;
#   - no User-Agent, address or cookie text anywhere in Redis;
#   - verifyd --copy-scans moves an LMDB folder's counts and keys into Redis.
. "$(dirname "$0")/lib_verifyd.sh"
URL=https://tem.thanhhoa.gov.vn
g() { "$STAMPGEN" -q "$@"; }
CLIENT="python3 $(dirname "$0")/scan_client.py"
command -v redis-server >/dev/null || { echo "redis-server missing (scripts/install-deps)"; exit 1; }
SOCK=$WORK/redis.sock
REDIS_PID=
NGX_PID=
REPLICAS="1 2 3"

cleanup() {
	for i in $REPLICAS; do
		eval "p=\${R${i}_PID:-}"
		if [ -n "$p" ]; then kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; fi
	done
	for p in "$REDIS_PID" "$NGX_PID"; do
		if [ -n "$p" ]; then kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; fi
	done
	vd_cleanup
}
trap cleanup EXIT
now_ms() { echo $(($(date +%s%N) / 1000000)); }
rcli() { redis-cli -s "$SOCK" "$@"; }

redis_start() {
	redis-server --port 0 --unixsocket "$SOCK" --save '' --appendonly no --dir "$WORK" \
		--logfile "$WORK/redis.log" &
	REDIS_PID=$!
	t=$(now_ms)
	until [ "$(rcli ping 2>/dev/null)" = PONG ]; do
		[ $(($(now_ms) - t)) -lt 5000 ] || { fail "redis-server answers within 5 s"; finish; exit 1; }
		sleep 0.05
	done
}
# redis_stop [save]: SHUTDOWN (SAVE: dump.rdb kept for the next start), bounded
redis_stop() {
	if [ "${1:-}" = save ]; then rcli shutdown save >/dev/null 2>&1 || true; else
		kill "$REDIS_PID"; fi
	t=$(now_ms)
	while kill -0 "$REDIS_PID" 2>/dev/null; do
		[ $(($(now_ms) - t)) -lt 5000 ] || kill -9 "$REDIS_PID"
		sleep 0.05
	done
	wait "$REDIS_PID" 2>/dev/null || true
	REDIS_PID=
}

# rep_start I ARGS: replica I on a free port; R<I>_PID, R<I>_PORT, log rep<I>.log
rep_start() {
	i=$1
	shift
	port=$((20000 + ($$ * 53 + i * 7919 + $(date +%s)) % 40000))
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		port=$((port + 1))
		"$VERIFYD" --listen 127.0.0.1 --port "$port" --threads 2 --registry "$WORK/store" \
			--suspicious-after 20 "$@" 2>>"$WORK/rep$i.log" &
		pid=$!
		t=$(now_ms)
		while kill -0 "$pid" 2>/dev/null && [ $(($(now_ms) - t)) -lt 15000 ]; do
			if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz"; then
				eval "R${i}_PID=$pid R${i}_PORT=$port"
				return 0
			fi
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		grep -q "cannot listen" "$WORK/rep$i.log" || break
	done
	fail "replica $i starts"
	sed 's/^/     | /' "$WORK/rep$i.log"
	finish
	exit 1
}
rep_stop() { # I: SIGTERM, bounded; R<I>_RC
	eval "pid=\$R${1}_PID"
	kill -TERM "$pid"
	t=$(now_ms)
	while kill -0 "$pid" 2>/dev/null && [ $(($(now_ms) - t)) -lt 20000 ]; do sleep 0.05; done
	kill -9 "$pid" 2>/dev/null || true
	rc=0
	wait "$pid" || rc=$?
	eval "R${1}_PID= R${1}_RC=$rc"
}
port_of() { eval "echo \$R${1}_PORT"; }
ports() { echo "$(port_of 1),$(port_of 2),$(port_of 3)"; }
# api I CODE: the JSON of CODE from replica I into $WORK/body
api() { BASE="http://127.0.0.1:$(port_of "$1")" fetch "/api/v1/stamps/$2"; }
# until_all CODE FIELD WANT WHAT [SECONDS]: poll every replica until FIELD is WANT
until_all() {
	t=$(now_ms)
	for i in $REPLICAS; do
		while :; do
			api "$i" "$1"
			got=$(json "$2")
			[ "$got" = "$3" ] && break
			if [ $(($(now_ms) - t)) -ge $((${5:-10} * 1000)) ]; then
				fail "$4: replica $i says $2 '$got', expected '$3'"
				return 0
			fi
			sleep 0.2
		done
	done
	ok "$4 (every replica, within $(($(now_ms) - t)) ms)"
}
client() { # WHAT PORTS CODE MODE N [SRC]
	what=$1
	shift
	out=$($CLIENT "$1" "/S/$2" "$3" "$4" ${5:-}) || { fail "$what: client failed: $out"; return; }
	case $out in "ok 200 "* | "ok 200") ok "$what: every answer 200" ;; *) fail "$what: $out" ;; esac
	CLIENT_OUT=${out#ok 200}
}

g keygen -o k1 --label test >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
g issue --product NM-COT-HH --lot LOT-A --produced 2026-11-01 --count 12 --key k1.key \
	--base-url "$URL" --out a --no-images
A() { manifest_code a "$1"; }

redis_start
ok "redis-server on $SOCK (pid $REDIS_PID)"
for i in $REPLICAS; do rep_start "$i" --scans "unix:$SOCK" --trusted-proxy 127.0.0.1; done
ok "three replicas on one Redis: ports $(ports)"
api 1 "$(A 1)"
json_is verdict genuine "a stamp never scanned: genuine"

# ---- 60 phones over three replicas -------------------------------------------
client "60 phones spread over 3 replicas" "$(ports)" "$(A 3)" phones 60
until_all "$(A 3)" verdict suspicious "60 phones over 3 replicas (20 each, threshold 20): suspicious"
until_all "$(A 3)" scans.requests 60 "... 60 requests seen by each"
n=$(json scans.scanners)
[ "$n" -ge 58 ] && [ "$n" -le 62 ] 2>/dev/null && ok "... 60 scanners (HyperLogLog: $n)" ||
	fail "60 phones: scanners '$n'"

# ---- one phone, 1,000 scans over three replicas --------------------------------
client "one phone, 1000 scans over 3 replicas" "$(ports)" "$(A 1)" phone 1000 127.0.0.5
set -- $CLIENT_OUT
[ $# -eq 1 ] && ok "one cookie given in 1000 scans over 3 replicas: each takes the others' ($1)" ||
	fail "cookies given: $#"
PHONE_COOKIE=${1#ocs=}
until_all "$(A 1)" scans.requests 1000 "one phone: 1000 requests seen by each replica"
for i in $REPLICAS; do
	api "$i" "$(A 1)"
	[ "$(json verdict)" = genuine ] && [ "$(json scans.scanners)" = 1 ] &&
		[ "$(json scans.counted)" = 1 ] && ok "replica $i: genuine, one scanner, one counted scan" ||
		fail "replica $i: $(json verdict), scanners $(json scans.scanners), counted $(json scans.counted)"
done

# ---- the same behind nginx (round robin over the replicas) ---------------------
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ -x "$NGINX" ]; then
	mkdir -p "$WORK/ngx/logs" "$WORK/ngx/tmp"
	NGX_PORT=$(($(port_of 3) + 1))
	cat >"$WORK/ngx/nginx.conf" <<NGX
daemon off;
worker_processes 1;
pid $WORK/ngx/nginx.pid;
error_log $WORK/ngx/logs/error.log warn;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $WORK/ngx/tmp/body;
	proxy_temp_path $WORK/ngx/tmp/proxy;
	fastcgi_temp_path $WORK/ngx/tmp/fastcgi;
	uwsgi_temp_path $WORK/ngx/tmp/uwsgi;
	scgi_temp_path $WORK/ngx/tmp/scgi;
	upstream replicas {
		server 127.0.0.1:$(port_of 1);
		server 127.0.0.1:$(port_of 2);
		server 127.0.0.1:$(port_of 3);
	}
	server {
		listen 127.0.0.1:$NGX_PORT;
		location / {
			proxy_pass http://replicas;
			proxy_set_header X-Forwarded-For \$remote_addr;
		}
	}
}
NGX
	"$NGINX" -p "$WORK/ngx" -c "$WORK/ngx/nginx.conf" 2>>"$WORK/ngx/logs/error.log" &
	NGX_PID=$!
	t=$(now_ms)
	until curl -s -o /dev/null "http://127.0.0.1:$NGX_PORT/healthz"; do
		[ $(($(now_ms) - t)) -lt 5000 ] || break
		sleep 0.05
	done
	client "60 phones through nginx in front of the replicas" "$NGX_PORT" "$(A 11)" phones 60
	until_all "$(A 11)" verdict suspicious "60 phones through nginx: suspicious on every replica"
	until_all "$(A 11)" scans.requests 60 "... 60 requests seen by each"
	kill "$NGX_PID"
	wait "$NGX_PID" 2>/dev/null || true
	NGX_PID=
else
	ok "nginx not installed: the nginx part skipped"
fi

# ---- Redis stopped for 10 s under load -------------------------------------------
$CLIENT "$(ports)" "/S/$(A 7)" load 16 >"$WORK/load.out" 2>&1 &
LOAD_PID=$!
sleep 2 # load before the outage
redis_stop save
t=$(now_ms)
while :; do
	BASE="http://127.0.0.1:$(port_of 2)" fetch /healthz
	[ "$STATUS" = 503 ] && grep -q "scans backend down" "$WORK/body" && break
	[ $(($(now_ms) - t)) -lt 5000 ] || break
	sleep 0.1
done
[ "$STATUS" = 503 ] && ok "Redis stopped: /healthz $STATUS: $(grep 'scans backend' "$WORK/body")" ||
	fail "Redis stopped: /healthz $STATUS: $(cat "$WORK/body")"
t=$(now_ms)
while :; do
	BASE="http://127.0.0.1:$(port_of 3)" fetch /metrics
	grep -q '^verifyd_scans_backend_up{backend="redis"} 0$' "$WORK/body" && break
	[ $(($(now_ms) - t)) -lt 5000 ] || break
	sleep 0.1
done
grep -q '^verifyd_scans_backend_up{backend="redis"} 0$' "$WORK/body" &&
	ok "/metrics: verifyd_scans_backend_up 0" || fail "/metrics lacks backend_up 0"
grep -E '^verifyd_scans_(pending_marks|redis_errors_total\{cause="connect"\}) ' "$WORK/body" |
	tr '\n' ' ' >"$WORK/m"
ok "/metrics during the outage: $(cat "$WORK/m")"
sleep 10 # the outage, under load
redis_start # loads dump.rdb: what Redis had before
t=$(now_ms)
for i in $REPLICAS; do
	while :; do
		BASE="http://127.0.0.1:$(port_of "$i")" fetch /healthz
		[ "$STATUS" = 200 ] && break
		[ $(($(now_ms) - t)) -lt 10000 ] || break
		sleep 0.1
	done
	[ "$STATUS" = 200 ] || fail "replica $i: /healthz $STATUS 10 s after Redis is back"
done
ok "Redis back: every replica's /healthz 200 within $(($(now_ms) - t)) ms"
t=$(now_ms)
while kill -0 "$LOAD_PID" 2>/dev/null && [ $(($(now_ms) - t)) -lt 20000 ]; do sleep 0.1; done
wait "$LOAD_PID" || true
out=$(cat "$WORK/load.out")
sent=${out##*sent=}
case $out in "ok 200 sent="*) ok "16 s of load across the outage: every one of $sent requests a 200" ;;
*) fail "load across the outage: $out" ;; esac
until_all "$(A 7)" scans.requests "$sent" "after the outage: all $sent requests counted" 10
until_all "$(A 7)" scans.counted 200 "... and the 200 phones' counted scans"
n=$(json scans.scanners)
[ "$n" -ge 196 ] && [ "$n" -le 204 ] 2>/dev/null && ok "... 200 scanners (HyperLogLog: $n)" ||
	fail "after the outage: scanners '$n'"
BASE="http://127.0.0.1:$(port_of 1)" fetch /metrics
grep -q '^verifyd_scans_dropped_marks_total 0$' "$WORK/body" && ok "/metrics: no mark dropped" ||
	fail "marks dropped: $(grep dropped_marks "$WORK/body")"

# ---- Redis restarted empty -------------------------------------------------------------
redis_stop
rm -f "$WORK/dump.rdb"
redis_start
[ "$(rcli dbsize)" = 0 ] && ok "Redis restarted empty" || fail "Redis not empty: $(rcli dbsize)"
t=$(now_ms)
until [ "$(rcli exists ocs:meta:stable_key)" = 1 ] && [ "$(rcli exists ocs:meta:day_key)" = 1 ]; do
	[ $(($(now_ms) - t)) -lt 10000 ] || break
	sleep 0.1
done
[ "$(rcli exists ocs:meta:stable_key)" = 1 ] && ok "the replicas put the scanner keys back ($(($(now_ms) - t)) ms)" ||
	fail "scanner keys not put back into the empty Redis"
client "30 phones over 3 replicas, Redis new" "$(ports)" "$(A 8)" phones 30
until_all "$(A 8)" scans.requests 30 "no replica restarted: new scans shared again"
BASE="http://127.0.0.1:$(port_of 3)" fetch "/S/$(A 8)" --interface 127.0.0.5 -A ocs-test-phone-A \
	-H "Cookie: ocs=$PHONE_COOKIE"
if tr -d '\r' <"$WORK/hdr" | grep -qi '^set-cookie:'; then fail "the old cookie was refused"; else
	ok "the phone's cookie from before still holds (no new cookie)"; fi

# ---- no personal data in Redis ----------------------------------------------------------
rcli --scan >"$WORK/keys"
: >"$WORK/dump"
while read -r k; do
	printf '%s\n' "$k" >>"$WORK/dump"
	rcli --no-raw dump "$k" >>"$WORK/dump"
	[ "$(rcli type "$k")" = hash ] && rcli hgetall "$k" >>"$WORK/dump"
done <"$WORK/keys"
leaks=""
for s in ocs-test- 127.0. "$PHONE_COOKIE" "$(printf '%s' "$PHONE_COOKIE" | cut -c1-16)"; do
	grep -aqF -- "$s" "$WORK/dump" && leaks="$leaks '$s'"
done
[ -s "$WORK/keys" ] && [ -z "$leaks" ] &&
	ok "Redis ($(wc -l <"$WORK/keys") keys): no User-Agent, address or cookie text" ||
	fail "Redis holds:$leaks"

for i in $REPLICAS; do
	rep_stop "$i"
	eval "rc=\$R${i}_RC"
	[ "$rc" = 0 ] && ok "replica $i: SIGTERM, exit 0" || fail "replica $i: exit $rc"
	VD_LOG=$WORK/rep$i.log VD_RUNS=$i vd_check_log
done
n=$(grep -c "scans: Redis.*(connect; logged once" "$WORK/rep1.log" || true)
[ "$n" -le 1 ] && ok "replica 1 logged the lost connection once ($n)" || fail "logged $n times"

# ---- moving counts: LMDB -> Redis ---------------------------------------------------------
vd_start --registry "$WORK/store" --scans "$WORK/lmdb" || { fail "verifyd on LMDB starts"; finish; }
client "60 phones on LMDB" "$VD_PORT" "$(A 9)" phones 60
client "one phone on LMDB" "$VD_PORT" "$(A 10)" phone 5 127.0.0.6
LMDB_COOKIE=${CLIENT_OUT# }
for s in 9 10; do
	fetch "/api/v1/stamps/$(A $s)"
	sed -n 's/.*"scans":\({[^}]*}\).*/\1/p' "$WORK/body" >"lmdb.$s"
done
vd_stop TERM
expect_exit 0 "verifyd --copy-scans LMDB --to Redis" -- "$VERIFYD" --copy-scans "$WORK/lmdb" \
	--to "unix:$SOCK"
expect_out "copied 2 stamps" "... 2 stamps copied"
# the day's count goes too (it replaces the replicas' count of the day, as records are replaced)
DAY=$(TZ=Asia/Ho_Chi_Minh date +%Y%m%d)
want=$(python3 -c 'import json,sys; print(sum(json.loads(open(f).read())["counted"] for f in sys.argv[1:]))' lmdb.9 lmdb.10)
ttl=$(rcli ttl "ocs:d:$DAY")
[ "$(rcli get "ocs:d:$DAY")" = "$want" ] && [ "$ttl" -gt $((399 * 86400)) ] && [ "$ttl" -le $((400 * 86400)) ] &&
	ok "copied: today's $want counted scans (ocs:d:$DAY, expiring in 400 days)" ||
	fail "copied day: $(rcli get "ocs:d:$DAY") for $want, ttl $ttl"
expect_exit 2 "--copy-scans without --to: usage" -- "$VERIFYD" --copy-scans "$WORK/lmdb"
rep_start 1 --scans "unix:$SOCK"
api 1 "$(A 10)"
sed -n 's/.*"scans":\({[^}]*}\).*/\1/p' "$WORK/body" >redis.10
cmp -s lmdb.10 redis.10 && ok "copied: the phone's stamp, every figure identical ($(cat redis.10))" ||
	fail "copied: $(cat lmdb.10) / $(cat redis.10)"
api 1 "$(A 9)"
want=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read())["scanners"])' lmdb.9)
n=$(json scans.scanners)
[ $((n * 100)) -ge $((want * 97)) ] && [ $((n * 100)) -le $((want * 103)) ] &&
	ok "copied: the estimated stamp, $n scanners in Redis for $want in LMDB" ||
	fail "copied estimate: $n for $want"
json_is scans.requests 60 "... its 60 requests"
BASE="http://127.0.0.1:$(port_of 1)" fetch "/S/$(A 10)" --interface 127.0.0.6 -A ocs-test-phone-A \
	-H "Cookie: $LMDB_COOKIE"
if tr -d '\r' <"$WORK/hdr" | grep -qi '^set-cookie:'; then fail "the LMDB cookie was refused"; else
	ok "the cookie given on LMDB holds on Redis (the keys were copied)"; fi
rep_stop 1
finish
