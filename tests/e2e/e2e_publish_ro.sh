#!/bin/sh
# Publishing into a registry folder that verifyd reads through a read-only
# bind mount, as the systemd unit sets it up (ReadOnlyPaths=): there LMDB
# opens the snapshot without a lock file, and deploy/publish-registry renames
# data.mdb and data.mdb.sha256 into the folder (it is a folder, not a link).
# A newer snapshot is served after the script's SIGHUP, an older one is
# refused and the newer files are put back. Mounting needs root: exit 77
# (skipped) without it, or where bind mounts are not allowed.
. "$(dirname "$0")/lib_verifyd.sh"
PUB="$STAMP_SOURCE_DIR/deploy/publish-registry"
g() { "$STAMPGEN" -q "$@"; }
URL=https://tem.thanhhoa.gov.vn
[ "$(id -u)" = 0 ] || { echo "skipped: needs root to mount"; exit 77; }

MOUNTED=
ro_cleanup() {
	if [ -n "$VD_PID" ]; then kill -9 "$VD_PID" 2>/dev/null || true; wait "$VD_PID" 2>/dev/null || true; VD_PID=; fi
	[ -z "$MOUNTED" ] || umount "$MOUNTED" || umount -l "$MOUNTED" || true
	MOUNTED=
	vd_cleanup
}
trap ro_cleanup EXIT

g keygen -o k1 >/dev/null
g coop import "$SAMPLES/coops.csv" >/dev/null
g product import "$SAMPLES/products.csv" >/dev/null
g issue --product NM-COT-HH --lot L1 --produced 2026-11-01 --count 50 --key k1.key \
	--base-url "$URL" --out b1 --no-images >/dev/null
g backup --out snap1.bak >/dev/null
g issue --product NM-COT-HH --lot L2 --produced 2026-11-15 --count 50 --key k1.key \
	--base-url "$URL" --out b2 --no-images >/dev/null
g backup --out snap2.bak >/dev/null
SHA1=$(cut -c1-64 snap1.bak.sha256)
SHA2=$(cut -c1-64 snap2.bak.sha256)

mkdir reg view
expect_exit 0 "first publication into a plain folder" -- sh "$PUB" --from snap1.bak "$WORK/reg,none,"
if ! mount --bind "$WORK/reg" "$WORK/view" 2>/dev/null; then echo "skipped: bind mounts not allowed"; exit 77; fi
MOUNTED=$WORK/view
mount -o remount,bind,ro "$WORK/view" || { echo "skipped: cannot make the bind mount read-only"; exit 77; }
touch view/probe 2>/dev/null && fail "the view is writable" || ok "verifyd's view of the folder is read-only"

vd_start --registry "$WORK/view" --scans "$WORK/scans" || { fail "verifyd starts"; finish; }
echo "$VD_PID" >vd.pid
[ ! -e reg/lock.mdb ] && ok "no lock file: LMDB opened the read-only snapshot without one" || fail "a lock.mdb appeared"
fetch /healthz -H 'Accept: application/json'
json_is registry.sha256 "$SHA1" "verifyd serves the first snapshot"

R="$WORK/reg,pid:$WORK/vd.pid,$BASE"
expect_exit 0 "publish the newer snapshot into the folder" -- sh "$PUB" --from snap2.bak "$R"
fetch /healthz -H 'Accept: application/json'
json_is registry.sha256 "$SHA2" "verifyd serves the newer one, through the read-only view"
json_is registry.batches 2 "with its two batches"
json_is registry.checksum verified "its checksum file vouched for it"
B32=$(manifest_code b2 75)
expect_status 200 "a code of the new batch" "/api/v1/stamps/$B32"
json_is verdict genuine "is genuine"

expect_exit 1 "publish the older snapshot: refused" -- sh "$PUB" --from snap1.bak "$R"
expect_out "verifyd refused it: the new snapshot is older" "the script says verifyd refused it as older"
fetch /healthz -H 'Accept: application/json'
json_is registry.sha256 "$SHA2" "verifyd still serves the newer one"
[ "$(sha256sum <reg/data.mdb | cut -c1-64)" = "$SHA2" ] && (cd reg && sha256sum -c --status data.mdb.sha256) &&
	ok "the newer files are back in the folder, with their checksum" || fail "the folder does not hold the newer snapshot"
[ "$(find . -maxdepth 1 -name '.incoming*' | wc -l)" = 0 ] && ok "no temporary copy left" || fail "temporary copies left"

vd_stop TERM
[ "$VD_RC" = 0 ] && ok "SIGTERM: exit 0" || fail "SIGTERM: exit $VD_RC"
finish
