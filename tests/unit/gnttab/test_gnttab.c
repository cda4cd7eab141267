/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * grant_table_op on the sim backend, op by op: setup_table, query_size,
 * XENMAPSPACE_grant_table, set/get_version, get_status_frames, map and
 * unmap in both versions, copy, and hostile arguments that must change
 * nothing. Domain A grants, domain B maps; each test ends with a deep
 * audit (hc_teardown).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include "gnt_test.h"
#include "xhv_test.h"

static struct domain *a, *b;

static int setup(void **state)
{
    (void)state;
    a = hc_setup(32, 2, "a", 4, 1);
    b = hc_domain_create("b", 4, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (b)
        hc_domain_destroy(b);
    b = NULL;
    hc_teardown(&a);
    return 0;
}

/* A's frame 0 at GNT_FRAME_GFN and ref 10 granting GNT_PAGE_GFN to B. */
static void grant_page(uint16_t flags)
{
    assert_int_equal(gnt_add_frame(a, 0, GNT_FRAME_GFN), 0);
    gnt_grant_v1(a, 10, (uint16_t)b->domid, GNT_PAGE_GFN,
                 GTF_permit_access | flags);
}

static void test_query_and_setup(void **state)
{
    struct gnttab_query_size q = {.dom = DOMID_SELF};
    struct gnttab_setup_table s = {
        .dom = DOMID_SELF, .nr_frames = 2, .frame_list = GPA_BUF2};
    uint64_t *list = hc_mem(a, GPA_BUF2);

    (void)state;
    assert_int_equal(gnt_op(a, GNTTABOP_query_size, &q, sizeof(q), 1, &q), 0);
    assert_int_equal(q.status, GNTST_okay);
    assert_int_equal(q.nr_frames, 0); /* frames come with first use */
    assert_int_equal(q.max_nr_frames, GNTTAB_DEFAULT_MAX_FRAMES);
    assert_int_equal(gnt_op(a, GNTTABOP_setup_table, &s, sizeof(s), 1, &s), 0);
    assert_int_equal(s.status, GNTST_okay);
    /* Not in the physmap yet: no gfn, and never an MFN. */
    assert_true(list[0] == INVALID_GFN && list[1] == INVALID_GFN);
    assert_int_equal(mm_owner_extra_pages(&a->mm), 3);
    assert_int_equal(gnt_add_frame(a, 1, GNT_FRAME_GFN + 1), 0);
    assert_int_equal(gnt_op(a, GNTTABOP_setup_table, &s, sizeof(s), 1, &s), 0);
    assert_int_equal(list[1], GNT_FRAME_GFN + 1);
    assert_int_equal(gnt_op(a, GNTTABOP_query_size, &q, sizeof(q), 1, &q), 0);
    assert_int_equal(q.nr_frames, 2);

    /* Beyond the limit, a count other than 1, someone else's table, no
     * such domain, an unreadable block, a list it cannot write. */
    s.nr_frames = GNTTAB_DEFAULT_MAX_FRAMES + 1;
    assert_int_equal(gnt_op(a, GNTTABOP_setup_table, &s, sizeof(s), 1, &s), 0);
    assert_int_equal(s.status, GNTST_general_error);
    assert_int_equal(gnt_op(a, GNTTABOP_setup_table, &s, sizeof(s), 2, NULL),
                     -EINVAL);
    s = (struct gnttab_setup_table){
        .dom = (uint16_t)b->domid, .nr_frames = 1, .frame_list = GPA_BUF2};
    assert_int_equal(gnt_op(a, GNTTABOP_setup_table, &s, sizeof(s), 1, &s), 0);
    assert_int_equal(s.status, GNTST_permission_denied);
    s.dom = 999;
    assert_int_equal(gnt_op(a, GNTTABOP_setup_table, &s, sizeof(s), 1, &s), 0);
    assert_int_equal(s.status, GNTST_bad_domain);
    s = (struct gnttab_setup_table){
        .dom = DOMID_SELF, .nr_frames = 1, .frame_list = GPA_HOLE};
    assert_int_equal(gnt_op(a, GNTTABOP_setup_table, &s, sizeof(s), 1, &s), 0);
    assert_int_equal(s.status, GNTST_bad_virt_addr);
    assert_int_equal(hc_call(a, __HYPERVISOR_grant_table_op,
                             GNTTABOP_query_size, GPA_HOLE, 1, 0, 0),
                     -EFAULT);
    assert_int_equal(mm_owner_extra_pages(&a->mm), 3);
}

static void test_frames_in_physmap(void **state)
{
    struct domain_dump dump;
    unsigned int i, frames = 0;

    (void)state;
    assert_int_equal(gnt_add_frame(a, 0, GNT_FRAME_GFN), 0);
    memset(hc_mem(a, GNT_FRAME_GFN << PAGE_SHIFT), 0x5a, 8);
    /* Growing on demand up to the limit, and not beyond. */
    assert_int_equal(gnt_add_frame(a, 63, GNT_FRAME_GFN + 63), 0);
    assert_int_equal(gnt_add_frame(a, 64, GNT_FRAME_GFN + 64), -EINVAL);
    /* The status bit names nothing in v1. */
    assert_int_equal(gnt_add_frame(a, XENMAPIDX_grant_table_status, 0x2900),
                     -EINVAL);
    /* A frame cannot displace another special page. */
    assert_int_equal(gnt_add_frame(a, 2, GNT_FRAME_GFN), -EBUSY);
    assert_int_equal(mm_owner_extra_pages(&a->mm), 1 + 64);
    assert_int_equal(mm_owner_tot_pages(&a->mm), 1024);
    /* Dumps name them from the frame table. */
    assert_int_equal(domain_dump(a, &dump), 0);
    for (i = 0; i < dump.nr_special; i++) {
        if (dump.special[i].kind != PAGE_KIND_GRANT_FRAME)
            continue;
        frames++;
        if (dump.special[i].index == 0)
            assert_int_equal(dump.special[i].gfn, GNT_FRAME_GFN);
    }
    assert_int_equal(frames, 63); /* 64 capped with shared_info at 64 */
    assert_int_equal(dump.nr_special_total, 65);
    assert_string_equal(page_kind_name(PAGE_KIND_GRANT_FRAME), "grant frame");
    /* Moving frame 0 keeps its bytes and leaves the old gfn empty. */
    assert_int_equal(gnt_add_frame(a, 0, GNT_FRAME_GFN + 100), 0);
    assert_int_equal(*(uint8_t *)hc_mem(a, (GNT_FRAME_GFN + 100) << PAGE_SHIFT),
                     0x5a);
    assert_null(p2m_gfn_to_virt(&a->p2m, GNT_FRAME_GFN));
    /* remove_from_physmap takes it out and keeps it in the table. */
    struct xen_remove_from_physmap r = {.domid = DOMID_SELF,
                                        .gpfn = GNT_FRAME_GFN + 100};
    memcpy(hc_mem(a, GPA_BUF), &r, sizeof(r));
    assert_int_equal(hc_call(a, __HYPERVISOR_memory_op,
                             XENMEM_remove_from_physmap, GPA_BUF, 0, 0, 0),
                     0);
    assert_null(p2m_gfn_to_virt(&a->p2m, GNT_FRAME_GFN + 100));
    assert_int_equal(mm_owner_extra_pages(&a->mm), 1 + 64);
}

static void test_versions(void **state)
{
    struct gnttab_set_version sv = {.version = 3};
    struct gnttab_get_version gv = {.dom = DOMID_SELF};
    struct gnttab_get_status_frames gs = {
        .nr_frames = 1, .dom = DOMID_SELF, .frame_list = GPA_BUF2};

    (void)state;
    assert_int_equal(gnt_op(a, GNTTABOP_get_version, &gv, sizeof(gv), 1, &gv),
                     0);
    assert_int_equal(gv.version, 1);
    assert_int_equal(gnt_op(a, GNTTABOP_set_version, &sv, sizeof(sv), 1, &sv),
                     -EINVAL);
    assert_int_equal(sv.version, 1);
    /* v1 has no status frames. */
    assert_int_equal(
        gnt_op(a, GNTTABOP_get_status_frames, &gs, sizeof(gs), 1, &gs), 0);
    assert_int_equal(gs.status, GNTST_general_error);

    assert_int_equal(gnt_add_frame(a, 0, GNT_FRAME_GFN), 0);
    gnt_grant_v1(a, 1, 7, 0x1234, GTF_permit_access | GTF_readonly);
    gnt_grant_v1(a, 10, 7, 0x30, GTF_permit_access);
    sv.version = 2;
    assert_int_equal(gnt_op(a, GNTTABOP_set_version, &sv, sizeof(sv), 1, &sv),
                     0);
    assert_int_equal(sv.version, 2);
    assert_int_equal(gnttab_get_version(a), 2);
    /* Reserved entries survive the switch, converted; the others go. */
    assert_int_equal(gnt_v2(a, 1)->hdr.flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(gnt_v2(a, 1)->hdr.domid, 7);
    assert_int_equal(gnt_v2(a, 1)->full_page.frame, 0x1234);
    assert_int_equal(gnt_v2(a, 10)->hdr.flags, 0);
    assert_int_equal(mm_owner_extra_pages(&a->mm), 3); /* + status frame */
    assert_int_equal(
        gnt_op(a, GNTTABOP_get_status_frames, &gs, sizeof(gs), 1, &gs), 0);
    assert_int_equal(gs.status, GNTST_okay);
    assert_int_equal(*(uint64_t *)hc_mem(a, GPA_BUF2), INVALID_GFN);
    assert_int_equal(
        gnt_add_frame(a, XENMAPIDX_grant_table_status | 0, GNT_STATUS_GFN), 0);
    assert_int_equal(
        gnt_op(a, GNTTABOP_get_status_frames, &gs, sizeof(gs), 1, &gs), 0);
    assert_int_equal(*(uint64_t *)hc_mem(a, GPA_BUF2), GNT_STATUS_GFN);
    gs.nr_frames = 2;
    assert_int_equal(
        gnt_op(a, GNTTABOP_get_status_frames, &gs, sizeof(gs), 1, &gs), 0);
    assert_int_equal(gs.status, GNTST_general_error);
    /* Status frame 1 exists once grant frame 8 does: grown on demand. */
    assert_int_equal(
        gnt_add_frame(a, XENMAPIDX_grant_table_status | 1, GNT_STATUS_GFN + 1),
        0);
    assert_int_equal(gnttab_nr_status_frames(a), 2);
    assert_int_equal(
        gnt_add_frame(a, XENMAPIDX_grant_table_status | 8, GNT_STATUS_GFN + 8),
        -EINVAL); /* 64 frames need 8 status frames: 0-7 */

    /* A v2 reserved entry v1 cannot hold blocks the way back. */
    gnt_v2(a, 2)->full_page.frame = 1ULL << 33;
    gnt_v2(a, 2)->hdr.flags = GTF_permit_access;
    sv.version = 1;
    assert_int_equal(gnt_op(a, GNTTABOP_set_version, &sv, sizeof(sv), 1, &sv),
                     -ERANGE);
    assert_int_equal(sv.version, 2);
    gnt_v2(a, 2)->hdr.flags = 0;
    sv.version = 1;
    assert_int_equal(gnt_op(a, GNTTABOP_set_version, &sv, sizeof(sv), 1, &sv),
                     0);
    /* Back in v1: status frames unmapped and freed, entry 1 kept. */
    assert_null(p2m_gfn_to_virt(&a->p2m, GNT_STATUS_GFN));
    assert_int_equal(mm_owner_extra_pages(&a->mm), 1 + 9);
    assert_int_equal(gnt_v1(a, 1)->frame, 0x1234);

    gv.dom = (uint16_t)b->domid;
    assert_int_equal(gnt_op(a, GNTTABOP_get_version, &gv, sizeof(gv), 1, &gv),
                     -EPERM);
    gv.dom = 999;
    assert_int_equal(gnt_op(a, GNTTABOP_get_version, &gv, sizeof(gv), 1, &gv),
                     -ESRCH);
}

/* Maps, checks both sides see each other, unmaps, checks it all undone. */
static void map_both_ways(bool v2)
{
    struct page_info *pg = gnt_page(a, GNT_PAGE_GFN);
    uint16_t *status;
    uint8_t *pa = hc_mem(a, GNT_PAGE_GFN << PAGE_SHIFT), *pb;
    enum p2m_type t;
    uint32_t h;

    status = v2 ? (uint16_t *)hc_mem(a, GNT_STATUS_GFN << PAGE_SHIFT) + 10
                : &gnt_v1(a, 10)->flags;
    assert_int_equal(gnt_refs(pg), 1);
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN, GNTMAP_host_map, &h),
        GNTST_okay);
    assert_int_equal(*status & (GTF_reading | GTF_writing),
                     GTF_reading | GTF_writing);
    assert_int_equal(gnt_refs(pg), 2);
    assert_int_equal(gnt_types(pg), 1);
    assert_int_equal(p2m_lookup(&b->p2m, GNT_MAP_GFN, NULL, &t), 0);
    assert_int_equal(t, p2m_grant_map_rw);
    pb = hc_mem(b, GNT_MAP_GFN << PAGE_SHIFT);
    memcpy(pa, "from A", 7);
    assert_string_equal((char *)pb, "from A");
    memcpy(pb + 100, "from B", 7);
    assert_string_equal((char *)pa + 100, "from B");
    assert_int_equal(gnttab_nr_maps(b), 1);

    assert_int_equal(gnt_unmap(b, h, GNT_MAP_GFN), GNTST_okay);
    assert_int_equal(*status & (GTF_reading | GTF_writing), 0);
    assert_int_equal(gnt_refs(pg), 1);
    assert_int_equal(gnt_types(pg), 0);
    assert_null(p2m_gfn_to_virt(&b->p2m, GNT_MAP_GFN));
    assert_int_equal(gnttab_nr_maps(b), 0);
}

