#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Live update carries grant tables (docs/grant-tables.md, "Live update"):
# two pairs of sim guests, a granter counting up in a page it granted and
# a mapper that has it mapped and checks the count never goes backwards
# (one pair v1 read-write, one v2 read-only), go through transfer and exec
# live updates. Then the mappings must be the same (handle, ref, gfn), the
# mappers must still see the count rise, the audit must be clean; a mapper
# destroyed after the updates must give back every reference it had taken
# again; a granter destroyed while mapped leaves its mapper reading the
# last count, and live update refuses until that mapping is gone.
#
# The guests judge themselves: a count going backwards or a page that is
# not the granted one makes a mapper print FAIL and crash.
set -u
. "$(dirname "$0")/lib.sh"

ROUNDS=${XHV_LU_ROUNDS:-4}

start_xhvd --mem 256M --lu-scratch 32M
ok $? "xhvd starts" || { done_testing; exit 1; }

mkcfg() { # name program cmdline
    cat >"$WORK/$1.cfg" <<EOF
name = "$1"
type = "sim"
kernel = "$2"
memory = 8
cmdline = "$3"
EOF
}
mkcfg g1 granter "ref=8"
mkcfg m1 mapper "peer=g1 ref=8"
mkcfg g2 granter "ref=9 version=2"
mkcfg m2 mapper "peer=g2 ref=9 ro=1"
for g in g1 m1 g2 m2; do
    x create -q "$WORK/$g.cfg"
    is "$RC" 0 "sim guest $g created" || diag "$ERR"
done

# Waits until DOMAIN's console shows COUNT new lines matching REGEX
# (lines already there do not count), at most SECS seconds. Event-driven:
# `xhv console` follows the output and the reader stops at the match.
# grep's output goes to a file: writing to /dev/null, GNU grep takes it
# for -q, ignores -m, reads to the end (the timeout) and succeeds on the
# first match, old or new.
wait_console() { # domain regex count secs
    local have want
    have=$("$XHV" console --log "$1" | grep -cE "$2")
    want=$((have + $3))
    timeout "$4" "$XHV" console "$1" </dev/null 2>/dev/null |
        grep -m "$want" -E "$2" >"$WORK/.wait"
    [ "$(wc -l <"$WORK/.wait")" -eq "$want" ]
}

# The count in a mapper's newest "N checks, counter C" report.
counter() { # mapper
    "$XHV" console --log "$1" |
        sed -n 's/^mapper: [0-9]* checks, counter \([0-9]*\)$/\1/p' | tail -1
}

# A domain's mapping lines and grant lines of `xhv grants`, without the
# pin count's neighbours that change (none do today: the whole line).
mappings() { "$XHV" grants "$1" | sed -n '/^Mappings:/,$p' | tail -n +3; }
grants() { "$XHV" grants "$1" | sed -n '/^Grants:/,/^Mappings:/p' | sed '1,2d;$d'; }

for m in m1 m2; do
    wait_console "$m" 'checks, counter' 3 20
    ok $? "$m maps its granter's page and reads the count"
done
maps1=$(mappings m1)
maps2=$(mappings m2)
like "$maps1" '^ +0 +[0-9]+ +8 +0x[0-9a-f]+ +rw$' "m1 holds handle 0: ref 8, read-write"
like "$maps2" '^ +0 +[0-9]+ +9 +0x[0-9a-f]+ +ro$' "m2 holds handle 0: ref 9, read-only"
gr1=$(grants g1)
gr2=$(grants g2)
like "$gr1" '^ +8 +permit,reading,writing +[0-9]+ +0x3 +1$' "g1's ref 8 is pinned read-write once"
like "$gr2" '^ +9 +permit,reading +[0-9]+ +0x3 +65536$' "g2's ref 9 is pinned read-only once"
x list
ids_before=$(tail -n +2 <<<"$OUT" | awk '{print $1, $2}' | sort)
c1_before=$(counter m1)
c2_before=$(counter m2)

