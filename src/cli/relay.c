/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The byte relay of `xhv migrate` and `xhv migrate-receive`: copies
 * between two ends, each a socket, a pair of plain descriptors (stdin and
 * stdout under ssh) or a TLS session, both ways until both ways have
 * ended.
 *
 * Objects: two flows, each with one buffer, from one end to the other.
 * A flow ends when its source ends (EOF, or an error) and that end has
 * been passed on (shutdown(SHUT_WR), closing a pipe, or TLS close_notify)
 * so the far side sees it too; one whose sink fails stops reading its
 * source. The relay returns when both flows have ended, with the first
 * error either met, so the answer coming back the other way is still
 * delivered after the stream going one way broke.
 *
 * Bounded: when no byte moves for IDLE_MS the relay gives up (xhvd's own
 * waits are shorter, so a healthy migration never gets there); once one
 * flow has ended, or stop_fd became readable, the other has LINGER_MS of
 * silence to finish.
 *
 * Concurrency: one thread runs a relay; the ends are its alone meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/alloc.h"

#define BUF_SIZE  65536
#define IDLE_MS   120000
#define LINGER_MS 10000

struct flow {
    struct cli_end *from, *to;
    char *buf;
    size_t len, off;
    bool eof;  /* from has ended (or failed) */
    bool dead; /* to failed: from is no longer read */
    bool done; /* the end has been passed on, or to is dead */
};

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void set_err(char *err, size_t errlen, const char *fmt, const char *what,
                    const char *why)
{
    if (!err[0])
        snprintf(err, errlen, fmt, what, why);
}

static ssize_t end_read(struct cli_end *e, void *buf, size_t len, char *err,
                        size_t errlen)
{
    char terr[256] = "";
    ssize_t n;

    if (e->tls) {
        n = cli_tls_recv(e->tls, buf, len, terr, sizeof(terr));
        if (n < 0 && n != -EAGAIN)
            set_err(err, errlen, "reading from %s: %s", e->what, terr);
        return n;
    }
    n = recv(e->rfd, buf, len, MSG_DONTWAIT);
    if (n < 0 && errno == ENOTSOCK)
        n = read(e->rfd, buf, len); /* a pipe: poll said it is ready */
    if (n >= 0)
        return n;
    if (errno == EAGAIN || errno == EINTR)
        return -EAGAIN;
    set_err(err, errlen, "reading from %s: %s", e->what, strerror(errno));
    return -EIO;
}

static ssize_t end_write(struct cli_end *e, const void *buf, size_t len,
                         char *err, size_t errlen)
{
    char terr[256] = "";
    ssize_t n;

    if (e->tls) {
        n = cli_tls_send(e->tls, buf, len, terr, sizeof(terr));
        if (n < 0 && n != -EAGAIN)
            set_err(err, errlen, "writing to %s: %s", e->what, terr);
        return n;
    }
    n = send(e->wfd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == ENOTSOCK)
        n = write(e->wfd, buf, len);
    if (n >= 0)
        return n;
    if (errno == EAGAIN || errno == EINTR)
        return -EAGAIN;
    set_err(err, errlen, "writing to %s: %s", e->what, strerror(errno));
    return -EIO;
}

/* Passes an end of stream on; -EAGAIN: call again when writable. A
 * failure here is not an error of the relay: the far side is gone, and
 * will see the end when the descriptor is closed anyway. */
static int end_shut(struct cli_end *e)
{
    if (e->tls)
        return cli_tls_bye(e->tls) == -EAGAIN ? -EAGAIN : 0;
    if (shutdown(e->wfd, SHUT_WR) < 0 && errno == ENOTSOCK &&
        e->wfd != e->rfd) {
        close(e->wfd); /* stdout as a pipe: closing it is its EOF */
        e->wfd = -1;
    }
    return 0;
}

