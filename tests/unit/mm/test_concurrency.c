/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Concurrency: several domains allocate and free pages of mixed orders
 * from host threads while xhv allocates xenheap pages, other threads take
 * and drop references to one shared page, and an auditor runs the deep
 * audit throughout. Every audit must be clean: no operation is ever seen
 * half done. Runs under TSan in ./scripts/test --tsan.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>

#include "mm/mm.h"
#include "xhv_test.h"

#define NR_WORKERS 3
#define ITERATIONS 3000
#define HELD       64

struct worker {
    pthread_t thread;
    struct mm_owner d;
    unsigned int seed;
    int failures;
};

static int stop;

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct page_info *held[HELD] = {0};
    unsigned int held_order[HELD] = {0};
    void *xen[HELD] = {0};
    int i, j;

    for (i = 0; i < ITERATIONS; i++) {
        int slot = rand_r(&w->seed) % HELD;
        unsigned int order = (rand_r(&w->seed) % 4 == 0) ? 9 : 0;

        if (held[slot]) {
            for (j = 0; j < (1 << held_order[slot]); j++)
                put_page_alloc_ref(held[slot] + j);
            held[slot] = NULL;
        } else if (alloc_domheap_pages(&w->d, order, 0, &held[slot]) == 0) {
            held_order[slot] = order;
            /* The page must be ours and zero. */
            if (*(volatile uint64_t *)mfn_to_virt(page_to_mfn(held[slot])))
                w->failures++;
            *(uint64_t *)mfn_to_virt(page_to_mfn(held[slot])) = w->seed;
        } else {
            held[slot] = NULL;
        }
        if (xen[slot]) {
            if (free_xenheap_pages(xen[slot], 0))
                w->failures++;
            xen[slot] = NULL;
        } else if (alloc_xenheap_pages(0, 0, &xen[slot])) {
            xen[slot] = NULL;
        }
    }
    for (i = 0; i < HELD; i++) {
        if (held[i])
            for (j = 0; j < (1 << held_order[i]); j++)
                put_page_alloc_ref(held[i] + j);
        if (xen[i] && free_xenheap_pages(xen[i], 0))
            w->failures++;
    }
    return NULL;
}

struct sharer {
    pthread_t thread;
    struct page_info *pg;
    const struct mm_owner *d;
    int failures;
};

static void *sharer_main(void *arg)
{
    struct sharer *s = arg;
    int i;

    for (i = 0; i < 20000; i++) {
        if (get_page(s->pg, s->d)) {
            s->failures++;
            continue;
        }
        if (get_page_type(s->pg, PGT_writable_page) == 0)
            put_page_type(s->pg);
        put_page(s->pg);
    }
    return NULL;
}

static void *auditor_main(void *arg)
{
    static struct mm_audit_report r;
    int *dirty_audits = arg;

    static char buf[8192];

    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        /* Shallow while the others run (a deep audit reads every clean
         * free page, far too slow under TSan); deep at the end. */
        if (mm_audit(&r, 0) != 0) {
            /* Show the first one; the test fails on the count. */
            if ((*dirty_audits)++ == 0) {
                mm_audit_format(&r, buf, sizeof(buf));
                print_error("%s", buf);
            }
        }
    }
    return NULL;
}

static void test_concurrent_alloc_free_audit(void **state)
{
    struct worker w[NR_WORKERS];
    struct sharer s[2];
    struct mm_owner shared_owner;
    struct page_info *shared;
    pthread_t auditor;
    int dirty_audits = 0, i;

    (void)state;
    xt_mm_setup(64, 4);
    mm_owner_init(&shared_owner, 100, 1);
    assert_int_equal(alloc_domheap_pages(&shared_owner, 0, 0, &shared), 0);
    __atomic_store_n(&stop, 0, __ATOMIC_RELEASE);
    assert_int_equal(
        pthread_create(&auditor, NULL, auditor_main, &dirty_audits), 0);
    for (i = 0; i < NR_WORKERS; i++) {
        w[i].seed = (unsigned int)i + 1;
        w[i].failures = 0;
        mm_owner_init(&w[i].d, (uint32_t)i + 1, 4096);
        assert_int_equal(pthread_create(&w[i].thread, NULL, worker_main, &w[i]),
                         0);
    }
    for (i = 0; i < 2; i++) {
        s[i] = (struct sharer){.pg = shared, .d = &shared_owner};
        assert_int_equal(pthread_create(&s[i].thread, NULL, sharer_main, &s[i]),
                         0);
    }
    for (i = 0; i < 2; i++) {
        pthread_join(s[i].thread, NULL);
        assert_int_equal(s[i].failures, 0);
    }
    for (i = 0; i < NR_WORKERS; i++) {
        pthread_join(w[i].thread, NULL);
        assert_int_equal(w[i].failures, 0);
        assert_int_equal(mm_owner_tot_pages(&w[i].d), 0);
        mm_owner_fini(&w[i].d);
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    pthread_join(auditor, NULL);
    assert_int_equal(dirty_audits, 0);

    assert_int_equal(shared->u.inuse.type_info & PGT_count_mask, 0);
    put_page_alloc_ref(shared);
    mm_owner_fini(&shared_owner);
    xt_assert_audit_clean();
    xt_mm_teardown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_alloc_free_audit),
    };

    return cmocka_run_group_tests_name("mm_concurrency", tests, NULL, NULL);
}
