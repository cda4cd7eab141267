/* SPDX-License-Identifier: GPL-2.0-only */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "hc_test.h"
#include "xhv_test.h"

struct domain *hc_domain_create(const char *name, uint64_t mib,
                                unsigned int vcpus)
{
    struct domain_params p = {
        .memory_pages = mib << 8,
        .max_pages = mib << 8,
        .vcpus = vcpus,
        .on_poweroff = ACTION_DESTROY,
        .on_reboot = ACTION_RESTART,
        .on_crash = ACTION_PRESERVE,
    };
    struct domain *d;

    snprintf(p.name, sizeof(p.name), "%s", name);
    assert_int_equal(domain_create(&p, &d), 0);
    assert_int_equal(sim_domain_attach(d), 0);
    return d;
}

void hc_domain_destroy(struct domain *d)
{
    assert_int_equal(domain_kill(d), 0);
    put_domain(d);
}

long hc_call(struct domain *d, uint64_t op, uint64_t a0, uint64_t a1,
             uint64_t a2, uint64_t a3, uint64_t a4)
{
    struct hcall h = {.op = op, .arg = {a0, a1, a2, a3, a4}};

    return hypercall_dispatch(d->vcpus[0], &h);
}

void *hc_mem(struct domain *d, uint64_t gpa)
{
    uint8_t *page = p2m_gfn_to_virt(&d->p2m, gpa >> PAGE_SHIFT);

    assert_non_null(page);
    return page + (gpa & (PAGE_SIZE - 1));
}

struct domain *hc_setup(uint64_t mem_mib, uint64_t scratch_mib,
                        const char *name, uint64_t dom_mib, unsigned int vcpus)
{
    xt_mm_setup(mem_mib, scratch_mib);
    return hc_domain_create(name, dom_mib, vcpus);
}

void hc_pair_setup(const char *prefix, struct domain **a, struct domain **b)
{
    char name[32];

    xt_mm_setup(64, 4);
    snprintf(name, sizeof(name), "%sa", prefix);
    *a = hc_domain_create(name, 4, 2);
    snprintf(name, sizeof(name), "%sb", prefix);
    *b = hc_domain_create(name, 4, 2);
}

void hc_pair_teardown(struct domain **a, struct domain **b)
{
    if (*a)
        hc_domain_destroy(*a);
    if (*b)
        hc_domain_destroy(*b);
    *a = *b = NULL;
    xt_assert_audit_clean();
    xt_mm_teardown();
}

void hc_teardown(struct domain **d)
{
    if (*d)
        hc_domain_destroy(*d);
    *d = NULL;
    xt_assert_audit_clean();
    xt_mm_teardown();
}
