/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The P2M's log-dirty bitmap under concurrency: writers mark gfns while a
 * harvester moves the log out, as guest vCPUs and event delivery do
 * while a migration's rounds run. Every mark made while logging must
 * land in exactly some harvest (none lost), and a harvest must report
 * what it moved. Part of the TSan pass (suite "concurrency").
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "p2m/p2m.h"
#include "xhv_test.h"

#define NR_GFNS 4096
#define WRITERS 3
#define ROUNDS  2000

static struct p2m p;
static uint64_t seen[NR_GFNS / 64];
static volatile int stop;

struct writer {
    pthread_t t;
    unsigned int id;
    uint64_t marked[NR_GFNS / 64]; /* what this writer marked */
};

static void *writer(void *arg)
{
    struct writer *w = arg;
    uint64_t x = 0x9e3779b97f4a7c15ULL * (w->id + 1);

    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        gfn_t g;

        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        g = x % NR_GFNS;
        w->marked[g / 64] |= 1ULL << (g % 64);
        p2m_mark_dirty(&p, g);
    }
    return NULL;
}

static void test_no_mark_lost(void **state)
{
    struct writer w[WRITERS];
    uint64_t moved = 0, bits = 0, out[NR_GFNS / 64];
    unsigned int i, r;

    (void)state;
    xt_mm_setup(16, 4);
    assert_int_equal(p2m_init(&p, NR_GFNS), 0);
    assert_int_equal(p2m_log_dirty_start(&p), 0);
    memset(w, 0, sizeof(w));
    for (i = 0; i < WRITERS; i++) {
        w[i].id = i;
        assert_int_equal(pthread_create(&w[i].t, NULL, writer, &w[i]), 0);
    }
    for (r = 0; r < ROUNDS; r++) {
        memset(out, 0, sizeof(out));
        moved += p2m_log_dirty_harvest(&p, out, NR_GFNS / 64);
        for (i = 0; i < NR_GFNS / 64; i++)
            seen[i] |= out[i];
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (i = 0; i < WRITERS; i++)
        pthread_join(w[i].t, NULL);
    /* What the writers did after the last harvest is in the log still. */
    memset(out, 0, sizeof(out));
    moved += p2m_log_dirty_harvest(&p, out, NR_GFNS / 64);
    for (i = 0; i < NR_GFNS / 64; i++)
        seen[i] |= out[i];
    for (i = 0; i < NR_GFNS / 64; i++) {
        uint64_t all = 0;
        unsigned int k;

        for (k = 0; k < WRITERS; k++)
            all |= w[k].marked[i];
        /* Every gfn a writer marked was harvested at least once. */
        assert_int_equal(all & ~seen[i], 0);
        bits += (uint64_t)__builtin_popcountll(seen[i]);
    }
    assert_true(moved >= bits);
    /* Nothing marked once logging stopped. */
    p2m_log_dirty_stop(&p);
    p2m_mark_dirty(&p, 7);
    memset(out, 0, sizeof(out));
    assert_int_equal(p2m_log_dirty_harvest(&p, out, NR_GFNS / 64), 0);
    p2m_teardown(&p);
    xt_mm_teardown();
}

/* mark_all covers the window and nothing past it; a window pointer maps
 * to its gfn; anything outside the window is ignored. */
static void test_mark_all_and_va(void **state)
{
    uint64_t out[(NR_GFNS + 100 + 63) / 64];

    (void)state;
    xt_mm_setup(16, 4);
    assert_int_equal(p2m_init(&p, NR_GFNS + 100), 0);
    assert_int_equal(p2m_log_dirty_start(&p), 0);
    p2m_mark_dirty_all(&p);
    memset(out, 0, sizeof(out));
    assert_int_equal(p2m_log_dirty_harvest(&p, out, sizeof(out) / 8),
                     NR_GFNS + 100);
    p2m_mark_dirty_va(&p, p.window + (5 << 12) + 17);
    p2m_mark_dirty_va(&p, p.window - 1);
    p2m_mark_dirty_va(&p, NULL);
    p2m_mark_dirty(&p, NR_GFNS + 100); /* past the window */
    memset(out, 0, sizeof(out));
    assert_int_equal(p2m_log_dirty_harvest(&p, out, sizeof(out) / 8), 1);
    assert_int_equal(out[0], 1ULL << 5);
    p2m_teardown(&p);
    xt_mm_teardown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_mark_lost),
        cmocka_unit_test(test_mark_all_and_va),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
