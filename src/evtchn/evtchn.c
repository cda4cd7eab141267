/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event channels: the per-domain port table, its lock, and the lifecycle
 * (see evtchn.h for the objects and the lock order).
 *
 * The table is an array of EVTCHN_NR_BUCKETS pointers to buckets of
 * EVTCHN_BUCKET_PORTS ports. Buckets are allocated in order, when the
 * lowest free port is the first of a bucket not yet there, so the valid
 * ports are exactly [0, nr_ports). A bucket never moves or goes away
 * while the domain lives: only evtchn_destroy() frees them, after it has
 * closed every port and with the lock held, and sets nr_ports to 0 so no
 * port is valid afterwards.
 *
 * evtchn_destroy()'s assertions, not one in every bit helper, are what
 * catch a domain_kill() that frees shared_info first: this runs on every
 * kill, so a reordering fails every test that destroys a domain (the seed
 * thread's argument).
 */
#include <errno.h>

#include "evtchn/private.h"
#include "lib/alloc.h"
#include "lib/assert.h"

void evtchn_lock(struct evtchn_domain *ed)
{
    pthread_mutex_lock(&ed->lock);
    ed->lock_holder = pthread_self();
    ed->locked = true;
}

void evtchn_unlock(struct evtchn_domain *ed)
{
    ed->locked = false;
    pthread_mutex_unlock(&ed->lock);
}

void evtchn_assert_locked(struct evtchn_domain *ed)
{
    XHV_ASSERT(ed->locked && pthread_equal(ed->lock_holder, pthread_self()));
}

void evtchn_lock_pair(struct domain *a, struct domain *b)
{
    if (a == b) {
        evtchn_lock(dom_evtchn(a));
        return;
    }
    if (a->domid > b->domid) {
        struct domain *t = a;

        a = b;
        b = t;
    }
    evtchn_lock(dom_evtchn(a));
    evtchn_lock(dom_evtchn(b));
}

void evtchn_unlock_pair(struct domain *a, struct domain *b)
{
    evtchn_unlock(dom_evtchn(a));
    if (a != b)
        evtchn_unlock(dom_evtchn(b));
}

int evtchn_cond_wait(struct evtchn_domain *ed, pthread_cond_t *c,
                     const struct timespec *deadline)
{
    int rc;

    evtchn_assert_locked(ed);
    ed->locked = false;
    rc = deadline ? pthread_cond_timedwait(c, &ed->lock, deadline)
                  : pthread_cond_wait(c, &ed->lock);
    ed->lock_holder = pthread_self();
    ed->locked = true;
    return rc;
}

void evtchn_domain_init(struct evtchn_domain *ed)
{
    *ed = (struct evtchn_domain){0};
    pthread_mutex_init(&ed->lock, NULL);
    pthread_cond_init(&ed->poll_cond, NULL);
}

void evtchn_domain_set_dying(struct evtchn_domain *ed)
{
    evtchn_lock(ed);
    ed->dying = true;
    /* A vCPU blocked in SCHEDOP_poll must return before the backend's
     * stop() can wait for it. */
    pthread_cond_broadcast(&ed->poll_cond);
    evtchn_unlock(ed);
}

void evtchn_vcpu_mark_pending(struct vcpu *v)
{
    struct domain *d = v->domain;

    evtchn_assert_locked(dom_evtchn(d));
    if (__atomic_exchange_n(&v->vcpu_info->evtchn_upcall_pending, 1,
                            __ATOMIC_SEQ_CST))
        return; /* already told, and not yet acknowledged */
    if (d->backend && d->backend->upcall)
        d->backend->upcall(v);
    evtchn_poll_kick(v);
}

bool evtchn_is_fifo(struct domain *d)
{
    bool fifo;

    evtchn_lock(dom_evtchn(d));
    fifo = dom_evtchn(d)->fifo != NULL;
    evtchn_unlock(dom_evtchn(d));
    return fifo;
}

int evtchn_port_info(struct domain *d, evtchn_port_t port,
                     struct evtchn_port_info *info)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    int rc = -EINVAL;

    *info = (struct evtchn_port_info){0};
    evtchn_lock(ed);
    if (evtchn_port(d, port) && !ed->dying) {
        info->pending = evtchn_ops(d)->is_pending(d, port);
        info->masked = evtchn_ops(d)->is_masked(d, port);
        if (ed->fifo)
            evtchn_fifo_port_info(d, port, info);
        rc = 0;
    }
    evtchn_unlock(ed);
    return rc;
}

struct evtchn *evtchn_port(struct domain *d, evtchn_port_t port)
{
    struct evtchn_domain *ed = dom_evtchn(d);

    evtchn_assert_locked(ed);
    if (port >= ed->nr_ports)
        return NULL;
    return &ed->buckets[port / EVTCHN_BUCKET_PORTS][port % EVTCHN_BUCKET_PORTS];
}

#define BUCKET_BYTES (EVTCHN_BUCKET_PORTS * sizeof(struct evtchn))

