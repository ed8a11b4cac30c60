#!/bin/sh
# run_all.sh - the long runs of the verifyd soaks, one after the other.
#
#   sh tests/soak/run_all.sh                 # Release tree build/soak, 50 trials each
#   BUILD=build/test RUN="term kill" SOAK_TRIALS=10 sh tests/soak/run_all.sh
#   env: BUILD (a build tree with stampgen and verifyd; default build/soak,
#        configured and built here as Release when it has no verifyd yet),
#        RUN (which soaks: term kill hup slowloris, all by default),
#        SOAK_TRIALS (50; term, kill, hup), SOAK_SEED (one seed for all,
#        printed), and every variable each script takes (see their heads:
#        DURATION and SOCKETS for slowloris, VERIFYD_FLAGS for all).
#
# Each script is bounded in time by its own SOAK_GLOBAL (term and kill
# 60 + 20 N s, hup 60 + 10 N s, slowloris DURATION + 90 s); their output
# goes to the terminal and to $BUILD/soak-NAME.log. The end is one line per
# script: passed or FAILED, and its wall time. Exit 1 when any failed.
#
# verifyd_slowloris needs verifyd's guard (the head deadline and the
# eviction of slow heads): before it, it failed (docs/BENCHMARKS.md).
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$SRC/build/soak}
case $BUILD in /*) ;; *) BUILD="$PWD/$BUILD" ;; esac
RUN=${RUN:-term kill hup slowloris}
export SOAK_TRIALS=${SOAK_TRIALS:-50}
export SOAK_SEED=${SOAK_SEED:-$(($(date +%s) % 100000))}
if [ ! -x "$BUILD/verifyd" ]; then
	echo "run_all.sh: building a Release tree in $BUILD (stampgen, verifyd)"
	cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSTAMP_TESTS=OFF >/dev/null
	cmake --build "$BUILD" -j2 --target stampgen verifyd >/dev/null
fi
export STAMPGEN="$BUILD/stampgen" VERIFYD="$BUILD/verifyd" STAMP_SOURCE_DIR="$SRC"
echo "run_all.sh: $RUN; $SOAK_TRIALS trials, seed $SOAK_SEED; $BUILD; $(date '+%F %T')"
summary=
bad=0
for s in $RUN; do
	case $s in term | kill | hup | slowloris) ;; *) echo "run_all.sh: no soak \"$s\"" >&2; exit 2 ;; esac
	t0=$(date +%s)
	echo "==== verifyd_$s.sh"
	rc=0
	sh "$SRC/tests/soak/verifyd_$s.sh" 2>&1 | tee "$BUILD/soak-$s.log" || true
	# the script's own status: its last line is "N passed, M failed"
	tail -1 "$BUILD/soak-$s.log" | grep -q ' passed, 0 failed$' || rc=1
	if [ "$rc" -eq 0 ]; then r=passed; else r=FAILED bad=1; fi
	summary="$summary
  verifyd_$s.sh: $r ($(($(date +%s) - t0)) s; $(tail -1 "$BUILD/soak-$s.log"))"
done
echo "run_all.sh, seed $SOAK_SEED:$summary"
exit "$bad"
