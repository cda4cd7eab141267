/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Making channels: alloc_unbound, bind_interdomain, bind_virq, bind_ipi,
 * and what a guest may ask about or change on them afterwards (status,
 * bind_vcpu). Errors are the ones Xen gives a domU; every check is made
 * before the port changes state, so a failed call leaves the port free
 * (its bucket may have been added, as in Xen).
 *
 * Where xhv departs from Xen: Xen lets only the hardware domain (or the
 * one the toolstack chose) bind a global VIRQ and answers -EBUSY to the
 * others. xhv has no hardware domain and raises global VIRQs such as
 * VIRQ_CONSOLE per domain, so every domain may bind them (to vCPU 0, as
 * in Xen).
 */
#include <errno.h>

#include "evtchn/private.h"
#include "lib/assert.h"

int evtchn_alloc_unbound(struct domain *d, xen_domid_t remote_dom,
                         evtchn_port_t *port)
{
    struct evtchn *chn;
    int rc;

    evtchn_lock(dom_evtchn(d));
    rc = evtchn_get_free_port(d);
    if (rc >= 0) {
        chn = evtchn_port(d, (evtchn_port_t)rc);
        /* As in Xen, the remote domain need not exist yet. */
        evtchn_port_assign(
            chn, (struct evtchn){.state = ECS_UNBOUND,
                                 .remote_domid = remote_dom == DOMID_SELF
                                                     ? (xen_domid_t)d->domid
                                                     : remote_dom});
        *port = (evtchn_port_t)rc;
        rc = 0;
    }
    evtchn_unlock(dom_evtchn(d));
    return rc;
}

/* rd's rport may be bound by ld. Both locks held. */
static int check_remote(struct domain *ld, struct domain *rd,
                        evtchn_port_t rport)
{
    struct evtchn *rchn = evtchn_port(rd, rport);

    if (!rchn || rchn->state != ECS_UNBOUND || rchn->remote_domid != ld->domid)
        return -EINVAL;
    return 0;
}

int evtchn_bind_interdomain(struct domain *ld, struct domain *rd,
                            evtchn_port_t rport, evtchn_port_t *lport)
{
    struct evtchn *lchn, *rchn;
    evtchn_port_t port;
    int rc;

    evtchn_lock_pair(ld, rd);
    rc = evtchn_get_free_port(ld);
    if (rc < 0)
        goto out;
    port = (evtchn_port_t)rc;
    rc = check_remote(ld, rd, rport);
    if (rc)
        goto out;
    lchn = evtchn_port(ld, port);
    rchn = evtchn_port(rd, rport);
    evtchn_port_assign(lchn, (struct evtchn){.state = ECS_INTERDOMAIN,
                                             .remote = rd,
                                             .remote_port = rport});
    /* The remote end keeps its vCPU and priority: only its state moves
     * from unbound to interdomain. */
    rchn->state = ECS_INTERDOMAIN;
    rchn->remote_domid = 0;
    rchn->remote = ld;
    rchn->remote_port = port;
    /* The remote may have sent while its port was unbound, and that was
     * dropped: as Xen does, make the new local port pending so the guest
     * looks. */
    evtchn_port_set_pending(ld, lchn->notify_vcpu, port);
    *lport = port;
out:
    evtchn_unlock_pair(ld, rd);
    return rc;
}

bool evtchn_virq_is_per_vcpu(unsigned int virq)
{
    switch (virq) {
    case VIRQ_TIMER:
    case VIRQ_DEBUG:
    case VIRQ_XENOPROF:
    case VIRQ_XENPMU:
        return true;
    default:
        return false;
    }
}

