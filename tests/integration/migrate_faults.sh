#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Fault injection through the real daemons (SQLite's loop, one level up
# from tests/unit/migrate/test_migrate_faults.c): every failure point of
# xhvd's save, restore, and both ends of a live migration fails in turn,
# counted from 1 until the operation goes through. After each failure:
# the guest runs on where it was (or, for a restore, nothing was made),
# and both audits are clean. At the end the guest still passes its own
# memory check: nothing it owned was lost.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_mig.sh"

MAX_POINTS=400 # a loop that never succeeds is a bug, not a slow test

start_xhvd --mem 64M
ok $? "xhvd A starts" || { done_testing; exit 1; }
A=$XHV_RUNDIR
start_xhvd --mem 64M
ok $? "xhvd B starts" || { done_testing; exit 1; }
B=$XHV_RUNDIR
export XHV_RUNDIR=$A

cat >"$WORK/mc.cfg" <<EOF
name = "mc"
type = "sim"
kernel = "memcheck"
memory = 8
cmdline = "pages=512"
EOF
on "$A" create -q "$WORK/mc.cfg"
is "$RC" 0 "memcheck guest created on A" || diag "$ERR"
wait_console "$A" mc 'pass [0-9]+ ok' 1 30
ok $? "it passes on A"

# loop NAME HOME OTHER CMD...: runs CMD with @N replaced by 1, 2, ...
# until it succeeds. After each failure mc must still run on HOME, OTHER
# must hold what it held, and both audits must be clean. Sets POINTS
# (failures seen), BROKEN (failures that broke one of those) and LOST
# (the one failure that cannot be decided: the target was told to go and
# its answer was lost; mc must then be paused on HOME and running on
# OTHER, and the test plays the operator: it destroys the copy on OTHER
# and unpauses HOME's).
loop() {
    local name=$1 home=$2 other=$3 n before
    shift 3
    POINTS=0 BROKEN=0 LOST=0
    before=$(count_doms "$other")
    SECONDS=0
    for ((n = 1; n <= MAX_POINTS; n++)); do
        on "$home" "${@//@N/$n}"
        [ "$RC" -eq 0 ] && { diag "$name: $POINTS points in ${SECONDS}s"; return 0; }
        POINTS=$n
        if [[ $ERR == *"left paused here"* ]]; then
            LOST=$((LOST + 1))
            if [ "$(state_of "$home" mc)" != "--p---" ] ||
                [ "$(state_of "$other" mc)" != "r-----" ]; then
                BROKEN=$((BROKEN + 1))
                diag "$name, failure point $n (answer lost): $ERR"
            fi
            on "$other" destroy mc
            on "$home" unpause mc
        fi
        if [ "$(state_of "$home" mc)" != "r-----" ] ||
            [ "$(count_doms "$other")" != "$before" ] ||
            ! is_clean "$home" || ! is_clean "$other"; then
            BROKEN=$((BROKEN + 1))
            diag "$name, failure point $n: $ERR"
        fi
    done
    return 1
}

# --- the sending end of a live migration --------------------------------
loop "send" "$A" "$B" migrate --fault '*:@N' mc "$B"
ok $? "migrate A -> B succeeds once the failure points run out"
[ "$POINTS" -gt 5 ]
ok $? "... after $POINTS failure points of the sender"
is "$BROKEN" 0 "every failed send left mc running on A, B untouched, audits clean"
# Reading the final answer allocates (its buffer, its parse, a second
# read when it comes in pieces): such a point cannot tell whether the
# target went on. The loop above checked each left mc paused on A and
# running on B; this checks the path was taken at all.
[ "$LOST" -ge 1 ]
ok $? "$LOST point(s) lost the final answer: mc paused here, running there"
is "$(state_of "$B" mc)" "r-----" "mc runs on B"

# --- the receiving end --------------------------------------------------
loop "receive" "$B" "$A" migrate --target-fault '*:@N' mc "$A"
ok $? "migrate B -> A succeeds once the failure points run out"
[ "$POINTS" -gt 5 ]
ok $? "... after $POINTS failure points of the receiver"
is "$BROKEN" 0 "every failed receive left mc running on B, nothing on A, audits clean"
is "$(state_of "$A" mc)" "r-----" "mc runs on A"

# --- save (-c: the domain stays) ----------------------------------------
loop "save" "$A" "$B" save -c --fault '*:@N' mc "$WORK/mc.sav"
ok $? "save succeeds once the failure points run out"
[ "$POINTS" -gt 3 ]
ok $? "... after $POINTS failure points"
is "$BROKEN" 0 "every failed save left mc running, audits clean"
[ -s "$WORK/mc.sav" ]
ok $? "the image is there"

# --- restore, on B under another name -----------------------------------
POINTS=0 BROKEN=0
for ((n = 1; n <= MAX_POINTS; n++)); do
    on "$B" restore --fault "*:$n" "$WORK/mc.sav" name=mc2
    [ "$RC" -eq 0 ] && break
    POINTS=$n
    if [ "$(count_doms "$B")" != 0 ] || ! is_clean "$B"; then
        BROKEN=$((BROKEN + 1))
        diag "restore, failure point $n: $ERR"
    fi
done
is "$RC" 0 "restore succeeds once the failure points run out"
[ "$POINTS" -gt 5 ]
ok $? "... after $POINTS failure points"
is "$BROKEN" 0 "every failed restore left nothing behind, audit clean"
is "$(state_of "$B" mc2)" "r-----" "the restored mc2 runs on B"
wait_console "$B" mc2 'pass [0-9]+ ok' 1 30
ok $? "and passes its memory check"

# --- nothing lost -------------------------------------------------------
wait_console "$A" mc 'pass [0-9]+ ok' 1 30
ok $? "mc still passes on A after all of it"
on "$A" console --log mc
unlike "$OUT" 'FAIL' "mc never saw its memory change"
is_clean "$A" && is_clean "$B"
ok $? "both audits clean at the end"

done_testing
