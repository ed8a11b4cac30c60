#!/bin/sh
# The Debian packages, as an administrator gets them: the source tree (what git
# tracks, plus new files not ignored) is copied to a temporary folder, built
# with `dpkg-buildpackage -us -uc -b` (and `dpkg-source -b`), checked by
# lintian (no error allowed), installed with apt-get, and tried through the
# INSTALLED files only: the versions, verifyd's libraries (no printing stack),
# the system user, the conffile and the unit, the manual pages, a small C
# program built with pkg-config against the installed headers, and a round
# trip stampgen -> verifyd -> curl. Then everything is purged and checked gone.
#
# It needs root or passwordless sudo (apt-get), and a machine where none of
# this is installed yet; otherwise it exits 77 (skipped). On every exit path it
# stops the verifyd it started and purges what it installed (with the verifyd
# user and any package apt pulled in), leaving the machine as it found it.
set -eu
: "${STAMP_SOURCE_DIR:?STAMP_SOURCE_DIR must name the source tree}"
T0=$(date +%s)

skip() { echo "skip: $*"; exit 77; }
if [ "$(id -u)" -eq 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO="sudo -n"
else
	skip "installing packages needs root or passwordless sudo"
fi
for t in dpkg-buildpackage apt-get dpkg-query; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not found: not a Debian machine"
done

CONTROL="$STAMP_SOURCE_DIR/debian/control"
PKGS=$(sed -n 's/^Package: *//p' "$CONTROL")
installed() { dpkg-query -W -f='${db:Status-Status}\n' "$1" 2>/dev/null | grep -qx installed; }
for p in $PKGS; do
	installed "$p" && skip "$p is already installed: this test would remove it"
done
for f in /etc/verifyd.ini /var/lib/verifyd /var/lib/ocopstamp /usr/bin/stampgen /usr/sbin/verifyd; do
	[ -e "$f" ] && skip "$f exists: a deployment is on this machine, left alone"
done
USER_BEFORE=no
getent passwd verifyd >/dev/null && USER_BEFORE=yes
GROUP_BEFORE=no
getent group verifyd >/dev/null && GROUP_BEFORE=yes

# The installed binaries, for lib.sh's checks and its helpers.
STAMPGEN=/usr/bin/stampgen
VERIFYD=/usr/sbin/verifyd
export STAMPGEN VERIFYD
. "$(dirname "$0")/lib_verifyd.sh"
VERSION=$(dpkg-parsechangelog -l "$STAMP_SOURCE_DIR/debian/changelog" -S Version)
UPSTREAM=${VERSION%%-*}
APT="$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Use-Pty=0"

# pkg_list: the packages dpkg knows of (installed or with conffiles left), sorted
pkg_list() {
	dpkg-query -W -f='${db:Status-Status} ${binary:Package}\n' |
		awk '$1 != "not-installed" { sub(/:.*/, "", $2); print $2 }' | LC_ALL=C sort -u
}
# to_purge: ours that dpkg knows of, and those apt pulled in with them
to_purge() {
	[ -f "$WORK/before" ] || return 0
	pkg_list >"$WORK/now"
	LC_ALL=C comm -13 "$WORK/before" "$WORK/now" | tr '\n' ' '
}

# On every exit: stop verifyd, purge what was installed and what apt pulled in
# with it, remove the verifyd user and group if this test made them.
pkg_cleanup() {
	rc=$?
	set +e
	if [ -n "$VD_PID" ] && kill -0 "$VD_PID" 2>/dev/null; then
		kill -9 "$VD_PID" 2>/dev/null
		wait "$VD_PID" 2>/dev/null
	fi
	left=$(to_purge)
	if [ -n "$left" ]; then
		echo "cleanup: purging $left"
		# shellcheck disable=SC2086
		timeout 300 $APT purge -y $left >"$WORK/cleanup.log" 2>&1 ||
			{ echo "cleanup: purge failed:"; sed 's/^/     | /' "$WORK/cleanup.log"; }
	fi
	if [ "$USER_BEFORE" = no ] && getent passwd verifyd >/dev/null; then $SUDO userdel verifyd; fi
	if [ "$GROUP_BEFORE" = no ] && getent group verifyd >/dev/null; then $SUDO groupdel verifyd; fi
	rm -rf "$WORK"
	exit "$rc"
}
trap pkg_cleanup EXIT
trap 'exit 130' INT TERM

# ---- build ------------------------------------------------------------------
# A clean CI clone has only tracked files; a developer's tree may also hold new
# files not yet added (kept) and build folders (ignored, left out).
SRC="$WORK/pkg/ocopstamp-$UPSTREAM"
mkdir -p "$SRC"
if git -C "$STAMP_SOURCE_DIR" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$STAMP_SOURCE_DIR" -c core.quotePath=false ls-files --cached --others --exclude-standard |
		(cd "$STAMP_SOURCE_DIR" && while IFS= read -r f; do
			if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\n' "$f"; fi
		done) >"$WORK/files"
	tar -C "$STAMP_SOURCE_DIR" -cf - -T "$WORK/files" | tar -C "$SRC" -xf -
else
	tar -C "$STAMP_SOURCE_DIR" --exclude=./.git --exclude='./build*' --exclude=./demo \
		--exclude='./obj-*' -cf - . | tar -C "$SRC" -xf -
fi
[ -f "$SRC/debian/rules" ] && ok "source tree copied ($(wc -l 2>/dev/null <"$WORK/files" || echo all) files)" ||
	{ fail "no debian/rules in the copy"; finish; }

# The source package too (from the clean copy, before the build fills it), so
# that lintian also sees debian/control and debian/rules as a source.
if (cd "$WORK/pkg" && timeout 120 dpkg-source -b "ocopstamp-$UPSTREAM") >"$WORK/source.log" 2>&1; then
	ok "dpkg-source -b: $(cd "$WORK/pkg" && ls ./*.dsc)"
else
	fail "dpkg-source -b failed:"
	sed 's/^/     | /' "$WORK/source.log"
fi
# The parent make's jobserver (if any) means nothing here.
unset MAKEFLAGS MFLAGS MAKELEVEL || true
t=$(date +%s)
if (cd "$SRC" && DEB_BUILD_OPTIONS="parallel=$(nproc)" timeout 600 dpkg-buildpackage -us -uc -b) \
	>"$WORK/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b ($(($(date +%s) - t)) s)"
else
	fail "dpkg-buildpackage failed:"
	tail -60 "$WORK/build.log" | sed 's/^/     | /'
	finish
fi
cd "$WORK/pkg"
CHANGES=$(ls ./*.changes)
DEBS=$(ls ./*.deb)
echo "packages built:"
for d in $DEBS; do echo "     $d"; done
for p in $PKGS; do
	ls ./"${p}"_*.deb >/dev/null 2>&1 && ok "package $p built" || fail "package $p not built"
done

t=$(date +%s)
set +e
# shellcheck disable=SC2046
timeout 600 lintian -I --fail-on error "$CHANGES" $(ls ./*.dsc 2>/dev/null) >"$WORK/lintian.log" 2>&1
rc=$?
set -e
echo "lintian -I ($(($(date +%s) - t)) s):"
sed 's/^/     | /' "$WORK/lintian.log"
[ $rc -eq 0 ] && ok "lintian: no error" || fail "lintian exit $rc"

# ---- install ------------------------------------------------------------------
# every package built, dbgsym ones included (all purged again below)
NAMES=
for d in $DEBS; do NAMES="$NAMES $(dpkg-deb -f "$d" Package)"; done
pkg_list >"$WORK/before"
# shellcheck disable=SC2086
if timeout 600 $APT install -y $DEBS >"$WORK/install.log" 2>&1; then
	ok "apt-get install ./*.deb"
else
	fail "apt-get install failed:"
	sed 's/^/     | /' "$WORK/install.log"
	finish
fi
PULLED=
for p in $(to_purge); do
	case " $NAMES " in *" $p "*) ;; *) PULLED="$PULLED $p" ;; esac
done
[ -z "$PULLED" ] || echo "apt also installed:$PULLED (purged at the end)"
for p in $PKGS; do installed "$p" && ok "$p installed" || fail "$p not installed"; done

# ---- what the packages installed ------------------------------------------------
for b in verifyd stampgen; do
	bin=$VERIFYD
	[ $b = stampgen ] && bin=$STAMPGEN
	set +e
	out=$("$bin" --version 2>&1)
	rc=$?
	set -e
	if [ $rc -eq 0 ] && [ "$out" = "$b $UPSTREAM" ]; then
		ok "$bin --version: $out"
	else
		fail "$bin --version: exit $rc, '$out', expected '$b $UPSTREAM'"
	fi
done

# the packaged binaries are hardened, fortification included (dpkg-buildflags + debian/rules)
if STAMP_FORTIFY=1 sh "$STAMP_SOURCE_DIR/tests/e2e/e2e_hardening.sh" "$STAMPGEN" "$VERIFYD" \
	/usr/lib/*/libstamp.so.1 /usr/lib/*/libstamp-print.so.1 >"$WORK/hardening" 2>&1; then
	ok "packaged binaries: $(tail -1 "$WORK/hardening") (RELRO, BIND_NOW, PIE, stack protector, fortify)"
else
	fail "packaged binaries are not hardened:"; grep FAIL "$WORK/hardening" | sed 's/^/     | /'
fi

needed=$(readelf -d "$VERIFYD" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
echo "     verifyd NEEDED: $needed"
if printf '%s\n' "$needed" | grep -Eq 'cairo|zbar|qrencode|png|csv|libstamp-print'; then
	fail "verifyd links the printing stack: $needed"
else
	ok "verifyd links no cairo, zbar, qrencode, png, csv"
fi
printf '%s\n' "$needed" | grep -q libmicrohttpd && ok "verifyd links libmicrohttpd" ||
	fail "verifyd does not link libmicrohttpd: $needed"

pw=$(getent passwd verifyd || true)
[ -n "$pw" ] && ok "system user verifyd: $pw" || fail "no user verifyd"
uid=$(printf '%s' "$pw" | cut -d: -f3)
[ -n "$uid" ] && [ "$uid" -lt 1000 ] && ok "verifyd is a system user (uid $uid)" || fail "verifyd uid '$uid'"
case "$pw" in */nologin | */false) ok "verifyd has no login shell" ;; *) fail "verifyd's shell: $pw" ;; esac
getent group verifyd >/dev/null && ok "group verifyd" || fail "no group verifyd"
own=$(stat -c '%U:%G %a' /var/lib/verifyd 2>/dev/null || echo missing)
[ "$own" = "verifyd:verifyd 750" ] && ok "/var/lib/verifyd is verifyd:verifyd 0750" ||
	fail "/var/lib/verifyd: $own"
