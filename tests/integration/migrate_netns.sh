#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Live migration between two xhvds in two network namespaces joined by a
# veth pair, over TLS: `xhv migrate` runs in A's namespace, connects to an
# `xhv migrate-receive` listening in B's, and hands the authenticated
# connection to xhvd A. A memcheck (fails on any changed byte) goes with
# a pre-shared key and a ping/echo pair (fails on a lost or spurious
# event) with mutual X.509, the receiver's certificate naming B's address;
# both must keep passing; both audits clean. (Plaintext TCP takes the
# same path minus the relay thread; migrate.sh covers it on loopback.)
# The namespaces are removed at the end whatever happens. Skips only when
# namespaces cannot be made.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_mig.sh"
. "$(dirname "$0")/lib_tls.sh"

NSA=xhvmig-a-$$ NSB=xhvmig-b-$$
VA=xma$$ VB=xmb$$
ADDR_A=10.231.0.1 ADDR_B=10.231.0.2

if ! err=$(ip netns add "$NSA" 2>&1); then
    echo "1..0 # SKIP ip netns is not permitted here: $err"
    exit 0
fi
netns_cleanup() {
    t_cleanup # the xhvds first: they live in the namespaces
    ip netns del "$NSA" 2>/dev/null
    ip netns del "$NSB" 2>/dev/null
}
trap netns_cleanup EXIT

ip netns add "$NSB" &&
    ip link add "$VA" netns "$NSA" type veth peer name "$VB" netns "$NSB" &&
    ip -n "$NSA" addr add "$ADDR_A/24" dev "$VA" &&
    ip -n "$NSB" addr add "$ADDR_B/24" dev "$VB" &&
    ip -n "$NSA" link set "$VA" up && ip -n "$NSB" link set "$VB" up &&
    ip -n "$NSA" link set lo up && ip -n "$NSB" link set lo up
ok $? "two namespaces joined by a veth pair" || { done_testing; exit 1; }

# One xhvd in each namespace: start_xhvd runs $XHVD, here a wrapper that
# enters the namespace first (xhvd is exec'd, so its pid is the daemon's).
REAL_XHVD=$XHVD
in_ns_xhvd() { # ns
    printf '#!/bin/sh\nexec ip netns exec %s "%s" "$@"\n' "$1" "$REAL_XHVD" \
        >"$WORK/xhvd-$1"
    chmod +x "$WORK/xhvd-$1"
    XHVD=$WORK/xhvd-$1
}
in_ns_xhvd "$NSA"
start_xhvd --mem 256M
ok $? "xhvd A starts in $NSA" || { done_testing; exit 1; }
A=$XHV_RUNDIR A_PID=$XHVD_PID A_LOG=$XHVD_LOG
in_ns_xhvd "$NSB"
start_xhvd --mem 256M
ok $? "xhvd B starts in $NSB" || { done_testing; exit 1; }
B=$XHV_RUNDIR B_PID=$XHVD_PID B_LOG=$XHVD_LOG
XHVD=$REAL_XHVD
is "$(ip netns identify "$A_PID")" "$NSA" "xhvd A runs in $NSA"
is "$(ip netns identify "$B_PID")" "$NSB" "xhvd B runs in $NSB"

# The receiver in B's namespace, on B's veth address (lib_tls.sh); the
# sender CLI in A's, where that address is reachable.
RECV_ADDR=$ADDR_B
RECV_PREFIX=(ip netns exec "$NSB")
migrate_from_a() { # args...
    XHV_RUNDIR=$A x_in "$NSA" migrate "$@"
}
x_in() { # ns args...: x, inside the namespace
    local ns=$1
    shift
    ip netns exec "$ns" "$XHV" "$@" >"$WORK/.out" 2>"$WORK/.err"
    RC=$?
    OUT=$(<"$WORK/.out")
    ERR=$(<"$WORK/.err")
}
K=$WORK/tls
tls_keys "$K" "$ADDR_B" || { done_testing; exit 1; }

cat >"$WORK/mc.cfg" <<CFG
name = "mc"
type = "sim"
kernel = "memcheck"
memory = 16
cmdline = "pages=1024"
CFG
printf 'name = "echo"\ntype = "sim"\nkernel = "echo"\nmemory = 8\n' >"$WORK/echo.cfg"
printf 'name = "ping"\ntype = "sim"\nkernel = "ping"\nmemory = 8\ncmdline = "peer=echo"\n' \
    >"$WORK/ping.cfg"
for g in mc echo ping; do
    on "$A" create -q "$WORK/$g.cfg"
    is "$RC" 0 "$g created on A" || diag "$ERR"
done
wait_console "$A" mc 'pass [0-9]+ ok' 1 20
ok $? "memcheck passes on A"
wait_console "$A" ping 'round trips' 1 20
ok $? "ping counts round trips on A"

# B's address is not reachable from the root namespace: only a sender
# inside $NSA can reach it (the stream really crosses the veth).
recv_start "$B" --tls-psk "$K/psk"
migrate_from_a --tls-psk "$K/psk" mc "tcp:$ADDR_B:$PORT"
is "$RC" 0 "live-migrate mc A -> B across the veth, TLS with a PSK" || diag "$ERR"
like "$OUT" "TLS to $ADDR_B:$PORT: .*ECDHE-PSK" "the sender reports the TLS session"
like "$OUT" 'round [0-9]+ \(final, paused\)' "progress shows the final round"
diag "$OUT"
recv_status 10
is "$RECV_RC" 0 "the receiver exits 0 after the migration"
is "$(state_of "$A" mc)" "none" "mc is gone from A"
is "$(state_of "$B" mc)" "r-----" "mc runs on B"
wait_console "$B" mc 'pass [0-9]+ ok' 2 30
ok $? "memcheck goes on passing on B"
no_fail "$B" mc

recv_start "$B" --tls-cert "$K/srv.pem" --tls-key "$K/srv.key" --tls-ca "$K/ca.pem"
migrate_from_a --tls-cert "$K/cli.pem" --tls-key "$K/cli.key" \
    --tls-ca "$K/ca.pem" ping,echo "tcp:$ADDR_B:$PORT"
is "$RC" 0 "live-migrate ping and echo A -> B across the veth, mutual X.509" ||
    diag "$ERR"
like "$OUT" "TLS to $ADDR_B:$PORT: .*peer certificate CN=recv.test" \
    "the receiver's certificate, checked against $ADDR_B"
recv_status 10
is "$RECV_RC" 0 "the receiver exits 0 after the migration"
like "$RECV_MSG" 'peer certificate CN=sender.test' "the receiver checked the sender's certificate"
wait_console "$B" ping 'round trips' 1 30
ok $? "ping goes on counting round trips on B (no event lost)"
no_fail "$B" ping
on "$B" evtchn ping
like "$OUT" 'interdomain +d[0-9]+:1' "ping's channel to echo is tied on B"
is "$(state_of "$A" ping)$(state_of "$A" echo)" "nonenone" "nothing left on A"

audit_clean "$A" "A"
audit_clean "$B" "B"
XHVD_PID=$A_PID XHVD_LOG=$A_LOG stop_xhvd
XHVD_PID=$B_PID XHVD_LOG=$B_LOG stop_xhvd
done_testing
