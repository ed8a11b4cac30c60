#!/usr/bin/env bash
# bench/sheets.sh [N] - print sheet benchmark, one command (docs/BENCHMARKS.md).
#
# Builds a Release tree in build-bench-sheet, issues a batch of N stamps
# (default 1,000) and one of BIG (default 40,000) without images, then runs
# side by side on the a4-3x8 template:
#   a) stampgen sheet, PDF                       (N labels)
#   b) bench_sheet_floor: the same codes drawn, one filled path each, same
#      pages, no text                            (N labels)
#   c) stampgen sheet, PDF                       (BIG labels: peak RSS, size)
#   d) stampgen sheet --png at 300 dpi           (N labels: per page)
# and prints time per label, PDF bytes per label, peak RSS, PNG time and bytes
# per page, with PASS/FAIL against the targets of issue #4:
#   per label <= 1.5 x the floor; PDF <= 3 KB a label; peak RSS <= 64 MB.
set -euo pipefail

N=${1:-1000}
BIG=${BIG:-40000}
TPL=${TPL:-a4-3x8}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$SRC/build-bench-sheet
say() { printf '%s\n' "$*" >&2; }
[ -x /usr/bin/time ] || { say "sheets.sh: GNU time (/usr/bin/time) is missing"; exit 2; }

say "building Release tree in $BUILD"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSTAMP_TESTS=OFF >/dev/null
make -C "$BUILD" -j2 stampgen bench_sheet_floor >/dev/null
G=$BUILD/stampgen
FLOOR=$BUILD/bench/bench_sheet_floor
W=$(mktemp -d "$BUILD/sheets.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W"
export OCOPSTAMP_STORE=$W/store
"$G" -q keygen -o k >/dev/null
"$G" -q coop import "$SRC/samples/coops.csv" >/dev/null
"$G" -q product import "$SRC/samples/products.csv" >/dev/null
"$G" -q issue --product NM-COT-HH --lot BENCH-1 --produced 2026-11-01 --count "$N" --key k.key \
	--base-url https://tem.thanhhoa.gov.vn --out b1 --no-images
"$G" -q issue --product NM-COT-HH --lot BENCH-2 --produced 2026-11-01 --count "$BIG" --key k.key \
	--base-url https://tem.thanhhoa.gov.vn --out b2 --no-images

# timed CMD... -> "seconds maxrss_kb" (best of 3 for time, max RSS of them)
timed() {
	best="" rss=0
	for _ in 1 2 3; do
		rm -rf out.pdf out
		/usr/bin/time -f '%e %M' -o t.txt "$@" >/dev/null
		read -r s k <t.txt
		best=$(awk -v a="$best" -v b="$s" 'BEGIN { print (a == "" || b < a) ? b : a }')
		[ "$k" -gt "$rss" ] && rss=$k
	done
	echo "$best $rss"
}
read -r t_sheet r_sheet < <(timed "$G" -q sheet --batch 1 --template "$TPL" --out out.pdf)
b_sheet=$(stat -c %s out.pdf)
pages=$(pdfinfo out.pdf | sed -n 's/^Pages: *//p')
read -r t_floor r_floor < <(timed "$FLOOR" b1/manifest.csv "$TPL" out.pdf)
b_floor=$(stat -c %s out.pdf)
rm -f out.pdf
/usr/bin/time -f '%e %M' -o t.txt "$G" -q sheet --batch 2 --template "$TPL" --out big.pdf
read -r t_big r_big <t.txt
b_big=$(stat -c %s big.pdf)
read -r t_png r_png < <(timed "$G" -q sheet --batch 1 --template "$TPL" --png --out out)
b_png=$(du -cb out/*.png | tail -1 | cut -f1)
npng=$(ls out | wc -l)

awk -v n="$N" -v big="$BIG" -v pages="$pages" -v ts="$t_sheet" -v rs="$r_sheet" -v bs="$b_sheet" \
	-v tf="$t_floor" -v bf="$b_floor" -v tb="$t_big" -v rb="$r_big" -v bb="$b_big" \
	-v tp="$t_png" -v bp="$b_png" -v np="$npng" -v rp="$r_png" -v tpl="$TPL" 'BEGIN {
	pl = ts / n * 1000; fl = tf / n * 1000; ratio = pl / fl
	printf "template %s, %d labels on %d pages\n", tpl, n, pages
	printf "sheet PDF   %d labels: %.2f s, %.3f ms/label, %.0f B/label (%.1f MB), RSS %.1f MB\n", n, ts, pl, bs / n, bs / 1e6, rs / 1024
	printf "floor PDF   %d codes:  %.2f s, %.3f ms/label, %.0f B/label\n", n, tf, fl, bf / n
	printf "sheet PDF   %d labels: %.1f s, %.3f ms/label, %.0f B/label (%.1f MB), RSS %.1f MB\n", big, tb, tb / big * 1000, bb / big, bb / 1e6, rb / 1024
	printf "PNG 300 dpi %d pages:  %.0f ms/page, %.0f KB/page, RSS %.1f MB\n", np, tp / np * 1000, bp / np / 1024, rp / 1024
	printf "per label / floor: %.2f (target <= 1.5): %s\n", ratio, ratio <= 1.5 ? "PASS" : "FAIL"
	printf "PDF bytes/label: %.0f, %.0f (target <= 3072): %s\n", bs / n, bb / big, (bs / n <= 3072 && bb / big <= 3072) ? "PASS" : "FAIL"
	printf "peak RSS: %.1f MB, %.1f MB (target <= 64 MB): %s\n", rs / 1024, rb / 1024, (rs <= 65536 && rb <= 65536) ? "PASS" : "FAIL"
}'
