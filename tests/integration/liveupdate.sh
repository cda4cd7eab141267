#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Live update under running guests (DESIGN.md section 7): three sim guests
# (memcheck checksums its memory with a new pattern every pass; ping and
# echo bounce one event back and forth, so a lost or a spurious event
# crashes ping) go through XHV_LU_ROUNDS live updates (10 by default, 100
# in the --long suite). Then every way the new xhvd can fail is tried,
# each of which must roll back with the guests untouched, and a last live
# update must still succeed.
#
# The guests judge themselves: any changed byte or lost event makes one
# print FAIL and crash, and a crashed guest is destroyed (on_crash), so
# "same three domains, running, consoles free of FAIL, counters still
# moving" is the whole check.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sim.sh"

ROUNDS=${XHV_LU_ROUNDS:-10}

start_xhvd --mem 256M --lu-scratch 32M
ok $? "xhvd starts" || { done_testing; exit 1; }

sim_trio

# Waits until DOMAIN's console shows COUNT new lines matching REGEX
# (lines already there do not count), at most SECS seconds. Event-driven:
# `xhv console` follows the output and the reader stops at the match.
wait_console() { # domain regex count secs
    local have want got
    have=$("$XHV" console --log "$1" | grep -cE "$2")
    want=$((have + $3))
    # grep stops at the want-th match and the follower ends with its
    # pipe; a timeout kills it. grep -c says how many it really saw.
    got=$(timeout "$4" "$XHV" console "$1" </dev/null 2>/dev/null |
        grep -m "$want" -cE "$2")
    [ "${got:-0}" -ge "$want" ]
}

# The biggest number N of "ping: N round trips" so far.
round_trips() {
    "$XHV" console --log ping | sed -n 's/^ping: \([0-9]*\) round trips$/\1/p' |
        sort -n | tail -1
}

wait_console ping 'round trips' 3 20
ok $? "ping and echo exchange events"
wait_console mc 'pass [0-9]+ ok' 1 20
ok $? "memcheck completes a pass"

x list
ids_before=$(tail -n +2 <<<"$OUT" | awk '{print $1, $2}' | sort)
rt_before=$(round_trips)
diag "before: ${rt_before:-0} round trips"

# --- ROUNDS live updates -------------------------------------------------
# A console follower attached all the while: it must ride through every
# update (each read is a new connection, and the console offset is carried).
"$XHV" console ping </dev/null >"$WORK/follow.out" 2>"$WORK/follow.err" &
follow_pid=$!
failed=0
downtimes=()
pids=()
for i in $(seq 1 "$ROUNDS"); do
    if ! "$XHV" live-update --json >"$WORK/lu.json" 2>"$WORK/lu.err"; then
        failed=$((failed + 1))
        diag "live update $i: $(cat "$WORK/lu.err")"
        continue
    fi
    downtimes+=("$(jget 'j["downtime_ns"] // 1000' <"$WORK/lu.json")")
    pids+=("$(jget 'j["pid"]' <"$WORK/lu.json")")
    XHVD_PID=${pids[-1]}
    T_PIDS+=("$XHVD_PID")
done
is "$failed" 0 "$ROUNDS live updates in a row succeed"
diag "downtimes (us): ${downtimes[*]}"
is "$(printf '%s\n' "${pids[@]}" | sort -u | wc -l)" "$ROUNDS" \
    "each live update left a new xhvd process"
x info
like "$OUT" "^pid +: $XHVD_PID\$" "the control socket answers from the newest xhvd"

x list
is "$(tail -n +2 <<<"$OUT" | awk '{print $1, $2}' | sort)" "$ids_before" \
    "the same domains with the same ids"
is "$(tail -n +2 <<<"$OUT" | awk '$5 != "r-----"' | wc -l)" 0 "all still running"
x audit
like "$OUT" "^clean: 0 violations" "the audit is clean after $ROUNDS updates"
like "$OUT" "unmanaged 0;" "every page is managed again (old pages reclaimed)"

wait_console ping 'round trips' 2 30
ok $? "events still flow after the updates (no event lost: ping would stall)"
wait_console mc 'pass [0-9]+ ok' 1 30
ok $? "memcheck still passes (no byte changed)"
rt_after=$(round_trips)
ok "$([ "${rt_after:-0}" -gt "${rt_before:-0}" ] && echo 0 || echo 1)" \
    "round trips went on counting: ${rt_before:-0} -> ${rt_after:-0}"
