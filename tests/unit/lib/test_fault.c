/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fault injector: parsing of "SITE:N" and "SITE:N+" specs (a malformed
 * spec is refused with -EINVAL and leaves whatever rule was armed before,
 * armed or not, exactly as it was), transient and persistent rules, the
 * "*" wildcard, the hit/fired/last-site counters, arming from $XHV_FAULT,
 * site recording, and four threads racing on one site with exactly one
 * hit failing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/compiler.h"
#include "lib/fault.h"

/* One more than the longest site name a rule can hold. */
#define SITE_MAX 128

static int teardown(void **state)
{
    (void)state;
    fault_disarm();
    fault_record(false);
    unsetenv("XHV_FAULT");
    return 0;
}

/* Fires site n times and returns how many of those hits failed. */
static unsigned long fire_n(const char *site, unsigned long n)
{
    unsigned long i, failed = 0;

    for (i = 0; i < n; i++)
        if (fault_fire(site))
            failed++;
    return failed;
}

static void test_nothing_armed_never_fires(void **state)
{
    (void)state;
    fault_disarm();
    assert_int_equal(fire_n("anything", 1000), 0);
    assert_int_equal(fire_n(FAULT_SITE_ANY, 10), 0);
}

static void test_arm_rejects_bad_arguments(void **state)
{
    char longest[SITE_MAX];

    (void)state;
    assert_int_equal(fault_arm(NULL, 1, FAULT_TRANSIENT), -EINVAL);
    assert_int_equal(fault_arm("site", 0, FAULT_TRANSIENT), -EINVAL);

    /* The longest name that fits is accepted and matched in full. */
    memset(longest, 'a', sizeof(longest) - 1);
    longest[sizeof(longest) - 1] = '\0';
    assert_int_equal(fault_arm(longest, 1, FAULT_TRANSIENT), 0);
    assert_true(fault_fire(longest));
}

static void test_spec_valid(void **state)
{
    (void)state;
    assert_int_equal(fault_arm_spec("site:3"), 0);
    assert_false(fault_fire("site"));
    assert_false(fault_fire("site"));
    assert_true(fault_fire("site"));
    assert_false(fault_fire("site"));
    assert_int_equal(fault_fired(), 1);

    assert_int_equal(fault_arm_spec("site:3+"), 0);
    assert_int_equal(fault_hits(), 0);
    assert_int_equal(fire_n("site", 2), 0);
    assert_int_equal(fire_n("site", 5), 5);

    assert_int_equal(fault_arm_spec("*:1"), 0);
    assert_true(fault_fire("whatever"));
    assert_false(fault_fire("whatever"));

    /* The count follows the last colon, so a site may contain colons. */
    assert_int_equal(fault_arm_spec("a:b:2"), 0);
    assert_false(fault_fire("a:b"));
    assert_false(fault_fire("a"));
    assert_true(fault_fire("a:b"));
}

static const char *const bad_specs[] = {
    "",         "site",     ":3",      ":3+",
    "site:",    "site:0",   "site:+",  "site:0+",
    "site:3x",  "site:-1",  "site:+3", "site: 3",
    "site:3++", "site:3+x", "site:3 ", "site:99999999999999999999999999",
};

static char *make_long_spec(size_t site_len, const char *suffix)
{
    char *spec = malloc(site_len + strlen(suffix) + 1);

    assert_non_null(spec);
    memset(spec, 's', site_len);
    strcpy(spec + site_len, suffix);
    return spec;
}

static void test_spec_invalid(void **state)
{
    char *spec;
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_SIZE(bad_specs); i++) {
        if (fault_arm_spec(bad_specs[i]) != -EINVAL)
            fail_msg("spec \"%s\" was not refused", bad_specs[i]);
    }

    spec = make_long_spec(SITE_MAX, ":1");
    assert_int_equal(fault_arm_spec(spec), -EINVAL);
    free(spec);
    spec = make_long_spec(SITE_MAX - 1, ":1");
    assert_int_equal(fault_arm_spec(spec), 0);
    free(spec);
}

/* A malformed spec must neither disturb an armed rule (its hit count goes
 * on from where it was) nor arm anything when none was armed. */
static void test_spec_invalid_keeps_rule(void **state)
{
    size_t i;

    (void)state;
    assert_int_equal(fault_arm_spec("keep:3"), 0);
    assert_false(fault_fire("keep"));
    for (i = 0; i < ARRAY_SIZE(bad_specs); i++)
        assert_int_equal(fault_arm_spec(bad_specs[i]), -EINVAL);
    assert_int_equal(fault_hits(), 1);
    assert_false(fault_fire("keep"));
    assert_true(fault_fire("keep"));
    assert_false(fault_fire("site"));

    fault_disarm();
    for (i = 0; i < ARRAY_SIZE(bad_specs); i++)
        assert_int_equal(fault_arm_spec(bad_specs[i]), -EINVAL);
    assert_int_equal(fire_n("site", 100), 0);
    assert_int_equal(fire_n("keep", 100), 0);
    assert_int_equal(fire_n("*", 100), 0);
}

