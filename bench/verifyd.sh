#!/usr/bin/env bash
# bench/verifyd.sh - verifyd's HTTP benchmark, one command (docs/BENCHMARKS.md).
#
# Builds a Release tree in build-bench, makes two stores with stampgen (SMALL =
# 40,000 and BIG = 1,000,000 stamps), picks CODES (10,000) codes of each at
# random over the whole store, and runs side by side, with the same wrk line
# (wrk -t2 -c64 -d5s --latency) and the same Lua script (bench/wrk/paths.lua,
# which cycles through the codes, one per request):
#   mhd    bench_mhd (bench/bare_mhd.c): libmicrohttpd with verifyd's daemon
#          options answering a fixed 45-byte body: the framework's limit
#   nginx  nginx serving one static JSON file per code (verifyd's own answer,
#          fetched once), set up as an admin would: 2 workers, sendfile,
#          open_file_cache, access_log off, keep-alive
#   json   verifyd, GET /api/v1/stamps/<CODE>   (not a scan: nothing counted)
#   html   verifyd, GET /S/<CODE>                (a scan: counted and flushed)
# for each store, REPS (3) rounds interleaved, best of each kept, and prints
# req/s, p99, errors, the ratios against the targets of issue #3 with PASS/FAIL
# (of the best figures), beside each the median over the rounds of the same
# ratio taken within one round,
# and verifyd's memory (VmHWM, RssAnon, RssFile from /proc/PID/status).
#
# REPLICAS=N (with SCANS=redis): N more verifyd per store on the same Redis,
# behind the nginx (upstream keep-alive, proxy_next_upstream), and a row
# "replicas" of the counted page route through it, with redis-server's CPU.
# Environment: BENCH_QUICK=1 (smoke run: 2,000 codes, -d2s, SMALL store only,
# one round), CODES, REPS, DURATION (5s), SMALL, BIG, BENCH_DIR (scratch files;
# default build-bench; BENCH_BUILD: the Release tree, default build-bench), PERF=1 (one more verifyd run on the BIG store under
# `perf record -g`, then the top of `perf report --no-children`),
# VERIFYD_ARGS and MHD_ARGS (extra flags for verifyd and bench_mhd, e.g.
# VERIFYD_ARGS="--max-connections 64" MHD_ARGS="-c 64": see docs/BENCHMARKS.md),
# REVOCATIONS (10,000: revocation records put in the BIG store, none on a
# sampled code, so every genuine lookup pays for them; 200 in the SMALL store
# of a quick run; 0 for none), SCANS=redis (one more verifyd per store, its
# scan counts in a redis-server this script starts on a Unix socket; a row
# "redis" runs the counted page route /S/ against it beside "html", the same
# route on the embedded LMDB backend, with the ratio redis/html >= 0.8 and
# Redis's own CPU from /proc/PID/stat during the redis runs).
# Everything listens on 127.0.0.1 only and is stopped at the end.
set -euo pipefail

QUICK=${BENCH_QUICK:-0}
SCANS=${SCANS:-lmdb}
case $SCANS in lmdb | redis) ;; *) echo "verifyd.sh: SCANS is lmdb or redis" >&2; exit 2 ;; esac
REPLICAS=${REPLICAS:-0}
case $REPLICAS in 0) ;; [1-9]) [ "$SCANS" = redis ] ||
	{ echo "verifyd.sh: REPLICAS needs SCANS=redis" >&2; exit 2; } ;;
*) echo "verifyd.sh: REPLICAS is 0 to 9" >&2; exit 2 ;; esac
T0=$(date +%s)
if [ "$QUICK" = 1 ]; then
	CODES=${CODES:-2000}
	REPS=${REPS:-1}
	DURATION=${DURATION:-2s}
	STORES=${SMALL:-40000}
	declare -A REVOKED=([$STORES]=${REVOCATIONS:-200})
else
	CODES=${CODES:-10000}
	REPS=${REPS:-3}
	DURATION=${DURATION:-5s}
	STORES="${SMALL:-40000} ${BIG:-1000000}"
	declare -A REVOKED=([${BIG:-1000000}]=${REVOCATIONS:-10000})
