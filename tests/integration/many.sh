#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Fifty small domains created and destroyed in a random order: every page
# must come back, the audit must stay clean, and the memory must be usable
# again as one large domain.
set -u
. "$(dirname "$0")/lib.sh"

N=50
start_xhvd --mem 512M
ok $? "xhvd starts with 512 MiB" || { done_testing; exit 1; }

mkkernel "$WORK/vmlinuz"
cat >"$WORK/small.cfg" <<EOF
name = "small"
memory = 4
vcpus = 1
kernel = "$WORK/vmlinuz"
EOF
free0=$(free_mib)
diag "free memory before: $free0 MiB"

failed=0
for i in $(seq 1 "$N"); do
    if ! "$XHV" create -q "$WORK/small.cfg" "name=vm$i" >"$WORK/create.out" 2>&1; then
        failed=$((failed + 1))
        diag "create vm$i: $(<"$WORK/create.out")"
    fi
done
is "$failed" 0 "$N domains of 4 MiB created"

x list
is "$(tail -n +2 <<<"$OUT" | wc -l)" "$N" "list shows $N domains"
is "$(tail -n +2 <<<"$OUT" | awk '{print $2}' | sort -u | wc -l)" "$N" "their ids are distinct"
is "$(tail -n +2 <<<"$OUT" | awk '$3 != 4 || $5 != "r-----"' | wc -l)" 0 \
    "every one has 4 MiB and runs"
x info
like "$OUT" "^nr_domains +: $N\$" "info counts $N domains"
used=$((free0 - $(free_mib)))
[ "$used" -ge $((N * 4)) ] && [ "$used" -le $((N * 4 + N)) ]
ok $? "they use $used MiB: 4 MiB each plus under 1 MiB of overhead each"
x audit
is "$RC" 0 "audit is clean with $N domains"

# Destroy in a random order, half by name and half by id.
failed=0
k=0
for line in $("$XHV" list | tail -n +2 | awk '{print $1 ":" $2}' | shuf); do
    k=$((k + 1))
    if [ $((k % 2)) -eq 0 ]; then target=${line%%:*}; else target=${line##*:}; fi
    if ! "$XHV" destroy "$target" >"$WORK/destroy.out" 2>&1; then
        failed=$((failed + 1))
        diag "destroy $target: $(<"$WORK/destroy.out")"
    fi
done
is "$failed:$k" "0:$N" "all $N destroyed, in a random order, by name or id"

x list
is "$OUT" "$(head -1 <<<"$OUT")" "list is empty"
x audit
is "$RC" 0 "audit is clean after destroying them all"
like "$OUT" '^clean' "... and says so"
like "$OUT" 'domain 0 \(extra 0\)' "... with no domain pages left"
is "$(free_mib)" "$free0" "free memory is exactly what it was before"

# The memory is usable again, and not in pieces: one domain takes nearly
# all of it. (free_memory_mib counts the live-update scratch region, which
# domains do not get.)
scratch=$("$XHV" info | awk -F' *: *' '$1 == "scratch_mib" { print $2 }')
big=$((free0 - scratch - 8))
x create -q "$WORK/small.cfg" name=big "memory=$big"
is "$RC" 0 "one domain of $big MiB fits in what came back"
[ "$RC" -eq 0 ] || diag "$ERR"
x destroy big
is "$(free_mib)" "$free0" "... and gives it all back"

stop_xhvd
done_testing
