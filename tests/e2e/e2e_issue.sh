#!/bin/sh
# End to end, as an officer would: key, sample registry, 1,000 stamps, real
# QR decoders on the PNGs, offline verification, forgeries, bad input that
# must leave the store byte-identical, re-rendering, an interrupted issue.
. "$(dirname "$0")/lib.sh"
G="$STAMPGEN"
URL=https://tem.thanhhoa.gov.vn

expect_exit 0 "dry run on a store that does not exist yet" -- "$G" coop import --dry-run "$SAMPLES/coops.csv"
expect_out "checked, none written" "dry run says nothing was written"
[ ! -e "$OCOPSTAMP_STORE" ] && ok "a dry run creates no store" || fail "a dry run created $OCOPSTAMP_STORE"
expect_exit 0 "keygen" -- "$G" keygen -o k1 --label test
# The public file cannot be created (here a dangling symlink: O_EXCL refuses it):
# keygen must not leave the new secret key behind without its public half.
ln -s nowhere k0.pub
expect_exit 2 "keygen whose .pub cannot be created" -- "$G" keygen -o k0
[ ! -e k0.key ] && ok "no secret key left without its .pub" || fail "k0.key left behind"
rm -f k0.pub k0.key
mode=$(stat -c %a k1.key)
[ "$mode" = 600 ] && ok "secret key file is 0600" || fail "secret key mode $mode"
expect_exit 0 "import sample cooperatives" -- "$G" coop import "$SAMPLES/coops.csv"
expect_exit 0 "import sample products" -- "$G" product import "$SAMPLES/products.csv"
expect_out "imported" "import says how many"
"$G" product list >products.txt
P=$(sed -n 2p products.txt | cut -f1)
[ -n "$P" ] && ok "product list shows $P" || fail "no product listed"

expect_exit 0 "issue 1000 stamps" -- "$G" issue --product "$P" --lot LOT-1 --produced 2026-11-01 \
	--count 1000 --key k1.key --base-url "$URL" --out b1
