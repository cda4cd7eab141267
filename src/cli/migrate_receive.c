/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `xhv migrate-receive`: the receiving end of a migration over a network,
 * a relay between one sender and the local xhvd's control socket, so the
 * sending xhvd talks to this host's xhvd as if over its unix socket
 * (docs/migration.md). It adds nothing to the bytes.
 *
 *  --listen [ADDR]:PORT takes one TCP connection and then exits. With
 *  TLS (--tls-psk, or --tls-cert/--tls-key/--tls-ca, the latter demanding
 *  a client certificate signed by that CA), the handshake must
 *  authenticate the sender before this host's xhvd is even connected to:
 *  a stream from an unknown peer is never parsed. --insecure relays
 *  whoever connects, in the clear.
 *
 *  --stdio relays stdin and stdout: `xhv migrate DOM ssh:HOST` runs it
 *  through ssh, which has authenticated and encrypted the channel.
 *
 * Before anything else the first byte is looked at (MSG_PEEK): a TLS
 * record starts with 0x16, a control frame with 0x00 (its length's high
 * byte), so a sender whose security does not match ours is told so by
 * name instead of by a confusing handshake or frame error.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ctl/ctl.h"

#define FIRST_BYTE_TIMEOUT_MS 30000
#define TLS_HANDSHAKE_BYTE    0x16

static int listen_on(const char *spec, int *out)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE},
                    *ai = NULL;
    char host[256];
    const char *colon = strrchr(spec, ':');
    int s, one = 1;

    if (!colon || (size_t)(colon - spec) >= sizeof(host))
        return -EINVAL;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    if (getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai))
        return -EINVAL;
    s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
        bind(s, ai->ai_addr, ai->ai_addrlen) || listen(s, 1)) {
        int rc = -errno;

        if (s >= 0)
            close(s);
        freeaddrinfo(ai);
        return rc;
    }
    freeaddrinfo(ai);
    *out = s;
    return 0;
}

static void addr_text(const struct sockaddr_storage *ss, socklen_t sl,
                      char *buf, size_t len)
{
    char h[NI_MAXHOST], p[NI_MAXSERV];

    if (getnameinfo((const struct sockaddr *)ss, sl, h, sizeof(h), p, sizeof(p),
                    NI_NUMERICHOST | NI_NUMERICSERV))
        snprintf(buf, len, "?");
    else
        snprintf(buf, len, "%s:%s", h, p);
}

/* The sender's first byte, left in the socket; -ETIMEDOUT, -ENODATA at
 * EOF. */
static int first_byte(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    unsigned char b;
    ssize_t n;

    if (poll(&p, 1, FIRST_BYTE_TIMEOUT_MS) <= 0)
        return -ETIMEDOUT;
    n = recv(fd, &b, 1, MSG_PEEK);
    return n == 1 ? b : n == 0 ? -ENODATA : -errno;
}

/* Refuses a sender whose kind does not match ours, saying which. */
static int check_kind(int fd, bool tls, const char *peer)
{
    int b = first_byte(fd);

    if (b == -ETIMEDOUT) {
        fprintf(stderr,
                "xhv migrate-receive: %s sent nothing within %d s; nothing "
                "received\n",
                peer, FIRST_BYTE_TIMEOUT_MS / 1000);
        return b;
    }
    if (b < 0) {
        fprintf(stderr,
                "xhv migrate-receive: %s closed the connection without "
                "sending anything (%s)\n",
                peer, b == -ENODATA ? "end of stream" : strerror(-b));
        return b;
    }
    if (tls && b != TLS_HANDSHAKE_BYTE) {
        fprintf(stderr,
                "xhv migrate-receive: %s is not speaking TLS (a plaintext "
                "--insecure sender?): refused, nothing received\n",
                peer);
        return -EPROTO;
    }
    if (!tls && b == TLS_HANDSHAKE_BYTE) {
        fprintf(stderr,
                "xhv migrate-receive: %s speaks TLS but this receiver is "
                "--insecure: refused; give it the sender's kind of "
                "--tls-* options\n",
                peer);
        return -EPROTO;
    }
    return 0;
}

/* Connects to the local xhvd and relays until both ways have ended. */
static int relay_to_xhvd(struct cli_end *peer)
{
    struct cli_end local = {-1, -1, NULL, "xhvd"};
    char err[512] = "";
    int rc;

    rc = ctl_connect(cli_rundir, &local.rfd, err, sizeof(err));
    if (!rc) {
        local.wfd = local.rfd;
        rc = cli_relay(peer, &local, -1, err, sizeof(err));
        close(local.rfd);
    }
    if (rc)
        fprintf(stderr, "xhv migrate-receive: %s\n", err);
    return rc;
}

