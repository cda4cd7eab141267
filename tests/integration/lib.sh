# SPDX-License-Identifier: GPL-2.0-only
# A tiny TAP producer for the integration tests, and a private xhvd.
#
# Source it from a test script (set -u is on). The binaries come from the
# environment, as meson sets it: XHV (the CLI) and XHVD (the daemon).
#
#   plan N / done_testing      the TAP plan, first or last
#   ok STATUS DESC             "ok"/"not ok" by STATUS (0 passes)
#   is GOT WANT DESC           string equality
#   like GOT REGEX DESC        grep -E match (multi-line GOT: any line)
#   unlike GOT REGEX DESC      no line matches
#   diag TEXT...               "# ..." lines
#   x ARGS...                  runs "$XHV" ARGS; sets RC, OUT, ERR
#   start_xhvd [OPTS...]       a new xhvd on a fresh rundir (XHV_RUNDIR,
#                              XHVD_PID, XHVD_LOG); --mem 256M and
#                              --lu-scratch 16M unless OPTS says otherwise
#   stop_xhvd                  SIGTERM, a bounded wait, then checks its log
#                              (three assertions)
#   wait_exit PID SECS         waits for any process's exit (pidfd)
#   log_problems LOG           sanitizer/assertion lines in a log
#   raw ARGS...                rawclient.py on this daemon's socket
#   jget EXPR                  a python expression on the JSON of stdin (j)
#   mkkernel PATH              writes a minimal PVH kernel (mkpvh.py)
#
# Nothing here sleeps to synchronise: waits are on events (a process's
# exit, a socket answer) and every one is bounded.
set -u

: "${XHV:?set XHV to the xhv binary (meson test does)}"
: "${XHVD:?set XHVD to the xhvd binary (meson test does)}"

T_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The interpreter itself: a pyenv-style shim costs half a second a call.
if [ -x /usr/bin/python3 ]; then
    PYTHON=/usr/bin/python3
else
    PYTHON=$(python3 -c 'import sys; print(sys.executable)') || PYTHON=python3
fi
RAWCLIENT=$T_HERE/rawclient.py
T_NUM=0
T_FAILED=0
T_PLANNED=
T_DIRS=()
T_PIDS=()
WORK=$(mktemp -d "${TMPDIR:-/tmp}/xhv-integ.XXXXXX")
T_DIRS+=("$WORK")

plan() {
    T_PLANNED=$1
    echo "1..$1"
}

done_testing() {
    [ -n "$T_PLANNED" ] || echo "1..$T_NUM"
    [ "$T_FAILED" -eq 0 ]
}

diag() { # each argument is one or more lines
    local arg line
    for arg in "$@"; do
        while IFS= read -r line; do
            echo "# $line"
        done <<<"$arg"
    done
}

ok() {
    local status=$1
    shift
    T_NUM=$((T_NUM + 1))
    if [ "$status" -eq 0 ]; then
        echo "ok $T_NUM - $*"
        return 0
    fi
    echo "not ok $T_NUM - $*"
    T_FAILED=$((T_FAILED + 1))
    return 1
}

is() {
    if [ "$1" = "$2" ]; then
        ok 0 "$3"
    else
        ok 1 "$3"
        diag "got:      '$1'" "expected: '$2'"
        return 1
    fi
}

like() {
    if grep -qE -- "$2" <<<"$1"; then
        ok 0 "$3"
    else
        ok 1 "$3"
        diag "no line of:" "$1" "matches /$2/"
        return 1
    fi
}

unlike() {
    if ! grep -qE -- "$2" <<<"$1"; then
        ok 0 "$3"
    else
        ok 1 "$3"
        diag "unexpected match of /$2/ in:" "$1"
        return 1
    fi
}

# Runs the CLI with stdout and stderr kept apart.
x() {
    "$XHV" "$@" >"$WORK/.out" 2>"$WORK/.err"
    RC=$?
    OUT=$(<"$WORK/.out")
    ERR=$(<"$WORK/.err")
    return 0
}

# One raw request: prints the answer's JSON (see rawclient.py).
raw() {
    "$PYTHON" "$RAWCLIENT" "$XHV_RUNDIR/xhvd.sock" "$@"
}

# A JSON field of stdin by a python expression on 'j'; e.g.
#   x info ... ; jget 'j["result"]["pid"]' <<<"$answer"
jget() {
    "$PYTHON" -c 'import json, sys; j = json.load(sys.stdin); print('"$1"')'
}

# A minimal PVH kernel (mkpvh.py): boots, then idles for ever.
mkkernel() { # path
    "$PYTHON" "$T_HERE/mkpvh.py" "$1"
}

# The "free_memory_mib" line of `xhv info`, as a number.
free_mib() {
    "$XHV" info | awk -F' *: *' '$1 == "free_memory_mib" { print $2 }'
}

