/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The FIFO ABI's objects, shared by event_fifo.c (the ABI itself) and
 * fifo_save.c (carrying it across a save, live update or migration, and
 * naming its pages to a migration's dirty log). Everything here is
 * protected by the owning domain's event-channel lock, which the helpers
 * assert; the design comment at the top of event_fifo.c says what the
 * fields mean and which invariants hold.
 */
#ifndef XHV_EVTCHN_FIFO_H
#define XHV_EVTCHN_FIFO_H

#include "evtchn/private.h"

struct evtchn_fifo_queue {
    uint32_t *head;     /* in the guest's control block */
    evtchn_port_t tail; /* 0: none (port 0 is never linked) */
    uint8_t priority;
};

struct evtchn_fifo_vcpu {
    struct evtchn_fifo_control_block *cb; /* NULL until init_control */
    struct page_info *cb_page;
    uint64_t cb_gfn; /* where the guest said the page was */
    struct evtchn_fifo_queue queue[EVTCHN_FIFO_MAX_QUEUES];
};

struct evtchn_fifo_domain {
    event_word_t *array[EVTCHN_FIFO_MAX_ARRAY_PAGES];
    struct page_info *array_page[EVTCHN_FIFO_MAX_ARRAY_PAGES];
    uint64_t array_gfn[EVTCHN_FIFO_MAX_ARRAY_PAGES];
    unsigned int nr_words; /* ports the array covers */
    unsigned int nr_vcpus;
    /* Set by a live update's save (fifo_save.c), cleared by
     * evtchn_fifo_thaw(): while set, an event is only remembered in its
     * port (fifo_pending) and xhv writes nothing into the pages, so the
     * saved tails stay those of guest memory. */
    bool frozen;
    struct evtchn_fifo_vcpu vcpu[];
};

/*
 * The ordinary RAM page at gfn, with a general and a writable type
 * reference, and xhv's own mapping of it: what init_control and
 * expand_array take, and what a restore takes again. -EINVAL when gfn is
 * not the domain's writable RAM.
 */
int evtchn_fifo_get_page(struct domain *d, uint64_t gfn, struct page_info **pg,
                         void **virt);
/* A fresh state for d's vCPUs, its bytes counted in the domain's
 * overhead; NULL when out of memory. evtchn_fifo_free() gives it back. */
struct evtchn_fifo_domain *evtchn_fifo_alloc(struct domain *d);
/* Delivers the events ports [from, to) hold (fifo_pending) that the array
 * now covers. Lock held, the state installed. */
void evtchn_fifo_raise_saved(struct domain *d, evtchn_port_t from,
                             evtchn_port_t to);

#endif /* XHV_EVTCHN_FIFO_H */
