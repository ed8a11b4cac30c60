#!/bin/sh
# GS1 Digital Link in verifyd, as a GS1-Conformant resolver (docs/api.md):
# /01/{gtin}[/10/{lot}][/21/{serial}] with 8-, 13- and 14-digit GTINs gives a
# 307 to the product's or the batch's page in the shopper's language, with
# the query passed on and a Link header; linkType selects gs1:pip,
# gs1:traceability or gs1:certificationInfo (404 when not offered); the
# linkset (linkType=linkset or Accept: application/linkset+json) validates
# against GS1's linkset schema (tests/vectors, python3-jsonschema), and a
# broken one does not; bad paths are 400, unknown GTINs, lots and serials
# 404; the pages the links lead to render, a /21/ page says the address is
# unsigned, markup in a name is escaped; /.well-known/gs1resolver describes
# the resolver; public_url sets the origin of every link.
. "$(dirname "$0")/lib_verifyd.sh"
PY=/usr/bin/python3 # Debian's, with python3-jsonschema (scripts/install-deps)
SCHEMA="$STAMP_SOURCE_DIR/tests/vectors/gs1-linkset-schema.json"
g() { "$STAMPGEN" -q "$@"; }
G14=08936005120011 # samples/products.csv: NM-COT-HH, GTIN-13 8936005120011

g keygen -o k1 >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
g product add --id XSS-1 --coop_id HTX-KHUCPHU --name 'Mắm <b>đậm</b>' --group "Thực phẩm" \
	--stars 3 --ocop_decision 1/QĐ-UBND --ocop_date 2025-01-01 --cert_valid_until 2028-01-01 \
	--gtin 9506000134352 >/dev/null
issue() { # PRODUCT LOT COUNT OUT
	g issue --product "$1" --lot "$2" --produced 2026-11-01 --count "$3" --key k1.key \
		--base-url https://tem.thanhhoa.gov.vn --out "$4" --no-images
}
issue NM-COT-HH L01/A 5 a # batch 1, serials 1..5
issue NM-COT-HH L02 3 b   # batch 2, serials 6..8
issue XSS-1 X1 1 x        # batch 3, serial 9
vd_start --registry store --scans scans || { fail "verifyd did not start"; finish; }

# ---- redirects to the default link ------------------------------------------
loc() { tr -d '\r' <"$WORK/hdr" | sed -n 's/^[Ll]ocation: //p'; }
expect_loc() { # WANT DESCRIPTION PATH [CURL ARGS...]
	want=$1 what=$2
	shift 2
	fetch "$@"
	got=$(loc)
	if [ "$STATUS" = 307 ] && [ "$got" = "$want" ]; then ok "$what"; else
		fail "$what: $STATUS to '$got', expected 307 to '$want'"; fi
}
expect_loc "$BASE/P/NM-COT-HH" "GTIN-13 -> the product page" /01/8936005120011
expect_loc "$BASE/P/NM-COT-HH" "GTIN-14, trailing slash tolerated" "/01/$G14/"
expect_loc "$BASE/P/NM-COT-HH?lang=en" "Accept-Language: en -> English" "/01/$G14" \
	-H 'Accept-Language: en-GB,en;q=0.9'
expect_loc "$BASE/L/1" "GTIN + lot (percent-encoded /) -> the batch page" "/01/$G14/10/L01%2FA"
expect_loc "$BASE/L/2?serial=7" "GTIN + serial -> the batch page naming the stamp" "/01/$G14/21/7"
expect_loc "$BASE/L/1?serial=3" "GTIN + lot + serial" "/01/$G14/10/L01%2FA/21/3"
expect_loc "$BASE/L/1?lang=en&x=1&y" "the whole query goes on" "/01/$G14/10/L01%2FA?x=1&y" \
	-H 'Accept-Language: en'
header_has '^Link: <http://127\.0\.0\.1:[0-9]+/01/08936005120011/10/L01%2FA\?linkType=linkset>; rel="linkset"; type="application/linkset\+json"' \
	"Link header names the linkset"
header_has 'rel="https://gs1.org/voc/traceability"' "Link header lists the links"
header_has '^Vary: Accept, Accept-Language' "Vary on Accept and Accept-Language"
header_has '^Cache-Control: no-store' "redirects are not cached"
expect_status 307 "HEAD answers as GET" "/01/$G14" -I

# ---- link types ------------------------------------------------------------
expect_loc "$BASE/L/1?linkType=gs1:traceability" "linkType=gs1:traceability -> the journey" \
	"/01/$G14/10/L01%2FA?linkType=gs1:traceability"
expect_loc "$BASE/P/NM-COT-HH?linkType=https://gs1.org/voc/certificationInfo" \
	"certificationInfo as a full URI -> the OCOP decision" \
	"/01/$G14/10/L01%2FA?linkType=https://gs1.org/voc/certificationInfo"
expect_loc "$BASE/P/NM-COT-HH?linkType=gs1%3Apip" "percent-encoded linkType" \
	"/01/$G14?linkType=gs1%3Apip"
expect_status 404 "a link type not offered (gs1:epil)" "/01/$G14?linkType=gs1:epil"
expect_status 404 "no traceability link for a GTIN alone" "/01/$G14?linkType=gs1:traceability"

