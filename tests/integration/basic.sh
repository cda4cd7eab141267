#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The everyday life of a domain through the real xhv CLI and a real xhvd:
# create, list, dump, pause, shutdown and its actions, destroy, and the
# host commands around them; then help and usage errors.
set -u
. "$(dirname "$0")/lib.sh"

# Prints the list row of a domain by name: "NAME ID MEM VCPUS STATE TIME".
row() {
    "$XHV" list | awk -v n="$1" '$1 == n { print $1, $2, $3, $4, $5, $6 }'
}
domid() {
    "$XHV" list | awk -v n="$1" '$1 == n { print $2 }'
}
flags() {
    "$XHV" list | awk -v n="$1" '$1 == n { print $5 }'
}

# ---- Help and usage: no daemon needed ----
x help
is "$RC" 0 "xhv help exits 0"
like "$OUT" '^Usage: xhv \[-r DIR\] COMMAND' "xhv help prints the usage line"
like "$OUT" '^  create +Create a domain' "xhv help lists create"
x help create
is "$RC" 0 "xhv help create exits 0"
like "$OUT" '^Usage: xhv create \[-p\] \[-n\] \[-q\] CONFIG' "xhv help create shows create's usage"
x create --help
is "$RC$OUT" "0$("$XHV" help create)" "xhv create --help is xhv help create"
x frobnicate
is "$RC" 2 "an unknown command exits 2"
like "$ERR" "no command 'frobnicate'" "... and names it"
x help frobnicate
is "$RC" 2 "help for an unknown command exits 2"
x
is "$RC" 2 "no command at all exits 2"
like "$ERR" '^Usage: xhv' "... and prints the usage to stderr"
x create
is "$RC" 2 "create without CONFIG exits 2"
like "$ERR" 'missing the configuration file' "... saying what is missing"
x destroy
is "$RC" 2 "destroy without DOMAIN exits 2"
like "$ERR" 'missing DOMAIN' "... saying what is missing"
x pause a b
is "$RC" 2 "pause with two domains exits 2"
x debug-keys
is "$RC" 2 "debug-keys without KEYS exits 2"
x list -z
is "$RC" 2 "list with an unknown option exits 2"
x shutdown
is "$RC" 2 "shutdown without DOMAIN or -a exits 2"
x create -p /dev/null -q
is "$RC" 2 "an option after CONFIG exits 2"

# ---- A daemon and a realistic guest ----
start_xhvd
ok $? "xhvd starts on a private rundir" || { done_testing; exit 1; }

x info
is "$RC" 0 "xhv info exits 0"
like "$OUT" '^total_memory_mib +: 256$' "info shows total memory (256 MiB)"
like "$OUT" '^free_memory_mib +: [0-9]+$' "info shows free memory"
like "$OUT" "^rundir +: $XHV_RUNDIR\$" "info shows our rundir"
free0=$(free_mib)

mkdir -p "$WORK/guests"
mkkernel "$WORK/guests/vmlinuz"
cat >"$WORK/guests/web1.cfg" <<'EOF'
# /etc/xen/web1.cfg - a small PVH web server
name = "web1"
type = "pvh"

memory = 64
maxmem = 128
vcpus = 2

kernel = "vmlinuz"          # relative: resolved against the current dir
root = "/dev/xvda1 ro"
extra = "console=hvc0 quiet"

on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "preserve"
EOF
cd "$WORK/guests" || exit 1

x create web1.cfg
is "$RC" 0 "create web1.cfg exits 0"
like "$ERR" '^Parsing config from web1.cfg$' "create says which file it parses (as xl)"
like "$OUT" '^Domain [0-9]+ \(web1\) created, running$' "create reports the new domain"
id1=$(domid web1)

x list
is "$RC" 0 "list exits 0"
is "$(head -1 <<<"$OUT" | tr -s ' ')" "Name ID Mem VCPUs State Time(s)" \
    "list's header has xl's columns"
is "$(row web1)" "web1 $id1 64 2 r----- 0.0" "web1's row: id, 64 MiB, 2 vcpus, running"
is "$(wc -l <<<"$OUT")" 2 "list shows the header and one domain"
x list nosuch
is "$RC" 1 "list of a missing domain exits 1"
like "$ERR" "no domain 'nosuch' \(ENOENT\)" "... with ENOENT"

x list -l
is "$RC" 0 "list -l exits 0"
"$PYTHON" -c 'import json, sys; json.load(sys.stdin)' <<<"$OUT"
ok $? "list -l prints valid JSON"
is "$(jget '[d["name"] for d in j] == ["web1"] and j[0]["config"]["kernel"]' <<<"$OUT")" \
    "$WORK/guests/vmlinuz" "list -l: the kernel path was made absolute"
is "$(jget 'j[0]["config"]["cmdline"], j[0]["maxmem_mib"], j[0]["config"]["on_crash"]' <<<"$OUT")" \
    "root=/dev/xvda1 ro console=hvc0 quiet 128 preserve" \
    "list -l: cmdline from root and extra, maxmem, on_crash"

