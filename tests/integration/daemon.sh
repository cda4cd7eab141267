#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# xhvd as a daemon: options, one per run directory, its socket's mode and
# peer check, start-up failures that say why, a stale socket after a
# crash, the foreground mode, and an orderly SIGTERM with domains alive.
set -u
. "$(dirname "$0")/lib.sh"

# ---- Options ----
"$XHVD" --help >"$WORK/help" 2>&1
ok $? "xhvd --help exits 0"
for opt in --mem --lu-scratch --rundir --foreground --log-level; do
    like "$(<"$WORK/help")" "^ +(-[a-z], )?$opt" "xhvd --help documents $opt"
done
"$XHVD" --version >"$WORK/version" 2>&1
is "$?:$(<"$WORK/version")" "0:xhvd $("$XHV" --version | awk '{print $2}')" \
    "xhvd --version matches xhv --version"
"$XHVD" --bogus >/dev/null 2>"$WORK/err"
is "$?" 2 "an unknown option exits 2"

# bad_start DESC REGEX OPTS...: refused, saying REGEX, with no socket and
# no daemon left.
bad_start() {
    local desc=$1 re=$2 dir=$WORK/bad.$RANDOM
    shift 2
    "$XHVD" --rundir "$dir" "$@" >"$WORK/out" 2>"$WORK/err"
    local rc=$?
    [ -s "$dir/xhvd.pid" ] && T_PIDS+=("$(<"$dir/xhvd.pid")")
    [ "$rc" -ne 0 ] && [ ! -e "$dir/xhvd.sock" ]
    ok $? "$desc: exit $rc, no socket"
    like "$(<"$WORK/err")" "$re" "$desc: says '$re'"
}
bad_start "--mem 3M (not a multiple of 2 MiB)" \
    'xhvd: --mem must be a positive multiple of 2 MiB' --mem 3M
bad_start "--mem abc" "xhvd: bad --mem size 'abc'" --mem abc
bad_start "--mem 0" 'positive multiple of 2 MiB' --mem 0
bad_start "--lu-scratch over half of --mem" \
    '--lu-scratch must be a multiple of 2 MiB and at most half of --mem' \
    --mem 64M --lu-scratch 34M
bad_start "--log-level loud" '--log-level must be err, warn, info or debug' \
    --mem 64M --log-level loud
bad_start "an extra argument" "unexpected argument 'now'" --mem 64M now
# A failure only the daemonised child meets: a socket path too long for
# sun_path. The parent must still say so, not exit 1 in silence.
long=$WORK/$(printf 'd%.0s' $(seq 1 100))
bad_start "a run directory too long for a socket" \
    "xhvd: failed to start; see $long/xhvd.log" --rundir "$long" --mem 64M \
    --lu-scratch 0
like "$(cat "$long/xhvd.log" 2>/dev/null)" 'cannot listen on .*File name too long' \
    "... and the log has the reason"

# ---- One daemon per run directory ----
start_xhvd --mem 64M --lu-scratch 0
ok $? "xhvd starts" || { done_testing; exit 1; }
is "$(<"$XHV_RUNDIR/xhvd.pid")" "$XHVD_PID" "the pidfile holds the daemon's pid"
[ -S "$XHV_RUNDIR/xhvd.sock" ]
ok $? "the socket is a unix socket"
is "$(stat -c %a "$XHV_RUNDIR/xhvd.sock")" 600 "the socket is mode 0600"
"$XHVD" --rundir "$XHV_RUNDIR" --mem 64M --lu-scratch 0 >/dev/null 2>"$WORK/err"
is "$?" 1 "a second xhvd on the same run directory exits 1"
like "$(<"$WORK/err")" "another xhvd \\(pid $XHVD_PID\\) is running" \
    "... naming the running one's pid"
x info
like "$OUT" "^pid +: $XHVD_PID\$" "the first xhvd still answers"

# ---- SO_PEERCRED: root and xhvd's own uid only ----
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
    for i in 1 2 3 4 5; do ok 0 "# SKIP SO_PEERCRED checks need root and setpriv"; done
