/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event channels, 2-level, on two sim domains A and B (two vCPUs each):
 * every EVTCHNOP with good and hostile arguments (a hostile call changes
 * nothing), interdomain ping-pong with the pending bit, selector,
 * upcall_pending and the backend upcall checked at each step, masking,
 * VIRQs and IPIs, closing either end, killing one side of a channel, and
 * a fault loop over bucket allocation. Each test ends with a deep memory
 * audit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "evtchn_test.h"
#include "lib/fault.h"
#include "xhv_test.h"

static struct domain *da, *db;

static int setup(void **state)
{
    (void)state;
    hc_pair_setup("e", &da, &db);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hc_pair_teardown(&da, &db);
    return 0;
}

static uint16_t id(struct domain *d)
{
    return (uint16_t)d->domid;
}

/* A's port for B and B's end bound to it. */
static void connect(evtchn_port_t *pa, evtchn_port_t *pb)
{
    assert_int_equal(ev_alloc_unbound(da, id(db), pa), 0);
    assert_int_equal(ev_bind_interdomain(db, id(da), *pa, pb), 0);
}

static void assert_status(struct domain *d, evtchn_port_t port, uint32_t status,
                          uint32_t vcpu)
{
    struct evtchn_status st;

    assert_int_equal(ev_status(d, DOMID_SELF, port, &st), 0);
    assert_int_equal(st.status, status);
    assert_int_equal(st.vcpu, vcpu);
}