/* Buckets count in the domain's overhead (xhv debug-keys q). */
static void account(struct evtchn_domain *ed, int64_t delta)
{
    struct domain *d = container_of(ed, struct domain, evtchn);

    __atomic_add_fetch(&d->overhead_bytes, (uint64_t)delta, __ATOMIC_RELAXED);
}

/* Adds the next bucket; the first one brings the reserved port 0. */
static int bucket_add(struct evtchn_domain *ed)
{
    unsigned int b = ed->nr_ports / EVTCHN_BUCKET_PORTS;
    struct evtchn *bucket;

    if (b >= EVTCHN_NR_BUCKETS)
        return -ENOSPC;
    bucket = xhv_calloc(EVTCHN_BUCKET_PORTS, sizeof(*bucket));
    if (!bucket)
        return -ENOMEM;
    account(ed, (int64_t)BUCKET_BYTES);
    if (b == 0)
        bucket[0].state = ECS_RESERVED;
    ed->buckets[b] = bucket;
    ed->nr_ports += EVTCHN_BUCKET_PORTS;
    return 0;
}

/* Live update: makes port valid, whatever the ports below it hold. */
int evtchn_ports_cover(struct domain *d, evtchn_port_t port)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    int rc = 0;

    evtchn_assert_locked(ed);
    while (!rc && port >= ed->nr_ports)
        rc = bucket_add(ed);
    return rc;
}

int evtchn_get_free_port(struct domain *d)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    evtchn_port_t port;
    int rc;

    evtchn_assert_locked(ed);
    if (ed->dying)
        return -EINVAL;
    /* A FIFO port still LINKED on a queue is skipped (Xen's
     * evtchn_is_busy()): bound again, its next event would be linked
     * onto a queue whose tail may still name it. */
    for (port = 0; port < ed->nr_ports; port++)
        if (evtchn_port(d, port)->state == ECS_FREE &&
            !evtchn_ops(d)->is_busy(d, port))
            return (int)port;
    /* Every valid port is in use (port 0 among them): grow by one. */
    rc = bucket_add(ed);
    if (rc)
        return rc;
    return (int)(port ? port : 1);
}

void evtchn_port_free(struct domain *d, evtchn_port_t port, struct evtchn *chn)
{
    evtchn_assert_locked(dom_evtchn(d));
    /* So a later binding of the port starts with nothing pending. */
    evtchn_ops(d)->clear_pending(d, port);
    evtchn_port_assign(chn, (struct evtchn){.state = ECS_FREE});
}

int evtchn_reset(struct domain *d)
{
    struct evtchn_fifo_domain *fd;
    evtchn_port_t port;
    unsigned int n;

    evtchn_lock(dom_evtchn(d));
    n = dom_evtchn(d)->nr_ports;
    evtchn_unlock(dom_evtchn(d));
    /* Ports the domain's other vCPUs bind meanwhile may or may not be
     * closed, as in Xen; once the domain is dying none can be bound, so
     * for evtchn_destroy() this closes every port. */
    for (port = 1; port < n; port++)
        (void)evtchn_close(d, port);
    /* Back to 2-level, as Xen does: the FIFO pages go back to the guest
     * (or, if it gave them away meanwhile, to the heap). */
    evtchn_lock(dom_evtchn(d));
    fd = evtchn_fifo_detach(d);
    evtchn_unlock(dom_evtchn(d));
    evtchn_fifo_free(d, fd);
    return 0;
}

void evtchn_destroy(struct evtchn_domain *ed)
{
    struct domain *d = container_of(ed, struct domain, evtchn);
    unsigned int b;

    XHV_ASSERT(!ed->destroyed);
    domain_assert_locked(d);
    /* Channels are closed through shared_info's pending and mask bits: it
     * must not be gone yet (domain_shared_info() asserts that). */
    (void)domain_shared_info(d);
    XHV_ASSERT(d->state == DOMAIN_DYING);
    /* dying is set: no port can be allocated, so closing every valid port
     * leaves none open; it also releases the FIFO pages, which must go
     * before domain_relinquish_resources() looks for stray references. */
    evtchn_reset(d);

    evtchn_lock(ed);
    for (b = 0; b < EVTCHN_NR_BUCKETS; b++) {
        if (ed->buckets[b])
            account(ed, -(int64_t)BUCKET_BYTES);
        xhv_free(ed->buckets[b]);
        ed->buckets[b] = NULL;
    }
    XHV_ASSERT(!ed->fifo && !ed->nr_pollers);
    ed->nr_ports = 0;
    ed->destroyed = true;
    evtchn_unlock(ed);
}

bool evtchn_is_destroyed(const struct evtchn_domain *ed)
{
    return ed->destroyed;
}

void evtchn_domain_fini(struct evtchn_domain *ed)
{
    unsigned int b;

    /* evtchn_destroy() has freed them unless the domain never had
     * shared_info, and then it never had a port either. */
    for (b = 0; b < EVTCHN_NR_BUCKETS; b++)
        xhv_free(ed->buckets[b]);
    /* FIFO pages are released by evtchn_destroy(), before relinquish. */
    XHV_ASSERT(!ed->fifo && !ed->nr_pollers);
    pthread_cond_destroy(&ed->poll_cond);
    pthread_mutex_destroy(&ed->lock);
}