static void test_map_unmap_v1(void **state)
{
    (void)state;
    grant_page(0);
    map_both_ways(false);
}

static void test_map_unmap_v2(void **state)
{
    struct gnttab_set_version sv = {.version = 2};

    (void)state;
    assert_int_equal(gnt_op(a, GNTTABOP_set_version, &sv, sizeof(sv), 1, &sv),
                     0);
    assert_int_equal(gnt_add_frame(a, 0, GNT_FRAME_GFN), 0);
    assert_int_equal(
        gnt_add_frame(a, XENMAPIDX_grant_table_status, GNT_STATUS_GFN), 0);
    gnt_v2(a, 10)->full_page.frame = GNT_PAGE_GFN;
    gnt_v2(a, 10)->hdr.domid = (uint16_t)b->domid;
    gnt_v2(a, 10)->hdr.flags = GTF_permit_access;
    map_both_ways(true);
    /* A sub-page grant may be copied from, never mapped. */
    gnt_v2(a, 11)->sub_page.frame = GNT_PAGE_GFN;
    gnt_v2(a, 11)->sub_page.page_off = 16;
    gnt_v2(a, 11)->sub_page.length = 32;
    gnt_v2(a, 11)->hdr.domid = (uint16_t)b->domid;
    gnt_v2(a, 11)->hdr.flags = GTF_permit_access | GTF_sub_page;
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 11, GNT_MAP_GFN, GNTMAP_host_map, NULL),
        GNTST_general_error);
}

