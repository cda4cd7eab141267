# SPDX-License-Identifier: GPL-2.0-only
# Helpers of the migration tests (migrate*.sh), sourced after lib.sh.
# Each takes the run directory of the xhvd it talks to first.
#
#   on DIR CMD...             x (lib.sh) against that xhvd
#   isnt GOT UNWANTED LABEL
#   wait_console DIR DOMAIN REGEX COUNT SECS
#                             true once COUNT more lines match than
#                             matched when it began, within SECS (follows
#                             the console: no polling)
#   state_of DIR DOMAIN       the state column of `xhv list`, or "none"
#   count_doms DIR            how many domains that xhvd has
#   no_fail DIR DOMAIN        a test: the console says no FAIL
#   audit_clean DIR LABEL     a test: the audit is clean
#   is_clean DIR              the same as a status, for loops

on() { # rundir cmd...
    local dir=$1
    shift
    XHV_RUNDIR=$dir x "$@"
}

isnt() { ok "$([ "$1" != "$2" ] && echo 0 || echo 1)" "$3"; }

wait_console() { # dir domain regex count secs
    local have want got
    have=$(XHV_RUNDIR=$1 "$XHV" console --log "$2" 2>/dev/null | grep -cE "$3")
    want=$((have + $4))
    # grep stops at the want-th match, which ends the follower; -c says
    # how many it saw (grep -m alone succeeds on any one match).
    got=$(XHV_RUNDIR=$1 timeout "$5" "$XHV" console "$2" </dev/null \
        2>/dev/null | grep -m "$want" -cE "$3")
    [ "${got:-0}" -ge "$want" ]
}

state_of() { # dir domain
    on "$1" list
    awk -v n="$2" '$1 == n {print $5; f=1} END {if (!f) print "none"}' <<<"$OUT"
}

count_doms() { on "$1" list; tail -n +2 <<<"$OUT" | wc -l; }

no_fail() { # dir domain
    on "$1" console --log "$2"
    unlike "$OUT" 'FAIL' "$2 reports no failure"
}

audit_clean() { # dir label
    on "$1" audit
    like "$OUT" "^clean: 0 violations" "$2: the audit is clean"
}

is_clean() { # dir
    on "$1" audit
    [[ $OUT =~ ^clean:\ 0\ violations ]]
}
