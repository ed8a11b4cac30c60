#!/bin/sh
# Smoke runs of the benchmarks, so that they keep working: tiny sizes, one
# round. They check their own output (every tool's images decode to the right
# text, nginx and verifyd serve the same answers, no request fails); the
# speed ratios they print are not asserted here (docs/BENCHMARKS.md has the
# real runs).
. "$(dirname "$0")/lib.sh"
B="$STAMP_SOURCE_DIR/bench"
export BENCH_DIR="$WORK"

if QLOOP=50 NOIMG=5000 BIG=1000 REPS=1 bash "$B/issue.sh" 300 >issue.out 2>&1; then
	ok "bench/issue.sh runs (300 stamps)"
else
	fail "bench/issue.sh failed"; tail -20 issue.out | sed 's/^/     | /'
fi
grep -q "store bytes per stamp" issue.out && grep -q "zint --batch" issue.out &&
	ok "issue.sh prints every run and the store size" || fail "issue.sh table incomplete"

if BENCH_QUICK=1 bash "$B/verifyd.sh" >verifyd.out 2>&1; then
	ok "bench/verifyd.sh runs (quick)"
else
	fail "bench/verifyd.sh failed"; tail -20 verifyd.out | sed 's/^/     | /'
fi
grep -Eq "0 errors \(socket \+ non-2xx\), all runs +0 +PASS" verifyd.out &&
	ok "verifyd.sh: no request failed, answers identical to nginx's" ||
	{ fail "verifyd.sh reported errors"; tail -20 verifyd.out | sed 's/^/     | /'; }
if BENCH_QUICK=1 bash "$B/console.sh" >console.out 2>&1; then
	ok "bench/console.sh runs (quick)"
else
	fail "bench/console.sh failed"; tail -20 console.out | sed 's/^/     | /'
fi
grep -q '^/batches/1 ' console.out && grep -q '^pages failing: 0$' console.out &&
	ok "console.sh: every page answered" || { fail "console.sh: a page failed"; tail -24 console.out | sed 's/^/     | /'; }
finish