static void test_map_readonly(void **state)
{
    struct page_info *pg;
    enum p2m_type t;
    uint32_t h;
    char c = 'x';

    (void)state;
    grant_page(GTF_readonly);
    pg = gnt_page(a, GNT_PAGE_GFN);
    /* A read-only grant refuses a writable mapping, changing nothing. */
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN, GNTMAP_host_map, NULL),
        GNTST_general_error);
    assert_int_equal(gnt_v1(a, 10)->flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(gnt_refs(pg), 1);
    assert_int_equal(gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN,
                             GNTMAP_host_map | GNTMAP_readonly, &h),
                     GNTST_okay);
    assert_int_equal(gnt_v1(a, 10)->flags,
                     GTF_permit_access | GTF_readonly | GTF_reading);
    assert_int_equal(gnt_types(pg), 0); /* no writable type for a reader */
    assert_int_equal(p2m_lookup(&b->p2m, GNT_MAP_GFN, NULL, &t), 0);
    assert_int_equal(t, p2m_grant_map_ro);
    /* Neither xhv on B's behalf nor a hypercall may write through it. */
    assert_int_equal(p2m_copy(&b->p2m, GNT_MAP_GFN << PAGE_SHIFT, &c, 1, true),
                     -EFAULT);
    assert_int_equal(hc_call(b, __HYPERVISOR_grant_table_op,
                             GNTTABOP_query_size, GNT_MAP_GFN << PAGE_SHIFT, 1,
                             0, 0),
                     -EFAULT);
    assert_int_equal(gnt_unmap(b, h, GNT_MAP_GFN), GNTST_okay);
    assert_int_equal(gnt_v1(a, 10)->flags, GTF_permit_access | GTF_readonly);
}

