#!/bin/sh
# stampgen export epcis (issue #8): the batches, their production stages and
# revocations as a GS1 EPCIS 2.0 JSON-LD document, validated with ajv
# (tests/js/json_valid.mjs, installed by scripts/install-deps) against the
# official EPCIS 2.0 JSON schema (tests/vectors/epcis-2.0-json-schema.json,
# from gs1/EPCIS); a document with an event missing its time zone fails it.
# Commissioning lists the stamps as GS1 Digital Link URIs for a product with
# a GTIN and as their own URLs without one; a batch of more than 10,000
# stamps is a class-level quantity; each stage has its CBV bizStep (a term of
# our own as a URN), a GLN location where one is given, a stage naming its
# source lot is a TransformationEvent; a revoked serial is a
# decommissioning with its disposition. --since takes every batch from a
# date; an existing file is never overwritten.
. "$(dirname "$0")/lib.sh"
g() { "$STAMPGEN" -q "$@"; }
SCHEMA="$STAMP_SOURCE_DIR/tests/vectors/epcis-2.0-json-schema.json"
VALID="node $STAMP_SOURCE_DIR/tests/js/json_valid.mjs"
[ -d "$STAMP_SOURCE_DIR/tests/js/node_modules/ajv" ] ||
	{ fail "no ajv in tests/js (scripts/install-deps runs npm ci)"; finish; }

g keygen -o k1 >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
g event import "$SAMPLES/events.csv" >/dev/null
issue() { # PRODUCT LOT COUNT OUT
	g issue --product "$1" --lot "$2" --produced 2026-11-01 --count "$3" --key k1.key \
		--base-url https://tem.thanhhoa.gov.vn --out "$4" --no-images
}
issue NM-COT-HH L01/A 5 a # batch 1 (GTIN 8936005120011)
g event add --batch 1 --stage shipping --at "2026-11-20 08:30" --place "Kho Hoằng Hóa" \
	--gln 8936005120004 --note "Xe 36C-123" >/dev/null
g revoke --serial 3 --reason stolen --note "Mất trộm tại kho" --actor test >/dev/null

# ---- one batch --------------------------------------------------------------------
expect_exit 0 "export --batch 1" -- "$STAMPGEN" export epcis --batch 1 --out b1.jsonld
expect_out 'EPCIS 2.0 document b1.jsonld: 7 events' "commissioning, 4 product stages, shipping, 1 revocation"
if $VALID "$SCHEMA" b1.jsonld >v.out; then ok "valid against the EPCIS 2.0 JSON schema (ajv)"; else
	fail "not valid:"; sed 's/^/     | /' v.out; fi
q() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); e=d['epcisBody']['eventList']; print($2)" "$1"; }
[ "$(q b1.jsonld "d['type'], d['schemaVersion'], d['@context'][0]")" = \
	"EPCISDocument 2.0 https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld" ] &&
	ok "EPCISDocument, schemaVersion 2.0, the EPCIS 2.0 context" || fail "document header"
[ "$(q b1.jsonld "e[0]['type'], e[0]['action'], e[0]['bizStep'], e[0]['disposition'], len(e[0]['epcList'])")" = \
	"ObjectEvent ADD commissioning active 5" ] && ok "commissioning of the 5 stamps" ||
	fail "commissioning: $(q b1.jsonld "e[0]")"
[ "$(q b1.jsonld "e[0]['epcList'][2]")" = "https://tem.thanhhoa.gov.vn/01/08936005120011/10/L01%2FA/21/3" ] &&
	ok "stamps as GS1 Digital Link URIs (GTIN-14, lot, serial)" || fail "epcList: $(q b1.jsonld "e[0]['epcList']")"
[ "$(q b1.jsonld "[x['bizStep'] for x in e[1:6]]")" = \
	"['receiving', 'urn:ocopstamp:bizstep:fermenting', 'inspecting', 'packing', 'shipping']" ] &&
	ok "the stages in time order with their bizSteps" || fail "stages: $(q b1.jsonld "[x['bizStep'] for x in e]")"
