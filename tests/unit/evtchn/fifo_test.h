/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the FIFO tests: where a test guest puts its control blocks
 * and event-array pages, the FIFO hypercalls, and the guest's view of
 * event words and queues, read and written atomically as a guest racing
 * xhv would. Event words are reached through the machine memory's direct
 * map, so a test can still look at a page the guest has ballooned out.
 */
#ifndef XHV_TESTS_FIFO_TEST_H
#define XHV_TESTS_FIFO_TEST_H

#include "evtchn_test.h"
#include "xhv/public/memory.h"

/* Control block of vCPU v at CB_GFN + v; event-array page i at
 * ARRAY_GFN + i (all ordinary RAM in a 4 MiB guest). */
#define CB_GFN    0x50ULL
#define ARRAY_GFN 0x60ULL

#define W_PENDING (1u << EVTCHN_FIFO_PENDING)
#define W_MASKED  (1u << EVTCHN_FIFO_MASKED)
#define W_LINKED  (1u << EVTCHN_FIFO_LINKED)
#define W_BUSY    (1u << EVTCHN_FIFO_BUSY)

static inline long fifo_init_control_at(struct domain *d, unsigned int vcpu,
                                        uint64_t gfn, uint32_t offset,
                                        struct evtchn_init_control *out)
{
    struct evtchn_init_control ic = {
        .control_gfn = gfn, .offset = offset, .vcpu = vcpu};
    long rc = evop(d, EVTCHNOP_init_control, &ic, sizeof(ic));

    if (out)
        *out = ic;
    return rc;
}

static inline long fifo_init(struct domain *d, unsigned int vcpu)
{
    return fifo_init_control_at(d, vcpu, CB_GFN + vcpu, 0, NULL);
}

static inline long fifo_expand(struct domain *d, uint64_t gfn)
{
    struct evtchn_expand_array e = {.array_gfn = gfn};

    return evop(d, EVTCHNOP_expand_array, &e, sizeof(e));
}

static inline long fifo_set_priority(struct domain *d, evtchn_port_t port,
                                     uint32_t prio)
{
    struct evtchn_set_priority p = {.port = port, .priority = prio};

    return evop(d, EVTCHNOP_set_priority, &p, sizeof(p));
}

/* What the gfn's page is now, through the direct map. */
static inline void *fifo_gfn_virt(struct domain *d, uint64_t gfn)
{
    mfn_t mfn;
    enum p2m_type t;

    assert_int_equal(p2m_lookup(&d->p2m, gfn, &mfn, &t), 0);
    return mfn_to_virt(mfn);
}

static inline struct evtchn_fifo_control_block *fifo_cb(struct domain *d,
                                                        unsigned int vcpu)
{
    return hc_mem(d, (CB_GFN + vcpu) << PAGE_SHIFT);
}

static inline event_word_t *fifo_word(struct domain *d, evtchn_port_t port)
{
    uint64_t gpa =
        ((ARRAY_GFN + port / EVTCHN_FIFO_WORDS_PER_PAGE) << PAGE_SHIFT) +
        (port % EVTCHN_FIFO_WORDS_PER_PAGE) * sizeof(event_word_t);

    return hc_mem(d, gpa);
}

static inline event_word_t fifo_w(struct domain *d, evtchn_port_t port)
{
    return __atomic_load_n(fifo_word(d, port), __ATOMIC_SEQ_CST);
}

static inline void fifo_w_set(struct domain *d, evtchn_port_t port,
                              event_word_t w)
{
    __atomic_store_n(fifo_word(d, port), w, __ATOMIC_SEQ_CST);
}

static inline uint32_t fifo_head(struct domain *d, unsigned int vcpu,
                                 unsigned int q)
{
    return __atomic_load_n(&fifo_cb(d, vcpu)->head[q], __ATOMIC_SEQ_CST);
}

static inline uint32_t fifo_ready(struct domain *d, unsigned int vcpu)
{
    return __atomic_load_n(&fifo_cb(d, vcpu)->ready, __ATOMIC_SEQ_CST);
}

/*
 * The guest consumes the head of queue q of vCPU vcpu the way Linux
 * does: clear LINKED and LINK in one swap, take LINK as the new head,
 * clear READY when the queue is empty. Returns the port, 0 if empty.
 * Writes the new head into the control block (where Linux keeps it in
 * its own memory), which xhv never reads.
 */
static inline evtchn_port_t fifo_guest_pop(struct domain *d, unsigned int vcpu,
                                           unsigned int q)
{
    struct evtchn_fifo_control_block *cb = fifo_cb(d, vcpu);
    evtchn_port_t port = fifo_head(d, vcpu, q);
    event_word_t *w, old, new;

    if (!port)
        return 0;
    w = fifo_word(d, port);
    old = __atomic_load_n(w, __ATOMIC_SEQ_CST);
    do {
        new = old & ~(W_LINKED | EVTCHN_FIFO_LINK_MASK);
    } while (!__atomic_compare_exchange_n(w, &old, new, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    __atomic_store_n(&cb->head[q], old & EVTCHN_FIFO_LINK_MASK,
                     __ATOMIC_SEQ_CST);
    if (!(old & EVTCHN_FIFO_LINK_MASK))
        __atomic_fetch_and(&cb->ready, ~(1u << q), __ATOMIC_SEQ_CST);
    return port;
}

/* XENMEM_decrease_reservation of one page, as the guest. */
static inline long fifo_balloon_out(struct domain *d, uint64_t gfn)
{
    struct xen_memory_reservation r = {
        .extent_start = GPA_BUF2, .nr_extents = 1, .domid = DOMID_SELF};

    memcpy(hc_mem(d, GPA_BUF2), &gfn, sizeof(gfn));
    memcpy(hc_mem(d, GPA_BUF), &r, sizeof(r));
    return hc_call(d, __HYPERVISOR_memory_op, XENMEM_decrease_reservation,
                   GPA_BUF, 0, 0, 0);
}

#endif /* XHV_TESTS_FIFO_TEST_H */
