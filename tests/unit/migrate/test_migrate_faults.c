/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault injection over save and restore (SQLite's loop, tests/lib): every
 * allocation and every stream read or write of migrate_save() and
 * migrate_restore() failing in turn, transiently and then for good.
 *
 * A failed save leaves the domain running (unparked), its dirty log off
 * and nothing allocated; a failed restore leaves no domain behind and
 * nothing allocated; the audit is clean after each. The daemon's own
 * sites around these (sockets, files, fsync) are driven by the
 * integration tests (migrate.sh: --fault SITE:N).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hc_test.h"
#include "lib/fault.h"
#include "memimg.h"
#include "migrate/migrate.h"
#include "xhv/public/hypercall.h"
#include "xhv/public/vcpu.h"
#include "xhv_test.h"

static struct domain *src;
static evtchn_port_t src_port;

/* A domain with something of everything the stream carries: vcpu_info in
 * RAM, a channel to itself, a VIRQ, console output, grant frames. */
static int setup(void **state)
{
    struct vcpu_register_vcpu_info *ri;
    evtchn_port_t p1, virq;

    (void)state;
    src = hc_setup(64, 8, "src", 4, 2);
    ri = hc_mem(src, GPA_BUF);
    ri->mfn = 0x30;
    ri->offset = 0;
    assert_int_equal(hc_call(src, __HYPERVISOR_vcpu_op,
                             VCPUOP_register_vcpu_info, 0, GPA_BUF, 0, 0),
                     0);
    assert_int_equal(evtchn_alloc_unbound(src, (xen_domid_t)src->domid, &p1),
                     0);
    assert_int_equal(evtchn_bind_interdomain(src, src, p1, &src_port), 0);
    assert_int_equal(evtchn_bind_virq(src, VIRQ_TIMER, 0, &virq), 0);
    domain_console_write(src, "hello\n", 6);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hc_teardown(&src);
    return 0;
}

/* Sends an event and copies into guest memory after each live round, so
 * every round has pages to send. */
static void between(const struct migrate_progress *p, void *opaque)
{
    static const char msg[] = "between rounds";

    (void)opaque;
    if (p->final)
        return;
    evtchn_send(src, src_port);
    p2m_copy(&src->p2m, GPA_BUF2, (void *)msg, sizeof(msg), true);
}

static int save_scenario(void *ctx)
{
    struct memimg *m = ctx;
    struct migrate_opts o = {
        .live = true, .max_rounds = 2, .progress = between};
    struct migrate_stats st;
    struct mig_writer w;
    char err[256] = "";

    m->len = m->off = 0;
    mig_writer_init(&w, memimg_write, m);
    return migrate_save(&src, 1, &w, &o, &st, err, sizeof(err));
}

static void save_check(void *ctx, int rc)
{
    (void)ctx;
    /* Success leaves the domain parked for the caller; failure has
     * unparked it already. Either way nothing logs any more. */
    if (!rc)
        migrate_unpark(&src, 1);
    assert_false(p2m_log_dirty_on(&src->p2m));
    assert_true(domain_get_state(src) < DOMAIN_DYING);
    xt_assert_audit_clean();
}

static void test_save_fault_loop(void **state)
{
    struct memimg m = {0};
    unsigned long points;

    (void)state;
    points = xt_fault_loop("*", save_scenario, save_check, &m);
    /* At least: the round bitmap, the log, the batch, the writes. */
    assert_true(points >= 6);
    print_message("# save: %lu failure points\n", points);
    free(m.p);
}

static int restore_scenario(void *ctx)
{
    struct memimg *m = ctx;
    struct migrate_restore_opts ro = {.count = 1, .name = "dst"};
    struct migrate_restored out;
    struct mig_reader r;
    char err[256] = "";
    int rc;

    m->off = 0;
    mig_reader_init(&r, memimg_read, m);
    rc = migrate_restore(&r, &ro, &out, err, sizeof(err));
    mig_reader_fini(&r);
    if (!rc) {
        /* Built and started: take it down again (the release drops the
         * restore's reference, the last one once it is killed). */
        assert_int_equal(domain_kill(out.dom[0]), 0);
        migrate_restored_release(&out);
    }
    return rc;
}

static void restore_check(void *ctx, int rc)
{
    /* Failed: nothing half-made; succeeded: killed by the scenario. */
    struct domain *d = domain_lookup("dst");

    (void)ctx, (void)rc;
    assert_null(d);
    xt_assert_audit_clean();
}

static void test_restore_fault_loop(void **state)
{
    struct memimg m = {0};
    unsigned long points;

    (void)state;
    assert_int_equal(save_scenario(&m), 0);
    migrate_unpark(&src, 1);
    points = xt_fault_loop("*", restore_scenario, restore_check, &m);
    /* At least: the domain, its RAM, its tables, the reads. */
    assert_true(points >= 10);
    print_message("# restore: %lu failure points\n", points);
    free(m.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_save_fault_loop),
        cmocka_unit_test(test_restore_fault_loop),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
