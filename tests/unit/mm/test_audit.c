/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The audit: each test corrupts the frame table or an owner's accounting
 * in one distinct way, checks that the audit names exactly that kind of
 * violation, puts the state back and checks the audit is clean again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mm/mm.h"
#include "xhv_test.h"

static struct {
    struct mm_owner d;
    struct page_info *ram, *big, *si;
    void *xen;       /* a xenheap page, in scratch */
    mfn_t free_head; /* head of a free chunk of order >= 2 */
} f;

static int setup(void **state)
{
    mfn_t m;

    (void)state;
    xt_mm_setup(32, 4);
    mm_owner_init(&f.d, 5, 4096);
    assert_int_equal(alloc_domheap_pages(&f.d, 0, 0, &f.ram), 0);
    assert_int_equal(alloc_domheap_pages(&f.d, 9, 0, &f.big), 0);
    assert_int_equal(alloc_domheap_pages(
                         &f.d, 0, MEMF_extra(PAGE_KIND_SHARED_INFO, 0), &f.si),
                     0);
    assert_int_equal(alloc_xenheap_pages(0, 0, &f.xen), 0);
    assert_true(mfn_in_scratch(virt_to_mfn(f.xen)));
    for (m = 0; m < mm_nr_pages(); m++) {
        struct page_info *pg = mfn_to_page(m);

        if (page_is_free(pg) && pg->u.free.order != FREE_TAIL &&
            pg->u.free.order >= 2)
            break;
    }
    assert_true(m < mm_nr_pages());
    f.free_head = m;
    xt_assert_audit_clean();
    return 0;
}

static int teardown(void **state)
{
    int i;

    (void)state;
    xt_assert_audit_clean();
    put_page_alloc_ref(f.ram);
    for (i = 0; i < 512; i++)
        put_page_alloc_ref(f.big + i);
    put_page_alloc_ref(f.si);
    assert_int_equal(free_xenheap_pages(f.xen, 0), 0);
    mm_owner_fini(&f.d);
    xt_assert_audit_clean();
    xt_mm_teardown();
    return 0;
}

/* Corrupts one page, expects the audit to report kind, restores it. */
#define CORRUPT_PAGE(pg, kind, corruption)                                     \
    do {                                                                       \
        struct page_info saved_ = *(pg);                                       \
        corruption;                                                            \
        assert_true(xt_audit_count(kind) >= 1);                                \
        *(pg) = saved_;                                                        \
    } while (0)

static void test_domheap_in_scratch(void **state)
{
    struct page_info *pg = mfn_to_page(virt_to_mfn(f.xen));

    (void)state;
    CORRUPT_PAGE(pg, MM_V_DOMHEAP_IN_SCRATCH, {
        pg->count_info = PGC_state_inuse | PGC_allocated | 1;
        pg->u.inuse.owner = &f.d;
    });
}

static void test_owner_count(void **state)
{
    (void)state;
    f.d.tot_pages++;
    assert_int_equal(xt_audit_count(MM_V_OWNER_COUNT), 1);
    f.d.tot_pages--;
    f.d.extra_pages = 0;
    assert_int_equal(xt_audit_count(MM_V_OWNER_COUNT), 1);
    f.d.extra_pages = 1;
}

static void test_owner_list(void **state)
{
    (void)state;
    f.d.page_list.count++;
    assert_int_equal(xt_audit_count(MM_V_OWNER_LIST), 1);
    f.d.page_list.count--;
    /* A page on the extra list that is not an extra page. */
    CORRUPT_PAGE(f.si, MM_V_OWNER_LIST, f.si->count_info &= ~PGC_extra);
}

static void test_free_lost(void **state)
{
    struct page_info *pg = mfn_to_page(f.free_head);

    (void)state;
    CORRUPT_PAGE(pg, MM_V_FREE_LOST, pg->u.free.order = FREE_TAIL);
}

static void test_free_chunk_intruder(void **state)
{
    struct page_info *pg = mfn_to_page(f.free_head + 1);

    (void)state;
    CORRUPT_PAGE(pg, MM_V_FREE_CHUNK,
                 pg->count_info = PGC_state_inuse | PGC_xen_heap);
}

static void test_free_list_links(void **state)
{
    struct page_info *pg = mfn_to_page(f.free_head);

    (void)state;
    CORRUPT_PAGE(pg, MM_V_FREE_LIST, pg->prev = (uint32_t)f.free_head);
    CORRUPT_PAGE(pg, MM_V_FREE_LIST, pg->u.free.order = MAX_ORDER + 3);
}

static void test_owner_unknown(void **state)
{
    static struct mm_owner stranger;

    (void)state;
    CORRUPT_PAGE(f.ram, MM_V_OWNER_UNKNOWN, f.ram->u.inuse.owner = &stranger);
}

static void test_bad_state(void **state)
{
    (void)state;
    CORRUPT_PAGE(f.ram, MM_V_BAD_STATE, f.ram->count_info |= PGC_state_mask);
}

