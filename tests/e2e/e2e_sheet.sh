#!/bin/sh
# Print sheets end to end: a batch on every built-in template as a PDF, read
# back with the real tools a print shop would use (pdfinfo, pdftoppm,
# zbarimg, pdftotext); PNG pages; a custom template file; the print gate;
# text far too long for its label; `issue --sheet`.
. "$(dirname "$0")/lib.sh"
G="$STAMPGEN"
URL=https://tem.thanhhoa.gov.vn

expect_exit 0 "keygen" -- "$G" keygen -o k1 --label test
"$G" coop import "$SAMPLES/coops.csv" >/dev/null
"$G" product import "$SAMPLES/products.csv" >/dev/null
# The short name typed decomposed (NFD): the registry stores NFC, the sheet prints NFC.
NFD=$(printf 'Nu\314\233o\314\233\314\201c ma\314\206\314\201m Hoa\314\206\314\200ng Ho\314\201a')
NAME="Nước mắm Hoằng Hóa"
expect_exit 0 "product with a decomposed short name" -- "$G" product add --id NM-NFD \
	--coop_id HTX-KHUCPHU --name "$NFD cốt cá cơm" --short_name "$NFD" --group "Thực phẩm" \
	--stars 4 --ocop_decision 1520/QĐ-UBND --ocop_date 2025-05-12 --cert_valid_until 2028-05-12 \
	--shelf_life_days 730
expect_exit 0 "issue 65 stamps" -- "$G" issue --product NM-NFD --lot S-1 --produced 2026-11-01 \
	--count 65 --key k1.key --base-url "$URL" --out b1 --no-images
cut -d, -f2 b1/manifest.csv | sed 1d | sort >want.txt

