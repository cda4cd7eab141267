#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Grant tables across save/restore and migration (issue 8): a granter's
# shared and status frames travel as extra pages (never as RAM), with the
# table's version and where the guest mapped each frame; its grant entries
# arrive as they were and it keeps counting in the granted page. A domain
# whose grants are mapped by another, or which maps another's, is refused
# with the reason, and stays running.
set -u
. "$(dirname "$0")/lib.sh"

start_xhvd --mem 256M
ok $? "source xhvd starts" || { done_testing; exit 1; }
SRC=$XHV_RUNDIR
SRC_PID=$XHVD_PID
start_xhvd --mem 256M
ok $? "target xhvd starts" || { done_testing; exit 1; }
DST=$XHV_RUNDIR
DST_PID=$XHVD_PID
on() { local r=$1; shift; XHV_RUNDIR=$r x "$@"; }

printf 'name = "g"\ntype = "sim"\nkernel = "granter"\nmemory = 8\ncmdline = "ref=8 version=2"\n' >"$WORK/g.cfg"
printf 'name = "m"\ntype = "sim"\nkernel = "mapper"\nmemory = 8\ncmdline = "peer=g ref=8"\n' >"$WORK/m.cfg"
on "$SRC" create -q "$WORK/g.cfg"
is "$RC" 0 "granter (grant table v2) created on the source" || diag "$ERR"
on "$SRC" create -q "$WORK/m.cfg"
is "$RC" 0 "a mapper, its peer, created" || diag "$ERR"

# Waits for want lines matching regex on a domain's console.
wait_lines() { # rundir domain regex want secs
    local got
    got=$(XHV_RUNDIR=$1 timeout "$5" "$XHV" console "$2" </dev/null 2>/dev/null |
        grep -m "$4" -cE "$3")
    [ "${got:-0}" -ge "$4" ]
}
wait_lines "$SRC" m 'mapper: mapped' 1 20
ok $? "the mapper maps the granter's page"
wait_lines "$SRC" g 'granter: counter' 2 20
ok $? "the granter counts in its granted page"

XHV_RUNDIR=$SRC timeout 60 "$XHV" migrate g "$DST" >"$WORK/mig.out" 2>&1
is "$?" 1 "migrating a granter whose grant is mapped is refused"
like "$(cat "$WORK/mig.out")" 'mapped by other domains' "with the reason"
XHV_RUNDIR=$SRC timeout 60 "$XHV" migrate m "$DST" >"$WORK/mig.out" 2>&1
is "$?" 1 "migrating the mapper is refused too"
like "$(cat "$WORK/mig.out")" 'unmap them' "with the reason"
on "$SRC" list
is "$(tail -n +2 <<<"$OUT" | awk '$5 == "r-----"' | wc -l)" 2 "both still run on the source"
on "$SRC" destroy m
is "$RC" 0 "the mapper goes"

on "$SRC" grants g
grants_before=$(sed -n '/^Grants:/,/^Mappings:/p' <<<"$OUT" | grep -E '^ +8 ' | awk '{print $1, $2, $3, $4}')
like "$grants_before" 'permit' "ref 8 is granted"
on "$SRC" dump g
frames_before=$(grep -E 'grant (status )?frame' <<<"$OUT" | awk '{print $1, $2, $3, $4, $NF}')
like "$frames_before" 'grant status frame 0' "v2: a status frame exists"

wait_counter() { # rundir want secs
    wait_lines "$1" g 'granter: counter' "$2" "$3"
}

XHV_RUNDIR=$SRC timeout 60 "$XHV" migrate g "$DST" >"$WORK/mig.out" 2>&1
is "$?" 0 "the granter migrates" || diag "$(cat "$WORK/mig.out")"
on "$DST" grants g
is "$(sed -n '/^Grants:/,/^Mappings:/p' <<<"$OUT" | grep -E '^ +8 ' | awk '{print $1, $2, $3, $4}')" \
    "$grants_before" "its grant entry arrives as it was"
on "$DST" dump g
is "$(grep -E 'grant (status )?frame' <<<"$OUT" | awk '{print $1, $2, $3, $4, $NF}')" \
    "$frames_before" "its grant frames, status frame and their gfns arrive"
on "$DST" list
like "$OUT" '^g .*r-----' "it runs on the target"
have=$(XHV_RUNDIR=$DST "$XHV" console --log g | grep -c 'granter: counter')
wait_counter "$DST" $((have + 1)) 30
ok $? "and goes on counting in the granted page"
on "$DST" audit
like "$OUT" '^clean: 0 violations' "target audit clean (frames are extra pages)"
on "$SRC" audit
like "$OUT" '^clean: 0 violations' "source audit clean"

# Save/restore of the same table, on the target.
on "$DST" save g "$WORK/g.img"
is "$RC" 0 "save the granter to a file"
on "$DST" restore "$WORK/g.img"
is "$RC" 0 "restore it" || diag "$ERR"
on "$DST" grants g
is "$(sed -n '/^Grants:/,/^Mappings:/p' <<<"$OUT" | grep -E '^ +8 ' | awk '{print $1, $2, $3, $4}')" \
    "$grants_before" "the grant entry survives save/restore"

XHVD_PID=$DST_PID XHVD_LOG=$DST/xhvd.log stop_xhvd
XHVD_PID=$SRC_PID XHVD_LOG=$SRC/xhvd.log stop_xhvd
done_testing
