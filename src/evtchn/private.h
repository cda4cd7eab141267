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
#ifdef XHV_LAYOUT_VARIANT /* see struct page_info: 32 bytes, not 24 */
    uint64_t layout_pad;
#endif
    uint8_t state;             /* enum evtchn_state */
    uint8_t virq;              /* ECS_VIRQ */
    xen_domid_t remote_domid;  /* ECS_UNBOUND: who may bind */
    uint32_t notify_vcpu;      /* always < the domain's nr_vcpus */
    struct domain *remote;     /* ECS_INTERDOMAIN */
    evtchn_port_t remote_port; /* ECS_INTERDOMAIN */
    /* FIFO (event_fifo.c): the queue new events go to, the queue the
     * port was last linked on (its tail may still name the port), and an
     * event that arrived while the event array did not cover the port.
     * They fill what would be padding, so a port stays 24 bytes. */
    uint8_t priority;
    uint8_t last_priority;
    uint8_t last_vcpu;
    bool fifo_pending;
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
int evtchn_ports_cover(struct domain *d, evtchn_port_t port);
/* Back to ECS_FREE, pending bit cleared, notify vCPU back to 0. */
void evtchn_port_free(struct domain *d, evtchn_port_t port, struct evtchn *chn);
/* Both event-channel locks, by ascending domid; one when a == b. */
void evtchn_lock_pair(struct domain *a, struct domain *b);
void evtchn_unlock_pair(struct domain *a, struct domain *b);

/*
 * Gives chn a new binding val at the default priority. Where the port
 * was last queued survives: that FIFO queue's tail may still name the
 * port, and set_pending must find it to unhook it (event_fifo.c).
 */
static inline void evtchn_port_assign(struct evtchn *chn, struct evtchn val)
{
    val.last_priority = chn->last_priority;
    val.last_vcpu = chn->last_vcpu;
    val.priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
    val.fifo_pending = false;
    *chn = val;
}

/*
 * The bit operations of an ABI (Xen's evtchn_port_ops). Every one runs
 * with the domain's event-channel lock held; the ABI in use is the one
 * ed->fifo says, and it changes only under that lock.
 *   set_pending   mark port pending and, if it is unmasked, tell vCPU
 *                 vcpu (an upcall when its upcall_pending goes 0 -> 1);
 *                 wake pollers when the pending bit goes 0 -> 1. Does
 *                 nothing once the domain is dying.
 *   clear_pending forget a pending event (closing a port).
 *   unmask        clear the mask and deliver what is pending.
 *   is_pending, is_masked   what the guest sees now.
 *   is_busy       the port may not be handed out again yet (FIFO: it is
 *                 still LINKED on a queue).
 */
struct evtchn_port_ops {
    void (*set_pending)(struct domain *d, uint32_t vcpu, evtchn_port_t port);
    void (*clear_pending)(struct domain *d, evtchn_port_t port);
    void (*unmask)(struct domain *d, uint32_t vcpu, evtchn_port_t port);
    bool (*is_pending)(struct domain *d, evtchn_port_t port);
    bool (*is_masked)(struct domain *d, evtchn_port_t port);
    bool (*is_busy)(struct domain *d, evtchn_port_t port);
};

extern const struct evtchn_port_ops evtchn_port_ops_2l;
extern const struct evtchn_port_ops evtchn_port_ops_fifo;

static inline const struct evtchn_port_ops *evtchn_ops(struct domain *d)
{
    evtchn_assert_locked(dom_evtchn(d));
    return dom_evtchn(d)->fifo ? &evtchn_port_ops_fifo : &evtchn_port_ops_2l;
}

static inline void evtchn_port_set_pending(struct domain *d, uint32_t vcpu,
                                           evtchn_port_t port)
{
    evtchn_ops(d)->set_pending(d, vcpu, port);
}

static inline void evtchn_port_unmask(struct domain *d, uint32_t vcpu,
                                      evtchn_port_t port)
{
    evtchn_ops(d)->unmask(d, vcpu, port);
}

static inline bool evtchn_port_is_pending(struct domain *d, evtchn_port_t port)
{
    return evtchn_ops(d)->is_pending(d, port);
}

/* evtchn_upcall_pending 0 -> 1 and, only then, the backend's upcall hook
 * and a polling v woken (Xen's vcpu_mark_events_pending). */
void evtchn_vcpu_mark_pending(struct vcpu *v);

/* poll.c: port just became pending; wake a vCPU polling it. */
void evtchn_check_pollers(struct domain *d, evtchn_port_t port);
/* poll.c: an upcall was raised for v; wake it if it polls. */
void evtchn_poll_kick(struct vcpu *v);
/* Waits on c with the event-channel lock as its mutex (it stays held
 * on return): pthread_cond_(timed)wait's result. */
int evtchn_cond_wait(struct evtchn_domain *ed, pthread_cond_t *c,
                     const struct timespec *deadline);

/* FIFO teardown (event_fifo.c): evtchn_fifo_detach() takes the state
 * away under the lock, so the domain is 2-level again; _free() releases
 * its pages and memory afterwards, with no lock held. */
struct evtchn_fifo_domain *evtchn_fifo_detach(struct domain *d);
void evtchn_fifo_free(struct domain *d, struct evtchn_fifo_domain *fd);
/* Per port (event_fifo.c): queue and event-word state for `xhv evtchn`. */
void evtchn_fifo_port_info(struct domain *d, evtchn_port_t port,
                           struct evtchn_port_info *info);

#endif /* XHV_EVTCHN_PRIVATE_H */
