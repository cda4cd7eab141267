/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Dirty tracking across a live migration, in one process: a domain saved
 * into memory with one live round, xhv writing into its memory between
 * that round and the final one (what event delivery and hypercall results
 * do behind the guest's back), and the image restored as a new domain.
 *
 * The pages xhv wrote must arrive although the guest never wrote them;
 * the final round must send exactly those (the log, not all of memory),
 * including a page the guest replaced in between; and one it gave back
 * must be gone on arrival, with the page counts equal.
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
#include "memimg.h"
#include "migrate/migrate.h"
#include "xhv/public/event_channel.h"
#include "xhv/public/hypercall.h"
#include "xhv/public/vcpu.h"
#include "xhv_test.h"

#define VI_GFN     0x30ULL /* the vcpu_info the guest registers */
#define COPY_GPA   GPA_BUF2
#define BALLOON_GF 0x40ULL /* replaced between the rounds */
#define GONE_GF    0x41ULL /* given back between the rounds */

struct between {
    struct domain *d;
    evtchn_port_t port;
    unsigned int calls;
};

/* After the live round: xhv writes, the guest writes nothing. */
static void after_round(const struct migrate_progress *p, void *opaque)
{
    struct between *b = opaque;
    static const char msg[] = "xhv wrote this";

    if (p->final)
        return;
    b->calls++;
    assert_int_equal(evtchn_send(b->d, b->port), 0);
    assert_int_equal(
        p2m_copy(&b->d->p2m, COPY_GPA, (void *)msg, sizeof(msg), true), 0);
    /* The guest gives a page back and takes a new one at the gfn (a
     * balloon driver's round trip): a mapping change, logged. */
    assert_int_equal(p2m_remove_ram(&b->d->p2m, BALLOON_GF), 0);
    assert_int_equal(p2m_populate_ram(&b->d->p2m, &b->d->mm, BALLOON_GF, 1), 0);
    assert_int_equal(
        p2m_copy(&b->d->p2m, BALLOON_GF << 12, (void *)msg, sizeof(msg), true),
        0);
    /* And one it gives back for good: it must be gone on arrival, and
     * the page counts still agree (XHV_PAGES). */
    assert_int_equal(p2m_remove_ram(&b->d->p2m, GONE_GF), 0);
}

static void test_final_round_carries_xhv_writes(void **state)
{
    struct domain *d = hc_setup(64, 8, "src", 8, 1), *d2;
    struct vcpu_register_vcpu_info *ri = hc_mem(d, GPA_BUF);
    struct xen_vcpu_info *vi, *vi2;
    struct between b = {.d = d};
    struct migrate_opts o = {.live = true,
                             .max_rounds = 1,
                             .progress = after_round,
                             .progress_opaque = &b};
    struct migrate_restore_opts ro = {
        .count = 1, .name = "dst", .paused = true};
    struct migrate_restored out;
    struct migrate_stats st;
    struct memimg m = {0};
    struct mig_writer w;
    struct mig_reader r;
    evtchn_port_t p1;
    char err[256] = "";
    uint64_t tot;

    (void)state;
    ri->mfn = VI_GFN;
    ri->offset = 0;
    assert_int_equal(hc_call(d, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info,
                             0, GPA_BUF, 0, 0),
                     0);
    /* A channel to itself: sending on one end makes the other pending. */
    assert_int_equal(evtchn_alloc_unbound(d, (xen_domid_t)d->domid, &p1), 0);
    assert_int_equal(evtchn_bind_interdomain(d, d, p1, &b.port), 0);
    vi = hc_mem(d, VI_GFN << 12);
    vi->evtchn_upcall_pending = 0;
    vi->evtchn_pending_sel = 0;
    memset(domain_shared_info(d)->evtchn_pending, 0,
           sizeof(domain_shared_info(d)->evtchn_pending));

    mig_writer_init(&w, memimg_write, &m);
    assert_int_equal(migrate_save(&d, 1, &w, &o, &st, err, sizeof(err)), 0);
    assert_int_equal(b.calls, 1);
    assert_int_equal(st.dom[0].rounds, 2);
    /* The final round: vcpu_info (xhv's event delivery), the copied page
     * (a hypercall result), the replaced page and the one given back (as
     * XTAB); nothing else, for the guest wrote nothing. */
    assert_int_equal(st.dom[0].pages[1], 4);
    tot = mm_owner_tot_pages(&d->mm);

    mig_reader_init(&r, memimg_read, &m);
    assert_int_equal(migrate_restore(&r, &ro, &out, err, sizeof(err)), 0);
    mig_reader_fini(&r);
    assert_int_equal(out.nr, 1);
    d2 = out.dom[0];
    vi2 = p2m_gfn_to_virt(&d2->p2m, VI_GFN);
    assert_non_null(vi2);
    assert_int_equal(vi2->evtchn_upcall_pending, 1);
    assert_true(vi2->evtchn_pending_sel & (1UL << (p1 / 64)));
    assert_true(domain_shared_info(d2)->evtchn_pending[p1 / 64] &
                (1UL << (p1 % 64)));
    assert_string_equal((const char *)p2m_gfn_to_virt(&d2->p2m, COPY_GPA >> 12),
                        "xhv wrote this");
    assert_null(p2m_gfn_to_virt(&d2->p2m, GONE_GF));
    assert_string_equal((const char *)p2m_gfn_to_virt(&d2->p2m, BALLOON_GF),
                        "xhv wrote this");
    assert_int_equal(mm_owner_tot_pages(&d2->mm), tot);

    /* The restore's reference goes with the release. */
    assert_int_equal(domain_kill(d2), 0);
    migrate_restored_release(&out);
    migrate_unpark(&d, 1);
    assert_false(p2m_log_dirty_on(&d->p2m));
    hc_teardown(&d);
    free(m.p);
}

/* A save that is not live sends every page once, from a log that was
 * started for it, and stops the log again. */
static void test_stop_and_copy_sends_all_once(void **state)
{
    struct domain *d = hc_setup(64, 8, "all", 4, 1);
    struct migrate_opts o = {.live = false, .max_rounds = 1};
    struct migrate_stats st;
    struct memimg m = {0};
    struct mig_writer w;
    char err[256] = "";

    (void)state;
    mig_writer_init(&w, memimg_write, &m);
    assert_int_equal(migrate_save(&d, 1, &w, &o, &st, err, sizeof(err)), 0);
    assert_int_equal(st.dom[0].rounds, 1);
    assert_int_equal(st.dom[0].pages[0], mm_owner_tot_pages(&d->mm));
    assert_false(p2m_log_dirty_on(&d->p2m));
    migrate_unpark(&d, 1);
    hc_teardown(&d);
    free(m.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_final_round_carries_xhv_writes),
        cmocka_unit_test(test_stop_and_copy_sends_all_once),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
