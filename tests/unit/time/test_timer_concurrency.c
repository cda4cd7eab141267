/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vCPU timers under contention (suite "concurrency", run under TSan by
 * ./scripts/test --tsan).
 *
 * test_arm_race: one host thread per vCPU sets, replaces and stops its
 * vCPU's singleshot and periodic timers through the hypercall dispatcher
 * while the timer thread fires them and a guest-like consumer clears the
 * events. Afterwards every timer still works end to end.
 *
 * test_kill_race: the same threads arm through the domain layer (as a
 * hypercall does, under the domain lock) while the main thread kills the
 * domain. After the kill no timer may be armed or running, whatever the
 * threads did meanwhile, and freeing the vCPUs is clean (ASan, the audit).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "time/timer.h"
#include "timer_test.h"
#include "xhv_test.h"

#define NR_VCPUS 4
#define ROUNDS   400
#define WAIT_MS  2000

static struct domain *d;
static unsigned int failures;           /* atomic */
static bool stop;                       /* atomic */
static unsigned int progress[NR_VCPUS]; /* atomic: rounds done per thread */

static void fail_if(bool bad)
{
    if (bad)
        __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
}

static int setup(void **state)
{
    unsigned int i;

    (void)state;
    xt_mm_setup(64, 4);
    d = hc_domain_create("tc", 4, NR_VCPUS);
    for (i = 0; i < NR_VCPUS; i++)
        tt_bind_timer(d, i);
    failures = 0;
    stop = false;
    memset(progress, 0, sizeof(progress));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (d)
        hc_domain_destroy(d);
    d = NULL;
    xt_assert_audit_clean();
    xt_mm_teardown();
    assert_int_equal(timers_shutdown(), 0);
    return 0;
}

/* A small per-thread generator, so the threads share no state. */
static unsigned int next_rand(unsigned int *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 16;
}

static void *arm_thread(void *arg)
{
    unsigned int v = (unsigned int)(uintptr_t)arg, seed = v + 1, r;

    for (r = 0; r < ROUNDS; r++) {
        uint64_t now = time_system_ns();

        switch (next_rand(&seed) % 5) {
        case 0:
            fail_if(tt_singleshot(d, v, now + (next_rand(&seed) % 3) * MS));
            break;
        case 1:
            fail_if(tt_singleshot(d, v, 1));
            break;
        case 2:
            fail_if(tt_singleshot_stop(d, v));
            break;
        case 3:
            fail_if(tt_periodic(d, v, MS));
            break;
        default:
            fail_if(tt_periodic_stop(d, v));
            break;
        }
    }
    return NULL;
}

/* What a guest does on upcalls: clear, until told to stop. */
static void *consumer_thread(void *arg)
{
    uint64_t u = 0;

    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        sim_wait_upcall(d, 0, &u, 5);
        ev_guest_clear_all(d);
    }
    return NULL;
}

static void test_arm_race(void **state)
{
    pthread_t t[NR_VCPUS], c;
    uint64_t u;
    unsigned int i;

    (void)state;
    assert_int_equal(pthread_create(&c, NULL, consumer_thread, NULL), 0);
    for (i = 0; i < NR_VCPUS; i++)
        assert_int_equal(
            pthread_create(&t[i], NULL, arm_thread, (void *)(uintptr_t)i), 0);
    for (i = 0; i < NR_VCPUS; i++)
        pthread_join(t[i], NULL);
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    pthread_join(c, NULL);
    assert_int_equal(failures, 0);

    /* Quiet everything, then every vCPU's timers still work. */
    for (i = 0; i < NR_VCPUS; i++) {
        assert_int_equal(tt_singleshot_stop(d, i), 0);
        assert_int_equal(tt_periodic_stop(d, i), 0);
        vcpu_timers_kill(d->vcpus[i]);
    }
    for (i = 0; i < NR_VCPUS; i++) {
        ev_guest_clear_all(d);
        u = sim_upcall_count(d, i);
        assert_int_equal(tt_singleshot(d, i, time_system_ns() + MS), 0);
        assert_int_equal(sim_wait_upcall(d, i, &u, WAIT_MS), 0);
        ev_guest_clear_all(d);
        assert_int_equal(tt_periodic(d, i, MS), 0);
        assert_int_equal(sim_wait_upcall(d, i, &u, WAIT_MS), 0);
        assert_int_equal(tt_periodic_stop(d, i), 0);
    }
    /* hc_domain_destroy() in teardown kills with whatever is left. */
}

/* Arms v's timers the way the hypercalls do, until told to stop. */
static void *kill_arm_thread(void *arg)
{
    unsigned int v = (unsigned int)(uintptr_t)arg, seed = v + 7;
    struct vcpu *vc = d->vcpus[v];

    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        domain_lock(d);
        vc->singleshot_deadline =
            time_system_ns() + (next_rand(&seed) % 2) * MS;
        vc->singleshot_armed = true;
        fail_if(vcpu_singleshot_update(vc) != 0);
        vc->periodic_ns = MS;
        fail_if(vcpu_periodic_update(vc, time_system_ns()) != 0);
        domain_unlock(d);
        __atomic_add_fetch(&progress[v], 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

/* Waits (yielding, bounded) until every thread has done rounds more. */
static void wait_progress(unsigned int rounds)
{
    unsigned int start[NR_VCPUS], i;
    uint64_t until = time_system_ns() + 10ULL * WAIT_MS * MS;

    for (i = 0; i < NR_VCPUS; i++)
        start[i] = __atomic_load_n(&progress[i], __ATOMIC_ACQUIRE);
    for (i = 0; i < NR_VCPUS; i++)
        while (__atomic_load_n(&progress[i], __ATOMIC_ACQUIRE) - start[i] <
               rounds) {
            assert_true(time_system_ns() < until);
            sched_yield();
        }
}

static void test_kill_race(void **state)
{
    pthread_t t[NR_VCPUS];
    uint64_t u = sim_upcall_count(d, 0);
    unsigned int i;

    (void)state;
    for (i = 0; i < NR_VCPUS; i++)
        assert_int_equal(
            pthread_create(&t[i], NULL, kill_arm_thread, (void *)(uintptr_t)i),
            0);
    /* Timers are firing when the kill comes. */
    assert_int_equal(sim_wait_upcall(d, 0, &u, WAIT_MS), 0);
    wait_progress(50);
    assert_int_equal(domain_kill(d), 0);
    /* The threads go on trying to arm a dying domain's timers. */
    wait_progress(50);
    for (i = 0; i < NR_VCPUS; i++)
        assert_true(vcpu_timers_idle(d->vcpus[i]));
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    for (i = 0; i < NR_VCPUS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(failures, 0);
    for (i = 0; i < NR_VCPUS; i++)
        assert_true(vcpu_timers_idle(d->vcpus[i]));
    put_domain(d);
    d = NULL;
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_arm_race),
        T(test_kill_race),
    };
#undef T
    return cmocka_run_group_tests_name("time_timer_concurrency", tests, NULL,
                                       NULL);
}