fi
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$SRC/build-bench}
BASE_URL=https://tem.thanhhoa.gov.vn
PRODUCT=NM-COT-HH
LUA=$SRC/bench/wrk/paths.lua

say() { printf '%s\n' "$*" >&2; }
die() { say "verifyd.sh: $*"; exit 2; }
# nginx lives in /usr/sbin, which a non-login PATH may lack
export PATH="$PATH:/usr/sbin:/sbin"
need() { command -v "$1" >/dev/null || die "$1 is not installed (scripts/install-deps)"; }
for t in cmake make wrk nginx curl awk shuf; do need "$t"; done
[ "$SCANS" = lmdb ] || need redis-server

say "building Release tree in $BUILD"
mkdir -p "$BUILD"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSTAMP_TESTS=OFF >"$BUILD/bench-build.log" 2>&1 &&
	make -C "$BUILD" -j2 stampgen verifyd bench_mhd bench_revoke >>"$BUILD/bench-build.log" 2>&1 ||
	{ cat "$BUILD/bench-build.log" >&2; exit 2; }
G=$BUILD/stampgen
V=$BUILD/verifyd
M=$BUILD/bench/bench_mhd

# scratch on the project's disk; the static files on tmpfs when there is one
# (nginx serves them from the page cache either way, and 20,000 small files
# created and deleted on this disk slow it down for everyone for a minute)
mkdir -p "${BENCH_DIR:-$BUILD}"
WORK=$(mktemp -d "${BENCH_DIR:-$BUILD}/verifyd-bench.XXXXXX")
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	STATIC=$(mktemp -d /dev/shm/verifyd-bench-static.XXXXXX)
else
	STATIC=$WORK/static
	mkdir -p "$STATIC"
