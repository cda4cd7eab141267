/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SCHEDOP_poll: a vCPU blocks until one of a few ports is pending.
 *
 * A polling vCPU publishes its port list in its struct evtchn_vcpu and
 * sleeps on its domain's poll_cond, with the event-channel lock as the
 * condition's mutex. Every delivery already holds that lock, so the
 * check "is one of my ports pending?" and the wake-up cannot miss each
 * other: a port that goes pending either did so before the poller looked
 * (it sees it) or after it was asleep (set_pending finds it in the list
 * and signals). The wake-up is a broadcast to the domain's pollers, each
 * of which looks at its own ports again; the ABI allows a spurious
 * return, and a domain has few vCPUs polling at once.
 *
 * As in Xen, the poll also ends when an upcall is raised for the vCPU
 * (evtchn_upcall_pending 0 -> 1, whatever the port), when an upcall is
 * already pending and not masked on entry, and when the deadline passes.
 * It ends when the domain starts dying too, so domain_kill()'s stop()
 * never waits for a poller.
 */
#include <errno.h>

#include "evtchn/private.h"
#include "lib/assert.h"

static bool polls_port(const struct evtchn_vcpu *ev, evtchn_port_t port)
{
    unsigned int i;

    for (i = 0; i < ev->poll_nr; i++)
        if (ev->poll_ports[i] == port)
            return true;
    return false;
}

void evtchn_check_pollers(struct domain *d, evtchn_port_t port)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    unsigned int i;

    evtchn_assert_locked(ed);
    if (!ed->nr_pollers)
        return;
    for (i = 0; i < d->nr_vcpus; i++) {
        if (d->vcpus[i]->evtchn.poll_ports &&
            polls_port(&d->vcpus[i]->evtchn, port)) {
            pthread_cond_broadcast(&ed->poll_cond);
            return;
        }
    }
}

void evtchn_poll_kick(struct vcpu *v)
{
    struct evtchn_domain *ed = dom_evtchn(v->domain);

    evtchn_assert_locked(ed);
    if (!v->evtchn.poll_ports)
        return;
    v->evtchn.poll_kicked = true;
    pthread_cond_broadcast(&ed->poll_cond);
}

/* 1: a port is pending; 0: none; -EINVAL: a port is not valid (checked
 * in order, as Xen does, so an earlier pending port wins). */
static int scan(struct domain *d, const evtchn_port_t *ports, unsigned int nr)
{
    unsigned int i;

    for (i = 0; i < nr; i++) {
        if (!evtchn_port(d, ports[i]))
            return -EINVAL;
        if (evtchn_port_is_pending(d, ports[i]))
            return 1;
    }
    return 0;
}

/* Xen's local_events_need_delivery(): an upcall the vCPU would take. */
static bool upcall_deliverable(struct vcpu *v)
{
    struct xen_vcpu_info *vi = v->vcpu_info;

    return __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST) &&
           !__atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_SEQ_CST);
}

int evtchn_poll(struct vcpu *v, const evtchn_port_t *ports, unsigned int nr,
                const struct timespec *deadline)
{
    struct evtchn_domain *ed = dom_evtchn(v->domain);
    struct evtchn_vcpu *ev = &v->evtchn;
    int rc;

    evtchn_lock(ed);
    XHV_ASSERT(!ev->poll_ports); /* only v itself polls, once at a time */
    if (ed->dying || upcall_deliverable(v)) {
        rc = 0;
        goto out;
    }
    rc = scan(v->domain, ports, nr);
    if (rc)
        goto out;
    ev->poll_ports = ports;
    ev->poll_nr = nr;
    ev->poll_kicked = false;
    ed->nr_pollers++;
    /* Each wake-up is a delivery, the domain dying, or the deadline; the
     * loop ends on the first two or when the wait times out, so it is
     * bounded by the deadline when there is one. */
    while (!ed->dying && !ev->poll_kicked && scan(v->domain, ports, nr) == 0)
        if (evtchn_cond_wait(ed, &ed->poll_cond, deadline) == ETIMEDOUT)
            break;
    ed->nr_pollers--;
    ev->poll_ports = NULL;
    ev->poll_nr = 0;
    rc = 0;
out:
    evtchn_unlock(ed);
    return rc > 0 ? 0 : rc;
}
