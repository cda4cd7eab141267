/* SPDX-License-Identifier: GPL-2.0-only */
/* Placeholder until the family lands: it must still answer -ENOSYS. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include "hc_test.h"
#include "xhv_test.h"

static void test_unimplemented(void **state)
{
    struct domain *d;

    (void)state;
    xt_mm_setup(16, 0);
    d = hc_domain_create("t", 4, 1);
    assert_int_equal(hc_call(d, __HYPERVISOR_hvm_op, 0, 0, 0, 0, 0), -ENOSYS);
    hc_domain_destroy(d);
    xt_assert_audit_clean();
    xt_mm_teardown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unimplemented),
    };

    return cmocka_run_group_tests_name("hypercall_hvm_vcpu", tests, NULL, NULL);
}
