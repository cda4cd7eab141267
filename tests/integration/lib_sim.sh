# SPDX-License-Identifier: GPL-2.0-only
# Sim guests for the integration tests (docs/sim-guests.md); source after
# lib.sh. The guests judge themselves: a changed byte or a lost event
# prints FAIL and crashes the domain.
#
#   sim_trio                   creates mc (memcheck over 256 pages), echo,
#                              and ping (peer=echo): three assertions
#   counter DOMAIN             the biggest ping round-trip or memcheck pass
#                              count DOMAIN has reported so far
#   wait_beyond DOMAIN N SECS  follows DOMAIN's console until that counter
#                              passes N (bounded and event-driven: fails if
#                              the guest stalls or dies meanwhile)

sim_trio() {
    local g
    printf 'name = "mc"\ntype = "sim"\nkernel = "memcheck"\nmemory = 16\ncmdline = "pages=256"\n' \
        >"$WORK/mc.cfg"
    printf 'name = "echo"\ntype = "sim"\nkernel = "echo"\nmemory = 8\n' \
        >"$WORK/echo.cfg"
    printf 'name = "ping"\ntype = "sim"\nkernel = "ping"\nmemory = 8\ncmdline = "peer=echo"\n' \
        >"$WORK/ping.cfg"
    for g in mc echo ping; do
        x create -q "$WORK/$g.cfg"
        is "$RC" 0 "sim guest $g created" || diag "$ERR"
    done
}

COUNTER_AWK='/^ping: [0-9]+ round trips$/ { n = $2 }
/^memcheck: pass [0-9]+ ok$/ { n = $3 }'
counter() { # domain
    "$XHV" console --log "$1" | awk "$COUNTER_AWK"' END { print n + 0 }'
}

wait_beyond() { # domain floor secs
    local fifo=$WORK/.follow rc=1 pid line n
    local re='^(ping: ([0-9]+) round trips|memcheck: pass ([0-9]+) ok)$'
    rm -f "$fifo" && mkfifo "$fifo" || return 1
    timeout "$3" "$XHV" console "$1" </dev/null >"$fifo" 2>/dev/null &
    pid=$!
    # Line by line in the shell: awk (mawk) would wait for a full buffer.
    while IFS= read -r line; do
        [[ $line =~ $re ]] || continue
        n=${BASH_REMATCH[2]}${BASH_REMATCH[3]}
        if [ "$n" -gt "$2" ]; then
            rc=0
            break
        fi
    done <"$fifo"
    # The follower would only notice at its next write that we are gone.
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return "$rc"
}
