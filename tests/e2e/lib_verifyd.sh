# Helpers of the verifyd end-to-end scripts (POSIX sh), on top of lib.sh:
# start verifyd on a free loopback port, stop it (always: a trap kills it on
# exit), HTTP checks with curl, and a sanitizer check of the daemon's log.
# Scripts outside tests/e2e (tests/soak) set E2E_DIR to this folder first.
E2E_DIR=${E2E_DIR:-$(cd "$(dirname "$0")" && pwd)}
. "$E2E_DIR/lib.sh"
: "${VERIFYD:?VERIFYD must name the verifyd binary}"
RAW="python3 $E2E_DIR/http_raw.py"
VD_PID=
VD_PORT=
VD_LOG=
VD_RUNS=0
BASE=

vd_cleanup() {
	if [ -n "$VD_PID" ] && kill -0 "$VD_PID" 2>/dev/null; then
		kill -9 "$VD_PID" 2>/dev/null || true
		wait "$VD_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap vd_cleanup EXIT
trap 'exit 130' INT TERM

# vd_start ARGS...: starts verifyd with ARGS on a free port of 127.0.0.1 and
# waits (bounded) until /healthz answers; sets VD_PID, VD_PORT, BASE, VD_LOG.
# A port in use makes verifyd exit 2: then the next port is tried.
vd_start() {
	VD_RUNS=$((VD_RUNS + 1))
	VD_LOG="$WORK/verifyd-$VD_RUNS.log"
	port=$((20000 + ($$ * 37 + $(date +%s)) % 40000))
	tries=0
	while [ $tries -lt 20 ]; do
		tries=$((tries + 1))
		port=$((port + 1))
		: >"$VD_LOG"
		"$VERIFYD" --listen 127.0.0.1 --port "$port" "$@" 2>>"$VD_LOG" &
		VD_PID=$!
		i=0
		while [ $i -lt 150 ]; do # 15 s: ASan start-up is slow on a busy machine
			if ! kill -0 "$VD_PID" 2>/dev/null; then break; fi
			if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz"; then
				VD_PORT=$port
				BASE="http://127.0.0.1:$port"
				return 0
			fi
			sleep 0.1
			i=$((i + 1))
		done
		if kill -0 "$VD_PID" 2>/dev/null; then
			kill -9 "$VD_PID" 2>/dev/null || true
			wait "$VD_PID" 2>/dev/null || true
			VD_PID=
			echo "verifyd did not answer within 15 s:"; sed 's/^/     | /' "$VD_LOG"
			return 1
		fi
		rc=0
		wait "$VD_PID" || rc=$?
		VD_PID=
		if [ $rc -ne 2 ] || ! grep -q "cannot listen" "$VD_LOG"; then
			echo "verifyd exited $rc at start:"; sed 's/^/     | /' "$VD_LOG"
			return 1
		fi
	done
	echo "no free port found after $tries tries"
	return 1
}

# vd_stop [SIGNAL]: sends SIGNAL (TERM) and waits up to 20 s; VD_RC is the
# exit status (137 when it had to be killed), VD_STOP_MS the time it took,
# VD_STOP_LOG the stopped run's log. Also checks the log.
vd_stop() {
	VD_RC=none
	[ -n "$VD_PID" ] || return 0
	vs_t0=$(($(date +%s%N) / 1000000))
	kill -"${1:-TERM}" "$VD_PID" 2>/dev/null || true
	i=0
	while kill -0 "$VD_PID" 2>/dev/null && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if kill -0 "$VD_PID" 2>/dev/null; then
		fail "verifyd still running 20 s after SIG${1:-TERM}; killed"
		kill -9 "$VD_PID" 2>/dev/null || true
	fi
	VD_RC=0
	wait "$VD_PID" || VD_RC=$?
	VD_STOP_MS=$(($(date +%s%N) / 1000000 - vs_t0))
	VD_STOP_LOG=$VD_LOG
	VD_PID=
	vd_check_log
}

# vd_check_log: the sanitizers said nothing in the daemon's log (said with
# an ok line unless VD_LOG_QUIET is set: the soaks stop verifyd often).
vd_check_log() {
	if grep -Eq "(ERROR|WARNING): (Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: .*Sanitizer" \
		"$VD_LOG"; then
		fail "sanitizer report in verifyd's log ($VD_LOG):"
		sed 's/^/     | /' "$VD_LOG" | head -80
	elif [ -z "${VD_LOG_QUIET:-}" ]; then
		ok "no sanitizer report in verifyd's log (run $VD_RUNS)"
	fi
}

# vd_alive: the daemon started last is still running.
vd_alive() { [ -n "$VD_PID" ] && kill -0 "$VD_PID" 2>/dev/null; }

# fetch PATH [CURL ARGS...]: GET (by default) $BASE$PATH; body in $WORK/body,
# headers in $WORK/hdr, status in $STATUS ("000" when no answer).
fetch() {
	p=$1
	shift
	STATUS=$(curl -s --max-time 10 --path-as-is -o "$WORK/body" -D "$WORK/hdr" -w '%{http_code}' \
		"$@" "$BASE$p") || true
	[ -n "$STATUS" ] || STATUS=000
}

# expect_status WANT DESCRIPTION PATH [CURL ARGS...]
expect_status() {
	want=$1 what=$2
	shift 2
	fetch "$@"
	if [ "$STATUS" = "$want" ]; then ok "$what ($STATUS)"; else
		fail "$what: status $STATUS, expected $want"; head -c 600 "$WORK/body" | sed 's/^/     | /'; echo; fi
}

# body_has PATTERN DESCRIPTION / body_lacks: grep -F on the last body
body_has() {
	if grep -Fq -- "$1" "$WORK/body"; then ok "$2"; else
		fail "$2: body lacks '$1'"; head -c 800 "$WORK/body" | sed 's/^/     | /'; echo; fi
}
body_lacks() {
	if grep -Fq -- "$1" "$WORK/body"; then fail "$2: body has '$1'"; else ok "$2"; fi
}
# header_has PATTERN DESCRIPTION: grep -Ei on the last response's headers
header_has() {
	if tr -d '\r' <"$WORK/hdr" | grep -Eiq -- "$1"; then ok "$2"; else
		fail "$2: headers lack /$1/"; sed 's/^/     | /' "$WORK/hdr"; fi
}

# json FIELD.PATH: a value from the last body (JSON); "null" for null,
# "MISSING" when absent, true/false for booleans.
json() {
	python3 -c '
import json, sys
try:
    v = json.load(open(sys.argv[1], encoding="utf-8"))
except ValueError:
    print("NOT-JSON"); sys.exit()
for k in sys.argv[2].split("."):
    if not isinstance(v, dict) or k not in v:
        print("MISSING"); sys.exit()
    v = v[k]
print(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)
' "$WORK/body" "$1"
}

# json_is FIELD.PATH WANT DESCRIPTION
json_is() {
	got=$(json "$1")
	if [ "$got" = "$2" ]; then ok "$3"; else fail "$3: $1 is '$got', expected '$2'"; fi
}

# b32_of URL: the base32 part of a code URL
b32_of() { printf '%s\n' "${1##*/S/}"; }

# manifest_code DIR SERIAL: the base32 part of a stamp's code from a manifest
manifest_code() { b32_of "$(awk -F, -v s="$2" '$1 == s { print $2 }' "$1/manifest.csv")"; }