x dump web1
is "$RC" 0 "dump exits 0"
like "$OUT" '^  pages +tot 16384 / max 32768, extra 1$' "dump: 64 MiB of pages, max 128 MiB, one extra page"
like "$OUT" '^    shared_info +mfn 0x[0-9a-f]+ ' "dump lists the shared_info page"
like "$OUT" '^  vcpus +2$' "dump: 2 vcpus"

# ---- Pause nests ----
x pause web1
is "$RC:$(flags web1)" "0:--p---" "pause: state flag p"
x unpause web1
is "$RC:$(flags web1)" "0:r-----" "unpause: state flag r"
"$XHV" pause web1 && "$XHV" pause "$id1"
ok $? "pause twice (by name, then by id)"
x unpause web1
is "$RC:$(flags web1)" "0:--p---" "one unpause of two pauses leaves it paused"
x unpause web1
is "$RC:$(flags web1)" "0:r-----" "the second unpause runs it"
x unpause web1
is "$RC" 1 "unpause of a running domain exits 1"
like "$ERR" 'not paused \(EINVAL\)' "... saying it is not paused"

# ---- create -p, -n, -q and overrides ----
x create -p web1.cfg name=web2 memory=32 maxmem=32
is "$RC" 0 "create -p with overrides exits 0"
like "$OUT" '\(web2\) created, paused$' "create -p reports a paused domain"
id2=$(domid web2)
is "$(row web2)" "web2 $id2 32 2 --p--- 0.0" "web2 is paused with the overridden memory"
x unpause web2
is "$RC:$(flags web2)" "0:r-----" "a domain created paused runs once unpaused"

before=$("$XHV" list)
x create -n web1.cfg name=dry
is "$RC" 0 "create -n exits 0"
is "$(jget 'j["name"], j["memory_mib"], j["kernel"]' <<<"$OUT")" \
    "dry 64 $WORK/guests/vmlinuz" "create -n prints the config as JSON"
is "$("$XHV" list)" "$before" "create -n creates nothing"
x create -q web1.cfg name=quiet memory=4 maxmem=4
is "$RC:$OUT:$ERR" "0::" "create -q prints nothing"
"$XHV" destroy quiet

# ---- dmesg, debug-keys, audit ----
x dmesg
is "$RC" 0 "dmesg exits 0"
like "$OUT" "d$id1 \\(web1\\) created: 16384 pages, 2 vcpus" "dmesg has web1's creation"
x debug-keys q
is "$RC" 0 "debug-keys q exits 0"
like "$OUT" "^d$id1 \\(web1\\): tot_pages 16384 max_pages 32768 extra_pages 1" "debug-keys q dumps web1"
like "$OUT" '^    shared_info 0: mfn 0x[0-9a-f]+$' "debug-keys q prints the shared_info line"
x dmesg
like "$OUT" "debug-keys 'q'" "the debug-keys output is in the log too"
x audit
is "$RC" 0 "audit exits 0"
like "$OUT" '^clean' "audit says clean"

# ---- shutdown and its actions ----
x shutdown web2
is "$RC" 0 "shutdown web2 exits 0"
x list web2
is "$RC" 1 "on_poweroff=destroy (the default): web2 is gone"

x shutdown -r web1
is "$RC" 0 "shutdown -r web1 exits 0"
like "$OUT" '^Domain web1 restarted as domain [0-9]+$' "shutdown -r reports the restart"
id1b=$(domid web1)
[ -n "$id1b" ] && [ "$id1b" != "$id1" ]
ok $? "on_reboot=restart: web1 is back with a new id ($id1 -> $id1b)"
is "$(row web1)" "web1 $id1b 64 2 r----- 0.0" "the restarted web1 runs with the same config"
x list -l web1
is "$(jget 'j[0]["config"]["cmdline"]' <<<"$OUT")" "root=/dev/xvda1 ro console=hvc0 quiet" \
    "the restarted web1 kept its config"

"$XHV" create -q web1.cfg name=keeper memory=4 maxmem=4 on_poweroff=preserve on_reboot=destroy
x shutdown keeper
is "$RC:$(flags keeper)" "0:--ps--" "on_poweroff=preserve: it stays, paused and shut down"
x shutdown keeper
is "$RC:$(flags keeper)" "0:--ps--" "shutting it down again changes nothing (as in Xen)"
x destroy keeper
is "$RC" 0 "a preserved domain can be destroyed"
"$XHV" create -q web1.cfg name=once memory=4 maxmem=4 on_reboot=destroy
"$XHV" shutdown -r once >/dev/null
x list once
is "$RC" 1 "on_reboot=destroy: shutdown -r leaves nothing"

# ---- destroy ----
x destroy web1
is "$RC:$OUT" "0:" "destroy web1 exits 0 silently"
x list
is "$OUT" "$(head -1 <<<"$OUT")" "list is empty after destroy"
x destroy web1
is "$RC" 1 "destroying it again exits 1"
like "$ERR" "no domain 'web1' \\(ENOENT\\)" "... with ENOENT"
x destroy "$id1b"
is "$RC" 1 "destroying its old id exits 1 too"
is "$(free_mib)" "$free0" "free memory is back to its starting value"
x audit
is "$RC" 0 "audit is clean at the end"

cd / || exit 1
stop_xhvd
done_testing