static void test_extra_kind(void **state)
{
    (void)state;
    CORRUPT_PAGE(f.si, MM_V_EXTRA_KIND,
                 f.si->u.inuse.type_info &= ~PGT_kind_mask);
    CORRUPT_PAGE(f.ram, MM_V_EXTRA_KIND,
                 f.ram->u.inuse.type_info |= (uint64_t)PAGE_KIND_GRANT_FRAME
                                             << PGT_kind_shift);
}

static void test_refcount(void **state)
{
    (void)state;
    CORRUPT_PAGE(f.ram, MM_V_REFCOUNT, f.ram->count_info &= ~PGC_count_mask);
    CORRUPT_PAGE(f.ram, MM_V_REFCOUNT, f.ram->count_info = PGC_state_inuse);
}

static void test_free_not_zero(void **state)
{
    unsigned char *p = mfn_to_virt(f.free_head + 1);

    (void)state;
    p[100] = 0x42;
    assert_int_equal(xt_audit_count(MM_V_FREE_NOT_ZERO), 1);
    p[100] = 0;
}

static void test_free_dirt(void **state)
{
    struct page_info *pg = mfn_to_page(f.free_head + 1);

    (void)state;
    CORRUPT_PAGE(pg, MM_V_FREE_DIRT, pg->count_info |= PGC_dirty_dom);
}

static void test_xenheap_owned(void **state)
{
    struct page_info *pg = mfn_to_page(virt_to_mfn(f.xen));

    (void)state;
    CORRUPT_PAGE(pg, MM_V_XENHEAP_OWNED, pg->u.inuse.owner = &f.d);
}

static void test_reserved_and_unmanaged(void **state)
{
    struct page_info *pg = mfn_to_page(f.free_head + 1);

    (void)state;
    CORRUPT_PAGE(pg, MM_V_RESERVED, pg->count_info = PGC_state_reserved);
    CORRUPT_PAGE(pg, MM_V_UNMANAGED, pg->count_info = PGC_state_unmanaged);
}

static void test_broken_flags(void **state)
{
    (void)state;
    assert_int_equal(mm_mark_broken(f.free_head + 2), 0);
    CORRUPT_PAGE(mfn_to_page(f.free_head + 2), MM_V_BROKEN,
                 mfn_to_page(f.free_head + 2)->count_info |= PGC_allocated);
}

/* The report keeps the first violations and says how many it left out. */
static void test_report_truncation(void **state)
{
    static struct mm_audit_report r;
    static char buf[16384];
    mfn_t m, first = f.free_head & ~(mfn_t)511;
    int n = 0;

    (void)state;
    for (m = first; n < 100 && m < mm_nr_pages(); m++) {
        struct page_info *pg = mfn_to_page(m);

        if (page_is_free(pg) && pg->u.free.order == FREE_TAIL) {
            pg->count_info |= PGC_allocated;
            n++;
        }
    }
    assert_int_equal(n, 100);
    assert_int_equal(mm_audit(&r, 0), -EUCLEAN);
    assert_int_equal(r.nr_violations, 100);
    assert_int_equal(r.nr_reported, MM_AUDIT_MAX_REPORTED);
    assert_true(mm_audit_format(&r, buf, sizeof(buf)) < sizeof(buf));
    assert_non_null(strstr(buf, "FAILED: 100 violations"));
    assert_non_null(strstr(buf, "... and 36 more not listed"));
    assert_non_null(strstr(buf, "bad-state"));
    for (m = first; m < mm_nr_pages(); m++)
        if (page_is_free(mfn_to_page(m)))
            mfn_to_page(m)->count_info &= ~PGC_allocated;
}

static void test_clean_report_format(void **state)
{
    static struct mm_audit_report r;
    char buf[512];

    (void)state;
    assert_int_equal(mm_audit(&r, MM_AUDIT_DEEP), 0);
    mm_audit_format(&r, buf, sizeof(buf));
    assert_non_null(strstr(buf, "clean: 0 violations"));
    assert_int_equal(r.owned, 1 + 512 + 1);
    assert_int_equal(r.extra, 1);
    assert_int_equal(r.xenheap, 1);
    assert_int_equal(r.reserved, 512); /* the other 2 MiB scratch half */
    assert_int_equal(r.owners, 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_clean_report_format),
        T(test_domheap_in_scratch),
        T(test_owner_count),
        T(test_owner_list),
        T(test_free_lost),
        T(test_free_chunk_intruder),
        T(test_free_list_links),
        T(test_owner_unknown),
        T(test_bad_state),
        T(test_extra_kind),
        T(test_refcount),
        T(test_free_not_zero),
        T(test_free_dirt),
        T(test_xenheap_owned),
        T(test_reserved_and_unmanaged),
        T(test_broken_flags),
        T(test_report_truncation),
    };
#undef T
    return cmocka_run_group_tests_name("mm_audit", tests, NULL, NULL);
}