int evtchn_bind_virq(struct domain *d, uint32_t virq, uint32_t vcpu,
                     evtchn_port_t *port)
{
    struct evtchn_vcpu *ev;
    struct evtchn *chn;
    int rc;

    if (virq >= NR_VIRQS)
        return -EINVAL;
    if (!evtchn_virq_is_per_vcpu(virq) && vcpu != 0)
        return -EINVAL;
    if (vcpu >= d->nr_vcpus)
        return -ENOENT;
    ev = &d->vcpus[vcpu]->evtchn;

    evtchn_lock(dom_evtchn(d));
    if (ev->virq_to_port[virq]) {
        rc = -EEXIST;
        goto out;
    }
    rc = evtchn_get_free_port(d);
    if (rc < 0)
        goto out;
    chn = evtchn_port(d, (evtchn_port_t)rc);
    evtchn_port_assign(chn, (struct evtchn){.state = ECS_VIRQ,
                                            .virq = (uint8_t)virq,
                                            .notify_vcpu = vcpu});
    ev->virq_to_port[virq] = (evtchn_port_t)rc;
    *port = (evtchn_port_t)rc;
    rc = 0;
out:
    evtchn_unlock(dom_evtchn(d));
    return rc;
}

int evtchn_bind_ipi(struct domain *d, uint32_t vcpu, evtchn_port_t *port)
{
    int rc;

    if (vcpu >= d->nr_vcpus)
        return -ENOENT;
    evtchn_lock(dom_evtchn(d));
    rc = evtchn_get_free_port(d);
    if (rc >= 0) {
        evtchn_port_assign(
            evtchn_port(d, (evtchn_port_t)rc),
            (struct evtchn){.state = ECS_IPI, .notify_vcpu = vcpu});
        *port = (evtchn_port_t)rc;
        rc = 0;
    }
    evtchn_unlock(dom_evtchn(d));
    return rc;
}

/* Only ports whose notification has no fixed vCPU may move. */
static int rebind(struct evtchn *chn, uint32_t vcpu)
{
    switch (chn->state) {
    case ECS_VIRQ:
        if (evtchn_virq_is_per_vcpu(chn->virq))
            return -EINVAL;
        break;
    case ECS_UNBOUND:
    case ECS_INTERDOMAIN:
        break;
    default:
        return -EINVAL;
    }
    chn->notify_vcpu = vcpu;
    return 0;
}

int evtchn_bind_vcpu(struct domain *d, evtchn_port_t port, uint32_t vcpu)
{
    struct evtchn *chn;
    int rc;

    if (vcpu >= d->nr_vcpus)
        return -ENOENT;
    evtchn_lock(dom_evtchn(d));
    chn = evtchn_port(d, port);
    rc = chn ? rebind(chn, vcpu) : -EINVAL;
    evtchn_unlock(dom_evtchn(d));
    return rc;
}

static void status_fill(const struct evtchn *chn, struct evtchn_status *st)
{
    switch (chn->state) {
    case ECS_UNBOUND:
        st->status = EVTCHNSTAT_unbound;
        st->u.unbound.dom = chn->remote_domid;
        break;
    case ECS_INTERDOMAIN:
        st->status = EVTCHNSTAT_interdomain;
        /* The remote stays allocated while the port is bound to it. */
        st->u.interdomain.dom = (xen_domid_t)chn->remote->domid;
        st->u.interdomain.port = chn->remote_port;
        break;
    case ECS_VIRQ:
        st->status = EVTCHNSTAT_virq;
        st->u.virq = chn->virq;
        break;
    case ECS_IPI:
        st->status = EVTCHNSTAT_ipi;
        break;
    default:
        st->status = EVTCHNSTAT_closed;
        break;
    }
    st->vcpu = chn->notify_vcpu;
}

int evtchn_status(struct domain *d, struct evtchn_status *st)
{
    struct evtchn *chn;
    int rc = 0;

    evtchn_lock(dom_evtchn(d));
    chn = evtchn_port(d, st->port);
    if (chn)
        status_fill(chn, st);
    else
        rc = -EINVAL;
    evtchn_unlock(dom_evtchn(d));
    return rc;
}
