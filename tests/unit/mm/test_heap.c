/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The buddy heap: splitting and merging at every order, exhaustion, the
 * scratch rule, double frees, init_heap_pages and broken pages. Every test
 * ends with a deep audit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm/mm.h"
#include "xhv_test.h"

#define MEM_MIB  64
#define NR_PAGES ((uint64_t)MEM_MIB << 8)

static int setup_plain(void **state)
{
    (void)state;
    xt_mm_setup(MEM_MIB, 0);
    return 0;
}

static int setup_scratch(void **state)
{
    (void)state;
    xt_mm_setup(MEM_MIB, 8);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    xt_mm_teardown();
    return 0;
}

static void test_init_all_free(void **state)
{
    struct mm_stats st;

    (void)state;
    mm_get_stats(&st);
    assert_int_equal(st.total_pages, NR_PAGES);
    assert_int_equal(st.free_pages, NR_PAGES);
    assert_int_equal(st.xenheap_pages, 0);
    assert_int_equal(st.domheap_pages, 0);
    xt_assert_audit_clean();
}

/* 64 MiB is 2^14 pages: every order up to 14 can be split off and merged
 * back, and only a full merge lets the whole memory be taken at once. */
static void test_split_merge_every_order(void **state)
{
    unsigned int o;
    void *all;

    (void)state;
    for (o = 0; o <= 14; o++) {
        void *va[3];
        int i;

        for (i = 0; i < 3 && (3ULL << o) <= NR_PAGES; i++) {
            assert_int_equal(alloc_xenheap_pages(o, 0, &va[i]), 0);
            assert_int_equal(virt_to_mfn(va[i]) & ((1ULL << o) - 1), 0);
        }
        for (i = i - 1; i >= 0; i--)
            assert_int_equal(free_xenheap_pages(va[i], o), 0);
        xt_assert_audit_clean();
        assert_int_equal(alloc_xenheap_pages(14, 0, &all), 0);
        assert_int_equal(free_xenheap_pages(all, 14), 0);
    }
    assert_int_equal(alloc_xenheap_pages(15, 0, &all), -ENOMEM);
    assert_int_equal(alloc_xenheap_pages(MAX_ORDER + 1, 0, &all), -EINVAL);
    xt_assert_audit_clean();
}

/* Orders 15 to MAX_ORDER need more memory: 1 GiB of machine memory is
 * sparse, so this costs only its 8 MiB frame table. */
static void test_split_merge_high_orders(void **state)
{
    unsigned int o;
    void *va[2], *all;

    (void)state;
    xt_mm_setup(1024, 0);
    for (o = 15; o <= MAX_ORDER; o++) {
        assert_int_equal(alloc_xenheap_pages(o, 0, &va[0]), 0);
        assert_int_equal(virt_to_mfn(va[0]) & ((1ULL << o) - 1), 0);
        if (o < MAX_ORDER) {
            assert_int_equal(alloc_xenheap_pages(o, 0, &va[1]), 0);
            assert_int_equal(free_xenheap_pages(va[1], o), 0);
        }
        assert_int_equal(free_xenheap_pages(va[0], o), 0);
        /* Everything merged back: the whole gigabyte is one chunk. */
        assert_int_equal(alloc_xenheap_pages(MAX_ORDER, 0, &all), 0);
        assert_int_equal(free_xenheap_pages(all, MAX_ORDER), 0);
    }
    xt_assert_audit_clean();
    xt_mm_teardown();
}

static void shuffle(void **v, size_t n, unsigned int seed)
{
    size_t i;

    srand(seed);
    for (i = n - 1; i > 0; i--) {
        size_t j = (size_t)rand() % (i + 1);
        void *t = v[i];

        v[i] = v[j];
        v[j] = t;
    }
}

