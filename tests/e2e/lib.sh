# Shared helpers of the end-to-end scripts (POSIX sh). Each script runs in a
# fresh temporary folder that is removed when it ends.
set -eu
: "${STAMPGEN:?STAMPGEN must name the stampgen binary}"
: "${STAMP_SOURCE_DIR:?STAMP_SOURCE_DIR must name the source tree}"
SAMPLES="$STAMP_SOURCE_DIR/samples"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ocopstamp-e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
cd "$WORK"
export OCOPSTAMP_STORE="$WORK/store"
unset OCOPSTAMP_PASSPHRASE || true
FAILS=0
PASSES=0

ok() { PASSES=$((PASSES + 1)); echo "ok   $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL $*"; }

# expect_exit CODE DESCRIPTION -- command...: runs the command, output in $WORK/out
expect_exit() {
	want=$1 what=$2
	shift 3
	set +e
	"$@" >"$WORK/out" 2>&1
	got=$?
	set -e
	if [ "$got" -eq "$want" ]; then ok "$what (exit $got)"; else
		fail "$what: exit $got, expected $want"; sed 's/^/     | /' "$WORK/out"; fi
}

# expect_out PATTERN DESCRIPTION: grep -E on the last command's output
expect_out() {
	if grep -Eq -- "$1" "$WORK/out"; then ok "$2"; else
		fail "$2: output lacks /$1/"; sed 's/^/     | /' "$WORK/out"; fi
}

dump_store() { mdb_dump -a "$OCOPSTAMP_STORE" >"$1"; }

# out_has TEXT DESCRIPTION: grep -F on the last command's output
out_has() {
	if grep -Fq -- "$1" "$WORK/out"; then ok "$2"; else
		fail "$2: output lacks '$1'"; sed 's/^/     | /' "$WORK/out"; fi
}
# same_store DESCRIPTION: the store is byte for byte what $WORK/before.dump holds
same_store() {
	dump_store "$WORK/after.dump"
	cmp -s "$WORK/before.dump" "$WORK/after.dump" && ok "$1: store unchanged" ||
		fail "$1: store changed"
}

finish() {
	echo "$PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}

# browser_run OUT SCRIPT.mjs ARGS...: a tests/js script in Debian's chromium
# (puppeteer-core, installed by scripts/install-deps), its output in OUT and
# shown; each of its "ok"/"FAIL" lines is counted as one check here. N_OK is
# how many passed (for a script's own "enough checks ran" assertion).
browser_run() {
	o=$1 js=$2
	shift 2
	if [ ! -d "$STAMP_SOURCE_DIR/tests/js/node_modules/puppeteer-core" ]; then
		fail "no puppeteer-core in tests/js (scripts/install-deps runs npm ci)"
		finish
	fi
	node "$STAMP_SOURCE_DIR/tests/js/$js" "$@" >"$o" 2>&1 || true
	cat "$o"
	N_OK=$(grep -c '^ok ' "$o" || true)
	PASSES=$((PASSES + N_OK))
	FAILS=$((FAILS + $(grep -c '^FAIL ' "$o" || true)))
}
