/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared test support: cmocka glue for XHV_ASSERT, a machine-memory
 * fixture, the audit check every test ends with, and the fault loop.
 *
 * Include after cmocka's own prerequisites:
 *   #include <stdarg.h> <stddef.h> <stdint.h> <setjmp.h> <cmocka.h>
 */
#ifndef XHV_TESTS_XHV_TEST_H
#define XHV_TESTS_XHV_TEST_H

#include <stdbool.h>
#include <stdint.h>

/* Routes XHV_ASSERT failures into cmocka's mock_assert(), so a test can
 * expect_assert_failure() an invariant firing. */
void xt_install_assert_hook(void);

/*
 * xt_expect_assert(stmt) runs stmt and fails the test unless an
 * XHV_ASSERT fires inside it. (cmocka's expect_assert_failure prints a
 * line that is not TAP.)
 */
#include <setjmp.h>
extern jmp_buf *xt_assert_jmp;
#define xt_expect_assert(stmt)                                                 \
    do {                                                                       \
        jmp_buf xt_jb_;                                                        \
        xt_assert_jmp = &xt_jb_;                                               \
        if (setjmp(xt_jb_) == 0) {                                             \
            stmt;                                                              \
            xt_assert_jmp = NULL;                                              \
            fail_msg("expected an assertion from %s", #stmt);                  \
        }                                                                      \
        xt_assert_jmp = NULL;                                                  \
    } while (0)

/* Sets up machine memory of mem_mib MiB with scratch_mib MiB of scratch. */
void xt_mm_setup(uint64_t mem_mib, uint64_t scratch_mib);
void xt_mm_teardown(void);

/* Runs the audit (deep: clean free pages must read as zero) and fails the
 * test with the whole report when it finds anything. */
void xt_assert_audit_clean(void);
/* Runs the audit and returns how many violations of kind it reported. */
unsigned long xt_audit_count(int kind);

/*
 * The fault loop (after SQLite's): runs scenario with failure point 1, 2,
 * 3, ... of site ("*" for any site), first transiently then persistently,
 * until a run completes with no fault fired. Each failed run must return a
 * negative errno, unless every fault it saw was bracketed as benign; then
 * check() runs (it audits and undoes what a successful run built). Allocation
 * counts before and after each run must match once check() has run. Returns the
 * number of failure points seen.
 */
typedef int (*xt_scenario_fn)(void *ctx);
typedef void (*xt_check_fn)(void *ctx, int rc);
unsigned long xt_fault_loop(const char *site, xt_scenario_fn scenario,
                            xt_check_fn check, void *ctx);

#endif /* XHV_TESTS_XHV_TEST_H */