static void test_transient_only_nth(void **state)
{
    unsigned long i;

    (void)state;
    assert_int_equal(fault_arm("a", 4, FAULT_TRANSIENT), 0);
    assert_null(fault_last_site());
    for (i = 1; i <= 10; i++) {
        /* Hits of other sites in between must not count. */
        assert_false(fault_fire("b"));
        assert_false(fault_fire("ab"));
        assert_false(fault_fire(""));
        if (fault_fire("a") != (i == 4))
            fail_msg("hit %lu of \"a\" answered wrongly", i);
    }
    assert_int_equal(fault_hits(), 10);
    assert_int_equal(fault_fired(), 1);
    assert_string_equal(fault_last_site(), "a");
}

static void test_persistent_nth_and_later(void **state)
{
    unsigned long i;

    (void)state;
    assert_int_equal(fault_arm("p", 3, FAULT_PERSISTENT), 0);
    for (i = 1; i <= 20; i++) {
        assert_false(fault_fire("q"));
        if (fault_fire("p") != (i >= 3))
            fail_msg("hit %lu of \"p\" answered wrongly", i);
    }
    assert_int_equal(fault_hits(), 20);
    assert_int_equal(fault_fired(), 18);
    assert_string_equal(fault_last_site(), "p");
}

static void test_wildcard_matches_every_site(void **state)
{
    (void)state;
    assert_int_equal(fault_arm(FAULT_SITE_ANY, 3, FAULT_TRANSIENT), 0);
    assert_false(fault_fire("one"));
    assert_false(fault_fire("two"));
    assert_true(fault_fire("three"));
    assert_false(fault_fire("four"));
    assert_int_equal(fault_hits(), 4);
    assert_int_equal(fault_fired(), 1);
    assert_string_equal(fault_last_site(), "three");

    assert_int_equal(fault_arm(FAULT_SITE_ANY, 2, FAULT_PERSISTENT), 0);
    assert_false(fault_fire("one"));
    assert_true(fault_fire("two"));
    assert_true(fault_fire("three"));
    assert_string_equal(fault_last_site(), "three");
    assert_int_equal(fault_fired(), 2);
}

/* Arming starts the counters afresh; disarming keeps them readable (the
 * fault loop reads them after it disarms) but stops counting. */
static void test_counters_reset_by_arm(void **state)
{
    (void)state;
    assert_int_equal(fault_arm("c", 1, FAULT_PERSISTENT), 0);
    assert_int_equal(fire_n("c", 5), 5);
    fault_disarm();
    assert_int_equal(fault_hits(), 5);
    assert_int_equal(fault_fired(), 5);
    assert_string_equal(fault_last_site(), "c");
    assert_int_equal(fire_n("c", 5), 0);
    assert_int_equal(fault_hits(), 5);

    assert_int_equal(fault_arm("c", 2, FAULT_TRANSIENT), 0);
    assert_int_equal(fault_hits(), 0);
    assert_int_equal(fault_fired(), 0);
    assert_null(fault_last_site());
}

static void test_arm_from_env(void **state)
{
    (void)state;
    unsetenv("XHV_FAULT");
    assert_int_equal(fault_arm_from_env(), 0);
    assert_int_equal(fire_n("env", 10), 0);

    assert_int_equal(setenv("XHV_FAULT", "", 1), 0);
    assert_int_equal(fault_arm_from_env(), 0);
    assert_int_equal(fire_n("env", 10), 0);

    assert_int_equal(setenv("XHV_FAULT", "env:2", 1), 0);
    assert_int_equal(fault_arm_from_env(), 0);
    assert_false(fault_fire("env"));
    assert_true(fault_fire("env"));
    assert_false(fault_fire("env"));

    assert_int_equal(setenv("XHV_FAULT", "env:1+", 1), 0);
    assert_int_equal(fault_arm_from_env(), 0);
    assert_int_equal(fire_n("env", 4), 4);

    fault_disarm();
    assert_int_equal(setenv("XHV_FAULT", "env", 1), 0);
    assert_int_equal(fault_arm_from_env(), -EINVAL);
    assert_int_equal(setenv("XHV_FAULT", "env:0", 1), 0);
    assert_int_equal(fault_arm_from_env(), -EINVAL);
    assert_int_equal(fire_n("env", 10), 0);
}

