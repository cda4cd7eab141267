#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Save, restore and migration between two xhvds on this machine (two run
# directories), with sim guests that judge themselves: memcheck fails on
# any changed byte, ping on a lost or spurious event; a failing guest
# crashes and is destroyed. Then the failures: bad streams, a target
# without the memory, a name taken, a connection dropped mid-stream; each
# must leave the source running and the target without a domain, and both
# audits clean.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_mig.sh"

start_xhvd --mem 256M
ok $? "xhvd A starts" || { done_testing; exit 1; }
A=$XHV_RUNDIR A_PID=$XHVD_PID A_LOG=$XHVD_LOG
start_xhvd --mem 256M
ok $? "xhvd B starts" || { done_testing; exit 1; }
B=$XHV_RUNDIR B_PID=$XHVD_PID B_LOG=$XHVD_LOG
start_xhvd --mem 64M
ok $? "xhvd S (small: 64 MiB) starts" || { done_testing; exit 1; }
S=$XHV_RUNDIR S_PID=$XHVD_PID S_LOG=$XHVD_LOG
export XHV_RUNDIR=$A

cat >"$WORK/mc.cfg" <<EOF
name = "mc"
type = "sim"
kernel = "memcheck"
memory = 16
cmdline = "pages=1024"
EOF
cat >"$WORK/big.cfg" <<EOF
name = "big"
type = "sim"
kernel = "memcheck"
memory = 96
cmdline = "pages=64"
EOF
cat >"$WORK/echo.cfg" <<EOF
name = "echo"
type = "sim"
kernel = "echo"
memory = 8
EOF
cat >"$WORK/ping.cfg" <<EOF
name = "ping"
type = "sim"
kernel = "ping"
memory = 8
cmdline = "peer=echo"
EOF

for g in mc echo ping; do
    on "$A" create -q "$WORK/$g.cfg"
    is "$RC" 0 "sim guest $g created on A" || diag "$ERR"
done
wait_console "$A" mc 'pass [0-9]+ ok' 1 20
ok $? "memcheck passes on A"
wait_console "$A" ping 'round trips' 2 20
ok $? "ping and echo exchange events on A"

# --- save / restore -----------------------------------------------------------
on "$A" save -c mc "$WORK/mc.sav"
is "$RC" 0 "save -c mc" || diag "$ERR"
like "$OUT" 'pages per round: [0-9]+ ' "save reports the pages it wrote"
is "$(state_of "$A" mc)" "r-----" "save -c leaves mc running"
on "$B" restore "$WORK/mc.sav"
is "$RC" 0 "restore on B" || diag "$ERR"
like "$OUT" '^Restored mc as domain [0-9]+' "restore names the new domain"
wait_console "$B" mc 'pass [0-9]+ ok' 2 30
ok $? "the restored memcheck goes on passing (its memory arrived intact)"
no_fail "$B" mc
on "$B" dump mc
like "$OUT" 'shared_info' "the restored domain has its shared_info extra page"
on "$A" dump mc
a_tot=$(sed -n 's/.*tot_pages[^0-9]*\([0-9]*\).*/\1/p' <<<"$OUT" | head -1)
on "$B" dump mc
b_tot=$(sed -n 's/.*tot_pages[^0-9]*\([0-9]*\).*/\1/p' <<<"$OUT" | head -1)
is "$b_tot" "$a_tot" "tot_pages equal on both sides ($a_tot)"
on "$B" destroy mc

on "$A" save mc "$WORK/mc2.sav"
is "$RC" 0 "save (no -c) mc" || diag "$ERR"
is "$(state_of "$A" mc)" "none" "plain save destroys the domain"
on "$A" restore "$WORK/mc2.sav"
is "$RC" 0 "restore it on the same xhvd" || diag "$ERR"
wait_console "$A" mc 'pass [0-9]+ ok' 1 30
ok $? "memcheck passes after save and restore on A"
on "$A" restore "$WORK/mc2.sav"
isnt "$RC" 0 "restoring again under a name in use is refused"
like "$ERR" "already exists" "... saying the name exists"
on "$A" restore "$WORK/mc2.sav" name=mc-copy
is "$RC" 0 "restore name=mc-copy gives a second copy" || diag "$ERR"
wait_console "$A" mc-copy 'pass [0-9]+ ok' 1 30
ok $? "the copy passes too"
on "$A" destroy mc-copy

