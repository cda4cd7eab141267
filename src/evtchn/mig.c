/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event channels across a migration (src/migrate/): the ports travel as
 * live-update port records (lu.c saves and restores them); what is
 * migration's own is the peer that did not come along. An interdomain
 * port restored without its peer is closed from the far end, as Xen's
 * evtchn_close() leaves the surviving end: unbound. It names DOMID_INVALID
 * rather than the old peer's domid, which on this host may be another
 * domain altogether (a departure from Xen, documented in
 * docs/migration.md). Its pending and mask bits stay as they were.
 */
#include "evtchn/private.h"

unsigned int evtchn_mig_orphan(struct domain *d,
                               struct domain *(*lookup)(uint32_t domid))
{
    struct evtchn_domain *ed = dom_evtchn(d);
    unsigned int closed = 0;
    evtchn_port_t port;

    evtchn_lock(ed);
    for (port = 1; port < ed->nr_ports; port++) {
        struct evtchn *chn = evtchn_port(d, port);

        if (chn->state != ECS_INTERDOMAIN || chn->remote ||
            lookup(chn->remote_domid))
            continue;
        chn->state = ECS_UNBOUND;
        chn->remote_domid = DOMID_INVALID;
        chn->remote_port = 0;
        closed++;
    }
    evtchn_unlock(ed);
    return closed;
}
