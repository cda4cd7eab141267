/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SCHEDOP_poll on sim vCPU threads: bad arguments, a port already
 * pending, a timeout that passes (bounded), a wake-up by a send on a
 * masked 2-level port and on a FIFO port, and a poller with no timeout
 * released by killing its domain. Waits are on conditions with bounded
 * timeouts, never sleeps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <string.h>

#include "fifo_test.h"
#include "lib/deadline.h"
#include "time/time.h"
#include "xhv_test.h"

#define GPA_POLL  0x30000ULL /* struct sched_poll */
#define GPA_PORTS 0x30100ULL /* its port list */

static struct domain *da, *db;

static int setup(void **state)
{
    (void)state;
    hc_pair_setup("p", &da, &db);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hc_pair_teardown(&da, &db);
    return 0;
}

static long poll_as(struct domain *d, unsigned int vcpu, uint64_t ports_gpa,
                    uint32_t nr, uint64_t timeout)
{
    struct sched_poll p = {
        .ports = ports_gpa, .nr_ports = nr, .timeout = timeout};
    struct hcall h = {.op = __HYPERVISOR_sched_op,
                      .arg = {SCHEDOP_poll, GPA_POLL + vcpu * 64}};

    memcpy(hc_mem(d, GPA_POLL + vcpu * 64), &p, sizeof(p));
    return hypercall_dispatch(d->vcpus[vcpu], &h);
}

static void set_ports(struct domain *d, const evtchn_port_t *ports,
                      unsigned int n)
{
    memcpy(hc_mem(d, GPA_PORTS), ports, n * sizeof(*ports));
}

static evtchn_port_t connect(void)
{
    evtchn_port_t pa, pb;

    assert_int_equal(ev_alloc_unbound(da, (uint16_t)db->domid, &pa), 0);
    assert_int_equal(ev_bind_interdomain(db, (uint16_t)da->domid, pa, &pb), 0);
    return pa;
}

static void test_poll_bad_args(void **state)
{
    evtchn_port_t ports[2] = {1, 4000};
    struct hcall h = {.op = __HYPERVISOR_sched_op,
                      .arg = {SCHEDOP_poll, GPA_HOLE}};

    (void)state;
    set_ports(db, ports, 2);
    assert_int_equal(hypercall_dispatch(db->vcpus[0], &h), -EFAULT);
    assert_int_equal(poll_as(db, 0, GPA_PORTS, 129, 1), -EINVAL);
    assert_int_equal(poll_as(db, 0, GPA_HOLE, 1, 1), -EFAULT);
    /* The list runs off the end of RAM. */
    assert_int_equal(poll_as(db, 0, GPA_HOLE - 4, 2, 1), -EFAULT);
    /* A port past the table: -EINVAL (no port exists yet at all). */
    assert_int_equal(poll_as(db, 0, GPA_PORTS + 4, 1, 1), -EINVAL);
    (void)connect();
    /* Port 1 is pending (the bind): an immediate return, even with no
     * timeout, before the bad port 4000 is looked at. */
    assert_true(ev_pending(db, 1));
    assert_int_equal(poll_as(db, 0, GPA_PORTS, 2, 0), 0);
    ev_guest_clear_all(db);
    assert_int_equal(poll_as(db, 0, GPA_PORTS, 2, 1), -EINVAL);
}

static void test_poll_times_out(void **state)
{
    evtchn_port_t port = 1;
    uint64_t t0, t1;

    (void)state;
    (void)connect();
    ev_guest_clear_all(db);
    set_ports(db, &port, 1);
    /* Timeout in the past: just looks. */
    assert_int_equal(poll_as(db, 0, GPA_PORTS, 1, 1), 0);
    t0 = time_system_ns();
    assert_int_equal(poll_as(db, 0, GPA_PORTS, 1, t0 + 30000000ULL), 0);
    t1 = time_system_ns();
    assert_true(t1 - t0 >= 30000000ULL);
    assert_true(t1 - t0 < 5000000000ULL);
    /* Nobody left polling. */
    evtchn_lock(&db->evtchn);
    assert_int_equal(db->evtchn.nr_pollers, 0);
    evtchn_unlock(&db->evtchn);
}