static void test_map_hostile(void **state)
{
    struct page_info *pg;
    uint32_t h;

    (void)state;
    grant_page(0);
    pg = gnt_page(a, GNT_PAGE_GFN);
    /* Ref beyond the table, unknown and own domain, bad flags. */
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 512, GNT_MAP_GFN, GNTMAP_host_map, NULL),
        GNTST_bad_gntref);
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, ~0U, GNT_MAP_GFN, GNTMAP_host_map, NULL),
        GNTST_bad_gntref);
    assert_int_equal(gnt_map(b, 999, 10, GNT_MAP_GFN, GNTMAP_host_map, NULL),
                     GNTST_bad_domain);
    assert_int_equal(
        gnt_map(b, DOMID_SELF, 10, GNT_MAP_GFN, GNTMAP_host_map, NULL),
        GNTST_bad_domain);
    gnt_grant_v1(a, 11, (uint16_t)a->domid, GNT_PAGE_GFN, GTF_permit_access);
    assert_int_equal(
        gnt_map(a, (uint16_t)a->domid, 11, GNT_MAP_GFN, GNTMAP_host_map, NULL),
        GNTST_permission_denied);
    assert_int_equal(gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN, 0, NULL),
                     GNTST_bad_gntref);
    assert_int_equal(gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN,
                             GNTMAP_host_map | GNTMAP_device_map, NULL),
                     GNTST_general_error);
    /* Entries that do not let B in. */
    gnt_grant_v1(a, 12, (uint16_t)b->domid + 1, GNT_PAGE_GFN,
                 GTF_permit_access);
    gnt_grant_v1(a, 13, (uint16_t)b->domid, GNT_PAGE_GFN, GTF_accept_transfer);
    gnt_grant_v1(a, 14, (uint16_t)b->domid, GNT_PAGE_GFN, GTF_invalid);
    for (uint32_t r = 12; r <= 14; r++)
        assert_int_equal(gnt_map(b, (uint16_t)a->domid, r, GNT_MAP_GFN,
                                 GNTMAP_host_map, NULL),
                         GNTST_general_error);
    /* Granted gfns that are not A's RAM: a hole, a grant frame,
     * shared_info's place, outside the window. */
    gnt_grant_v1(a, 15, (uint16_t)b->domid, 0x5000, GTF_permit_access);
    gnt_grant_v1(a, 16, (uint16_t)b->domid, GNT_FRAME_GFN, GTF_permit_access);
    gnt_grant_v1(a, 17, (uint16_t)b->domid, 0xffffffff, GTF_permit_access);
    for (uint32_t r = 15; r <= 17; r++) {
        assert_int_equal(gnt_map(b, (uint16_t)a->domid, r, GNT_MAP_GFN,
                                 GNTMAP_host_map, NULL),
                         GNTST_bad_page);
        /* A failed first pin leaves no bit behind. */
        assert_int_equal(gnt_v1(a, r)->flags, GTF_permit_access);
    }
    /* Bad places in B: its RAM, a gfn outside its window, its own
     * grant frame. */
    assert_int_equal(gnt_add_frame(b, 0, GNT_FRAME_GFN), 0);
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 10, 0x10, GNTMAP_host_map, NULL),
        GNTST_general_error);
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 10, 1ULL << 40, GNTMAP_host_map, NULL),
        GNTST_general_error);
    assert_int_equal(gnt_map(b, (uint16_t)a->domid, 10, GNT_FRAME_GFN,
                             GNTMAP_host_map, NULL),
                     GNTST_general_error);
    assert_int_equal(gnt_v1(a, 10)->flags, GTF_permit_access);
    assert_int_equal(gnt_refs(pg), 1);
    assert_int_equal(gnt_types(pg), 0);
    assert_int_equal(gnttab_nr_maps(b), 0);

    /* A mapping cannot be moved, ballooned or overwritten from under the
     * grant code. */
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN, GNTMAP_host_map, &h),
        GNTST_okay);
    assert_int_equal(p2m_set_entry(&b->p2m, GNT_MAP_GFN,
                                   page_to_mfn(gnt_page(b, 0x20)), p2m_ram_rw,
                                   NULL, NULL),
                     -EBUSY);
    assert_int_equal(p2m_remove_ram(&b->p2m, GNT_MAP_GFN), -EINVAL);
    assert_int_equal(gnt_unmap(b, h, GNT_MAP_GFN), GNTST_okay);
}

