/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared inside src/evtchn/: the port record, the port table and the
 * 2-level bit operations. Everything here is called with the owning
 * domain's event-channel lock held, which the helpers assert.
 */
#ifndef XHV_EVTCHN_PRIVATE_H
#define XHV_EVTCHN_PRIVATE_H

#include "domain/domain.h"
#include "evtchn/evtchn.h"

enum evtchn_state {
    ECS_FREE,        /* not in use */
    ECS_RESERVED,    /* port 0, never handed out */
    ECS_UNBOUND,     /* waiting for remote_domid to bind to it */
    ECS_INTERDOMAIN, /* connected to remote's remote_port */
    ECS_VIRQ,        /* raised by xhv */
    ECS_IPI,         /* raised by the domain itself */
};

/*
 * One port; protected by its domain's event-channel lock. An
 * interdomain port's remote domain stays allocated while the port is
 * interdomain: the remote's evtchn_destroy() must first close the pair,
 * which takes this domain's lock. So with the lock held, remote may be
 * used and a reference taken on it.
 */
struct evtchn {
    uint8_t state;             /* enum evtchn_state */
    uint8_t virq;              /* ECS_VIRQ */
    xen_domid_t remote_domid;  /* ECS_UNBOUND: who may bind */
    uint32_t notify_vcpu;      /* always < the domain's nr_vcpus */
    struct domain *remote;     /* ECS_INTERDOMAIN */
    evtchn_port_t remote_port; /* ECS_INTERDOMAIN */
};

static inline struct evtchn_domain *dom_evtchn(struct domain *d)
{
    return &d->evtchn;
}

/* The port's record, or NULL when the port is not valid (Xen's
 * _evtchn_from_port()). */
struct evtchn *evtchn_port(struct domain *d, evtchn_port_t port);
/* The lowest free port, its bucket allocated; it stays ECS_FREE until the
 * caller binds it. -EINVAL when dying, -ENOSPC, -ENOMEM. */
int evtchn_get_free_port(struct domain *d);
/* Back to ECS_FREE, pending bit cleared, notify vCPU back to 0. */
void evtchn_port_free(struct domain *d, evtchn_port_t port, struct evtchn *chn);
/* Both event-channel locks, by ascending domid; one when a == b. */
void evtchn_lock_pair(struct domain *a, struct domain *b);
void evtchn_unlock_pair(struct domain *a, struct domain *b);

/* 2-level bit operations (event_2l.c). */
void evtchn_2l_set_pending(struct domain *d, uint32_t vcpu, evtchn_port_t port);
void evtchn_2l_clear_pending(struct domain *d, evtchn_port_t port);
void evtchn_2l_unmask(struct domain *d, uint32_t vcpu, evtchn_port_t port);

#endif /* XHV_EVTCHN_PRIVATE_H */