# Starts a daemon on a new rundir; xhvd returns once it listens. Not an
# assertion by itself: callers ok/bail on its status.
start_xhvd() {
    local opts=("$@") have_mem=0 have_scratch=0 o rc
    for o in "${opts[@]}"; do
        case "$o" in
        --mem | --mem=* | -m) have_mem=1 ;;
        --lu-scratch | --lu-scratch=* | -s) have_scratch=1 ;;
        esac
    done
    [ "$have_mem" -eq 1 ] || opts+=(--mem 256M)
    [ "$have_scratch" -eq 1 ] || opts+=(--lu-scratch 16M)
    XHV_RUNDIR=$(mktemp -d "${TMPDIR:-/tmp}/xhvd-run.XXXXXX")
    T_DIRS+=("$XHV_RUNDIR")
    export XHV_RUNDIR
    XHVD_LOG=$XHV_RUNDIR/xhvd.log
    "$XHVD" --rundir "$XHV_RUNDIR" "${opts[@]}" 2>"$WORK/.xhvd-start"
    rc=$?
    XHVD_PID=
    # Whatever happened, a daemon that got as far as its pidfile is ours to
    # clean up.
    [ -s "$XHV_RUNDIR/xhvd.pid" ] && T_PIDS+=("$(<"$XHV_RUNDIR/xhvd.pid")")
    if [ "$rc" -ne 0 ] || [ ! -S "$XHV_RUNDIR/xhvd.sock" ]; then
        diag "xhvd ${opts[*]} failed (exit $rc):" "$(cat "$WORK/.xhvd-start")"
        [ -f "$XHVD_LOG" ] && diag "$(tail -20 "$XHVD_LOG")"
        return 1
    fi
    XHVD_PID=$(<"$XHV_RUNDIR/xhvd.pid")
    return 0
}

# Waits (bounded) for a process that is not our child to exit. A daemon's
# parent is whatever reaps orphans here, which may leave it a zombie for
# seconds, and `tail --pid` waits for the reaping; a pidfd becomes readable
# the moment the process exits. tail is the fallback without pidfds.
wait_exit() { # pid seconds
    local rc
    "$PYTHON" - "$1" "$2" <<'PY'
import os, select, sys
pid, secs = int(sys.argv[1]), float(sys.argv[2])
try:
    fd = os.pidfd_open(pid)
except ProcessLookupError:
    sys.exit(0)
except (AttributeError, OSError):
    sys.exit(2)
sys.exit(0 if select.select([fd], [], [], secs)[0] else 1)
PY
    rc=$?
    [ "$rc" -eq 2 ] || return "$rc"
    timeout "$2" tail --pid="$1" -f /dev/null
}

# Problems a sanitizer or an assertion would have written to the log.
log_problems() { # log
    grep -E 'AddressSanitizer|LeakSanitizer|runtime error|assertion failed' "$1"
}

# SIGTERM, a bounded wait, then the log must end cleanly. Three
# assertions.
stop_xhvd() {
    local pid=$XHVD_PID log=$XHVD_LOG problems
    kill -TERM "$pid" 2>/dev/null
    if ! ok $? "xhvd (pid $pid) takes SIGTERM"; then
        return 1
    fi
    wait_exit "$pid" 20
    if ! ok $? "xhvd exits within 20 s of SIGTERM"; then
        kill -KILL "$pid" 2>/dev/null
        return 1
    fi
    problems=$(log_problems "$log")
    if grep -q 'final audit clean' "$log" && [ -z "$problems" ]; then
        ok 0 "xhvd's log: final audit clean, no sanitizer or assertion report"
    else
        ok 1 "xhvd's log: final audit clean, no sanitizer or assertion report"
        diag "$(grep -E 'final audit|err ' "$log" | tail -10)"
        [ -n "$problems" ] && diag "$(grep -E -A30 'AddressSanitizer|LeakSanitizer|runtime error|assertion failed' "$log" | head -60)"
        return 1
    fi
    XHVD_PID=
}

t_cleanup() {
    local pid d state cmd
    for pid in "${T_PIDS[@]}"; do
        # Alive, not merely a zombie waiting for its reaper, and still an
        # xhvd (not some later process that reused the pid).
        state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$pid/status" 2>/dev/null)
        cmd=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null)
        if [ -n "$state" ] && [ "$state" != Z ] && [ "${cmd%% *}" = "$XHVD" ]; then
            echo "# killing a leftover xhvd (pid $pid)"
            kill -KILL "$pid" 2>/dev/null
            wait_exit "$pid" 10
        fi
    done
    for d in "${T_DIRS[@]}"; do
        rm -rf -- "$d"
    done
}
trap t_cleanup EXIT
