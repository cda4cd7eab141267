#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# FIFO event channels across save/restore and live migration between two
# xhvds (docs/migration.md), with sim guests that judge themselves:
#   fifo-ping/fifo-echo bounce one event over FIFO (a lost event stalls
#     the count, a spurious one crashes fifo-ping);
#   fifo-sink takes 32 events from fifo-send on two priority queues and
#     never consumes them; the sender sends half, waits until it has been
#     restored elsewhere, sends the rest, then "done": the sink checks that
#     every event is pending and linked, in order, on its queue, which
#     needs the queue tails restored right (an event sent after a restore
#     is linked behind the tail xhv carried), and prints PASS or crashes.
# Then a stream whose FIFO record names a tail outside the event array:
# refused with the reason, nothing left behind.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_mig.sh"
. "$(dirname "$0")/lib_sim.sh"

start_xhvd --mem 256M
ok $? "xhvd A starts" || { done_testing; exit 1; }
A=$XHV_RUNDIR A_PID=$XHVD_PID A_LOG=$XHVD_LOG
start_xhvd --mem 256M
ok $? "xhvd B starts" || { done_testing; exit 1; }
B=$XHV_RUNDIR B_PID=$XHVD_PID B_LOG=$XHVD_LOG
export XHV_RUNDIR=$A

# The sink and its sender on DIR; returns once the sink said go.
sink_pair() { # dir [send config]
    on "$1" create -q "$WORK/sink.cfg"
    is "$RC" 0 "fifo-sink created" || diag "$ERR"
    on "$1" create -q "$WORK/${2:-send.cfg}"
    is "$RC" 0 "fifo-send created (peer=sink)" || diag "$ERR"
    XHV_RUNDIR=$1 wait_lines sink 'bound all 32 ports; go' 1 20
    ok $? "the sender bound the sink's 32 ports"
}

# The sink passed on DIR and the sender sent half before and half after.
sink_passed() { # dir how [what the sender's console must show]
    XHV_RUNDIR=$1 wait_lines sink '^fifo-sink: PASS 33 events' 1 30
    ok $? "$2: every event the sink was sent is pending and linked in order"
    on "$1" console --log send
    like "$OUT" "${3:-restored, sending the rest}" \
        "$2: the sender's events went ${4:-half before, half after}"
    no_fail "$1" sink
    is "$(state_of "$1" sink)" "r-----" "$2: the sink runs on"
}

FIFO_SEND_ARGS="every=4 split=16"
fifo_cfgs
for g in fecho fping; do
    on "$A" create -q "$WORK/$g.cfg"
    is "$RC" 0 "sim guest $g created on A" || diag "$ERR"
done
XHV_RUNDIR=$A wait_new fping 'round trips' 2 20
ok $? "fifo-ping and fifo-echo exchange events on A"
raw call evtchn '{"domain": "fping"}' >"$WORK/ev.json"
like "$(<"$WORK/ev.json")" '"priority": *7' "fping's port is a FIFO port (priority 7)"

# --- live migration of the pair ---------------------------------------
on "$A" migrate fping,fecho "$B"
is "$RC" 0 "live migration of fping and fecho A -> B" || diag "$ERR"
diag "$OUT"
is "$(state_of "$A" fping)" "none" "fping is gone from A"
XHV_RUNDIR=$B wait_new fping 'round trips' 2 30
ok $? "they go on exchanging events on B (none lost: fifo-ping would stall)"
no_fail "$B" fping
on "$B" evtchn fping
like "$OUT" 'interdomain +d[0-9]+:1' "fping's channel to fecho is tied on B"

# --- save / restore of the pair ---------------------------------------
on "$B" save fping,fecho "$WORK/pair.sav"
is "$RC" 0 "save fping,fecho on B" || diag "$ERR"
on "$A" restore "$WORK/pair.sav"
is "$RC" 0 "restore them on A" || diag "$ERR"
XHV_RUNDIR=$A wait_new fping 'round trips' 2 30
ok $? "they go on exchanging events on A after save and restore"
no_fail "$A" fping
no_fail "$A" fecho

