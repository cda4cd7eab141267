/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event channels. Until the event-channel issue lands this module holds
 * only what domain teardown needs: the per-domain state and
 * evtchn_destroy(), whose place in domain_kill() is fixed and asserted now
 * (DESIGN.md §3): it runs after the domain is marked dying and before its
 * resources, shared_info included, are relinquished.
 */
#ifndef XHV_EVTCHN_EVTCHN_H
#define XHV_EVTCHN_EVTCHN_H

#include <stdbool.h>

#include "xhv/public/xen.h"

struct evtchn_domain {
    /* The domain's shared_info while event channels may use it: set at
     * creation, cleared by evtchn_destroy(). Protected by the domain lock. */
    struct xen_shared_info *shared_info;
    bool destroyed;
};

void evtchn_domain_init(struct evtchn_domain *ed, struct xen_shared_info *si);
/* Closes every channel. Must run while shared_info still exists. */
void evtchn_destroy(struct evtchn_domain *ed);
bool evtchn_is_destroyed(const struct evtchn_domain *ed);

#endif /* XHV_EVTCHN_EVTCHN_H */
