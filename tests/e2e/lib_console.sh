# Shared helpers of the console's end-to-end scripts (after lib.sh).
#   console_start [ARGS...]  starts `stampgen console` on a free loopback port:
#                            $PID, $B (http://127.0.0.1:PORT), $URL (the printed
#                            address with its one-time code); stopped at exit
#   console_sign_in          opens $URL: $COOKIE (for -H "Cookie: $COOKIE") and
#                            $CSRF (the session's token, from the overview)
#   req OUT METHOD PATH [CURL ARGS...]  status in $S, body in OUT, headers in OUT.h
#   post OUT PATH [CURL ARGS...]        a POST of the session: cookie, Origin, csrf
PID=
# (after lib_verifyd.sh too: its verifyd is stopped as well)
cleanup_console() {
	[ -z "$PID" ] || { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }
	if command -v vd_cleanup >/dev/null 2>&1; then vd_cleanup; else rm -rf "$WORK"; fi
}
trap cleanup_console EXIT
console_start() {
	port=$((20000 + ($$ * 41 + $(date +%s)) % 40000))
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		port=$((port + 1))
		"$STAMPGEN" console --port "$port" "$@" >console.out 2>console.err &
		PID=$!
		i=0
		while [ $i -lt 100 ] && ! grep -q 'open http' console.out && kill -0 "$PID" 2>/dev/null; do
			sleep 0.1
			i=$((i + 1))
		done
		grep -q 'open http' console.out && break
		wait "$PID" 2>/dev/null || true
		PID=
	done
	[ -n "$PID" ] || { fail "the console did not start"; cat console.err; finish; }
	URL=$(sed -n 's/^ocopstamp console: open //p' console.out)
	B="http://127.0.0.1:$port"
}
req() {
	o=$1 m=$2 p=$3
	shift 3
	S=$(curl -s --max-time 15 -X "$m" -o "$o" -D "$o.h" -w '%{http_code}' "$@" "$B$p") || S=000
}
console_sign_in() {
	req signin GET "${URL#"$B"}"
	COOKIE=$(tr -d '\r' <signin.h | sed -n 's/^[Ss]et-[Cc]ookie: \(ocs_console=[0-9a-f]*\);.*/\1/p')
	req signin-home GET / -H "Cookie: $COOKIE"
	CSRF=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' signin-home | head -1)
	[ -n "$COOKIE" ] && [ -n "$CSRF" ] ||
		{ fail "could not sign in ($S): $(tail -5 console.err)"; finish; }
}
post() {
	o=$1 p=$2
	shift 2
	req "$o" POST "$p" -H "Cookie: $COOKIE" -H "Origin: $B" "$@"
}
