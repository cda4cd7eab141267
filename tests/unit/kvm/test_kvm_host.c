/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The part of the KVM state code that needs /dev/kvm: this host's KVM
 * takes a CPUID policy it supports and refuses one with a feature it
 * lacks. Where KVM cannot run guests, the whole program is skipped (TAP
 * "1..0 # SKIP" with the reason) and nothing else is.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/kvm/private.h"

static void test_host_policy(void **state)
{
    struct mig_cpuid_leaf l[1] = {{1, MIG_CPUID_NO_SUBLEAF, 0, 0, 0, 0}};
    char err[256] = "";

    (void)state;
    if (kvm_cpuid_policy_supported(l, 1, err, sizeof(err)))
        fail_msg("%s", err);
    /* No KVM offers every bit of leaf 7's EBX: RDT monitoring (bit 12),
     * for one, is never given to guests. */
    l[0] = (struct mig_cpuid_leaf){7, 0, 0, 0xffffffffu, 0, 0};
    assert_int_equal(kvm_cpuid_policy_supported(l, 1, err, sizeof(err)),
                     -EOPNOTSUPP);
    assert_non_null(strstr(err, "CPUID leaf 0x7 subleaf 0 EBX"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_policy),
    };
    char why[160] = "";

    if (!kvm_usable(why, sizeof(why))) {
        printf("1..0 # SKIP no usable KVM here: %s\n", why);
        return 0;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