static void test_alloc_unbound(void **state)
{
    struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = 0};
    struct evtchn_status st;
    evtchn_port_t p;

    (void)state;
    /* Port 0 is reserved: the first port is 1. */
    assert_int_equal(ev_alloc_unbound(da, id(db), &p), 0);
    assert_int_equal(p, 1);
    assert_int_equal(ev_status(da, DOMID_SELF, 1, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, id(db));
    assert_int_equal(ev_status(da, id(da), 0, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_closed);
    /* DOMID_SELF as the remote means the caller. */
    assert_int_equal(ev_alloc_unbound(da, DOMID_SELF, &p), 0);
    assert_int_equal(p, 2);
    assert_int_equal(ev_status(da, DOMID_SELF, 2, &st), 0);
    assert_int_equal(st.u.unbound.dom, id(da));
    /* Acting for another domain: -EPERM; for none: -ESRCH. */
    a.dom = id(db);
    assert_int_equal(evop(da, EVTCHNOP_alloc_unbound, &a, sizeof(a)), -EPERM);
    a.dom = 999;
    assert_int_equal(evop(da, EVTCHNOP_alloc_unbound, &a, sizeof(a)), -ESRCH);
    assert_int_equal(ev_status(da, id(db), 1, &st), -EPERM);
    assert_int_equal(ev_status(da, 999, 1, &st), -ESRCH);
    /* Ports past the table are not valid. */
    assert_int_equal(ev_status(da, DOMID_SELF, 64, &st), -EINVAL);
    assert_int_equal(ev_status(da, DOMID_SELF, UINT32_MAX, &st), -EINVAL);
    /* Argument blocks in the hole. */
    for (uint32_t cmd = 0; cmd <= EVTCHNOP_reset; cmd++) {
        struct hcall h = {.op = __HYPERVISOR_event_channel_op,
                          .arg = {cmd, GPA_HOLE}};

        if (cmd == EVTCHNOP_bind_pirq)
            continue;
        assert_int_equal(hypercall_dispatch(da->vcpus[0], &h), -EFAULT);
    }
    /* Nothing above allocated a port. */
    assert_int_equal(ev_alloc_unbound(da, id(db), &p), 0);
    assert_int_equal(p, 3);
}

static void test_interdomain_ping_pong(void **state)
{
    evtchn_port_t pa, pb;
    uint64_t ua = 0, ub = 0;

    (void)state;
    connect(&pa, &pb);
    /* Binding makes the new local port pending, as Xen does. */
    assert_true(ev_pending(db, pb));
    assert_int_equal(sim_wait_upcall(db, 0, &ub, 1000), 0);
    assert_int_equal(ub, 1);
    ev_guest_clear_all(db);

    struct evtchn_status st;
    assert_int_equal(ev_status(da, DOMID_SELF, pa, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_interdomain);
    assert_int_equal(st.u.interdomain.dom, id(db));
    assert_int_equal(st.u.interdomain.port, pb);
    assert_int_equal(ev_status(db, DOMID_SELF, pb, &st), 0);
    assert_int_equal(st.u.interdomain.dom, id(da));
    assert_int_equal(st.u.interdomain.port, pa);

    /* A -> B: pending bit, selector, upcall_pending, one upcall. */
    assert_int_equal(ev_port_op(da, EVTCHNOP_send, pa), 0);
    assert_true(ev_pending(db, pb));
    assert_int_equal(ev_sel(db, 0), 1ULL << (pb / 64));
    assert_int_equal(ev_upcall_pending(db, 0), 1);
    assert_int_equal(sim_wait_upcall(db, 0, &ub, 1000), 0);
    assert_int_equal(ub, 2);
    /* Again while pending: nothing new. */
    assert_int_equal(ev_port_op(da, EVTCHNOP_send, pa), 0);
    assert_int_equal(sim_wait_upcall(db, 0, &ub, 0), -ETIMEDOUT);
    assert_false(ev_pending(da, pa));

    /* B -> A. */
    assert_int_equal(ev_port_op(db, EVTCHNOP_send, pb), 0);
    assert_true(ev_pending(da, pa));
    assert_int_equal(ev_upcall_pending(da, 0), 1);
    assert_int_equal(sim_wait_upcall(da, 0, &ua, 1000), 0);

    /* Masked: pending, but no selector and no upcall until unmask. */
    ev_guest_clear_all(db);
    ev_guest_mask(db, pb, true);
    assert_int_equal(ev_port_op(da, EVTCHNOP_send, pa), 0);
    assert_true(ev_pending(db, pb));
    assert_int_equal(ev_sel(db, 0), 0);
    assert_int_equal(ev_upcall_pending(db, 0), 0);
    assert_int_equal(sim_wait_upcall(db, 0, &ub, 0), -ETIMEDOUT);
    assert_int_equal(ev_port_op(db, EVTCHNOP_unmask, pb), 0);
    assert_int_equal(ev_si(db)->evtchn_mask[pb / 64], 0);
    assert_int_equal(ev_sel(db, 0), 1ULL << (pb / 64));
    assert_int_equal(ev_upcall_pending(db, 0), 1);
    assert_int_equal(sim_wait_upcall(db, 0, &ub, 1000), 0);
    assert_int_equal(ub, 3);
    /* Unmasking an unmasked port does nothing. */
    ev_guest_clear_all(db);
    assert_int_equal(ev_port_op(db, EVTCHNOP_unmask, pb), 0);
    assert_int_equal(ev_upcall_pending(db, 0), 0);
}

static void test_interdomain_hostile(void **state)
{
    evtchn_port_t pa, self, p;
    struct evtchn_status st;

    (void)state;
    assert_int_equal(ev_alloc_unbound(da, id(db), &pa), 0);
    assert_int_equal(ev_alloc_unbound(da, DOMID_SELF, &self), 0);
    /* Not offered to B, not unbound, not valid, no such domain. */
    assert_int_equal(ev_bind_interdomain(db, id(da), self, &p), -EINVAL);
    assert_int_equal(ev_bind_interdomain(db, id(da), 0, &p), -EINVAL);
    assert_int_equal(ev_bind_interdomain(db, id(da), 4096, &p), -EINVAL);
    assert_int_equal(ev_bind_interdomain(db, id(da), 63, &p), -EINVAL);
    assert_int_equal(ev_bind_interdomain(db, 999, pa, &p), -ESRCH);
    /* The failures left B without a bound port and A's port unbound. */
    assert_int_equal(ev_status(db, DOMID_SELF, 1, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_closed);
    assert_int_equal(ev_status(da, DOMID_SELF, pa, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    /* A bound port cannot be bound twice. */
    assert_int_equal(ev_bind_interdomain(db, id(da), pa, &p), 0);
    assert_int_equal(ev_bind_interdomain(db, id(da), pa, &p), -EINVAL);
    /* A loopback channel within A. */
    assert_int_equal(ev_bind_interdomain(da, DOMID_SELF, self, &p), 0);
    ev_guest_clear_all(da);
    assert_int_equal(ev_port_op(da, EVTCHNOP_send, p), 0);
    assert_true(ev_pending(da, self));
    assert_false(ev_pending(da, p));
}

static void test_close(void **state)
{
    evtchn_port_t pa, pb, pb2;
    struct evtchn_status st;

    (void)state;
    connect(&pa, &pb);
    ev_guest_clear_all(db);
    assert_int_equal(ev_port_op(da, EVTCHNOP_send, pa), 0);
    assert_true(ev_pending(db, pb));
    /* Closing B's end clears its pending bit; A's end is unbound again,
     * for B. */
    assert_int_equal(ev_port_op(db, EVTCHNOP_close, pb), 0);
    assert_false(ev_pending(db, pb));
    assert_status(db, pb, EVTCHNSTAT_closed, 0);
    assert_int_equal(ev_status(da, DOMID_SELF, pa, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, id(db));
    /* Sending on an unbound port is dropped silently. */
    assert_int_equal(ev_port_op(da, EVTCHNOP_send, pa), 0);
    assert_false(ev_pending(db, pb));
    /* Closed, reserved and invalid ports. */
    assert_int_equal(ev_port_op(db, EVTCHNOP_close, pb), -EINVAL);
    assert_int_equal(ev_port_op(db, EVTCHNOP_close, 0), -EINVAL);
    assert_int_equal(ev_port_op(db, EVTCHNOP_close, 5000), -EINVAL);
    assert_int_equal(ev_port_op(db, EVTCHNOP_send, pb), -EINVAL);
    assert_int_equal(ev_port_op(db, EVTCHNOP_send, 0), -EINVAL);
    assert_int_equal(ev_port_op(db, EVTCHNOP_send, 5000), -EINVAL);
    /* B binds to the same port again, and gets the freed port back. */
    assert_int_equal(ev_bind_interdomain(db, id(da), pa, &pb2), 0);
    assert_int_equal(pb2, pb);
    /* Now A closes its end: B's end waits for A. */
    assert_int_equal(ev_port_op(da, EVTCHNOP_close, pa), 0);
    assert_int_equal(ev_status(db, DOMID_SELF, pb2, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, id(da));
    assert_int_equal(ev_port_op(db, EVTCHNOP_close, pb2), 0);
}

static long bind_virq(struct domain *d, uint32_t virq, uint32_t vcpu,
                      evtchn_port_t *port)
{
    struct evtchn_bind_virq b = {.virq = virq, .vcpu = vcpu};
    long rc = evop(d, EVTCHNOP_bind_virq, &b, sizeof(b));

    *port = b.port;
    return rc;
}

static long bind_vcpu(struct domain *d, evtchn_port_t port, uint32_t vcpu)
{
    struct evtchn_bind_vcpu b = {.port = port, .vcpu = vcpu};

    return evop(d, EVTCHNOP_bind_vcpu, &b, sizeof(b));
}

static void test_virq(void **state)
{
    evtchn_port_t t1, t0, con, p;
    struct evtchn_status st;
    uint64_t u1 = 0, u0 = 0;

    (void)state;
    assert_int_equal(bind_virq(da, VIRQ_TIMER, 1, &t1), 0);
    assert_int_equal(bind_virq(da, VIRQ_TIMER, 1, &p), -EEXIST);
    assert_int_equal(bind_virq(da, VIRQ_TIMER, 0, &t0), 0);
    assert_int_equal(bind_virq(da, NR_VIRQS, 0, &p), -EINVAL);
    assert_int_equal(bind_virq(da, UINT32_MAX, 0, &p), -EINVAL);
    /* Global VIRQs bind to vCPU 0 only. */
    assert_int_equal(bind_virq(da, VIRQ_CONSOLE, 1, &p), -EINVAL);
    assert_int_equal(bind_virq(da, VIRQ_DEBUG, 2, &p), -ENOENT);
    assert_int_equal(bind_virq(da, VIRQ_CONSOLE, 0, &con), 0);
    assert_int_equal(ev_status(da, DOMID_SELF, t1, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_virq);
    assert_int_equal(st.u.virq, VIRQ_TIMER);
    assert_int_equal(st.vcpu, 1);

    /* Raised by xhv: to the bound vCPU. */
    assert_int_equal(evtchn_send_virq(da, 1, VIRQ_TIMER), 0);
    assert_true(ev_pending(da, t1));
    assert_int_equal(ev_sel(da, 1), 1ULL << (t1 / 64));
    assert_int_equal(ev_sel(da, 0), 0);
    assert_int_equal(sim_wait_upcall(da, 1, &u1, 1000), 0);
    assert_int_equal(sim_wait_upcall(da, 0, &u0, 0), -ETIMEDOUT);
    assert_int_equal(evtchn_send_virq(da, 0, VIRQ_DEBUG), -ENOENT);
    assert_int_equal(evtchn_send_virq(da, 5, VIRQ_TIMER), -EINVAL);
    assert_int_equal(evtchn_send_virq(da, 0, NR_VIRQS), -EINVAL);
    /* A guest cannot send on a VIRQ port. */
    assert_int_equal(ev_port_op(da, EVTCHNOP_send, t1), -EINVAL);

    /* A global VIRQ may move to another vCPU, a per-vCPU one may not. */
    assert_int_equal(bind_vcpu(da, t1, 0), -EINVAL);
    assert_int_equal(bind_vcpu(da, con, 1), 0);
    ev_guest_clear_all(da);
    assert_int_equal(evtchn_send_virq(da, 0, VIRQ_CONSOLE), 0);
    assert_int_equal(ev_sel(da, 1), 1ULL << (con / 64));
    assert_int_equal(sim_wait_upcall(da, 1, &u1, 1000), 0);
    assert_status(da, con, EVTCHNSTAT_virq, 1);

    /* Closed, it can be bound again. */
    assert_int_equal(ev_port_op(da, EVTCHNOP_close, t1), 0);
    assert_int_equal(evtchn_send_virq(da, 1, VIRQ_TIMER), -ENOENT);
    assert_int_equal(bind_virq(da, VIRQ_TIMER, 1, &p), 0);
    assert_int_equal(p, t1);
    assert_int_equal(ev_port_op(da, EVTCHNOP_close, con), 0);
    assert_int_equal(bind_virq(da, VIRQ_CONSOLE, 0, &p), 0);
}

static void test_ipi(void **state)
{
    struct evtchn_bind_ipi b = {.vcpu = 1};
    uint64_t u = 0;

    (void)state;
    assert_int_equal(evop(da, EVTCHNOP_bind_ipi, &b, sizeof(b)), 0);
    assert_status(da, b.port, EVTCHNSTAT_ipi, 1);
    assert_int_equal(ev_port_op(da, EVTCHNOP_send, b.port), 0);
    assert_true(ev_pending(da, b.port));
    assert_int_equal(ev_sel(da, 1), 1ULL << (b.port / 64));
    assert_int_equal(ev_upcall_pending(da, 1), 1);
    assert_int_equal(sim_wait_upcall(da, 1, &u, 1000), 0);
    /* An IPI stays on its vCPU. */
    assert_int_equal(bind_vcpu(da, b.port, 0), -EINVAL);
    b = (struct evtchn_bind_ipi){.vcpu = 2};
    assert_int_equal(evop(da, EVTCHNOP_bind_ipi, &b, sizeof(b)), -ENOENT);
    b.vcpu = UINT32_MAX;
    assert_int_equal(evop(da, EVTCHNOP_bind_ipi, &b, sizeof(b)), -ENOENT);
}

static void test_bind_vcpu(void **state)
{
    evtchn_port_t pa, pb, un;
    uint64_t u = 0;

    (void)state;
    connect(&pa, &pb);
    ev_guest_clear_all(db);
    assert_int_equal(bind_vcpu(db, pb, 1), 0);
    assert_status(db, pb, EVTCHNSTAT_interdomain, 1);
    assert_int_equal(ev_port_op(da, EVTCHNOP_send, pa), 0);
    assert_int_equal(ev_sel(db, 1), 1ULL << (pb / 64));
    assert_int_equal(ev_sel(db, 0), 0);
    assert_int_equal(sim_wait_upcall(db, 1, &u, 1000), 0);
    /* An unbound port keeps its vCPU when bound. */
    assert_int_equal(ev_alloc_unbound(db, id(da), &un), 0);
    assert_int_equal(bind_vcpu(db, un, 1), 0);
    assert_status(db, un, EVTCHNSTAT_unbound, 1);
    assert_int_equal(ev_bind_interdomain(da, id(db), un, &pa), 0);
    assert_status(db, un, EVTCHNSTAT_interdomain, 1);
    /* Hostile: no such vCPU, invalid, free or reserved port. */
    assert_int_equal(bind_vcpu(db, pb, 2), -ENOENT);
    assert_int_equal(bind_vcpu(db, 4000, 0), -EINVAL);
    assert_int_equal(bind_vcpu(db, 40, 0), -EINVAL);
    assert_int_equal(bind_vcpu(db, 0, 0), -EINVAL);
    assert_status(db, pb, EVTCHNSTAT_interdomain, 1);
}

static void test_unmask_and_unsupported(void **state)
{
    struct evtchn_bind_ipi b = {.vcpu = 0};
    uint64_t u = 0;
    uint8_t blk[32] = {0};

    (void)state;
    assert_int_equal(ev_port_op(da, EVTCHNOP_unmask, 1), -EINVAL);
    assert_int_equal(evop(da, EVTCHNOP_bind_ipi, &b, sizeof(b)), 0);
    assert_int_equal(ev_port_op(da, EVTCHNOP_unmask, 5000), -EINVAL);
    /* Masked while a send arrives, unmasked through the hypercall. */
    ev_guest_clear_all(da);
    ev_guest_mask(da, b.port, true);
    assert_int_equal(ev_port_op(da, EVTCHNOP_send, b.port), 0);
    assert_int_equal(ev_upcall_pending(da, 0), 0);
    u = sim_upcall_count(da, 0);
    assert_int_equal(ev_port_op(da, EVTCHNOP_unmask, b.port), 0);
    assert_int_equal(sim_wait_upcall(da, 0, &u, 1000), 0);
    /* Before init_control the FIFO ops answer as Xen's 2-level does
     * (test_fifo.c covers them); PIRQs are never there; unknown ops. */
    assert_int_equal(evop(da, EVTCHNOP_expand_array, blk, sizeof(blk)),
                     -EOPNOTSUPP);
    assert_int_equal(evop(da, EVTCHNOP_set_priority, blk, sizeof(blk)),
                     -ENOSYS);
    assert_int_equal(evop(da, EVTCHNOP_bind_pirq, blk, sizeof(blk)),
                     -EOPNOTSUPP);
    assert_int_equal(evop(da, 14, blk, sizeof(blk)), -ENOSYS);
    assert_int_equal(evop(da, 99, blk, sizeof(blk)), -ENOSYS);
    /* The high half of cmd is not looked at. */
    struct evtchn_status st = {.dom = DOMID_SELF, .port = b.port};
    struct hcall h = {.op = __HYPERVISOR_event_channel_op,
                      .arg = {(1ULL << 32) | EVTCHNOP_status, GPA_BUF}};

    memcpy(hc_mem(da, GPA_BUF), &st, sizeof(st));
    assert_int_equal(hypercall_dispatch(da->vcpus[0], &h), 0);
    memcpy(&st, hc_mem(da, GPA_BUF), sizeof(st));
    assert_int_equal(st.status, EVTCHNSTAT_ipi);
}

static void test_reset(void **state)
{
    struct evtchn_reset r = {.dom = DOMID_SELF};
    evtchn_port_t pa, pb, v;
    struct evtchn_status st;

    (void)state;
    connect(&pa, &pb);
    assert_int_equal(bind_virq(da, VIRQ_DEBUG, 1, &v), 0);
    r.dom = id(db);
    assert_int_equal(evop(da, EVTCHNOP_reset, &r, sizeof(r)), -EPERM);
    r.dom = 999;
    assert_int_equal(evop(da, EVTCHNOP_reset, &r, sizeof(r)), -ESRCH);
    assert_status(da, pa, EVTCHNSTAT_interdomain, 0);
    r.dom = id(da);
    assert_int_equal(evop(da, EVTCHNOP_reset, &r, sizeof(r)), 0);
    assert_status(da, pa, EVTCHNSTAT_closed, 0);
    assert_status(da, v, EVTCHNSTAT_closed, 0);
    assert_int_equal(ev_status(db, DOMID_SELF, pb, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, id(da));
    assert_int_equal(bind_virq(da, VIRQ_DEBUG, 1, &v), 0);
}

static void test_out_of_ports(void **state)
{
    evtchn_port_t p, last = 0;
    unsigned int n = 0;
    long rc;

    (void)state;
    while ((rc = ev_alloc_unbound(da, id(db), &p)) == 0) {
        assert_int_equal(p, last + 1);
        last = p;
        n++;
    }
    assert_int_equal(rc, -ENOSPC);
    assert_int_equal(n, EVTCHN_2L_NR_CHANNELS - 1);
    /* The port table counts in the domain's overhead. */
    struct domain_dump dump;
    assert_int_equal(domain_dump(da, &dump), 0);
    assert_true(dump.overhead_bytes >= EVTCHN_2L_NR_CHANNELS * 16);
    assert_int_equal(ev_port_op(da, EVTCHNOP_close, 2000), 0);
    assert_int_equal(ev_alloc_unbound(da, id(db), &p), 0);
    assert_int_equal(p, 2000);
    struct evtchn_bind_ipi b = {.vcpu = 0};
    assert_int_equal(evop(da, EVTCHNOP_bind_ipi, &b, sizeof(b)), -ENOSPC);
    /* The last word of the bitmap works like the first. */
    assert_int_equal(ev_bind_interdomain(db, id(da), 4095, &p), 0);
    ev_guest_clear_all(da);
    assert_int_equal(ev_port_op(db, EVTCHNOP_send, p), 0);
    assert_true(ev_pending(da, 4095));
    assert_int_equal(ev_sel(da, 0), 1ULL << 63);
}

/* Killing A closes its channels: B's ends wait for A again. */
static void test_kill_peer(void **state)
{
    evtchn_port_t pa, pb, pa2, pb2, self, lp;
    struct evtchn_status st;
    uint16_t a = id(da);

    (void)state;
    connect(&pa, &pb);
    assert_int_equal(ev_alloc_unbound(db, a, &pb2), 0);
    assert_int_equal(ev_bind_interdomain(da, id(db), pb2, &pa2), 0);
    assert_int_equal(ev_alloc_unbound(da, DOMID_SELF, &self), 0);
    assert_int_equal(ev_bind_interdomain(da, DOMID_SELF, self, &lp), 0);
    assert_int_equal(bind_virq(da, VIRQ_TIMER, 0, &lp), 0);
    hc_domain_destroy(da);
    da = NULL;
    assert_int_equal(ev_status(db, DOMID_SELF, pb, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, a);
    assert_int_equal(ev_status(db, DOMID_SELF, pb2, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    /* Sends go nowhere; binding to the dead domain finds nothing. */
    assert_int_equal(ev_port_op(db, EVTCHNOP_send, pb), 0);
    assert_int_equal(ev_bind_interdomain(db, a, pa, &lp), -ESRCH);
    assert_int_equal(ev_status(db, a, 1, &st), -ESRCH);
    assert_int_equal(ev_port_op(db, EVTCHNOP_close, pb), 0);
}

/* A dying domain gets no new port and no event, and destroy runs once
 * (test_domain checks its place in domain_kill()). */
static void test_destroy_asserts(void **state)
{
    struct domain *d = hc_domain_create("ec", 1, 1);

    (void)state;
    assert_int_equal(domain_kill(d), 0);
    assert_true(evtchn_is_destroyed(&d->evtchn));
    xt_expect_assert(evtchn_destroy(&d->evtchn));
    put_domain(d);
}

/* ---- Failure points ----------------------------------------------- */

/* Two more domains: C fills three buckets, E binds to half of the ports
 * (two buckets), then both are killed, so every bucket allocation fails
 * in turn and each run ends with nothing allocated. */
static int bucket_scenario(void *ctx)
{
    struct domain *c = hc_domain_create("ec", 1, 1);
    struct domain *e = hc_domain_create("ee", 1, 1);
    evtchn_port_t p, lp;
    long rc = 0;
    int i;

    (void)ctx;
    for (i = 0; i < 150 && !rc; i++) {
        rc = ev_alloc_unbound(c, id(e), &p);
        if (!rc && i % 2)
            rc = ev_bind_interdomain(e, id(c), p, &lp);
    }
    if (!rc) {
        assert_int_equal(ev_port_op(c, EVTCHNOP_send, 2), 0);
        assert_true(ev_pending(e, 1));
    }
    hc_domain_destroy(c);
    hc_domain_destroy(e);
    return (int)rc;
}

static void bucket_check(void *ctx, int rc)
{
    (void)ctx;
    if (rc)
        assert_int_equal(rc, -ENOMEM);
    xt_assert_audit_clean();
}

static void test_fault_buckets(void **state)
{
    unsigned long points;

    (void)state;
    points = xt_fault_loop("bucket_add", bucket_scenario, bucket_check, NULL);
    assert_int_equal(points, 5);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_alloc_unbound),
        T(test_interdomain_ping_pong),
        T(test_interdomain_hostile),
        T(test_close),
        T(test_virq),
        T(test_ipi),
        T(test_bind_vcpu),
        T(test_unmask_and_unsupported),
        T(test_reset),
        T(test_out_of_ports),
        T(test_kill_peer),
        T(test_destroy_asserts),
        T(test_fault_buckets),
    };
#undef T
    xt_install_assert_hook();
    return cmocka_run_group_tests_name("evtchn", tests, NULL, NULL);
}
