#!/bin/sh
# run.sh - build the libFuzzer targets with clang and run them, one at a time.
#
#   TIME=600 sh tests/fuzz/run.sh [target...]     (default: every target, 60 s each)
#
# Each target starts from its committed corpus (tests/fuzz/corpus/<target>,
# read only) and writes what it finds to build/fuzz/found/<target>; a crash
# leaves crash-*/leak-*/timeout-* in build/fuzz/runs/<target>. With MERGE=1
# the new inputs that reach new edges, and are at most MERGE_LEN bytes (default
# 4096), are merged into the committed corpus afterwards. The figures of each
# run (execs, exec/s, cov, ft, corpus) are printed at the end; the last run's
# log is build/fuzz/runs/<target>/fuzz-0.log.
#
# Environment: TIME (seconds a target), BUILD (build folder), JOBS (make -j,
# 2), NICE (10), MERGE, MERGE_LEN.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build/fuzz}
time=${TIME:-60}
all="code import template config request key catalog photo image"
targets=${*:-$all}

max_len() {
	case $1 in
	code) echo 512 ;;
	request) echo 2048 ;;
	import) echo 16384 ;;
	photo) echo 32768 ;;
	image) echo 16384 ;;
	catalog) echo 8192 ;;
	*) echo 4200 ;; # key files are at most 4096 bytes; INI files likewise small
	esac
}

CC=clang cmake -S "$root" -B "$build" -DSTAMP_FUZZ=ON -DSTAMP_TESTS=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
for t in $targets; do
	nice -n "${NICE:-10}" cmake --build "$build" -j"${JOBS:-2}" --target "fuzz_$t" >/dev/null
done

summary=""
for t in $targets; do
	exe=$build/tests/fuzz/fuzz_$t
	corpus=$root/tests/fuzz/corpus/$t
	found=$build/found/$t
	runs=$build/runs/$t
	mkdir -p "$found" "$runs"
	set -- -max_total_time="$time" -max_len="$(max_len "$t")" -rss_limit_mb=2048 -timeout=10 \
		-print_final_stats=1
	[ -f "$root/tests/fuzz/$t.dict" ] && set -- "$@" -dict="$root/tests/fuzz/$t.dict"
	echo "== fuzz_$t: $time s" >&2
	# -jobs=1 -workers=1: one fuzzing process, its output in runs/<target>/fuzz-0.log
	rc=0
	(cd "$runs" && nice -n "${NICE:-10}" "$exe" "$@" -jobs=1 -workers=1 "$found" "$corpus") ||
		rc=$?
	log=$runs/fuzz-0.log
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	crashes=$(find "$runs" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
		-o -name 'oom-*' \) | wc -l)
	summary="$summary
fuzz_$t: rc $rc, $execs execs, $speed exec/s, crashes $crashes; $last"
	if [ "${MERGE:-0}" = 1 ] && [ "$rc" = 0 ]; then
		# edges only (-use_counters=0): what reaches new code, not new hit counts
		(cd "$runs" && "$exe" -merge=1 -use_counters=0 -max_len="${MERGE_LEN:-4096}" \
			"$corpus" "$found" \
			>merge.log 2>&1)
		echo "merged into $corpus: $(find "$corpus" -type f | wc -l) files," \
			"$(du -sh --apparent-size "$corpus" | cut -f1)" >&2
	fi
done
echo "$summary"
