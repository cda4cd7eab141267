#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# exec-mode live update (xhvd execve()s the new binary in place) under the
# same three sim guests as liveupdate.sh: memcheck checksums its memory
# with a new pattern every pass, ping and echo bounce one event back and
# forth (a lost or spurious event crashes ping; a crashed guest is
# destroyed). First every refusal and every rollback exec mode still has
# (all before execve() succeeds); then XHV_LU_EXEC_ROUNDS updates that mix
# exec and transfer mode, so each mode hands over to the other: exec keeps
# the pid, transfer changes it, the generation counts every update, and
# the same domains keep running with nothing lost.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sim.sh"

ROUNDS=${XHV_LU_EXEC_ROUNDS:-12}
# Mode of update i (1-based): runs of exec and transfer in both orders.
mode_of() { # i
    case $((($1 - 1) % 6)) in
    0 | 1 | 3) echo exec ;;
    *) echo transfer ;;
    esac
}

start_xhvd --mem 256M --lu-scratch 32M
ok $? "xhvd starts" || { done_testing; exit 1; }

sim_trio

wait_beyond ping 2000 30
ok $? "ping and echo exchange events"
wait_beyond mc 0 30
ok $? "memcheck completes a pass"

# Regression (console_follower_ignores_closed_pipe): `xhv console` ignores
# SIGPIPE, and a follower whose reader had gone kept polling until killed.
# Now the first failed flush ends it: well within the 20 s allowed here.
start=$SECONDS
timeout 20 "$XHV" console ping </dev/null 2>/dev/null | head -1 >/dev/null
ok "$([ $((SECONDS - start)) -lt 10 ] && echo 0 || echo 1)" \
    "a console follower ends soon after its reader goes away ($((SECONDS - start)) s)"

x list
ids_before=$(tail -n +2 <<<"$OUT" | awk '{print $1, $2}' | sort)
rt_before=$(counter ping)
mc_before=$(counter mc)

# --- refused or rolled back: the same process serves on, guests untouched --
check_unchanged() { # what
    local what=$1
    LU_ERR=$ERR
    is "$RC" 1 "$what: the live update fails"
    like "$ERR" 'live-update: ' "$what: with a reason"
    x info
    like "$OUT" "^pid +: $XHVD_PID\$" "$what: the same xhvd still serves"
    x list
    is "$(tail -n +2 <<<"$OUT" | awk '{print $1, $2, $5}' | sort)" \
        "$(awk '{print $1, $2, "r-----"}' <<<"$ids_before" | sort)" \
        "$what: the same domains, running"
    x audit
    like "$OUT" "^clean: 0 violations" "$what: audit clean (nothing left over)"
}

x live-update --mode exec --binary /bin/true
check_unchanged "exec into /bin/true"
like "$LU_ERR" 'not an xhvd' "a binary that is not xhvd is refused before the blackout"

printf '#!/bin/sh\necho "xhvd 9.9 lu-exec 99"\n' >"$WORK/future.sh"
chmod +x "$WORK/future.sh"
x live-update --mode exec --binary "$WORK/future.sh"
check_unchanged "exec into an xhvd of another exec version"
like "$LU_ERR" 'version 99' "the other exec hand-over version is named"

printf '#!/bin/sh\nexec sleep 60\n' >"$WORK/hang.sh"
chmod +x "$WORK/hang.sh"
x live-update --mode exec --binary "$WORK/hang.sh" --timeout 1
check_unchanged "exec into a binary that never answers the probe"
like "$LU_ERR" 'in time' "the probe's timeout is named"

x live-update --mode exec --corrupt crc
check_unchanged "--corrupt in exec mode"

# Failing after the guests were parked and the records written: these
# are the steps exec mode can still roll back.
for site in lu_exec lu_exec_state; do
    x live-update --mode exec --fault "$site:1"
    check_unchanged "exec mode failing at $site"
    diag "$LU_ERR"
