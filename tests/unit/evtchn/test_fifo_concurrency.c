/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * FIFO and 2-level under contention (suite "concurrency", run under TSan
 * by ./scripts/test --tsan). Domain B uses FIFO, domain A 2-level; they
 * share NR_CHANNELS interdomain channels. At once:
 *   - two host threads send A -> B, one sends B -> A;
 *   - B's vCPU 0 (a sim vCPU thread) consumes its queues as Linux does;
 *   - B's vCPU 1 (a sim vCPU thread) polls some ports with short
 *     timeouts;
 *   - a host thread masks B's ports the guest's way and unmasks them by
 *     hypercall, and sets their priorities;
 *   - a host thread closes B's ends of some channels and binds them
 *     again;
 *   - a host thread plays A's guest, clearing its 2-level bits.
 * When everything has stopped, no event may be lost: after unmasking
 * every port and draining every queue, no port is left LINKED or
 * pending-and-unmasked, and every channel still works end to end.
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

#include "fifo_test.h"
#include "time/time.h"
#include "xhv_test.h"

#define NR_CHANNELS  8
#define NR_REBOUND   3 /* the closer works on channels [0, NR_REBOUND) */
#define SENDS        3000
#define MASK_ROUNDS  1000
#define CLOSE_ROUNDS 200

static struct domain *da, *db;
static evtchn_port_t pa[NR_CHANNELS];
static evtchn_port_t pb[NR_CHANNELS]; /* atomic: the closer changes them */
static bool stop;                     /* atomic */
static unsigned int failures;         /* atomic */
/* The consumer's own (Linux keeps these per CPU); the main thread uses
 * them once the consumer has been joined. */
static uint32_t local_head[EVTCHN_FIFO_MAX_QUEUES];
static uint64_t consumed;

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
    da = hc_domain_create("ka", 4, 2);
    db = hc_domain_create("kb", 4, 2);
    assert_int_equal(fifo_init(db, 0), 0);
    assert_int_equal(fifo_init(db, 1), 0);
    assert_int_equal(fifo_expand(db, ARRAY_GFN), 0);
    for (i = 0; i < NR_CHANNELS; i++) {
        assert_int_equal(ev_alloc_unbound(da, (uint16_t)db->domid, &pa[i]), 0);
        assert_int_equal(
            ev_bind_interdomain(db, (uint16_t)da->domid, pa[i], &pb[i]), 0);
    }
    memset(local_head, 0, sizeof(local_head));
    consumed = 0;
    stop = false;
    failures = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hc_domain_destroy(da);
    hc_domain_destroy(db);
    xt_assert_audit_clean();
    xt_mm_teardown();
    return 0;
}

