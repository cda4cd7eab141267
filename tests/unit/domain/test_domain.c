/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domains: every lifecycle transition, page accounting with shared_info as
 * an extra page, the XENMAPSPACE_shared_info physmap rules, the teardown
 * ordering assertions, vcpu_info placement, and creation under fault
 * injection. Every test ends with a deep memory audit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/domain.h"
#include "lib/alloc.h"
#include "lib/fault.h"
#include "xhv_test.h"

#define MEM_MIB 64

static int setup(void **state)
{
    (void)state;
    xt_mm_setup(MEM_MIB, 4);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(domlist_count(), 0);
    xt_assert_audit_clean();
    xt_mm_teardown();
    return 0;
}

static struct domain_params params(const char *name, uint64_t mib)
{
    struct domain_params p = {
        .memory_pages = mib << 8,
        .max_pages = mib << 8,
        .vcpus = 2,
        .on_poweroff = ACTION_DESTROY,
        .on_reboot = ACTION_RESTART,
        .on_crash = ACTION_PRESERVE,
    };

    snprintf(p.name, sizeof(p.name), "%s", name);
    return p;
}

static struct domain *create(const char *name, uint64_t mib)
{
    struct domain_params p = params(name, mib);
    struct domain *d = NULL;

    assert_int_equal(domain_create(&p, &d), 0);
    return d;
}

/* Kills d and drops the caller's reference. */
static void destroy(struct domain *d)
{
    assert_int_equal(domain_kill(d), 0);
    put_domain(d);
}

static void test_lifecycle(void **state)
{
    struct domain *d = create("life", 4);

    (void)state;
    assert_int_equal(domain_get_state(d), DOMAIN_CREATED);
    assert_int_equal(d->pause_count, 1);
    assert_int_equal(domain_pause(d), 0); /* still never run */
    assert_int_equal(domain_get_state(d), DOMAIN_CREATED);
    assert_int_equal(domain_unpause(d), 0);
    assert_int_equal(domain_unpause(d), 0);
    assert_int_equal(domain_get_state(d), DOMAIN_RUNNING);
    assert_int_equal(domain_unpause(d), -EINVAL);
    assert_int_equal(domain_pause(d), 0);
    assert_int_equal(domain_pause(d), 0);
    assert_int_equal(domain_get_state(d), DOMAIN_PAUSED);
    assert_int_equal(domain_unpause(d), 0);
    assert_int_equal(domain_get_state(d), DOMAIN_PAUSED);
    assert_int_equal(domain_unpause(d), 0);
    assert_int_equal(domain_get_state(d), DOMAIN_RUNNING);

    assert_int_equal(domain_kill(d), 0);
    assert_int_equal(domain_get_state(d), DOMAIN_DEAD);
    assert_int_equal(domain_kill(d), -EALREADY);
    assert_int_equal(domain_pause(d), -EINVAL);
    assert_int_equal(domain_unpause(d), -EINVAL);
    assert_null(domain_lookup("life"));
    put_domain(d);
}

static void test_accounting(void **state)
{
    struct domain *d = create("acct", 4);
    struct page_info *si = d->shared_info.page;
    struct domain_dump dump;
    struct mm_stats st;

    (void)state;
    assert_int_equal(mm_owner_tot_pages(&d->mm), 4 << 8);
    assert_int_equal(mm_owner_extra_pages(&d->mm), 1);
    assert_true(si->count_info & PGC_extra);
    assert_int_equal(si->u.inuse.type_info & PGT_type_mask, PGT_writable_page);
    assert_int_equal(si->u.inuse.type_info & PGT_count_mask, 1);
    assert_ptr_equal(domain_shared_info(d), mfn_to_virt(page_to_mfn(si)));
    assert_false(mfn_in_scratch(page_to_mfn(si)));

    assert_int_equal(domain_dump(d, &dump), 0);
    assert_int_equal(dump.ram_pages, 4 << 8);
    assert_int_equal(dump.extra_pages, 1);
    assert_int_equal(dump.nr_special, 1);
    assert_int_equal(dump.special[0].kind, PAGE_KIND_SHARED_INFO);
    assert_int_equal(dump.special[0].mfn, page_to_mfn(si));
    assert_int_equal(dump.special[0].gfn, INVALID_GFN);
    assert_int_equal(dump.ram_extents_2m, 2); /* 4 MiB in 2 MiB extents */
    xt_assert_audit_clean();

    destroy(d);
    mm_get_stats(&st);
    assert_int_equal(st.domheap_pages, 0);
    assert_int_equal(st.xenheap_pages, 0);
}