# --- refusals: bad streams ----------------------------------------------------
b_before=$(count_doms "$B")
head -c 24 "$WORK/mc2.sav" >"$WORK/bad-hdr.sav"
printf 'XXXXXXXX' | dd of="$WORK/bad-magic.sav" bs=1 conv=notrunc 2>/dev/null
cp "$WORK/mc2.sav" "$WORK/bad-magic.sav"
printf '\x00' | dd of="$WORK/bad-magic.sav" bs=1 seek=3 conv=notrunc 2>/dev/null
head -c 300000 "$WORK/mc2.sav" >"$WORK/bad-trunc.sav"
cp "$WORK/mc2.sav" "$WORK/bad-version.sav"
printf '\x09' | dd of="$WORK/bad-version.sav" bs=1 seek=15 conv=notrunc 2>/dev/null
for t in hdr magic trunc version; do
    on "$B" restore "$WORK/bad-$t.sav"
    isnt "$RC" 0 "a stream with a bad $t is refused"
    diag "$ERR"
done
like "$(on "$B" restore "$WORK/bad-trunc.sav"; echo "$ERR")" 'ends at offset' \
    "truncation is reported with its offset"
like "$(on "$B" restore "$WORK/bad-magic.sav"; echo "$ERR")" 'not a Xen migration' \
    "a wrong marker is named"
is "$(count_doms "$B")" "$b_before" "no domain left behind by a refused stream"
audit_clean "$B" "B after refused streams"

# --- live migration -----------------------------------------------------------
on "$A" migrate mc "$B"
is "$RC" 0 "migrate mc A -> B (live, unix socket)" || diag "$ERR"
like "$OUT" 'round\(s\), pages per round' "migrate reports rounds and pages"
like "$OUT" 'downtime [0-9.]+ ms' "migrate reports the downtime"
like "$OUT" 'round 1: [0-9.]+ MB in [0-9.]+ ms, [0-9.]+ MB/s; [0-9]+ dirty pages; est. downtime [0-9.]+ ms' \
    "migrate prints each round as it ends (size, rate, dirty pages, estimate)"
like "$OUT" 'round [0-9]+ \(final, paused\):' "... and the final round"
like "$OUT" 'total [0-9.]+ ms, [0-9]+ bytes' "... and the total time and bytes"
diag "$OUT"
is "$(state_of "$A" mc)" "none" "mc is gone from A"
is "$(state_of "$B" mc)" "r-----" "mc runs on B"
wait_console "$B" mc 'pass [0-9]+ ok' 2 30
ok $? "memcheck goes on passing on B (nothing lost in pre-copy)"
no_fail "$B" mc

on "$A" migrate ping,echo "$B"
is "$RC" 0 "migrate ping and echo together" || diag "$ERR"
diag "$OUT"
wait_console "$B" ping 'round trips' 2 30
ok $? "ping and echo exchange events on B (no event lost)"
no_fail "$B" ping
on "$B" evtchn ping
like "$OUT" 'interdomain +d[0-9]+:1' "ping's channel to echo is tied on B"

# Migrating ping alone: its channel to echo, left behind, is closed.
on "$B" migrate ping "$A"
is "$RC" 0 "migrate ping alone back to A" || diag "$ERR"
on "$A" evtchn ping
like "$OUT" ' 1 +unbound' "ping's port to the echo left behind is unbound"
on "$A" destroy ping
on "$B" destroy echo

# --- refusals on migrate: the source keeps running -------------------------
on "$B" create -q "$WORK/big.cfg"
is "$RC" 0 "a 96 MiB guest on B" || diag "$ERR"
on "$B" migrate big "$S"
isnt "$RC" 0 "migrating it to a 64 MiB xhvd is refused"
like "$ERR" 'not enough free memory' "... for lack of memory"
is "$(state_of "$B" big)" "r-----" "big still runs on B"
is "$(count_doms "$S")" 0 "nothing left on the small xhvd"
audit_clean "$S" "S after the refusal"
on "$B" destroy big

on "$A" create -q "$WORK/mc.cfg"
on "$A" migrate mc "$B"
isnt "$RC" 0 "migrating to an xhvd that has the name is refused"
like "$ERR" 'already exists' "... saying the name exists"
is "$(state_of "$A" mc)" "r-----" "the source mc still runs"

on "$B" destroy mc
b_before=$(count_doms "$B")
on "$A" migrate --fault mig_io_write:40 mc "$B"
isnt "$RC" 0 "a connection dropped mid-stream fails the migration"
diag "$ERR"
is "$(state_of "$A" mc)" "r-----" "the source mc runs on"
wait_console "$A" mc 'pass [0-9]+ ok' 1 30
ok $? "and still passes"
is "$(count_doms "$B")" "$b_before" "no half-made domain on the target"

