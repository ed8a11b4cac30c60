#!/bin/sh
# verifyd_slowloris.sh - thousands of request heads that never end, while a
# shopper's scan from another address must still be answered within 1 s.
#
#   STAMPGEN=build/stampgen VERIFYD=build/verifyd STAMP_SOURCE_DIR=. sh tests/soak/verifyd_slowloris.sh
#   env: SOCKETS (attacking connections, 2000), PER_ADDR (connections per
#        source address, 60: under verifyd's default per_ip_connections of
#        64, so the per-address limit never turns them away: the attack
#        spreads over 127.0.0.2 .. 127.0.0.K, K = 1 + SOCKETS / PER_ADDR
#        rounded up), DURATION (seconds the attack holds, 30), INTERVAL
#        (seconds between two sends of one connection, 3, each drawn in
#        0.5-1.5 x), SLOW_RECONNECT (1: a connection verifyd closes is
#        opened again 0.2 s later; 0: not), PROBE_EVERY (0.5 s), PROBE_DEADLINE (1 s), SOAK_SEED,
#        VERIFYD_FLAGS (more verifyd flags, e.g. "--head-timeout 5" once
#        verifyd has it), SOAK_GLOBAL (seconds the whole run may take:
#        DURATION + 90)
#   smoke: SOCKETS=1200 DURATION=12 (for CTest once the head deadline lands)
#
# The attacker (vd_load.py slowloris, one python3 process, bind() to its
# source address before connect) opens SOCKETS connections to verifyd; half
# of them send their request head ("GET /S/<CODE> HTTP/1.1", Host, then
# header after header) one byte at a time, half one header line at a time,
# every few seconds, and never the blank line that ends it. A connection the
# server closes is opened again 0.2 s later, as an attacker would (so a head
# deadline alone does not free the slots for long: verifyd must also make
# room for new connections when they run out). verifyd
# runs with its defaults (max_connections 1024, timeout 10 s) and whatever
# VERIFYD_FLAGS add; the open file limit is raised for both (ulimit -n).
#
# The probe (vd_load.py probe, another process, from 127.0.0.1) opens a new
# connection every 0.5 s and does one full GET of a code's page. Asserted:
# the probe is answered 200 within 1 s before the attack (the control), and
# every probe during the attack and just after it is too; verifyd is alive
# at the end. Printed: the probes' outcomes and latencies, and what the
# attacker saw (connections established, closed by verifyd and after how
# long, held to the end).
#
# Without a deadline for the request head this fails: every byte resets the
# idle timeout, so the slow heads hold every connection slot for as long as
# they like and the probe is not answered.
SOAK_NAME=verifyd_slowloris.sh
DURATION=${DURATION:-30}
case $DURATION in '' | *[!0-9]*) echo "$SOAK_NAME: DURATION must be a whole number of seconds, got \"$DURATION\"" >&2; exit 2 ;; esac
SOAK_GLOBAL=${SOAK_GLOBAL:-$((DURATION + 90))}
. "$STAMP_SOURCE_DIR/tests/soak/lib_vdsoak.sh"

SOCKETS=${SOCKETS:-2000}
PER_ADDR=${PER_ADDR:-60}
INTERVAL=${INTERVAL:-3}
RECONNECT=${SLOW_RECONNECT:-1}
PROBE_EVERY=${PROBE_EVERY:-0.5}
PROBE_DEADLINE=${PROBE_DEADLINE:-1}
SEED=${SOAK_SEED:-$(($(date +%s) % 100000))}
for v in "SOCKETS $SOCKETS" "PER_ADDR $PER_ADDR" "SOAK_SEED $SEED" "SLOW_RECONNECT $RECONNECT"; do num $v; done
[ "$SOCKETS" -ge 1 ] && [ "$PER_ADDR" -ge 1 ] || { echo "$SOAK_NAME: SOCKETS and PER_ADDR must be >= 1" >&2; exit 2; }
NADDR=$(((SOCKETS + PER_ADDR - 1) / PER_ADDR))
[ "$NADDR" -le 253 ] || { echo "$SOAK_NAME: $NADDR source addresses needed, 253 at most: raise PER_ADDR" >&2; exit 2; }

# Room for the attacker's sockets and verifyd's, with some to spare.
want=$((SOCKETS + 1024))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want" ]; then
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] || [ "$hard" -ge "$want" ] ||
		{ echo "$SOAK_NAME: needs $want open files, the hard limit is $hard" >&2; exit 2; }
	ulimit -n "$want"
fi

soak_registry 4 1
CODE=$(cat codes)
echo "verifyd_slowloris: $SOCKETS slow heads from 127.0.0.2-127.0.0.$((NADDR + 1)) ($PER_ADDR each) for $DURATION s, a send every ~$INTERVAL s; a probe from 127.0.0.1 every $PROBE_EVERY s must be answered within $PROBE_DEADLINE s; seed $SEED; open files $(ulimit -n); verifyd ${VERIFYD_FLAGS:-(defaults)}: $VERIFYD"
vd_up || { fail "verifyd starts"; finish; }