static void test_record_sites(void **state)
{
    const char *sites[8];

    (void)state;
    fault_record(true);
    assert_int_equal(fault_sites(sites, ARRAY_SIZE(sites)), 0);
    /* Recording does not depend on a rule being armed. */
    fault_fire("alpha");
    fault_fire("beta");
    fault_fire("alpha");
    fault_fire("gamma");
    fault_fire("beta");
    assert_int_equal(fault_arm("beta", 1, FAULT_PERSISTENT), 0);
    fault_fire("beta");
    fault_fire("delta");

    assert_int_equal(fault_sites(sites, ARRAY_SIZE(sites)), 4);
    assert_string_equal(sites[0], "alpha");
    assert_string_equal(sites[1], "beta");
    assert_string_equal(sites[2], "gamma");
    assert_string_equal(sites[3], "delta");
    assert_int_equal(fault_sites(sites, 2), 2);
    assert_string_equal(sites[1], "beta");

    /* Off keeps the list but adds nothing; on again starts a new one. */
    fault_record(false);
    fault_fire("epsilon");
    assert_int_equal(fault_sites(sites, ARRAY_SIZE(sites)), 4);
    fault_record(true);
    assert_int_equal(fault_sites(sites, ARRAY_SIZE(sites)), 0);
    fault_fire("zeta");
    assert_int_equal(fault_sites(sites, ARRAY_SIZE(sites)), 1);
    assert_string_equal(sites[0], "zeta");
}

static void test_record_sites_capped(void **state)
{
    static char names[FAULT_MAX_SITES + 44][8];
    static const char *sites[FAULT_MAX_SITES + 44];
    size_t i;

    (void)state;
    fault_record(true);
    for (i = 0; i < ARRAY_SIZE(names); i++) {
        snprintf(names[i], sizeof(names[i]), "s%zu", i);
        fault_fire(names[i]);
        fault_fire(names[i]);
    }
    assert_int_equal(fault_sites(sites, ARRAY_SIZE(sites)), FAULT_MAX_SITES);
    for (i = 0; i < FAULT_MAX_SITES; i++)
        assert_string_equal(sites[i], names[i]);
}

#define RACE_THREADS 4
#define RACE_HITS    10000

struct race_arg {
    pthread_barrier_t *start;
    unsigned long failed;
};

static void *race_thread(void *p)
{
    struct race_arg *a = p;

    pthread_barrier_wait(a->start);
    a->failed = fire_n("x", RACE_HITS);
    return NULL;
}

/* Runs RACE_THREADS threads hitting "x" at once; returns the failures. */
static unsigned long race(void)
{
    struct race_arg args[RACE_THREADS];
    pthread_t th[RACE_THREADS];
    pthread_barrier_t start;
    unsigned long total = 0;
    int i;

    assert_int_equal(pthread_barrier_init(&start, NULL, RACE_THREADS), 0);
    for (i = 0; i < RACE_THREADS; i++) {
        args[i].start = &start;
        args[i].failed = 0;
        assert_int_equal(pthread_create(&th[i], NULL, race_thread, &args[i]),
                         0);
    }
    for (i = 0; i < RACE_THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        total += args[i].failed;
    }
    pthread_barrier_destroy(&start);
    return total;
}

/* Each hit gets a distinct number, so exactly one thread sees hit 5000. */
static void test_concurrent_transient_fires_once(void **state)
{
    (void)state;
    assert_int_equal(fault_arm_spec("x:5000"), 0);
    assert_int_equal(race(), 1);
    assert_int_equal(fault_fired(), 1);
    assert_int_equal(fault_hits(), RACE_THREADS * RACE_HITS);
    assert_string_equal(fault_last_site(), "x");
}

static void test_concurrent_persistent(void **state)
{
    const unsigned long total = RACE_THREADS * RACE_HITS;

    (void)state;
    assert_int_equal(fault_arm_spec("x:5000+"), 0);
    assert_int_equal(race(), total - 4999);
    assert_int_equal(fault_fired(), total - 4999);
    assert_int_equal(fault_hits(), total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_nothing_armed_never_fires, teardown),
        cmocka_unit_test_teardown(test_arm_rejects_bad_arguments, teardown),
        cmocka_unit_test_teardown(test_spec_valid, teardown),
        cmocka_unit_test_teardown(test_spec_invalid, teardown),
        cmocka_unit_test_teardown(test_spec_invalid_keeps_rule, teardown),
        cmocka_unit_test_teardown(test_transient_only_nth, teardown),
        cmocka_unit_test_teardown(test_persistent_nth_and_later, teardown),
        cmocka_unit_test_teardown(test_wildcard_matches_every_site, teardown),
        cmocka_unit_test_teardown(test_counters_reset_by_arm, teardown),
        cmocka_unit_test_teardown(test_arm_from_env, teardown),
        cmocka_unit_test_teardown(test_record_sites, teardown),
        cmocka_unit_test_teardown(test_record_sites_capped, teardown),
        cmocka_unit_test_teardown(test_concurrent_transient_fires_once,
                                  teardown),
        cmocka_unit_test_teardown(test_concurrent_persistent, teardown),
    };

    return cmocka_run_group_tests_name("lib_fault", tests, NULL, NULL);
}
