/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TLS for `xhv migrate` and `xhv migrate-receive` over TCP, with GnuTLS
 * (docs/migration.md). Only the CLI links GnuTLS: xhvd, which parses guest
 * input, never sees a TLS library or a network peer.
 *
 * Objects: a struct cli_tls is one session with the credentials it was
 * made from (a pre-shared key, or a certificate, its key and the CA that
 * must have signed the peer's). cli_tls_new() reads and checks the files
 * before any connection is made; cli_tls_handshake() then runs the
 * handshake on a connected socket and fails unless the peer proved it
 * holds the same key, or a certificate signed by the CA (the receiver
 * demands one from the sender: mutual TLS; the sender also checks the
 * receiver's name). Nothing is read from or written to the peer's stream
 * before that succeeds.
 *
 * Only TLS 1.3 is offered (both ends are xhv), and with a PSK only its
 * (EC)DHE modes, so a key that leaks later does not open recorded
 * migrations (forward secrecy).
 *
 * Concurrency: a session is used by one thread at a time: the one that
 * made it for the handshake, then the relay (relay.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/alloc.h"

#define HANDSHAKE_TIMEOUT_MS 30000
#define FILE_MAX             (1 << 20) /* a CA bundle fits */
#define PSK_ID_MAX           128
#define PSK_KEY_MIN          16 /* bytes: 128 bits */
#define PSK_KEY_MAX          64

static const char prio_x509[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3";
static const char prio_psk[] =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-KX-ALL:+ECDHE-PSK:+DHE-PSK";

struct cli_tls {
    bool server;
    gnutls_session_t s;
    gnutls_certificate_credentials_t x509; /* X.509 mode */
    gnutls_psk_client_credentials_t pskc;  /* PSK mode, sender */
    gnutls_psk_server_credentials_t psks;  /* PSK mode, receiver */
    char psk_id[PSK_ID_MAX + 1];
    uint8_t psk_key[PSK_KEY_MAX];
    size_t psk_len;
    /* Receiver: the identity the peer named, when it was not ours, and
     * whether it named one at all. */
    char wrong_id[PSK_ID_MAX + 1];
    bool psk_asked;
    char name[256]; /* sender: the name the certificate must carry */
};

bool cli_tls_wanted(const struct cli_tls_opts *o)
{
    return o->psk || o->cert || o->key || o->ca;
}

int cli_tls_check_opts(const struct cli_tls_opts *o, bool sender, char *err,
                       size_t errlen)
{
    bool x509 = o->cert || o->key || o->ca;

    if (o->psk && x509) {
        snprintf(err, errlen,
                 "--tls-psk and --tls-cert/--tls-key/--tls-ca "
                 "exclude each other");
        return -EINVAL;
    }
    if (x509 && !(o->cert && o->key && o->ca)) {
        snprintf(err, errlen,
                 "X.509 needs all of --tls-cert, --tls-key and --tls-ca");
        return -EINVAL;
    }
    if (o->name && !x509) {
        snprintf(err, errlen,
                 "--tls-name goes with --tls-cert/--tls-key/"
                 "--tls-ca");
        return -EINVAL;
    }
    if (o->name && !sender) {
        snprintf(err, errlen, "--tls-name is the sender's option");
        return -EINVAL;
    }
    return 0;
}

/*
 * Reads a whole credentials file, checked on the descriptor it is read
 * from (no window to swap it between check and use): a regular file of at
 * most FILE_MAX bytes, and for a secret, private to its owner, as ssh
 * wants of its keys. The buffer (NUL-terminated, not counted in size) is
 * the caller's to drop_file().
 */
static int read_file(const char *path, bool secret, gnutls_datum_t *out,
                     char *err, size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
    ssize_t n = 0;
    char *buf = NULL;

    if (fd < 0 || fstat(fd, &st) < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
    } else if (!S_ISREG(st.st_mode) || st.st_size > FILE_MAX) {
        rc = -EINVAL;
        snprintf(err, errlen, "%s: not a regular file of at most %d bytes",
                 path, FILE_MAX);
    } else if (secret && (st.st_mode & 077)) {
        rc = -EPERM;
        snprintf(err, errlen,
                 "%s: a secret key must not be accessible by group or "
                 "others (mode %04o); chmod 600 it",
                 path, (unsigned int)(st.st_mode & 07777));
    } else if (!(buf = xhv_malloc((size_t)st.st_size + 1))) {
        rc = -ENOMEM;
        snprintf(err, errlen, "%s: out of memory", path);
    } else if ((n = read(fd, buf, (size_t)st.st_size)) != st.st_size) {
        rc = n < 0 ? -errno : -EIO;
        snprintf(err, errlen, "%s: %s", path,
                 n < 0 ? strerror(errno) : "changed while read");
    }
    if (fd >= 0)
        close(fd);
    if (rc) {
        xhv_free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = (gnutls_datum_t){(unsigned char *)buf, (unsigned int)n};
    return 0;
}

static void drop_file(gnutls_datum_t *d)
{
    if (d->data)
        explicit_bzero(d->data, d->size);
    xhv_free(d->data);
    d->data = NULL;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* "identity:hexkey" (psktool's format), one line. */
static int parse_psk_line(struct cli_tls *t, const char *path, char *line,
                          char *err, size_t errlen)
{
    char *colon = strchr(line, ':'), *hex;
    size_t idlen, hexlen, i;

    if (!colon || colon == line) {
        snprintf(err, errlen,
                 "%s: expected IDENTITY:HEXKEY (as psktool "
                 "writes it)",
                 path);
        return -EINVAL;
    }
    idlen = (size_t)(colon - line);
    hex = colon + 1;
    hexlen = strlen(hex);
    for (i = 0; i < idlen; i++)
        if (line[i] <= ' ' || line[i] > '~')
            break;
    if (idlen > PSK_ID_MAX || i < idlen) {
        snprintf(err, errlen,
                 "%s: the identity must be 1-%d printable characters", path,
                 PSK_ID_MAX);
        return -EINVAL;
    }
    for (i = 0; i < hexlen && hexval(hex[i]) >= 0; i++)
        ;
    if (i < hexlen || hexlen % 2 || hexlen / 2 < PSK_KEY_MIN ||
        hexlen / 2 > PSK_KEY_MAX) {
        snprintf(err, errlen,
                 "%s: the key must be %d-%d bytes in hex (psktool makes 32)",
                 path, PSK_KEY_MIN, PSK_KEY_MAX);
        return -EINVAL;
    }
    memcpy(t->psk_id, line, idlen);
    t->psk_id[idlen] = '\0';
    t->psk_len = hexlen / 2;
    for (i = 0; i < t->psk_len; i++)
        t->psk_key[i] =
            (uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
    return 0;
}

static int read_psk(struct cli_tls *t, const char *path, char *err,
                    size_t errlen)
{
    gnutls_datum_t f = {NULL, 0};
    char *line, *save = NULL, *other;
    int rc = read_file(path, true, &f, err, errlen);

    if (rc)
        return rc;
    line = strtok_r((char *)f.data, "\r\n", &save);
    other = line ? strtok_r(NULL, "\r\n", &save) : NULL;
    if (!line || other) {
        snprintf(err, errlen, "%s: expected exactly one IDENTITY:HEXKEY line",
                 path);
        rc = -EINVAL;
    } else {
        rc = parse_psk_line(t, path, line, err, errlen);
    }
    drop_file(&f);
    return rc;
}

/* Receiver: the key for the identity the sender names, if it is ours. */
static int psk_lookup(gnutls_session_t s, const gnutls_datum_t *id,
                      gnutls_datum_t *key)
{
    struct cli_tls *t = gnutls_session_get_ptr(s);

    t->psk_asked = true;
    if (id->size != strlen(t->psk_id) ||
        memcmp(id->data, t->psk_id, id->size) != 0) {
        size_t n = id->size < PSK_ID_MAX ? id->size : PSK_ID_MAX, i;

        for (i = 0; i < n; i++)
            t->wrong_id[i] = id->data[i] > ' ' && id->data[i] <= '~'
                                 ? (char)id->data[i]
                                 : '?';
        t->wrong_id[n] = '\0';
        return -1;
    }
    key->data = gnutls_malloc(t->psk_len);
    if (!key->data)
        return -1;
    memcpy(key->data, t->psk_key, t->psk_len);
    key->size = (unsigned int)t->psk_len;
    return 0;
}

static int gtls_fail(int grc, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what, gnutls_strerror(grc));
    return -EPROTO;
}

static int load_x509(struct cli_tls *t, const struct cli_tls_opts *o, char *err,
                     size_t errlen)
{
    gnutls_datum_t ca = {NULL, 0}, cert = {NULL, 0}, key = {NULL, 0};
    int grc, rc;

    rc = read_file(o->ca, false, &ca, err, errlen);
    if (!rc)
        rc = read_file(o->cert, false, &cert, err, errlen);
    if (!rc)
        rc = read_file(o->key, true, &key, err, errlen);
    if (rc)
        goto out;
    grc = gnutls_certificate_allocate_credentials(&t->x509);
    if (grc < 0) {
        rc = gtls_fail(grc, "TLS credentials", err, errlen);
        goto out;
    }
    grc = gnutls_certificate_set_x509_trust_mem(t->x509, &ca,
                                                GNUTLS_X509_FMT_PEM);
    if (grc <= 0) {
        snprintf(err, errlen, "%s: no CA certificate in it (PEM)%s%s", o->ca,
                 grc < 0 ? ": " : "", grc < 0 ? gnutls_strerror(grc) : "");
        rc = -EINVAL;
        goto out;
    }
    grc = gnutls_certificate_set_x509_key_mem(t->x509, &cert, &key,
                                              GNUTLS_X509_FMT_PEM);
    if (grc < 0) {
        snprintf(err, errlen, "%s with key %s: %s", o->cert, o->key,
                 gnutls_strerror(grc));
        rc = -EINVAL;
    }
out:
    drop_file(&key);
    drop_file(&cert);
    drop_file(&ca);
    return rc;
}

static int load_psk(struct cli_tls *t, const struct cli_tls_opts *o, char *err,
                    size_t errlen)
{
    gnutls_datum_t id, key;
    int grc, rc = read_psk(t, o->psk, err, errlen);

    if (rc)
        return rc;
    if (t->server) {
        grc = gnutls_psk_allocate_server_credentials(&t->psks);
        if (grc < 0)
            return gtls_fail(grc, "TLS credentials", err, errlen);
        gnutls_psk_set_server_credentials_function2(t->psks, psk_lookup);
        return 0;
    }
    grc = gnutls_psk_allocate_client_credentials(&t->pskc);
    id = (gnutls_datum_t){(unsigned char *)t->psk_id,
                          (unsigned int)strlen(t->psk_id)};
    key = (gnutls_datum_t){t->psk_key, (unsigned int)t->psk_len};
    if (grc >= 0)
        grc = gnutls_psk_set_client_credentials2(t->pskc, &id, &key,
                                                 GNUTLS_PSK_KEY_RAW);
    return grc < 0 ? gtls_fail(grc, "TLS credentials", err, errlen) : 0;
}

static int new_session(struct cli_tls *t, char *err, size_t errlen)
{
    const char *errpos = NULL;
    int grc;

    grc = gnutls_init(&t->s, t->server ? GNUTLS_SERVER : GNUTLS_CLIENT);
    if (grc < 0)
        return gtls_fail(grc, "TLS session", err, errlen);
    gnutls_session_set_ptr(t->s, t);
    grc = gnutls_priority_set_direct(t->s, t->x509 ? prio_x509 : prio_psk,
                                     &errpos);
    if (grc >= 0 && t->x509)
        grc = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, t->x509);
    else if (grc >= 0)
        grc = gnutls_credentials_set(t->s, GNUTLS_CRD_PSK,
                                     t->server ? (void *)t->psks
                                               : (void *)t->pskc);
    if (grc < 0)
        return gtls_fail(grc, "TLS session", err, errlen);
    if (t->x509 && t->server) {
        /* Mutual TLS: no certificate, or one the CA did not sign, and
         * the handshake fails. */
        gnutls_certificate_server_set_request(t->s, GNUTLS_CERT_REQUIRE);
        gnutls_session_set_verify_cert(t->s, NULL, 0);
        /* Not naming our CA makes a sender with a certificate from
         * another CA send it anyway (GnuTLS would withhold it), so the
         * refusal can say what is wrong with it. */
        gnutls_certificate_send_x509_rdn_sequence(t->s, 1);
    }
    gnutls_handshake_set_timeout(t->s, HANDSHAKE_TIMEOUT_MS);
    return 0;
}

int cli_tls_new(const struct cli_tls_opts *o, bool server, struct cli_tls **out,
                char *err, size_t errlen)
{
    struct cli_tls *t = xhv_calloc(1, sizeof(*t));
    int rc;

    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    t->server = server;
    if (o->name)
        snprintf(t->name, sizeof(t->name), "%s", o->name);
    rc = o->psk ? load_psk(t, o, err, errlen) : load_x509(t, o, err, errlen);
    if (!rc)
        rc = new_session(t, err, errlen);
    if (rc) {
        cli_tls_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

/* "IP literal?": SNI must not carry one (RFC 6066), the name check still
 * compares it with the certificate's IP addresses. */
static bool is_ip_literal(const char *s)
{
    return strspn(s, "0123456789.") == strlen(s) || strchr(s, ':');
}

/* Receiver, PSK mode: why the sender's key was not taken. */
static bool explain_psk(struct cli_tls *t, int grc, char *err, size_t errlen)
{
    if (t->wrong_id[0]) {
        snprintf(err, errlen,
                 "the sender's pre-shared key identity '%s' is not the "
                 "one in --tls-psk ('%s')",
                 t->wrong_id, t->psk_id);
    } else if (!t->psk_asked) {
        snprintf(err, errlen,
                 "the sender offered no pre-shared key (%s): is it set up "
                 "for certificates?",
                 gnutls_strerror(grc));
    } else if (grc == GNUTLS_E_RECEIVED_ILLEGAL_PARAMETER ||
               grc == GNUTLS_E_DECRYPTION_FAILED) {
        snprintf(err, errlen,
                 "wrong pre-shared key: the sender's key for identity '%s' "
                 "is not the one in --tls-psk (%s)",
                 t->psk_id, gnutls_strerror(grc));
    } else {
        return false;
    }
    return true;
}

/* Why a handshake failed, in the words an operator needs. */
static void explain(struct cli_tls *t, int grc, char *err, size_t errlen)
{
    const char *peer = t->server ? "the sender" : "the receiver";
    const char *hint =
        t->x509 ? "a certificate it does not trust, or TLS set up with a "
                  "pre-shared key?"
                : "another pre-shared key or identity, or TLS set up with "
                  "certificates?";
    gnutls_datum_t txt = {NULL, 0};

    switch (grc) {
    case GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR:
        gnutls_certificate_verification_status_print(
            gnutls_session_get_verify_cert_status(t->s), GNUTLS_CRT_X509, &txt,
            0);
        snprintf(err, errlen, "%s's certificate is not trusted: %s", peer,
                 txt.data ? (char *)txt.data : gnutls_strerror(grc));
        gnutls_free(txt.data);
        return;
    case GNUTLS_E_NO_CERTIFICATE_FOUND:
    case GNUTLS_E_CERTIFICATE_REQUIRED:
        snprintf(err, errlen,
                 "%s sent no certificate (%s): this receiver requires a "
                 "client certificate signed by its --tls-ca",
                 peer, gnutls_strerror(grc));
        return;
    case GNUTLS_E_FATAL_ALERT_RECEIVED:
        snprintf(err, errlen, "%s refused the handshake (alert: %s): %s", peer,
                 gnutls_alert_get_name(gnutls_alert_get(t->s)), hint);
        return;
    case GNUTLS_E_PREMATURE_TERMINATION:
    case GNUTLS_E_PULL_ERROR:
    case GNUTLS_E_PUSH_ERROR:
        snprintf(err, errlen,
                 "%s closed the connection during the handshake (%s): is it "
                 "set up with the same kind of TLS credentials, or is it "
                 "--insecure?",
                 peer, gnutls_strerror(grc));
        return;
    }
    if (t->server && !t->x509 && explain_psk(t, grc, err, errlen))
        return;
    if (!t->server && !t->x509 && grc == GNUTLS_E_INSUFFICIENT_CREDENTIALS) {
        snprintf(err, errlen,
                 "the receiver did not take a pre-shared key (%s): is it set "
                 "up with certificates?",
                 gnutls_strerror(grc));
        return;
    }
    snprintf(err, errlen, "%s", gnutls_strerror(grc));
}

int cli_tls_handshake(struct cli_tls *t, int fd, const char *host, char *err,
                      size_t errlen)
{
    int grc;

    if (!t->server && t->x509) {
        if (!t->name[0])
            snprintf(t->name, sizeof(t->name), "%s", host);
        if (!is_ip_literal(t->name))
            gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, t->name,
                                   strlen(t->name));
        gnutls_session_set_verify_cert(t->s, t->name, 0);
    }
    gnutls_transport_set_int(t->s, fd);
    do
        grc = gnutls_handshake(t->s);
    while (grc < 0 && !gnutls_error_is_fatal(grc));
    if (grc < 0) {
        explain(t, grc, err, errlen);
        /* Tell the peer why (bad certificate, unknown PSK...), so its
         * message can name it too; it may be gone already. */
        if (grc != GNUTLS_E_FATAL_ALERT_RECEIVED)
            gnutls_alert_send_appropriate(t->s, grc);
        return -EPROTO;
    }
    return 0;
}

void cli_tls_describe(struct cli_tls *t, char *buf, size_t len)
{
    const gnutls_datum_t *certs;
    gnutls_x509_crt_t crt;
    unsigned int n = 0;
    char dn[256] = "?";
    size_t dnlen = sizeof(dn);
    char *d = gnutls_session_get_desc(t->s);

    if (!t->x509) {
        /* The description leaves TLS 1.3's PSK exchange out: name it, and
         * the group of the ephemeral (EC)DH that gives forward secrecy. */
        snprintf(buf, len, "%s, %s over %s, pre-shared key '%s'", d ? d : "TLS",
                 gnutls_kx_get_name(gnutls_kx_get(t->s)),
                 gnutls_group_get_name(gnutls_group_get(t->s)), t->psk_id);
        gnutls_free(d);
        return;
    }
    certs = gnutls_certificate_get_peers(t->s, &n);
    if (n && gnutls_x509_crt_init(&crt) >= 0) {
        if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) < 0 ||
            gnutls_x509_crt_get_dn(crt, dn, &dnlen) < 0)
            snprintf(dn, sizeof(dn), "?");
        gnutls_x509_crt_deinit(crt);
    }
    snprintf(buf, len, "%s, peer certificate %s", d ? d : "TLS", dn);
    gnutls_free(d);
}

/* A record I/O result: bytes, -EAGAIN, or -EPROTO with the reason. In
 * TLS 1.3 the receiver checks the sender's certificate after the sender's
 * handshake has completed, so its refusal arrives here, as an alert. */
static ssize_t io_result(struct cli_tls *t, ssize_t n, char *err, size_t errlen)
{
    if (n >= 0)
        return n;
    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
        return -EAGAIN;
    if (n == GNUTLS_E_FATAL_ALERT_RECEIVED)
        snprintf(err, errlen,
                 "TLS: the peer ended the session with alert '%s'%s",
                 gnutls_alert_get_name(gnutls_alert_get(t->s)),
                 t->server ? "" : " (does it trust our certificate?)");
    else
        snprintf(err, errlen, "TLS: %s", gnutls_strerror((int)n));
    return -EPROTO;
}

ssize_t cli_tls_recv(struct cli_tls *t, void *buf, size_t len, char *err,
                     size_t errlen)
{
    return io_result(t, gnutls_record_recv(t->s, buf, len), err, errlen);
}

ssize_t cli_tls_send(struct cli_tls *t, const void *buf, size_t len, char *err,
                     size_t errlen)
{
    return io_result(t, gnutls_record_send(t->s, buf, len), err, errlen);
}

bool cli_tls_pending(struct cli_tls *t)
{
    return gnutls_record_check_pending(t->s) > 0;
}

int cli_tls_bye(struct cli_tls *t)
{
    int grc = gnutls_bye(t->s, GNUTLS_SHUT_WR);

    if (grc == GNUTLS_E_AGAIN || grc == GNUTLS_E_INTERRUPTED)
        return -EAGAIN;
    return grc < 0 ? -EPROTO : 0;
}

void cli_tls_free(struct cli_tls *t)
{
    if (!t)
        return;
    if (t->s)
        gnutls_deinit(t->s);
    if (t->x509)
        gnutls_certificate_free_credentials(t->x509);
    if (t->pskc)
        gnutls_psk_free_client_credentials(t->pskc);
    if (t->psks)
        gnutls_psk_free_server_credentials(t->psks);
    explicit_bzero(t->psk_key, sizeof(t->psk_key));
    xhv_free(t);
}
