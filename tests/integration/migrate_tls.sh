#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Migration over TCP with TLS (docs/migration.md) between two xhvds on
# this machine: a memcheck guest (fails on any changed byte) goes A -> B
# with a pre-shared key and back B -> A with mutual X.509, and must keep
# passing. Then every refusal: a wrong key, a sender without a
# certificate or with one from another CA, a receiver whose certificate
# does not carry the name asked for, a plaintext sender to a TLS receiver
# and the reverse, tcp: with no security at all, unsafe key files. Each
# leaves the guest running on A, nothing new on B, both audits clean, and
# says why on stderr.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_mig.sh"
. "$(dirname "$0")/lib_tls.sh"

start_xhvd --mem 256M
ok $? "xhvd A starts" || { done_testing; exit 1; }
A=$XHV_RUNDIR A_PID=$XHVD_PID A_LOG=$XHVD_LOG
start_xhvd --mem 256M
ok $? "xhvd B starts" || { done_testing; exit 1; }
B=$XHV_RUNDIR B_PID=$XHVD_PID B_LOG=$XHVD_LOG
K=$WORK/tls
tls_keys "$K" 127.0.0.1 || { done_testing; exit 1; }

PSK=(--tls-psk "$K/psk")
SRV=(--tls-cert "$K/srv.pem" --tls-key "$K/srv.key" --tls-ca "$K/ca.pem")
CLI=(--tls-cert "$K/cli.pem" --tls-key "$K/cli.key" --tls-ca "$K/ca.pem")

printf 'name = "mc"\ntype = "sim"\nkernel = "memcheck"\nmemory = 16\ncmdline = "pages=1024"\n' \
    >"$WORK/mc.cfg"
on "$A" create -q "$WORK/mc.cfg"
is "$RC" 0 "memcheck guest mc created on A" || diag "$ERR"
wait_console "$A" mc 'pass [0-9]+ ok' 1 20
ok $? "memcheck passes on A"

# --- TLS with a pre-shared key, A -> B ---------------------------------------
recv_start "$B" "${PSK[@]}"
on "$A" migrate "${PSK[@]}" mc "tcp:127.0.0.1:$PORT"
is "$RC" 0 "migrate mc A -> B over TLS with a pre-shared key" || diag "$ERR"
like "$OUT" "TLS to 127.0.0.1:$PORT: \(TLS1.3\).*, ECDHE-PSK over .*, pre-shared key 'migrate'" \
    "the sender names TLS 1.3, an ephemeral key exchange and the PSK identity"
like "$OUT" 'round [0-9]+ \(final, paused\)' "progress reaches the final round"
unlike "$ERR" 'warning' "no plaintext warning"
recv_status 10
is "$RECV_RC" 0 "the receiver exits 0 after the migration"
like "$RECV_MSG" "accepted 127.0.0.1:[0-9]+: .*pre-shared key 'migrate'" \
    "the receiver says whom it accepted"
is "$(state_of "$A" mc)" "none" "mc is gone from A"
is "$(state_of "$B" mc)" "r-----" "mc runs on B"
wait_console "$B" mc 'pass [0-9]+ ok' 2 30
ok $? "memcheck goes on passing on B"
on "$B" console --log mc
unlike "$OUT" 'FAIL' "mc reports no failure on B"

# --- mutual X.509, B -> A (the name checked is the IP in the certificate) ---
recv_start "$A" "${SRV[@]}"
on "$B" migrate "${CLI[@]}" mc "tcp:127.0.0.1:$PORT"
is "$RC" 0 "migrate mc B -> A over mutual X.509" || diag "$ERR"
like "$OUT" 'peer certificate CN=recv.test' "the sender names the receiver's certificate"
recv_status 10
is "$RECV_RC" 0 "the receiver exits 0"
like "$RECV_MSG" 'peer certificate CN=sender.test' "the receiver names the sender's certificate"
is "$(state_of "$B" mc)" "none" "mc is gone from B"
is "$(state_of "$A" mc)" "r-----" "mc runs on A"
wait_console "$A" mc 'pass [0-9]+ ok' 2 30
ok $? "memcheck goes on passing on A"
on "$A" console --log mc
unlike "$OUT" 'FAIL' "mc reports no failure on A"

# --- refusals: each leaves mc on A, nothing on B --------------------------------
still_fine() { # label
    is "$(state_of "$A" mc)" "r-----" "$1: mc still runs on A"
    is "$(count_doms "$B")" 0 "$1: no domain on B"
    audit_clean "$A" "$1: A"
    audit_clean "$B" "$1: B"
}

refused() { # label sender-regex receiver-regex sender-args...
    local label=$1 sre=$2 rre=$3
    shift 3
    on "$A" migrate "$@" mc "tcp:127.0.0.1:$PORT"
    is "$RC" 1 "$label: the sender fails (exit 1)"
    like "$ERR" "$sre" "$label: the sender says why"
    diag "sender: $ERR"
    recv_status 15
    is "$RECV_RC" 1 "$label: the receiver exits 1"
    like "$RECV_MSG" "$rre" "$label: the receiver says why"
    diag "receiver: $(cat "$RECV_ERR")"
    still_fine "$label"
}

