#!/bin/sh
# Importing what Excel writes (issue #11): the sample cooperatives saved with
# ';' (a Vietnamese locale's list separator, UTF-8 with a BOM) and as
# "Unicode Text" (UTF-16 LE with a BOM, tabs) import as the CSV does; a file
# in a code page is refused in one line that says how to save it. Workbooks
# (.xlsx, made by openpyxl: tests/e2e/mkbooks.py) import from their first sheet
# or the one --sheet names, with dates stored as serial numbers, GTINs and
# stars stored as numbers; problems name Excel's row numbers; a stage's
# date-time cell keeps its time; a workbook whose sheet inflates past 64 MB,
# one whose XML is cut, or a sheet that does not exist, is refused with the
# store as it was.
. "$(dirname "$0")/lib.sh"
g() { "$STAMPGEN" -q "$@"; }
/usr/bin/python3 -c 'import openpyxl' 2>/dev/null ||
	{ fail "python3-openpyxl is not installed (scripts/install-deps)"; finish; }
/usr/bin/python3 "$STAMP_SOURCE_DIR/tests/e2e/mkbooks.py" "$WORK"
python3 - "$SAMPLES/coops.csv" <<'PY'
import csv, io, sys
rows = list(csv.reader(io.StringIO(open(sys.argv[1], encoding="utf-8-sig").read())))
b = io.StringIO(); csv.writer(b, delimiter=";", lineterminator="\r\n").writerows(rows)
open("coops-semicolon.csv", "w", encoding="utf-8-sig", newline="").write(b.getvalue())
b = io.StringIO(); csv.writer(b, delimiter="\t", lineterminator="\r\n").writerows(rows)
open("coops-unicode.txt", "wb").write(b"\xff\xfe" + b.getvalue().encode("utf-16-le"))
# "Hợp tác xã" and "Thanh Hóa" as Windows-1258 writes them (ơ is F5, the dot below F2)
open("coops-ansi.csv", "wb").write(b"id,name,province\r\nX,H\xf5\xf2p t\xe1c x\xe3,Thanh H\xf3a\r\n")
PY

# ---- CSV as Excel saves it ---------------------------------------------------------
expect_exit 0 "cooperatives saved with ';' (UTF-8, BOM)" -- "$STAMPGEN" coop import coops-semicolon.csv
expect_out 'coops-semicolon.csv: 9 cooperatives imported' "all 9"
g coop list >semi.list
rm -rf store
expect_exit 0 "the same saved as Unicode Text (UTF-16, tabs)" -- "$STAMPGEN" coop import coops-unicode.txt
g coop list >unicode.list
cmp -s semi.list unicode.list && ok "the same registry either way" || fail "the two spellings differ"
grep -q 'HTX Chế biến hải sản Khúc Phụ' unicode.list && ok "Vietnamese names intact" || fail "names"
expect_exit 1 "a file in Windows-1258 is refused" -- "$STAMPGEN" coop import coops-ansi.csv
expect_out 'coops-ansi.csv:2: not UTF-8 text .*CSV UTF-8 \(Comma delimited\)' "in one line saying how to save it"

# ---- workbooks -----------------------------------------------------------------------
dump_store before.dump
refuse() { # FILE PATTERN DESCRIPTION [ARGS]
	f=$1 p=$2 w=$3
	shift 3
	expect_exit 1 "$w is refused" -- "$STAMPGEN" product import "$f" "$@"
	expect_out "$p" "$w: says why"
}
refuse bad.xlsx 'bad.xlsx:3: column "stars": expected 3, 4 or 5' "a workbook with bad rows"
expect_out 'bad.xlsx:5: column "gtin": check digit' "each problem at Excel's row number"
refuse bomb.xlsx 'bomb.xlsx: xl/worksheets/sheet1.xml is larger than 64 MiB' "a sheet inflating past 64 MB"
refuse broken.xlsx 'broken.xlsx: xl/worksheets/sheet1.xml, line [0-9]+: ' "a sheet whose XML is cut"
refuse products.xlsx 'no sheet named "Nope"' "a sheet that does not exist" --sheet Nope
dump_store after.dump
cmp -s before.dump after.dump && ok "the store is as it was" || fail "a refused workbook changed the store"
expect_exit 0 "products from the workbook's first sheet" -- "$STAMPGEN" product import products.xlsx
expect_out 'products.xlsx: 12 products imported' "all 12"
g product show NM-COT-HH >p.out
grep -q '^ocop_date  *2025-05-12$' p.out && grep -q '^cert_valid_until  *2028-05-12$' p.out &&
	ok "dates stored as serial numbers read as dates" || fail "dates: $(grep date p.out)"
grep -q '^gtin  *8936005120011$' p.out && grep -q '^stars  *4$' p.out &&
	ok "a GTIN and the stars stored as numbers read as their digits" || fail "numbers: $(cat p.out)"
expect_exit 1 "--sheet names the other sheet" -- "$STAMPGEN" product import products.xlsx --sheet "Ghi chú" --dry-run
expect_out 'products.xlsx:1: unknown column "không phải dữ liệu"' "which is read, and refused"
expect_exit 0 "stages from a workbook" -- "$STAMPGEN" event import events.xlsx
expect_exit 0 "listed" -- "$STAMPGEN" event list --product NM-COT-HH
expect_out '2025-03-01 06:30' "a date-time cell keeps its time"
expect_out '2026-03-10' "a text date is read as text"
finish