/* Linux's consume_one_event() for queue q of B's vCPU 0. */
static void consume_one(unsigned int q, uint32_t *ready)
{
    struct evtchn_fifo_control_block *cb = fifo_cb(db, 0);
    uint32_t head = local_head[q];
    event_word_t *w, old, new;

    if (!head)
        head = __atomic_load_n(&cb->head[q], __ATOMIC_SEQ_CST);
    if (!head || head >= EVTCHN_FIFO_WORDS_PER_PAGE) {
        *ready &= ~(1u << q);
        local_head[q] = 0;
        return;
    }
    w = fifo_word(db, head);
    old = __atomic_load_n(w, __ATOMIC_SEQ_CST);
    do {
        new = old & ~(W_LINKED | EVTCHN_FIFO_LINK_MASK);
    } while (!__atomic_compare_exchange_n(w, &old, new, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    local_head[q] = old & EVTCHN_FIFO_LINK_MASK;
    if (!local_head[q])
        *ready &= ~(1u << q);
    /* Handling an event acknowledges it first: clear PENDING. */
    if ((old & W_PENDING) && !(old & W_MASKED)) {
        __atomic_fetch_and(w, ~W_PENDING, __ATOMIC_SEQ_CST);
        consumed++;
    }
}

/* Linux's __evtchn_fifo_handle_events(). */
static void drain(void)
{
    struct evtchn_fifo_control_block *cb = fifo_cb(db, 0);
    uint32_t ready;
    unsigned int q, steps = 0;

    __atomic_store_n(&db->vcpus[0]->vcpu_info->evtchn_upcall_pending, 0,
                     __ATOMIC_SEQ_CST);
    ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    while (ready && steps++ < 100000) {
        for (q = 0; !(ready & (1u << q)); q++)
            ;
        consume_one(q, &ready);
        ready |= __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    }
    fail_if(ready != 0);
}

static void consumer_guest(struct sim_vcpu *sv, void *arg)
{
    (void)sv, (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
        drain();
}

static void poller_guest(struct sim_vcpu *sv, void *arg)
{
    struct sched_poll sp = {.ports = 0x30100, .nr_ports = 2};
    long rc;

    (void)arg;
    __atomic_store_n(&sim_vcpu(sv)->vcpu_info->evtchn_upcall_mask, 1,
                     __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        evtchn_port_t ports[2] = {
            __atomic_load_n(&pb[NR_CHANNELS - 1], __ATOMIC_RELAXED),
            __atomic_load_n(&pb[NR_CHANNELS - 2], __ATOMIC_RELAXED)};

        sp.timeout = time_system_ns() + 2000000ULL;
        memcpy(sim_gpa(sv, 0x30100, sizeof(ports)), ports, sizeof(ports));
        memcpy(sim_gpa(sv, 0x30000, sizeof(sp)), &sp, sizeof(sp));
        rc = sim_hypercall(sv, __HYPERVISOR_sched_op, SCHEDOP_poll, 0x30000, 0,
                           0, 0);
        fail_if(rc != 0);
    }
}

static void *sender_ab(void *arg)
{
    unsigned int vcpu = (unsigned int)(uintptr_t)arg, i;

    for (i = 0; i < SENDS; i++) {
        evtchn_port_t p = pa[i % NR_CHANNELS];

        fail_if(evop_as(da, vcpu, 1, EVTCHNOP_send, &p, sizeof(p)) != 0);
    }
    return NULL;
}

static void *sender_ba(void *arg)
{
    unsigned int i;

    (void)arg;
    for (i = 0; i < SENDS; i++) {
        evtchn_port_t p = __atomic_load_n(
            &pb[NR_REBOUND + i % (NR_CHANNELS - NR_REBOUND)], __ATOMIC_RELAXED);

        fail_if(evop_as(db, 1, 1, EVTCHNOP_send, &p, sizeof(p)) != 0);
    }
    return NULL;
}

static void *masker(void *arg)
{
    unsigned int i;

    (void)arg;
    for (i = 0; i < MASK_ROUNDS; i++) {
        unsigned int c = NR_REBOUND + i % (NR_CHANNELS - NR_REBOUND);
        evtchn_port_t p = pb[c];
        struct evtchn_set_priority sp = {.port = p, .priority = i % 16};

        __atomic_fetch_or(fifo_word(db, p), W_MASKED, __ATOMIC_SEQ_CST);
        fail_if(evop_as(db, 1, 2, EVTCHNOP_set_priority, &sp, sizeof(sp)) != 0);
        fail_if(evop_as(db, 1, 3, EVTCHNOP_unmask, &p, sizeof(p)) != 0);
    }
    return NULL;
}

static void *closer(void *arg)
{
    unsigned int i;

    (void)arg;
    for (i = 0; i < CLOSE_ROUNDS; i++) {
        unsigned int c = i % NR_REBOUND;
        evtchn_port_t p = __atomic_load_n(&pb[c], __ATOMIC_RELAXED);
        struct evtchn_bind_interdomain b = {.remote_dom = (uint16_t)da->domid,
                                            .remote_port = pa[c]};

        fail_if(evop_as(db, 1, 4, EVTCHNOP_close, &p, sizeof(p)) != 0);
        fail_if(evop_as(db, 1, 4, EVTCHNOP_bind_interdomain, &b, sizeof(b)) !=
                0);
        __atomic_store_n(&pb[c], b.local_port, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void *a_guest(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        ev_guest_clear_all(da);
        sched_yield();
    }
    return NULL;
}

static void test_fifo_2l_stress(void **state)
{
    pthread_t workers[5], ag;
    unsigned int i;
    evtchn_port_t p;

    (void)state;
    assert_int_equal(sim_vcpu_start(db, 0, consumer_guest, NULL), 0);
    assert_int_equal(sim_vcpu_start(db, 1, poller_guest, NULL), 0);
    assert_int_equal(pthread_create(&ag, NULL, a_guest, NULL), 0);
    assert_int_equal(pthread_create(&workers[0], NULL, sender_ab, (void *)0),
                     0);
    assert_int_equal(pthread_create(&workers[1], NULL, sender_ab, (void *)1),
                     0);
    assert_int_equal(pthread_create(&workers[2], NULL, sender_ba, NULL), 0);
    assert_int_equal(pthread_create(&workers[3], NULL, masker, NULL), 0);
    assert_int_equal(pthread_create(&workers[4], NULL, closer, NULL), 0);
    for (i = 0; i < 5; i++)
        assert_int_equal(pthread_join(workers[i], NULL), 0);
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    assert_int_equal(sim_vcpu_join(db, 0, 10000), 0);
    assert_int_equal(sim_vcpu_join(db, 1, 10000), 0);
    assert_int_equal(pthread_join(ag, NULL), 0);
    assert_int_equal(__atomic_load_n(&failures, __ATOMIC_RELAXED), 0);
    assert_true(consumed > 0);

    /* Quiet now. Unmask everything (delivering what waited), drain. */
    for (i = 0; i < NR_CHANNELS; i++)
        assert_int_equal(ev_port_op(db, EVTCHNOP_unmask, pb[i]), 0);
    drain();
    for (p = 1; p < EVTCHN_FIFO_WORDS_PER_PAGE; p++) {
        event_word_t w = fifo_w(db, p);

        assert_false(w & W_LINKED);
        assert_false((w & W_PENDING) && !(w & W_MASKED));
    }
    /* Every channel still works, with one upcall per empty queue. */
    for (i = 0; i < NR_CHANNELS; i++) {
        uint64_t u = sim_upcall_count(db, 0);

        assert_int_equal(ev_port_op(da, EVTCHNOP_send, pa[i]), 0);
        assert_true(fifo_w(db, pb[i]) & W_LINKED);
        assert_int_equal(sim_wait_upcall(db, 0, &u, 1000), 0);
        drain();
        assert_false(fifo_w(db, pb[i]) & (W_LINKED | W_PENDING));
    }
    assert_int_equal(__atomic_load_n(&failures, __ATOMIC_RELAXED), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fifo_2l_stress, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
