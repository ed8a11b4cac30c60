#!/bin/sh
# stampgen backup and restore, as an operator would use them: a backup taken
# while verifyd reads the store, restored into an empty folder, gives back the
# same batches, stamps, revocations, serials and audit chain; a damaged
# backup, one without its checksum, a file that is no store and a folder that
# is not empty are refused, and nothing is left behind.
. "$(dirname "$0")/lib_verifyd.sh"
G=$STAMPGEN
P=NM-COT-HH
URL=https://tem.thanhhoa.gov.vn

"$G" -q keygen -o k1 >/dev/null
"$G" -q coop import "$SAMPLES/coops.csv" >/dev/null
"$G" -q product import "$SAMPLES/products.csv" >/dev/null
"$G" -q issue --product "$P" --lot A --produced 2026-11-01 --count 50 --key k1.key --base-url "$URL" \
	--out ba --no-images >/dev/null
"$G" -q issue --product "$P" --lot B --produced 2026-11-02 --count 30 --key k1.key --base-url "$URL" \
	--out bb --no-images >/dev/null
"$G" -q -a "Chị Lan" revoke --serials 10-12 --reason stolen --note "Cuộn tem bị mất" >/dev/null
"$G" -q revoke --lot "$P:B" --reason recalled >/dev/null
"$G" -q unrevoke 1 >/dev/null

# verifyd reads the store meanwhile, as in production
vd_start --registry "$OCOPSTAMP_STORE" --scans "$WORK/scans" || { fail "verifyd did not start"; finish; exit 1; }
expect_exit 0 "backup while verifyd runs" -- "$G" backup --out "$WORK/reg.bak"
expect_out "backup .*reg.bak: [0-9]+ bytes, sha256 [0-9a-f]{64}" "backup says its size and checksum"
(cd "$WORK" && sha256sum -c reg.bak.sha256 >/dev/null 2>&1) && ok "sha256sum -c accepts its checksum file" ||
	fail "sha256sum -c refuses reg.bak.sha256"
code=$(awk -F, '$1 == 20 { print $2 }' ba/manifest.csv)
expect_status 200 "verifyd still answers" "/api/v1/stamps/${code##*/S/}"
expect_exit 1 "a second backup to the same name" -- "$G" backup --out "$WORK/reg.bak"
expect_out "already exists" "it says the file exists"

expect_exit 0 "restore into a new folder" -- "$G" -s "$WORK/restored" restore "$WORK/reg.bak"
for view in "batch list" "revoke list" "serials" "audit list" "key list" "product list" "coop list"; do
	# shellcheck disable=SC2086
	"$G" $view >"$WORK/a.txt" 2>&1
	# shellcheck disable=SC2086
	"$G" -s "$WORK/restored" $view >"$WORK/b.txt" 2>&1
	if cmp -s "$WORK/a.txt" "$WORK/b.txt" && [ -s "$WORK/a.txt" ]; then ok "restored: $view is the same"
	else fail "restored: $view differs"; diff "$WORK/a.txt" "$WORK/b.txt" | head -5 | sed 's/^/     | /'; fi
done
for db in stamps batches revocations revidx audit reserved; do
	mdb_dump -s $db "$OCOPSTAMP_STORE" >"$WORK/a.dump"
	mdb_dump -s $db "$WORK/restored" >"$WORK/b.dump"
	cmp -s "$WORK/a.dump" "$WORK/b.dump" && ok "restored: database $db is byte-identical" ||
		fail "restored: database $db differs"
done
"$G" audit verify >"$WORK/a.txt"
"$G" -s "$WORK/restored" audit verify >"$WORK/b.txt"
grep -q "^INTACT: 10 entries; head [0-9a-f]\{64\}" "$WORK/b.txt" && cmp -s "$WORK/a.txt" "$WORK/b.txt" &&
	ok "restored: the audit chain is intact, with the same head hash" ||
	fail "restored audit: $(cat "$WORK/b.txt")"
expect_exit 1 "a restored stamp keeps its revocation" -- "$G" -s "$WORK/restored" verify \
	"$(awk -F, '$1 == 60 { print $2 }' bb/manifest.csv)"
expect_out "REVOKED: recalled" "it is the recall"

# refusals: each leaves the target as it was
expect_exit 1 "restore into a folder that is not empty" -- "$G" -s "$WORK/restored" restore "$WORK/reg.bak"
expect_out "not empty" "it says the folder is not empty"
cp "$WORK/reg.bak" "$WORK/damaged.bak"
cp "$WORK/reg.bak.sha256" "$WORK/damaged.bak.sha256"
printf 'x' | dd of="$WORK/damaged.bak" bs=1 seek=5000 conv=notrunc 2>/dev/null
expect_exit 1 "restore a damaged backup" -- "$G" -s "$WORK/r2" restore "$WORK/damaged.bak"
expect_out "checksum does not match" "it names the checksum"
[ ! -e "$WORK/r2" ] && ok "the damaged backup left no folder" || fail "a folder was left: $(ls "$WORK/r2")"
cp "$WORK/reg.bak" "$WORK/nosum.bak"
expect_exit 1 "restore a backup without its checksum" -- "$G" -s "$WORK/r3" restore "$WORK/nosum.bak"
expect_out "no checksum file" "it asks for the checksum file"
echo "not a store" >"$WORK/text.bak"
(cd "$WORK" && sha256sum text.bak >text.bak.sha256)
mkdir "$WORK/r4"
expect_exit 1 "restore a file that is no store (checksum right)" -- "$G" -s "$WORK/r4" restore "$WORK/text.bak"
expect_out "not an ocopstamp store" "it says so"
[ -z "$(ls -A "$WORK/r4")" ] && ok "the empty folder stays empty" || fail "left in r4: $(ls -A "$WORK/r4")"
finish