static void test_exhaust_then_merge(void **state)
{
    void **va = calloc(NR_PAGES, sizeof(*va));
    struct mm_stats st;
    void *extra;
    uint64_t i;

    (void)state;
    assert_non_null(va);
    for (i = 0; i < NR_PAGES; i++)
        assert_int_equal(alloc_xenheap_pages(0, 0, &va[i]), 0);
    assert_int_equal(alloc_xenheap_pages(0, 0, &extra), -ENOMEM);
    mm_get_stats(&st);
    assert_int_equal(st.free_pages, 0);
    assert_int_equal(st.xenheap_pages, NR_PAGES);
    xt_assert_audit_clean();

    shuffle(va, NR_PAGES, 42);
    for (i = 0; i < NR_PAGES; i++)
        assert_int_equal(free_xenheap_pages(va[i], 0), 0);
    free(va);
    /* Random-order frees must coalesce all the way back up. */
    assert_int_equal(alloc_xenheap_pages(14, 0, &extra), 0);
    assert_int_equal(free_xenheap_pages(extra, 14), 0);
    xt_assert_audit_clean();
}

static void test_double_free_detected(void **state)
{
    struct mm_owner d;
    struct page_info *pg;
    struct mm_stats st;
    void *va, *va2;

    (void)state;
    assert_int_equal(alloc_xenheap_pages(2, 0, &va), 0);
    assert_int_equal(free_xenheap_pages(va, 2), 0);
    assert_int_equal(free_xenheap_pages(va, 2), -EINVAL);
    /* Freed and reallocated as two order-1 chunks: an order-2 free of the
     * first spans the second, which is no longer this caller's. */
    assert_int_equal(alloc_xenheap_pages(1, 0, &va), 0);
    assert_int_equal(alloc_xenheap_pages(1, 0, &va2), 0);
    assert_int_equal(free_xenheap_pages((char *)va + 1, 1), -EINVAL);
    assert_int_equal(free_xenheap_pages(&st, 0), -EINVAL);

    mm_owner_init(&d, 1, 16);
    assert_int_equal(alloc_domheap_pages(&d, 0, 0, &pg), 0);
    /* A domain's page is not xhv's to free through the xenheap. */
    assert_int_equal(free_xenheap_pages(mfn_to_virt(page_to_mfn(pg)), 0),
                     -EINVAL);
    mm_get_stats(&st);
    assert_int_equal(st.bad_frees, 4);
    xt_assert_audit_clean();

    put_page_alloc_ref(pg);
    mm_owner_fini(&d);
    assert_int_equal(free_xenheap_pages(va, 1), 0);
    assert_int_equal(free_xenheap_pages(va2, 1), 0);
    xt_assert_audit_clean();
}

/* Domain pages never come from scratch, even with everything else gone;
 * xenheap pages come from our scratch half first. */
static void test_scratch_rule(void **state)
{
    uint64_t main_pages = NR_PAGES - (8ULL << 8), i, other_nr;
    struct page_info **pg = calloc(main_pages, sizeof(*pg));
    struct page_info *more;
    mfn_t other;
    struct mm_owner d;
    void *va;

    (void)state;
    assert_non_null(pg);
    mm_scratch_other_half(&other, &other_nr);
    assert_int_equal(other_nr, 4ULL << 8);

    assert_int_equal(alloc_xenheap_pages(0, 0, &va), 0);
    assert_true(mfn_in_scratch(virt_to_mfn(va)));
    assert_false(virt_to_mfn(va) >= other &&
                 virt_to_mfn(va) < other + other_nr);
    assert_int_equal(free_xenheap_pages(va, 0), 0);

    mm_owner_init(&d, 1, NR_PAGES);
    for (i = 0; i < main_pages; i++) {
        assert_int_equal(alloc_domheap_pages(&d, 0, 0, &pg[i]), 0);
        assert_false(mfn_in_scratch(page_to_mfn(pg[i])));
    }
    assert_int_equal(alloc_domheap_pages(&d, 0, 0, &more), -ENOMEM);
    xt_assert_audit_clean();

    /* Our half is still there for xhv, the other half for nobody. */
    for (i = 0; i < other_nr; i++) {
        mfn_t m;

        assert_int_equal(alloc_xenheap_pages(0, 0, &va), 0);
        m = virt_to_mfn(va);
        assert_true(mfn_in_scratch(m));
        assert_false(m >= other && m < other + other_nr);
    }
    assert_int_equal(alloc_xenheap_pages(0, 0, &va), -ENOMEM);
    xt_assert_audit_clean();

    for (i = 0; i < main_pages; i++)
        put_page_alloc_ref(pg[i]);
    free(pg);
    mm_owner_fini(&d);
}

