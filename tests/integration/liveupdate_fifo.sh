#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Live update under guests that use FIFO event channels
# (docs/live-update.md): fifo-ping and fifo-echo bounce one event (a lost
# event stalls the count, a spurious one crashes fifo-ping); fifo-sink
# takes 32 events from fifo-send on two priority queues and never
# consumes them, while transfer and exec updates, and a rolled-back one,
# come and go; when the sender is done the sink checks that every event
# is pending and linked, in order, on its queue (which needs the queue
# tails carried: a later event is linked behind the tail the old xhvd
# kept) and prints PASS or crashes.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sim.sh"

start_xhvd --mem 256M --lu-scratch 32M
ok $? "xhvd starts" || { done_testing; exit 1; }

# One event every 60 steps (~60 ms or more): the 32 take long enough for
# the updates below to fall among them.
FIFO_SEND_ARGS="every=60"
fifo_cfgs
for g in fecho fping sink send; do
    x create -q "$WORK/$g.cfg"
    is "$RC" 0 "sim guest $g created" || diag "$ERR"
done
wait_new fping 'round trips' 2 20
ok $? "fifo-ping and fifo-echo exchange events"
wait_lines sink 'bound all 32 ports; go' 1 20
ok $? "the sender bound the sink's 32 ports"

x list
ids_before=$(tail -n +2 <<<"$OUT" | awk '{print $1, $2}' | sort)

lu() { # what, live-update options...
    local what=$1
    shift
    "$XHV" live-update --json "$@" >"$WORK/lu.json" 2>"$WORK/lu.err"
    if ok $? "$what"; then
        XHVD_PID=$(jget 'j["pid"]' <"$WORK/lu.json")
        T_PIDS+=("$XHVD_PID")
    else
        diag "$(cat "$WORK/lu.err")"
    fi
}

lu "a live update (transfer) while the sink receives"
x live-update --fault lu_new_rebuild:1
is "$RC" 1 "a live update whose new xhvd fails is rolled back"
wait_new fping 'round trips' 2 30
ok $? "events flow after the rollback (the FIFO state was thawed)"
lu "a live update (exec)" --mode exec
for i in 1 2 3; do
    lu "live update $i of 3 more"
done

x console --log send
diag "after the updates the sender says: $(tail -1 <<<"$OUT")"
wait_lines sink '^fifo-sink: PASS 33 events' 1 60
ok $? "every event the sink was sent is pending and linked in order"
x console --log send
like "$OUT" 'sent 32 events, done' "the sender sent all 32"
wait_new fping 'round trips' 2 30
ok $? "fifo-ping and fifo-echo still exchange events"
for g in fecho fping sink send; do
    x console --log "$g"
    unlike "$OUT" 'FAIL' "$g reports no failure"
done
x list
is "$(tail -n +2 <<<"$OUT" | awk '{print $1, $2}' | sort)" "$ids_before" \
    "the same domains with the same ids"
is "$(tail -n +2 <<<"$OUT" | awk '$5 != "r-----"' | wc -l)" 0 "all still running"
raw call evtchn '{"domain": "sink"}' >"$WORK/ev.json"
like "$(<"$WORK/ev.json")" '"priority": *4' "the sink's ports kept their priorities"
x audit
like "$OUT" "^clean: 0 violations" "the audit is clean"

stop_xhvd
done_testing