static void test_shared_info_physmap(void **state)
{
    struct domain *d = create("si", 4);
    mfn_t si_mfn = page_to_mfn(d->shared_info.page), m;
    struct domain_dump dump;
    enum p2m_type t;
    volatile uint32_t *win;

    (void)state;
    assert_int_equal(domain_map_shared_info(d, 1, 5), -EINVAL);
    assert_int_equal(domain_map_shared_info(d, 0, d->p2m.nr_gfns), -EINVAL);
    assert_int_equal(mm_owner_tot_pages(&d->mm), 4 << 8);

    /* Over RAM: the RAM page goes, the shared_info page appears. */
    assert_int_equal(domain_map_shared_info(d, 0, 5), 0);
    assert_int_equal(mm_owner_tot_pages(&d->mm), (4 << 8) - 1);
    assert_int_equal(p2m_lookup(&d->p2m, 5, &m, &t), 0);
    assert_int_equal(m, si_mfn);
    assert_int_equal(t, p2m_special);
    domain_shared_info(d)->wc_version = 0x1234;
    win = p2m_gfn_to_virt(&d->p2m, 5);
    assert_non_null(win);
    assert_int_equal(((volatile struct xen_shared_info *)win)->wc_version,
                     0x1234);

    /* Moving it unmaps the old gfn and allocates nothing. */
    assert_int_equal(domain_map_shared_info(d, 0, d->p2m.nr_gfns - 1), 0);
    assert_int_equal(p2m_lookup(&d->p2m, 5, NULL, NULL), -ENOENT);
    assert_int_equal(mm_owner_extra_pages(&d->mm), 1);
    assert_int_equal(mm_owner_tot_pages(&d->mm), (4 << 8) - 1);
    assert_int_equal(domain_map_shared_info(d, 0, d->p2m.nr_gfns - 1), 0);
    assert_int_equal(domain_dump(d, &dump), 0);
    assert_int_equal(dump.special[0].gfn, d->p2m.nr_gfns - 1);
    xt_assert_audit_clean();
    destroy(d);
}

/* Relinquish before evtchn_destroy() is the reordering the seed thread
 * worried about: it must fire at the ordering point. */
static void test_relinquish_order_asserted(void **state)
{
    struct domain *d = create("order", 1);

    (void)state;
    domain_lock(d);
    d->state = DOMAIN_DYING;
    xt_expect_assert(domain_relinquish_resources(d));
    d->state = DOMAIN_RUNNING;
    domain_unlock(d);
    destroy(d);
}

static void test_shared_info_use_after_relinquish(void **state)
{
    struct domain *d = create("late", 1);

    (void)state;
    assert_int_equal(domain_kill(d), 0);
    xt_expect_assert(domain_shared_info(d));
    /* And event channels cannot be torn down a second time. */
    xt_expect_assert(evtchn_destroy(&d->evtchn));
    put_domain(d);
}

static void test_vcpu_info_placement(void **state)
{
    struct domain_params p = params("smp", 1);
    struct domain *d;
    unsigned int i;

    (void)state;
    p.vcpus = 40;
    assert_int_equal(domain_create(&p, &d), 0);
    for (i = 0; i < 40; i++) {
        struct vcpu *v = d->vcpus[i];

        if (i < XEN_LEGACY_MAX_VCPUS)
            assert_ptr_equal(v->vcpu_info,
                             &domain_shared_info(d)->vcpu_info[i]);
        else
            assert_ptr_equal(v->vcpu_info, &v->dummy_vcpu_info);
    }
    assert_int_equal(domain_kill(d), 0);
    for (i = 0; i < 40; i++)
        assert_ptr_equal(d->vcpus[i]->vcpu_info, &d->vcpus[i]->dummy_vcpu_info);
    put_domain(d);
}

static void test_names_and_ids(void **state)
{
    struct domain_params p = params("alpha", 1);
    struct domain *a = create("alpha", 1), *b = create("beta", 1), *x;
    char id[16];

    (void)state;
    assert_int_equal(domain_create(&p, &x), -EEXIST);
    assert_true(b->domid > a->domid);
    snprintf(id, sizeof(id), "%u", b->domid);
    x = domain_lookup(id);
    assert_ptr_equal(x, b);
    put_domain(x);
    x = domain_lookup("alpha");
    assert_ptr_equal(x, a);
    put_domain(x);
    assert_null(domain_lookup("gamma"));
    assert_null(domain_lookup("99999"));
    assert_null(domain_lookup(""));

    assert_false(domain_name_valid("123"));
    assert_false(domain_name_valid(""));
    assert_false(domain_name_valid("a b"));
    assert_false(domain_name_valid("a/b"));
    assert_true(domain_name_valid("web-1.example_2"));
    p = params("1234", 1);
    assert_int_equal(domain_create(&p, &x), -EINVAL);
    p = params("bad", 1);
    p.vcpus = 0;
    assert_int_equal(domain_create(&p, &x), -EINVAL);
    p.vcpus = 1;
    p.max_pages = p.memory_pages - 1;
    assert_int_equal(domain_create(&p, &x), -EINVAL);
    destroy(a);
    destroy(b);
}