# pdftoppm anti-aliases edges by default; with many identical codes aligned
# on a grid, zbarimg then groups finder patterns of neighbouring codes and
# misses some on a whole page. A printer does not anti-alias, so neither do
# we here. Even so zbarimg (and ZXingReader) miss a code now and then on a
# whole page of 24 to 65 aligned codes, at some pixel phases, although that
# label alone decodes (docs/printing.md). So each page is decoded whole, and
# any code it missed is looked for in a 300 dpi crop of its own label (the
# geometry from `stampgen sheet templates`). A code read twice in a page's
# raster, or one not in the manifest, fails.
decode_pages() { # PDF TEMPLATE MANIFEST -> sorted decoded texts in dec.txt
	PDF=$1
	rm -rf pages && mkdir pages
	pdftoppm -r 300 -gray -aaVector no "$1" pages/p
	for p in pages/*; do zbarimg --raw -q --nodbus "$p" 2>/dev/null || true; done | sort >dec.txt
	[ -z "$(uniq -d dec.txt)" ] || echo DUPLICATE >>dec.txt
	cmp -s want.txt dec.txt && return 0
	geo=$("$G" sheet templates "$2" | sed -n 2p)
	man=$3
	first=$(sed -n 2p "$man" | cut -d, -f1)
	comm -23 want.txt dec.txt | while read -r code; do
		s=$(grep -F ",$code," "$man" | cut -d, -f1)
		set -- $(echo "$geo" | awk -F'\t' -v i=$((s - first)) '{
			per = $2 * $3; k = i % per; c = k % $2; r = int(k / $2)
			x = $8 + c * ($6 + $10); y = $9 + r * ($7 + $11)
			printf "%d %d %d %d %d\n", int(i / per) + 1, x / 25.4 * 300, y / 25.4 * 300,
				$6 / 25.4 * 300, $7 / 25.4 * 300 }')
		pdftoppm -r 300 -gray -aaVector no -f "$1" -l "$1" -x "$2" -y "$3" -W "$4" -H "$5" \
			-png "$PDF" crop
		zbarimg --raw -q --nodbus crop-*.png 2>/dev/null || echo "serial $s: not in its crop $*" >&2
		rm -f crop-*.png
	done >>dec.txt
	sort -o dec.txt dec.txt
}

for spec in a4-3x8:3:595.276x841.89 a4-4x10:2:595.276x841.89 a4-5x13:1:595.276x841.89 \
	roll-50x30:65:141.732x85.0394; do
	t=${spec%%:*} rest=${spec#*:}
	pages=${rest%%:*} size=${rest#*:}
	expect_exit 0 "sheet on $t" -- "$G" sheet --batch 1 --template "$t" --out "$t.pdf"
	info=$(pdfinfo "$t.pdf")
	got=$(echo "$info" | sed -n 's/^Pages: *//p')
	[ "$got" = "$pages" ] && ok "$t: $pages pages" || fail "$t: $got pages, expected $pages"
	psize=$(echo "$info" | sed -n 's/^Page size: *\([0-9.]*\) x \([0-9.]*\) pts.*/\1x\2/p')
	[ "$psize" = "$size" ] && ok "$t: page size $size pt" || fail "$t: page size $psize pt"
	decode_pages "$t.pdf" "$t" b1/manifest.csv
	cmp -s want.txt dec.txt && ok "$t: zbarimg finds all 65 codes exactly once, nothing else" ||
		fail "$t: decoded $(wc -l <dec.txt) codes, $(comm -3 want.txt dec.txt | wc -l) differ"
	n=$(pdftotext "$t.pdf" - | tr '\n' ' ' | grep -o "$NAME" | wc -l)
	[ "$n" -eq 65 ] && ok "$t: pdftotext finds \"$NAME\" (NFC) on all 65 labels" ||
		fail "$t: pdftotext finds the NFC name $n times"
	[ "$(pdftotext "$t.pdf" - | grep -c 'OCOP ★★★★')" -eq 65 ] && ok "$t: stars on every label" ||
		fail "$t: stars line missing"
	[ "$(pdftotext "$t.pdf" - | grep -c '^Số 00000000[0-9][0-9]$')" -eq 65 ] &&
		ok "$t: serial on every label" || fail "$t: serials missing"
done
# One label alone decodes with pdftoppm's default anti-aliasing too.
pdftoppm -r 300 -f 1 -l 1 -x 0 -y 0 -W 591 -H 354 -png roll-50x30.pdf one
[ "$(zbarimg --raw -q --nodbus one-*.png)" = "$(sed -n 2p b1/manifest.csv | cut -d, -f2)" ] &&
	ok "a label rasterised with anti-aliasing decodes" || fail "anti-aliased label does not decode"

expect_exit 0 "the same batch again" -- "$G" sheet --batch 1 --template a4-3x8 --out again.pdf
cmp -s a4-3x8.pdf again.pdf && ok "PDF is byte-identical on a second run" || fail "PDFs differ"
expect_exit 1 "existing output is refused" -- "$G" sheet --batch 1 --template a4-3x8 --out again.pdf
expect_exit 1 "unknown batch" -- "$G" sheet --batch 9 --template a4-3x8 --out none.pdf
expect_exit 1 "unknown template" -- "$G" sheet --batch 1 --template a4-9x9 --out none.pdf
expect_out "a4-3x8" "the message lists the built-in templates"
expect_exit 0 "sheet templates" -- "$G" sheet templates
expect_out "roll-50x30" "templates are listed"

# Footer, cut marks, cooperative name.
expect_exit 1 "footer refused where there is no margin" -- "$G" sheet --batch 1 --template a4-3x8 \
	--footer --out f.pdf
expect_out "footer needs" "says why"
expect_exit 0 "footer, cut marks and cooperative name" -- "$G" sheet --batch 1 --template a4-4x10 \
	--footer --cut-marks --coop-name --out f.pdf
pdftotext f.pdf - | grep -q "trang 2/2" && ok "footer says page 2 of 2" || fail "no footer"
[ "$(pdftotext f.pdf - | tr '\n' ' ' | grep -o 'HTX Chế biến hải sản Khúc Phụ' | wc -l)" -eq 65 ] &&
	ok "cooperative name on every label" || fail "cooperative name missing"
decode_pages f.pdf a4-4x10 b1/manifest.csv
cmp -s want.txt dec.txt && ok "codes still decode with marks and footer" || fail "marks break codes"

# PNG pages at the default 300 dpi, the dpi written in each file.
expect_exit 0 "PNG pages" -- "$G" sheet --batch 1 --template a4-4x10 --png --out png
[ "$(ls png | tr '\n' ' ')" = "page-0001.png page-0002.png " ] && ok "two PNG pages" ||
	fail "PNG pages: $(ls png)"
phys=$(od -An -tx1 -j 37 -N 13 png/page-0001.png | tr -d ' \n')
# "pHYs", 11811 px/m (300 dpi) twice, unit metre
[ "$phys" = "7048597300002e2300002e2301" ] && ok "pHYs says 300 dpi" || fail "pHYs chunk: $phys"
# Whole A4 pages: see decode_pages; every code found must be one of the
# batch, once, and nearly all must be found.
for p in png/*.png; do zbarimg --raw -q --nodbus "$p" 2>/dev/null || true; done | sort >dec.txt
[ -z "$(uniq -d dec.txt)" ] && [ -z "$(comm -13 want.txt dec.txt)" ] && [ "$(wc -l <dec.txt)" -ge 63 ] &&
	ok "zbarimg reads the batch's codes from the A4 PNG pages" || fail "A4 PNG pages decode"
expect_exit 0 "PNG pages at 200 dpi" -- "$G" sheet --batch 1 --template roll-50x30 --png --dpi 200 \
	--out png200
[ "$(ls png200 | wc -l)" -eq 65 ] && ok "65 roll pages" || fail "roll pages: $(ls png200 | wc -l)"
for p in png200/*.png; do zbarimg --raw -q --nodbus "$p" 2>/dev/null || true; done | sort >dec.txt
cmp -s want.txt dec.txt && ok "every code decodes from its 200 dpi roll page" || fail "roll PNG pages"
expect_exit 2 "--dpi without --png" -- "$G" sheet --batch 1 --template a4-3x8 --dpi 150 --out x.pdf

# Custom templates: the samples, the print gate, file errors.
for f in "$SAMPLES"/templates/*.ini; do
	b=$(basename "$f" .ini)
	expect_exit 0 "sample template $b" -- "$G" sheet --batch 1 --template "$f" --out "$b.pdf"
	decode_pages "$b.pdf" "$f" b1/manifest.csv
	cmp -s want.txt dec.txt && ok "$b: every code decodes" || fail "$b: codes do not decode"
done
printf '[template]\nlabel_width = 30\nlabel_height = 20\ncolumns = 6\nrows = 14\nqr_size = 16\n' >small.ini
expect_exit 1 "print gate: 16 mm QR of 49 modules" -- "$G" sheet --batch 1 --template small.ini --out s.pdf
expect_out "0\\.375" "names the 0.375 mm minimum"
printf '[template]\nlabel_width = 20\nlabel_height = 20\ncolumns = 1\nrows = 1\nqr_size = 25\n' >tiny.ini
expect_exit 1 "label smaller than its code" -- "$G" sheet --batch 1 --template tiny.ini --out s.pdf
expect_out "cannot hold" "says the label cannot hold the code"
printf '[template]\nlabel_width = 30\nlabel_height = 20mm\ncolumns = 6\nrows = 14\nqr_sise = 18\n' >typo.ini
expect_exit 1 "unknown key" -- "$G" sheet --batch 1 --template typo.ini --out s.pdf
expect_out "typo.ini:6: qr_sise: unknown key" "names file, line and key"
[ ! -e s.pdf ] && ok "no PDF left by refused templates" || fail "refused template left a file"

# A cooperative name far too long for its label: shrunk and wrapped, never clipped.
LONG="Hợp tác xã Dịch vụ Nông nghiệp và Chế biến Nước mắm truyền thống Hoằng Hóa tỉnh Thanh Hóa"
LONG="$LONG chi nhánh Khúc Phụ xã Hoằng Phụ"
expect_exit 0 "cooperative with a 150-byte name" -- "$G" coop add --id HTX-LONG --name "$LONG" \
	--district "Hoằng Hóa" --province "Thanh Hóa" --address "xã Hoằng Phụ"
expect_exit 0 "its product" -- "$G" product add --id LONG-1 --coop_id HTX-LONG \
	--name "Nước mắm cốt" --group "Thực phẩm" --stars 5 --ocop_decision 1/QĐ-UBND \
	--ocop_date 2025-05-12 --cert_valid_until 2028-05-12 --shelf_life_days 730
expect_exit 0 "issue 2" -- "$G" issue --product LONG-1 --lot S-2 --produced 2026-11-01 --count 2 \
	--key k1.key --base-url "$URL" --out b2 --no-images
expect_exit 0 "long name on the smallest label" -- "$G" sheet --batch 2 --template a4-5x13 \
	--coop-name --out long.pdf
[ "$(pdftotext long.pdf - | tr '\n' ' ' | grep -o "$LONG" | wc -l)" -eq 2 ] &&
	ok "the whole long name comes back from the PDF" || fail "long name clipped or garbled"
cut -d, -f2 b2/manifest.csv | sed 1d | sort >want.txt
decode_pages long.pdf a4-5x13 b2/manifest.csv
cmp -s want.txt dec.txt && ok "its codes decode" || fail "codes of the long-name batch"

# issue --sheet: the sheet comes with the batch, after it is committed.
expect_exit 0 "sheet --png --out DIR/ (README)" -- "$G" sheet --batch 1 --template a4-4x10 --png \
	--dpi 72 --out png-slash/
[ -f png-slash/page-0001.png ] && ok "--out DIR/ writes DIR" || fail "--out DIR/: no DIR"
expect_exit 0 "issue --out DIR/ --sheet" -- "$G" issue --product NM-COT-HH --lot S-SLASH \
	--produced 2026-11-01 --count 2 --key k1.key --base-url "$URL" --out b-slash/ --no-images \
	--sheet a4-4x10
[ -f b-slash/manifest.csv ] && [ -f b-slash/sheet.pdf ] && ok "issue --out DIR/ writes DIR" ||
	fail "issue --out DIR/: no DIR or sheet"
expect_exit 0 "issue with --sheet" -- "$G" issue --product NM-COT-HH --lot S-3 --produced 2026-11-01 \
	--count 41 --key k1.key --base-url "$URL" --out b3 --no-images --sheet a4-4x10
[ "$(pdfinfo b3/sheet.pdf | sed -n 's/^Pages: *//p')" = 2 ] && ok "b3/sheet.pdf has 2 pages" ||
	fail "no sheet from issue"
dump_store before.dump
expect_exit 1 "issue with an unknown template issues nothing" -- "$G" issue --product NM-COT-HH \
	--lot S-4 --produced 2026-11-01 --count 5 --key k1.key --base-url "$URL" --out b4 --sheet nope
dump_store after.dump
cmp -s before.dump after.dump && [ ! -e b4 ] && ok "store unchanged" || fail "store changed"
expect_exit 1 "issue whose sheet fails" -- "$G" issue --product NM-COT-HH --lot S-5 \
	--produced 2026-11-01 --count 5 --key k1.key --base-url "$URL" --out b5 --no-images \
	--sheet "$WORK/small.ini"
expect_out "is issued and stored" "says the batch is stored"
[ -f b5/manifest.csv ] && ok "the batch folder is there" || fail "batch folder missing"
finish
