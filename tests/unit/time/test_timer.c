/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vCPU timers raising VIRQ_TIMER on the sim backend: a singleshot timer
 * fires once, never before its deadline, and at once when the deadline
 * is past; a new one replaces the old; stopping it before the deadline
 * means no event; the periodic timer ticks until stopped; and killing a
 * domain with timers armed leaves nothing firing. The guest's calls go
 * through the real hypercall dispatcher.
 *
 * Waits are bounded sim_wait_upcall()s, never sleeps: an upcall is the
 * event the test waits for, a wait that must time out shows its absence.
 * Each test ends with a deep memory audit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "time/timer.h"
#include "timer_test.h"
#include "xhv_test.h"

#define WAIT_MS 2000 /* the longest a due timer may take to show up */

static struct domain *d;

static int setup(void **state)
{
    (void)state;
    d = hc_setup(64, 4, "tm", 4, 2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hc_teardown(&d);
    /* Nothing is armed once every domain is gone. */
    assert_int_equal(timers_shutdown(), 0);
    return 0;
}

static void test_singleshot_fires(void **state)
{
    evtchn_port_t port = tt_bind_timer(d, 0);
    uint64_t u0 = sim_upcall_count(d, 0), u = u0, deadline, seen, now;

    (void)state;
    deadline = time_system_ns() + 5 * MS;
    assert_int_equal(tt_singleshot(d, 0, deadline), 0);
    /* Count first, then time: an upcall counted before a time still
     * short of the deadline would have come early. */
    seen = sim_upcall_count(d, 0);
    now = time_system_ns();
    if (now < deadline)
        assert_int_equal(seen, u0);
    assert_int_equal(sim_wait_upcall(d, 0, &u, WAIT_MS), 0);
    assert_true(time_system_ns() >= deadline);
    assert_int_equal(u, u0 + 1);
    assert_true(ev_pending(d, port));
    assert_int_equal(ev_upcall_pending(d, 0), 1);
    /* Once: with everything cleared, no second event. */
    ev_guest_clear_all(d);
    assert_int_equal(sim_wait_upcall(d, 0, &u, 20), -ETIMEDOUT);
    assert_int_equal(u, u0 + 1);
    /* vCPU 1 has no port and heard nothing. */
    assert_int_equal(sim_upcall_count(d, 1), 0);
}

static void test_singleshot_past(void **state)
{
    evtchn_port_t port = tt_bind_timer(d, 0);
    uint64_t u = sim_upcall_count(d, 0);

    (void)state;
    assert_int_equal(tt_singleshot(d, 0, 1), 0);
    assert_int_equal(sim_wait_upcall(d, 0, &u, WAIT_MS), 0);
    assert_true(ev_pending(d, port));
    /* Due "now" exactly is past too. */
    ev_guest_clear_all(d);
    assert_int_equal(tt_singleshot(d, 0, time_system_ns()), 0);
    assert_int_equal(sim_wait_upcall(d, 0, &u, WAIT_MS), 0);
    assert_true(ev_pending(d, port));
}

static void test_singleshot_replaced(void **state)
{
    evtchn_port_t port = tt_bind_timer(d, 0);
    uint64_t u0 = sim_upcall_count(d, 0), u = u0, deadline;

    (void)state;
    /* A deadline far off, then a near one: only the near one counts. */
    assert_int_equal(tt_singleshot(d, 0, time_system_ns() + 3600 * 1000 * MS),
                     0);
    deadline = time_system_ns() + 2 * MS;
    assert_int_equal(tt_singleshot(d, 0, deadline), 0);
    assert_int_equal(sim_wait_upcall(d, 0, &u, WAIT_MS), 0);
    assert_true(time_system_ns() >= deadline);
    assert_true(ev_pending(d, port));
    /* And a near one replaced by a far one never fires. */
    ev_guest_clear_all(d);
    u0 = u;
    deadline = time_system_ns() + 20 * MS;
    assert_int_equal(tt_singleshot(d, 0, deadline), 0);
    assert_int_equal(tt_singleshot(d, 0, time_system_ns() + 3600 * 1000 * MS),
                     0);
    if (time_system_ns() < deadline)
        assert_int_equal(sim_wait_upcall(d, 0, &u, 60), -ETIMEDOUT);
    assert_int_equal(tt_singleshot_stop(d, 0), 0);
    assert_true(vcpu_timers_idle(d->vcpus[0]));
}

static void test_singleshot_stop(void **state)
{
    uint64_t u0, u, deadline;

    (void)state;
    tt_bind_timer(d, 0);
    u0 = u = sim_upcall_count(d, 0);
    deadline = time_system_ns() + 20 * MS;
    assert_int_equal(tt_singleshot(d, 0, deadline), 0);
    assert_int_equal(tt_singleshot_stop(d, 0), 0);
    /* Stopped before its deadline (it cannot fire early), so nothing
     * comes; a test thread held up past the deadline proves nothing. */
    if (time_system_ns() < deadline) {
        assert_int_equal(sim_wait_upcall(d, 0, &u, 60), -ETIMEDOUT);
        assert_int_equal(u, u0);
    }
    assert_true(vcpu_timers_idle(d->vcpus[0]));
    /* Stopping a stopped timer is fine. */
    assert_int_equal(tt_singleshot_stop(d, 0), 0);
}

static void test_periodic(void **state)
{
    evtchn_port_t port = tt_bind_timer(d, 0);
    uint64_t u0 = sim_upcall_count(d, 0), u = u0, start = time_system_ns();
    unsigned int n;

    (void)state;
    assert_int_equal(tt_periodic(d, 0, 2 * MS), 0);
    /* The guest handles each tick, so the next raises an upcall again. */
    for (n = 0; n < 5; n++) {
        assert_int_equal(sim_wait_upcall(d, 0, &u, WAIT_MS), 0);
        assert_true(ev_pending(d, port));
        ev_guest_clear_all(d);
    }
    assert_true(u >= u0 + 5);
    /* The first tick is one period after the call. */
    assert_true(time_system_ns() >= start + 2 * MS);
    assert_int_equal(tt_periodic_stop(d, 0), 0);
    /* A tick whose callback was under way at the stop may still land:
     * wait it out the way domain_kill() does, then nothing more. */
    timer_kill(&d->vcpus[0]->periodic_timer);
    ev_guest_clear_all(d);
    u = sim_upcall_count(d, 0);
    assert_int_equal(sim_wait_upcall(d, 0, &u, 3 * 2 * 3), -ETIMEDOUT);
    assert_true(vcpu_timers_idle(d->vcpus[0]));
}

/* A tick with no VIRQ_TIMER bound is lost, harmlessly. */
static void test_unbound(void **state)
{
    uint64_t u = sim_upcall_count(d, 0);

    (void)state;
    assert_int_equal(tt_periodic(d, 0, MS), 0);
    assert_int_equal(tt_singleshot(d, 0, 1), 0);
    assert_int_equal(sim_wait_upcall(d, 0, &u, 20), -ETIMEDOUT);
    assert_int_equal(tt_periodic_stop(d, 0), 0);
}

static void test_kill_armed(void **state)
{
    uint64_t u0, u1;
    unsigned int i;

    (void)state;
    tt_bind_timer(d, 0);
    assert_int_equal(evtchn_bind_virq(d, VIRQ_TIMER, 1, &(evtchn_port_t){0}),
                     0);
    ev_guest_clear_all(d);
    u0 = sim_upcall_count(d, 0);
    u1 = sim_upcall_count(d, 1);
    /* Both timers of both vCPUs armed, and firing. */
    for (i = 0; i < 2; i++)
        assert_int_equal(tt_periodic(d, i, MS), 0);
    assert_int_equal(tt_singleshot(d, 1, 1), 0);
    assert_int_equal(tt_singleshot(d, 0, time_system_ns() + 3600 * 1000 * MS),
                     0);
    assert_int_equal(sim_wait_upcall(d, 0, &u0, WAIT_MS), 0);
    assert_int_equal(sim_wait_upcall(d, 1, &u1, WAIT_MS), 0);

    assert_int_equal(domain_kill(d), 0);
    /* Nothing queued or running once kill returned, and nothing comes. */
    for (i = 0; i < 2; i++)
        assert_true(vcpu_timers_idle(d->vcpus[i]));
    u0 = sim_upcall_count(d, 0);
    assert_int_equal(sim_wait_upcall(d, 0, &u0, 10), -ETIMEDOUT);
    /* A dying domain's guest arms nothing, and its calls still succeed. */
    assert_int_equal(tt_vop(d, 0, VCPUOP_stop_periodic_timer, 0, 0), 0);
    assert_true(vcpu_timers_idle(d->vcpus[0]));
    put_domain(d);
    d = NULL;
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_singleshot_fires),
        T(test_singleshot_past),
        T(test_singleshot_replaced),
        T(test_singleshot_stop),
        T(test_periodic),
        T(test_unbound),
        T(test_kill_armed),
    };
#undef T
    return cmocka_run_group_tests_name("time_timer", tests, NULL, NULL);
}
