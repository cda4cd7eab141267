#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What the CLI cannot send: malformed frames and requests on xhvd's socket
# (rawclient.py holds the scenarios). After each one the daemon must still
# answer, and its state (domains, their configs, every memory counter) must
# be exactly what it was.
set -u
. "$(dirname "$0")/lib.sh"

start_xhvd
ok $? "xhvd starts" || { done_testing; exit 1; }

mkkernel "$WORK/vmlinuz"
export RAW_KERNEL=$WORK/vmlinuz
printf 'name = "alpha"\nmemory = 16\nvcpus = 2\nkernel = "%s"\n' "$RAW_KERNEL" >"$WORK/alpha.cfg"
"$XHV" create -q "$WORK/alpha.cfg" && "$XHV" create -q -p "$WORK/alpha.cfg" name=beta memory=8
ok $? "two domains to keep an eye on (one running, one paused)"

state0=$(raw state)
ok $? "the state can be read over the raw socket"
pid=$(jget 'j["info"]["pid"]' <<<"$state0")
is "$pid" "$XHVD_PID" "hello's pid is the daemon's"
is "$(jget 'sorted(d["name"] + ":" + d["state"] for d in j["domains"])' <<<"$state0")" \
    "['alpha:running', 'beta:created']" "the state holds both domains (beta never ran)"

cases=$("$PYTHON" "$RAWCLIENT" cases)
for c in $cases; do
    out=$(raw case "$c")
    rc=$?
    ok "$rc" "$c: xhvd answers as the protocol says"
    [ "$rc" -eq 0 ] || diag "exit $rc" "$(grep -v '^hello: \|^state: ' <<<"$out")"
    hello=$(sed -n 's/^hello: //p' <<<"$out")
    like "$hello" "\"pid\": $pid," "$c: xhvd still answers hello"
    now=$(sed -n 's/^state: //p' <<<"$out")
    if ! is "$now" "$state0" "$c: state unchanged (domains, configs, memory)"; then
        diag "before: $state0" "after:  $now"
        state0=$now # judge the next case on its own
    fi
done

x audit
is "$RC" 0 "audit is clean after all of it"
x dmesg
unlike "$OUT" 'rawdom\) created' "no request from the raw client created a domain"
x list
is "$(tail -n +2 <<<"$OUT" | awk '{print $1, $5}' | tr '\n' ' ')" \
    "alpha r----- beta --p--- " "the CLI sees both domains as they were"

stop_xhvd
done_testing