# --- live updates: transfer, then one exec ----------------------------------
failed=0
for i in $(seq 1 "$ROUNDS") exec; do
    mode=transfer
    [ "$i" = exec ] && mode=exec
    if ! "$XHV" live-update --mode "$mode" --json >"$WORK/lu.json" 2>"$WORK/lu.err"; then
        failed=$((failed + 1))
        diag "live update $i ($mode): $(cat "$WORK/lu.err")"
        continue
    fi
    XHVD_PID=$(jget 'j["pid"]' <"$WORK/lu.json")
    T_PIDS+=("$XHVD_PID")
done
is "$failed" 0 "$ROUNDS transfer live updates and one exec live update succeed"
x info
like "$OUT" "^pid +: $XHVD_PID\$" "the control socket answers from the newest xhvd"
x list
is "$(tail -n +2 <<<"$OUT" | awk '{print $1, $2}' | sort)" "$ids_before" \
    "the same domains with the same ids"
is "$(tail -n +2 <<<"$OUT" | awk '$5 != "r-----"' | wc -l)" 0 "all still running"

is "$(mappings m1)" "$maps1" "m1's mapping is the same (handle, granter, ref, gfn, rw)"
is "$(mappings m2)" "$maps2" "m2's mapping is the same (handle, granter, ref, gfn, ro)"
is "$(grants g1)" "$gr1" "g1's grant is pinned as before"
is "$(grants g2)" "$gr2" "g2's grant is pinned as before (v2 status bits)"
x audit
like "$OUT" "^clean: 0 violations" "the audit is clean after the updates"
like "$OUT" "unmanaged 0;" "every page is managed again"

for m in m1 m2; do
    wait_console "$m" 'checks, counter' 2 30
    ok $? "$m still reads its granter's page"
done
c1_after=$(counter m1)
c2_after=$(counter m2)
ok "$([ "${c1_after:-0}" -gt "${c1_before:-0}" ] && echo 0 || echo 1)" \
    "m1 sees g1's count rise: ${c1_before:-none} -> ${c1_after:-none}"
ok "$([ "${c2_after:-0}" -gt "${c2_before:-0}" ] && echo 0 || echo 1)" \
    "m2 sees g2's count rise: ${c2_before:-none} -> ${c2_after:-none}"
for g in g1 m1 g2 m2; do
    x console --log "$g"
    unlike "$OUT" 'FAIL' "$g reports no failure"
done

# --- a mapper dies after the updates: it gives back what it took again -----
x destroy m2
is "$RC" 0 "m2 destroyed"
like "$(grants g2)" '^ +9 +permit +[0-9]+ +0x3 +0$' \
    "g2's ref 9 is no longer pinned, its status bits cleared"
x audit
like "$OUT" "^clean: 0 violations" "audit clean once the restored mapping is gone"

# --- the granter dies while mapped ------------------------------------------
x destroy g1
is "$RC" 0 "g1 destroyed while m1 maps its page"
# Reports made after the destroy returned: g1 writes no more.
wait_console m1 'checks, counter' 1 30
ok $? "m1 goes on reading the page"
c1_dead=$(counter m1)
wait_console m1 'checks, counter' 1 30
ok $? "and on"
is "$(counter m1)" "${c1_dead:-none}" "m1 reads the last count g1 wrote, unchanged (${c1_dead:-none})"
is "$(mappings m1)" "$maps1" "m1 still holds the mapping"
x audit
like "$OUT" "^clean: 0 violations" "audit clean with g1's page kept for m1"
x live-update
is "$RC" 1 "live update refuses while m1 maps a page of a dying domain"
like "$ERR" 'maps grant 8 of d[0-9]+, which is being destroyed' "and says why"
x list
is "$(tail -n +2 <<<"$OUT" | awk '$5 == "r-----" {print $1}' | sort | tr '\n' ' ')" \
    "g2 m1 " "g2 and m1 still running after the refusal"

x destroy m1
is "$RC" 0 "m1 destroyed: the last mapping of g1's page goes"
x audit
like "$OUT" "^clean: 0 violations" "audit clean once g1's page is freed"
like "$OUT" "domains 1\$" "only g2 is left, g1's shell gone with its page"
x live-update --json
is "$RC" 0 "live update succeeds again" &&
    { XHVD_PID=$(jget 'j["pid"]' <<<"$OUT"); T_PIDS+=("$XHVD_PID"); }
x console --log g2
unlike "$OUT" 'FAIL' "g2 reports no failure"

stop_xhvd
done_testing
