#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The scratch promise (DESIGN.md section 7) with machine memory nearly full
# of guest pages: no domheap page is ever in scratch, and the new xhvd's
# boot allocations never touch a preserved page. The audit checks the
# first (a domheap page in scratch is a violation of its own); memcheck
# guests covering all their RAM check the second, pass after pass, across
# the updates. And memory that is truly full refuses a new domain with a
# clear error, without disturbing the updates.
set -u
. "$(dirname "$0")/lib.sh"

start_xhvd --mem 256M --lu-scratch 32M
ok $? "xhvd starts with 256 MiB, 32 MiB of it scratch" || { done_testing; exit 1; }

for g in 1 2; do
    printf 'name = "mc%s"\ntype = "sim"\nkernel = "memcheck"\nmemory = 100\n' \
        "$g" >"$WORK/mc$g.cfg"
    x create -q "$WORK/mc$g.cfg"
    is "$RC" 0 "memcheck guest mc$g of 100 MiB created" || diag "$ERR"
done

free=$(free_mib)
diag "free outside the guests: $free MiB (scratch: 32 MiB)"
ok "$([ "$free" -le 56 ] && echo 0 || echo 1)" \
    "memory is nearly full of guest pages ($free MiB free)"

printf 'name = "big"\ntype = "sim"\nkernel = "idle"\nmemory = 64\n' >"$WORK/big.cfg"
x create -q "$WORK/big.cfg"
is "$RC" 1 "one more 64 MiB guest does not fit"
like "$ERR" "not enough free memory" "and says so"

# Each memcheck pass covers every data page: wait for one more full pass.
wait_pass() { # domain secs
    local have got
    have=$("$XHV" console --log "$1" | grep -cE 'pass [0-9]+ ok')
    got=$(timeout "$2" "$XHV" console "$1" </dev/null 2>/dev/null |
        grep -m "$((have + 1))" -cE 'pass [0-9]+ ok')
    [ "${got:-0}" -ge "$((have + 1))" ]
}
wait_pass mc1 90
ok $? "mc1 checked all of its memory once"

for i in 1 2 3; do
    x live-update --json
    is "$RC" 0 "live update $i with memory nearly full" || diag "$ERR"
    [ "$RC" -eq 0 ] && { XHVD_PID=$(jget 'j["pid"]' <<<"$OUT"); T_PIDS+=("$XHVD_PID"); }
    x audit
    like "$OUT" "^clean: 0 violations" "audit clean after update $i (no domheap page in scratch)"
done

wait_pass mc1 90
ok $? "mc1 completes a full pass after the updates: no preserved byte touched"
wait_pass mc2 90
ok $? "mc2 too"
for g in mc1 mc2; do
    x console --log "$g"
    unlike "$OUT" FAIL "$g reports no failure"
done
x list
is "$(tail -n +2 <<<"$OUT" | awk '$5 == "r-----"' | wc -l)" 2 "both guests still run"

stop_xhvd
done_testing
