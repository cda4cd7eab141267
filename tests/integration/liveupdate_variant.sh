#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# ABI independence (issue 9): xhvd-variant is xhvd built from the same
# sources with -DXHV_LAYOUT_VARIANT, which reorders and pads struct
# page_info (32 -> 40 bytes), struct domain, struct vcpu and struct evtchn.
# Live updates back and forth between the two builds, in both modes, under
# the memcheck/ping/echo sim guests of liveupdate.sh: if any internal
# layout reached the stream, a guest would lose a byte or an event (and
# crash, and be destroyed), or the audit would fail.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sim.sh"

: "${XHVD_VARIANT:?set XHVD_VARIANT to the xhvd-variant binary (meson test does)}"

start_xhvd --mem 256M --lu-scratch 32M
ok $? "xhvd starts" || { done_testing; exit 1; }

sim_trio

wait_beyond ping 2000 30
ok $? "ping and echo exchange events"
wait_beyond mc 0 30
ok $? "memcheck completes a pass"

x list
ids_before=$(tail -n +2 <<<"$OUT" | awk '{print $1, $2}' | sort)
x info
like "$OUT" '^page_info_bytes +: 32$' "the normal build's struct page_info is 32 bytes"

# One update to BINARY in MODE; then the serving process must be that
# binary, with its own layout, and the guests as they were.
update_to() { # mode binary page_info_bytes what
    local mode=$1 bin=$2 bytes=$3 what="$4 ($1 mode)" exe
    local rt=$(counter ping) mc=$(counter mc)
    x live-update --json --mode "$mode" --binary "$bin"
    is "$RC" 0 "$what: the live update succeeds" || { diag "$ERR"; return 1; }
    XHVD_PID=$(jget 'j["pid"]' <<<"$OUT")
    T_PIDS+=("$XHVD_PID")
    exe=$(readlink "/proc/$XHVD_PID/exe")
    is "$exe" "$(readlink -f "$bin")" "$what: pid $XHVD_PID runs $(basename "$bin")"
    x info
    like "$OUT" "^page_info_bytes +: $bytes\$" "$what: its struct page_info is $bytes bytes"
    x list
    is "$(tail -n +2 <<<"$OUT" | awk '{print $1, $2, $5}' | sort)" \
        "$(awk '{print $1, $2, "r-----"}' <<<"$ids_before" | sort)" \
        "$what: the same domains with the same ids, running"
    x audit
    like "$OUT" "^clean: 0 violations" "$what: audit clean"
    ok "$([ "$(counter ping)" -ge "$rt" ] && [ "$(counter mc)" -ge "$mc" ] && echo 0 || echo 1)" \
        "$what: the guests' counters carried on"
    wait_beyond ping "$(counter ping)" 30
    ok $? "$what: events flow (ping would stall on a lost one)"
    wait_beyond mc "$(counter mc)" 30
    ok $? "$what: memcheck passes (no byte changed)"
}

update_to transfer "$XHVD_VARIANT" 40 "normal -> variant"
update_to transfer "$XHVD" 32 "variant -> normal"
update_to transfer "$XHVD_VARIANT" 40 "normal -> variant again"
update_to exec "$XHVD" 32 "variant -> normal"
update_to exec "$XHVD_VARIANT" 40 "normal -> variant"
update_to exec "$XHVD_VARIANT" 40 "variant -> variant"
update_to transfer "$XHVD" 32 "back to normal"

for g in mc echo ping; do
    x console --log "$g"
    unlike "$OUT" 'FAIL' "$g reports no failure"
done
x evtchn ping
like "$OUT" 'interdomain +d[0-9]+:1' "ping's channel to echo is still bound"
x audit
like "$OUT" "unmanaged 0;" "every page is managed again"

stop_xhvd
done_testing
