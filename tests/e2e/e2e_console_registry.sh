#!/bin/sh
# The console's registry pages (issue #11): a product added through its form
# (a bad field: 422 with the registry's rule beside it and nothing written; a
# good one: 303, in `stampgen product show` and the audit log); a cooperative
# and a product edited (the id fixed, the fields prefilled); the detail pages
# (a cooperative's products, a product's certificate, batches, photo and
# stages); a photo uploaded through the form, served back, the same bytes as
# `stampgen product image --out`, then removed; a product-level stage added;
# uploads of what Excel saves (";" and a BOM, a bad line, an .xlsx) previewed,
# dry-run and imported; markup in names escaped on every page it reaches; a
# 9 MB upload refused with 413; the search folds case and diacritics.
. "$(dirname "$0")/lib.sh"
g() { "$STAMPGEN" -q "$@"; }
g keygen -o k1 >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
g issue --product NM-COT-HH --lot L01 --produced 2026-11-01 --count 3 --key k1.key \
	--base-url https://tem.thanhhoa.gov.vn --out a --no-images
XSS='<script>alert(1)</script>'
ESC='&lt;script&gt;alert(1)&lt;/script&gt;'
mkdir tmp
export TMPDIR="$WORK/tmp" # the console stages uploads here
. "$(dirname "$0")/lib_console.sh"
console_start
console_sign_in
get() { o=$1 p=$2; req "$o" GET "$p" -H "Cookie: $COOKIE"; }
loc() { tr -d '\r' <"$1.h" | sed -n 's/^[Ll]ocation: //p'; }
no_markup() { ! grep -q '<script>alert' "$1"; }

# ---- a product through its add form ------------------------------------------------------
get pnew /products/new
[ "$S" = 200 ] && grep -q '<label for="coop_id">' pnew && grep -q '<select id="coop_id" name="coop_id">' pnew &&
	grep -q '<option value="HTX-KHUCPHU">HTX-KHUCPHU — HTX Chế biến hải sản Khúc Phụ</option>' pnew &&
	ok "the product form: the cooperative chosen from a list of the registered ones" || fail "product form: $S"
[ "$(grep -o '<input id="[a-z_]*"' pnew | wc -l)" = "$(grep -o '<label for="[a-z_]*"' pnew | grep -cv coop_id)" ] &&
	ok "a label for every input" || fail "labels and inputs differ"
dump_store before.dump
post bad /products/new --data-urlencode "csrf=$CSRF" --data-urlencode "id=NEW-1" \
	--data-urlencode "coop_id=HTX-KHUCPHU" --data-urlencode "name=Mắm $XSS" --data-urlencode "group=Thực phẩm" \
	--data-urlencode "stars=6" --data-urlencode "ocop_decision=1/QĐ-UBND" --data-urlencode "ocop_date=2025-01-01" \
	--data-urlencode "cert_valid_until=2028-01-01"
[ "$S" = 422 ] && ok "a product with 6 stars: 422" || fail "bad product: $S"
grep -q 'name="stars" value="6" aria-invalid="true"> <span class="err">Cần: bắt buộc; 3, 4 hoặc 5 sao. Đã nhập: «6».' bad &&
	ok "the registry's own rule beside the stars field, in Vietnamese" || fail "no rule beside stars: $(grep -o 'class="err">[^<]*' bad)"
grep -q "value=\"Mắm $ESC\"" bad && no_markup bad && ok "the name given shown back, escaped" || fail "name not escaped"
grep -q '<option value="HTX-KHUCPHU" selected>' bad && ok "the cooperative chosen stays chosen" || fail "select lost"
post nocoop /products/new --data-urlencode "csrf=$CSRF" --data-urlencode "id=NEW-1" \
	--data-urlencode "coop_id=HTX-NONE" --data-urlencode "name=Mắm tép" --data-urlencode "group=Thực phẩm" \
	--data-urlencode "stars=3" --data-urlencode "ocop_decision=1/QĐ-UBND" --data-urlencode "ocop_date=2025-01-01" \
	--data-urlencode "cert_valid_until=2028-01-01"
[ "$S" = 422 ] && grep -q 'cooperative &quot;HTX-NONE&quot; is not registered' nocoop &&
	ok "an unregistered cooperative: 422, said beside the choice" || fail "unknown coop: $S"