static void test_unmap_hostile(void **state)
{
    uint32_t h;

    (void)state;
    grant_page(0);
    assert_int_equal(gnt_unmap(b, 0, GNT_MAP_GFN), GNTST_bad_handle);
    assert_int_equal(gnt_unmap(b, ~0U, GNT_MAP_GFN), GNTST_bad_handle);
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN, GNTMAP_host_map, &h),
        GNTST_okay);
    /* Somewhere else than where it is mapped. */
    assert_int_equal(gnt_unmap(b, h, GNT_MAP_GFN + 1), GNTST_general_error);
    /* host_addr 0 unmaps nothing, as in Xen. */
    assert_int_equal(gnt_unmap(b, h, 0), GNTST_okay);
    assert_non_null(p2m_gfn_to_virt(&b->p2m, GNT_MAP_GFN));
    /* A's handle space is not B's. */
    assert_int_equal(gnt_unmap(a, h, GNT_MAP_GFN), GNTST_bad_handle);
    assert_int_equal(gnt_unmap(b, h, GNT_MAP_GFN), GNTST_okay);
    assert_int_equal(gnt_unmap(b, h, GNT_MAP_GFN), GNTST_bad_handle);
    assert_int_equal(gnt_v1(a, 10)->flags, GTF_permit_access);
}

