/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the event-channel tests: each EVTCHNOP_* made as a given
 * vCPU of a sim domain (the argument block goes through the domain's own
 * memory, at a per-vCPU address so threads do not share one), and the
 * guest's view of the 2-level bits, read and written atomically as a
 * guest racing xhv would.
 */
#ifndef XHV_TESTS_EVTCHN_TEST_H
#define XHV_TESTS_EVTCHN_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "hc_test.h"
#include "xhv/public/event_channel.h"

/* Argument blocks: one 256-byte slot per (vCPU, slot). */
#define EVT_GPA_ARGS 0x40000ULL

static inline long evop_as(struct domain *d, unsigned int vcpu,
                           unsigned int slot, uint32_t cmd, void *arg,
                           size_t len)
{
    uint64_t gpa = EVT_GPA_ARGS + (vcpu * 16 + slot) * 256ULL;
    struct hcall h = {.op = __HYPERVISOR_event_channel_op, .arg = {cmd, gpa}};
    long rc;

    memcpy(hc_mem(d, gpa), arg, len);
    rc = hypercall_dispatch(d->vcpus[vcpu], &h);
    memcpy(arg, hc_mem(d, gpa), len);
    return rc;
}

static inline long evop(struct domain *d, uint32_t cmd, void *arg, size_t len)
{
    return evop_as(d, 0, 0, cmd, arg, len);
}

static inline long ev_alloc_unbound(struct domain *d, uint16_t remote,
                                    evtchn_port_t *port)
{
    struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = remote};
    long rc = evop(d, EVTCHNOP_alloc_unbound, &a, sizeof(a));

    *port = rc ? 0 : a.port;
    return rc;
}

static inline long ev_bind_interdomain(struct domain *d, uint16_t rdom,
                                       evtchn_port_t rport,
                                       evtchn_port_t *lport)
{
    struct evtchn_bind_interdomain b = {.remote_dom = rdom,
                                        .remote_port = rport};
    long rc = evop(d, EVTCHNOP_bind_interdomain, &b, sizeof(b));

    *lport = rc ? 0 : b.local_port;
    return rc;
}

static inline long ev_port_op(struct domain *d, uint32_t cmd,
                              evtchn_port_t port)
{
    return evop(d, cmd, &port, sizeof(port));
}

static inline long ev_status(struct domain *d, uint16_t dom, evtchn_port_t port,
                             struct evtchn_status *st)
{
    *st = (struct evtchn_status){.dom = dom, .port = port};
    return evop(d, EVTCHNOP_status, st, sizeof(*st));
}

/* The guest's view. */
static inline struct xen_shared_info *ev_si(struct domain *d)
{
    return domain_shared_info(d);
}

static inline bool ev_pending(struct domain *d, evtchn_port_t p)
{
    return __atomic_load_n(&ev_si(d)->evtchn_pending[p / 64],
                           __ATOMIC_SEQ_CST) >>
               (p % 64) &
           1;
}

static inline void ev_guest_mask(struct domain *d, evtchn_port_t p, bool on)
{
    uint64_t bit = 1ULL << (p % 64);

    if (on)
        __atomic_fetch_or(&ev_si(d)->evtchn_mask[p / 64], bit,
                          __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_and(&ev_si(d)->evtchn_mask[p / 64], ~bit,
                           __ATOMIC_SEQ_CST);
}

static inline uint64_t ev_sel(struct domain *d, unsigned int vcpu)
{
    return __atomic_load_n(&d->vcpus[vcpu]->vcpu_info->evtchn_pending_sel,
                           __ATOMIC_SEQ_CST);
}

static inline uint8_t ev_upcall_pending(struct domain *d, unsigned int vcpu)
{
    return __atomic_load_n(&d->vcpus[vcpu]->vcpu_info->evtchn_upcall_pending,
                           __ATOMIC_SEQ_CST);
}

/* What a guest does on an upcall, without handling: clear everything. */
static inline void ev_guest_clear_all(struct domain *d)
{
    unsigned int i;

    for (i = 0; i < d->nr_vcpus && i < XEN_LEGACY_MAX_VCPUS; i++) {
        __atomic_store_n(&d->vcpus[i]->vcpu_info->evtchn_upcall_pending, 0,
                         __ATOMIC_SEQ_CST);
        __atomic_store_n(&d->vcpus[i]->vcpu_info->evtchn_pending_sel, 0,
                         __ATOMIC_SEQ_CST);
    }
    for (i = 0; i < 64; i++)
        __atomic_store_n(&ev_si(d)->evtchn_pending[i], 0, __ATOMIC_SEQ_CST);
}

#endif /* XHV_TESTS_EVTCHN_TEST_H */
