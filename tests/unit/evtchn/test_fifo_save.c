/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The FIFO state across a save and a restore (src/evtchn/fifo_save.c), as
 * live update and migration use it, on two sim domains: A is saved, B is
 * the fresh domain it is restored into (given A's FIFO pages, as a
 * migration gives it A's memory). The record round-trips; a restored
 * queue goes on where it was (a later event is linked behind the carried
 * tail; a port moved to another queue is unhooked from the old one); an
 * event held for a port the array does not cover, or while the state was
 * frozen, is carried and raised; every refusal leaves B 2-level with no
 * page held; the pages named to a dirty log are exactly the FIFO's. A
 * fault loop runs the restore with each allocation and page reference
 * failing in turn. Each test ends with a deep memory audit.
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
#include "xhv/public/liveupdate.h"
#include "xhv/public/vcpu.h"
#include "xhv_test.h"

#define MAX_PORTS 1100
#define Q_DEF     EVTCHN_FIFO_PRIORITY_DEFAULT

static struct domain *da, *db;

static int setup(void **state)
{
    (void)state;
    hc_pair_setup("s", &da, &db);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hc_pair_teardown(&da, &db);
    return 0;
}

/* FIFO on both vCPUs (control block of v at CB_GFN + v), pages array
 * pages at ARRAY_GFN.. */
static void fifo_up(struct domain *d, unsigned int pages)
{
    unsigned int i;

    assert_int_equal(fifo_init(d, 0), 0);
    assert_int_equal(fifo_init(d, 1), 0);
    for (i = 0; i < pages; i++)
        assert_int_equal(fifo_expand(d, ARRAY_GFN + i), 0);
}

static evtchn_port_t ipi(struct domain *d, unsigned int vcpu, unsigned int prio)
{
    evtchn_port_t p;

    assert_int_equal(evtchn_bind_ipi(d, vcpu, &p), 0);
    assert_int_equal(evtchn_set_priority(d, p, prio), 0);
    return p;
}

/* What is saved of a domain: the FIFO record and the port records. */
struct image {
    struct evtchn_fifo_image img;
    struct lu_fifo_control ctl[2];
    struct lu_evtchn_port ports[MAX_PORTS];
    size_t nports;
};

static void save(struct domain *d, struct image *im, unsigned int flags)
{
    memset(im, 0, sizeof(*im));
    im->img.control = im->ctl;
    assert_int_equal(evtchn_fifo_save(d, &im->img, flags, NULL, NULL), 0);
    assert_int_equal(evtchn_lu_save(d, im->ports, MAX_PORTS, &im->nports), 0);
}

/* What a migration does with guest memory, for the FIFO pages. */
static void copy_pages(unsigned int pages)
{
    unsigned int i;

    for (i = 0; i < 2; i++)
        memcpy(hc_mem(db, (CB_GFN + i) << PAGE_SHIFT),
               hc_mem(da, (CB_GFN + i) << PAGE_SHIFT), PAGE_SIZE);
    for (i = 0; i < pages; i++)
        memcpy(hc_mem(db, (ARRAY_GFN + i) << PAGE_SHIFT),
               hc_mem(da, (ARRAY_GFN + i) << PAGE_SHIFT), PAGE_SIZE);
}

static int restore_fifo(struct domain *d, const struct image *im, char *why,
                        size_t len)
{
    return evtchn_fifo_restore(d, im->img.control, im->img.nr_control,
                               im->img.array_gfn, im->img.nr_array, why, len);
}

static void restore(struct domain *d, const struct image *im)
{
    char why[160] = "";
    size_t i;

    for (i = 0; i < im->nports; i++)
        assert_int_equal(evtchn_lu_restore(d, &im->ports[i]), 0);
    assert_int_equal(restore_fifo(d, im, why, sizeof(why)), 0);
}

static uint8_t prio_of(struct domain *d, evtchn_port_t p)
{
    struct evtchn_port_info info;

    assert_int_equal(evtchn_port_info(d, p, &info), 0);
    return info.priority;
}

/* Saved, restored, saved again: the same record; queues go on. */
static void test_fifo_save_roundtrip(void **state)
{
    struct image *a = test_malloc(sizeof(*a)), *b = test_malloc(sizeof(*b));
    evtchn_port_t p1, p2, p3, p4;

    (void)state;
    fifo_up(da, 2);
    p1 = ipi(da, 0, Q_DEF);
    p2 = ipi(da, 0, Q_DEF);
    p3 = ipi(da, 0, 3);
    p4 = ipi(da, 1, Q_DEF);
    assert_int_equal(evtchn_send(da, p1), 0);
    assert_int_equal(evtchn_send(da, p2), 0);
    assert_int_equal(evtchn_send(da, p3), 0);
    assert_int_equal(evtchn_send(da, p4), 0);
    save(da, a, 0);
    assert_true(a->img.fifo);
    assert_int_equal(a->img.nr_control, 2);
    assert_int_equal(a->img.nr_array, 2);
    assert_int_equal(a->ctl[0].vcpu_id, 0);
    assert_int_equal(a->ctl[0].gfn, CB_GFN);
    assert_int_equal(a->ctl[0].tail[Q_DEF], p2);
    assert_int_equal(a->ctl[0].tail[3], p3);
    assert_int_equal(a->ctl[1].gfn, CB_GFN + 1);
    assert_int_equal(a->ctl[1].tail[Q_DEF], p4);
    assert_int_equal(a->img.array_gfn[1], ARRAY_GFN + 1);
    assert_int_equal(a->nports, 4);
    assert_int_equal(a->ports[2].priority, 3);

    copy_pages(2);
    restore(db, a);
    assert_true(evtchn_is_fifo(db));
    assert_int_equal(prio_of(db, p3), 3);
    save(db, b, 0);
    assert_memory_equal(&a->img.nr_control, &b->img.nr_control,
                        sizeof(uint32_t));
    assert_memory_equal(a->ctl, b->ctl, sizeof(a->ctl));
    assert_memory_equal(a->img.array_gfn, b->img.array_gfn,
                        sizeof(a->img.array_gfn));

    /* The guest takes p1 and handles it; p1 again: behind the carried
     * tail p2, not a new head. */
    assert_int_equal(fifo_guest_pop(db, 0, Q_DEF), p1);
    fifo_w_set(db, p1, 0);
    assert_int_equal(evtchn_send(db, p1), 0);
    assert_int_equal(fifo_w(db, p2), W_PENDING | W_LINKED | p1);
    assert_int_equal(fifo_head(db, 0, Q_DEF), p2);
    test_free(a);
    test_free(b);
}

/* A restored port that was a queue's tail remembers that queue even
 * though nothing else says so. */
static void test_fifo_restore_last_queue(void **state)
{
    struct image *a = test_malloc(sizeof(*a));
    evtchn_port_t p1, p2;

    (void)state;
    fifo_up(da, 1);
    p1 = ipi(da, 1, 9);
    p2 = ipi(da, 1, 9);
    assert_int_equal(evtchn_send(da, p1), 0);
    save(da, a, 0);
    assert_int_equal(a->ctl[1].tail[9], p1);
    copy_pages(1);
    restore(db, a);
    /* The guest consumes p1; it moves to queue 2 and is raised there;
     * then p2 on queue 9 must become its head, not follow p1. */
    assert_int_equal(fifo_guest_pop(db, 1, 9), p1);
    fifo_w_set(db, p1, 0);
    assert_int_equal(evtchn_set_priority(db, p1, 2), 0);
    assert_int_equal(evtchn_send(db, p1), 0);
    assert_int_equal(evtchn_send(db, p2), 0);
    assert_int_equal(fifo_head(db, 1, 9), p2);
    assert_int_equal(fifo_w(db, p1), W_PENDING | W_LINKED);
    test_free(a);
}

/* An event for a port past the array is held (F_FIFO_SAVED), carried, and
 * raised when the restored domain's guest expands the array. */
static void test_fifo_save_held_event(void **state)
{
    struct image *a = test_malloc(sizeof(*a));
    evtchn_port_t p = 0;
    size_t i, found = 0;

    (void)state;
    fifo_up(da, 1);
    while (p < EVTCHN_FIFO_WORDS_PER_PAGE + 2)
        p = ipi(da, 0, Q_DEF);
    assert_int_equal(evtchn_send(da, p), 0);
    save(da, a, 0);
    for (i = 0; i < a->nports; i++)
        if (a->ports[i].flags & LU_EVTCHN_F_FIFO_SAVED) {
            assert_int_equal(a->ports[i].port, p);
            found++;
        }
    assert_int_equal(found, 1);
    copy_pages(1);
    restore(db, a);
    assert_int_equal(fifo_head(db, 0, Q_DEF), 0);
    assert_int_equal(fifo_expand(db, ARRAY_GFN + 1), 0);
    assert_int_equal(fifo_w(db, p), W_PENDING | W_LINKED);
    assert_int_equal(fifo_head(db, 0, Q_DEF), p);
    test_free(a);
}

/* A live update's save freezes: an event is held, not linked, and the
 * port records written afterwards carry it; the next xhvd raises it.
 * Rolled back instead, thawing raises it in place. */
static void test_fifo_freeze_thaw(void **state)
{
    struct image *a = test_malloc(sizeof(*a));
    struct image *frozen = test_malloc(sizeof(*frozen));
    evtchn_port_t p1, p2;
    uint64_t u;

    (void)state;
    fifo_up(da, 1);
    p1 = ipi(da, 0, Q_DEF);
    p2 = ipi(da, 0, 4);
    memset(frozen, 0, sizeof(*frozen));
    frozen->img.control = frozen->ctl;
    assert_int_equal(
        evtchn_fifo_save(da, &frozen->img, EVTCHN_SAVE_FREEZE, NULL, NULL), 0);
    u = sim_upcall_count(da, 0);
    assert_int_equal(evtchn_send(da, p1), 0);
    assert_int_equal(fifo_w(da, p1), 0);
    assert_int_equal(fifo_ready(da, 0), 0);
    assert_int_equal(sim_wait_upcall(da, 0, &u, 0), -ETIMEDOUT);
    /* The port records after the freeze: p1 held. */
    assert_int_equal(
        evtchn_lu_save(da, frozen->ports, MAX_PORTS, &frozen->nports), 0);
    assert_int_equal(frozen->ports[0].port, p1);
    assert_true(frozen->ports[0].flags & LU_EVTCHN_F_FIFO_SAVED);
    assert_false(frozen->ports[1].flags & LU_EVTCHN_F_FIFO_SAVED);

    /* The next xhvd (B, given A's untouched pages) raises it. */
    copy_pages(1);
    restore(db, frozen);
    assert_int_equal(fifo_w(db, p1), W_PENDING | W_LINKED);
    assert_int_equal(fifo_head(db, 0, Q_DEF), p1);

    /* Rolled back: A thaws and delivers it; later events link as ever. */
    evtchn_fifo_thaw(da);
    assert_int_equal(fifo_w(da, p1), W_PENDING | W_LINKED);
    assert_int_equal(fifo_head(da, 0, Q_DEF), p1);
    assert_int_equal(sim_wait_upcall(da, 0, &u, 1000), 0);
    assert_int_equal(evtchn_send(da, p2), 0);
    assert_int_equal(fifo_head(da, 0, 4), p2);
    evtchn_fifo_thaw(da); /* a second thaw: nothing to do */
    save(da, a, 0);
    assert_int_equal(a->ctl[0].tail[Q_DEF], p1);
    assert_int_equal(a->ctl[0].tail[4], p2);
    test_free(a);
    test_free(frozen);
}

/* Each bad record is refused with its reason; B stays 2-level, holding
 * no page (the audit at teardown checks references). */
static void refuse(const struct image *good, void (*spoil)(struct image *),
                   int want, const char *reason)
{
    struct image *im = test_malloc(sizeof(*im));
    char why[160] = "";

    memcpy(im, good, sizeof(*im));
    im->img.control = im->ctl;
    spoil(im);
    assert_int_equal(restore_fifo(db, im, why, sizeof(why)), want);
    if (!strstr(why, reason))
        fail_msg("'%s' does not say '%s'", why, reason);
    assert_false(evtchn_is_fifo(db));
    test_free(im);
}

static void no_control(struct image *im)
{
    im->img.nr_control = 0;
}

static void too_many_controls(struct image *im)
{
    im->img.nr_control = 3;
}

static void too_many_pages(struct image *im)
{
    im->img.nr_array = EVTCHN_FIFO_MAX_ARRAY_PAGES + 1;
}

static void no_such_vcpu(struct image *im)
{
    im->ctl[1].vcpu_id = 2;
}

static void vcpu_twice(struct image *im)
{
    im->ctl[1].vcpu_id = 0;
}

static void misaligned(struct image *im)
{
    im->ctl[0].offset = 4;
}

static void past_the_page(struct image *im)
{
    im->ctl[0].offset = 4032; /* 4032 + 72 > 4096 */
}

static void cb_outside(struct image *im)
{
    im->ctl[0].gfn = 1ULL << 40;
}

static void cb_not_ram(struct image *im)
{
    im->ctl[1].gfn = GPA_HOLE >> PAGE_SHIFT;
}

static void array_outside(struct image *im)
{
    im->img.array_gfn[0] = UINT64_MAX;
}

static void array_not_ram(struct image *im)
{
    im->img.array_gfn[1] = GPA_HOLE >> PAGE_SHIFT;
}

static void tail_uncovered(struct image *im)
{
    im->ctl[1].tail[3] = 2 * EVTCHN_FIFO_WORDS_PER_PAGE;
}

static void tail_twice(struct image *im)
{
    im->ctl[1].tail[3] = im->ctl[0].tail[Q_DEF];
}

static void test_fifo_restore_refusals(void **state)
{
    struct image *a = test_malloc(sizeof(*a));
    char why[160];

    (void)state;
    fifo_up(da, 2);
    assert_int_equal(evtchn_send(da, ipi(da, 0, Q_DEF)), 0);
    save(da, a, 0);
    assert_true(GPA_HOLE >> PAGE_SHIFT < db->p2m.nr_gfns);
    refuse(a, no_control, -EINVAL, "0 control blocks for a domain with 2");
    refuse(a, too_many_controls, -EINVAL, "3 control blocks");
    refuse(a, too_many_pages, -EINVAL, "5 event-array pages (at most 4)");
    refuse(a, no_such_vcpu, -EINVAL, "vCPU 2 does not exist");
    refuse(a, vcpu_twice, -EINVAL,
           "vCPU 0 does not exist (2 vCPUs) or has two");
    refuse(a, misaligned, -EINVAL, "offset 4 is not 8-byte aligned");
    refuse(a, past_the_page, -EINVAL, "offset 4032");
    refuse(a, cb_outside, -EINVAL, "gfn 0x10000000000 is outside the domain");
    refuse(a, cb_not_ram, -EINVAL,
           "vCPU 1: control block gfn 0x400 is not RAM");
    refuse(a, array_outside, -EINVAL, "event-array page 0: gfn");
    refuse(a, array_not_ram, -EINVAL,
           "event-array page 1: gfn 0x400 is not RAM");
    refuse(a, tail_uncovered, -EINVAL,
           "vCPU 1 queue 3: tail port 2048 is not in the event array");
    refuse(a, tail_twice, -EINVAL, "is the tail of two queues");
    /* The good one, then again: B uses FIFO already. */
    copy_pages(2);
    restore(db, a);
    assert_int_equal(restore_fifo(db, a, why, sizeof(why)), -EEXIST);
    assert_non_null(strstr(why, "uses FIFO already"));
    test_free(a);
}

/* The fault loop: the restore with each allocation and page reference
 * failing in turn, transient then persistent. */
static struct image *loop_image;

static int restore_scenario(void *ctx)
{
    char why[160];

    (void)ctx;
    return restore_fifo(db, loop_image, why, sizeof(why));
}

static void restore_check(void *ctx, int rc)
{
    struct evtchn_reset r = {.dom = DOMID_SELF};

    (void)ctx;
    if (rc) {
        assert_true(rc == -ENOMEM || rc == -EINVAL);
        assert_false(evtchn_is_fifo(db));
    } else {
        assert_true(evtchn_is_fifo(db));
    }
    assert_int_equal(evop(db, EVTCHNOP_reset, &r, sizeof(r)), 0);
    assert_false(evtchn_is_fifo(db));
    xt_assert_audit_clean();
}

static void test_fifo_restore_fault_loop(void **state)
{
    unsigned long points;
    evtchn_port_t p = 0;

    struct evtchn_reset r = {.dom = DOMID_SELF};
    evtchn_port_t q = 0;

    (void)state;
    loop_image = test_malloc(sizeof(*loop_image));
    fifo_up(da, 2);
    /* A tail in the second bucket. B has its buckets already (ports bound
     * and closed again): a bucket stays once added, which a run that
     * succeeded would leave behind for the loop's count to notice. */
    while (p < 2 * EVTCHN_BUCKET_PORTS)
        p = ipi(da, 1, 3);
    while (q < p)
        assert_int_equal(evtchn_bind_ipi(db, 1, &q), 0);
    assert_int_equal(evop(db, EVTCHNOP_reset, &r, sizeof(r)), 0);
    assert_int_equal(evtchn_send(da, p), 0);
    save(da, loop_image, 0);
    loop_image->nports = 0; /* the ports are not this loop's business */
    points = xt_fault_loop("*", restore_scenario, restore_check, NULL);
    /* The state, two control-block and two array page references. */
    assert_true(points >= 5);
    test_free(loop_image);
}

/* The pages a migration's dirty log is told of: the FIFO's, no other. */
static void test_fifo_mark_guest_pages_dirty(void **state)
{
    uint64_t words = p2m_log_dirty_words(&da->p2m);
    uint64_t *bm = test_calloc(words, sizeof(*bm));
    uint64_t i, n = 0;

    (void)state;
    assert_int_equal(p2m_log_dirty_start(&da->p2m), 0);
    evtchn_mark_guest_pages_dirty(da); /* 2-level: nothing */
    assert_int_equal(p2m_log_dirty_harvest(&da->p2m, bm, words), 0);
    fifo_up(da, 2);
    (void)p2m_log_dirty_harvest(&da->p2m, bm, words); /* the setup's own */
    memset(bm, 0, words * sizeof(*bm));
    evtchn_mark_guest_pages_dirty(da);
    assert_int_equal(p2m_log_dirty_harvest(&da->p2m, bm, words), 4);
    for (i = 0; i < words; i++)
        n += (uint64_t)__builtin_popcountll(bm[i]);
    assert_int_equal(n, 4);
    for (i = 0; i < 2; i++) {
        assert_true(bm[(CB_GFN + i) / 64] >> ((CB_GFN + i) % 64) & 1);
        assert_true(bm[(ARRAY_GFN + i) / 64] >> ((ARRAY_GFN + i) % 64) & 1);
    }
    p2m_log_dirty_stop(&da->p2m);
    test_free(bm);
}

/* Marking from the migration thread while events are delivered: for
 * TSan, and for the lock rules (ASSERTs). */
static volatile bool sending;

static void *sender(void *arg)
{
    evtchn_port_t p = *(evtchn_port_t *)arg;
    unsigned int i;

    for (i = 0; i < 20000 && sending; i++) {
        (void)evtchn_send(da, p);
        (void)fifo_guest_pop(da, 0, Q_DEF);
        __atomic_and_fetch(fifo_word(da, p), ~W_PENDING, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

static void test_fifo_mark_dirty_while_sending(void **state)
{
    uint64_t words = p2m_log_dirty_words(&da->p2m);
    uint64_t *bm = test_calloc(words, sizeof(*bm));
    evtchn_port_t p;
    pthread_t t;
    unsigned int i;

    (void)state;
    fifo_up(da, 1);
    p = ipi(da, 0, Q_DEF);
    assert_int_equal(p2m_log_dirty_start(&da->p2m), 0);
    sending = true;
    assert_int_equal(pthread_create(&t, NULL, sender, &p), 0);
    for (i = 0; i < 2000; i++) {
        evtchn_mark_guest_pages_dirty(da);
        (void)p2m_log_dirty_harvest(&da->p2m, bm, words);
    }
    sending = false;
    assert_int_equal(pthread_join(t, NULL), 0);
    p2m_log_dirty_stop(&da->p2m);
    assert_true(bm[CB_GFN / 64] >> (CB_GFN % 64) & 1);
    assert_true(bm[ARRAY_GFN / 64] >> (ARRAY_GFN % 64) & 1);
    test_free(bm);
}

/* The pages handed to a save's page function: a registered vcpu_info,
 * the control blocks (two in one page: once), the array; each once. */
struct seen_pages {
    uint64_t gfn[8];
    unsigned int n;
};

static int seen_page(void *ctx, uint64_t gfn, const void *page)
{
    struct seen_pages *s = ctx;

    assert_true(s->n < 8);
    assert_ptr_equal(page, fifo_gfn_virt(da, gfn));
    s->gfn[s->n++] = gfn;
    return 0;
}

#define VI_GFN 0x70ULL

static void test_fifo_save_pages(void **state)
{
    struct vcpu_register_vcpu_info rvi = {.mfn = VI_GFN, .offset = 64};
    struct evtchn_fifo_image img = {0};
    struct lu_fifo_control ctl[2];
    struct seen_pages s = {.n = 0};

    (void)state;
    memcpy(hc_mem(da, GPA_BUF), &rvi, sizeof(rvi));
    assert_int_equal(hc_call(da, __HYPERVISOR_vcpu_op,
                             VCPUOP_register_vcpu_info, 0, GPA_BUF, 0, 0),
                     0);
    /* 2-level: only vcpu_info. */
    img.control = ctl;
    assert_int_equal(evtchn_fifo_save(da, &img, 0, seen_page, &s), 0);
    assert_false(img.fifo);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.gfn[0], VI_GFN);
    assert_int_equal(fifo_init_control_at(da, 0, CB_GFN, 0, NULL), 0);
    assert_int_equal(fifo_init_control_at(da, 1, CB_GFN, 128, NULL), 0);
    assert_int_equal(fifo_expand(da, ARRAY_GFN), 0);
    s.n = 0;
    assert_int_equal(evtchn_fifo_save(da, &img, 0, seen_page, &s), 0);
    assert_true(img.fifo);
    assert_int_equal(img.nr_control, 2);
    assert_int_equal(ctl[1].offset, 128);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.gfn[0], VI_GFN);
    assert_int_equal(s.gfn[1], CB_GFN);
    assert_int_equal(s.gfn[2], ARRAY_GFN);
    assert_int_equal(evtchn_fifo_saveable(da), 0);
    /* The guest gives the array page back: its gfn no longer names the
     * page xhv writes, so the state cannot be carried. */
    assert_int_equal(fifo_balloon_out(da, ARRAY_GFN), 1);
    assert_int_equal(evtchn_fifo_saveable(da), -ESTALE);
    assert_int_equal(evtchn_fifo_save(da, &img, 0, NULL, NULL), -ESTALE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_fifo_save_roundtrip),
        T(test_fifo_restore_last_queue),
        T(test_fifo_save_held_event),
        T(test_fifo_freeze_thaw),
        T(test_fifo_restore_refusals),
        T(test_fifo_restore_fault_loop),
        T(test_fifo_mark_guest_pages_dirty),
        T(test_fifo_mark_dirty_while_sending),
        T(test_fifo_save_pages),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
