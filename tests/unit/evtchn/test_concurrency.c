/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event channels under contention (suite "concurrency", run under TSan by
 * ./scripts/test --tsan). Domain A sends on NR_CHANNELS interdomain
 * channels to domain B from two host threads (A's two vCPUs) while, in B,
 * one thread masks ports the guest's way and unmasks them by hypercall,
 * another closes its ends and binds them again, and a guest-like consumer
 * clears upcall_pending, the selector and the unmasked pending bits it
 * handles, in the order a Linux guest does.
 *
 * When everything has stopped, no event may be lost: every port that is
 * pending and unmasked has its selector bit set and upcall_pending set,
 * and if upcall_pending is set the backend was told after the consumer
 * last cleared it. Then every channel still works end to end, and the
 * memory audit is clean.
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

#include "evtchn_test.h"
#include "xhv_test.h"

#define NR_CHANNELS  8
#define NR_REBOUND   4 /* the closer works on channels [0, NR_REBOUND) */
#define SENDS        4000
#define MASK_ROUNDS  1500
#define CLOSE_ROUNDS 300

static struct domain *da, *db;
static evtchn_port_t pa[NR_CHANNELS];
static evtchn_port_t pb[NR_CHANNELS]; /* atomic: the closer changes them */
static unsigned int failures;         /* atomic */
static bool stop;                     /* atomic */
static uint64_t consumer_last_count;  /* the consumer's own */

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
    da = hc_domain_create("ca", 4, 2);
    db = hc_domain_create("cb", 4, 2);
    for (i = 0; i < NR_CHANNELS; i++) {
        assert_int_equal(ev_alloc_unbound(da, (uint16_t)db->domid, &pa[i]), 0);
        assert_int_equal(
            ev_bind_interdomain(db, (uint16_t)da->domid, pa[i], &pb[i]), 0);
    }
    ev_guest_clear_all(db);
    failures = 0;
    stop = false;
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

static void *sender(void *arg)
{
    unsigned int vcpu = (unsigned int)(uintptr_t)arg, i;
    evtchn_port_t port;

    for (i = 0; i < SENDS; i++) {
        port = pa[(i + vcpu * 3) % NR_CHANNELS];
        /* Unbound while B re-binds: dropped, still 0. */
        fail_if(evop_as(da, vcpu, 0, EVTCHNOP_send, &port, sizeof(port)) != 0);
    }
    return NULL;
}

static void *masker(void *arg)
{
    evtchn_port_t port;
    unsigned int i;

    (void)arg;
    for (i = 0; i < MASK_ROUNDS; i++) {
        port = __atomic_load_n(&pb[i % NR_CHANNELS], __ATOMIC_SEQ_CST);
        ev_guest_mask(db, port, true);
        sched_yield();
        fail_if(evop_as(db, 0, 1, EVTCHNOP_unmask, &port, sizeof(port)) != 0);
    }
    return NULL;
}

static void *closer(void *arg)
{
    struct evtchn_bind_interdomain b;
    unsigned int i, k;
    evtchn_port_t port;

    (void)arg;
    for (i = 0; i < CLOSE_ROUNDS; i++) {
        k = i % NR_REBOUND;
        port = __atomic_load_n(&pb[k], __ATOMIC_SEQ_CST);
        fail_if(evop_as(db, 1, 1, EVTCHNOP_close, &port, sizeof(port)) != 0);
        b = (struct evtchn_bind_interdomain){.remote_dom = (uint16_t)da->domid,
                                             .remote_port = pa[k]};
        fail_if(evop_as(db, 1, 1, EVTCHNOP_bind_interdomain, &b, sizeof(b)) !=
                0);
        __atomic_store_n(&pb[k], b.local_port, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

/* One pass of a guest's upcall handler on vCPU 0. */
static void consume_once(void)
{
    struct xen_vcpu_info *vi = db->vcpus[0]->vcpu_info;
    struct xen_shared_info *si = ev_si(db);
    uint64_t sel, bits;
    unsigned int w;

    consumer_last_count = sim_upcall_count(db, 0);
    __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    for (w = 0; w < 64; w++) {
        if (!(sel >> w & 1))
            continue;
        bits = __atomic_load_n(&si->evtchn_pending[w], __ATOMIC_SEQ_CST) &
               ~__atomic_load_n(&si->evtchn_mask[w], __ATOMIC_SEQ_CST);
        __atomic_fetch_and(&si->evtchn_pending[w], ~bits, __ATOMIC_SEQ_CST);
    }
}

static void *consumer(void *arg)
{
    uint64_t seen = 0;

    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) {
        sim_wait_upcall(db, 0, &seen, 5);
        consume_once();
    }
    return NULL;
}

/* At rest: nothing pending and unmasked without the guest being told. */
static void assert_no_lost_event(void)
{
    struct xen_vcpu_info *vi = db->vcpus[0]->vcpu_info;
    struct xen_shared_info *si = ev_si(db);
    unsigned int w;

    for (w = 0; w < 64; w++) {
        uint64_t live = si->evtchn_pending[w] & ~si->evtchn_mask[w];

        assert_int_equal(si->evtchn_mask[w], 0);
        if (live) {
            assert_true(vi->evtchn_pending_sel >> w & 1);
            assert_int_equal(vi->evtchn_upcall_pending, 1);
        }
    }
    if (vi->evtchn_upcall_pending)
        assert_true(sim_upcall_count(db, 0) > consumer_last_count);
}

static void assert_channels_work(void)
{
    struct evtchn_status st;
    unsigned int i;

    ev_guest_clear_all(db);
    for (i = 0; i < NR_CHANNELS; i++) {
        assert_int_equal(ev_status(db, DOMID_SELF, pb[i], &st), 0);
        assert_int_equal(st.status, EVTCHNSTAT_interdomain);
        assert_int_equal(st.u.interdomain.port, pa[i]);
        assert_int_equal(ev_port_op(da, EVTCHNOP_send, pa[i]), 0);
        assert_true(ev_pending(db, pb[i]));
    }
}

static void test_send_mask_close_race(void **state)
{
    pthread_t s0, s1, m, c, r;

    (void)state;
    assert_int_equal(pthread_create(&r, NULL, consumer, NULL), 0);
    assert_int_equal(pthread_create(&s0, NULL, sender, (void *)0), 0);
    assert_int_equal(pthread_create(&s1, NULL, sender, (void *)1), 0);
    assert_int_equal(pthread_create(&m, NULL, masker, NULL), 0);
    assert_int_equal(pthread_create(&c, NULL, closer, NULL), 0);
    pthread_join(s0, NULL);
    pthread_join(s1, NULL);
    pthread_join(m, NULL);
    pthread_join(c, NULL);
    __atomic_store_n(&stop, true, __ATOMIC_SEQ_CST);
    pthread_join(r, NULL);
    assert_int_equal(failures, 0);
    assert_no_lost_event();
    assert_channels_work();
}

/* Sends racing the kill of their peer: every send returns 0 and the
 * surviving ends are unbound afterwards. */
static void *kill_sender(void *arg)
{
    unsigned int i;
    evtchn_port_t port;

    (void)arg;
    for (i = 0; i < SENDS; i++) {
        port = pa[i % NR_CHANNELS];
        fail_if(evop_as(da, 0, 0, EVTCHNOP_send, &port, sizeof(port)) != 0);
    }
    return NULL;
}

static void test_send_while_peer_dies(void **state)
{
    struct evtchn_status st;
    uint16_t b = (uint16_t)db->domid;
    struct domain *dead = db;
    pthread_t s;
    unsigned int i;

    (void)state;
    assert_int_equal(pthread_create(&s, NULL, kill_sender, NULL), 0);
    sched_yield();
    assert_int_equal(domain_kill(dead), 0);
    pthread_join(s, NULL);
    assert_int_equal(failures, 0);
    for (i = 0; i < NR_CHANNELS; i++) {
        assert_int_equal(ev_status(da, DOMID_SELF, pa[i], &st), 0);
        assert_int_equal(st.status, EVTCHNSTAT_unbound);
        assert_int_equal(st.u.unbound.dom, b);
    }
    put_domain(dead);
    db = hc_domain_create("cb2", 4, 2);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_send_mask_close_race),
        T(test_send_while_peer_dies),
    };
#undef T
    return cmocka_run_group_tests_name("evtchn_concurrency", tests, NULL, NULL);
}