# --- the sink, live-migrated while it receives ------------------------
# The sink first: only the first domain of a group has live rounds, so
# the sender's first events land while the sink's pages are being sent.
# A split would race with the migration (which may end before the
# sender reaches it): this sender sends one event every 4 steps, start
# to end, while the migration runs, and ends on B.
sed 's/split=[0-9]*//' "$WORK/send.cfg" >"$WORK/send-live.cfg"
sink_pair "$A" send-live.cfg
on "$A" migrate sink,send "$B"
is "$RC" 0 "live migration of sink and send A -> B" || diag "$ERR"
diag "$OUT"
sink_passed "$B" "live migration" 'fifo-send: .*done|sent 32' \
    "on while the migration ran, and ended on B"

# --- the sink, saved half-way and restored ----------------------------
on "$B" destroy sink
on "$B" destroy send
sink_pair "$B"
XHV_RUNDIR=$B wait_lines send 'waiting to be restored' 1 20
ok $? "the sender sent half and waits"
on "$B" save sink,send "$WORK/sink.sav"
is "$RC" 0 "save sink,send on B" || diag "$ERR"
on "$A" restore "$WORK/sink.sav"
is "$RC" 0 "restore them on A" || diag "$ERR"
sink_passed "$A" "save and restore"

# --- a bad FIFO record ---------------------------------------------------
# A fifo-echo of its own (FIFO set up, no channel) saved, and a copy of
# the image with vCPU 0's queue 7 tail set to port 4095, which its one
# array page (ports 0..1023) does not cover.
sed 's/"fecho"/"lone"/' "$WORK/fecho.cfg" >"$WORK/lone.cfg"
on "$B" create -q "$WORK/lone.cfg"
is "$RC" 0 "a lone fifo-echo on B" || diag "$ERR"
XHV_RUNDIR=$B wait_lines lone 'fifo-echo: started' 1 20
ok $? "it has set up FIFO"
on "$B" save -c lone "$WORK/lone.sav"
is "$RC" 0 "save -c lone" || diag "$ERR"
"$PYTHON" - "$WORK/lone.sav" "$WORK/bad-tail.sav" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
pos = 24 + 16  # image header, domain header
while True:
    typ, length = struct.unpack_from('<II', data, pos)
    if typ == 0x00580001:
        # {nr_control, nr_array}, then control[0]: vcpu, offset, gfn, tails
        struct.pack_into('<I', data, pos + 8 + 8 + 16 + 7 * 4, 4095)
        break
    if typ == 0:
        sys.exit('no XHV_EVTCHN_FIFO record')
    pos += 8 + (length + 7) // 8 * 8
open(sys.argv[2], 'wb').write(data)
PY
ok $? "a copy of the image with a tail outside the event array"
on "$A" list
a_before=$(tail -n +2 <<<"$OUT" | wc -l)
on "$A" restore "$WORK/bad-tail.sav"
isnt "$RC" 0 "restoring it is refused"
like "$ERR" 'XHV_EVTCHN_FIFO.*tail port 4095 is not in the event array' \
    "... naming the record and the tail"
diag "$ERR"
on "$A" list
is "$(tail -n +2 <<<"$OUT" | wc -l)" "$a_before" "no domain left behind"
on "$A" restore "$WORK/lone.sav"
is "$RC" 0 "the unspoilt image restores" || diag "$ERR"
on "$A" evtchn lone
is "$RC" 0 "... and its domain is there"

# --- the end -------------------------------------------------------------
for g in fping fecho send; do
    no_fail "$A" "$g"
done
audit_clean "$A" "A"
audit_clean "$B" "B"
XHVD_PID=$B_PID XHVD_LOG=$B_LOG
stop_xhvd
XHVD_PID=$A_PID XHVD_LOG=$A_LOG
stop_xhvd
done_testing