done
x live-update --mode exec --fault '*:1'
check_unchanged "exec mode: the first allocation of the update failing"

# --- ROUNDS updates, exec and transfer in turn ----------------------------
pid=$XHVD_PID
gen=$("$XHV" live-update --json --mode exec | jget 'j["generation"]')
ok $? "a first exec-mode update succeeds"
pids_ok=0 modes_ok=0 gens_ok=0 failed=0
downtimes=()
for i in $(seq 1 "$ROUNDS"); do
    mode=$(mode_of "$i")
    if ! "$XHV" live-update --json --mode "$mode" >"$WORK/lu.json" 2>"$WORK/lu.err"; then
        failed=$((failed + 1))
        diag "update $i ($mode): $(cat "$WORK/lu.err")"
        continue
    fi
    new_pid=$(jget 'j["pid"]' <"$WORK/lu.json")
    new_gen=$(jget 'j["generation"]' <"$WORK/lu.json")
    [ "$(jget 'j["mode"]' <"$WORK/lu.json")" = "$mode" ] || modes_ok=1
    [ "$new_gen" -eq $((gen + 1)) ] || { gens_ok=1; diag "update $i: generation $gen -> $new_gen"; }
    if [ "$mode" = exec ]; then
        [ "$new_pid" -eq "$pid" ] || { pids_ok=1; diag "exec $i: pid $pid -> $new_pid"; }
        downtimes+=("$(($(jget 'j["downtime_ns"]' <"$WORK/lu.json") / 1000))")
    else
        [ "$new_pid" -ne "$pid" ] || { pids_ok=1; diag "transfer $i kept pid $pid"; }
        T_PIDS+=("$new_pid")
    fi
    pid=$new_pid
    gen=$new_gen
done
XHVD_PID=$pid
is "$failed" 0 "$ROUNDS updates alternating exec and transfer mode succeed"
is "$pids_ok" 0 "exec keeps the pid, transfer starts a new process"
is "$modes_ok" 0 "each answer names its mode"
is "$gens_ok" 0 "the generation counts every update, of either mode"
diag "exec-mode downtimes (us): ${downtimes[*]}"
[ -s "$XHV_RUNDIR/xhvd.pid" ] && is "$(<"$XHV_RUNDIR/xhvd.pid")" "$XHVD_PID" \
    "the pidfile names the serving xhvd"
x info
like "$OUT" "^pid +: $XHVD_PID\$" "the control socket answers from it"

x list
is "$(tail -n +2 <<<"$OUT" | awk '{print $1, $2}' | sort)" "$ids_before" \
    "the same domains with the same ids"
is "$(tail -n +2 <<<"$OUT" | awk '$5 != "r-----"' | wc -l)" 0 "all still running"
x audit
like "$OUT" "^clean: 0 violations" "the audit is clean"
like "$OUT" "unmanaged 0;" "every page is managed again"
like "$OUT" "reserved [1-9]" "a scratch half is still reserved for the next update"

# The counters carry on from where they were: a guest restarted from
# scratch would count from 0 again.
rt_now=$(counter ping)
mc_now=$(counter mc)
ok "$([ "$rt_now" -ge "$rt_before" ] && [ "$mc_now" -ge "$mc_before" ] && echo 0 || echo 1)" \
    "the counters carried on: round trips $rt_before -> $rt_now, passes $mc_before -> $mc_now"
wait_beyond ping "$rt_now" 30
ok $? "events still flow (no event lost: ping would stall)"
wait_beyond mc "$mc_now" 30
ok $? "memcheck still passes (no byte changed)"
for g in mc echo ping; do
    x console --log "$g"
    unlike "$OUT" 'FAIL' "$g reports no failure"
done
x evtchn ping
like "$OUT" 'interdomain +d[0-9]+:1' "ping's channel to echo is still bound"
like "$(cat "$XHVD_LOG")" 'TSC .*\(inherited\)' \
    "the exec image took the TSC measurement over instead of measuring"

stop_xhvd
done_testing