/* One step of a flow; returns true when a byte (or an end) moved. */
static bool flow_step(struct flow *f, bool readable, bool writable, char *err,
                      size_t errlen)
{
    bool moved = false;
    ssize_t n;

    if (readable && !f->eof && !f->dead && f->len == 0) {
        n = end_read(f->from, f->buf, BUF_SIZE, err, errlen);
        if (n == 0 || (n < 0 && n != -EAGAIN))
            f->eof = true;
        if (n > 0) {
            f->len = (size_t)n;
            f->off = 0;
        }
        moved = n != -EAGAIN;
        writable = true; /* try at once: usually there is room */
    }
    if (writable && f->len && !f->dead) {
        n = end_write(f->to, f->buf + f->off, f->len - f->off, err, errlen);
        if (n > 0) {
            f->off += (size_t)n;
            if (f->off == f->len)
                f->len = f->off = 0;
            moved = true;
        } else if (n != -EAGAIN) {
            f->dead = f->done = true;
            f->len = 0;
            moved = true;
        }
    }
    if (writable && f->eof && !f->len && !f->done && end_shut(f->to) == 0) {
        f->done = true;
        moved = true;
    }
    return moved;
}

/* What the flow waits for: its source readable, or its sink writable. */
static void flow_poll(struct flow *f, struct pollfd *pr, struct pollfd *pw,
                      int *timeout)
{
    *pr = (struct pollfd){.fd = -1};
    *pw = (struct pollfd){.fd = -1};
    if (f->done)
        return;
    if (!f->eof && !f->dead && f->len == 0) {
        *pr = (struct pollfd){.fd = f->from->rfd, .events = POLLIN};
        if (f->from->tls && cli_tls_pending(f->from->tls))
            *timeout = 0; /* already decrypted, the socket may be quiet */
    }
    if (f->len || f->eof)
        *pw = (struct pollfd){.fd = f->to->wfd, .events = POLLOUT};
}

static int relay_loop(struct flow f[2], int stop_fd, char *err, size_t errlen)
{
    uint64_t last = now_ms();
    bool stopping = false;

    while (!(f[0].done && f[1].done)) {
        struct pollfd p[5];
        int timeout, limit, i, n;
        bool moved = false;

        limit = stopping || f[0].done || f[1].done ? LINGER_MS : IDLE_MS;
        timeout = limit;
        flow_poll(&f[0], &p[0], &p[1], &timeout);
        flow_poll(&f[1], &p[2], &p[3], &timeout);
        p[4] = (struct pollfd){.fd = stopping ? -1 : stop_fd, .events = POLLIN};
        n = poll(p, 5, timeout);
        if (n < 0 && errno != EINTR) {
            set_err(err, errlen, "%s: %s", "poll", strerror(errno));
            return -errno;
        }
        if (p[4].revents)
            stopping = true;
        for (i = 0; i < 2; i++) {
            bool r = p[2 * i].revents || (p[2 * i].fd >= 0 && f[i].from->tls &&
                                          cli_tls_pending(f[i].from->tls));

            moved |=
                flow_step(&f[i], r, p[2 * i + 1].revents != 0, err, errlen);
        }
        if (moved)
            last = now_ms();
        else if (now_ms() - last >= (uint64_t)limit) {
            set_err(err, errlen, "%s: %s", "relay",
                    "no traffic either way: giving up");
            return -ETIMEDOUT;
        }
    }
    return err[0] ? -EIO : 0;
}

int cli_relay(struct cli_end *a, struct cli_end *b, int stop_fd, char *err,
              size_t errlen)
{
    struct flow f[2] = {{.from = a, .to = b}, {.from = b, .to = a}};
    int rc = -ENOMEM;

    err[0] = '\0';
    /* TLS ends are ours alone: non-blocking, so a record that is only
     * partly there never stalls the other way. */
    if (a->tls)
        fcntl(a->rfd, F_SETFL, fcntl(a->rfd, F_GETFL) | O_NONBLOCK);
    if (b->tls)
        fcntl(b->rfd, F_SETFL, fcntl(b->rfd, F_GETFL) | O_NONBLOCK);
    f[0].buf = xhv_malloc(BUF_SIZE);
    f[1].buf = xhv_malloc(BUF_SIZE);
    if (f[0].buf && f[1].buf)
        rc = relay_loop(f, stop_fd, err, errlen);
    else
        snprintf(err, errlen, "out of memory");
    xhv_free(f[0].buf);
    xhv_free(f[1].buf);
    return rc;
}
