/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Regressions named after the bug classes of Xen's grant-table security
 * advisories, each written against xhv's own code paths, and a fault
 * loop over setup, growth and mapping.
 *
 *   refcount leak on a map error path     XSA-224 class
 *   double / racing unmap of one handle   XSA-218 class
 *   GTF_reading/writing cleared too early XSA-230 class
 *   map racing set_version                XSA-255 class
 *   status frames freed while mapped      XSA-379/XSA-387 class
 *   maptrack growth without bound         XSA-228/XSA-380 class
 *   frames beyond the table's limit       XSA-382 class
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>

#include "gnt_test.h"
#include "lib/alloc.h"
#include "lib/fault.h"
#include "xhv_test.h"

static struct domain *a, *b;

static int setup(void **state)
{
    (void)state;
    a = hc_setup(64, 2, "a", 4, 1);
    b = hc_domain_create("b", 4, 1);
    assert_int_equal(gnt_add_frame(a, 0, GNT_FRAME_GFN), 0);
    gnt_grant_v1(a, 10, (uint16_t)b->domid, GNT_PAGE_GFN, GTF_permit_access);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fault_disarm();
    if (b)
        hc_domain_destroy(b);
    b = NULL;
    hc_teardown(&a);
    return 0;
}

static void assert_untouched(struct page_info *pg)
{
    assert_int_equal(gnt_refs(pg), 1);
    assert_int_equal(gnt_types(pg), 0);
    assert_int_equal(gnt_v1(a, 10)->flags, GTF_permit_access);
    assert_int_equal(gnttab_nr_maps(b), 0);
    assert_null(p2m_gfn_to_virt(&b->p2m, GNT_MAP_GFN));
}

static void test_xsa_refcount_leak_on_map_error_path(void **state)
{
    struct page_info *pg = gnt_page(a, GNT_PAGE_GFN);
    long live;

    (void)state;
    /* No memory for a maptrack chunk: nothing pinned at all. */
    live = xhv_alloc_live();
    assert_int_equal(fault_arm("mt_get", 1, FAULT_TRANSIENT), 0);
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN, GNTMAP_host_map, NULL),
        GNTST_no_space);
    fault_disarm();
    assert_int_equal(xhv_alloc_live(), live);
    assert_untouched(pg);
    /* The writable type reference fails after the pin and the general
     * reference were taken: both must go back. */
    assert_int_equal(fault_arm("map_locked", 1, FAULT_TRANSIENT), 0);
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN, GNTMAP_host_map, NULL),
        GNTST_general_error);
    assert_int_equal(fault_fired(), 1);
    fault_disarm();
    assert_untouched(pg);
    /* The P2M step fails (RAM at the gfn) after the type reference. */
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 10, 0x20, GNTMAP_host_map, NULL),
        GNTST_general_error);
    assert_untouched(pg);
    /* A second mapping failing leaves the first one's pins alone. */
    uint32_t h;
    assert_int_equal(gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN,
                             GNTMAP_host_map | GNTMAP_readonly, &h),
                     GNTST_okay);
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 10, 0x20, GNTMAP_host_map, NULL),
        GNTST_general_error);
    assert_int_equal(gnt_v1(a, 10)->flags, GTF_permit_access | GTF_reading);
    assert_int_equal(gnt_refs(pg), 2);
    assert_int_equal(gnt_unmap(b, h, GNT_MAP_GFN), GNTST_okay);
    assert_untouched(pg);
}

static void test_xsa_double_unmap_drops_refs_once(void **state)
{
    struct page_info *pg = gnt_page(a, GNT_PAGE_GFN);
    uint32_t h;

    (void)state;
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN, GNTMAP_host_map, &h),
        GNTST_okay);
    assert_int_equal(gnt_unmap(b, h, GNT_MAP_GFN), GNTST_okay);
    assert_int_equal(gnt_unmap(b, h, GNT_MAP_GFN), GNTST_bad_handle);
    /* A fresh mapping reuses the handle; the stale unmap still cannot
     * hit it, since it names the old place. */
    assert_int_equal(gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN + 1,
                             GNTMAP_host_map, &h),
                     GNTST_okay);
    assert_int_equal(gnt_unmap(b, h, GNT_MAP_GFN), GNTST_general_error);
    assert_int_equal(gnt_refs(pg), 2);
    assert_int_equal(gnt_unmap(b, h, GNT_MAP_GFN + 1), GNTST_okay);
    assert_untouched(pg);
}

