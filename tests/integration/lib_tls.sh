# SPDX-License-Identifier: GPL-2.0-only
# Throwaway TLS credentials and a migrate-receive in the background, for
# the migration tests over TCP (docs/migration.md). Source after lib.sh.
# Needs psktool and certtool (gnutls-bin, in scripts/setup).
#
#   tls_keys DIR [IP...]       makes in DIR (all keys 0600):
#                                psk        identity "migrate", 32 bytes
#                                psk.bad    identity "migrate", another key
#                                ca.pem     the CA both sides trust
#                                srv.pem/.key   receiver: CN and DNS name
#                                               recv.test, the IPs given
#                                cli.pem/.key   sender (TLS client)
#                                rogue-ca.pem, rogue-cli.pem/.key
#                                           a sender from another CA
#                              one assertion
#   recv_start DIR ARGS...     `xhv migrate-receive --listen $RECV_ADDR:0
#                              ARGS` against the xhvd of rundir DIR, in the
#                              background ("${RECV_PREFIX[@]}" before it,
#                              e.g. ip netns exec); sets RECV (pid), PORT,
#                              RECV_OUT, RECV_ERR (files); one assertion
#   recv_status SECS           waits (bounded) for it; sets RECV_RC and
#                              RECV_MSG (its stdout and stderr)

RECV_ADDR=${RECV_ADDR:-127.0.0.1}
RECV_PREFIX=()
RECV_N=0

tls_cert() { # dir name template-lines ca-name
    local d=$1 n=$2
    printf '%b' "$3" >"$d/$n.tmpl"
    certtool --generate-privkey --key-type=ecdsa --outfile "$d/$n.key" \
        2>>"$d/log" &&
        certtool --generate-certificate --load-privkey "$d/$n.key" \
            --load-ca-certificate "$d/$4.pem" --load-ca-privkey "$d/$4.key" \
            --template "$d/$n.tmpl" --outfile "$d/$n.pem" 2>>"$d/log"
}

tls_ca() { # dir name cn
    local d=$1 n=$2
    printf 'cn = "%s"\nca\ncert_signing_key\nexpiration_days = 2\n' "$3" \
        >"$d/$n.tmpl"
    certtool --generate-privkey --key-type=ecdsa --outfile "$d/$n.key" \
        2>>"$d/log" &&
        certtool --generate-self-signed --load-privkey "$d/$n.key" \
            --template "$d/$n.tmpl" --outfile "$d/$n.pem" 2>>"$d/log"
}

tls_keys() { # dir [ip...]
    local d=$1 ip srv rc
    shift
    srv='cn = "recv.test"\ndns_name = "recv.test"\n'
    for ip in "$@"; do
        srv+="ip_address = \"$ip\"\\n"
    done
    srv+='tls_www_server\nsigning_key\nencryption_key\nexpiration_days = 2\n'
    mkdir -p "$d" && chmod 700 "$d" && (
        umask 077
        psktool -u migrate -p "$d/psk" >>"$d/log" 2>&1 &&
            psktool -u migrate -p "$d/psk.bad" >>"$d/log" 2>&1 &&
            tls_ca "$d" ca "xhv test CA" &&
            tls_ca "$d" rogue-ca "a CA nobody trusts" &&
            tls_cert "$d" srv "$srv" ca &&
            tls_cert "$d" cli 'cn = "sender.test"\ntls_www_client\nsigning_key\nexpiration_days = 2\n' ca &&
            tls_cert "$d" rogue-cli 'cn = "sender.test"\ntls_www_client\nsigning_key\nexpiration_days = 2\n' rogue-ca
    )
    rc=$?
    ok "$rc" "throwaway PSKs, CA and certificates made with psktool and certtool" ||
        diag "$(cat "$d/log")"
    return "$rc"
}

recv_start() { # rundir args...
    local dir=$1
    shift
    RECV_N=$((RECV_N + 1))
    RECV_OUT=$WORK/recv.$RECV_N.out RECV_ERR=$WORK/recv.$RECV_N.err
    : >"$RECV_OUT"
    XHV_RUNDIR=$dir "${RECV_PREFIX[@]}" "$XHV" migrate-receive \
        --listen "$RECV_ADDR:0" "$@" >"$RECV_OUT" 2>"$RECV_ERR" &
    RECV=$!
    # Its "listening on" line, waited for as it is written (bounded).
    PORT=$(timeout 10 tail -f "$RECV_OUT" 2>/dev/null |
        sed -n "s/.*listening on $RECV_ADDR:\([0-9]*\).*/\1/p;T;q")
    ok "$([ -n "$PORT" ] && echo 0 || echo 1)" \
        "migrate-receive $* listens on $RECV_ADDR:${PORT:-?}" ||
        diag "$(cat "$RECV_ERR")"
}

recv_status() { # secs
    if wait_exit "$RECV" "$1"; then
        wait "$RECV"
        RECV_RC=$?
    else
        kill "$RECV" 2>/dev/null
        wait "$RECV"
        RECV_RC=timeout
    fi
    RECV_MSG=$(cat "$RECV_OUT" "$RECV_ERR")
}