own=$(stat -c '%U:%G %a' /var/lib/ocopstamp/registry 2>/dev/null || echo missing)
[ "$own" = "root:verifyd 750" ] && ok "/var/lib/ocopstamp/registry is root:verifyd 0750" ||
	fail "/var/lib/ocopstamp/registry: $own"

[ -f /etc/verifyd.ini ] && ok "/etc/verifyd.ini installed" || fail "no /etc/verifyd.ini"
conf=$(dpkg-query -W -f='${Conffiles}' verifyd)
printf '%s\n' "$conf" | grep -q '^ /etc/verifyd.ini [0-9a-f]\{32\}$' && ok "/etc/verifyd.ini is a conffile" ||
	fail "/etc/verifyd.ini not among verifyd's conffiles: '$conf'"
ini_key() { sed -n "s/^$1 *= *//p" /etc/verifyd.ini; }
[ "$(ini_key registry)" = /var/lib/ocopstamp/registry ] && ok "ini: registry = /var/lib/ocopstamp/registry" ||
	fail "ini: registry = '$(ini_key registry)'"
[ "$(ini_key scans)" = /var/lib/verifyd/scans ] && ok "ini: scans = /var/lib/verifyd/scans" ||
	fail "ini: scans = '$(ini_key scans)'"

UNIT=/lib/systemd/system/verifyd.service
if [ -f "$UNIT" ]; then
	ok "unit $UNIT"
	for l in 'ExecStart=/usr/sbin/verifyd --config /etc/verifyd.ini' 'User=verifyd' 'Group=verifyd' \
		'StateDirectory=verifyd' 'ReadOnlyPaths=/var/lib/ocopstamp/registry'; do
		grep -qxF "$l" "$UNIT" && ok "unit: $l" || fail "unit lacks '$l'"
	done
