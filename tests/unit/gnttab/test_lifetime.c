/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Who outlives whom: a granter destroyed while another domain maps its
 * page, a mapper destroyed while it holds mappings, and the grant frames
 * going in relinquish. The rule under test (gnttab.h): a mapped page
 * stays allocated, owned by its dying granter, until the last mapping
 * goes; then it is freed and scrubbed, and the mapper never sees it
 * reused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "gnt_test.h"
#include "xhv_test.h"

static struct domain *a, *b;

static int setup(void **state)
{
    (void)state;
    a = hc_setup(32, 2, "a", 4, 1);
    b = hc_domain_create("b", 4, 1);
    assert_int_equal(gnt_add_frame(a, 0, GNT_FRAME_GFN), 0);
    gnt_grant_v1(a, 10, (uint16_t)b->domid, GNT_PAGE_GFN, GTF_permit_access);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (b)
        hc_domain_destroy(b);
    b = NULL;
    hc_teardown(&a);
    return 0;
}

static void test_granter_dies_while_mapped(void **state)
{
    struct page_info *pg = gnt_page(a, GNT_PAGE_GFN);
    mfn_t mfn = page_to_mfn(pg);
    struct mm_owner *owner = &a->mm;
    uint32_t h, aid = a->domid;
    uint8_t *pb;
    struct domain *c;
    unsigned int i;

    (void)state;
    assert_int_equal(
        gnt_map(b, (uint16_t)aid, 10, GNT_MAP_GFN, GNTMAP_host_map, &h),
        GNTST_okay);
    pb = hc_mem(b, GNT_MAP_GFN << PAGE_SHIFT);
    memset(pb, 0xa5, PAGE_SIZE);

    hc_domain_destroy(a);
    a = NULL;
    /* Gone from the list, but its mapped page is not: B keeps reading
     * the same bytes, and the audit accounts for the page as the dying
     * domain's (the domain's struct and its mm owner live on). */
    assert_null(domain_lookup_id(aid));
    assert_false(page_is_free(pg));
    assert_ptr_equal(page_get_owner(pg), owner);
    assert_int_equal(mm_owner_tot_pages(owner), 1);
    assert_int_equal(mm_owner_extra_pages(owner), 0); /* frames freed */
    for (i = 0; i < PAGE_SIZE; i++)
        assert_int_equal(pb[i], 0xa5);
    pb[7] = 0x11;
    xt_assert_audit_clean();

    assert_int_equal(gnt_unmap(b, h, GNT_MAP_GFN), GNTST_okay);
    /* The last mapping went: the page is free, and whoever gets it next
     * reads zeroes (the deep audit checks the free pages' dirt too). */
    assert_true(page_is_free(mfn_to_page(mfn)));
    xt_assert_audit_clean();
    c = hc_domain_create("c", 24, 1);
    if (page_get_owner(mfn_to_page(mfn)) == &c->mm) {
        uint8_t *pc = mfn_to_virt(mfn);

        for (i = 0; i < PAGE_SIZE; i++)
            assert_int_equal(pc[i], 0);
    }
    hc_domain_destroy(c);
}

static void test_mapper_dies_with_mappings(void **state)
{
    struct page_info *pg = gnt_page(a, GNT_PAGE_GFN);
    unsigned int i;

    (void)state;
    for (i = 0; i < 4; i++)
        assert_int_equal(
            gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN + i,
                    i % 2 ? GNTMAP_host_map | GNTMAP_readonly : GNTMAP_host_map,
                    NULL),
            GNTST_okay);
    assert_int_equal(gnt_refs(pg), 5);
    assert_int_equal(gnt_types(pg), 2);
    hc_domain_destroy(b);
    b = NULL;
    /* Every pin, reference and bit is back; A can grant anew. */
    assert_int_equal(gnt_refs(pg), 1);
    assert_int_equal(gnt_types(pg), 0);
    assert_int_equal(gnt_v1(a, 10)->flags, GTF_permit_access);
    xt_assert_audit_clean();
}

static void test_both_die_mapper_first_granter_second(void **state)
{
    (void)state;
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN, GNTMAP_host_map, NULL),
        GNTST_okay);
    hc_domain_destroy(a);
    a = NULL;
    xt_assert_audit_clean();
    /* B's death releases the last reference to A's page and to A. */
    hc_domain_destroy(b);
    b = NULL;
    xt_assert_audit_clean();
}

static void test_frames_freed_in_relinquish(void **state)
{
    struct gnttab_set_version sv = {.version = 2};
    struct mm_stats before, after;

    (void)state;
    assert_int_equal(gnt_add_frame(a, 5, GNT_FRAME_GFN + 5), 0);
    assert_int_equal(gnt_op(a, GNTTABOP_set_version, &sv, sizeof(sv), 1, &sv),
                     0);
    assert_int_equal(mm_owner_extra_pages(&a->mm), 1 + 6 + 1);
    mm_get_stats(&before);
    hc_domain_destroy(a);
    a = NULL;
    mm_get_stats(&after);
    assert_int_equal(after.domheap_pages, before.domheap_pages - 1024 - 8);
    xt_assert_audit_clean();
}

static void test_map_from_dying_granter_refused(void **state)
{
    (void)state;
    /* What B sees once A's relinquish has started. */
    gnttab_release_mappings(a);
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN, GNTMAP_host_map, NULL),
        GNTST_bad_domain);
    assert_int_equal(gnttab_nr_maps(b), 0);
}

int main(void)
{
    xt_install_assert_hook();
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_granter_dies_while_mapped),
        T(test_mapper_dies_with_mappings),
        T(test_both_die_mapper_first_granter_second),
        T(test_frames_freed_in_relinquish),
        T(test_map_from_dying_granter_refused),
    };
#undef T
    return cmocka_run_group_tests_name("gnttab_lifetime", tests, NULL, NULL);
}
