#!/bin/sh
# A full disk is named as such (issue #9): a store on a 512 KiB tmpfs is
# filled by registering cooperatives until a write fails; the message says
# "disk full" with the free space and the folder, the failed command changed
# nothing (mdb_dump before and after), and the store still opens and checks
# clean. Needs root to mount: exit 77 (skipped) without it.
. "$(dirname "$0")/lib.sh"
MNT="$WORK/tiny"
mkdir "$MNT"
if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=512k tmpfs "$MNT" 2>/dev/null; then
	echo "skipped: mounting a tmpfs needs root"
	exit 77
fi
trap 'umount "$MNT" 2>/dev/null; rm -rf "$WORK"' EXIT INT TERM
export OCOPSTAMP_STORE="$MNT/store"
LONG=$(printf 'Hợp tác xã nông nghiệp dịch vụ tổng hợp %.0s' 1 2 3)
i=0
got=0
while [ $i -lt 2000 ]; do
	i=$((i + 1))
	dump_store before.dump 2>/dev/null || : >before.dump
	set +e
	"$STAMPGEN" -q coop add --id "HTX-$i" --name "$LONG $i" --district "Như Thanh" \
		--province "Thanh Hóa" --address "$LONG, thôn $i" >out 2>&1
	got=$?
	set -e
	[ $got -eq 0 ] || break
done
[ $got -ne 0 ] && ok "the tmpfs filled after $i cooperatives (exit $got)" ||
	fail "2000 cooperatives fit in 512 KiB?"
[ $got -le 128 ] && ! grep -Eq "Sanitizer|runtime error:" out && ok "no signal, no sanitizer report" ||
	{ fail "died: exit $got"; sed 's/^/     | /' out; }
if grep -Eq "^stampgen: store: disk full: [0-9]+ bytes free on the filesystem holding $MNT/store \(the change was not made\)$" out; then
	ok "the message says disk full, with the free space and the folder"
else
	fail "no 'disk full' message"
	sed 's/^/     | /' out
fi
dump_store after.dump
cmp -s before.dump after.dump && ok "the failed command changed nothing" ||
	fail "the store changed after the failed command"
expect_exit 0 "the store still opens and checks clean" -- "$STAMPGEN" check
expect_exit 0 "HTX-$((i - 1)), the last one that fitted, is there" -- \
	"$STAMPGEN" coop show "HTX-$((i - 1))"
finish
