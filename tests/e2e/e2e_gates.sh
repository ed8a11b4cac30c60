#!/bin/sh
# What stampgen refuses at its doors (issue #9): registry text holding
# invisible direction or formatting characters, on the command line and in a
# CSV (exit 1, the store unchanged); a --passphrase-file that group or others
# may read (exit 2, as a secret key file, nothing created; mode 0600 works);
# and $OCOPSTAMP_PASSPHRASE does not stay readable in /proc/PID/environ while
# the program runs.
. "$(dirname "$0")/lib.sh"
g() { "$STAMPGEN" -q "$@"; }
URL=https://tem.thanhhoa.gov.vn

g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null

# ---- invisible characters in registry text ----------------------------------
RLO=$(printf '\342\200\256') # U+202E RIGHT-TO-LEFT OVERRIDE
ZWJ=$(printf '\342\200\215') # U+200D ZERO WIDTH JOINER
SHY=$(printf '\302\255')     # U+00AD SOFT HYPHEN
dump_store before.dump
expect_exit 1 "coop add with U+202E in the name" -- \
	"$STAMPGEN" coop add --id HTX-RLO --name "HTX ${RLO}gnóc ồđ" --district "Như Thanh" \
	--province "Thanh Hóa" --address "Thôn Một"
expect_out 'column "name": U\+202E \(right-to-left override\) is not allowed: it can make a name read differently on the page' \
	"the message names the field and the code point"
expect_exit 1 "coop add with a zero width joiner in the address" -- \
	"$STAMPGEN" coop add --id HTX-ZWJ --name "HTX Một" --district "Như Thanh" \
	--province "Thanh Hóa" --address "Thôn${ZWJ} Một"
expect_out 'U\+200D \(zero width joiner\)' "ZWJ named"
expect_exit 1 "product add with a soft hyphen in the name" -- \
	"$STAMPGEN" product add --id SP-SHY --coop_id HTX-KHUCPHU --name "Nước m${SHY}ắm" \
	--group "Thực phẩm" --stars 4 --ocop_decision 1/QĐ-UBND --ocop_date 2025-01-01 \
	--cert_valid_until 2028-01-01
expect_out 'U\+00AD \(soft hyphen\)' "soft hyphen named"
printf 'id,name,district,province,address\nHTX-C1,HTX Một,Như Thanh,Thanh Hóa,Thôn Một\nHTX-C2,HTX Hai,Như Thanh,Thanh Hóa,"Thôn%s Hai"\n' \
	"$RLO" >bidi.csv
expect_exit 1 "a CSV with U+202E on line 3" -- "$STAMPGEN" coop import bidi.csv
expect_out 'bidi.csv:3: column "address": U\+202E' "the CSV error names line and column"
dump_store after.dump
cmp -s before.dump after.dump && ok "nothing of it reached the store" ||
	fail "the store changed after refused input"

# ---- the passphrase file's mode ---------------------------------------------
printf 'lúa thơm Nga Sơn 2026\n' >pass.txt
chmod 0644 pass.txt
expect_exit 2 "keygen with a passphrase file readable by others" -- \
	"$STAMPGEN" keygen -o k1 --passphrase-file pass.txt
expect_out "pass.txt: mode 0644 lets group or others read the passphrase; run: chmod 600 pass.txt" \
	"the refusal says chmod 600 FILE"
[ ! -e k1.key ] && [ ! -e k1.pub ] && ok "no key files were created" || fail "key files exist"
chmod 0640 pass.txt
expect_exit 2 "a passphrase file readable by the group" -- \
	"$STAMPGEN" keygen -o k1 --passphrase-file pass.txt
chmod 0600 pass.txt
expect_exit 0 "keygen with a 0600 passphrase file" -- "$STAMPGEN" keygen -o k1 --passphrase-file pass.txt
grep -q '^kdf' k1.key && ok "the secret key is encrypted" || fail "k1.key not encrypted: $(head -3 k1.key)"
chmod 0644 pass.txt
expect_exit 2 "issue with the passphrase file opened up again" -- \
	"$STAMPGEN" issue --product NM-COT-HH --lot L1 --produced 2026-11-01 --count 5 \
	--key k1.key --passphrase-file pass.txt --base-url "$URL" --out b1 --no-images
expect_out "chmod 600 pass.txt" "issue says chmod 600 too"
[ ! -e b1 ] && [ -z "$("$STAMPGEN" batch list | sed 1d)" ] && ok "no batch was issued" ||
	fail "a batch was issued with a refused passphrase file"
chmod 0600 pass.txt
expect_exit 0 "issue with the 0600 passphrase file" -- \
	"$STAMPGEN" issue --product NM-COT-HH --lot L1 --produced 2026-11-01 --count 5 \
	--key k1.key --passphrase-file pass.txt --base-url "$URL" --out b1 --no-images

# ---- $OCOPSTAMP_PASSPHRASE does not linger in /proc/PID/environ -------------
# A long issuance; its environment block is read while it runs. Before the
# key is loaded the value is there; after, it must be gone for good.
SECRET='lúa thơm Nga Sơn 2026'
OCOPSTAMP_PASSPHRASE=$SECRET "$STAMPGEN" -q issue --product NM-COT-HH --lot L2 \
	--produced 2026-11-01 --count 150000 --key k1.key --base-url "$URL" --out b2 \
	--no-images >issue.out 2>&1 &
pid=$!
seen=unknown
i=0
while [ $i -lt 600 ] && kill -0 "$pid" 2>/dev/null; do
	envtxt=$(tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null) || envtxt=
	if printf '%s\n' "$envtxt" | grep -qF "$SECRET"; then
		seen=present
	elif printf '%s\n' "$envtxt" | grep -q '^OCOPSTAMP_STORE=' && kill -0 "$pid" 2>/dev/null; then
		seen=gone # read while the process was alive
		break
	fi
	sleep 0.05
	i=$((i + 1))
done
rc=0
wait "$pid" || rc=$?
[ "$seen" = gone ] && ok "the passphrase left /proc/PID/environ while issue ran" ||
	fail "the passphrase stayed in /proc/PID/environ ($seen)"
[ $rc -eq 0 ] && ok "issue with \$OCOPSTAMP_PASSPHRASE worked (exit 0)" ||
	{ fail "issue with \$OCOPSTAMP_PASSPHRASE: exit $rc"; sed 's/^/     | /' issue.out; }
finish