static void test_xsa_premature_gtf_clear(void **state)
{
    uint32_t rw, ro1, ro2;

    (void)state;
    assert_int_equal(gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN,
                             GNTMAP_host_map | GNTMAP_readonly, &ro1),
                     GNTST_okay);
    assert_int_equal(gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN + 1,
                             GNTMAP_host_map, &rw),
                     GNTST_okay);
    assert_int_equal(gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN + 2,
                             GNTMAP_host_map | GNTMAP_readonly, &ro2),
                     GNTST_okay);
    assert_int_equal(gnt_v1(a, 10)->flags,
                     GTF_permit_access | GTF_reading | GTF_writing);
    /* The writer goes: readers remain, so GTF_reading must stay. */
    assert_int_equal(gnt_unmap(b, rw, GNT_MAP_GFN + 1), GNTST_okay);
    assert_int_equal(gnt_v1(a, 10)->flags, GTF_permit_access | GTF_reading);
    assert_int_equal(gnt_unmap(b, ro1, GNT_MAP_GFN), GNTST_okay);
    assert_int_equal(gnt_v1(a, 10)->flags, GTF_permit_access | GTF_reading);
    /* A copy in between pins and unpins without clearing the reader's. */
    struct gnttab_copy c = {
        .source = {.u.ref = 10, .domid = (uint16_t)a->domid},
        .dest = {.u.gmfn = 0x40, .domid = DOMID_SELF},
        .len = 8,
        .flags = GNTCOPY_source_gref};
    assert_int_equal(gnt_copy(b, &c), GNTST_okay);
    assert_int_equal(gnt_v1(a, 10)->flags, GTF_permit_access | GTF_reading);
    assert_int_equal(gnt_unmap(b, ro2, GNT_MAP_GFN + 2), GNTST_okay);
    assert_int_equal(gnt_v1(a, 10)->flags, GTF_permit_access);
}

struct race {
    struct domain *d;
    unsigned int rounds, ok, busy;
};

static void *version_flipper(void *arg)
{
    struct race *r = arg;
    uint32_t v;
    unsigned int i;

    for (i = 0; i < r->rounds; i++) {
        int rc = gnttab_set_version(r->d, i % 2 ? 1 : 2, &v);

        if (rc == 0)
            r->ok++;
        else if (rc == -EBUSY)
            r->busy++;
    }
    return NULL;
}

static void test_xsa_race_map_vs_set_version(void **state)
{
    struct race r = {.d = a, .rounds = 2000};
    struct page_info *pg = gnt_page(a, GNT_PAGE_GFN);
    unsigned int i, mapped = 0;
    uint32_t h, v;
    pthread_t t;

    (void)state;
    /* Deterministic: while a grant is mapped, no switch. */
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN, GNTMAP_host_map, &h),
        GNTST_okay);
    assert_int_equal(gnttab_set_version(a, 2, &v), -EBUSY);
    assert_int_equal(v, 1);
    assert_int_equal(gnt_unmap(b, h, GNT_MAP_GFN), GNTST_okay);

    /* Racing: B maps and unmaps reserved entry 7 (it survives every
     * switch, converted) while A's version flips. */
    pthread_create(&t, NULL, version_flipper, &r);
    for (i = 0; i < 2000; i++) {
        struct gnttab_map_grant_ref op = {.host_addr = GNT_MAP_GFN
                                                       << PAGE_SHIFT,
                                          .flags = GNTMAP_host_map,
                                          .ref = 7,
                                          .dom = (uint16_t)a->domid};
        struct gnttab_unmap_grant_ref un = {.host_addr = GNT_MAP_GFN
                                                         << PAGE_SHIFT};

        /* A (re)writes entry 7 in the version it believes current; a
         * stale layout just makes the map fail. */
        if (gnttab_get_version(a) == 1) {
            gnt_grant_v1(a, 7, (uint16_t)b->domid, GNT_PAGE_GFN,
                         GTF_permit_access);
        } else {
            gnt_v2(a, 7)->full_page.frame = GNT_PAGE_GFN;
            gnt_v2(a, 7)->hdr.domid = (uint16_t)b->domid;
            gnt_v2(a, 7)->hdr.flags = GTF_permit_access;
        }
        gnttab_map(b, &op);
        if (op.status != GNTST_okay)
            continue;
        mapped++;
        un.handle = op.handle;
        gnttab_unmap(b, &un);
        assert_int_equal(un.status, GNTST_okay);
    }
    pthread_join(t, NULL);
    print_message("# %u maps, %u switches, %u refused busy\n", mapped, r.ok,
                  r.busy);
    assert_true(r.ok + r.busy == r.rounds);
    assert_int_equal(gnt_refs(pg), 1);
    assert_int_equal(gnt_types(pg), 0);
    assert_int_equal(gnttab_nr_maps(b), 0);
}