static void test_shutdown_actions(void **state)
{
    struct domain *d = create("sd", 1);
    bool restart;

    (void)state;
    assert_int_equal(domain_unpause(d), 0);
    /* on_crash = preserve: kept, paused, reason recorded. */
    assert_int_equal(domain_shutdown(d, SHUTDOWN_CRASH, &restart), 0);
    assert_false(restart);
    assert_int_equal(domain_get_state(d), DOMAIN_PAUSED);
    assert_int_equal(d->shutdown_reason, SHUTDOWN_CRASH);
    /* on_reboot = restart: gone, and the caller is told to rebuild. */
    assert_int_equal(domain_shutdown(d, SHUTDOWN_REBOOT, &restart), 0);
    assert_true(restart);
    assert_int_equal(domain_get_state(d), DOMAIN_DEAD);
    assert_int_equal(domain_shutdown(d, SHUTDOWN_POWEROFF, &restart), -EINVAL);
    put_domain(d);

    d = create("sd2", 1);
    assert_int_equal(domain_shutdown(d, SHUTDOWN_POWEROFF, &restart), 0);
    assert_false(restart);
    assert_null(domain_lookup("sd2"));
    put_domain(d);
}

static void test_many_domains_random_order(void **state)
{
    struct domain *d[50];
    struct mm_stats before, after;
    char name[16];
    int i;

    (void)state;
    mm_get_stats(&before);
    for (i = 0; i < 50; i++) {
        snprintf(name, sizeof(name), "g%d", i);
        d[i] = create(name, 1);
    }
    assert_int_equal(domlist_count(), 50);
    xt_assert_audit_clean();
    srand(7);
    for (i = 49; i > 0; i--) {
        int j = rand() % (i + 1);
        struct domain *t = d[i];

        d[i] = d[j];
        d[j] = t;
    }
    for (i = 0; i < 50; i++)
        destroy(d[i]);
    mm_get_stats(&after);
    assert_int_equal(after.free_pages, before.free_pages);
}

/* Too much memory for the machine: a clean -ENOMEM, nothing left over. */
static void test_out_of_memory(void **state)
{
    struct domain_params p = params("huge", MEM_MIB * 2);
    struct domain *d;

    (void)state;
    assert_int_equal(domain_create(&p, &d), -ENOMEM);
    assert_int_equal(domlist_count(), 0);
}

static int create_scenario(void *ctx)
{
    struct domain **d = ctx;
    struct domain_params p = params("faulty", 4);

    return domain_create(&p, d);
}

static void create_check(void *ctx, int rc)
{
    struct domain **d = ctx;

    if (rc == 0)
        destroy(*d);
    assert_int_equal(domlist_count(), 0);
    xt_assert_audit_clean();
}

static void test_create_every_failure_point(void **state)
{
    struct domain *d = NULL;
    unsigned long points;

    (void)state;
    points = xt_fault_loop(FAULT_SITE_ANY, create_scenario, create_check, &d);
    print_message("# domain_create: %lu failure points\n", points);
    assert_true(points >= 8);
}

/* The seed thread's leak: the type reference fails after the page was
 * allocated. The page must be given back. */
static void test_shared_info_type_ref_failure(void **state)
{
    struct domain_params p = params("typeref", 1);
    struct mm_stats st;
    struct domain *d;

    (void)state;
    /* alloc_shared_info's second failure point is get_page_type. */
    assert_int_equal(fault_arm("alloc_shared_info", 2, FAULT_TRANSIENT), 0);
    assert_int_equal(domain_create(&p, &d), -EINVAL);
    assert_int_equal(fault_fired(), 1);
    fault_disarm();
    mm_get_stats(&st);
    assert_int_equal(st.domheap_pages, 0);
}

static void test_overhead(void **state)
{
    long live = xhv_alloc_live();
    struct domain_dump dump;
    struct domain *d = create("cost", 16);

    (void)state;
    assert_int_equal(domain_dump(d, &dump), 0);
    print_message("# per-domain overhead: %llu bytes (%llu p2m table "
                  "pages), %ld heap allocations\n",
                  (unsigned long long)dump.overhead_bytes,
                  (unsigned long long)dump.p2m_tables, xhv_alloc_live() - live);
    assert_true(dump.overhead_bytes < 64 * 1024);
    destroy(d);
    assert_int_equal(xhv_alloc_live(), live);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_lifecycle),
        T(test_accounting),
        T(test_shared_info_physmap),
        T(test_relinquish_order_asserted),
        T(test_shared_info_use_after_relinquish),
        T(test_vcpu_info_placement),
        T(test_names_and_ids),
        T(test_shutdown_actions),
        T(test_many_domains_random_order),
        T(test_out_of_memory),
        T(test_create_every_failure_point),
        T(test_shared_info_type_ref_failure),
        T(test_overhead),
    };
#undef T
    return cmocka_run_group_tests_name("domain", tests, NULL, NULL);
}