[ "$(q b1.jsonld "e[1]['type'], e[1]['inputEPCList'][0].split('#')[1], e[1]['ocop:source'][:9]")" = \
	"TransformationEvent source-p-1 lô cá cơm" ] &&
	ok "a stage naming its source lot is a TransformationEvent from it" || fail "source: $(q b1.jsonld "e[1]")"
[ "$(q b1.jsonld "e[5]['bizLocation']['id'], e[5]['eventTime'], e[5]['ocop:note']")" = \
	"https://id.gs1.org/414/8936005120004 2026-11-20T08:30:00+07:00 Xe 36C-123" ] &&
	ok "a GLN is the location, the time is Vietnam's" || fail "shipping: $(q b1.jsonld "e[5]")"
[ "$(q b1.jsonld "e[6]['bizStep'], e[6]['disposition'], e[6]['ocop:serials'], e[6]['quantityList'][0]['quantity']")" = \
	"decommissioning stolen {'first': 3, 'last': 3} 1" ] &&
	ok "the revoked serial: decommissioning, disposition stolen" || fail "revocation: $(q b1.jsonld "e[6]")"
# the validator is not a rubber stamp
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); del d['epcisBody']['eventList'][1]['eventTimeZoneOffset']; json.dump(d, open(sys.argv[2], 'w'))" b1.jsonld broken.jsonld
if $VALID "$SCHEMA" broken.jsonld >/dev/null; then fail "a document without eventTimeZoneOffset passed"; else
	ok "an event without its time zone fails the schema"; fi

# ---- without a GTIN, and a large batch -------------------------------------------------
issue CHIEU-COI-NS C1 2 c # batch 2: no GTIN
issue MATONG-PL M1 10001 m # batch 3: 10,001 stamps
expect_exit 0 "export --since" -- "$STAMPGEN" export epcis --since 2026-01-01 --out all.jsonld
if $VALID "$SCHEMA" all.jsonld >v.out; then ok "the whole export validates"; else
	fail "not valid:"; sed 's/^/     | /' v.out; fi
[ "$(q all.jsonld "[x['epcList'][0][:31] for x in e if x.get('action') == 'ADD' and x['ocop:batch'] == 2]")" = \
	"['HTTPS://TEM.THANHHOA.GOV.VN/S/A']" ] && ok "without a GTIN the stamps are their own URLs" ||
	fail "batch 2: $(q all.jsonld "[x for x in e if x.get('ocop:batch') == 2]")"
[ "$(q all.jsonld "[('epcList' in x, x['quantityList']) for x in e if x.get('action') == 'ADD' and x['ocop:batch'] == 3]")" = \
	"[(False, [{'epcClass': 'https://tem.thanhhoa.gov.vn/L/3', 'quantity': 10001}])]" ] &&
	ok "10,001 stamps: a class-level quantity" ||
	fail "batch 3: $(q all.jsonld "[x for x in e if x.get('ocop:batch') == 3 and x.get('action') == 'ADD']")"

# ---- refused -------------------------------------------------------------------------
expect_exit 2 "an existing file is not overwritten" -- "$STAMPGEN" export epcis --batch 1 --out all.jsonld
expect_out 'all.jsonld: File exists' "says so"
python3 -c "import json,sys; json.load(open(sys.argv[1]))" all.jsonld && ok "the file is as it was" || fail "overwritten"
expect_exit 1 "an unknown batch" -- "$STAMPGEN" export epcis --batch 99 --out x.jsonld
[ ! -e x.jsonld ] && [ ! -e x.jsonld.partial ] && ok "and no file left behind" || fail "a file was left"
expect_exit 2 "--batch and --since together" -- "$STAMPGEN" export epcis --batch 1 --since 2026-01-01 --out y.jsonld
finish
