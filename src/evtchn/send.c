/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Using and closing channels: send, unmask, close, and VIRQs raised by
 * xhv itself.
 *
 * An interdomain port needs both domains' event-channel locks, taken by
 * ascending domid. With only the local lock held, the port's remote is
 * known and may be referenced (see struct evtchn), so the pattern is:
 * lock the local domain, read the remote and take a reference, unlock,
 * lock both, and check the port is still bound to the same remote; if it
 * changed meanwhile, start again from what it is now. Each retry means
 * another thread closed or re-bound the port in between, so the loop ends
 * when they stop.
 *
 * Closing an interdomain port frees it and turns the remote end back into
 * an unbound port that the closing domain may bind again, as Xen does;
 * that is what a peer of a killed domain sees.
 */
#include <errno.h>

#include "evtchn/private.h"
#include "lib/assert.h"

/* Closes a port that needs only d's lock. */
static int close_local(struct domain *d, evtchn_port_t port, struct evtchn *chn)
{
    struct evtchn_vcpu *ev;

    switch (chn->state) {
    case ECS_VIRQ:
        ev =
            &d->vcpus[evtchn_virq_is_per_vcpu(chn->virq) ? chn->notify_vcpu : 0]
                 ->evtchn;
        XHV_ASSERT(ev->virq_to_port[chn->virq] == port);
        ev->virq_to_port[chn->virq] = 0;
        break;
    case ECS_UNBOUND:
    case ECS_IPI:
        break;
    case ECS_INTERDOMAIN:
        /* Restored (live update, migration) but not tied to its peer yet:
         * a restore that fails before tying closes it alone. */
        if (chn->remote)
            return -EINVAL;
        break;
    default:
        return -EINVAL; /* free or reserved */
    }
    evtchn_port_free(d, port, chn);
    return 0;
}

/* Both locks held; chn is d's port, bound to rd. */
static void close_interdomain(struct domain *d, evtchn_port_t port,
                              struct evtchn *chn, struct domain *rd)
{
    struct evtchn *rchn = evtchn_port(rd, chn->remote_port);

    XHV_ASSERT(rchn && rchn->state == ECS_INTERDOMAIN && rchn->remote == d &&
               rchn->remote_port == port);
    evtchn_port_free(d, port, chn);
    rchn->state = ECS_UNBOUND;
    rchn->remote_domid = (xen_domid_t)d->domid;
    rchn->remote = NULL;
    rchn->remote_port = 0;
}

/*
 * With d's lock held: the remote of port if it is interdomain, with a
 * reference taken (the caller puts it with no lock held), else NULL.
 */
static struct domain *port_remote(struct domain *d, evtchn_port_t port)
{
    struct evtchn *chn = evtchn_port(d, port);

    if (!chn || chn->state != ECS_INTERDOMAIN || !chn->remote)
        return NULL;
    get_domain(chn->remote);
    return chn->remote;
}

/* With the locks of d and rd held: is port (still) bound to rd? */
static struct evtchn *bound_to(struct domain *d, evtchn_port_t port,
                               struct domain *rd)
{
    struct evtchn *chn = evtchn_port(d, port);

    if (!chn || chn->state != ECS_INTERDOMAIN || chn->remote != rd)
        return NULL;
    return chn;
}

int evtchn_close(struct domain *d, evtchn_port_t port)
{
    struct evtchn *chn;
    struct domain *rd;
    int rc;

    for (;;) {
        evtchn_lock(dom_evtchn(d));
        rd = port_remote(d, port);
        if (!rd) {
            chn = evtchn_port(d, port);
            rc = chn ? close_local(d, port, chn) : -EINVAL;
            evtchn_unlock(dom_evtchn(d));
            return rc;
        }
        evtchn_unlock(dom_evtchn(d));

        evtchn_lock_pair(d, rd);
        chn = bound_to(d, port, rd);
        if (chn)
            close_interdomain(d, port, chn, rd);
        evtchn_unlock_pair(d, rd);
        put_domain(rd);
        if (chn)
            return 0;
    }
}

/* A send on a port that needs only d's lock. */
static int send_local(struct domain *d, evtchn_port_t port)
{
    struct evtchn *chn = evtchn_port(d, port);

    if (!chn)
        return -EINVAL;
    switch (chn->state) {
    case ECS_IPI:
        evtchn_port_set_pending(d, chn->notify_vcpu, port);
        return 0;
    case ECS_UNBOUND:
        return 0; /* dropped, as in Xen */
    default:
        return -EINVAL;
    }
}

int evtchn_send(struct domain *d, evtchn_port_t port)
{
    struct evtchn *chn, *rchn;
    struct domain *rd;
    int rc;

    for (;;) {
        evtchn_lock(dom_evtchn(d));
        rd = port_remote(d, port);
        if (!rd) {
            rc = send_local(d, port);
            evtchn_unlock(dom_evtchn(d));
            return rc;
        }
        evtchn_unlock(dom_evtchn(d));

        evtchn_lock_pair(d, rd);
        chn = bound_to(d, port, rd);
        if (chn) {
            rchn = evtchn_port(rd, chn->remote_port);
            evtchn_port_set_pending(rd, rchn->notify_vcpu, chn->remote_port);
        }
        evtchn_unlock_pair(d, rd);
        put_domain(rd);
        if (chn)
            return 0;
    }
}

int evtchn_unmask(struct domain *d, evtchn_port_t port)
{
    struct evtchn *chn;
    int rc = 0;

    evtchn_lock(dom_evtchn(d));
    chn = evtchn_port(d, port);
    /* Any valid port, bound or not, as in Xen. */
    if (chn)
        evtchn_port_unmask(d, chn->notify_vcpu, port);
    else
        rc = -EINVAL;
    evtchn_unlock(dom_evtchn(d));
    return rc;
}

int evtchn_send_virq(struct domain *d, unsigned int vcpu, unsigned int virq)
{
    bool per_vcpu = evtchn_virq_is_per_vcpu(virq);
    evtchn_port_t port;
    int rc = 0;

    if (virq >= NR_VIRQS || (per_vcpu && vcpu >= d->nr_vcpus))
        return -EINVAL;
    if (!per_vcpu)
        vcpu = 0;
    evtchn_lock(dom_evtchn(d));
    port = d->vcpus[vcpu]->evtchn.virq_to_port[virq];
    if (port)
        evtchn_port_set_pending(d, evtchn_port(d, port)->notify_vcpu, port);
    else
        rc = -ENOENT;
    evtchn_unlock(dom_evtchn(d));
    return rc;
}
