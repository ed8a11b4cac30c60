#!/bin/sh
# --help and -h of every verb and sub-verb that `stampgen --help` lists, bad
# options, the options each usage names, --version of both programs, and the
# suggestion for a mistyped verb. None of it may touch the store.
. "$(dirname "$0")/lib.sh"
: "${VERIFYD:?VERIFYD must name the verifyd binary}"
G="$STAMPGEN"
V="$VERIFYD"

# run ARGS...: stdout in $WORK/o, stderr in $WORK/e, the exit code in $rc
run() {
	set +e
	"$@" >"$WORK/o" 2>"$WORK/e" </dev/null
	rc=$?
	set -e
}
show() { sed 's/^/     | /' "$WORK/e" "$WORK/o"; }
# check WHAT CONDITION: ok when the shell condition holds, else fail and show the output
check() {
	if eval "$2"; then ok "$1"; else
		fail "$1 (exit $rc)"
		show
	fi
}
empty() { [ ! -s "$1" ]; }
has() { grep -Eq -- "$2" "$1"; }

version=$(sed -n 's/^project(ocopstamp VERSION \([0-9][0-9.]*\).*/\1/p' "$STAMP_SOURCE_DIR/CMakeLists.txt")
[ -n "$version" ] && ok "project version $version" || fail "no project(ocopstamp VERSION ...) in CMakeLists.txt"

run "$G" --help
check "stampgen --help: exit 0" '[ "$rc" -eq 0 ]'
check "stampgen --help: nothing on stderr" 'empty "$WORK/e"'
cp "$WORK/o" overview.txt
run "$G" -h
check "stampgen -h prints the same as --help" '[ "$rc" -eq 0 ] && cmp -s "$WORK/o" overview.txt'
awk '/^  stampgen [a-z]/ { v = $2; if ($3 ~ /^[a-z]+$/) v = v " " $3; print v }' overview.txt >names.txt
for verb in keygen key coop product batch issue render sheet verify; do
	grep -q "^$verb\( \|$\)" names.txt || fail "stampgen --help does not list $verb"
done
for name in "key add" "key list" "key retire" "coop import" "product add" "batch show" "sheet templates"; do
	grep -qx "$name" names.txt || fail "stampgen --help does not list $name"
done
[ "$(wc -l <names.txt)" -ge 19 ] && ok "stampgen --help lists $(wc -l <names.txt) verbs and sub-verbs" ||
	fail "stampgen --help lists only $(wc -l <names.txt) verbs and sub-verbs"

run "$G" --no-such-flag
check "stampgen --no-such-flag: exit 2" '[ "$rc" -eq 2 ]'
check "stampgen --no-such-flag: the overview on stderr, nothing on stdout" \
	'has "$WORK/e" "^usage: stampgen" && empty "$WORK/o"'
run "$G"
check "stampgen alone: exit 2 and the overview on stderr" \
	'[ "$rc" -eq 2 ] && has "$WORK/e" "^usage: stampgen"'

while read -r name; do
	# shellcheck disable=SC2086 # $name is a verb and maybe a sub-verb
	for h in --help -h; do
		run "$G" $name $h
		check "$name $h: exit 0, usage of $name on stdout, stderr empty" \
			'[ "$rc" -eq 0 ] && empty "$WORK/e" && has "$WORK/o" "^usage: stampgen $name( |\$)"'
	done
	cp "$WORK/o" help.txt
	# shellcheck disable=SC2086
	run "$G" $name --no-such-option
	check "$name --no-such-option: exit 2, complaint and usage on stderr only" \
		'[ "$rc" -eq 2 ] && empty "$WORK/o" && has "$WORK/e" "unrecognized option" &&
		has "$WORK/e" "^usage: stampgen $name( |\$)"'
	# Every option the usage describes is one the verb parses (alone, each
	# one is a usage error: a missing argument or missing other options).
	sed -n 's/^  \(-[a-z], \)\{0,1\}\(--[a-z][a-z_-]*\).*/\2/p' help.txt | grep -v '^--help$' >flags.txt || true
	bad=""
	while read -r flag; do
		# shellcheck disable=SC2086
		run "$G" $name "$flag"
		if [ "$rc" -ne 2 ] || has "$WORK/e" "unrecognized option"; then bad="$bad $flag"; fi
	done <flags.txt
	[ -z "$bad" ] && ok "$name parses the $(wc -l <flags.txt) options its usage names" ||
		fail "$name does not take, as its usage says:$bad"
done <names.txt

run "$G" --version
check "stampgen --version: exit 0, \"stampgen $version\", stderr empty" \
	'[ "$rc" -eq 0 ] && empty "$WORK/e" && [ "$(sed -n 1p "$WORK/o")" = "stampgen $version" ]'
check "stampgen --version: at most a libstamp line besides" \
	'[ "$(wc -l <"$WORK/o")" -le 2 ] && ! sed 1d "$WORK/o" | grep -Evq "^libstamp [0-9]+\.[0-9]+\.[0-9]+$"'

run "$G" isue --count 3
check "stampgen isue: exit 2, did you mean issue" \
	'[ "$rc" -eq 2 ] && has "$WORK/e" "unknown verb \"isue\"; did you mean \"issue\"\?"'
run "$G" prodcut list
check "stampgen prodcut: did you mean product" \
	'[ "$rc" -eq 2 ] && has "$WORK/e" "did you mean \"product\"\?"'
run "$G" key lsit
check "stampgen key lsit: exit 2, did you mean key list" \
	'[ "$rc" -eq 2 ] && has "$WORK/e" "unknown verb \"key lsit\"; did you mean \"key list\"\?"'
run "$G" sheet templtes
check "stampgen sheet templtes: did you mean sheet templates" \
	'[ "$rc" -eq 2 ] && has "$WORK/e" "did you mean \"sheet templates\"\?"'
run "$G" frobnicate
check "stampgen frobnicate: exit 2, no suggestion, the verbs on stderr" \
	'[ "$rc" -eq 2 ] && ! has "$WORK/e" "did you mean" && has "$WORK/e" "^  stampgen issue"'
run "$G" coop frobnicate
check "stampgen coop frobnicate: exit 2, no suggestion, coop's usage" \
	'[ "$rc" -eq 2 ] && ! has "$WORK/e" "did you mean" && has "$WORK/e" "^usage: stampgen coop add"'

run "$V" --help
check "verifyd --help: exit 0, usage on stdout, stderr empty" \
	'[ "$rc" -eq 0 ] && empty "$WORK/e" && has "$WORK/o" "^usage: verifyd"'
cp "$WORK/o" vhelp.txt
run "$V" -h
check "verifyd -h prints the same as --help" '[ "$rc" -eq 0 ] && cmp -s "$WORK/o" vhelp.txt'
run "$V" --version
check "verifyd --version: exit 0, \"verifyd $version\", stderr empty" \
	'[ "$rc" -eq 0 ] && empty "$WORK/e" && [ "$(sed -n 1p "$WORK/o")" = "verifyd $version" ]'
run "$V" --no-such-flag 1
check "verifyd --no-such-flag: exit 2, complaint and usage on stderr only" \
	'[ "$rc" -eq 2 ] && empty "$WORK/o" && has "$WORK/e" "unrecognized option" && has "$WORK/e" "^usage: verifyd"'

[ ! -e "$OCOPSTAMP_STORE" ] && ok "no store was created" || fail "help or usage created $OCOPSTAMP_STORE"
finish
