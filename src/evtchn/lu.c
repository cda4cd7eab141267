/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event channels across a live update (and a migration): each bound port
 * as a wire record (include/xhv/public/liveupdate.h) and back. The
 * pending and mask bits are guest memory (shared_info, or a FIFO domain's
 * event words), preserved as they are; what travels is only xhv's side
 * of each port: its binding, its FIFO priority, and an event xhv holds
 * for it (LU_EVTCHN_F_FIFO_SAVED: the event array did not cover the port
 * yet, or a live update had the FIFO state frozen). The FIFO state
 * itself is fifo_save.c's. Interdomain ports are restored one end at a
 * time, naming their peer by domid, and tied together once every domain
 * exists (evtchn_lu_link()).
 */
#include <errno.h>

#include "evtchn/fifo.h"
#include "xhv/public/liveupdate.h"

int evtchn_lu_save(struct domain *d, struct lu_evtchn_port *out, size_t max,
                   size_t *n)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    evtchn_port_t port;
    size_t k = 0;
    int rc = 0;

    evtchn_lock(ed);
    for (port = 1; port < ed->nr_ports; port++) {
        const struct evtchn *chn = evtchn_port(d, port);
        struct lu_evtchn_port p = {
            .port = port,
            .notify_vcpu = chn->notify_vcpu,
            .priority = chn->priority,
        };

        switch (chn->state) {
        case ECS_UNBOUND:
            p.state = LU_EVTCHN_UNBOUND;
            p.remote_domid = chn->remote_domid;
            break;
        case ECS_INTERDOMAIN:
            p.state = LU_EVTCHN_INTERDOMAIN;
            p.remote_domid = (uint16_t)chn->remote->domid;
            p.remote_port = chn->remote_port;
            break;
        case ECS_VIRQ:
            p.state = LU_EVTCHN_VIRQ;
            p.virq = chn->virq;
            break;
        case ECS_IPI:
            p.state = LU_EVTCHN_IPI;
            break;
        default:
            continue;
        }
        if (evtchn_port_is_pending(d, port))
            p.flags |= LU_EVTCHN_F_PENDING;
        if (evtchn_ops(d)->is_masked(d, port))
            p.flags |= LU_EVTCHN_F_MASKED;
        if (ed->fifo && chn->fifo_pending)
            p.flags |= LU_EVTCHN_F_FIFO_SAVED;
        if (k == max) {
            rc = -ENOSPC;
            goto out;
        }
        out[k++] = p;
    }
    *n = k;
out:
    evtchn_unlock(ed);
    return rc;
}

size_t evtchn_lu_count(struct domain *d)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    size_t n;

    evtchn_lock(ed);
    n = ed->nr_ports;
    evtchn_unlock(ed);
    return n;
}

int evtchn_lu_restore(struct domain *d, const struct lu_evtchn_port *p)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    struct evtchn *chn;
    struct evtchn val = {.notify_vcpu = p->notify_vcpu};
    unsigned int tvcpu;
    int rc;

    if (p->notify_vcpu >= d->nr_vcpus || p->port == 0 ||
        p->port >= EVTCHN_2L_NR_CHANNELS ||
        p->priority > EVTCHN_FIFO_PRIORITY_MIN)
        return -EINVAL;
    evtchn_lock(ed);
    rc = evtchn_ports_cover(d, p->port);
    if (rc)
        goto out;
    chn = evtchn_port(d, p->port);
    if (chn->state != ECS_FREE) {
        rc = -EEXIST;
        goto out;
    }
    switch (p->state) {
    case LU_EVTCHN_UNBOUND:
        val.state = ECS_UNBOUND;
        val.remote_domid = p->remote_domid;
        break;
    case LU_EVTCHN_INTERDOMAIN:
        /* The peer is tied in by evtchn_lu_link(); until then the port
         * remembers its domid here. */
        val.state = ECS_INTERDOMAIN;
        val.remote_domid = p->remote_domid;
        val.remote_port = p->remote_port;
        break;
    case LU_EVTCHN_VIRQ:
        if (p->virq >= NR_VIRQS) {
            rc = -EINVAL;
            goto out;
        }
        tvcpu = evtchn_virq_is_per_vcpu(p->virq) ? p->notify_vcpu : 0;
        if (d->vcpus[tvcpu]->evtchn.virq_to_port[p->virq]) {
            rc = -EEXIST;
            goto out;
        }
        d->vcpus[tvcpu]->evtchn.virq_to_port[p->virq] = p->port;
        val.state = ECS_VIRQ;
        val.virq = (uint8_t)p->virq;
        break;
    case LU_EVTCHN_IPI:
        val.state = ECS_IPI;
        break;
    default:
        rc = -EINVAL;
        goto out;
    }
    evtchn_port_assign(chn, val);
    chn->priority = p->priority;
    /* Held until the array covers the port: at once if it does and the
     * FIFO state is back already (records may come in either order). */
    chn->fifo_pending = (p->flags & LU_EVTCHN_F_FIFO_SAVED) != 0;
    if (chn->fifo_pending && ed->fifo)
        evtchn_fifo_raise_saved(d, p->port, p->port + 1);
out:
    evtchn_unlock(ed);
    return rc;
}

int evtchn_lu_link(struct domain *d, struct domain *(*lookup)(uint32_t domid))
{
    struct evtchn_domain *ed = dom_evtchn(d);
    evtchn_port_t port;
    int rc = 0;

    evtchn_lock(ed);
    for (port = 1; port < ed->nr_ports && !rc; port++) {
        struct evtchn *chn = evtchn_port(d, port);
        struct domain *rd;

        if (chn->state != ECS_INTERDOMAIN || chn->remote)
            continue;
        rd = lookup(chn->remote_domid);
        if (!rd) {
            rc = -ESRCH;
            break;
        }
        chn->remote = rd;
    }
    evtchn_unlock(ed);
    return rc;
}

int evtchn_lu_check_peer(struct domain *d)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    evtchn_port_t port;
    int rc = 0;

    /* Each end must name the other: a stream that ties d's port to a
     * port of the peer that is not tied back would deliver to a stranger.
     * Two domains' locks in turn, never together: nothing else runs. */
    evtchn_lock(ed);
    for (port = 1; port < ed->nr_ports && !rc; port++) {
        struct evtchn *chn = evtchn_port(d, port);
        struct domain *rd = chn->remote;
        evtchn_port_t rport = chn->remote_port;
        struct evtchn *rc_chn;

        if (chn->state != ECS_INTERDOMAIN)
            continue;
        if (rd == d) {
            rc_chn = evtchn_port(d, rport);
            if (!rc_chn || rc_chn->state != ECS_INTERDOMAIN ||
                rc_chn->remote != d || rc_chn->remote_port != port)
                rc = -EINVAL;
            continue;
        }
        evtchn_unlock(ed);
        evtchn_lock(dom_evtchn(rd));
        rc_chn = evtchn_port(rd, rport);
        if (!rc_chn || rc_chn->state != ECS_INTERDOMAIN ||
            rc_chn->remote != d || rc_chn->remote_port != port)
            rc = -EINVAL;
        evtchn_unlock(dom_evtchn(rd));
        evtchn_lock(ed);
    }
    evtchn_unlock(ed);
    return rc;
}
