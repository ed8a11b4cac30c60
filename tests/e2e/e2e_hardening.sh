#!/bin/sh
# The hardening the build promises, read back from the binaries: full RELRO
# (GNU_RELRO + BIND_NOW), PIE executables, a non-executable stack, the stack
# protector, and with STAMP_FORTIFY=1 (optimised builds without sanitizers)
# _FORTIFY_SOURCE's checked functions. Also the warning flag that keeps
# prototypes honest. Files to check: the arguments, else the build's.
. "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || set -- "$STAMPGEN" "$VERIFYD" $STAMP_LIBS

for f in "$@"; do
	n=$(basename "$f")
	readelf -lW "$f" >"$WORK/ph"
	readelf -dW "$f" >"$WORK/dyn"
	readelf -hW "$f" >"$WORK/hdr"
	if grep -q GNU_RELRO "$WORK/ph"; then ok "$n: GNU_RELRO"; else fail "$n: no GNU_RELRO segment"; fi
	if grep -Eq '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW' "$WORK/dyn"; then ok "$n: BIND_NOW (full RELRO)"; else
		fail "$n: lazy binding (no -z now)"; fi
	if grep GNU_STACK "$WORK/ph" | grep -q 'RWE'; then fail "$n: executable stack"; else ok "$n: no executable stack"; fi
	case $n in
	*.so*) ;;
	*)
		if grep -q 'Type:.*DYN' "$WORK/hdr" && grep -Eq '\(FLAGS_1\).*PIE' "$WORK/dyn"; then ok "$n: PIE"; else
			fail "$n: not a position-independent executable"; fi
		;;
	esac
	objdump -T "$f" >"$WORK/syms"
	if grep -q '__stack_chk_fail' "$WORK/syms"; then ok "$n: stack protector"; else fail "$n: no __stack_chk_fail (no stack protector)"; fi
	if [ "${STAMP_FORTIFY:-0}" = 1 ]; then
		chk=$(grep -Eo '__[a-z_]+_chk' "$WORK/syms" | grep -v stack_chk | sort -u | tr '\n' ' ')
		if [ -n "$chk" ]; then ok "$n: _FORTIFY_SOURCE ($chk)"; else fail "$n: no fortified calls"; fi
	fi
done
if [ -n "${STAMP_BUILD_DIR:-}" ] && [ -d "$STAMP_BUILD_DIR/CMakeFiles" ]; then
	if grep -rqs -- '-Wmissing-prototypes' "$STAMP_BUILD_DIR/CMakeFiles/stamp_core.dir/flags.make" \
		"$STAMP_BUILD_DIR/CMakeFiles/stamp_print_obj.dir/flags.make"; then
		ok "the libraries build with -Wmissing-prototypes"
	else fail "-Wmissing-prototypes is gone from the libraries' flags"; fi
fi
finish
