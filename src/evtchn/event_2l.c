/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The 2-level ABI: port p is bit p % 64 of shared_info's evtchn_pending[p /
 * 64] and of evtchn_mask[p / 64]; bit p / 64 of a vCPU's
 * evtchn_pending_sel says "look at that word"; evtchn_upcall_pending says
 * "look at the selector".
 *
 * The guest changes all of these at any time (it clears upcall_pending,
 * then the selector, then the pending bits it handles, and sets and
 * clears mask bits), so every access is an atomic read-modify-write or
 * load on the whole 64-bit word (or the byte), sequentially consistent:
 * the guest may read them in the reverse order from the one they are
 * written in here. The order is Xen's: pending bit, then (if the port is
 * unmasked) selector bit, then upcall_pending. Each step happens only if
 * the one before changed something, so a port already pending costs one
 * atomic operation and a vCPU already told gets no second upcall. A vCPU
 * in SCHEDOP_poll is woken when a port goes pending, masked or not, as in
 * Xen (poll is how a guest waits for a masked port).
 *
 * Delivery needs the domain's event-channel lock and a domain that is not
 * dying: then shared_info exists (it goes only after evtchn_destroy()) and
 * the vCPU's vcpu_info pointer is stable (it changes only with the lock
 * held). Clearing a pending bit is also allowed while dying, until
 * evtchn_destroy() has finished: it is how closing works.
 */
#include "evtchn/private.h"
#include "lib/assert.h"

#define WORD_BITS 64

static xen_ulong_t port_bit(evtchn_port_t port)
{
    return (xen_ulong_t)1 << (port % WORD_BITS);
}

/* The selector and upcall steps: the word of a pending, unmasked port. */
static void mark_word_pending(struct domain *d, uint32_t vcpu,
                              unsigned int word)
{
    struct vcpu *v = d->vcpus[vcpu];
    struct xen_vcpu_info *vi = v->vcpu_info;
    xen_ulong_t sel = (xen_ulong_t)1 << word;

    if (__atomic_fetch_or(&vi->evtchn_pending_sel, sel, __ATOMIC_SEQ_CST) & sel)
        return;
    evtchn_vcpu_mark_pending(v);
}

static void evtchn_2l_set_pending(struct domain *d, uint32_t vcpu,
                                  evtchn_port_t port)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    struct xen_shared_info *si;
    unsigned int word = port / WORD_BITS;
    xen_ulong_t bit = port_bit(port);

    evtchn_assert_locked(ed);
    XHV_ASSERT(port < EVTCHN_2L_NR_CHANNELS && vcpu < d->nr_vcpus);
    if (ed->dying)
        return;
    si = domain_shared_info(d);
    if (__atomic_fetch_or(&si->evtchn_pending[word], bit, __ATOMIC_SEQ_CST) &
        bit)
        return;
    /* evtchn_2l_unmask() finishes the job for a masked port. */
    if (!(__atomic_load_n(&si->evtchn_mask[word], __ATOMIC_SEQ_CST) & bit))
        mark_word_pending(d, vcpu, word);
    evtchn_check_pollers(d, port);
}

static void evtchn_2l_clear_pending(struct domain *d, evtchn_port_t port)
{
    struct evtchn_domain *ed = dom_evtchn(d);

    evtchn_assert_locked(ed);
    XHV_ASSERT(!ed->destroyed);
    __atomic_fetch_and(&domain_shared_info(d)->evtchn_pending[port / WORD_BITS],
                       ~port_bit(port), __ATOMIC_SEQ_CST);
}

static void evtchn_2l_unmask(struct domain *d, uint32_t vcpu,
                             evtchn_port_t port)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    struct xen_shared_info *si;
    unsigned int word = port / WORD_BITS;
    xen_ulong_t bit = port_bit(port);

    evtchn_assert_locked(ed);
    if (ed->dying)
        return;
    si = domain_shared_info(d);
    /* The same order as set_pending: whichever of the two runs second
     * sees the other's bit and does the selector and upcall steps. */
    if ((__atomic_fetch_and(&si->evtchn_mask[word], ~bit, __ATOMIC_SEQ_CST) &
         bit) &&
        (__atomic_load_n(&si->evtchn_pending[word], __ATOMIC_SEQ_CST) & bit))
        mark_word_pending(d, vcpu, word);
}

/* Read under the lock, which keeps shared_info (not dying) in place. */
static bool test_bit_2l(struct domain *d, const xen_ulong_t *words,
                        evtchn_port_t port)
{
    evtchn_assert_locked(dom_evtchn(d));
    if (dom_evtchn(d)->dying)
        return false;
    return __atomic_load_n(&words[port / WORD_BITS], __ATOMIC_SEQ_CST) &
           port_bit(port);
}

static bool evtchn_2l_is_pending(struct domain *d, evtchn_port_t port)
{
    return test_bit_2l(d, domain_shared_info(d)->evtchn_pending, port);
}

static bool evtchn_2l_is_masked(struct domain *d, evtchn_port_t port)
{
    return test_bit_2l(d, domain_shared_info(d)->evtchn_mask, port);
}

/* A closed 2-level port holds nothing the guest could still be using. */
static bool evtchn_2l_is_busy(struct domain *d, evtchn_port_t port)
{
    (void)d, (void)port;
    return false;
}

const struct evtchn_port_ops evtchn_port_ops_2l = {
    .set_pending = evtchn_2l_set_pending,
    .clear_pending = evtchn_2l_clear_pending,
    .unmask = evtchn_2l_unmask,
    .is_pending = evtchn_2l_is_pending,
    .is_masked = evtchn_2l_is_masked,
    .is_busy = evtchn_2l_is_busy,
};
