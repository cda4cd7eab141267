/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain pages: accounting of ordinary and extra pages, max_pages and
 * dying domains, references and types, and scrubbing between users.
 * Every test ends with a deep audit.
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

#define MEM_MIB  32
#define NR_PAGES ((uint64_t)MEM_MIB << 8)

static int setup(void **state)
{
    (void)state;
    xt_mm_setup(MEM_MIB, 4);
    return 0;
}

/* No scratch: every xenheap page comes from memory a domain can get. */
static int setup_noscratch(void **state)
{
    (void)state;
    xt_mm_setup(MEM_MIB, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    xt_mm_teardown();
    return 0;
}

static void test_extra_page_accounting(void **state)
{
    struct page_info *ram[4], *si, *gf, *bad;
    struct mm_owner d;
    uint32_t idx;
    int i;

    (void)state;
    mm_owner_init(&d, 1, 4);
    for (i = 0; i < 4; i++)
        assert_int_equal(alloc_domheap_pages(&d, 0, 0, &ram[i]), 0);
    assert_int_equal(alloc_domheap_pages(&d, 0, 0, &bad), -E2BIG);
    /* Extra pages are not bounded by max_pages and not in tot_pages. */
    assert_int_equal(
        alloc_domheap_pages(&d, 0, MEMF_extra(PAGE_KIND_SHARED_INFO, 0), &si),
        0);
    assert_int_equal(
        alloc_domheap_pages(&d, 0, MEMF_extra(PAGE_KIND_GRANT_FRAME, 3), &gf),
        0);
    assert_int_equal(mm_owner_tot_pages(&d), 4);
    assert_int_equal(mm_owner_extra_pages(&d), 2);
    assert_true(si->count_info & PGC_extra);
    assert_int_equal(page_get_kind(si, NULL), PAGE_KIND_SHARED_INFO);
    assert_int_equal(page_get_kind(gf, &idx), PAGE_KIND_GRANT_FRAME);
    assert_int_equal(idx, 3);
    assert_int_equal(page_get_kind(ram[0], NULL), PAGE_KIND_NONE);
    assert_string_equal(page_kind_name(PAGE_KIND_SHARED_INFO), "shared_info");

    /* An extra page must say what it is for; RAM must not. */
    assert_int_equal(alloc_domheap_pages(&d, 0, MEMF_no_refcount, &bad),
                     -EINVAL);
    assert_int_equal(
        alloc_domheap_pages(&d, 0, MEMF_extra(PAGE_KIND_NR, 0), &bad), -EINVAL);
    assert_int_equal(alloc_domheap_pages(&d, 0,
                                         MEMF_extra(PAGE_KIND_SHARED_INFO, 0) &
                                             ~MEMF_no_refcount,
                                         &bad),
                     -EINVAL);
    xt_assert_audit_clean();

    put_page_alloc_ref(si);
    assert_int_equal(mm_owner_extra_pages(&d), 1);
    assert_int_equal(mm_owner_tot_pages(&d), 4);
    put_page_alloc_ref(gf);
    for (i = 0; i < 4; i++)
        put_page_alloc_ref(ram[i]);
    assert_int_equal(mm_owner_tot_pages(&d), 0);
    assert_int_equal(mm_owner_extra_pages(&d), 0);
    mm_owner_fini(&d);
    xt_assert_audit_clean();
}

static void test_max_pages_counts_orders(void **state)
{
    struct page_info *big, *small;
    struct mm_owner d;

    (void)state;
    mm_owner_init(&d, 2, 512 + 1);
    assert_int_equal(alloc_domheap_pages(&d, 9, 0, &big), 0);
    assert_int_equal(page_to_mfn(big) & 511, 0);
    assert_int_equal(mm_owner_tot_pages(&d), 512);
    assert_int_equal(alloc_domheap_pages(&d, 1, 0, &small), -E2BIG);
    assert_int_equal(alloc_domheap_pages(&d, 0, 0, &small), 0);
    assert_int_equal(mm_owner_set_max_pages(&d, 1024), 0);
    xt_assert_audit_clean();

    /* Pages of an order-9 allocation go back one at a time. */
    for (int i = 0; i < 512; i++)
        put_page_alloc_ref(big + i);
    put_page_alloc_ref(small);
    mm_owner_fini(&d);
    xt_assert_audit_clean();
}

static void test_dying_domain_refused(void **state)
{
    struct page_info *pg, *bad;
    struct mm_owner d;

    (void)state;
    mm_owner_init(&d, 3, 16);
    assert_int_equal(alloc_domheap_pages(&d, 0, 0, &pg), 0);
    mm_owner_set_dying(&d);
    assert_int_equal(alloc_domheap_pages(&d, 0, 0, &bad), -EINVAL);
    assert_int_equal(
        alloc_domheap_pages(&d, 0, MEMF_extra(PAGE_KIND_SHARED_INFO, 0), &bad),
        -EINVAL);
    assert_int_equal(mm_owner_tot_pages(&d), 1);
    xt_assert_audit_clean();
    put_page_alloc_ref(pg);
    mm_owner_fini(&d);
    xt_assert_audit_clean();
}

static void test_references(void **state)
{
    struct mm_owner a, b;
    struct page_info *pg;
    struct mm_stats st;

    (void)state;
    mm_owner_init(&a, 1, 16);
    mm_owner_init(&b, 2, 16);
    assert_int_equal(alloc_domheap_pages(&a, 0, 0, &pg), 0);
    assert_int_equal(get_page(pg, &b), -EINVAL);
    assert_int_equal(get_page(pg, &a), 0);

    assert_int_equal(get_page_type(pg, PGT_writable_page), 0);
    assert_int_equal(get_page_type(pg, PGT_writable_page), 0);
    /* The type can change only once nobody relies on it. */
    assert_int_equal(get_page_type(pg, PGT_none), -EINVAL);
    put_page_type(pg);
    put_page_type(pg);
    assert_int_equal(get_page_type(pg, PGT_none), 0);
    put_page_type(pg);

    /* Dropping the allocation reference frees nothing while a user
     * holds the page; the last put frees it. */
    put_page_alloc_ref(pg);
    put_page_alloc_ref(pg); /* a second drop is a no-op */
    assert_ptr_equal(page_get_owner(pg), &a);
    assert_int_equal(mm_owner_tot_pages(&a), 1);
    xt_assert_audit_clean();
    put_page(pg);
    assert_int_equal(mm_owner_tot_pages(&a), 0);
    assert_true(page_is_free(pg));
    assert_int_equal(get_page(pg, &a), -EINVAL);
    mm_get_stats(&st);
    assert_int_equal(st.domheap_pages, 0);

    assert_int_equal(alloc_domheap_pages(&b, 0, 0, &pg), 0);
    assert_int_equal(get_page_and_type(pg, &b, PGT_writable_page), 0);
    assert_int_equal(assign_pages(&a, pg, 0, 0), -EINVAL); /* owned */
    put_page_and_type(pg);
    put_page_alloc_ref(pg);
    mm_owner_fini(&a);
    mm_owner_fini(&b);
    xt_assert_audit_clean();
}

static void test_put_page_underflow_asserts(void **state)
{
    struct mm_owner d;
    struct page_info *pg;

    (void)state;
    mm_owner_init(&d, 1, 4);
    assert_int_equal(alloc_domheap_pages(&d, 0, 0, &pg), 0);
    xt_expect_assert(put_page_type(pg));
    assert_int_equal(pg->u.inuse.type_info & PGT_count_mask, 0);
    put_page_alloc_ref(pg);
    mm_owner_fini(&d);
    xt_assert_audit_clean();
}

static bool all_zero(const void *p, size_t len)
{
    const unsigned char *c = p;
    size_t i;

    for (i = 0; i < len; i++)
        if (c[i])
            return false;
    return true;
}

/* Takes every page a domain can get and checks each reads as zero. */
static void assert_domain_sees_zeroes(struct mm_owner *d)
{
    struct page_info *pg;
    uint64_t n = 0;

    while (alloc_domheap_pages(d, 0, 0, &pg) == 0) {
        assert_true(all_zero(mfn_to_virt(page_to_mfn(pg)), PAGE_SIZE));
        n++;
    }
    assert_true(n > 0);
    while ((pg = page_list_first(&d->page_list)))
        put_page_alloc_ref(pg);
}

static void test_scrub_between_domains(void **state)
{
    struct page_info *pg, *big;
    struct mm_owner a, b;
    struct mm_stats st;
    void *va;
    int i;

    (void)state;
    mm_owner_init(&a, 1, NR_PAGES);
    mm_owner_init(&b, 2, NR_PAGES);
    assert_int_equal(alloc_domheap_pages(&a, 0, 0, &pg), 0);
    assert_int_equal(alloc_domheap_pages(&a, 9, 0, &big), 0);
    memset(mfn_to_virt(page_to_mfn(pg)), 0xa5, PAGE_SIZE);
    memset(mfn_to_virt(page_to_mfn(big)), 0x5a, PAGE_SIZE << 9);
    put_page_alloc_ref(pg);
    for (i = 0; i < 512; i++)
        put_page_alloc_ref(big + i);

    /* xhv's own bytes must not reach a domain either. */
    assert_int_equal(alloc_xenheap_pages(0, 0, &va), 0);
    memset(va, 0x3c, PAGE_SIZE);
    assert_int_equal(free_xenheap_pages(va, 0), 0);
    xt_assert_audit_clean();

    assert_domain_sees_zeroes(&b);
    mm_get_stats(&st);
    assert_true(st.scrubbed_pages >= 1 + 512 + 1);
    mm_owner_fini(&a);
    mm_owner_fini(&b);
    xt_assert_audit_clean();
}

static void test_scrub_domain_bytes_from_xenheap(void **state)
{
    struct page_info *pg;
    struct mm_owner a;
    void **va = calloc(NR_PAGES, sizeof(*va));
    uint64_t n = 0, i;

    (void)state;
    assert_non_null(va);
    mm_owner_init(&a, 1, NR_PAGES);
    assert_int_equal(alloc_domheap_pages(&a, 0, 0, &pg), 0);
    memset(mfn_to_virt(page_to_mfn(pg)), 0xee, PAGE_SIZE);
    put_page_alloc_ref(pg);
    mm_owner_fini(&a);
    while (alloc_xenheap_pages(0, 0, &va[n]) == 0) {
        assert_true(all_zero(va[n], PAGE_SIZE));
        n++;
    }
    for (i = 0; i < n; i++)
        assert_int_equal(free_xenheap_pages(va[i], 0), 0);
    free(va);
    xt_assert_audit_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_extra_page_accounting, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_max_pages_counts_orders, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dying_domain_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_references, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_page_underflow_asserts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_scrub_between_domains,
                                        setup_noscratch, teardown),
        cmocka_unit_test_setup_teardown(test_scrub_domain_bytes_from_xenheap,
                                        setup, teardown),
    };

    return cmocka_run_group_tests_name("mm_domheap", tests, NULL, NULL);
}
