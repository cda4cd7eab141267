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
#   wait_lines DOMAIN RE N SECS follows DOMAIN's console until N lines in
#                              all match RE (bounded and event-driven)
#   wait_new DOMAIN RE N SECS  the same for N lines more than it has now
#   fifo_cfgs                  writes fecho, fping (peer=fecho), sink
#                              (fifo-sink ports=32) and send (fifo-send
#                              peer=sink ports=32 $FIFO_SEND_ARGS) configs

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

wait_lines() { # domain regex count secs
    local fifo=$WORK/.follow-lines n=0 pid line
    rm -f "$fifo" && mkfifo "$fifo" || return 1
    # The follower prints what the ring holds, then follows.
    timeout "$4" "$XHV" console "$1" </dev/null >"$fifo" 2>/dev/null &
    pid=$!
    while [ "$n" -lt "$3" ] && IFS= read -r line; do
        [[ $line =~ $2 ]] && n=$((n + 1))
    done <"$fifo"
    # A quiet guest's follower would only notice at its next write that
    # nobody reads: end it now.
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    [ "$n" -ge "$3" ]
}

wait_new() { # domain regex count secs
    local have
    have=$("$XHV" console --log "$1" 2>/dev/null | grep -cE "$2")
    wait_lines "$1" "$2" $((have + $3)) "$4"
}

fifo_cfgs() {
    printf 'name = "fecho"\ntype = "sim"\nkernel = "fifo-echo"\nmemory = 8\n' \
        >"$WORK/fecho.cfg"
    printf 'name = "fping"\ntype = "sim"\nkernel = "fifo-ping"\nmemory = 8\ncmdline = "peer=fecho"\n' \
        >"$WORK/fping.cfg"
    printf 'name = "sink"\ntype = "sim"\nkernel = "fifo-sink"\nmemory = 8\ncmdline = "ports=32"\n' \
        >"$WORK/sink.cfg"
    printf 'name = "send"\ntype = "sim"\nkernel = "fifo-send"\nmemory = 8\ncmdline = "peer=sink ports=32 %s"\n' \
        "${FIFO_SEND_ARGS:-}" >"$WORK/send.cfg"
}