for g in mc echo ping; do
    x console --log "$g"
    unlike "$OUT" 'FAIL' "$g reports no failure"
done
x evtchn ping
like "$OUT" 'interdomain +d[0-9]+:1' "ping's channel to echo is still bound"
x list -l mc
like "$OUT" '"kernel": *"memcheck"' "mc's configuration came along (list -l, restarts)"

kill -0 "$follow_pid" 2>/dev/null
ok $? "the console follower attached before the updates is still attached"
kill "$follow_pid" 2>/dev/null
wait "$follow_pid" 2>/dev/null
counts=$(sed -n 's/^ping: \([0-9]*\) round trips$/\1/p' "$WORK/follow.out")
ok "$([ -n "$counts" ] && sort -n -c -u <<<"$counts" 2>/dev/null && echo 0 || echo 1)" \
    "it saw ping's reports once each, in order, across the updates ($(wc -l <<<"$counts") lines)"
like "$(tail -1 <<<"$counts")" "^[0-9]+$" "last report it saw: $(tail -1 <<<"$counts") round trips"

# --- rollback -------------------------------------------------------------
# Each must fail with a reason, leave the same xhvd serving and the guests
# running, untouched.
check_rolled_back() { # what
    local what=$1
    LU_ERR=$ERR
    is "$RC" 1 "$what: the live update fails"
    like "$ERR" 'live-update: ' "$what: with a reason"
    x info
    like "$OUT" "^pid +: $XHVD_PID\$" "$what: the old xhvd still serves"
    x list
    is "$(tail -n +2 <<<"$OUT" | awk '{print $1, $2, $5}' | sort)" \
        "$(awk '{print $1, $2, "r-----"}' <<<"$ids_before" | sort)" \
        "$what: the same domains, running"
    x audit
    like "$OUT" "^clean: 0 violations" "$what: audit clean (record pages freed)"
}

for site in lu_new_boot lu_new_parse lu_new_rebuild lu_new_resume; do
    x live-update --fault "$site:1"
    check_rolled_back "new xhvd failing at $site"
    diag "$LU_ERR"
done

x live-update --binary /bin/true
check_rolled_back "a binary that is not xhvd"

printf '#!/bin/sh\nexec sleep 60\n' >"$WORK/hang.sh"
chmod +x "$WORK/hang.sh"
x live-update --binary "$WORK/hang.sh" --timeout 1
check_rolled_back "a new xhvd that never answers"
like "$LU_ERR" 'in time' "the timeout is named"

for how in crc truncate version mandatory; do
    x live-update --corrupt "$how"
    check_rolled_back "a stream spoilt by '$how'"
    diag "$LU_ERR"
done
x live-update --corrupt version
like "$ERR" 'version' "a too-new stream version is named as such"

# Any allocation of the new xhvd failing: each either succeeds or rolls
# back; the guests never notice.
bad=0
for n in 1 3 8 21 55 144; do
    if "$XHV" live-update --json --timeout 10 --fault "*:$n" >"$WORK/lu.json" 2>"$WORK/lu.err"; then
        XHVD_PID=$(jget 'j["pid"]' <"$WORK/lu.json")
        T_PIDS+=("$XHVD_PID")
    elif ! grep -q 'live-update: ' "$WORK/lu.err"; then
        bad=$((bad + 1))
        diag "fault *:$n: $(cat "$WORK/lu.err")"
    fi
    x list
    [ "$(tail -n +2 <<<"$OUT" | awk '$5 == "r-----"' | wc -l)" -eq 3 ] ||
        { bad=$((bad + 1)); diag "after fault *:$n: $OUT"; }
done
is "$bad" 0 "allocation failures in the new xhvd: success or a clean rollback"

wait_console ping 'round trips' 2 30
ok $? "events flow after the rollbacks"
wait_console mc 'pass [0-9]+ ok' 1 30
ok $? "memcheck passes after the rollbacks"

x live-update --json
is "$RC" 0 "a live update after all that succeeds"
[ "$RC" -eq 0 ] && { XHVD_PID=$(jget 'j["pid"]' <<<"$OUT"); T_PIDS+=("$XHVD_PID"); }
for g in mc echo ping; do
    x console --log "$g"
    unlike "$OUT" 'FAIL' "$g still reports no failure"
done

stop_xhvd
done_testing