static void test_copy(void **state)
{
    uint8_t *pa = hc_mem(a, GNT_PAGE_GFN << PAGE_SHIFT);
    uint8_t *pb = hc_mem(b, 0x40 << PAGE_SHIFT);
    struct gnttab_copy c = {
        .source = {.u.gmfn = 0x40, .domid = DOMID_SELF, .offset = 8},
        .dest = {.u.ref = 10, .domid = 0, .offset = 100},
        .len = 16,
        .flags = GNTCOPY_dest_gref,
    };

    (void)state;
    grant_page(0);
    c.dest.domid = (uint16_t)a->domid;
    memcpy(pb + 8, "sixteen bytes!!", 16);
    assert_int_equal(gnt_copy(b, &c), GNTST_okay);
    assert_memory_equal(pa + 100, "sixteen bytes!!", 16);
    assert_int_equal(gnt_v1(a, 10)->flags, GTF_permit_access);
    /* And back, grant to gfn. */
    memcpy(pa + 200, "reply", 6);
    c = (struct gnttab_copy){
        .source = {.u.ref = 10, .domid = (uint16_t)a->domid, .offset = 200},
        .dest = {.u.gmfn = 0x40, .domid = DOMID_SELF, .offset = 0},
        .len = 6,
        .flags = GNTCOPY_source_gref};
    assert_int_equal(gnt_copy(b, &c), GNTST_okay);
    assert_string_equal((char *)pb, "reply");

    /* Across a page boundary on either side. */
    c.source.offset = 4091;
    assert_int_equal(gnt_copy(b, &c), GNTST_bad_copy_arg);
    c.source.offset = 0;
    c.dest.offset = 4095;
    c.len = 2;
    assert_int_equal(gnt_copy(b, &c), GNTST_bad_copy_arg);
    c.dest.offset = 0;
    c.len = 0; /* nothing at all is fine */
    assert_int_equal(gnt_copy(b, &c), GNTST_okay);
    c.len = 6;
    /* A gfn of someone else's, a bad ref, an unknown domain, a hole. */
    c.dest.domid = (uint16_t)a->domid;
    assert_int_equal(gnt_copy(b, &c), GNTST_permission_denied);
    c.dest.domid = DOMID_SELF;
    c.source.u.ref = 4096;
    assert_int_equal(gnt_copy(b, &c), GNTST_bad_gntref);
    c.source.u.ref = 10;
    c.source.domid = 999;
    assert_int_equal(gnt_copy(b, &c), GNTST_bad_domain);
    c.source.domid = (uint16_t)a->domid;
    c.dest.u.gmfn = 0x5000;
    assert_int_equal(gnt_copy(b, &c), GNTST_bad_page);
    /* A third domain may not use B's grant. */
    assert_int_equal(gnt_copy(a, &c), GNTST_general_error);
    /* A read-only grant is no destination. */
    gnt_grant_v1(a, 10, (uint16_t)b->domid, GNT_PAGE_GFN,
                 GTF_permit_access | GTF_readonly);
    c = (struct gnttab_copy){.source = {.u.gmfn = 0x40, .domid = DOMID_SELF},
                             .dest = {.u.ref = 10, .domid = (uint16_t)a->domid},
                             .len = 4,
                             .flags = GNTCOPY_dest_gref};
    assert_int_equal(gnt_copy(b, &c), GNTST_general_error);
    assert_int_equal(gnt_v1(a, 10)->flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(gnt_refs(gnt_page(a, GNT_PAGE_GFN)), 1);
}

static void test_copy_sub_page(void **state)
{
    struct gnttab_set_version sv = {.version = 2};
    uint8_t *pa = hc_mem(a, GNT_PAGE_GFN << PAGE_SHIFT);
    struct gnttab_copy c = {.source = {.u.ref = 11, .offset = 16},
                            .dest = {.u.gmfn = 0x40, .domid = DOMID_SELF},
                            .len = 32,
                            .flags = GNTCOPY_source_gref};

    (void)state;
    assert_int_equal(gnt_op(a, GNTTABOP_set_version, &sv, sizeof(sv), 1, &sv),
                     0);
    assert_int_equal(gnt_add_frame(a, 0, GNT_FRAME_GFN), 0);
    gnt_v2(a, 11)->sub_page.frame = GNT_PAGE_GFN;
    gnt_v2(a, 11)->sub_page.page_off = 16;
    gnt_v2(a, 11)->sub_page.length = 32;
    gnt_v2(a, 11)->hdr.domid = (uint16_t)b->domid;
    gnt_v2(a, 11)->hdr.flags = GTF_permit_access | GTF_sub_page;
    c.source.domid = (uint16_t)a->domid;
    memset(pa, 0x77, PAGE_SIZE);
    assert_int_equal(gnt_copy(b, &c), GNTST_okay);
    assert_int_equal(*(uint8_t *)hc_mem(b, 0x40ULL << PAGE_SHIFT), 0x77);
    /* One byte outside the window on either end. */
    c.source.offset = 15;
    assert_int_equal(gnt_copy(b, &c), GNTST_general_error);
    c.source.offset = 17;
    assert_int_equal(gnt_copy(b, &c), GNTST_general_error);
}

static void test_batches(void **state)
{
    struct gnttab_map_grant_ref ops[3] = {
        {.host_addr = GNT_MAP_GFN << PAGE_SHIFT,
         .flags = GNTMAP_host_map,
         .ref = 10},
        {.host_addr = (GNT_MAP_GFN + 1) << PAGE_SHIFT,
         .flags = GNTMAP_host_map,
         .ref = 9999},
        {.host_addr = (GNT_MAP_GFN + 2) << PAGE_SHIFT,
         .flags = GNTMAP_host_map | GNTMAP_readonly,
         .ref = 10},
    };
    struct gnttab_unmap_grant_ref un[2];
    unsigned int i;

    (void)state;
    grant_page(0);
    for (i = 0; i < 3; i++)
        ops[i].dom = (uint16_t)a->domid;
    assert_int_equal(
        gnt_op(b, GNTTABOP_map_grant_ref, ops, sizeof(ops), 3, ops), 0);
    assert_int_equal(ops[0].status, GNTST_okay);
    assert_int_equal(ops[1].status, GNTST_bad_gntref);
    assert_int_equal(ops[2].status, GNTST_okay);
    assert_int_equal(gnttab_nr_maps(b), 2);
    un[0] = (struct gnttab_unmap_grant_ref){
        .host_addr = GNT_MAP_GFN << PAGE_SHIFT, .handle = ops[0].handle};
    un[1] = (struct gnttab_unmap_grant_ref){
        .host_addr = (GNT_MAP_GFN + 2) << PAGE_SHIFT, .handle = ops[2].handle};
    assert_int_equal(gnt_op(b, GNTTABOP_unmap_grant_ref, un, sizeof(un), 2, un),
                     0);
    assert_int_equal(un[0].status, GNTST_okay);
    assert_int_equal(un[1].status, GNTST_okay);
    assert_int_equal(gnttab_nr_maps(b), 0);
    /* Counts and commands xhv refuses outright. */
    assert_int_equal(hc_call(b, __HYPERVISOR_grant_table_op,
                             GNTTABOP_map_grant_ref, GPA_BUF, 4097, 0, 0),
                     -EINVAL);
    assert_int_equal(hc_call(b, __HYPERVISOR_grant_table_op, GNTTABOP_copy,
                             GPA_BUF, 0x80000000U, 0, 0),
                     -EINVAL);
    assert_int_equal(hc_call(b, __HYPERVISOR_grant_table_op,
                             GNTTABOP_copy | (1U << 12), GPA_BUF, 1, 0, 0),
                     -EINVAL);
    assert_int_equal(hc_call(b, __HYPERVISOR_grant_table_op, GNTTABOP_transfer,
                             GPA_BUF, 1, 0, 0),
                     -ENOSYS);
    assert_int_equal(
        hc_call(b, __HYPERVISOR_grant_table_op, 99, GPA_BUF, 1, 0, 0), -ENOSYS);
    /* A batch that runs into a hole stops there with -EFAULT. */
    assert_int_equal(hc_call(b, __HYPERVISOR_grant_table_op,
                             GNTTABOP_map_grant_ref, GPA_HOLE - 32, 2, 0, 0),
                     -EFAULT);
    assert_int_equal(gnttab_nr_maps(b), 0);
    assert_int_equal(hc_call(b, __HYPERVISOR_grant_table_op,
                             GNTTABOP_map_grant_ref, GPA_BUF, 0, 0, 0),
                     0);
}

/* The granter revokes a grant that is mapped: the mapping stands (the
 * granter broke the protocol, and only hurts itself), and the unmap
 * clears only the bits xhv set. */
static void test_granter_revokes_while_mapped(void **state)
{
    uint32_t h;

    (void)state;
    grant_page(0);
    assert_int_equal(
        gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN, GNTMAP_host_map, &h),
        GNTST_okay);
    __atomic_and_fetch(&gnt_v1(a, 10)->flags, (uint16_t)~GTF_type_mask,
                       __ATOMIC_SEQ_CST);
    /* A second pin needs no fresh check of the entry (Xen's rule)... */
    assert_int_equal(gnt_map(b, (uint16_t)a->domid, 10, GNT_MAP_GFN + 1,
                             GNTMAP_host_map | GNTMAP_readonly, NULL),
                     GNTST_okay);
    /* ...but another domain still cannot join in. */
    assert_int_equal(
        gnt_map(a, (uint16_t)a->domid, 10, GNT_MAP_GFN, GNTMAP_host_map, NULL),
        GNTST_permission_denied);
    assert_int_equal(gnt_unmap(b, h, GNT_MAP_GFN), GNTST_okay);
    assert_int_equal(gnt_v1(a, 10)->flags, GTF_reading);
    gnttab_release_mappings(b); /* what B's death does */
    assert_int_equal(gnt_v1(a, 10)->flags, 0);
    assert_int_equal(gnttab_nr_maps(b), 0);
}

int main(void)
{
    xt_install_assert_hook();
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_query_and_setup),
        T(test_frames_in_physmap),
        T(test_versions),
        T(test_map_unmap_v1),
        T(test_map_unmap_v2),
        T(test_map_readonly),
        T(test_map_hostile),
        T(test_unmap_hostile),
        T(test_copy),
        T(test_copy_sub_page),
        T(test_batches),
        T(test_granter_revokes_while_mapped),
    };
#undef T
    return cmocka_run_group_tests_name("gnttab", tests, NULL, NULL);
}