static void test_init_heap_pages_skips(void **state)
{
    struct mm_config cfg = {
        .mem_bytes = MEM_MIB << 20,
        .memfd = -1,
        .defer_heap = true,
    };
    struct mm_owner d;
    struct mm_stats st;
    uint64_t i;

    (void)state;
    xt_install_assert_hook();
    assert_int_equal(mm_init(&cfg), 0);
    /* Preserved pages (as a live update marks them) and a broken one. */
    assert_int_equal(mm_mark_in_use(100, 10), 0);
    assert_int_equal(mm_mark_in_use(105, 1), -EBUSY);
    assert_int_equal(mm_mark_broken(300), 0);
    xt_assert_audit_clean(); /* unmanaged pages are expected for now */

    assert_int_equal(init_heap_pages(0, NR_PAGES, MM_INIT_DIRTY),
                     NR_PAGES - 11);
    /* A second pass finds nothing left to hand over. */
    assert_int_equal(init_heap_pages(0, NR_PAGES, 0), 0);
    mm_heap_complete();

    mm_owner_init(&d, 7, 64);
    for (i = 100; i < 110; i++) {
        assert_false(page_is_free(mfn_to_page(i)));
        assert_int_equal(assign_pages(&d, mfn_to_page(i), 0, 0), 0);
    }
    mm_get_stats(&st);
    assert_int_equal(st.broken_pages, 1);
    assert_int_equal(st.domheap_pages, 10);
    assert_int_equal(mm_owner_tot_pages(&d), 10);
    xt_assert_audit_clean();

    for (i = 100; i < 110; i++)
        put_page_alloc_ref(mfn_to_page(i));
    mm_owner_fini(&d);
    xt_assert_audit_clean();
}

static void test_broken_pages_never_freed(void **state)
{
    void **va = calloc(NR_PAGES, sizeof(*va));
    struct page_info *pg;
    struct mm_owner d;
    struct mm_stats st;
    mfn_t bad_owned;
    uint64_t i, n = 0;

    (void)state;
    assert_non_null(va);
    /* A free page in the middle of a large chunk, and a page in use. */
    assert_int_equal(mm_mark_broken(5000), 0);
    assert_int_equal(mm_mark_broken(5000), -EALREADY);
    mm_owner_init(&d, 1, 16);
    assert_int_equal(alloc_domheap_pages(&d, 0, 0, &pg), 0);
    bad_owned = page_to_mfn(pg);
    assert_int_equal(mm_mark_broken(bad_owned), 0);
    xt_assert_audit_clean();
    put_page_alloc_ref(pg);
    mm_owner_fini(&d);

    mm_get_stats(&st);
    assert_int_equal(st.broken_pages, 2);
    while (alloc_xenheap_pages(0, 0, &va[n]) == 0) {
        mfn_t m = virt_to_mfn(va[n]);

        assert_true(m != 5000 && m != bad_owned);
        n++;
    }
    assert_int_equal(n, NR_PAGES - 2);
    xt_assert_audit_clean();
    for (i = 0; i < n; i++)
        assert_int_equal(free_xenheap_pages(va[i], 0), 0);
    free(va);
    xt_assert_audit_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_all_free, setup_plain,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_split_merge_every_order,
                                        setup_plain, teardown),
        cmocka_unit_test_setup_teardown(test_exhaust_then_merge, setup_plain,
                                        teardown),
        cmocka_unit_test(test_split_merge_high_orders),
        cmocka_unit_test_setup_teardown(test_double_free_detected, setup_plain,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_scratch_rule, setup_scratch,
                                        teardown),
        cmocka_unit_test_teardown(test_init_heap_pages_skips, teardown),
        cmocka_unit_test_setup_teardown(test_broken_pages_never_freed,
                                        setup_plain, teardown),
    };

    return cmocka_run_group_tests_name("mm_heap", tests, NULL, NULL);
}