static void test_xsa_status_frames_freed_while_mapped(void **state)
{
    struct page_info *st;
    uint32_t v;
    mfn_t mfn;

    (void)state;
    assert_int_equal(gnttab_set_version(a, 2, &v), 0);
    assert_int_equal(gnt_add_frame(a, 0, GNT_FRAME_GFN), 0);
    assert_int_equal(
        gnt_add_frame(a, XENMAPIDX_grant_table_status, GNT_STATUS_GFN), 0);
    assert_int_equal(p2m_lookup(&a->p2m, GNT_STATUS_GFN, &mfn, NULL), 0);
    st = mfn_to_page(mfn);
    /* A grants its own status frame: not RAM, so never mappable and so
     * never kept alive past a switch by someone else. */
    gnt_v2(a, 10)->full_page.frame = GNT_STATUS_GFN;
    gnt_v2(a, 10)->hdr.domid = (uint16_t)b->domid;
    gnt_v2(a, 10)->hdr.flags = GTF_permit_access;
    assert_int_equal(gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN,
                             GNTMAP_host_map | GNTMAP_readonly, NULL),
                     GNTST_bad_page);
    struct gnttab_copy c = {
        .source = {.u.ref = 10, .domid = (uint16_t)a->domid},
        .dest = {.u.gmfn = 0x40, .domid = DOMID_SELF},
        .len = 8,
        .flags = GNTCOPY_source_gref};
    assert_int_equal(gnt_copy(b, &c), GNTST_bad_page);
    /* Back to v1: the frame leaves A's physmap first, then is freed. */
    assert_int_equal(gnttab_set_version(a, 1, &v), 0);
    assert_int_equal(p2m_lookup(&a->p2m, GNT_STATUS_GFN, NULL, NULL), -ENOENT);
    assert_true(page_is_free(st));
    assert_int_equal(mm_owner_extra_pages(&a->mm), 2);
}