dump_store after.dump
cmp -s before.dump after.dump && ok "refused product forms wrote nothing" || fail "a refused form changed the store"
post good /products/new --data-urlencode "csrf=$CSRF" --data-urlencode "id=NEW-1" \
	--data-urlencode "coop_id=HTX-KHUCPHU" --data-urlencode "name=Mắm $XSS" --data-urlencode "group=Thực phẩm" \
	--data-urlencode "stars=4" --data-urlencode "ocop_decision=1/QĐ-UBND" --data-urlencode "ocop_date=2025-01-01" \
	--data-urlencode "cert_valid_until=2028-01-01" --data-urlencode "shelf_life_days=365"
[ "$S" = 303 ] && [ "$(loc good)" = /products/NEW-1 ] && ok "a good product: 303 to its page" || fail "good product: $S $(loc good)"
"$STAMPGEN" product show NEW-1 >show.out 2>&1 && grep -q "Mắm $XSS" show.out && grep -q 'stars.*4' show.out &&
	ok "it is in the store (stampgen product show)" || fail "not stored: $(cat show.out)"
"$STAMPGEN" audit list >audit.out 2>&1 && grep -q 'product NEW-1 added' audit.out && ok "its audit entry" ||
	fail "audit: $(tail -2 audit.out)"

# ---- edits ---------------------------------------------------------------------------------
get cedit /coops/HTX-KHUCPHU/edit
[ "$S" = 200 ] && grep -q 'name="id" value="HTX-KHUCPHU" readonly' cedit &&
	grep -q 'name="name" value="HTX Chế biến hải sản Khúc Phụ"' cedit && grep -q 'name="phone" value="0237 3900 101"' cedit &&
	ok "a cooperative's edit form: the id fixed, the fields prefilled" || fail "coop edit form: $S"
dump_store before.dump
post cbad /coops/HTX-KHUCPHU/edit --data-urlencode "csrf=$CSRF" --data-urlencode "name=HTX Khúc Phụ" \
	--data-urlencode "province=Thanh Hóa" --data-urlencode "phone=12"
[ "$S" = 422 ] && grep -q 'name="phone" value="12" aria-invalid="true"> <span class="err">Cần: không bắt buộc; số điện thoại 8 đến 15 chữ số' cbad &&
	ok "a bad edit: 422, the rule beside the field" || fail "bad coop edit: $S"
dump_store after.dump
cmp -s before.dump after.dump && ok "a refused edit wrote nothing" || fail "a refused edit changed the store"
post cgood /coops/HTX-KHUCPHU/edit --data-urlencode "csrf=$CSRF" --data-urlencode "id=HTX-OTHER" \
	--data-urlencode "name=HTX Khúc Phụ $XSS" --data-urlencode "commune=xã Hoằng Phụ" \
	--data-urlencode "district=huyện Hoằng Hóa" --data-urlencode "province=Thanh Hóa" \
	--data-urlencode "address=Thôn Khúc Phụ" --data-urlencode "phone=0237 3900 102"
[ "$S" = 303 ] && [ "$(loc cgood)" = /coops/HTX-KHUCPHU ] && ok "a good coop edit: 303 to its page" || fail "coop edit: $S"
"$STAMPGEN" coop show HTX-KHUCPHU >cshow.out 2>&1 && grep -q '0237 3900 102' cshow.out && grep -q "Khúc Phụ $XSS" cshow.out &&
	ok "the edit is stored (the id given in the form ignored)" || fail "coop edit not stored: $(cat cshow.out)"
"$STAMPGEN" coop show HTX-OTHER >/dev/null 2>&1 && fail "the form's id made a new cooperative" || ok "no new cooperative"
"$STAMPGEN" audit list >audit.out 2>&1 && grep -q 'coop HTX-KHUCPHU written' audit.out && ok "the edit's audit entry" ||
	fail "edit audit: $(tail -2 audit.out)"
get pedit /products/NEW-1/edit
[ "$S" = 200 ] && grep -q 'name="id" value="NEW-1" readonly' pedit && grep -q 'name="stars" value="4"' pedit &&
	grep -q 'name="ocop_date" value="2025-01-01"' pedit && grep -q '<option value="HTX-KHUCPHU" selected>' pedit &&
	grep -q "value=\"Mắm $ESC\"" pedit && no_markup pedit &&
	ok "a product's edit form: prefilled, its cooperative selected, the name escaped" || fail "product edit form: $S"