struct poller {
    evtchn_port_t port;
    uint64_t timeout;
    long rc; /* written by the vCPU, read after join */
};

static void poll_guest(struct sim_vcpu *sv, void *arg)
{
    struct poller *p = arg;
    struct vcpu *v = sim_vcpu(sv);
    struct sched_poll sp = {
        .ports = GPA_PORTS, .nr_ports = 1, .timeout = p->timeout};

    /* As Linux does around poll: upcalls masked. */
    __atomic_store_n(&v->vcpu_info->evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST);
    memcpy(sim_gpa(sv, GPA_PORTS, 4), &p->port, 4);
    memcpy(sim_gpa(sv, GPA_POLL, sizeof(sp)), &sp, sizeof(sp));
    p->rc = sim_hypercall(sv, __HYPERVISOR_sched_op, SCHEDOP_poll, GPA_POLL, 0,
                          0, 0);
}

/* Waits (bounded) until n vCPUs of d are blocked in poll. */
static void wait_pollers(struct domain *d, unsigned int n)
{
    struct timespec end, now;
    unsigned int seen;

    xhv_deadline_ms(&end, 5000);
    for (;;) {
        evtchn_lock(&d->evtchn);
        seen = d->evtchn.nr_pollers;
        evtchn_unlock(&d->evtchn);
        if (seen == n)
            return;
        clock_gettime(CLOCK_REALTIME, &now);
        assert_true(now.tv_sec < end.tv_sec ||
                    (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
        sched_yield();
    }
}

static void wake_test(bool fifo)
{
    struct poller p = {0};
    evtchn_port_t pa;

    pa = connect();
    p.port = 1;
    if (fifo) {
        assert_int_equal(fifo_init(db, 0), 0);
        assert_int_equal(fifo_expand(db, ARRAY_GFN), 0);
        while (fifo_guest_pop(db, 0, EVTCHN_FIFO_PRIORITY_DEFAULT))
            ;
        fifo_w_set(db, p.port, W_MASKED);
    } else {
        ev_guest_mask(db, p.port, true);
    }
    ev_guest_clear_all(db);
    /* A minute: the send, not the timeout, must end it. */
    p.timeout = time_system_ns() + 60000000000ULL;
    assert_int_equal(sim_vcpu_start(db, 0, poll_guest, &p), 0);
    wait_pollers(db, 1);
    assert_int_equal(ev_port_op(da, EVTCHNOP_send, pa), 0);
    assert_int_equal(sim_vcpu_join(db, 0, 5000), 0);
    assert_int_equal(p.rc, 0);
    /* Masked: woken by the pending bit, not an upcall. */
    assert_int_equal(ev_upcall_pending(db, 0), 0);
    if (fifo)
        assert_int_equal(fifo_w(db, p.port), W_PENDING | W_MASKED);
    else
        assert_true(ev_pending(db, p.port));
}

static void test_poll_wakes_on_pending_2l(void **state)
{
    (void)state;
    wake_test(false);
}

static void test_poll_wakes_on_pending_fifo(void **state)
{
    (void)state;
    wake_test(true);
}

/* No timeout at all: killing the domain releases the poller, so the
 * backend's stop() does not hang. */
static void test_poll_released_by_kill(void **state)
{
    struct poller p = {.port = 1, .timeout = 0};

    (void)state;
    (void)connect();
    ev_guest_clear_all(db);
    assert_int_equal(sim_vcpu_start(db, 1, poll_guest, &p), 0);
    wait_pollers(db, 1);
    hc_domain_destroy(db);
    db = NULL;
    assert_int_equal(p.rc, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_poll_bad_args),
        T(test_poll_times_out),
        T(test_poll_wakes_on_pending_2l),
        T(test_poll_wakes_on_pending_fifo),
        T(test_poll_released_by_kill),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