fi
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$WORK" "$STATIC"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# a free TCP port on 127.0.0.1 (nothing answers a connect to it)
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-)
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	die "no free port found"
}
wait_port() { # port what [log]
	for _ in $(seq 1 200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	[ -z "${3:-}" ] || tail -5 "$3" >&2
	die "$2 did not start listening on port $1"
}

# --- stores, code samples, verifyd per store --------------------------------
declare -A VPID VPORT
make_store() { # n
	local n=$1 s=$WORK/store-$1 left batch=0 c
	say "store of $n stamps"
	"$G" -q -s "$s" keygen -o "$WORK/key-$n" >/dev/null
	"$G" -q -s "$s" coop import "$SRC/samples/coops.csv" >/dev/null
	"$G" -q -s "$s" product import "$SRC/samples/products.csv" >/dev/null
	# the page as a shopper sees it now: the product's photo and a journey of 6 stages
	# (4 of the product's from samples/events.csv, 2 of each batch's own, below)
	"$G" -q -s "$s" product image "$PRODUCT" "$SRC/samples/photos/$PRODUCT.jpg" >/dev/null
	"$G" -q -s "$s" event import "$SRC/samples/events.csv" >/dev/null
	left=$n
	: >"$WORK/codes-$n"
	while [ "$left" -gt 0 ]; do
		batch=$((batch + 1))
		c=$((left > 1000000 ? 1000000 : left))
		"$G" -q -s "$s" issue --product "$PRODUCT" --lot "L$batch" --produced 2026-11-01 \
			--count "$c" --key "$WORK/key-$n.key" --base-url "$BASE_URL" \
			--out "$WORK/batch-$n-$batch" --no-images >/dev/null
		"$G" -q -s "$s" event add --batch "$batch" --stage storing --at "2026-11-02 09:00" \
			--place "Kho HTX Khúc Phụ" --note "Nhiệt độ phòng, tránh ánh nắng" >/dev/null
		"$G" -q -s "$s" event add --batch "$batch" --stage shipping --at "2026-11-05 07:30" \
			--place "Siêu thị Thanh Hóa" --partner "Công ty vận tải Hoằng Hóa" >/dev/null
		# the path part of each code: everything from "/S/"
		awk -F, 'NR > 1 { i = index($2, "/S/"); print substr($2, i + 3) }' \
			"$WORK/batch-$n-$batch/manifest.csv" >>"$WORK/codes-$n"
		rm -rf "$WORK/batch-$n-$batch"
		left=$((left - c))
	done
	[ "$(wc -l <"$WORK/codes-$n")" = "$n" ] || die "store $n: wrong number of codes"
	# the same random choice on every run: shuf with a fixed random source
	shuf -n "$CODES" --random-source=<(yes) "$WORK/codes-$n" >"$WORK/sample-$n"
	rm -f "$WORK/codes-$n"
	# revocations in force, as a province has them: every genuine lookup pays for them
	local r=${REVOKED[$n]:-0}
	if [ "$r" -gt 0 ]; then
		[ "$("$BUILD/bench/bench_revoke" "$s" "$r" "$WORK/sample-$n")" = "$r" ] ||
			die "store $n: bench_revoke did not add $r revocations"
		say "store of $n stamps: $r revocations"
	fi
	sed 's|^|/api/v1/stamps/|' "$WORK/sample-$n" >"$WORK/json-$n.paths"
	sed 's|^|/S/|' "$WORK/sample-$n" >"$WORK/html-$n.paths"
}
start_verifyd() { # n [key scans]: key r$n for the one on Redis
	local n=$1 key=${2:-$1} scans=${3:-$WORK/scans-$1} port
	port=$(free_port)
	"$V" --listen 127.0.0.1 --port "$port" --threads 2 --registry "$WORK/store-$n" \
		--scans "$scans" --suspicious-after 1000000 ${VERIFYD_ARGS:-} \
		2>"$WORK/verifyd-$key.log" &
	VPID[$key]=$!
	PIDS+=("$!")
	VPORT[$key]=$port
	wait_port "$port" "verifyd ($key)" "$WORK/verifyd-$key.log"
	[ "$(curl -s "http://127.0.0.1:$port/healthz")" = ok ] || die "verifyd ($key): /healthz is not ok"
}
REDIS_PID=
if [ "$SCANS" = redis ]; then
	RSOCK=$WORK/redis.sock
	redis-server --port 0 --unixsocket "$RSOCK" --save '' --appendonly no --dir "$WORK" \
		--logfile "$WORK/redis.log" &
	REDIS_PID=$!
	PIDS+=("$!")
	for _ in $(seq 1 100); do [ -S "$RSOCK" ] && break; sleep 0.05; done
	[ -S "$RSOCK" ] || die "redis-server did not start (see $WORK/redis.log)"
fi
# nginx's files: verifyd's own JSON for each sampled code, fetched once by one
# curl process (a config file of url/output pairs, one kept-alive connection)
fetch_static() { # n
	local n=$1 port=${VPORT[$1]}
	awk -v base="http://127.0.0.1:$port" -v root="$STATIC" \
		'{ printf "url = \"%s%s\"\noutput = \"%s%s\"\n", base, $0, root, $0 }' \
		"$WORK/json-$n.paths" >"$WORK/curl-$n.cfg"
	mkdir -p "$STATIC/api/v1/stamps"
	curl -s -f -K "$WORK/curl-$n.cfg" || die "fetching the JSON of store $n failed"
	# every file there, and every one a genuine verdict
	local got
	got=$(sed "s|^|$STATIC|" "$WORK/json-$n.paths" | xargs awk \
		'FNR == 1 && /^\{"verdict":"genuine",/ { n++ } END { print n + 0 }' |
		awk '{ s += $1 } END { print s + 0 }')
	[ "$got" = "$CODES" ] || die "store $n: $got genuine static files of $CODES"
}

for n in $STORES; do
	make_store "$n"
	start_verifyd "$n"
	[ "$SCANS" = lmdb ] || start_verifyd "$n" "r$n" "unix:$RSOCK"
	# REPLICAS (with SCANS=redis): that many more verifyd on the same Redis, behind nginx
	for i in $(seq 1 "$REPLICAS"); do start_verifyd "$n" "p$i-$n" "unix:$RSOCK"; done
	fetch_static "$n"
	# the page of a scan must be the genuine one, not an error or a warning
	p=$(head -1 "$WORK/html-$n.paths")
	curl -s "http://127.0.0.1:${VPORT[$n]}$p" | grep -q 'class="v ok"' ||
		die "store $n: the page of $p is not the genuine page"
done
chmod -R a+rX "$STATIC" # nginx's workers may run as another user

# --- nginx -------------------------------------------------------------------
NGX=$WORK/nginx
NSTORES=$(echo "$STORES" | wc -w)
# room for every file of the sample and the sockets, within the hard limit
# (nginx cannot raise it unprivileged; the cache is LRU, so one store's files
# at a time, as the runs use them, is enough)
NOFILE=$((CODES * NSTORES + 4096))
HARD=$(ulimit -Hn)
[ "$HARD" = unlimited ] || [ "$NOFILE" -le "$HARD" ] || NOFILE=$HARD
CACHE_MAX=$((NOFILE - 2 * 1024 - 512))
[ "$CACHE_MAX" -ge "$((CODES + 500))" ] ||
	die "open file limit $NOFILE is too low for $CODES cached files (ulimit -n)"
NGX_PORT=$(free_port)
RPX_PORT=$(free_port)
# the replicas' front, as deploy/nginx has it: keep-alive upstreams, the next one on an error
replicas_conf() {
	[ "$REPLICAS" -gt 0 ] || return 0
	local n
	for n in $STORES; do
		echo "	upstream replicas_$n {"
		for i in $(seq 1 "$REPLICAS"); do echo "		server 127.0.0.1:${VPORT[p$i-$n]};"; done
		echo "		keepalive 32;"
		echo "	}"
	done
	echo "	server {"
	echo "		listen 127.0.0.1:$RPX_PORT;"
	for n in $STORES; do
		echo "		location /$n/ {"
		echo "			proxy_pass http://replicas_$n/;"
		echo "			proxy_http_version 1.1;"
		echo "			proxy_set_header Connection \"\";"
		echo "			proxy_next_upstream error timeout;"
		echo "		}"
	done
	echo "	}"
}
mkdir -p "$NGX/logs" "$NGX/tmp"
cat >"$NGX/nginx.conf" <<EOF
# generated by bench/verifyd.sh: the static peer, as a competent admin sets it up
daemon off;
master_process on;
worker_processes 2;
# every file of the sample stays open in the cache: room for them and the sockets
worker_rlimit_nofile $NOFILE;
pid $NGX/nginx.pid;
error_log $NGX/logs/error.log warn;
events {
	worker_connections 1024;
}
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	keepalive_timeout 65;
	keepalive_requests 100000;
	open_file_cache max=$CACHE_MAX inactive=60s;
	open_file_cache_valid 60s;
	open_file_cache_min_uses 1;
	open_file_cache_errors on;
	types {}
	default_type application/json;
	charset utf-8;
	charset_types application/json;
	server_tokens off;
	client_body_temp_path $NGX/tmp/body;
	proxy_temp_path $NGX/tmp/proxy;
	fastcgi_temp_path $NGX/tmp/fastcgi;
	uwsgi_temp_path $NGX/tmp/uwsgi;
	scgi_temp_path $NGX/tmp/scgi;
	server {
		listen 127.0.0.1:$NGX_PORT;
		root $STATIC;
		location / {
			try_files \$uri =404;
		}
	}
$(replicas_conf)
}
EOF
nginx -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/logs/error.log" 2>>"$NGX/logs/error.log" &
PIDS+=("$!")
wait_port "$NGX_PORT" nginx "$NGX/logs/error.log"

MHD_PORT=$(free_port)
"$M" -a 127.0.0.1 -p "$MHD_PORT" -t 2 ${MHD_ARGS:-} 2>"$WORK/mhd.log" &
MHD_PID=$!
PIDS+=("$!")
wait_port "$MHD_PORT" bench_mhd "$WORK/mhd.log"

# the same answer from nginx and from verifyd, byte for byte up to the scan
# totals (the page check above counted one scan since the files were written)
for n in $STORES; do
	p=$(head -1 "$WORK/json-$n.paths")
	a=$(curl -s "http://127.0.0.1:$NGX_PORT$p" | sed 's/,"scans":.*//')
	b=$(curl -s "http://127.0.0.1:${VPORT[$n]}$p" | sed 's/,"scans":.*//')
	[ -n "$a" ] && [ "$a" = "$b" ] || die "store $n: nginx and verifyd answer differently for $p"
done

# --- the runs ----------------------------------------------------------------
WRK=(wrk -t2 -c64 -d"$DURATION" --latency -s "$LUA")
declare -A RPS P99 ERR ROUND
# CPU ticks of each libmicrohttpd worker thread of a process, "tid ticks" a line
worker_ticks() {
	local t
	for t in /proc/"$1"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = MHD-worker ] || continue
		awk '{ print FILENAME, $14 + $15 }' "$t/stat"
	done | sort
}
run() { # row port paths [pid: show how its worker threads shared the work]
	local row=$1 out line rps p99 e split=
	[ -z "${4:-}" ] || worker_ticks "$4" >"$WORK/ticks0"
	out=$("${WRK[@]}" "http://127.0.0.1:$2" -- "$3" 2>&1) || { say "$out"; die "wrk failed ($row)"; }
	if [ -n "${4:-}" ]; then
		worker_ticks "$4" >"$WORK/ticks1"
		split=", worker threads' CPU split $(join "$WORK/ticks0" "$WORK/ticks1" |
			awk '{ d[NR] = $3 - $2; s += d[NR] } END { for (i = 1; i <= NR; i++) printf "%s%d%%", (i > 1 ? "/" : ""), s ? 100 * d[i] / s : 0 }')"
	fi
	printf '%s\n' "$out" >>"$WORK/wrk.log"
	line=$(printf '%s\n' "$out" | grep '^WRK ')
	rps=$(printf '%s\n' "$line" | sed 's/.* rps=\([0-9]*\).*/\1/')
	p99=$(printf '%s\n' "$line" | sed 's/.* p99_us=\([0-9]*\).*/\1/')
	e=$(printf '%s\n' "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(errors|non2xx)=/) { split($i, a, "="); s += a[2] } } END { print s + 0 }')
	say "  $row: $rps req/s, p99 ${p99} us, errors $e$split"
	[ "$e" = 0 ] || printf '%s\n' "$out" | grep -E 'Socket errors|Non-2xx' | sed 's/^/    /' >&2
	ROUND[$row,$rep]=$rps
	if [ -z "${RPS[$row]:-}" ] || [ "$rps" -gt "${RPS[$row]}" ]; then RPS[$row]=$rps; fi
	if [ -z "${P99[$row]:-}" ] || [ "$p99" -lt "${P99[$row]}" ]; then P99[$row]=$p99; fi
	ERR[$row]=$((${ERR[$row]:-0} + e))
}
FIRST=${STORES%% *}
warm() { wrk -t2 -c64 -d1s -s "$LUA" "http://127.0.0.1:$1" -- "$2" >/dev/null 2>&1 || true; }
say "warming up (1 s each)"
warm "$MHD_PORT" "$WORK/json-$FIRST.paths"
for n in $STORES; do
	warm "$NGX_PORT" "$WORK/json-$n.paths"
	warm "${VPORT[$n]}" "$WORK/json-$n.paths"
	warm "${VPORT[$n]}" "$WORK/html-$n.paths"
	[ "$SCANS" = lmdb ] || warm "${VPORT[r$n]}" "$WORK/html-$n.paths"