post pgood /products/NEW-1/edit --data-urlencode "csrf=$CSRF" \
	--data-urlencode "coop_id=HTX-COI-NGASON" --data-urlencode "name=Mắm $XSS" --data-urlencode "group=Thực phẩm" \
	--data-urlencode "stars=5" --data-urlencode "ocop_decision=2/QĐ-UBND" --data-urlencode "ocop_date=2025-01-01" \
	--data-urlencode "cert_valid_until=2028-01-01" --data-urlencode "shelf_life_days=365"
[ "$S" = 303 ] && "$STAMPGEN" product show NEW-1 >show.out 2>&1 && grep -q 'HTX-COI-NGASON' show.out &&
	grep -q '2/QĐ-UBND' show.out && ok "a product edited: another cooperative, 5 stars" || fail "product edit: $S $(cat show.out)"
get nope /products/NOPE/edit
[ "$S" = 404 ] && ok "editing an unknown product: 404" || fail "unknown edit: $S"
post nope2 /coops/NOPE/edit --data-urlencode "csrf=$CSRF" --data-urlencode "name=X" --data-urlencode "province=Thanh Hóa" \
	--data-urlencode "district=X" --data-urlencode "address=X"
[ "$S" = 404 ] && ! "$STAMPGEN" coop show NOPE >/dev/null 2>&1 && ok "saving an unknown cooperative: 404, not created" ||
	fail "unknown coop save: $S"

# ---- detail pages --------------------------------------------------------------------------
get coop /coops/HTX-KHUCPHU
[ "$S" = 200 ] && grep -q '<a href="/products/NM-COT-HH">NM-COT-HH</a>' coop && grep -q '<th scope="row">Điện thoại</th><td>0237 3900 102</td>' coop &&
	ok "a cooperative's page: its fields and its products" || fail "coop page: $S"
grep -q "Khúc Phụ $ESC" coop && no_markup coop && ok "its name escaped" || fail "coop page escaping"
get prod /products/NM-COT-HH
[ "$S" = 200 ] && grep -q 'Chứng nhận OCOP' prod && grep -q '<td>1520/QĐ-UBND</td>' prod &&
	grep -q '<td><a href="/batches/1">1</a></td><td>L01</td><td>2026-11-01</td>' prod && ok "a product's page: its certificate and its batch" ||
	fail "product page: $S"
grep -q 'enctype="multipart/form-data"' prod && grep -q 'accept="image/jpeg,image/png,image/webp' prod &&
	grep -q 'Chưa có ảnh' prod && ok "no photo yet, an upload form" || fail "photo form"
get pxss /products/NEW-1
grep -q "<h1>Mắm $ESC</h1>" pxss && no_markup pxss && ok "markup in a product's name escaped on its page" || fail "product page escaping"
get none /products/NOPE
[ "$S" = 404 ] && ok "an unknown product: 404" || fail "unknown product: $S"
get badid '/products/..%2f..'
[ "$S" = 404 ] && ok "an id that is not one: 404" || fail "bad id: $S"

# ---- a photo through the form ----------------------------------------------------------------
dump_store before.dump
printf 'not an image' >fake.jpg
post fake /products/NM-COT-HH/photo -F "csrf=$CSRF" -F "photo=@fake.jpg;type=image/jpeg"
[ "$S" = 422 ] && grep -q 'class="err" role="alert"' fake && ok "a file that is no image: 422, said at the top" || fail "fake photo: $S"
dump_store after.dump
cmp -s before.dump after.dump && ok "and nothing written" || fail "a refused photo changed the store"
post photo /products/NM-COT-HH/photo -F "csrf=$CSRF" -F "photo=@$SAMPLES/photos/NM-COT-HH.jpg;type=image/jpeg"
[ "$S" = 303 ] && ok "a JPEG uploaded: 303" || fail "photo upload: $S $(grep -o 'role="alert">[^<]*' photo)"
get prod /products/NM-COT-HH
grep -q '<img src="/products/NM-COT-HH/photo.jpg"' prod && grep -q 'Xóa ảnh' prod && ok "the page shows it, with a remove button" ||
	fail "no img on the page"
req served GET /products/NM-COT-HH/photo.jpg -H "Cookie: $COOKIE"
[ "$S" = 200 ] && tr -d '\r' <served.h | grep -qi '^content-type: image/jpeg' && ok "served as image/jpeg" || fail "photo served: $S"
"$STAMPGEN" product image NM-COT-HH --out cli.jpg && cmp -s served cli.jpg &&
	ok "the same bytes as stampgen product image --out" || fail "served photo differs from the CLI's"
