/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event-channel teardown (see evtchn.h). The assertion here, not one in
 * every bit helper, is what catches a domain_kill() that frees shared_info
 * first: this runs on every kill, so a reordering fails every test that
 * destroys a domain (the seed thread's argument).
 */
#include "evtchn/evtchn.h"
#include "lib/assert.h"

void evtchn_domain_init(struct evtchn_domain *ed, struct xen_shared_info *si)
{
    ed->shared_info = si;
    ed->destroyed = false;
}

void evtchn_destroy(struct evtchn_domain *ed)
{
    XHV_ASSERT(!ed->destroyed);
    /* Channels are closed through shared_info's pending and mask bits: it
     * must not be gone yet. */
    XHV_ASSERT(ed->shared_info);
    ed->shared_info = NULL;
    ed->destroyed = true;
}

bool evtchn_is_destroyed(const struct evtchn_domain *ed)
{
    return ed->destroyed;
}
