#!/usr/bin/env bash
# bench/console.sh - how fast the officers' console draws its pages, one
# command (docs/BENCHMARKS.md; issue #11: each page under 50 ms on the
# 1,000,000-stamp store).
#
# Builds the Release tree (build-bench, shared with bench/verifyd.sh), makes
# a store of STAMPS (1,000,000) stamps in BATCHES (200) batches of the sample
# registry (9 cooperatives, 12 products, the photo and the stages), with
# REVOCATIONS (100) revocations and an audit log of every step, has
# verifyd answer the pages of SCANNED (100,000) random stamps for
# SCAN_SECONDS (20 s, wrk) so that its scans folder holds them, starts
# `stampgen console --scans` on that folder on 127.0.0.1, signs in with its one-time address and
# asks each page REQS (30) times in turn (rounds interleaved, so a busy
# moment of this shared machine falls on every page alike). Per page: the
# median and the slowest time (curl's time_total less time_connect: from
# the connection made to the last byte of the page received), the
# bytes, PASS when the slowest is under 50 ms; beside them the console's own
# 404 page, the floor of any answer (the frame, the session, no store read).
# Then the time the console took to start (it makes the summary of the
# scans folder the overview draws from) and one overview after a change of
# the registry (the summary made again, the one slow answer).
# BENCH_QUICK=1: a smoke run (20,000 stamps in 10 batches, REQS 3).
# BENCH_DIR: the scratch folder (default the build tree). Everything listens
# on 127.0.0.1 and is stopped at the end.
set -euo pipefail

QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
	STAMPS=${STAMPS:-20000} BATCHES=${BATCHES:-10} REQS=${REQS:-3} REVOCATIONS=${REVOCATIONS:-10}
	SCANNED=${SCANNED:-2000} SCAN_SECONDS=${SCAN_SECONDS:-2s}
else
	STAMPS=${STAMPS:-1000000} BATCHES=${BATCHES:-200} REQS=${REQS:-30} REVOCATIONS=${REVOCATIONS:-100}
	SCANNED=${SCANNED:-100000} SCAN_SECONDS=${SCAN_SECONDS:-20s}
fi
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$SRC/build-bench}
say() { printf '%s\n' "$*" >&2; }
die() { say "console.sh: $*"; exit 2; }
for t in cmake make curl awk sort python3 shuf wrk; do command -v "$t" >/dev/null || die "$t is not installed"; done

say "building Release tree in $BUILD"
mkdir -p "$BUILD"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSTAMP_TESTS=OFF >"$BUILD/bench-build.log" 2>&1 &&
	make -C "$BUILD" -j2 stampgen verifyd >>"$BUILD/bench-build.log" 2>&1 ||
	{ cat "$BUILD/bench-build.log" >&2; exit 2; }