"$STAMPGEN" audit list >audit.out 2>&1 && grep -qi 'NM-COT-HH.*photo\|photo.*NM-COT-HH\|image.*NM-COT-HH' audit.out &&
	ok "the photo's audit entry" || fail "photo audit: $(tail -2 audit.out)"
post rm /products/NM-COT-HH/photo/remove -d "csrf=$CSRF"
[ "$S" = 303 ] && ! "$STAMPGEN" product image NM-COT-HH --out gone.jpg 2>/dev/null && ok "the photo removed" || fail "remove: $S"
req gone GET /products/NM-COT-HH/photo.jpg -H "Cookie: $COOKIE"
[ "$S" = 404 ] && ok "and no longer served" || fail "removed photo served: $S"

# ---- a product-level stage ----------------------------------------------------------------
grep -q '<option value="fermenting">' prod && ok "the stage vocabulary of stampgen event add" || fail "no stage list"
post stbad /products/NM-COT-HH/stages --data-urlencode "csrf=$CSRF" --data-urlencode "stage=fermenting" \
	--data-urlencode "at=2025-13-40" --data-urlencode "label=Ủ chượp"
[ "$S" = 422 ] && grep -q 'name="at" value="2025-13-40" aria-invalid="true"> <span class="err">column &quot;at&quot;' stbad &&
	ok "a stage with a bad date: 422, the rule beside it" || fail "bad stage: $S $(grep -o 'class="err">[^<]*' stbad)"
post stage /products/NM-COT-HH/stages --data-urlencode "csrf=$CSRF" --data-urlencode "stage=fermenting" \
	--data-urlencode "at=2025-03-01" --data-urlencode "label=Ủ chượp $XSS" --data-urlencode "place=Nhà thùng"
[ "$S" = 303 ] && "$STAMPGEN" event list --product NM-COT-HH >ev.out 2>&1 && grep -q 'fermenting' ev.out &&
	ok "a stage added, as stampgen event list shows" || fail "stage: $S $(cat ev.out)"
get prod /products/NM-COT-HH
grep -q "Ủ chượp $ESC" prod && no_markup prod && ok "listed on the product's page, escaped" || fail "stage not listed"

# ---- uploads of what Excel saves ------------------------------------------------------------
get iform /coops/import
[ "$S" = 200 ] && grep -q 'accept=".csv,.txt,.xlsx"' iform && grep -q '<label for="sheet">' iform &&
	ok "the import form: a file (.csv, .txt, .xlsx) and a sheet name" || fail "import form: $S"
printf '\357\273\277id;name;commune;district;province;address;phone\r\nHTX-A;HTX Đông Anh %s;xã A;huyện B;Thanh Hóa;thôn 1;0237 3900 111\r\nHTX-B;HTX Bé;xã A;huyện B;Thanh Hóa;thôn 2;12\r\n' "$XSS" >bad.csv
dump_store before.dump
post prev-bad /coops/import -F "csrf=$CSRF" -F "file=@bad.csv;filename=hợp tác xã.csv"
[ "$S" = 422 ] && ok "a file with a bad line: 422" || fail "bad file: $S"
grep -q '<li>hợp tác xã.csv:3: column &quot;phone&quot;' prev-bad &&
	ok "its problem named by the file's name, line 3 and the column" || fail "problem: $(grep -o '<li>[^<]*' prev-bad)"
grep -q "<td>HTX Đông Anh $ESC</td>" prev-bad && no_markup prev-bad && grep -q '<th>phone</th>' prev-bad &&
	ok "the rows previewed (header, cells escaped)" || fail "preview of a bad file"
grep -q '1 lỗi: không có gì được nhập' prev-bad && ok "one problem counted, nothing imported" || fail "summary"
grep -q 'name="staged"' prev-bad && fail "an import button for a file with problems" || ok "no import button"
dump_store after.dump
cmp -s before.dump after.dump && ok "a file with problems wrote nothing" || fail "the dry run changed the store"
ls "$TMPDIR"/ocopstamp-console-*/ 2>/dev/null | grep -q . && fail "a refused file stays staged" || ok "and is not kept"

printf '\357\273\277id;name;commune;district;province;address;phone\r\nHTX-A;HTX Đông Anh %s;xã A;huyện B;Thanh Hóa;"thôn 1; xóm 2";0237 3900 111\r\nHTX-B;HTX Bé;xã A;huyện B;Thanh Hóa;thôn 2;0237 3900 112\r\n' "$XSS" >good.csv
post prev /coops/import -F "csrf=$CSRF" -F "file=@good.csv"
STAGED=$(sed -n 's/.*name="staged" value="\([0-9a-f]*\)".*/\1/p' prev)
[ "$S" = 200 ] && [ -n "$STAGED" ] && grep -q 'Nhập 2 hợp tác xã' prev && ok "a clean file (; and a BOM, as Excel saves it): the import button" ||
	fail "clean file: $S"
