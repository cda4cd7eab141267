#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The test guest on KVM through the real xhvd and xhv: for each test the
# guest knows, `xhv create` boots it and the guest reports PASS on its
# console and powers off (on_poweroff=preserve keeps the domain to read).
# Skips, saying why, only where xhvd reports that KVM cannot run guests.
set -u
. "$(dirname "$0")/lib.sh"

GUEST=${XHV_TEST_GUEST:?}
TESTS=(hello version)

start_xhvd --mem 256M --lu-scratch 16M
if ! "$XHV" info | grep -q 'kvm *: true'; then
    why=$("$XHV" info | sed -n 's/^kvm_unusable *: //p')
    stop_xhvd >/dev/null
    echo "1..0 # SKIP ${why:-KVM cannot run guests here}"
    exit 0
fi

cp "$GUEST" "$WORK/guest.elf"
for t in "${TESTS[@]}"; do
    cat >"$WORK/$t.cfg" <<CFG
name = "t-$t"
memory = 16
kernel = "$WORK/guest.elf"
cmdline = "test=$t"
on_poweroff = "preserve"
on_crash = "preserve"
CFG
    x create -q "$WORK/$t.cfg"
    ok "$RC" "create t-$t"
    # Wait, bounded, for the guest to shut itself down (flag s or c).
    state=""
    for _ in $(seq 1 300); do
        state=$("$XHV" list "t-$t" 2>/dev/null | awk 'NR == 2 { print $5 }')
        case "$state" in *s* | *c*) break ;; esac
        timeout 0.1 tail -f /dev/null 2>/dev/null
    done
    like "$state" '^..p[s]' "t-$t shut down, not crashed ($state)"
    log=$("$XHV" console --log "t-$t")
    like "$log" 'PASS' "t-$t reported PASS"
    x destroy "t-$t"
    ok "$RC" "destroy t-$t"
done
stop_xhvd
done_testing
