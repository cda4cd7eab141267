/* SPDX-License-Identifier: GPL-2.0-only */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "lib/alloc.h"
#include "lib/assert.h"
#include "lib/fault.h"
#include "mm/mm.h"
#include "xhv_test.h"

jmp_buf *xt_assert_jmp;

static void cmocka_assert_handler(const char *expr, const char *file, int line,
                                  const char *func)
{
    (void)func;
    if (xt_assert_jmp)
        longjmp(*xt_assert_jmp, 1);
    mock_assert(0, expr, file, line);
}

void xt_install_assert_hook(void)
{
    xhv_assert_set_handler(cmocka_assert_handler);
}

void xt_mm_setup(uint64_t mem_mib, uint64_t scratch_mib)
{
    struct mm_config cfg = {
        .mem_bytes = mem_mib << 20,
        .scratch_bytes = scratch_mib << 20,
        .memfd = -1,
    };

    xt_install_assert_hook();
    assert_int_equal(mm_init(&cfg), 0);
}

void xt_mm_teardown(void)
{
    mm_fini();
    fault_disarm();
}

void xt_assert_audit_clean(void)
{
    static struct mm_audit_report r;
    static char buf[16384];

    if (mm_audit(&r, MM_AUDIT_DEEP) != 0) {
        mm_audit_format(&r, buf, sizeof(buf));
        print_error("%s", buf);
        fail_msg("memory audit found %llu violations",
                 (unsigned long long)r.nr_violations);
    }
}

unsigned long xt_audit_count(int kind)
{
    static struct mm_audit_report r;
    unsigned long n = 0;
    size_t i;

    mm_audit(&r, MM_AUDIT_DEEP);
    for (i = 0; i < r.nr_reported; i++)
        if ((int)r.v[i].kind == kind)
            n++;
    return n;
}

#define XT_FAULT_LOOP_MAX 100000

static unsigned long loop_mode(const char *site, enum fault_mode mode,
                               xt_scenario_fn scenario, xt_check_fn check,
                               void *ctx)
{
    unsigned long n;

    for (n = 1; n < XT_FAULT_LOOP_MAX; n++) {
        long live = xhv_alloc_live();
        unsigned long fired, benign;
        int rc;

        assert_int_equal(fault_arm(site, n, mode), 0);
        rc = scenario(ctx);
        fired = fault_fired();
        benign = fault_fired_benign();
        fault_disarm();
        if (fired > benign && rc >= 0)
            fail_msg("failure point %lu (%s, %s) was swallowed: rc %d", n,
                     fault_last_site(),
                     mode == FAULT_TRANSIENT ? "transient" : "persistent", rc);
        check(ctx, rc);
        if (xhv_alloc_live() != live)
            fail_msg("failure point %lu (%s): %ld allocations leaked", n,
                     fired ? fault_last_site() : "none",
                     xhv_alloc_live() - live);
        if (!fired) {
            assert_int_equal(rc, 0);
            return n - 1;
        }
    }
    fail_msg("fault loop did not finish after %d points", XT_FAULT_LOOP_MAX);
    return 0;
}

unsigned long xt_fault_loop(const char *site, xt_scenario_fn scenario,
                            xt_check_fn check, void *ctx)
{
    unsigned long points;

    points = loop_mode(site, FAULT_TRANSIENT, scenario, check, ctx);
    /* Persistent failure starting at hit n is a different run from a
     * single failure at hit n: the error path itself must not allocate
     * its way out. */
    loop_mode(site, FAULT_PERSISTENT, scenario, check, ctx);
    return points;
}