grep -q '<td>thôn 1; xóm 2</td>' prev && grep -q "<td>HTX Đông Anh $ESC</td>" prev && no_markup prev &&
	ok "its rows previewed as parsed, escaped" || fail "preview"
ls "$TMPDIR"/ocopstamp-console-*/"$STAGED.csv" >/dev/null 2>&1 && ok "staged privately, keeping its extension" ||
	fail "no staged file"
[ "$(stat -c %a "$TMPDIR"/ocopstamp-console-* 2>/dev/null | head -1)" = 700 ] && ok "in a 0700 folder" || fail "staging folder mode"
dump_store after.dump
cmp -s before.dump after.dump && ok "the dry run wrote nothing" || fail "the dry run changed the store"
post wrongid /coops/import/run -d "csrf=$CSRF" -d "staged=00000000000000000000000000000000"
[ "$S" = 404 ] && ok "another staged id: 404" || fail "wrong staged id: $S"
post run /coops/import/run -d "csrf=$CSRF" -d "staged=$STAGED"
[ "$S" = 200 ] && grep -q 'Đã nhập 2 hợp tác xã' run && grep -q '<a href="/coops/HTX-A">HTX-A</a>' run &&
	ok "imported: the count and the links" || fail "import: $S"
"$STAMPGEN" coop show HTX-B >b.out 2>&1 && grep -q '0237 3900 112' b.out && ok "both in the store" || fail "not imported"
ls "$TMPDIR"/ocopstamp-console-*/"$STAGED.csv" >/dev/null 2>&1 && fail "the staged file stays" || ok "the staged file removed"
post again /coops/import/run -d "csrf=$CSRF" -d "staged=$STAGED"
[ "$S" = 404 ] && ok "the same file cannot be imported twice" || fail "second import: $S"
get clist '/coops?q=dong%20anh'
grep -q "HTX Đông Anh $ESC" clist && no_markup clist && ok "the imported name escaped in the list" || fail "list escaping"

# Excel's "Unicode Text": UTF-16 with a BOM, tab-separated
printf 'id\tname\tdistrict\tprovince\taddress\nHTX-U1\tHTX Ụ\tNga Sơn\tThanh Hóa\tthôn 3\n' | iconv -f UTF-8 -t UTF-16 >unicode.txt
post u16 /coops/import -F "csrf=$CSRF" -F "file=@unicode.txt"
[ "$S" = 200 ] && grep -q '<td>HTX Ụ</td>' u16 && grep -q 'name="staged"' u16 &&
	ok "a UTF-16 tab-separated .txt (Excel's Unicode Text) previewed, clean" || fail "utf-16: $S $(grep -o '<li>[^<]*' u16)"
{
	printf 'id,name,district,province,address\n'
	i=1
	while [ $i -le 60 ]; do
		printf 'HTX-M%02d,HTX %d,Nga Sơn,Thanh Hóa,thôn %d\n' $i $i $i
		i=$((i + 1))
	done
} >many.csv
post many /coops/import -F "csrf=$CSRF" -F "file=@many.csv"
[ "$S" = 200 ] && [ "$(grep -o '<tr><td>[0-9]*</td>' many | wc -l)" = 50 ] && grep -q '60 dòng (hiện 50 dòng đầu)' many &&
	grep -q 'Nhập 60 hợp tác xã' many && ok "60 rows: the first 50 previewed, all 60 to import" || fail "preview bound: $S"

if /usr/bin/python3 -c 'import openpyxl' 2>/dev/null; then
	/usr/bin/python3 - <<'EOF'
import openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Ghi chú"
ws.append(["một ghi chú"])
ws = wb.create_sheet("Sản phẩm")
ws.append(["id", "coop_id", "name", "group", "stars", "ocop_decision", "ocop_date", "cert_valid_until"])
ws.append(["X-1", "HTX-A", "Mắm tép", "Thực phẩm", 3, "9/QĐ-UBND", "01/02/2025", "01/02/2028"])
ws.append(["X-2", "HTX-A", "Chả mực", "Thực phẩm", 4, "9/QĐ-UBND", "01/02/2025", "01/02/2028"])
wb.save("products.xlsx")
EOF
	post xl /products/import -F "csrf=$CSRF" -F "file=@products.xlsx" -F "sheet=Sản phẩm"
	XSTAGED=$(sed -n 's/.*name="staged" value="\([0-9a-f]*\)".*/\1/p' xl)
	[ "$S" = 200 ] && [ -n "$XSTAGED" ] && grep -q '<td>Chả mực</td>' xl && ok "an .xlsx workbook's named sheet previewed" ||
		fail "xlsx: $S $(grep -o '<li>[^<]*' xl)"
	post xlrun /products/import/run -d "csrf=$CSRF" -d "staged=$XSTAGED"
	[ "$S" = 200 ] && "$STAMPGEN" product show X-2 >/dev/null 2>&1 && ok "and imported" || fail "xlsx import: $S"
else
	fail "python3-openpyxl is not installed (scripts/install-deps)"
fi

printf 'product,stage,at,label\nNM-COT-HH,packing,2025-04-01,Đóng chai\n' >ev.csv
post evp /events/import -F "csrf=$CSRF" -F "file=@ev.csv"
ESTAGED=$(sed -n 's/.*name="staged" value="\([0-9a-f]*\)".*/\1/p' evp)
post evrun /events/import/run -d "csrf=$CSRF" -d "staged=$ESTAGED"
[ "$S" = 200 ] && grep -q 'Đã nhập 1 công đoạn' evrun && "$STAMPGEN" event list --product NM-COT-HH 2>&1 | grep -q packing &&
	ok "stages imported from a file" || fail "event import: $S"

# ---- a 9 MB upload ---------------------------------------------------------------------------
dump_store before.dump
head -c 9437184 /dev/zero | tr '\0' 'a' >big.csv
post big /coops/import -F "csrf=$CSRF" -F "file=@big.csv"
[ "$S" = 413 ] && ok "a 9 MB upload: 413" || fail "big upload: $S"
dump_store after.dump
cmp -s before.dump after.dump && ok "and nothing written" || fail "a big upload changed the store"

# ---- the folded search ---------------------------------------------------------------------
get s1 '/products?q=mam'
grep -q 'NM-COT-HH' s1 && grep -q 'NEW-1' s1 && no_markup s1 && ok '"mam" finds "Mắm" and "Nước mắm"' || fail "mam: $(grep -o '[0-9]* kết quả' s1)"
get s2 '/coops?q=THANH%20HOA'
[ "$(grep -o '[0-9]* kết quả' s2)" = "11 kết quả" ] && ok '"THANH HOA" finds the cooperatives of Thanh Hóa' ||
	fail "THANH HOA: $(grep -o '[0-9]* kết quả' s2)"
get s3 '/coops?q=%C4%91%C3%B4ng'
grep -q 'HTX-A' s3 && ok '"đông" finds "Đông"' || fail "đông: $(grep -o '[0-9]* kết quả' s3)"
get s4 '/coops?q=zzzz'
grep -q '<p>0 kết quả' s4 && ok "a search that matches nothing: 0" || fail "zzzz"

# ---- in English, once the session switched -------------------------------------------------
post en /lang -d "csrf=$CSRF" -d "lang=en"
get enform /products/new
grep -q '<h1>Add a product</h1>' enform && grep -q '<label for="stars">OCOP stars (3, 4, 5)</label>' enform &&
	ok "the product form in English" || fail "English form"
get enimp /events/import
grep -q '<h1>Import stages from a file</h1>' enimp && ok "the stages' import page in English" || fail "English import"
post enbad /coops/HTX-KHUCPHU/edit --data-urlencode "csrf=$CSRF" --data-urlencode "name=HTX Khúc Phụ" \
	--data-urlencode "province=Thanh Hóa" --data-urlencode "phone=12"
[ "$S" = 422 ] && grep -q 'name="phone" value="12" aria-invalid="true"> <span class="err">column &quot;phone&quot;: expected a phone number' enbad &&
	ok "in English, the registry's own message beside the field" || fail "English field error: $(grep -o 'class="err">[^<]*' enbad)"

# ---- the staged files go when the console stops ----------------------------------------------
post keep /coops/import -F "csrf=$CSRF" -F "file=@good.csv"
kill "$PID"
wait "$PID" 2>/dev/null || true
PID=
ls -d "$TMPDIR"/ocopstamp-console-* >/dev/null 2>&1 && fail "the staging folder outlives the console" ||
	ok "the staging folder removed when the console stops"
finish