else
	fail "no $UNIT"
fi
WANTS=/etc/systemd/system/multi-user.target.wants/verifyd.service
[ -L "$WANTS" ] && ok "unit enabled ($WANTS)" || fail "unit not enabled: no $WANTS"

for m in stampgen verifyd; do
	page=$(man -w "$m" 2>/dev/null || true)
	case "$page" in
	/usr/share/man/*) ok "man -w $m: $page" ;;
	*) fail "man -w $m finds '$page'" ;;
	esac
done

# ---- building on the installed library ---------------------------------------------
cat >"$WORK/v.c" <<'EOF'
#include <stamp/stamp.h>
#include <stdio.h>
int main(void) { return printf("%s\n", stamp_version()) < 0; }
EOF
cat >"$WORK/p.c" <<'EOF'
#include <stamp/print.h>
#include <stamp/stamp.h>
#include <stdio.h>
int main(void) { return printf("%s %s\n", STAMP_VERSION, stamp_version()) < 0; }
EOF
# shellcheck disable=SC2046
if cc -Wall -Werror -o "$WORK/v" "$WORK/v.c" $(pkg-config --cflags --libs stamp) >"$WORK/out" 2>&1 &&
	[ "$("$WORK/v")" = "$UPSTREAM" ]; then
	ok "cc \$(pkg-config --cflags --libs stamp): stamp_version() = $UPSTREAM"
else
	fail "a program on pkg-config stamp:"; sed 's/^/     | /' "$WORK/out"
fi
# shellcheck disable=SC2046
if cc -Wall -Werror -o "$WORK/p" "$WORK/p.c" $(pkg-config --cflags --libs stamp-print) >"$WORK/out" 2>&1 &&
	[ "$("$WORK/p")" = "$UPSTREAM $UPSTREAM" ]; then
	ok "cc \$(pkg-config --cflags --libs stamp-print): STAMP_VERSION = stamp_version()"
else
	fail "a program on pkg-config stamp-print:"; sed 's/^/     | /' "$WORK/out"
fi
readelf -d "$WORK/v" | grep -q 'NEEDED.*\[libstamp\.so\.1\]' && ok "it links libstamp.so.1" ||
	fail "the program does not link libstamp.so.1"

# ---- round trip with the installed binaries ---------------------------------------
cd "$WORK"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
g() { "$STAMPGEN" -q "$@"; }
if g keygen -o k1 --label package >"$WORK/out" 2>&1 && g coop import "$SAMPLES/coops.csv" >>"$WORK/out" 2>&1 &&
	g product import "$SAMPLES/products.csv" >>"$WORK/out" 2>&1 &&
	g issue --product NM-COT-HH --lot PKG-1 --produced 2026-11-01 --count 5 --key k1.key \
		--base-url "http://127.0.0.1:$PORT" --out b1 >>"$WORK/out" 2>&1; then
	ok "installed stampgen: keygen, imports, 5 stamps issued"
else
	fail "installed stampgen:"; sed 's/^/     | /' "$WORK/out"; finish
fi
[ -f b1/0000000001.png ] && ok "stamp PNGs written (libstamp-print)" || fail "no b1/0000000001.png"
CODE1=$(manifest_code b1 1)
URL1=$(awk -F, '$1 == 1 { print $2 }' b1/manifest.csv)
case "$URL1" in "HTTP://127.0.0.1:$PORT/S/"*) ok "code 1 is $URL1" ;; *) fail "code 1 is '$URL1'" ;; esac

# The conffile as installed, with flags for this test's stores and port (flags
# win): verifyd must accept /etc/verifyd.ini as shipped.
VD_RUNS=1
VD_LOG="$WORK/verifyd.log"
"$VERIFYD" --config /etc/verifyd.ini --registry "$WORK/store" --scans "$WORK/scans" \
	--listen 127.0.0.1 --port "$PORT" 2>"$VD_LOG" &
VD_PID=$!
i=0
while [ $i -lt 100 ] && kill -0 "$VD_PID" 2>/dev/null &&
	! curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz"; do
	sleep 0.1
	i=$((i + 1))
done
BASE="http://127.0.0.1:$PORT"
if kill -0 "$VD_PID" 2>/dev/null && curl -s -o /dev/null --max-time 2 "$BASE/healthz"; then
	ok "installed verifyd answers on $BASE (with --config /etc/verifyd.ini)"
	expect_status 200 "GET /api/v1/stamps/<code 1>" "/api/v1/stamps/$CODE1"
	json_is verdict genuine "verdict genuine from the installed verifyd"
	json_is code.serial 1 "serial 1"
	expect_status 200 "GET the stamp's own URL path" "/S/$CODE1"
	vd_stop TERM
	[ "$VD_RC" = 0 ] && ok "verifyd stops cleanly on SIGTERM" || fail "verifyd exit $VD_RC on SIGTERM"
else
	fail "installed verifyd did not answer within 10 s:"; sed 's/^/     | /' "$VD_LOG"
fi

# ---- purge -----------------------------------------------------------------------
# shellcheck disable=SC2086
if timeout 300 $APT purge -y $(to_purge) >"$WORK/purge.log" 2>&1; then
	ok "apt-get purge$NAMES$PULLED"
else
	fail "apt-get purge failed:"; sed 's/^/     | /' "$WORK/purge.log"
fi
for p in $NAMES; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$st" in "" | "un "*) ok "$p gone" ;; *) fail "$p still there: '$st'" ;; esac
done
for f in /usr/sbin/verifyd /usr/bin/stampgen /etc/verifyd.ini "$UNIT" "$WANTS" /var/lib/verifyd \
	/var/lib/ocopstamp /usr/lib/sysusers.d/verifyd.conf /usr/lib/tmpfiles.d/verifyd.conf /usr/include/stamp; do
	if [ -e "$f" ] || [ -L "$f" ]; then fail "$f left after purge"; else ok "$f gone"; fi
done
ls /usr/lib/*/libstamp* >/dev/null 2>&1 && fail "libstamp files left: $(ls /usr/lib/*/libstamp*)" ||
	ok "no libstamp* left"
# Debian leaves system users in place on purge; this test removes the one it
# made (pkg_cleanup), so the machine is as it was.
getent passwd verifyd >/dev/null && echo "note the verifyd user stays after purge (Debian policy); removed by this test"
echo "package_deb: $(($(date +%s) - T0)) s in all"
finish
