/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault loops over memory-management scenarios: every allocation a
 * scenario reaches is failed in turn, transiently and then persistently,
 * and each run must end in a clean error, no leaked allocation and a
 * clean deep audit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include "lib/alloc.h"
#include "lib/fault.h"
#include "mm/mm.h"
#include "xhv_test.h"

/* What a small domain build takes: a table of xhv's own, RAM in 2 MiB
 * and 4 KiB pieces, an extra page, and a private bookkeeping struct. */
struct build {
    struct mm_owner d;
    void *table;
    struct page_info *ram_big, *ram_small, *extra;
    char *name;
};

static void build_undo(struct build *b)
{
    int i;

    if (b->extra)
        put_page_alloc_ref(b->extra);
    if (b->ram_small)
        put_page_alloc_ref(b->ram_small);
    if (b->ram_big)
        for (i = 0; i < 512; i++)
            put_page_alloc_ref(b->ram_big + i);
    free_xenheap_pages(b->table, 0);
    xhv_free(b->name);
    mm_owner_fini(&b->d);
    b->extra = b->ram_small = b->ram_big = NULL;
    b->table = NULL;
    b->name = NULL;
}

static int build_scenario(void *ctx)
{
    struct build *b = ctx;
    int rc = -ENOMEM;

    mm_owner_init(&b->d, 9, 1024);
    b->name = xhv_strdup("guest");
    if (!b->name)
        goto fail;
    rc = alloc_xenheap_pages(0, 0, &b->table);
    if (rc)
        goto fail;
    rc = alloc_domheap_pages(&b->d, 9, 0, &b->ram_big);
    if (rc)
        goto fail;
    rc = alloc_domheap_pages(&b->d, 0, 0, &b->ram_small);
    if (rc)
        goto fail;
    rc = alloc_domheap_pages(&b->d, 0, MEMF_extra(PAGE_KIND_SHARED_INFO, 0),
                             &b->extra);
    if (rc)
        goto fail;
    rc = get_page_and_type(b->extra, &b->d, PGT_writable_page);
    if (rc)
        goto fail;
    put_page_and_type(b->extra);
    return 0;
fail:
    build_undo(b);
    return rc;
}

static void build_check(void *ctx, int rc)
{
    struct build *b = ctx;

    if (rc == 0)
        build_undo(b);
    xt_assert_audit_clean();
}

static void test_build_every_failure_point(void **state)
{
    struct build b = {0};
    unsigned long points;

    (void)state;
    xt_mm_setup(16, 0);
    points = xt_fault_loop(FAULT_SITE_ANY, build_scenario, build_check, &b);
    /* strdup, xenheap, two RAM allocations, the extra page, its type. */
    assert_int_equal(points, 6);
    xt_mm_teardown();
}

/* A named site fails only there: here the type reference, the path the
 * seed thread found leaking shared_info. */
static void test_build_named_site(void **state)
{
    struct build b = {0};
    struct mm_stats st;

    (void)state;
    xt_mm_setup(16, 0);
    assert_int_equal(fault_arm("build_scenario", 6, FAULT_TRANSIENT), 0);
    assert_int_equal(build_scenario(&b), -EINVAL);
    assert_int_equal(fault_fired(), 1);
    fault_disarm();
    mm_get_stats(&st);
    assert_int_equal(st.domheap_pages, 0);
    assert_int_equal(st.xenheap_pages, 0);
    xt_assert_audit_clean();
    xt_mm_teardown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_every_failure_point),
        cmocka_unit_test(test_build_named_site),
    };

    return cmocka_run_group_tests_name("fault_mm", tests, NULL, NULL);
}