on "$A" migrate --no-live mc "$B"
is "$RC" 0 "a non-live migration after the failure works" || diag "$ERR"
like "$OUT" '1 round\(s\)' "non-live: one round"
wait_console "$B" mc 'pass [0-9]+ ok' 1 30
ok $? "memcheck passes on B"

# --- TCP -------------------------------------------------------------------------
on "$B" migrate mc tcp:127.0.0.1:1
isnt "$RC" 0 "tcp: without --insecure is refused"
like "$ERR" 'insecure' "... asking for --insecure"
XHV_RUNDIR=$A "$XHV" migrate-receive --listen 127.0.0.1:0 --insecure \
    >"$WORK/recv.out" 2>"$WORK/recv.err" &
RECV=$!
port=
for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/recv.out")
    [ -n "$port" ] && break
    timeout 0.1 tail -f "$WORK/recv.out" >/dev/null 2>&1
done
ok "$([ -n "$port" ] && echo 0 || echo 1)" "migrate-receive listens (port $port)"
on "$B" migrate --insecure mc "tcp:127.0.0.1:$port"
is "$RC" 0 "migrate mc B -> A over TCP" || diag "$ERR"
like "$ERR" 'warning' "the CLI warns about plaintext"
wait_exit "$RECV" 10
ok $? "migrate-receive exits after one migration"
wait_console "$A" mc 'pass [0-9]+ ok' 1 30
ok $? "memcheck passes on A after TCP migration"
no_fail "$A" mc

# --- a round trip, state compared --------------------------------------------------
# A paused pair saved and restored paused elsewhere: what `xhv evtchn` and
# `xhv dump` say must be the same on both sides, but for what names this
# host (domain ids, machine frames, how RAM is laid out in the heap).
sed 's/^name = "echo"/name = "recho"/' "$WORK/echo.cfg" >"$WORK/recho.cfg"
sed 's/^name = "ping"/name = "rping"/; s/peer=echo/peer=recho/' \
    "$WORK/ping.cfg" >"$WORK/rping.cfg"
on "$A" create -q "$WORK/recho.cfg"
is "$RC" 0 "recho created on A" || diag "$ERR"
on "$A" create -q "$WORK/rping.cfg"
is "$RC" 0 "rping created on A" || diag "$ERR"
wait_console "$A" rping 'ping: [0-9]+ round trips' 1 30
ok $? "a ping/echo pair runs on A"
on "$A" pause rping
on "$A" pause recho
host_free() { # normalises what depends on the host: ids, mfns, extents
    sed -E 's/d[0-9]+:/d?:/g; s/^Domain [0-9]+/Domain ?/; s/mfn 0x[0-9a-f]+//;
        /^  ram /d; /^  overhead /d; s/, [0-9]+ table pages//; s/ +/ /g'
}
state() { # dir
    local g
    for g in rping recho; do
        on "$1" evtchn "$g"
        host_free <<<"$OUT"
        on "$1" dump "$g"
        host_free <<<"$OUT"
    done
}
before=$(state "$A")
on "$A" save -p rping,recho "$WORK/pair.sav"
is "$RC" 0 "save -p the paused pair" || diag "$ERR"
on "$B" restore -p "$WORK/pair.sav"
is "$RC" 0 "restore -p on B" || diag "$ERR"
after=$(state "$B")
is "$after" "$before" "evtchn and dump say the same on both sides"
like "$before" 'interdomain' "... (the pair's channel among it)"
like "$before" 'shared_info +gfn' "... (and shared_info where the guest put it)"
on "$B" unpause rping
on "$B" unpause recho
wait_console "$B" rping 'ping: [0-9]+ round trips' 1 30
ok $? "the pair goes on exchanging events on B"
for d in "$A" "$B"; do
    on "$d" destroy rping
    on "$d" destroy recho
done

# --- the end -----------------------------------------------------------------------
audit_clean "$A" "A"
audit_clean "$B" "B"
XHVD_PID=$S_PID XHVD_LOG=$S_LOG
stop_xhvd
XHVD_PID=$B_PID XHVD_LOG=$B_LOG
stop_xhvd
XHVD_PID=$A_PID XHVD_LOG=$A_LOG
stop_xhvd
done_testing