else
    nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    chmod 755 "$XHV_RUNDIR"
    chmod 666 "$XHV_RUNDIR/xhvd.sock"
    # The script goes in on stdin: nobody may not be able to read our tree.
    "${nobody[@]}" "$PYTHON" - "$XHV_RUNDIR/xhvd.sock" call hello \
        <"$RAWCLIENT" >"$WORK/out" 2>&1
    rc=$?
    is "$rc" 3 "uid 65534 on a world-writable socket: closed without an answer"
    [ "$rc" -eq 3 ] || diag "$(<"$WORK/out")"
    "${nobody[@]}" "$XHV" list >/dev/null 2>"$WORK/err"
    is "$?" 1 "xhv as uid 65534 exits 1"
    like "$(grep -c 'refused a control connection from another user' "$XHVD_LOG")" '^2$' \
        "xhvd logged both refusals"
    raw call hello >"$WORK/out"
    like "$(<"$WORK/out")" "\"pid\": $XHVD_PID" "root still gets answers"
    x list
    is "$RC" 0 "xhv as root still works"
    chmod 700 "$XHV_RUNDIR"
fi

# ---- Not running; a stale socket after a crash ----
empty=$(mktemp -d "$WORK/empty.XXXXXX")
XHV_RUNDIR=$empty "$XHV" list >/dev/null 2>"$WORK/err"
is "$?" 1 "xhv with no daemon exits 1"
like "$(<"$WORK/err")" 'xhvd is not running' "... saying xhvd is not running"
"$XHV" -r "$empty" info >/dev/null 2>"$WORK/err"
like "$?:$(<"$WORK/err")" '^1:.*xhvd is not running' "xhv -r DIR says the same"

kill -KILL "$XHVD_PID"
wait_exit "$XHVD_PID" 20
ok $? "a SIGKILLed xhvd is gone"
x list
is "$RC" 1 "xhv on the dead daemon's stale socket exits 1"
like "$ERR" 'xhvd is not running' "... and says it is not running"
crashed=$XHV_RUNDIR
"$XHVD" --rundir "$crashed" --mem 64M --lu-scratch 0 2>"$WORK/err"
is "$?" 0 "a new xhvd starts over the stale socket and pidfile"
XHVD_PID=$(<"$crashed/xhvd.pid")
T_PIDS+=("$XHVD_PID")
x info
like "$OUT" "^pid +: $XHVD_PID\$" "... and it is the one answering"
stop_xhvd

# ---- SIGTERM with domains alive ----
start_xhvd --mem 128M
ok $? "xhvd starts again" || { done_testing; exit 1; }
mkkernel "$WORK/vmlinuz"
printf 'name = "g1"\nmemory = 8\nkernel = "%s"\n' "$WORK/vmlinuz" >"$WORK/g.cfg"
for g in g1 g2 g3; do "$XHV" create -q "$WORK/g.cfg" "name=$g"; done
"$XHV" pause g2
x list
is "$(tail -n +2 <<<"$OUT" | wc -l)" 3 "three domains alive (one paused)"
stop_xhvd
for g in g1 g2 g3; do
    like "$(<"$XHVD_LOG")" "d[0-9]+ \\($g\\) destroyed" "SIGTERM destroyed $g"
done
like "$(sed -n '/signal 15/,$p' "$XHVD_LOG")" 'final audit clean' \
    "the final audit comes after the signal"
[ ! -e "$XHV_RUNDIR/xhvd.sock" ]
ok $? "the socket is removed"
x list
like "$RC:$ERR" '^1:.*xhvd is not running' "xhv then says xhvd is not running"

# ---- --foreground: logs to stderr, exits 0 on SIGTERM ----
fgdir=$(mktemp -d "$WORK/fg.XXXXXX")
coproc FG { exec "$XHVD" --foreground --rundir "$fgdir" --mem 64M --lu-scratch 0 2>&1; }
fgpid=$FG_PID
# bash drops FG once the coprocess exits: keep our own descriptor.
exec {fgfd}<&"${FG[0]}"
T_PIDS+=("$fgpid")
: >"$WORK/fg.log"
# Read its stderr until it listens: a bounded wait on its own output.
listening=1
while IFS= read -r -t 20 line <&"$fgfd"; do
    echo "$line" >>"$WORK/fg.log"
    case "$line" in *"listening on"*) listening=0; break ;; esac
done
ok "$listening" "xhvd --foreground says it listens"
XHV_RUNDIR=$fgdir "$XHV" list >/dev/null
ok $? "... and answers"
kill -TERM "$fgpid"
while IFS= read -r -t 20 line <&"$fgfd"; do
    echo "$line" >>"$WORK/fg.log"
done
wait "$fgpid"
is "$?" 0 "xhvd --foreground exits 0 on SIGTERM"
exec {fgfd}<&-
like "$(<"$WORK/fg.log")" 'final audit clean' "... after a clean final audit on stderr"
problems=$(log_problems "$WORK/fg.log")
is "$problems" "" "... and no sanitizer or assertion report"

done_testing