static void test_xsa_maptrack_exhaustion_bounded(void **state)
{
    struct domain_params p = {.name = "small",
                              .memory_pages = 1024,
                              .max_pages = 1024,
                              .vcpus = 1,
                              .max_maptrack_frames = 1};
    struct page_info *pg = gnt_page(a, GNT_PAGE_GFN);
    uint32_t h[GNTTAB_MAPTRACK_PER_FRAME];
    struct domain *s;
    uint64_t before;
    unsigned int i;

    (void)state;
    assert_int_equal(domain_create(&p, &s), 0);
    gnt_grant_v1(a, 10, (uint16_t)s->domid, GNT_PAGE_GFN,
                 GTF_permit_access | GTF_readonly);
    for (i = 0; i < GNTTAB_MAPTRACK_PER_FRAME; i++)
        assert_int_equal(gnt_map(s, (uint16_t)a->domid, 10, GNT_MAP_GFN + i,
                                 GNTMAP_host_map | GNTMAP_readonly, &h[i]),
                         GNTST_okay);
    before = __atomic_load_n(&s->overhead_bytes, __ATOMIC_RELAXED);
    for (i = 0; i < 16; i++)
        assert_int_equal(gnt_map(s, (uint16_t)a->domid, 10, 0x8000 + i,
                                 GNTMAP_host_map | GNTMAP_readonly, NULL),
                         GNTST_no_space);
    /* Refusals cost nothing: no chunk grew. */
    assert_int_equal(s->overhead_bytes, before);
    assert_int_equal(gnt_refs(pg), 1 + GNTTAB_MAPTRACK_PER_FRAME);
    for (i = 0; i < GNTTAB_MAPTRACK_PER_FRAME; i++)
        assert_int_equal(gnt_unmap(s, h[i], GNT_MAP_GFN + i), GNTST_okay);
    assert_int_equal(gnt_refs(pg), 1);
    assert_int_equal(gnt_v1(a, 10)->flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(domain_kill(s), 0);
    put_domain(s);
    /* The limits a domain may ask for are bounded too. */
    p.max_maptrack_frames = GNTTAB_MAX_MAPTRACK_LIMIT + 1;
    assert_int_equal(domain_create(&p, &s), -EINVAL);
}

static void test_xsa_frames_beyond_limit(void **state)
{
    struct domain_params p = {.name = "tiny",
                              .memory_pages = 1024,
                              .max_pages = 1024,
                              .vcpus = 1,
                              .max_grant_frames = 2};
    struct gnttab_setup_table s = {
        .dom = DOMID_SELF, .nr_frames = 3, .frame_list = GPA_BUF2};
    struct domain *t;
    uint32_t v;

    (void)state;
    assert_int_equal(domain_create(&p, &t), 0);
    assert_int_equal(gnt_op(t, GNTTABOP_setup_table, &s, sizeof(s), 1, &s), 0);
    assert_int_equal(s.status, GNTST_general_error);
    assert_int_equal(mm_owner_extra_pages(&t->mm), 1);
    assert_int_equal(gnt_add_frame(t, 2, 0x2000), -EINVAL);
    assert_int_equal(gnt_add_frame(t, 1ULL << 32, 0x2000), -EINVAL);
    assert_int_equal(gnttab_set_version(t, 2, &v), 0);
    /* Two grant frames need one status frame: index 1 does not exist. */
    assert_int_equal(gnt_add_frame(t, XENMAPIDX_grant_table_status | 1, 0x2000),
                     -EINVAL);
    assert_int_equal(gnt_add_frame(t, XENMAPIDX_grant_table_status | 0, 0x2000),
                     0);
    assert_int_equal(mm_owner_extra_pages(&t->mm), 1 + 1 + 1);
    /* Entries beyond the two frames of a v2 table. */
    assert_int_equal(
        gnt_map(b, (uint16_t)t->domid, 256, GNT_MAP_GFN, GNTMAP_host_map, NULL),
        GNTST_bad_gntref);
    assert_int_equal(domain_kill(t), 0);
    put_domain(t);
}

/* The fault loop: two fresh domains, growth in both versions, a map, a
 * copy and an unmap, with each allocation failing in turn. */
struct floop {
    struct domain *x, *y;
};

static int gnt_rc(int16_t st)
{
    return st == GNTST_okay ? 0 : st == GNTST_no_space ? -ENOMEM : -EIO;
}

static int floop_scenario(void *ctx)
{
    struct domain_params p = {
        .memory_pages = 1024, .max_pages = 1024, .vcpus = 1};
    struct floop *f = ctx;
    struct gnttab_set_version sv = {.version = 2};
    uint32_t h;
    long rc;

    strcpy(p.name, "fx");
    rc = domain_create(&p, &f->x);
    if (rc) {
        f->x = NULL;
        return (int)rc;
    }
    strcpy(p.name, "fy");
    rc = domain_create(&p, &f->y);
    if (rc) {
        f->y = NULL;
        return (int)rc;
    }
    rc = gnt_add_frame(f->x, 0, GNT_FRAME_GFN);
    if (!rc)
        rc = gnt_op(f->x, GNTTABOP_set_version, &sv, sizeof(sv), 1, &sv);
    if (!rc)
        rc = gnt_add_frame(f->x, 9, GNT_FRAME_GFN + 9);
    if (rc)
        return (int)rc;
    gnt_v2(f->x, 10)->full_page.frame = GNT_PAGE_GFN;
    gnt_v2(f->x, 10)->hdr.domid = (uint16_t)f->y->domid;
    gnt_v2(f->x, 10)->hdr.flags = GTF_permit_access;
    rc = gnt_rc(gnt_map(f->y, (uint16_t)f->x->domid, 10, GNT_MAP_GFN,
                        GNTMAP_host_map, &h));
    if (rc)
        return (int)rc;
    struct gnttab_copy c = {
        .source = {.u.gmfn = 0x40, .domid = DOMID_SELF},
        .dest = {.u.ref = 10, .domid = (uint16_t)f->x->domid},
        .len = 8,
        .flags = GNTCOPY_dest_gref};
    rc = gnt_rc(gnt_copy(f->y, &c));
    if (rc)
        return (int)rc;
    return gnt_rc(gnt_unmap(f->y, h, GNT_MAP_GFN));
}

static void floop_check(void *ctx, int rc)
{
    struct floop *f = ctx;

    (void)rc;
    /* Whatever failed, both domains go cleanly, in either order. */
    if (f->y) {
        assert_int_equal(domain_kill(f->y), 0);
        put_domain(f->y);
    }
    if (f->x) {
        assert_int_equal(domain_kill(f->x), 0);
        put_domain(f->x);
    }
    f->x = f->y = NULL;
    xt_assert_audit_clean();
}

static void test_gnttab_every_failure_point(void **state)
{
    struct floop f = {0};
    unsigned long points;

    (void)state;
    points = xt_fault_loop(FAULT_SITE_ANY, floop_scenario, floop_check, &f);
    print_message("# grant tables: %lu failure points\n", points);
    assert_true(points >= 10);
}

int main(void)
{
    xt_install_assert_hook();
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_xsa_refcount_leak_on_map_error_path),
        T(test_xsa_double_unmap_drops_refs_once),
        T(test_xsa_premature_gtf_clear),
        T(test_xsa_race_map_vs_set_version),
        T(test_xsa_status_frames_freed_while_mapped),
        T(test_xsa_maptrack_exhaustion_bounded),
        T(test_xsa_frames_beyond_limit),
        T(test_gnttab_every_failure_point),
    };
#undef T
    return cmocka_run_group_tests_name("gnttab_xsa", tests, NULL, NULL);
}