G=$BUILD/stampgen
V=$BUILD/verifyd
mkdir -p "${BENCH_DIR:-$BUILD}"
WORK=$(mktemp -d "${BENCH_DIR:-$BUILD}/console-bench.XXXXXX")
PID= VPID=
cleanup() {
	[ -z "$PID" ] || { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
	[ -z "$VPID" ] || { kill "$VPID" 2>/dev/null || true; wait "$VPID" 2>/dev/null || true; }
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export OCOPSTAMP_STORE=$WORK/store
g() { "$G" -q "$@"; }

T0=$(date +%s)
say "store of $STAMPS stamps in $BATCHES batches"
g keygen -o "$WORK/k" >/dev/null
g coop import "$SRC/samples/coops.csv" >/dev/null
g product import "$SRC/samples/products.csv" >/dev/null
g product image NM-COT-HH "$SRC/samples/photos/NM-COT-HH.jpg" >/dev/null
g event import "$SRC/samples/events.csv" >/dev/null
mapfile -t PRODUCTS < <(python3 -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")): print(r["id"])' "$SRC/samples/products.csv")
per=$((STAMPS / BATCHES))
for b in $(seq 1 "$BATCHES"); do
	p=${PRODUCTS[$(((b - 1) % ${#PRODUCTS[@]}))]}
	g issue --product "$p" --lot "L$b" --produced 2026-11-01 --count "$per" --key "$WORK/k.key" \
		--base-url https://tem.thanhhoa.gov.vn --out "$WORK/b" --no-images >/dev/null
	awk -F, 'NR > 1 { i = index($2, "/S/"); print substr($2, i) }' "$WORK/b/manifest.csv" >>"$WORK/codes"
	rm -rf "$WORK/b"
	g event add --batch "$b" --stage shipping --at "2026-11-05 07:30" --place "Siêu thị Thanh Hóa" >/dev/null
done
for r in $(seq 1 "$REVOCATIONS"); do
	g revoke --serial $((r * (STAMPS / REVOCATIONS) - 7)) --reason lost >/dev/null
done
say "store made in $(($(date +%s) - T0)) s: $(du -sh "$OCOPSTAMP_STORE" | cut -f1)"

# shoppers' scans for the overview's charts: verifyd answers SCANNED stamps'
# pages (wrk, SCAN_SECONDS), then its folder is the console's --scans copy
shuf -n "$SCANNED" --random-source=<(yes) "$WORK/codes" >"$WORK/scan.paths"
rm -f "$WORK/codes"
vport=$((20000 + RANDOM % 12000))
"$V" --listen 127.0.0.1 --port "$vport" --threads 2 --registry "$OCOPSTAMP_STORE" --scans "$WORK/scans" \
	--client-budget 1000000 2>"$WORK/verifyd.log" &
VPID=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$vport/healthz" && break; kill -0 "$VPID" 2>/dev/null || die "verifyd: $(tail -3 "$WORK/verifyd.log")"; sleep 0.1; done
wrk -t2 -c32 -d"$SCAN_SECONDS" -s "$SRC/bench/wrk/paths.lua" "http://127.0.0.1:$vport" -- "$WORK/scan.paths" \
	>"$WORK/wrk.out" 2>&1 || die "wrk: $(tail -3 "$WORK/wrk.out")"
kill "$VPID" && wait "$VPID" || die "verifyd did not stop cleanly: $(tail -3 "$WORK/verifyd.log")"
VPID=
SCANS_DONE=$(sed -n 's/^WRK requests=\([0-9]*\).*/\1/p' "$WORK/wrk.out")
say "scans: $SCANS_DONE page requests over $SCANNED stamps"

port=$((20000 + RANDOM % 12000))
T_START=$(date +%s%N)
for _ in 1 2 3 4 5 6 7 8 9 10; do
	port=$((port + 1))
	"$G" console --port "$port" --scans "$WORK/scans" >"$WORK/console.out" 2>"$WORK/console.err" &
	PID=$!
	for _ in $(seq 1 100); do
		grep -q 'open http' "$WORK/console.out" && break
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q 'open http' "$WORK/console.out" && break
	wait "$PID" 2>/dev/null || true
	PID=
done
[ -n "$PID" ] || die "the console did not start: $(cat "$WORK/console.err")"
T_UP=$(( ($(date +%s%N) - T_START) / 1000000 ))
URL=$(sed -n 's/^ocopstamp console: open //p' "$WORK/console.out")
B=http://127.0.0.1:$port
COOKIE=$(curl -s -o /dev/null -D - "$URL" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(ocs_console=[0-9a-f]*\);.*/\1/p')
[ -n "$COOKIE" ] || die "could not sign in"

# every page of the console, the heaviest views of each
PAGES=(/ /coops /products "/products?q=mam" /products/NM-COT-HH /products/NM-COT-HH/edit
	/coops/HTX-KHUCPHU /coops/new /coops/import /issue "/issue?product=NM-COT-HH" /batches
	"/batches?page=5" /batches/1 "/batches/$BATCHES" /revoke /audit "/audit?page=5" /keys /users
	/no-such-page)
declare -A T BYTES CODE
for round in $(seq 1 "$REQS"); do
	for p in "${PAGES[@]}"; do
		read -r code size conn total < <(curl -s -o /dev/null -H "Cookie: $COOKIE" \
			-w '%{http_code} %{size_download} %{time_connect} %{time_total}\n' "$B$p")
		CODE[$p]=$code BYTES[$p]=$size
		T[$p]+="$(awk -v a="$conn" -v b="$total" 'BEGIN { printf "%.3f", (b - a) * 1000 }') "
	done
	[ "$round" != 1 ] || say "round 1 done"
done

echo "console pages, $STAMPS stamps in $BATCHES batches, $REVOCATIONS revocations, scans of $SCANNED stamps ($SCANS_DONE page requests), $REQS requests each ($(date -u +%Y-%m-%d))"
printf '%-28s %6s %9s %9s %9s  %s\n' page status bytes "median ms" "max ms" "< 50 ms"
fails=0
for p in "${PAGES[@]}"; do
	read -r med max < <(echo "${T[$p]}" | tr ' ' '\n' | grep . | sort -n |
		awk '{ v[NR] = $1 } END { printf "%.2f %.2f\n", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR] }')
	verdict=PASS
	awk -v m="$max" 'BEGIN { exit !(m >= 50) }' && verdict=FAIL
	case ${CODE[$p]} in 200) ;; 404) [ "$p" = /no-such-page ] || verdict="FAIL (404)" ;; *) verdict="FAIL (status)" ;; esac
	case $verdict in FAIL*) fails=$((fails + 1)) ;; esac
	printf '%-28s %6s %9s %9s %9s  %s\n' "$p" "${CODE[$p]}" "${BYTES[$p]}" "$med" "$max" "$verdict"
done
# what the overview's summary of the scans costs when it is made again: a change of the registry
g revoke --serial 3 --reason lost >/dev/null
AGAIN=$(curl -s -o /dev/null -H "Cookie: $COOKIE" -w '%{time_connect} %{time_total}' "$B/" |
	awk '{ printf "%.2f", ($2 - $1) * 1000 }')
echo "console started (the scans summary made) in $T_UP ms; the overview after a registry change" \
	"(the summary made again): $AGAIN ms"
echo "pages failing: $fails"
