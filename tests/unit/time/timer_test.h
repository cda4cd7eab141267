/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the timer tests: the guest's VCPUOP timer calls made
 * through the real hypercall dispatcher, each caller with its own
 * argument slot so that threads can call at once.
 */
#ifndef XHV_TESTS_TIMER_TEST_H
#define XHV_TESTS_TIMER_TEST_H

#include "evtchn_test.h"
#include "time/time.h"

#define MS 1000000ULL

/* vCPU vcpu's argument slot: 256 bytes each from GPA_BUF. */
static inline uint64_t tt_slot(unsigned int vcpu)
{
    return GPA_BUF + 256ULL * vcpu;
}

/* vcpu_op by vCPU caller on vCPU id. */
static inline long tt_vop(struct domain *d, unsigned int caller, uint32_t cmd,
                          uint32_t id, uint64_t arg)
{
    struct hcall h = {.op = __HYPERVISOR_vcpu_op, .arg = {cmd, id, arg}};

    return hypercall_dispatch(d->vcpus[caller], &h);
}

static inline long tt_singleshot(struct domain *d, unsigned int vcpu,
                                 uint64_t deadline)
{
    struct vcpu_set_singleshot_timer t = {.timeout_abs_ns = deadline};

    memcpy(hc_mem(d, tt_slot(vcpu)), &t, sizeof(t));
    return tt_vop(d, vcpu, VCPUOP_set_singleshot_timer, vcpu, tt_slot(vcpu));
}

static inline long tt_singleshot_stop(struct domain *d, unsigned int vcpu)
{
    return tt_vop(d, vcpu, VCPUOP_stop_singleshot_timer, vcpu, 0);
}

static inline long tt_periodic(struct domain *d, unsigned int vcpu,
                               uint64_t period)
{
    struct vcpu_set_periodic_timer t = {.period_ns = period};

    memcpy(hc_mem(d, tt_slot(vcpu)), &t, sizeof(t));
    return tt_vop(d, vcpu, VCPUOP_set_periodic_timer, vcpu, tt_slot(vcpu));
}

static inline long tt_periodic_stop(struct domain *d, unsigned int vcpu)
{
    return tt_vop(d, vcpu, VCPUOP_stop_periodic_timer, vcpu, 0);
}

/* Binds VIRQ_TIMER on vcpu and clears what binding left pending. */
static inline evtchn_port_t tt_bind_timer(struct domain *d, unsigned int vcpu)
{
    evtchn_port_t port;

    assert_int_equal(evtchn_bind_virq(d, VIRQ_TIMER, vcpu, &port), 0);
    ev_guest_clear_all(d);
    return port;
}

#endif /* XHV_TESTS_TIMER_TEST_H */