static int accept_one(int ls, char *peer, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd, one = 1;

    do
        fd = accept4(ls, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        fprintf(stderr, "xhv migrate-receive: accept: %s\n", strerror(errno));
        return fd;
    }
    addr_text(&ss, sl, peer, len);
    /* The answer is one small frame: do not let Nagle hold it. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static int receive_tcp(const char *spec, const struct cli_tls_opts *topts)
{
    struct cli_tls *tls = NULL;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char err[512],
        where[NI_MAXHOST + NI_MAXSERV + 2] = "?",
                                        peer[NI_MAXHOST + NI_MAXSERV + 2] = "?",
                                        desc[256];
    bool use_tls = cli_tls_wanted(topts);
    int ls = -1, fd = -1, rc;

    /* Credentials are read before the port opens: a bad file fails now,
     * not when the sender comes. */
    if (use_tls && cli_tls_new(topts, true, &tls, err, sizeof(err))) {
        fprintf(stderr, "xhv migrate-receive: %s\n", err);
        return 1;
    }
    rc = listen_on(spec, &ls);
    if (rc) {
        fprintf(stderr, "xhv migrate-receive: cannot listen on %s: %s\n", spec,
                strerror(-rc));
        cli_tls_free(tls);
        return 1;
    }
    if (getsockname(ls, (struct sockaddr *)&ss, &sl) == 0)
        addr_text(&ss, sl, where, sizeof(where));
    if (!use_tls)
        fprintf(stderr,
                "xhv migrate-receive: warning: plaintext and "
                "unauthenticated: whoever reaches %s can send a guest "
                "into this xhvd\n",
                where);
    printf("xhv migrate-receive: listening on %s%s\n", where,
           use_tls ? " (TLS)" : " (plaintext)");
    fflush(stdout);
    fd = accept_one(ls, peer, sizeof(peer));
    close(ls);
    rc = fd < 0 ? -EIO : check_kind(fd, use_tls, peer);
    if (!rc && use_tls) {
        rc = cli_tls_handshake(tls, fd, NULL, err, sizeof(err));
        if (rc)
            fprintf(stderr,
                    "xhv migrate-receive: TLS handshake with %s failed: "
                    "%s; nothing received\n",
                    peer, err);
    }
    if (!rc) {
        struct cli_end net = {fd, fd, tls, "the sender"};

        if (tls)
            cli_tls_describe(tls, desc, sizeof(desc));
        printf("xhv migrate-receive: accepted %s%s%s\n", peer,
               tls ? ": " : " (plaintext)", tls ? desc : "");
        fflush(stdout);
        rc = relay_to_xhvd(&net);
    }
    if (fd >= 0)
        close(fd);
    cli_tls_free(tls);
    return rc ? 1 : 0;
}

int cmd_migrate_receive(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"stdio", no_argument, NULL, 'S'},
        {"insecure", no_argument, NULL, 'i'},
        {"tls-psk", required_argument, NULL, 'P'},
        {"tls-cert", required_argument, NULL, 'C'},
        {"tls-key", required_argument, NULL, 'K'},
        {"tls-ca", required_argument, NULL, 'A'},
        {NULL, 0, NULL, 0},
    };
    const struct cli_cmd *c = cli_find("migrate-receive");
    struct cli_tls_opts t = {0};
    const char *spec = NULL;
    bool insecure = false, stdio = false;
    char err[256];
    int opt;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 'l':
            spec = optarg;
            break;
        case 'S':
            stdio = true;
            break;
        case 'i':
            insecure = true;
            break;
        case 'P':
            t.psk = optarg;
            break;
        case 'C':
            t.cert = optarg;
            break;
        case 'K':
            t.key = optarg;
            break;
        case 'A':
            t.ca = optarg;
            break;
        default:
            cli_usage_error(c, "unknown option");
            return 2;
        }
    }
    if (optind != argc || !spec == !stdio) {
        cli_usage_error(c, "--listen [ADDR]:PORT or --stdio expected");
        return 2;
    }
    if (cli_tls_check_opts(&t, false, err, sizeof(err))) {
        cli_usage_error(c, "%s", err);
        return 2;
    }
    if (stdio && (insecure || cli_tls_wanted(&t))) {
        cli_usage_error(c, "--stdio takes no TLS option nor --insecure: "
                           "the ssh that runs it secures the channel");
        return 2;
    }
    if (spec && insecure == cli_tls_wanted(&t)) {
        cli_usage_error(c, "--listen needs --tls-psk FILE, or --tls-cert, "
                           "--tls-key and --tls-ca, or (plaintext, on a "
                           "network you trust) --insecure");
        return 2;
    }
    if (stdio) {
        struct cli_end in = {0, 1, NULL, "the sender (stdin)"};

        return relay_to_xhvd(&in) ? 1 : 0;
    }
    return receive_tcp(spec, &t);
}
