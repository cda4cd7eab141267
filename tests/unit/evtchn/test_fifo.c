/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The FIFO ABI on two sim domains: A (2-level, the sender) and B (FIFO,
 * two vCPUs). Every FIFO op with good and hostile arguments, the bit
 * protocol and the upcall rule checked word by word, the switch from
 * 2-level and back, a guest that corrupts, busies or balloons out its
 * pages, regression tests named after the bug classes Xen's FIFO code
 * has had (test_xsa_*), and a fault loop over init_control and
 * expand_array. Each test ends with a deep memory audit, which also
 * fails if a page reference taken here was never given back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "fifo_test.h"
#include "lib/fault.h"
#include "xhv_test.h"

static struct domain *da, *db;

static int setup(void **state)
{
    (void)state;
    hc_pair_setup("f", &da, &db);
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

/* B switches to FIFO: control blocks for both vCPUs, one array page. */
static void fifo_up(struct domain *d)
{
    assert_int_equal(fifo_init(d, 0), 0);
    assert_int_equal(fifo_init(d, 1), 0);
    assert_int_equal(fifo_expand(d, ARRAY_GFN), 0);
    assert_true(evtchn_is_fifo(d));
}

/* A's port and B's end bound to it; B's queue drained, upcall cleared
 * (binding makes B's new port pending, as in Xen). */
static void connect(evtchn_port_t *pa, evtchn_port_t *pb)
{
    assert_int_equal(ev_alloc_unbound(da, id(db), pa), 0);
    assert_int_equal(ev_bind_interdomain(db, id(da), *pa, pb), 0);
    while (fifo_guest_pop(db, 0, EVTCHN_FIFO_PRIORITY_DEFAULT))
        ;
    __atomic_and_fetch(fifo_word(db, *pb), ~W_PENDING, __ATOMIC_SEQ_CST);
    __atomic_store_n(&db->vcpus[0]->vcpu_info->evtchn_upcall_pending, 0,
                     __ATOMIC_SEQ_CST);
}

static long send(struct domain *d, evtchn_port_t p)
{
    return ev_port_op(d, EVTCHNOP_send, p);
}

static void test_fifo_init_control(void **state)
{
    struct evtchn_init_control ic;
    uint64_t overhead;

    (void)state;
    /* Hostile: no such vCPU, misaligned or overflowing offsets, gfns
     * that are not RAM or not there. None switches the domain. */
    assert_int_equal(fifo_init_control_at(db, 2, CB_GFN, 0, NULL), -ENOENT);
    assert_int_equal(fifo_init_control_at(db, UINT32_MAX, CB_GFN, 0, NULL),
                     -ENOENT);
    assert_int_equal(fifo_init_control_at(db, 0, CB_GFN, 4, NULL), -EINVAL);
    assert_int_equal(fifo_init_control_at(db, 0, CB_GFN, 4032, NULL), -EINVAL);
    assert_int_equal(fifo_init_control_at(db, 0, CB_GFN, 4096, NULL), -EINVAL);
    assert_int_equal(fifo_init_control_at(db, 0, CB_GFN, UINT32_MAX, NULL),
                     -EINVAL);
    assert_int_equal(
        fifo_init_control_at(db, 0, GPA_HOLE >> PAGE_SHIFT, 0, NULL), -EINVAL);
    assert_int_equal(fifo_init_control_at(db, 0, UINT64_MAX, 0, NULL), -EINVAL);
    assert_int_equal(fifo_init_control_at(db, 0, 1ULL << 40, 0, NULL), -EINVAL);
    assert_false(evtchn_is_fifo(db));
    /* The argument block in the hole. */
    assert_int_equal(hc_call(db, __HYPERVISOR_event_channel_op,
                             EVTCHNOP_init_control, GPA_HOLE, 0, 0, 0),
                     -EFAULT);

    /* The last offset that fits; link_bits comes back. */
    overhead = __atomic_load_n(&db->overhead_bytes, __ATOMIC_RELAXED);
    assert_int_equal(fifo_init_control_at(db, 0, CB_GFN, 4024, &ic), 0);
    assert_int_equal(ic.link_bits, EVTCHN_FIFO_LINK_BITS);
    assert_true(evtchn_is_fifo(db));
    assert_true(__atomic_load_n(&db->overhead_bytes, __ATOMIC_RELAXED) >
                overhead);
    /* Twice for one vCPU: -EINVAL, and the first stays. */
    assert_int_equal(fifo_init_control_at(db, 0, CB_GFN + 1, 0, NULL), -EINVAL);
    assert_int_equal(fifo_init_control_at(db, 1, CB_GFN + 1, 0, NULL), 0);
    /* Once for vCPU 1 too. */
    assert_int_equal(fifo_init_control_at(db, 1, CB_GFN + 1, 0, NULL), -EINVAL);
    /* A is untouched. */
    assert_false(evtchn_is_fifo(da));
}

static void test_fifo_expand_array(void **state)
{
    struct evtchn_port_info info;
    evtchn_port_t p;

    (void)state;
    /* Before init_control: -EOPNOTSUPP, as in Xen. */
    assert_int_equal(fifo_expand(db, ARRAY_GFN), -EOPNOTSUPP);
    assert_int_equal(fifo_init(db, 0), 0);
    assert_int_equal(fifo_expand(db, GPA_HOLE >> PAGE_SHIFT), -EINVAL);
    assert_int_equal(fifo_expand(db, UINT64_MAX), -EINVAL);
    assert_int_equal(ev_alloc_unbound(db, id(da), &p), 0);
    assert_int_equal(evtchn_port_info(db, p, &info), 0);
    assert_true(info.fifo);
    assert_false(info.has_word);
    assert_true(info.masked); /* no word: masked, as Xen reports it */
    assert_int_equal(fifo_expand(db, ARRAY_GFN), 0);
    assert_int_equal(evtchn_port_info(db, p, &info), 0);
    assert_true(info.has_word);
    assert_int_equal(info.priority, EVTCHN_FIFO_PRIORITY_DEFAULT);
    assert_false(info.linked);
    /* set_priority: range and port checked. */
    assert_int_equal(fifo_set_priority(db, p, EVTCHN_FIFO_PRIORITY_MIN + 1),
                     -EINVAL);
    assert_int_equal(fifo_set_priority(db, 5000, 0), -EINVAL);
    assert_int_equal(fifo_set_priority(db, p, 0), 0);
    assert_int_equal(evtchn_port_info(db, p, &info), 0);
    assert_int_equal(info.priority, 0);
}

static void test_fifo_send_links_queue(void **state)
{
    evtchn_port_t pa1, pb1, pa2, pb2;
    uint64_t u;

    (void)state;
    fifo_up(db);
    connect(&pa1, &pb1);
    connect(&pa2, &pb2);
    u = sim_upcall_count(db, 0);
    /* Empty queue -> non-empty: head, READY, upcall_pending, one upcall. */
    assert_int_equal(send(da, pa1), 0);
    assert_int_equal(fifo_w(db, pb1), W_PENDING | W_LINKED);
    assert_int_equal(fifo_head(db, 0, EVTCHN_FIFO_PRIORITY_DEFAULT), pb1);
    assert_int_equal(fifo_ready(db, 0), 1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
    assert_int_equal(ev_upcall_pending(db, 0), 1);
    assert_int_equal(sim_wait_upcall(db, 0, &u, 1000), 0);
    /* A second port is linked behind the first: no new upcall. */
    assert_int_equal(send(da, pa2), 0);
    assert_int_equal(fifo_w(db, pb1), W_PENDING | W_LINKED | pb2);
    assert_int_equal(fifo_w(db, pb2), W_PENDING | W_LINKED);
    assert_int_equal(sim_wait_upcall(db, 0, &u, 0), -ETIMEDOUT);
    /* Sending again on a linked port changes nothing. */
    assert_int_equal(send(da, pa1), 0);
    assert_int_equal(fifo_w(db, pb1), W_PENDING | W_LINKED | pb2);
    /* The guest drains the queue in order. */
    assert_int_equal(fifo_guest_pop(db, 0, EVTCHN_FIFO_PRIORITY_DEFAULT), pb1);
    assert_int_equal(fifo_guest_pop(db, 0, EVTCHN_FIFO_PRIORITY_DEFAULT), pb2);
    assert_int_equal(fifo_ready(db, 0), 0);
    /* Pending but consumed: a send re-links it as the new head. */
    __atomic_store_n(&db->vcpus[0]->vcpu_info->evtchn_upcall_pending, 0,
                     __ATOMIC_SEQ_CST);
    fifo_w_set(db, pb1, 0);
    assert_int_equal(send(da, pa1), 0);
    assert_int_equal(fifo_head(db, 0, EVTCHN_FIFO_PRIORITY_DEFAULT), pb1);
    assert_int_equal(sim_wait_upcall(db, 0, &u, 1000), 0);
    /* READY already set (the guest has not drained): no upcall even
     * though upcall_pending was cleared. */
    __atomic_store_n(&db->vcpus[0]->vcpu_info->evtchn_upcall_pending, 0,
                     __ATOMIC_SEQ_CST);
    assert_int_equal(send(da, pa2), 0);
    assert_int_equal(ev_upcall_pending(db, 0), 0);
    assert_int_equal(sim_wait_upcall(db, 0, &u, 0), -ETIMEDOUT);
    /* Nothing in the 2-level bits. */
    assert_false(ev_pending(db, pb1));
}

static void test_fifo_mask_unmask_priority_vcpu(void **state)
{
    evtchn_port_t pa, pb;
    struct evtchn_bind_vcpu bv;
    uint64_t u0, u1;

    (void)state;
    fifo_up(db);
    connect(&pa, &pb);
    u0 = sim_upcall_count(db, 0);
    /* Masked: PENDING only. */
    fifo_w_set(db, pb, W_MASKED);
    assert_int_equal(send(da, pa), 0);
    assert_int_equal(fifo_w(db, pb), W_PENDING | W_MASKED);
    assert_int_equal(fifo_ready(db, 0), 0);
    assert_int_equal(sim_wait_upcall(db, 0, &u0, 0), -ETIMEDOUT);
    /* EVTCHNOP_unmask links it. */
    assert_int_equal(ev_port_op(db, EVTCHNOP_unmask, pb), 0);
    assert_int_equal(fifo_w(db, pb), W_PENDING | W_LINKED);
    assert_int_equal(sim_wait_upcall(db, 0, &u0, 1000), 0);
    assert_int_equal(fifo_guest_pop(db, 0, EVTCHN_FIFO_PRIORITY_DEFAULT), pb);
    fifo_w_set(db, pb, 0);
    /* Priority 2 on vCPU 1. */
    assert_int_equal(fifo_set_priority(db, pb, 2), 0);
    bv = (struct evtchn_bind_vcpu){.port = pb, .vcpu = 1};
    assert_int_equal(evop(db, EVTCHNOP_bind_vcpu, &bv, sizeof(bv)), 0);
    u1 = sim_upcall_count(db, 1);
    assert_int_equal(send(da, pa), 0);
    assert_int_equal(fifo_head(db, 1, 2), pb);
    assert_int_equal(fifo_ready(db, 1), 1u << 2);
    assert_int_equal(fifo_ready(db, 0), 0);
    assert_int_equal(sim_wait_upcall(db, 1, &u1, 1000), 0);
    /* Closing clears PENDING only; the guest unlinks. */
    assert_int_equal(ev_port_op(db, EVTCHNOP_close, pb), 0);
    assert_int_equal(fifo_w(db, pb), W_LINKED);
}

/* Only vCPU 0 has a control block: an event for vCPU 1 is dropped, as
 * in Xen (a guest must not unmask before init_control). */
static void test_fifo_no_control_block(void **state)
{
    evtchn_port_t pa, pb;
    struct evtchn_bind_vcpu bv;

    (void)state;
    assert_int_equal(fifo_init(db, 0), 0);
    assert_int_equal(fifo_expand(db, ARRAY_GFN), 0);
    connect(&pa, &pb);
    bv = (struct evtchn_bind_vcpu){.port = pb, .vcpu = 1};
    assert_int_equal(evop(db, EVTCHNOP_bind_vcpu, &bv, sizeof(bv)), 0);
    assert_int_equal(send(da, pa), 0);
    assert_int_equal(fifo_w(db, pb), 0);
    assert_int_equal(ev_upcall_pending(db, 1), 0);
}

/* Pending 2-level events survive the switch, raised when the array
 * covers them; EVTCHNOP_reset goes back to 2-level and gives back every
 * page (the domain can then start FIFO again with the same pages). */
static void test_fifo_switch_and_reset(void **state)
{
    struct evtchn_reset r = {.dom = DOMID_SELF};
    evtchn_port_t pa, pb;
    uint64_t overhead;

    (void)state;
    assert_int_equal(ev_alloc_unbound(da, id(db), &pa), 0);
    assert_int_equal(ev_bind_interdomain(db, id(da), pa, &pb), 0);
    assert_true(ev_pending(db, pb)); /* 2-level, from the bind */
    overhead = __atomic_load_n(&db->overhead_bytes, __ATOMIC_RELAXED);
    assert_int_equal(fifo_init(db, 0), 0);
    assert_int_equal(fifo_w(db, pb), 0); /* no page yet: nothing written */
    assert_int_equal(fifo_expand(db, ARRAY_GFN), 0);
    assert_int_equal(fifo_w(db, pb), W_PENDING | W_LINKED);
    assert_int_equal(fifo_head(db, 0, EVTCHN_FIFO_PRIORITY_DEFAULT), pb);
    /* Expand to the limit. */
    assert_int_equal(fifo_expand(db, ARRAY_GFN + 1), 0);
    assert_int_equal(evop(db, EVTCHNOP_reset, &r, sizeof(r)), 0);
    assert_false(evtchn_is_fifo(db));
    assert_int_equal(__atomic_load_n(&db->overhead_bytes, __ATOMIC_RELAXED),
                     overhead);
    /* 2-level again: set_priority has gone, sends use shared_info. */
    assert_int_equal(fifo_set_priority(db, 1, 0), -ENOSYS);
    assert_int_equal(fifo_expand(db, ARRAY_GFN), -EOPNOTSUPP);
    ev_guest_clear_all(db);
    assert_int_equal(ev_alloc_unbound(da, id(db), &pa), 0);
    assert_int_equal(ev_bind_interdomain(db, id(da), pa, &pb), 0);
    ev_guest_clear_all(db);
    assert_int_equal(send(da, pa), 0);
    assert_true(ev_pending(db, pb));
    /* And FIFO again, on the same pages. */
    fifo_w_set(db, pb, 0);
    fifo_up(db);
    xt_assert_audit_clean();
}

/* The guest sets BUSY on the tail word (or clears it): xhv links past it
 * and clears it with the same swap; it never waits on BUSY. */
static void test_fifo_guest_busy(void **state)
{
    evtchn_port_t pa1, pb1, pa2, pb2;

    (void)state;
    fifo_up(db);
    connect(&pa1, &pb1);
    connect(&pa2, &pb2);
    assert_int_equal(send(da, pa1), 0);
    __atomic_fetch_or(fifo_word(db, pb1), W_BUSY, __ATOMIC_SEQ_CST);
    assert_int_equal(send(da, pa2), 0);
    assert_int_equal(fifo_w(db, pb1), W_PENDING | W_LINKED | pb2);
    /* BUSY on a word that is not a tail, and cleared at random: no
     * effect on delivery. */
    __atomic_fetch_or(fifo_word(db, pb2), W_BUSY, __ATOMIC_SEQ_CST);
    __atomic_fetch_and(fifo_word(db, pb1), ~W_BUSY, __ATOMIC_SEQ_CST);
    assert_int_equal(send(da, pa2), 0);
    assert_int_equal(fifo_w(db, pb2), W_PENDING | W_LINKED | W_BUSY);
}

/* A guest writing garbage everywhere: ready, heads, every word. Every
 * call still returns, and xhv's own state stays sane (the audit). */
static void test_fifo_guest_garbage(void **state)
{
    evtchn_port_t pa[4], pb[4];
    unsigned int i, round;

    (void)state;
    fifo_up(db);
    for (i = 0; i < 4; i++)
        connect(&pa[i], &pb[i]);
    for (round = 0; round < 64; round++) {
        uint32_t junk = 0x9e3779b9u * (round + 1);

        for (i = 0; i < EVTCHN_FIFO_WORDS_PER_PAGE; i++)
            fifo_w_set(db, (evtchn_port_t)i, junk ^ (i * 0x45d9f3bu));
        for (i = 0; i < EVTCHN_FIFO_MAX_QUEUES; i++)
            __atomic_store_n(&fifo_cb(db, 0)->head[i], junk, __ATOMIC_SEQ_CST);
        __atomic_store_n(&fifo_cb(db, 0)->ready, junk, __ATOMIC_SEQ_CST);
        for (i = 0; i < 4; i++) {
            assert_int_equal(send(da, pa[i]), 0);
            assert_int_equal(ev_port_op(db, EVTCHNOP_unmask, pb[i]), 0);
            assert_true(fifo_w(db, pb[i]) & W_PENDING);
        }
    }
}

/* A LINK cycle (a -> b -> a, both LINKED) and a self-loop: xhv never
 * follows LINK, so every send returns at once and links only behind
 * its own queue's tail. */
static void test_xsa_link_recursion_bounded(void **state)
{
    evtchn_port_t pa[3], pb[3];
    unsigned int i;

    (void)state;
    fifo_up(db);
    for (i = 0; i < 3; i++)
        connect(&pa[i], &pb[i]);
    assert_int_equal(send(da, pa[0]), 0);
    assert_int_equal(send(da, pa[1]), 0);
    /* Cycle: pb1 -> pb0 as well as pb0 -> pb1. */
    fifo_w_set(db, pb[1], W_PENDING | W_LINKED | pb[0]);
    fifo_w_set(db, pb[0], W_PENDING | W_LINKED | pb[0]); /* self-loop */
    for (i = 0; i < 1000; i++)
        assert_int_equal(send(da, pa[2]), 0);
    /* pb2 went behind the tail (pb1), replacing the guest's LINK. */
    assert_int_equal(fifo_w(db, pb[1]), W_PENDING | W_LINKED | pb[2]);
    assert_int_equal(fifo_w(db, pb[0]), W_PENDING | W_LINKED | pb[0]);
    /* A LINK past the array, or to port 0: still only the guest's. */
    fifo_w_set(db, pb[2], W_PENDING | W_LINKED | EVTCHN_FIFO_LINK_MASK);
    assert_int_equal(send(da, pa[0]), 0);
    assert_int_equal(send(da, pa[1]), 0);
}

/* The array page, then the control block, ballooned out while ports are
 * bound: sends go on returning 0, the guest loses only its own events,
 * and the pages are freed when the domain dies (audit at teardown). */
static void test_fifo_unmap_pages_while_bound(void **state)
{
    evtchn_port_t pa, pb;
    event_word_t *w;

    (void)state;
    fifo_up(db);
    connect(&pa, &pb);
    w = (event_word_t *)fifo_gfn_virt(db, ARRAY_GFN) + pb;
    assert_int_equal(fifo_balloon_out(db, ARRAY_GFN), 1);
    assert_null(p2m_gfn_to_virt(&db->p2m, ARRAY_GFN));
    assert_int_equal(send(da, pa), 0);
    /* xhv still writes the page it holds, which the guest cannot see. */
    assert_int_equal(__atomic_load_n(w, __ATOMIC_SEQ_CST),
                     W_PENDING | W_LINKED);
    assert_int_equal(fifo_balloon_out(db, CB_GFN), 1);
    __atomic_store_n(w, 0, __ATOMIC_SEQ_CST);
    assert_int_equal(send(da, pa), 0);
    assert_int_equal(ev_port_op(db, EVTCHNOP_unmask, pb), 0);
    assert_int_equal(ev_port_op(db, EVTCHNOP_close, pb), 0);
    /* A is unaffected and so is the machine. */
    xt_assert_audit_clean();
    /* Killing B releases the last references to both pages. */
    hc_domain_destroy(db);
    db = NULL;
}

/* Ballooned out, then reset: the reset's put is the page's last. */
static void test_fifo_unmap_then_reset(void **state)
{
    struct evtchn_reset r = {.dom = DOMID_SELF};

    (void)state;
    fifo_up(db);
    assert_int_equal(fifo_balloon_out(db, ARRAY_GFN), 1);
    assert_int_equal(fifo_balloon_out(db, CB_GFN + 1), 1);
    assert_int_equal(evop(db, EVTCHNOP_reset, &r, sizeof(r)), 0);
    assert_false(evtchn_is_fifo(db));
    xt_assert_audit_clean();
    /* Those gfns are holes now: init_control on them fails. */
    assert_int_equal(fifo_init_control_at(db, 1, CB_GFN + 1, 0, NULL), -EINVAL);
    assert_int_equal(fifo_init(db, 0), 0);
    assert_int_equal(fifo_expand(db, ARRAY_GFN), -EINVAL);
}

/* expand_array is bounded: four pages cover the domain's 4096 ports, a
 * fifth and every later one is -ENOSPC and takes no page or memory. */
static void test_xsa_unbounded_memory_per_domain(void **state)
{
    uint64_t overhead;
    unsigned int i;

    (void)state;
    assert_int_equal(fifo_init(db, 0), 0);
    for (i = 0; i < EVTCHN_FIFO_MAX_ARRAY_PAGES; i++)
        assert_int_equal(fifo_expand(db, ARRAY_GFN + i), 0);
    overhead = __atomic_load_n(&db->overhead_bytes, __ATOMIC_RELAXED);
    for (i = 0; i < 1000; i++)
        assert_int_equal(fifo_expand(db, ARRAY_GFN + 4 + i % 8), -ENOSPC);
    assert_int_equal(__atomic_load_n(&db->overhead_bytes, __ATOMIC_RELAXED),
                     overhead);
    /* Each of those pages can still be ballooned out and freed, so none
     * kept a stray reference. */
    for (i = 0; i < 8; i++)
        assert_int_equal(fifo_balloon_out(db, ARRAY_GFN + 4 + i), 1);
    xt_assert_audit_clean();
}

/* A port closed while still LINKED is not handed out again until the
 * guest has unlinked it (Xen's is_busy); the queue stays one chain. */
static void test_xsa_close_while_linked(void **state)
{
    evtchn_port_t pa1, pb1, pa2, pb2, p;

    (void)state;
    fifo_up(db);
    connect(&pa1, &pb1);
    assert_int_equal(send(da, pa1), 0);
    assert_int_equal(ev_port_op(db, EVTCHNOP_close, pb1), 0);
    assert_int_equal(fifo_w(db, pb1), W_LINKED);
    /* Rebinding: a different port. */
    assert_int_equal(ev_alloc_unbound(da, id(db), &pa2), 0);
    assert_int_equal(ev_bind_interdomain(db, id(da), pa2, &pb2), 0);
    assert_int_not_equal(pb2, pb1);
    /* The new port was linked behind the stale one: one chain. */
    assert_int_equal(fifo_w(db, pb1), W_LINKED | pb2);
    assert_int_equal(fifo_guest_pop(db, 0, EVTCHN_FIFO_PRIORITY_DEFAULT), pb1);
    assert_int_equal(fifo_guest_pop(db, 0, EVTCHN_FIFO_PRIORITY_DEFAULT), pb2);
    /* Unlinked now: the port may be reused. */
    assert_int_equal(ev_alloc_unbound(db, id(da), &p), 0);
    assert_int_equal(p, pb1);
}

/* set_priority (or bind_vcpu) while the port is LINKED and the tail of
 * its old queue: once the guest consumes it and it is linked on its new
 * queue, the old queue must forget it, or the next event on the old
 * queue would be chained into the new one. */
static void test_xsa_set_priority_while_linked(void **state)
{
    evtchn_port_t pa1, pb1, pa2, pb2;
    const unsigned int def = EVTCHN_FIFO_PRIORITY_DEFAULT;

    (void)state;
    fifo_up(db);
    connect(&pa1, &pb1);
    connect(&pa2, &pb2);
    assert_int_equal(send(da, pa1), 0); /* pb1: tail of queue 7 */
    assert_int_equal(fifo_set_priority(db, pb1, 3), 0);
    /* Already linked: stays where it is. */
    assert_int_equal(send(da, pa1), 0);
    assert_int_equal(fifo_head(db, 0, def), pb1);
    assert_int_equal(fifo_guest_pop(db, 0, def), pb1);
    /* Relinked on queue 3. */
    assert_int_equal(send(da, pa1), 0);
    assert_int_equal(fifo_head(db, 0, 3), pb1);
    /* pb2 on queue 7 must start a new chain there, not follow pb1. */
    assert_int_equal(send(da, pa2), 0);
    assert_int_equal(fifo_head(db, 0, def), pb2);
    assert_int_equal(fifo_w(db, pb1) & EVTCHN_FIFO_LINK_MASK, 0);
    assert_int_equal(fifo_ready(db, 0), (1u << 3) | (1u << def));

    /* The same with a move to vCPU 1 (bind_vcpu). */
    struct evtchn_bind_vcpu bv = {.port = pb2, .vcpu = 1};

    assert_int_equal(evop(db, EVTCHNOP_bind_vcpu, &bv, sizeof(bv)), 0);
    assert_int_equal(fifo_guest_pop(db, 0, def), pb2);
    assert_int_equal(send(da, pa2), 0);
    assert_int_equal(fifo_head(db, 1, def), pb2);
    assert_int_equal(fifo_set_priority(db, pb1, def), 0);
    assert_int_equal(fifo_guest_pop(db, 0, 3), pb1);
    assert_int_equal(send(da, pa1), 0);
    assert_int_equal(fifo_head(db, 0, def), pb1);
    assert_int_equal(fifo_w(db, pb2) & EVTCHN_FIFO_LINK_MASK, 0);
}

/*
 * expand_array racing sends: a host thread sends on ports spread over
 * all four pages while B's vCPU adds the pages one at a time. An event
 * for a port whose page is not there yet is kept and raised by the
 * expand that brings it, so every port ends PENDING.
 */
#define RACE_PORTS 40

static evtchn_port_t race_pa[RACE_PORTS], race_pb[RACE_PORTS];
static unsigned int race_errors; /* atomic */

static void *race_sender(void *arg)
{
    unsigned int round, i;

    (void)arg;
    for (round = 0; round < 50; round++)
        for (i = 0; i < RACE_PORTS; i++)
            if (evop_as(da, 1, 1, EVTCHNOP_send, &race_pa[i],
                        sizeof(race_pa[i])) != 0)
                __atomic_add_fetch(&race_errors, 1, __ATOMIC_RELAXED);
    return NULL;
}

static void test_xsa_race_expand_vs_send(void **state)
{
    pthread_t t;
    unsigned int i;

    (void)state;
    /* Ports up to ~4000: every array page gets some. */
    for (i = 0; i < RACE_PORTS; i++) {
        unsigned int k;

        assert_int_equal(ev_alloc_unbound(da, id(db), &race_pa[i]), 0);
        assert_int_equal(
            ev_bind_interdomain(db, id(da), race_pa[i], &race_pb[i]), 0);
        for (k = 0; k < 95; k++) { /* spread: burn ports in between */
            evtchn_port_t x;

            assert_int_equal(ev_alloc_unbound(db, id(db), &x), 0);
        }
    }
    assert_true(race_pb[RACE_PORTS - 1] >= 3 * EVTCHN_FIFO_WORDS_PER_PAGE);
    /* Only sends may make them pending (not the binds, in 2-level). */
    ev_guest_clear_all(db);
    assert_int_equal(fifo_init(db, 0), 0);
    assert_int_equal(fifo_init(db, 1), 0);
    race_errors = 0;
    assert_int_equal(pthread_create(&t, NULL, race_sender, NULL), 0);
    for (i = 0; i < EVTCHN_FIFO_MAX_ARRAY_PAGES; i++)
        assert_int_equal(fifo_expand(db, ARRAY_GFN + i), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(race_errors, 0);
    for (i = 0; i < RACE_PORTS; i++)
        assert_true(fifo_w(db, race_pb[i]) & W_PENDING);
}

/* The fault loop: init_control on both vCPUs and two array pages, every
 * allocation and page reference failing in turn. */
static int fifo_scenario(void *ctx)
{
    long rc;

    (void)ctx;
    rc = fifo_init(db, 0);
    if (!rc)
        rc = fifo_init(db, 1);
    if (!rc)
        rc = fifo_expand(db, ARRAY_GFN);
    if (!rc)
        rc = fifo_expand(db, ARRAY_GFN + 1);
    return (int)rc;
}

static void fifo_check(void *ctx, int rc)
{
    struct evtchn_reset r = {.dom = DOMID_SELF};

    (void)ctx;
    if (rc)
        assert_true(rc == -ENOMEM || rc == -EINVAL);
    assert_int_equal(evop(db, EVTCHNOP_reset, &r, sizeof(r)), 0);
    assert_false(evtchn_is_fifo(db));
    xt_assert_audit_clean();
}

static void test_fifo_fault_loop(void **state)
{
    unsigned long points;

    (void)state;
    points = xt_fault_loop("*", fifo_scenario, fifo_check, NULL);
    /* The FIFO state, and a page type reference per page. */
    assert_true(points >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_fifo_init_control),
        T(test_fifo_expand_array),
        T(test_fifo_send_links_queue),
        T(test_fifo_mask_unmask_priority_vcpu),
        T(test_fifo_no_control_block),
        T(test_fifo_switch_and_reset),
        T(test_fifo_guest_busy),
        T(test_fifo_guest_garbage),
        T(test_xsa_link_recursion_bounded),
        T(test_fifo_unmap_pages_while_bound),
        T(test_fifo_unmap_then_reset),
        T(test_xsa_unbounded_memory_per_domain),
        T(test_xsa_close_while_linked),
        T(test_xsa_set_priority_while_linked),
        T(test_xsa_race_expand_vs_send),
        T(test_fifo_fault_loop),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
