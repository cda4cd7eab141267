/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The allocation wrapper: the live counter follows every successful
 * allocation and free (and nothing else), each call is a fault site named
 * after its caller so an armed rule on that name makes it fail without
 * touching the counter, calloc hands out zeroed memory, and a failed
 * realloc leaves the original block allocated and intact.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/alloc.h"
#include "lib/fault.h"

static int teardown(void **state)
{
    (void)state;
    fault_disarm();
    return 0;
}

static void test_live_counter(void **state)
{
    long base = xhv_alloc_live();
    char *m, *c, *s, *r;

    (void)state;
    m = xhv_malloc(10);
    assert_non_null(m);
    assert_int_equal(xhv_alloc_live(), base + 1);
    c = xhv_calloc(2, 8);
    assert_non_null(c);
    assert_int_equal(xhv_alloc_live(), base + 2);
    s = xhv_strdup("hello");
    assert_non_null(s);
    assert_string_equal(s, "hello");
    assert_int_equal(xhv_alloc_live(), base + 3);
    /* realloc of NULL is an allocation; realloc of a block is not. */
    r = xhv_realloc(NULL, 5);
    assert_non_null(r);
    assert_int_equal(xhv_alloc_live(), base + 4);
    r = xhv_realloc(r, 5000);
    assert_non_null(r);
    assert_int_equal(xhv_alloc_live(), base + 4);

    xhv_free(NULL);
    assert_int_equal(xhv_alloc_live(), base + 4);
    xhv_free(m);
    assert_int_equal(xhv_alloc_live(), base + 3);
    xhv_free(c);
    xhv_free(s);
    xhv_free(r);
    assert_int_equal(xhv_alloc_live(), base);
    xhv_free(NULL);
    assert_int_equal(xhv_alloc_live(), base);
}

/* Zero sizes still give a distinct block that is counted and freed. */
static void test_zero_sizes(void **state)
{
    long base = xhv_alloc_live();
    void *a, *b, *c;

    (void)state;
    a = xhv_malloc(0);
    b = xhv_calloc(0, 0);
    c = xhv_calloc(0, 16);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_ptr_not_equal(a, b);
    assert_int_equal(xhv_alloc_live(), base + 3);
    a = xhv_realloc(a, 0);
    assert_non_null(a);
    assert_int_equal(xhv_alloc_live(), base + 3);
    xhv_free(a);
    xhv_free(b);
    xhv_free(c);
    assert_int_equal(xhv_alloc_live(), base);
}

static void test_malloc_fault(void **state)
{
    long base = xhv_alloc_live();
    void *p;

    (void)state;
    assert_int_equal(fault_arm(__func__, 1, FAULT_TRANSIENT), 0);
    assert_null(xhv_malloc(32));
    assert_int_equal(xhv_alloc_live(), base);
    assert_int_equal(fault_fired(), 1);
    assert_string_equal(fault_last_site(), __func__);

    /* The rule was transient: the next call succeeds. */
    p = xhv_malloc(32);
    assert_non_null(p);
    assert_int_equal(xhv_alloc_live(), base + 1);
    xhv_free(p);
    assert_int_equal(xhv_alloc_live(), base);
}

static void test_fault_other_site_ignored(void **state)
{
    long base = xhv_alloc_live();
    void *p;

    (void)state;
    assert_int_equal(fault_arm("some_other_function", 1, FAULT_PERSISTENT), 0);
    p = xhv_malloc(8);
    assert_non_null(p);
    assert_int_equal(fault_hits(), 0);
    assert_int_equal(fault_fired(), 0);
    assert_int_equal(xhv_alloc_live(), base + 1);
    xhv_free(p);
}

static void *alloc_in_helper(void)
{
    return xhv_malloc(8);
}

/* The site is the function that calls the wrapper, not its caller. */
static void test_site_is_direct_caller(void **state)
{
    long base = xhv_alloc_live();
    void *p;

    (void)state;
    assert_int_equal(fault_arm(__func__, 1, FAULT_PERSISTENT), 0);
    p = alloc_in_helper();
    assert_non_null(p);
    assert_int_equal(fault_fired(), 0);
    xhv_free(p);

    assert_int_equal(fault_arm("alloc_in_helper", 1, FAULT_PERSISTENT), 0);
    assert_null(alloc_in_helper());
    assert_int_equal(fault_fired(), 1);
    assert_string_equal(fault_last_site(), "alloc_in_helper");
    assert_int_equal(xhv_alloc_live(), base);
}

static void test_calloc_strdup_fault(void **state)
{
    long base = xhv_alloc_live();

    (void)state;
    assert_int_equal(fault_arm(__func__, 1, FAULT_PERSISTENT), 0);
    assert_null(xhv_calloc(4, 4));
    assert_null(xhv_strdup("text"));
    assert_null(xhv_realloc(NULL, 4));
    assert_int_equal(fault_fired(), 3);
    assert_int_equal(xhv_alloc_live(), base);
}

static void test_calloc_zeroes(void **state)
{
    static const size_t sizes[] = {1, 64, 4096, 1 << 20};
    size_t i, j;

    (void)state;
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned char *p = xhv_malloc(sizes[i]);
        unsigned char *z;

        /* Dirty a block of the same size first so reuse would show. */
        assert_non_null(p);
        memset(p, 0xa5, sizes[i]);
        xhv_free(p);
        z = xhv_calloc(sizes[i], 1);
        assert_non_null(z);
        for (j = 0; j < sizes[i]; j++)
            if (z[j] != 0)
                fail_msg("calloc(%zu) byte %zu is %#x", sizes[i], j, z[j]);
        xhv_free(z);
    }
}

static void test_realloc_fault_keeps_block(void **state)
{
    long base = xhv_alloc_live();
    unsigned char *p, *q;
    size_t i;

    (void)state;
    p = xhv_malloc(64);
    assert_non_null(p);
    for (i = 0; i < 64; i++)
        p[i] = (unsigned char)i;

    assert_int_equal(fault_arm(__func__, 1, FAULT_TRANSIENT), 0);
    assert_null(xhv_realloc(p, 4096));
    assert_int_equal(fault_fired(), 1);
    assert_int_equal(xhv_alloc_live(), base + 1);
    /* Still ours and unchanged (ASan would flag a freed block here). */
    for (i = 0; i < 64; i++)
        assert_int_equal(p[i], i);

    q = xhv_realloc(p, 4096);
    assert_non_null(q);
    for (i = 0; i < 64; i++)
        assert_int_equal(q[i], i);
    assert_int_equal(xhv_alloc_live(), base + 1);
    xhv_free(q);
    assert_int_equal(xhv_alloc_live(), base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_live_counter, teardown),
        cmocka_unit_test_teardown(test_zero_sizes, teardown),
        cmocka_unit_test_teardown(test_malloc_fault, teardown),
        cmocka_unit_test_teardown(test_fault_other_site_ignored, teardown),
        cmocka_unit_test_teardown(test_site_is_direct_caller, teardown),
        cmocka_unit_test_teardown(test_calloc_strdup_fault, teardown),
        cmocka_unit_test_teardown(test_calloc_zeroes, teardown),
        cmocka_unit_test_teardown(test_realloc_fault_keeps_block, teardown),
    };

    return cmocka_run_group_tests_name("lib_alloc", tests, NULL, NULL);
}