# ---- the linkset -------------------------------------------------------------
validate() { # DESCRIPTION
	if $PY "$STAMP_SOURCE_DIR/tests/e2e/json_schema.py" "$SCHEMA" "$WORK/body" >"$WORK/v.out"; then
		ok "$1"; else fail "$1:"; sed 's/^/     | /' "$WORK/v.out"; fi
}
expect_status 200 "linkType=linkset" "/01/$G14/10/L01%2FA/21/2?linkType=linkset"
header_has '^Content-Type: application/linkset\+json' "linkset media type"
header_has 'linkset-context>; rel="http://www.w3.org/ns/json-ld#context"' "JSON-LD context in Link"
validate "the linkset validates against GS1's linkset schema"
ANCHOR=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["linkset"][0]["anchor"])' "$WORK/body")
[ "$ANCHOR" = "$BASE/01/$G14/10/L01%2FA/21/2" ] && ok "anchor is the canonical URI" ||
	fail "anchor is '$ANCHOR'"
N=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1]))["linkset"][0]; print(len(d["https://gs1.org/voc/defaultLink"]), len(d["https://gs1.org/voc/pip"]), d["https://gs1.org/voc/defaultLink"][0]["href"] in [x["href"] for x in d["https://gs1.org/voc/pip"]])' "$WORK/body")
[ "$N" = "1 2 True" ] && ok "one default link, also listed as gs1:pip (vi and en)" ||
	fail "default and pip links: $N"
expect_status 200 "Accept: application/linkset+json" "/01/$G14" -H 'Accept: application/linkset+json'
validate "the product-level linkset validates too"
body_has '"https://gs1.org/voc/certificationInfo"' "product level offers certificationInfo"
body_lacks '"https://gs1.org/voc/traceability"' "and no traceability link"
# the validator is not a rubber stamp: a linkset with a link missing its title fails
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["linkset"][0]["https://gs1.org/voc/pip"][0]["title"]; json.dump(d, open(sys.argv[1], "w"))' "$WORK/body"
if $PY "$STAMP_SOURCE_DIR/tests/e2e/json_schema.py" "$SCHEMA" "$WORK/body" >/dev/null; then
	fail "a linkset without a title passed the schema"; else ok "a broken linkset fails the schema"; fi

# ---- what is refused ------------------------------------------------------------
expect_status 400 "wrong check digit" /01/08936005120012
expect_status 400 "GTIN of 11 digits" /01/89360051200
expect_status 400 "serial before lot" "/01/$G14/21/1/10/L02"
expect_status 400 "a data attribute in the path (17)" "/01/$G14/17/261231"
expect_status 400 "a repeated qualifier" "/01/$G14/10/L02/10/L02"
expect_status 400 "a character outside GS1's set (space)" "/01/$G14/10/L%2002"
expect_status 400 "a lot of 21 characters" "/01/$G14/10/ABCDEFGHIJKLMNOPQRSTU"
expect_status 400 "a bad percent escape" "/01/$G14/10/L%2"
expect_status 404 "a GTIN nobody registered" /01/09506000134369
expect_status 404 "an unknown lot" "/01/$G14/10/NOPE"
expect_status 404 "a serial of another product" "/01/$G14/21/9"
expect_status 404 "a serial outside the lot named" "/01/$G14/10/L02/21/3"
expect_status 404 "a serial not issued" "/01/$G14/21/999"
expect_status 404 "a consumer product variant (22): nothing held" "/01/$G14/22/A"
vd_alive && ok "verifyd still serving" || fail "verifyd died"

# ---- the pages -------------------------------------------------------------------
expect_status 200 "the product page" /P/NM-COT-HH
body_has 'Nước mắm cốt Hoằng Hóa' "product name on it"
body_has 'Trang này không kiểm tra tem' "it says it checks no stamp"
expect_status 200 "the batch page, English" "/L/1?lang=en"
body_has 'L01/A' "the lot on it"
body_has 'Batch information' "in English"
expect_status 200 "the page of a /21/ link" "/L/2?serial=7"
body_has 'ghi số tem 7 nhưng không mang chữ ký số' "it says the address is unsigned"
expect_status 404 "a serial outside the batch" "/L/2?serial=1"
expect_status 404 "no such batch" /L/99
expect_status 404 "batch 0" /L/0
expect_status 404 "no such product" /P/NOPE
expect_status 200 "a product with markup in its name" /P/XSS-1
body_has 'Mắm &lt;b&gt;đậm&lt;/b&gt;' "the name is escaped"
body_lacks '<b>đậm' "no markup from the store"

# ---- the description file, and public_url -----------------------------------------------
expect_status 200 "/.well-known/gs1resolver" /.well-known/gs1resolver
got=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["resolverRoot"], d["supportedPrimaryKeys"], d["supportedLinkType"][0]["prefix"], d["linkTypeDefaultCanBeLinkset"])' "$WORK/body")
[ "$got" = "$BASE ['01'] gs1: False" ] && ok "description: root, key 01, gs1: link types" ||
	fail "description: $got"
expect_loc "http://localhost/P/NM-COT-HH" "a Host that is not a host name is not reflected" \
	"/01/$G14" -H 'Host: evil"><x'
vd_stop
vd_start --registry store --scans scans --public-url https://tem.thanhhoa.gov.vn ||
	{ fail "verifyd did not start"; finish; }
expect_loc "https://tem.thanhhoa.gov.vn/L/1" "public_url is the origin of the links" \
	"/01/$G14/10/L01%2FA" -H 'Host: evil.example'
expect_exit 2 "a public_url with a path is refused" -- "$VERIFYD" --public-url https://x.vn/a \
	--registry store --scans scans2
expect_out 'public_url' "the message names the setting"
vd_stop
finish
