#!/bin/sh
# The man pages render without a warning, and say what the programs do:
# every verb and sub-verb of `stampgen --help` has its entry in stampgen.1,
# every option in stampgen's usages is in stampgen.1 and every long option in
# stampgen.1 is one stampgen has; likewise verifyd's flags and verifyd.8.
. "$(dirname "$0")/lib.sh"
: "${VERIFYD:?VERIFYD must name the verifyd binary}"
G="$STAMPGEN"
M1="$STAMP_SOURCE_DIR/docs/stampgen.1"
M8="$STAMP_SOURCE_DIR/docs/verifyd.8"
export LC_ALL=C # one collation for sort and comm

for page in "$M1" "$M8"; do
	p=$(basename "$page")
	out=$(groff -ww -z -man "$page" 2>&1) || out="groff failed: $out"
	[ -z "$out" ] && ok "groff -ww -z: $p is clean" || { fail "groff -ww -z: $p"; echo "$out" | sed 's/^/     | /'; }
	if command -v man >/dev/null; then
		out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null) ||
			out="man failed: $out"
		[ -z "$out" ] && ok "man --warnings -l: $p is clean" || { fail "man --warnings -l: $p"; echo "$out" | sed 's/^/     | /'; }
	else
		fail "man is not installed (scripts/install-deps installs man-db)"
	fi
done

# The pages' text with roff's \- as the plain dash that users type.
sed 's/\\-/-/g' "$M1" >stampgen.txt
sed 's/\\-/-/g' "$M8" >verifyd.txt
# long_options FILE: every --option named in FILE, one a line, sorted
long_options() { grep -o -- '--[a-z][a-z0-9_-]*' "$1" | sort -u; }
# same_options PROGRAM HELP PAGE MIN: the help texts of PROGRAM name at least
# MIN long options, and the man page's text PAGE names the same ones
same_options() {
	long_options "$2" >help-options.txt
	long_options "$3" >page-options.txt
	n=$(wc -l <help-options.txt)
	[ "$n" -ge "$4" ] && ok "$n long options in $1's help" || fail "only $n long options found in $1's help"
	out=$(comm -23 help-options.txt page-options.txt | tr '\n' ' ')
	[ -z "$out" ] && ok "$1's page names every option of its help" || fail "$1's page lacks: $out"
	out=$(comm -13 help-options.txt page-options.txt | tr '\n' ' ')
	[ -z "$out" ] && ok "$1's page names no option that $1 lacks" || fail "$1's page names, $1 lacks: $out"
}

"$G" --help >help.txt
awk '/^  stampgen [a-z]/ { v = $2; if ($3 ~ /^[a-z]+$/) v = v " " $3; print v }' help.txt >names.txt
[ -s names.txt ] || fail "stampgen --help lists no verbs"
missing=""
while read -r name; do
	grep -Eq "^\.B stampgen $name( |\$)" stampgen.txt || missing="$missing, $name"
	# shellcheck disable=SC2086 # $name is a verb and maybe a sub-verb
	"$G" $name --help >>help.txt
done <names.txt
[ -z "$missing" ] && ok "stampgen.1 has an entry for each of the $(wc -l <names.txt) verbs and sub-verbs" ||
	fail "stampgen.1 has no .B entry for${missing#,}"

same_options stampgen help.txt stampgen.txt 40
# The short options of the usages' option lists (-s, -q, -h, -o).
shorts=$(sed -n 's/^  \(-[a-zA-Z]\)[ ,].*/\1/p' help.txt | sort -u)
missing=""
for s in $shorts; do
	grep -Eq -- "(^|[ \"[])$s( |,|\$)" stampgen.txt || missing="$missing $s"
done
[ -n "$shorts" ] && [ -z "$missing" ] && ok "stampgen.1 names the short options" $shorts ||
	fail "stampgen.1 lacks short options:$missing"
for s in OCOPSTAMP_STORE OCOPSTAMP_PASSPHRASE; do
	grep -q "^\.B $s\$" stampgen.txt && ok "ENVIRONMENT: $s" || fail "stampgen.1 does not describe $s"
done
missing=""
for sec in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" VERBS ENVIRONMENT FILES "EXIT STATUS" EXAMPLES "SEE ALSO"; do
	grep -q "^\.SH \"\{0,1\}$sec\"\{0,1\}\$" stampgen.txt || missing="$missing, $sec"
done
[ -z "$missing" ] && ok "stampgen.1 has every section" || fail "stampgen.1 has no section${missing#,}"
grep -q '^\.BR verifyd (8)' stampgen.txt && ok "stampgen.1 refers to verifyd(8)" || fail "stampgen.1: no verifyd(8)"

"$VERIFYD" --help >vhelp.txt
same_options verifyd vhelp.txt verifyd.txt 15
finish
