#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Migration to ssh:[USER@]HOST destinations (docs/migration.md), as xl
# does it: `xhv migrate -s CMD` runs `CMD HOST XHV [--rundir DIR]
# migrate-receive --stdio` on a socketpair and hands the other end to
# xhvd. CMD here is a stand-in for ssh that drops its options and HOST
# and runs the rest on this machine, so both xhvds are local. A memcheck
# guest goes A -> B and back and must keep passing; then an "ssh" that
# fails at once (exit 255), one that cannot be run, and destinations that
# would inject options or shell words: the guest runs on, nothing is left
# on B, both audits clean.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_mig.sh"

start_xhvd --mem 256M
ok $? "xhvd A starts" || { done_testing; exit 1; }
A=$XHV_RUNDIR A_PID=$XHVD_PID A_LOG=$XHVD_LOG
start_xhvd --mem 256M
ok $? "xhvd B starts" || { done_testing; exit 1; }
B=$XHV_RUNDIR B_PID=$XHVD_PID B_LOG=$XHVD_LOG

# The ssh stand-in: logs its arguments, skips "-o VALUE" pairs and HOST,
# and execs the rest (no shell in between, as ssh's remote shell would
# see the same words: they are checked to need no quoting).
cat >"$WORK/fakessh" <<EOF
#!/bin/sh
echo "\$*" >>"$WORK/ssh.log"
while [ "\${1#-}" != "\$1" ]; do shift 2; done
shift
exec "\$@"
EOF
cat >"$WORK/deadssh" <<'EOF'
#!/bin/sh
echo "ssh: connect to host $1 port 22: Connection refused" >&2
exit 255
EOF
chmod +x "$WORK/fakessh" "$WORK/deadssh"

printf 'name = "mc"\ntype = "sim"\nkernel = "memcheck"\nmemory = 16\ncmdline = "pages=1024"\n' \
    >"$WORK/mc.cfg"
on "$A" create -q "$WORK/mc.cfg"
is "$RC" 0 "memcheck guest mc created on A" || diag "$ERR"
wait_console "$A" mc 'pass [0-9]+ ok' 1 20
ok $? "memcheck passes on A"

# --- A -> B and back -------------------------------------------------------------
on "$A" migrate -s "$WORK/fakessh" --remote-xhv "$XHV" --remote-rundir "$B" \
    mc ssh:root@hostb
is "$RC" 0 "migrate mc A -> B over ssh:root@hostb" || diag "$ERR"
like "$OUT" 'Migrated mc to ssh:root@hostb' "the CLI reports the migration"
is "$(tail -1 "$WORK/ssh.log")" "root@hostb $XHV --rundir $B migrate-receive --stdio" \
    "the ssh command line is CMD HOST XHV --rundir DIR migrate-receive --stdio"
is "$(state_of "$A" mc)" "none" "mc is gone from A"
is "$(state_of "$B" mc)" "r-----" "mc runs on B"
wait_console "$B" mc 'pass [0-9]+ ok' 2 30
ok $? "memcheck goes on passing on B"

# -s is split on spaces, as xl's is.
on "$B" migrate --ssh-command "$WORK/fakessh -o BatchMode=yes" \
    --remote-xhv "$XHV" --remote-rundir "$A" mc ssh:hosta
is "$RC" 0 "migrate mc B -> A with -s 'CMD -o BatchMode=yes'" || diag "$ERR"
is "$(tail -1 "$WORK/ssh.log")" \
    "-o BatchMode=yes hosta $XHV --rundir $A migrate-receive --stdio" \
    "the -s words come first, one argument each"
is "$(state_of "$A" mc)" "r-----" "mc runs on A again"
wait_console "$A" mc 'pass [0-9]+ ok' 2 30
ok $? "memcheck goes on passing on A"
on "$A" console --log mc
unlike "$OUT" 'FAIL' "mc reports no failure"

# --- failures: mc runs on at A ------------------------------------------------
still_fine() { # label
    is "$(state_of "$A" mc)" "r-----" "$1: mc still runs on A"
    is "$(count_doms "$B")" 0 "$1: no domain on B"
    audit_clean "$A" "$1: A"
    audit_clean "$B" "$1: B"
}

on "$A" migrate -s "$WORK/deadssh" --remote-xhv "$XHV" --remote-rundir "$B" \
    mc ssh:hostb
is "$RC" 1 "an ssh that exits 255 at once fails the migration (exit 1)"
like "$ERR" 'ssh: connect to host hostb port 22: Connection refused' \
    "ssh's own message reaches our stderr"
like "$ERR" "'$WORK/deadssh' exited with status 255 .*the domains run on here" \
    "the CLI reaps it and names its exit status"
diag "$ERR"
still_fine "ssh exits 255"
wait_console "$A" mc 'pass [0-9]+ ok' 1 30
ok $? "memcheck still passes on A"

on "$A" migrate -s "$WORK/no-such-ssh" mc ssh:hostb
is "$RC" 1 "an ssh command that cannot be run fails"
like "$ERR" "cannot run '$WORK/no-such-ssh': No such file" "... saying so"
still_fine "no ssh"

on "$A" migrate -s "$WORK/fakessh" mc 'ssh:-oProxyCommand=touch /tmp/x'
is "$RC" 2 "a host that would be an option to ssh is refused (exit 2)"
on "$A" migrate -s "$WORK/fakessh" --remote-rundir '/run/x;reboot' mc ssh:hostb
is "$RC" 2 "a remote rundir with shell words is refused (exit 2)"
like "$ERR" 'may hold only letters, digits' "... naming what is allowed"
on "$A" migrate --remote-xhv /usr/bin/xhv mc "$B"
is "$RC" 2 "ssh options with a rundir DEST are a usage error"
on "$A" migrate-receive --stdio --insecure
is "$RC" 2 "migrate-receive --stdio takes no --insecure (ssh secures it)"
still_fine "after the refusals"

XHVD_PID=$B_PID XHVD_LOG=$B_LOG stop_xhvd
XHVD_PID=$A_PID XHVD_LOG=$A_LOG stop_xhvd
done_testing
