#!/bin/sh
# The two-library layout as the linker sees it: verifyd, the public daemon,
# loads no image, PDF, QR, barcode or CSV library (it serves product photos
# as stored bytes, never decodes one) and not the print
# library; the core shared library needs none of them either; each library
# has its SONAME and exports only versioned stamp_* symbols; the scan
# counter is verifyd's, not the library's.
. "$(dirname "$0")/lib.sh"
set -- $STAMP_LIBS
CORE=$1 PRINT=$2
FORBIDDEN='cairo|zbar|qrencode|png|jpeg|webp|exif|csv|fontconfig|freetype|stamp-print'

# ldd: everything the loader maps, transitively, not only DT_NEEDED
ldd "$VERIFYD" >"$WORK/verifyd.ldd"
if grep -Eq "$FORBIDDEN" "$WORK/verifyd.ldd"; then
	fail "verifyd loads $(grep -Eo "lib($FORBIDDEN)[^ ]*" "$WORK/verifyd.ldd" | tr '\n' ' ')"
else ok "verifyd loads none of cairo, zbar, qrencode, png, jpeg, webp, exif, csv, fontconfig, libstamp-print"; fi
for lib in sodium lmdb microhttpd jansson; do
	if grep -q "lib$lib" "$WORK/verifyd.ldd"; then ok "verifyd links lib$lib"; else
		fail "verifyd does not link lib$lib: the check above would prove nothing"; fi
done
readelf -d "$VERIFYD" >"$WORK/verifyd.dyn"
if grep -Eq "NEEDED.*lib($FORBIDDEN)" "$WORK/verifyd.dyn"; then fail "readelf -d verifyd names a print dependency"
else ok "readelf -d verifyd: no print dependency"; fi

readelf -d "$CORE" | grep NEEDED >"$WORK/core.needed"
if grep -Eq "cairo|zbar|qrencode|png|jpeg|webp|exif|fontconfig|stamp-print" "$WORK/core.needed"; then
	fail "libstamp.so needs a print library: $(cat "$WORK/core.needed")"
else ok "libstamp.so needs no print library"; fi
readelf -d "$PRINT" | grep NEEDED >"$WORK/print.needed"
if grep -q 'libstamp\.so\.1' "$WORK/print.needed" && grep -q 'libcairo' "$WORK/print.needed"; then
	ok "libstamp-print.so needs libstamp.so.1 and cairo"
else fail "libstamp-print.so's needs: $(cat "$WORK/print.needed")"; fi
readelf -d "$STAMPGEN" | grep NEEDED >"$WORK/stampgen.needed"
if grep -q 'libstamp\.so\.1' "$WORK/stampgen.needed" && grep -q 'libstamp-print\.so\.1' "$WORK/stampgen.needed"; then
	ok "stampgen links both shared libraries"
else fail "stampgen's needs: $(cat "$WORK/stampgen.needed")"; fi

for pair in "$CORE:libstamp.so.1:STAMP_1" "$PRINT:libstamp-print.so.1:STAMP_PRINT_1"; do
	f=${pair%%:*} rest=${pair#*:}
	soname=${rest%%:*} node=${rest#*:}
	if readelf -d "$f" | grep -q "SONAME.*\[$soname\]"; then ok "$soname: SONAME"; else
		fail "$f: SONAME is not $soname"; fi
	# defined dynamic symbols: all stamp_*, each with a version node of ours
	objdump -T "$f" | awk '$2 ~ /g/ && $4 != "*UND*" && $NF !~ /^STAMP/ { print $(NF-1), $NF }' >"$WORK/exports"
	bad=$(awk '$2 !~ /^stamp_/ || $1 !~ /^(STAMP_1|STAMP_PRINT_1|STAMP_PRIVATE)$/' "$WORK/exports")
	n=$(awk -v node="$node" '$1 == node' "$WORK/exports" | wc -l)
	if [ -z "$bad" ] && [ "$n" -gt 10 ]; then ok "$soname exports $n stamp_* symbols under $node"; else
		fail "$soname exports: $bad ($n under $node)"; fi
done
if objdump -T "$CORE" "$PRINT" | grep -q 'stamp_scans'; then fail "a library still exports the scan counter"
else ok "the scan counter is not in the libraries"; fi
if objdump -T "$PRINT" | grep -Eq 'stamp_sheet_fit|stamp_png_file'; then fail "libstamp-print exports its private helpers"
else ok "libstamp-print keeps its private helpers"; fi
finish