n=$(ls b1/*.png | wc -l)
[ "$n" -eq 1000 ] && ok "1000 PNG files" || fail "$n PNG files"
rows=$(($(wc -l <b1/manifest.csv) - 1))
[ "$rows" -eq 1000 ] && ok "manifest has 1000 rows" || fail "manifest has $rows rows"
[ "$(cut -d, -f2 b1/manifest.csv | sed 1d | sort -u | wc -l)" -eq 1000 ] &&
	ok "1000 distinct codes" || fail "codes are not distinct"
ls -d b1.tmp-* >/dev/null 2>&1 && fail "temporary folder left behind" || ok "no temporary folder left"

# A sample of the PNGs through two independent real decoders; each decoded
# text must be the manifest's code and verify as genuine.
bad=0
for serial in 1 2 3 137 500 999 1000; do
	f=$(printf '%010d.png' "$serial")
	want=$(awk -F, -v s="$serial" '$1 == s { print $2 }' b1/manifest.csv)
	z=$(zbarimg --raw -q --nodbus "b1/$f" || true)
	x=$(ZXingReader "b1/$f" | sed -n 's/^Text: *"\(.*\)"$/\1/p')
	[ "$z" = "$want" ] || { bad=1; echo "zbarimg $f: '$z' != '$want'"; }
	[ "$x" = "$want" ] || { bad=1; echo "ZXingReader $f: '$x' != '$want'"; }
	"$G" verify "$z" >out 2>&1 || { bad=1; cat out; }
	grep -q "GENUINE" out || bad=1
done
[ $bad -eq 0 ] && ok "zbarimg and ZXingReader decode the stamps; verify says genuine" ||
	fail "decoding or verification of sampled stamps"

CODE=$(sed -n 2p b1/manifest.csv | cut -d, -f2)
expect_exit 0 "verify a code with the store" -- "$G" verify "$CODE"
expect_out "GENUINE" "verdict genuine"
expect_out "lot LOT-1" "verify names the batch"
expect_exit 0 "verify lower-case code" -- "$G" verify "$(echo "$CODE" | tr 'A-Z' 'a-z')"
expect_exit 0 "verify a PNG offline with only the public key" -- "$G" verify --no-store --pub k1.pub b1/0000000010.png
expect_out "GENUINE" "offline verdict genuine"

# One character of the signature changed: forged, exit 1.
pos=$((${#CODE} - 20))
c=$(printf '%s' "$CODE" | cut -c$pos)
[ "$c" = A ] && r=B || r=A
FORGED="$(printf '%s' "$CODE" | cut -c1-$((pos - 1)))$r$(printf '%s' "$CODE" | cut -c$((pos + 1))-)"
expect_exit 1 "flipped character is rejected" -- "$G" verify "$FORGED"
expect_out "FORGED" "verdict forged"
expect_exit 1 "garbage is malformed" -- "$G" verify "HTTPS://TEM.THANHHOA.GOV.VN/S/NOTACODE"
expect_out "MALFORMED" "verdict malformed"
"$G" -s other keygen -o k2 >/dev/null
expect_exit 1 "code of an unknown key" -- "$G" verify --no-store --pub k2.pub "$CODE"
expect_out "UNKNOWN KEY" "verdict unknown key"

# Bad input: exit 1, the line number, and a byte-identical store.
dump_store before.dump
printf 'id,name,district,province,address\nHTX-A,HTX A,Nga Sơn,Thanh Hóa,xã Nga Liên\nHTX-A,HTX B,Nga Sơn,Thanh Hóa,xã Nga Liên\n' >dup.csv
expect_exit 1 "CSV with a duplicate id" -- "$G" coop import dup.csv
expect_out "dup.csv:3:" "error names file and line 3"
printf 'id,coop_id,name,group,stars,ocop_decision,ocop_date,cert_valid_until\nX1,NO-SUCH,Chè lam,Thực phẩm,6,1/QĐ-UBND,2024-01-01,2027-01-01\n' >bad.csv
expect_exit 1 "CSV with a bad star rating" -- "$G" product import bad.csv
expect_out 'bad.csv:2: column "stars"' "error names line and column"
expect_exit 1 "same lot twice" -- "$G" issue --product "$P" --lot LOT-1 --produced 2026-11-01 \
	--count 5 --key k1.key --base-url "$URL" --out b-dup
expect_exit 1 "print gate refuses a 10 mm stamp at 600 dpi" -- "$G" issue --product "$P" --lot LOT-2 \
	--produced 2026-11-01 --count 5 --key k1.key --base-url "$URL" --out b-small --size-mm 10
expect_out "0.375" "print gate names the minimum"
expect_exit 1 "unregistered key" -- "$G" issue --product "$P" --lot LOT-3 --produced 2026-11-01 \
	--count 5 --key k2.key --base-url "$URL" --out b-k2
dump_store after.dump
cmp -s before.dump after.dump && ok "store unchanged by rejected input" || fail "store changed"
[ ! -e b-dup ] && [ ! -e b-small ] && [ ! -e b-k2 ] && ok "no output folders for rejected issues" ||
	fail "output folder left by a rejected issue"

# A kill during a large issue stores no batch and no stamp; its serials stay
# reserved (they were committed before signing) and are never signed again.
for db in batches lots stamps; do mdb_dump -s $db "$OCOPSTAMP_STORE" >"before-kill.$db"; done
"$G" -q issue --product "$P" --lot LOT-KILL --produced 2026-11-01 --count 200000 --key k1.key \
	--base-url "$URL" --out b-kill &
pid=$!
sleep 1
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
same=1
for db in batches lots stamps; do
	mdb_dump -s $db "$OCOPSTAMP_STORE" | cmp -s - "before-kill.$db" || same=0
done
[ $same = 1 ] && ok "kill -9 during issue stores no batch, lot or stamp" ||
	fail "a killed issue changed the batches, lots or stamps"
[ -n "$(ls -d b-kill.tmp-* 2>/dev/null)" ] && ok "the killed issue left its temporary folder" ||
	fail "no temporary folder: the kill came too late to test the sweep"
# The next issue on this machine burns the dead one's serials and removes its folder.
expect_exit 0 "the next issue" -- "$G" issue --product "$P" --lot LOT-NEXT --produced 2026-11-01 \
	--count 2 --key k1.key --base-url "$URL" --out b-next --no-images
expect_out "serials 1001-201000 of an issuance that did not complete .* are burned; its temporary folder .*b-kill.tmp-.* was removed" \
	"it reports the burned serials and the removed folder"
expect_exit 0 "stampgen serials" -- "$G" serials
expect_out "^1001-201000	burned	$P	LOT-KILL	" "serials lists the killed issue's range as burned"
expect_out "^201001-201002	batch 2	$P	LOT-NEXT	" "and the next batch after it"
[ -z "$(ls -d b-kill.tmp-* 2>/dev/null)" ] && ok "the stale temporary folder is gone" ||
	fail "the stale temporary folder is still there"
[ "$(sed -n 2p b-next/manifest.csv | cut -d, -f1)" = 201001 ] && ok "serials continue after the burned ones" ||
	fail "serials after the kill: $(sed -n 2p b-next/manifest.csv)"

# Rendering a batch again gives the same bytes.
expect_exit 0 "render batch 1 again" -- "$G" render --batch 1 --out b1-again
diff -r b1 b1-again >/dev/null && ok "re-render is byte-identical" || fail "re-render differs"
# A folder typed with a trailing slash, as shells complete it (README: --out pages/)
expect_exit 0 "render --out DIR/" -- "$G" render --batch 1 --out b1-slash/ --no-images
[ -f b1-slash/manifest.csv ] && ok "render --out DIR/ writes DIR" || fail "render --out DIR/: no DIR"

# Passphrase-protected key: needs the passphrase, from a file or the environment.
echo "mật khẩu tỉnh" >pass.txt
chmod 600 pass.txt # a passphrase file is held to a secret key file's mode
expect_exit 0 "keygen with a passphrase" -- "$G" keygen -o k3 --passphrase-file pass.txt
expect_exit 2 "encrypted key without passphrase" -- "$G" issue --product "$P" --lot LOT-4 \
	--produced 2026-11-01 --count 3 --key k3.key --base-url "$URL" --out b4
expect_out "passphrase" "says a passphrase is needed"
expect_exit 0 "encrypted key with OCOPSTAMP_PASSPHRASE" -- env OCOPSTAMP_PASSPHRASE="mật khẩu tỉnh" \
	"$G" issue --product "$P" --lot LOT-4 --produced 2026-11-01 --count 3 --key k3.key --base-url "$URL" \
	--out b4 --no-images
[ "$(sed -n 2p b4/manifest.csv | cut -d, -f1)" = 201003 ] && ok "serials continue after batch 2" ||
	fail "serials of batch 2: $(sed -n 2p b4/manifest.csv)"
chmod 644 k1.key
expect_exit 2 "group-readable secret key is refused" -- "$G" issue --product "$P" --lot LOT-5 \
	--produced 2026-11-01 --count 3 --key k1.key --base-url "$URL" --out b5
expect_out "chmod" "message says how to fix it"
finish