recv_start "$B" "${PSK[@]}"
refused "wrong PSK" 'refused the handshake' \
    "wrong pre-shared key: the sender's key for identity 'migrate'" \
    --tls-psk "$K/psk.bad"

recv_start "$B" "${SRV[@]}"
refused "certificate from another CA" 'alert|TLS' \
    "the sender's certificate is not trusted: .*issuer is unknown" \
    --tls-cert "$K/rogue-cli.pem" --tls-key "$K/rogue-cli.key" --tls-ca "$K/ca.pem"

# A client without a certificate: xhv migrate always has one, so gnutls-cli
# plays the part (the receiver's CA verifies its end).
recv_start "$B" "${SRV[@]}"
timeout 20 gnutls-cli --x509cafile "$K/ca.pem" -p "$PORT" 127.0.0.1 \
    </dev/null >"$WORK/gnutls-cli.out" 2>&1
recv_status 15
is "$RECV_RC" 1 "no client certificate: the receiver exits 1"
like "$RECV_MSG" 'sent no certificate.*requires a client certificate' \
    "no client certificate: the receiver says why"
still_fine "no client certificate"

recv_start "$B" "${SRV[@]}"
refused "receiver's name not the one asked for" \
    "the receiver's certificate is not trusted: .*name in the certificate does not match" \
    'refused the handshake \(alert' "${CLI[@]}" --tls-name other.test

recv_start "$B" "${PSK[@]}"
refused "plaintext sender, TLS receiver" 'ECONNRESET|EPIPE|EIO' \
    'not speaking TLS \(a plaintext --insecure sender\?\): refused' --insecure

recv_start "$B" --insecure
like "$(cat "$RECV_ERR")" 'warning: plaintext and unauthenticated' \
    "an --insecure receiver warns"
refused "TLS sender, plaintext receiver" \
    'TLS handshake with .* failed: the receiver closed the connection' \
    'speaks TLS but this receiver is --insecure' "${PSK[@]}"

# --- refused by the CLI before anything happens --------------------------------
on "$A" migrate mc tcp:127.0.0.1:1
is "$RC" 2 "tcp: with neither TLS nor --insecure is refused (exit 2)"
like "$ERR" 'refusing to send guest memory over TCP unauthenticated' "... saying so"
like "$ERR" '--tls-psk FILE.*--tls-cert.*ssh:HOST.*--insecure' "... and how to secure it"
on "$A" migrate --insecure "${PSK[@]}" mc tcp:127.0.0.1:1
is "$RC" 2 "--insecure with a TLS option is a usage error"
on "$A" migrate --tls-cert "$K/cli.pem" --tls-key "$K/cli.key" mc tcp:127.0.0.1:1
is "$RC" 2 "X.509 without --tls-ca is a usage error"
like "$ERR" 'all of --tls-cert, --tls-key and --tls-ca' "... naming the three"
on "$A" migrate "${PSK[@]}" mc "$B"
is "$RC" 2 "TLS options with a rundir DEST are a usage error"
on "$A" migrate --tls-psk "$K/nonexistent" mc tcp:127.0.0.1:1
is "$RC" 1 "a missing key file fails"
like "$ERR" 'nonexistent: No such file or directory' "... naming the file"
cp "$K/psk" "$WORK/open.psk"
chmod 644 "$WORK/open.psk"
on "$A" migrate --tls-psk "$WORK/open.psk" mc tcp:127.0.0.1:1
is "$RC" 1 "a PSK file readable by others is refused"
like "$ERR" 'must not be accessible by group or others \(mode 0644\); chmod 600' \
    "... saying to chmod it"
cp "$K/cli.key" "$WORK/open.key"
chmod 640 "$WORK/open.key"
on "$A" migrate --tls-cert "$K/cli.pem" --tls-key "$WORK/open.key" \
    --tls-ca "$K/ca.pem" mc tcp:127.0.0.1:1
is "$RC" 1 "a private key readable by its group is refused"
(umask 077 && printf 'migrate:00112233\n' >"$WORK/short.psk" &&
    printf 'no colon here\n' >"$WORK/bad.psk")
on "$A" migrate --tls-psk "$WORK/short.psk" mc tcp:127.0.0.1:1
is "$RC" 1 "a 4-byte PSK is refused"
like "$ERR" 'key must be 16-64 bytes in hex' "... saying how long it must be"
on "$A" migrate --tls-psk "$WORK/bad.psk" mc tcp:127.0.0.1:1
like "$ERR" 'expected IDENTITY:HEXKEY' "a PSK file without IDENTITY:HEXKEY is refused"
on "$A" migrate-receive --listen 127.0.0.1:0
is "$RC" 2 "migrate-receive --listen without TLS or --insecure is a usage error"
on "$A" migrate-receive --listen 127.0.0.1:0 --tls-psk "$WORK/open.psk"
is "$RC" 1 "migrate-receive refuses an open PSK file before it listens"
unlike "$OUT" 'listening' "... and never listened"
still_fine "after the command-line refusals"
wait_console "$A" mc 'pass [0-9]+ ok' 1 30
ok $? "memcheck still passes on A after all of it"

XHVD_PID=$B_PID XHVD_LOG=$B_LOG stop_xhvd
XHVD_PID=$A_PID XHVD_LOG=$A_LOG stop_xhvd
done_testing
