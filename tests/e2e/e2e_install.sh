#!/bin/sh
# `cmake --install` of this build into a temporary prefix: the programs, the
# two shared libraries with their SONAME links, the public headers and no
# private one, the pkg-config files (a program builds and runs against the
# installed tree alone), the man pages, the systemd unit with its paths
# filled in, and the example configuration.
. "$(dirname "$0")/lib.sh"
: "${STAMP_BUILD_DIR:?}"
P="$WORK/prefix"
# the unit's paths are those of the configured prefix, wherever it is installed
CFG_PREFIX=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$STAMP_BUILD_DIR/CMakeCache.txt")
cmake --install "$STAMP_BUILD_DIR" --prefix "$P" >"$WORK/install.log" 2>&1 ||
	{ fail "cmake --install"; sed 's/^/     | /' "$WORK/install.log"; finish; exit 1; }
LIBDIR=$(cd "$P" && ls -d lib*/ | head -1)
LIBDIR=${LIBDIR%/}
[ -d "$P/$LIBDIR/pkgconfig" ] || LIBDIR=$(cd "$P" && dirname "$(find . -name stamp.pc | head -1)" | sed 's|^\./||; s|/pkgconfig$||')

for f in bin/stampgen sbin/verifyd include/stamp/stamp.h include/stamp/print.h \
	include/stamp/version.h include/stamp/env.h include/stamp/render.h include/stamp/sheet.h \
	"$LIBDIR/pkgconfig/stamp.pc" "$LIBDIR/pkgconfig/stamp-print.pc" \
	share/man/man1/stampgen.1 share/man/man8/verifyd.8 lib/systemd/system/verifyd.service \
	share/doc/ocopstamp/examples/verifyd.ini share/doc/ocopstamp/examples/nginx-verifyd.conf \
	share/doc/ocopstamp/operations.md; do
	if [ -f "$P/$f" ]; then ok "installs $f"; else fail "does not install $f"; fi
done
for l in libstamp libstamp-print; do
	if [ -f "$P/$LIBDIR/$l.so.1.0.0" ] && [ "$(readlink "$P/$LIBDIR/$l.so.1")" = "$l.so.1.0.0" ] &&
		[ "$(readlink "$P/$LIBDIR/$l.so")" = "$l.so.1" ]; then
		ok "$l.so.1.0.0 with its .so.1 and .so links"
	else fail "$l: $(ls -l "$P/$LIBDIR" | grep "$l" | tr '\n' ' ')"; fi
done
for h in internal.h record.h pngfile.h sheet_text.h scans.h verifyd.h version.h.in; do
	if [ -e "$P/include/stamp/$h" ]; then fail "installs the private $h"; else ok "keeps $h private"; fi
done
if grep -Eq '@[A-Z_]+@' "$P/lib/systemd/system/verifyd.service"; then fail "unit keeps a @VAR@"
elif grep -q "^ExecStart=$CFG_PREFIX/sbin/verifyd --config /.*/verifyd.ini\$" "$P/lib/systemd/system/verifyd.service"; then
	ok "unit: ExecStart names verifyd under the configured prefix $CFG_PREFIX"
else fail "unit: $(grep ExecStart "$P/lib/systemd/system/verifyd.service")"; fi

# A program against the installed tree only: headers, pkg-config, libraries.
cat >"$WORK/hello.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <stamp/print.h>

int main(void)
{
	char base[STAMP_BASEURL_MAX + 1];
	stamp_qr *qr;
	if (stamp_init() || stamp_code_baseurl("https://tem.thanhhoa.gov.vn", base, NULL) ||
	    stamp_qr_encode(base, &qr))
		return 1;
	printf("%s %s %s %d\n", STAMP_VERSION, stamp_version(), base, qr->version);
	stamp_qr_free(qr);
	return strcmp(STAMP_VERSION, stamp_version()) != 0;
}
C
export PKG_CONFIG_PATH="$P/$LIBDIR/pkgconfig"
if cc ${STAMP_CFLAGS:-} -o "$WORK/hello" "$WORK/hello.c" $(pkg-config --define-prefix --cflags --libs stamp-print) \
	>"$WORK/out" 2>&1; then ok "a program builds with pkg-config --cflags --libs stamp-print"
else fail "building against the installed tree"; sed 's/^/     | /' "$WORK/out"; fi
VERSION=$(sed -n 's/^project(ocopstamp VERSION \([0-9.]*\).*/\1/p' "$STAMP_SOURCE_DIR/CMakeLists.txt")
expect_exit 0 "it runs on the installed libraries" -- env LD_LIBRARY_PATH="$P/$LIBDIR" "$WORK/hello"
expect_out "^$VERSION $VERSION HTTPS://TEM.THANHHOA.GOV.VN 2\$" "it prints both versions and the QR version of the base URL"
if env LD_LIBRARY_PATH="$P/$LIBDIR" ldd "$WORK/hello" | grep -q "$P/$LIBDIR/libstamp.so.1"; then
	ok "it loads the installed libstamp.so.1"
else fail "it does not load the installed libstamp.so.1"; fi
finish