done
# The order within a round turns with the round (the stores' order, and which of nginx,
# json and html comes first): on this shared VM a slot in the sequence was seen to run
# ~10 % faster or slower for whatever took it, round after round.
# Redis's CPU over the redis runs: ticks of redis-server, and the runs' wall time
REDIS_TICKS=0
REDIS_MS=0
redis_ticks() { awk '{ print $14 + $15 }' "/proc/$REDIS_PID/stat"; }
one() {
	case $1 in
	nginx) run "nginx-$2" "$NGX_PORT" "$WORK/json-$2.paths" ;;
	redis)
		local t0 c0
		t0=$(date +%s%N)
		c0=$(redis_ticks)
		run "redis-$2" "${VPORT[r$2]}" "$WORK/html-$2.paths" "${VPID[r$2]}"
		REDIS_TICKS=$((REDIS_TICKS + $(redis_ticks) - c0))
		REDIS_MS=$((REDIS_MS + ($(date +%s%N) - t0) / 1000000))
		;;
	replicas) # through nginx to the replicas on Redis: the paths under /<store>/
		local t0 c0
		t0=$(date +%s%N)
		c0=$(redis_ticks)
		sed "s|^|/$2|" "$WORK/html-$2.paths" >"$WORK/rpx-$2.paths"
		run "replicas-$2" "$RPX_PORT" "$WORK/rpx-$2.paths"
		RPX_TICKS=$((RPX_TICKS + $(redis_ticks) - c0))
		RPX_MS=$((RPX_MS + ($(date +%s%N) - t0) / 1000000))
		;;
	*) run "$1-$2" "${VPORT[$2]}" "$WORK/$1-$2.paths" "${VPID[$2]}" ;;
	esac
}
RPX_TICKS=0
RPX_MS=0
for rep in $(seq 1 "$REPS"); do
	say "round $rep of $REPS: ${WRK[*]} URL -- PATHS"
	run mhd "$MHD_PORT" "$WORK/json-$FIRST.paths" "$MHD_PID"
	order=$STORES
	[ $((rep % 2)) = 0 ] && order=$(printf '%s\n' $STORES | tac | xargs)
	kinds=(nginx json html)
	[ "$SCANS" = lmdb ] || kinds+=(redis)
	[ "$REPLICAS" = 0 ] || kinds+=(replicas)
	nk=${#kinds[@]}
	for n in $order; do
		for i in $(seq 0 $((nk - 1))); do one "${kinds[$(((i + rep) % nk))]}" "$n"; done
	done
done

# still the genuine page after all the scans (suspicious_after 1,000,000)
declare -A PAGE_BYTES
for n in $STORES; do
	p=$(head -1 "$WORK/html-$n.paths")
	curl -s "http://127.0.0.1:${VPORT[$n]}$p" >"$WORK/page-$n.html"
	grep -q 'class="v ok"' "$WORK/page-$n.html" ||
		die "store $n: after the runs the page of $p is not the genuine page"
	# what the page route served: the photo and the 6-stage journey
	[ "$(grep -o '<li>' "$WORK/page-$n.html" | wc -l)" = 6 ] && grep -q 'class="photo"' "$WORK/page-$n.html" ||
		die "store $n: the page lacks its photo or its 6 stages"
	PAGE_BYTES[$n]=$(wc -c <"$WORK/page-$n.html")
	[ "$SCANS" = lmdb ] || curl -s "http://127.0.0.1:${VPORT[r$n]}$p" | grep -q 'class="v ok"' ||
		die "store $n, Redis: after the runs the page of $p is not the genuine page"
done

# --- memory --------------------------------------------------------------------
declare -A MEM STORE_MB
for n in $STORES; do
	MEM[$n]=$(awk '/^VmHWM|^RssAnon|^RssFile/ { printf "%s %.1f MiB  ", $1, $2 / 1024 }' \
		"/proc/${VPID[$n]}/status")
	[ "$SCANS" = lmdb ] || MEM[r$n]=$(awk '/^VmHWM|^RssAnon|^RssFile/ { printf "%s %.1f MiB  ", $1, $2 / 1024 }' \
		"/proc/${VPID[r$n]}/status")
	STORE_MB[$n]=$(awk -v b="$(stat -c %s "$WORK/store-$n/data.mdb")" 'BEGIN { printf "%.1f", b / 1048576 }')
done

# --- optional profile ------------------------------------------------------------
PERF_OUT=
if [ "${PERF:-0}" = 1 ]; then
	need perf
	LAST=${STORES##* }
	for kind in json html; do
		say "perf: verifyd ($LAST stamps), $kind"
		perf record -q -g -o "$WORK/perf-$kind.data" -p "${VPID[$LAST]}" -- sleep 4 >/dev/null 2>&1 &
		pp=$!
		wrk -t2 -c64 -d4s -s "$LUA" "http://127.0.0.1:${VPORT[$LAST]}" -- "$WORK/$kind-$LAST.paths" >/dev/null
		wait "$pp" || true
		PERF_OUT+=$'\n'"perf, verifyd $kind, $LAST stamps (perf report --no-children, top 25):"$'\n'
		PERF_OUT+=$(perf report -i "$WORK/perf-$kind.data" --no-children --stdio -g none \
			--percent-limit 0.7 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25)
	done
fi

# --- the table --------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
# the median over the rounds of A/B within one round (runs a few seconds apart, so a
# change in the machine's load between rounds moves both sides of the ratio)
paired() {
	for r in $(seq 1 "$REPS"); do ratio "${ROUND[$1,$r]}" "${ROUND[$2,$r]}"; echo; done |
		sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
atleast() { awk -v r="$1" -v t="$2" 'BEGIN { if (r == "n/a") print "n/a"; else print (r + 0 >= t + 0) ? "PASS" : "FAIL" }'; }
atmost() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 <= b + 0) ? "PASS" : "FAIL" }'; }
TOTAL_ERR=0
for k in "${!ERR[@]}"; do TOTAL_ERR=$((TOTAL_ERR + ERR[$k])); done

{
	echo
	echo "verifyd benchmark, $(date +%F), $(nproc) cores, best of $REPS rounds, $(($(date +%s) - T0)) s in all"
	echo "  ${WRK[*]} URL -- PATHS; $CODES codes drawn at random from each store, the same for every server"
	echo
	printf '  %-34s %10s %9s %7s\n' run req/s "p99 us" errors
	printf '  %-34s %10s %9s %7s\n' "mhd: bare libmicrohttpd, 45 B" "${RPS[mhd]}" "${P99[mhd]}" "${ERR[mhd]}"
	for n in $STORES; do
		printf '  %-34s %10s %9s %7s\n' "nginx: static JSON ($n)" "${RPS[nginx-$n]}" "${P99[nginx-$n]}" "${ERR[nginx-$n]}"
		printf '  %-34s %10s %9s %7s\n' "json: verifyd /api/v1 ($n)" "${RPS[json-$n]}" "${P99[json-$n]}" "${ERR[json-$n]}"
		printf '  %-34s %10s %9s %7s\n' "html: verifyd /S/ ($n)" "${RPS[html-$n]}" "${P99[html-$n]}" "${ERR[html-$n]}"
		[ "$SCANS" = lmdb ] ||
			printf '  %-34s %10s %9s %7s\n' "redis: verifyd /S/, Redis ($n)" "${RPS[redis-$n]}" "${P99[redis-$n]}" "${ERR[redis-$n]}"
		[ "$REPLICAS" = 0 ] ||
			printf '  %-34s %10s %9s %7s\n' "replicas: nginx, $REPLICAS on Redis ($n)" "${RPS[replicas-$n]}" "${P99[replicas-$n]}" "${ERR[replicas-$n]}"
	done
	echo
	printf '  %-40s %8s  %-7s %s\n' target measured verdict "median of the rounds' own ratios"
	for n in $STORES; do
		r=$(ratio "${RPS[json-$n]}" "${RPS[nginx-$n]}")
		printf '  %-40s %8s  %-7s %s\n' "[$n] json >= 1.2 x nginx" "$r" "$(atleast "$r" 1.2)" \
			"$(paired "json-$n" "nginx-$n")"
		r=$(ratio "${RPS[json-$n]}" "${RPS[mhd]}")
		printf '  %-40s %8s  %-7s %s\n' "[$n] json >= 0.8 x bare mhd" "$r" "$(atleast "$r" 0.8)" \
			"$(paired "json-$n" mhd)"
		r=$(ratio "${RPS[html-$n]}" "${RPS[json-$n]}")
		printf '  %-40s %8s  %-7s %s\n' "[$n] html >= 0.8 x json" "$r" "$(atleast "$r" 0.8)" \
			"$(paired "html-$n" "json-$n")"
		printf '  %-40s %8s  %s\n' "[$n] json p99 <= nginx p99 (${P99[nginx-$n]} us)" "${P99[json-$n]}" \
			"$(atmost "${P99[json-$n]}" "${P99[nginx-$n]}")"
		printf '  %-40s %8s  %s\n' "[$n] (html p99, for information)" "${P99[html-$n]}" ""
		if [ "$SCANS" = redis ]; then
			r=$(ratio "${RPS[redis-$n]}" "${RPS[html-$n]}")
			printf '  %-40s %8s  %-7s %s\n' "[$n] html on Redis >= 0.8 x html on LMDB" "$r" \
				"$(atleast "$r" 0.8)" "$(paired "redis-$n" "html-$n")"
			printf '  %-40s %8s  %s\n' "[$n] (html on Redis p99, for information)" "${P99[redis-$n]}" ""
		fi
		if [ "$REPLICAS" != 0 ]; then
			r=$(ratio "${RPS[replicas-$n]}" "${RPS[html-$n]}")
			printf '  %-40s %8s  %-7s %s\n' "[$n] (replicas via nginx / one on LMDB)" "$r" "" \
				"$(paired "replicas-$n" "html-$n")"
		fi
	done
	if [ "$SCANS" = redis ]; then
		hz=$(getconf CLK_TCK)
		awk -v t="$REDIS_TICKS" -v hz="$hz" -v ms="$REDIS_MS" 'BEGIN {
			printf "  redis-server CPU during the redis runs: %.2f s in %.1f s of runs = %.0f %% of one core\n",
				t / hz, ms / 1000, ms ? 100 * (t / hz) / (ms / 1000) : 0 }'
		[ "$REPLICAS" = 0 ] || awk -v t="$RPX_TICKS" -v hz="$hz" -v ms="$RPX_MS" 'BEGIN {
			printf "  redis-server CPU during the replica runs: %.2f s in %.1f s of runs = %.0f %% of one core\n",
				t / hz, ms / 1000, ms ? 100 * (t / hz) / (ms / 1000) : 0 }'
		echo "  redis-server memory: $(awk '/^VmHWM|^RssAnon/ { printf "%s %.1f MiB  ", $1, $2 / 1024 }' "/proc/$REDIS_PID/status")"
	fi
	if [ "$STORES" != "$FIRST" ]; then
		LAST=${STORES##* }
		r=$(ratio "${RPS[json-$LAST]}" "${RPS[json-$FIRST]}")
		printf '  %-40s %8s  %s\n' "json $LAST >= 0.8 x json $FIRST" "$r" "$(atleast "$r" 0.8)"
		r=$(ratio "${RPS[html-$LAST]}" "${RPS[html-$FIRST]}")
		printf '  %-40s %8s  %s\n' "html $LAST >= 0.8 x html $FIRST" "$r" "$(atleast "$r" 0.8)"
	fi
	printf '  %-40s %8s  %s\n' "0 errors (socket + non-2xx), all runs" "$TOTAL_ERR" \
		"$( [ "$TOTAL_ERR" = 0 ] && echo PASS || echo FAIL)"
	echo
	for n in $STORES; do
		echo "  page of a genuine stamp, $n stamps: ${PAGE_BYTES[$n]} bytes (photo and 6 stages; the photo itself is a separate, cached request)"
	done
	for n in $STORES; do
		echo "  verifyd memory, $n stamps, ${REVOKED[$n]:-0} revocations (data.mdb ${STORE_MB[$n]} MiB): ${MEM[$n]}"
		[ "$SCANS" = lmdb ] || echo "  verifyd on Redis memory, $n stamps: ${MEM[r$n]}"
	done
	if [ -s "$NGX/logs/error.log" ]; then
		echo "  nginx error.log (last lines):"
		tail -5 "$NGX/logs/error.log" | sed 's/^/    /'
	fi
	[ -z "$PERF_OUT" ] || printf '%s\n' "$PERF_OUT"
}