probe() { # OUT DURATION
	$LOAD probe --port "$VD_PORT" --path "/S/$CODE" --out "$1" --every "$PROBE_EVERY" \
		--deadline "$PROBE_DEADLINE" --duration "$2"
}
# the control: answered before the attack
probe base 1.4
if awk -v d="$PROBE_DEADLINE" '$2 != 200 || $3 > d * 1000 { bad = 1 } END { exit bad || NR == 0 }' base; then
	ok "before the attack: $(wc -l <base) probes answered 200 within $PROBE_DEADLINE s ($(awk '{ printf "%s%d", (NR > 1 ? ", " : ""), $3 }' base) ms)"
else
	fail "before the attack the probe is not answered: $(tr '\n' ' ' <base)"
fi

$LOAD slowloris --port "$VD_PORT" --sockets "$SOCKETS" --per-addr "$PER_ADDR" --duration "$DURATION" \
	--interval "$INTERVAL" --code "$CODE" --seed "$SEED" --reconnect "$RECONNECT" --out attack &
ATTACK=$!
PIDS="$PIDS $ATTACK"
# the probe runs through the attack and 2 s after it (slots freed in time)
probe probes $((DURATION + 2)) &
PROBE=$!
PIDS="$PIDS $PROBE"
arc=0
wait "$ATTACK" || arc=$?
prc=0
wait "$PROBE" || prc=$?
PIDS=
[ "$arc" -eq 0 ] || fail "the attacker exited $arc"
[ "$prc" -eq 0 ] || fail "the probe exited $prc"

# ---- what the probe saw ---------------------------------------------------------
n=$(wc -l <probes)
good=$(awk -v d="$PROBE_DEADLINE" '$2 == 200 && $3 <= d * 1000' probes | wc -l)
echo "probes during the attack (t from its start: outcome, ms):"
awk '{ printf "%s%5.1f %s %d", (NR % 6 == 1 ? "     " : "   "), $1, $2, $3; if (NR % 6 == 0) print "" } END { if (NR % 6) print "" }' probes
outcomes=$(awk -v d="$PROBE_DEADLINE" '{ k = ($2 == 200 && $3 > d * 1000) ? "200-late" : $2; c[k]++ } END { for (k in c) printf "%s %d; ", k, c[k] }' probes)
worst=$(awk 'BEGIN { m = 0 } $3 > m { m = $3 } END { print m }' probes)
if [ "$n" -gt 0 ] && [ "$good" -eq "$n" ]; then
	ok "during the attack: all $n probes answered 200 within $PROBE_DEADLINE s (slowest $worst ms)"
else
	first=$(awk -v d="$PROBE_DEADLINE" '!($2 == 200 && $3 <= d * 1000) { printf "t=%.1f s %s after %d ms", $1, $2, $3; exit }' probes)
	fail "during the attack: $good of $n probes answered 200 within $PROBE_DEADLINE s ($outcomes the first miss: $first)"
	echo "     (timeout-connect: no TCP handshake within the deadline, the listen backlog is full; timeout-answer:"
	echo "     connected, no whole answer; 200-late: answered after the deadline; refused, reset, closed: no answer)"
fi

# ---- what the attacker saw --------------------------------------------------------
if [ -s attack ]; then
	set -- $(awk '$1 == "connects" { print $2, $4, $6, $8 }' attack) \
		$(awk '$1 == "closed_by_server" { print $2, $4 }' attack) \
		$(awk '$1 == "lifetime_s" { print $2, $3, $4 }' attack) \
		$(awk '$1 == "held_to_end" { print $2, $4 }' attack) \
		$(awk '$1 == "open" && $3 > m { m = $3 } END { print m + 0 }' attack) \
		$(awk '$1 == "bytes_sent" { print $2 }' attack)
	echo "attacker: $1 connects ($2 established, $3 refused, $4 failed); verifyd closed $5 of them ($6 with an answer), after $7/$8/$9 s (min/median/max); ${10} held to the end (the oldest ${11} s); at most ${12} established at once; ${13} bytes sent in all"
	echo "established connections, each second:$(awk '$1 == "open" { printf " %d", $3 }' attack)"
else
	fail "the attacker wrote no report"
fi
vd_alive && ok "verifyd is alive after the attack" || fail "verifyd died during the attack"
fetch /healthz
[ "$STATUS" = 200 ] && ok "after the attack: /healthz 200" || fail "after the attack: /healthz $STATUS"
vd_halt TERM
[ "$VD_RC" = 0 ] || fail "SIGTERM after the attack: exit $VD_RC"
echo "verifyd_slowloris: log of verifyd: $(wc -l <"$HALT_LOG") lines; $(grep -c 'http: ' "$HALT_LOG" || true) from libmicrohttpd, e.g.: $(grep 'http: ' "$HALT_LOG" | sort | uniq -c | sort -rn | head -3 | sed 's/^ *//' | tr '\n' ';')"
echo "verifyd_slowloris: wall $(elapsed) s"
finish
