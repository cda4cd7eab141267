/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain's console output: what the guest wrote through console_io (and,
 * with the KVM backend, its UART), kept as a ring of the newest 64 KiB for
 * `xhv console --log`. Whole lines are also copied to xhv's log, tagged
 * with the domain id, so `xhv dmesg` shows guests' messages among xhv's.
 *
 * The ring is allocated on the first byte written, so a silent domain
 * costs no more than this struct; if that allocation fails, output is
 * still logged line by line, and the loss is counted. The ring and the
 * pending partial line are protected by the console's own lock: vCPU
 * threads write, the control thread reads.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "domain/domain.h"
#include "lib/alloc.h"
#include "lib/log.h"

#define LINE_MAX_LOGGED 256

struct domain_console {
    pthread_mutex_t lock;
    char *ring;                 /* lock; DOMAIN_CONSOLE_RING bytes, or NULL */
    size_t head, used;          /* lock */
    uint64_t lost;              /* lock: bytes not kept for want of a ring */
    uint64_t total;             /* lock: bytes ever written */
    char line[LINE_MAX_LOGGED]; /* lock: the line being built */
    size_t line_len;            /* lock */
};

int domain_console_init(struct domain *d)
{
    struct domain_console *c = xhv_calloc(1, sizeof(*c));

    if (!c)
        return -ENOMEM;
    pthread_mutex_init(&c->lock, NULL);
    d->console = c;
    d->overhead_bytes += sizeof(*c);
    return 0;
}

void domain_console_free(struct domain *d)
{
    if (!d->console)
        return;
    pthread_mutex_destroy(&d->console->lock);
    xhv_free(d->console->ring);
    xhv_free(d->console);
    d->console = NULL;
}

static void ring_put(struct domain_console *c, char ch)
{
    c->total++;
    if (!c->ring) {
        c->lost++;
        return;
    }
    c->ring[(c->head + c->used) % DOMAIN_CONSOLE_RING] = ch;
    if (c->used < DOMAIN_CONSOLE_RING)
        c->used++;
    else
        c->head = (c->head + 1) % DOMAIN_CONSOLE_RING;
}

/* Logs the pending line; non-printing bytes are shown as '?'. */
static void flush_line(struct domain *d, struct domain_console *c)
{
    size_t i;

    for (i = 0; i < c->line_len; i++)
        if ((unsigned char)c->line[i] < 0x20 || c->line[i] == 0x7f)
            c->line[i] = '?';
    log_info("guest", "d%u: %.*s", d->domid, (int)c->line_len, c->line);
    c->line_len = 0;
}

void domain_console_write(struct domain *d, const char *buf, size_t len)
{
    struct domain_console *c = d->console;
    size_t i;

    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    if (!c->ring && len) {
        c->ring = xhv_malloc(DOMAIN_CONSOLE_RING);
        if (c->ring)
            __atomic_add_fetch(&d->overhead_bytes, DOMAIN_CONSOLE_RING,
                               __ATOMIC_RELAXED);
    }
    for (i = 0; i < len; i++) {
        ring_put(c, buf[i]);
        if (buf[i] == '\n') {
            flush_line(d, c);
        } else if (buf[i] != '\r') {
            c->line[c->line_len++] = buf[i];
            if (c->line_len == sizeof(c->line))
                flush_line(d, c);
        }
    }
    pthread_mutex_unlock(&c->lock);
}

size_t domain_console_read(struct domain *d, char *buf, size_t len)
{
    struct domain_console *c = d->console;
    size_t i, n, held;

    if (!c)
        return 0;
    pthread_mutex_lock(&c->lock);
    held = c->ring ? c->used : 0;
    n = held < len ? held : len;
    /* The newest n bytes, oldest first. */
    for (i = 0; i < n; i++)
        buf[i] = c->ring[(c->head + held - n + i) % DOMAIN_CONSOLE_RING];
    pthread_mutex_unlock(&c->lock);
    return held;
}

size_t domain_console_read_from(struct domain *d, uint64_t from, char *buf,
                                size_t len, uint64_t *next)
{
    struct domain_console *c = d->console;
    uint64_t oldest;
    size_t i, n = 0;

    *next = from;
    if (!c)
        return 0;
    pthread_mutex_lock(&c->lock);
    oldest = c->total - (c->ring ? c->used : 0);
    if (from < oldest)
        from = oldest; /* overwritten already: start at what is left */
    while (from + n < c->total && n < len) {
        i = (c->head + (from + n - oldest)) % DOMAIN_CONSOLE_RING;
        buf[n++] = c->ring[i];
    }
    *next = from + n;
    pthread_mutex_unlock(&c->lock);
    return n;
}

int domain_console_restore(struct domain *d, uint64_t total, const char *buf,
                           size_t len)
{
    struct domain_console *c = d->console;
    int rc = 0;

    if (!c || len > DOMAIN_CONSOLE_RING || len > total)
        return -EINVAL;
    pthread_mutex_lock(&c->lock);
    if (len && !c->ring) {
        c->ring = xhv_malloc(DOMAIN_CONSOLE_RING);
        if (!c->ring) {
            rc = -ENOMEM;
            goto out;
        }
        __atomic_add_fetch(&d->overhead_bytes, DOMAIN_CONSOLE_RING,
                           __ATOMIC_RELAXED);
    }
    if (len)
        memcpy(c->ring, buf, len);
    c->head = 0;
    c->used = len;
    c->total = total;
out:
    pthread_mutex_unlock(&c->lock);
    return rc;
}
