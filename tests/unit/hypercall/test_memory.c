/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memory_op on the sim backend: every sub-op, ballooning down and up,
 * the shared_info page placed, moved and removed, RAM moved by gmfn and
 * gmfn_range, hostile arguments that must change nothing, and every
 * allocation failure point of a populate. Each test ends with a deep
 * memory audit.
 *
 * The guest has 4 MiB of RAM (gfns 0-0x3ff) and max_pages 1024; its
 * window reaches 0x40400, so gfns 0x40000 and up are in the window but
 * hold no RAM. Argument structures live at GPA_BUF, extent lists at
 * GPA_BUF2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "hc_test.h"
#include "lib/fault.h"
#include "xhv/public/memory.h"
#include "xhv_test.h"

#define RAM_PAGES  1024ULL
#define SPARE_GFN  0x40000ULL /* in the window, above RAM */
#define WINDOW_END 0x40400ULL

static struct domain *d;

static int setup(void **state)
{
    (void)state;
    d = hc_setup(16, 2, "mem", 4, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hc_teardown(&d);
    return 0;
}

static long memop(uint64_t cmd, uint64_t arg)
{
    return hc_call(d, __HYPERVISOR_memory_op, cmd, arg, 0, 0, 0);
}

static uint64_t tot_pages(void)
{
    return mm_owner_tot_pages(&d->mm);
}

static uint64_t free_pages(void)
{
    struct mm_stats st;

    mm_get_stats(&st);
    return st.free_pages;
}

/* The p2m type at gfn, p2m_invalid when nothing is mapped. */
static enum p2m_type type_at(gfn_t gfn)
{
    enum p2m_type t;

    return p2m_lookup(&d->p2m, gfn, NULL, &t) ? p2m_invalid : t;
}

static mfn_t mfn_at(gfn_t gfn)
{
    mfn_t mfn;

    assert_int_equal(p2m_lookup(&d->p2m, gfn, &mfn, NULL), 0);
    return mfn;
}

static mfn_t shared_info_mfn(void)
{
    return page_to_mfn(d->shared_info.page);
}

/* A reservation op on the n gfns in list, from extent start. */
static long reserve(unsigned int op, uint64_t start, const uint64_t *list,
                    uint64_t n, unsigned int order)
{
    struct xen_memory_reservation r = {
        .extent_start = GPA_BUF2,
        .nr_extents = n,
        .extent_order = order,
        .domid = DOMID_SELF,
    };

    memcpy(hc_mem(d, GPA_BUF2), list, n * sizeof(*list));
    memcpy(hc_mem(d, GPA_BUF), &r, sizeof(r));
    return memop(op | (start << MEMOP_EXTENT_SHIFT), GPA_BUF);
}

/* A reservation op with every field chosen by the caller. */
static long reserve_raw(unsigned int op, const struct xen_memory_reservation *r)
{
    memcpy(hc_mem(d, GPA_BUF), r, sizeof(*r));
    return memop(op, GPA_BUF);
}

static long add_to_physmap(uint16_t domid, uint32_t space, uint64_t idx,
                           uint64_t gpfn, uint16_t size, uint64_t start)
{
    struct xen_add_to_physmap x = {
        .domid = domid, .size = size, .space = space, .idx = idx, .gpfn = gpfn};

    memcpy(hc_mem(d, GPA_BUF), &x, sizeof(x));
    return memop(XENMEM_add_to_physmap | (start << MEMOP_EXTENT_SHIFT),
                 GPA_BUF);
}

static long remove_from_physmap(uint16_t domid, uint64_t gpfn)
{
    struct xen_remove_from_physmap x = {.domid = domid, .gpfn = gpfn};

    memcpy(hc_mem(d, GPA_BUF), &x, sizeof(x));
    return memop(XENMEM_remove_from_physmap, GPA_BUF);
}

static long size_op(unsigned int op, uint16_t domid)
{
    memcpy(hc_mem(d, GPA_BUF), &domid, sizeof(domid));
    return memop(op, GPA_BUF);
}

/* Marks the page at gfn with its own gfn, to follow it when it moves. */
static void mark(gfn_t gfn)
{
    memcpy(hc_mem(d, gfn << PAGE_SHIFT), &gfn, sizeof(gfn));
}

static gfn_t mark_at(gfn_t gfn)
{
    gfn_t m;

    memcpy(&m, hc_mem(d, gfn << PAGE_SHIFT), sizeof(m));
    return m;
}

static bool page_is_zero(gfn_t gfn)
{
    const uint8_t *p = hc_mem(d, gfn << PAGE_SHIFT);
    size_t i;

    for (i = 0; i < PAGE_SIZE; i++)
        if (p[i])
            return false;
    return true;
}

static void test_unknown_ops(void **state)
{
    static const unsigned int ops[] = {XENMEM_maximum_ram_page,
                                       XENMEM_machphys_mfn_list,
                                       8,
                                       XENMEM_machine_memory_map,
                                       XENMEM_exchange,
                                       XENMEM_machphys_mapping,
                                       XENMEM_set_memory_map,
                                       XENMEM_add_to_physmap_batch,
                                       XENMEM_claim_pages,
                                       XENMEM_get_vnumainfo,
                                       XENMEM_acquire_resource,
                                       MEMOP_CMD_MASK};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        assert_int_equal(memop(ops[i], GPA_BUF), -ENOSYS);
    /* memory_map with a start extent is an unknown command in Xen. */
    assert_int_equal(
        memop(XENMEM_memory_map | (1 << MEMOP_EXTENT_SHIFT), GPA_BUF), -ENOSYS);
}

static void test_sizes(void **state)
{
    struct domain *other = hc_domain_create("other", 1, 1);

    (void)state;
    assert_int_equal(size_op(XENMEM_current_reservation, DOMID_SELF), 1024);
    assert_int_equal(size_op(XENMEM_maximum_reservation, DOMID_SELF), 1024);
    assert_int_equal(size_op(XENMEM_maximum_gpfn, DOMID_SELF), 0x3ff);
    assert_int_equal(size_op(XENMEM_current_reservation, d->domid), 1024);
    /* Someone else's sizes: refused; nobody's: not found. */
    assert_int_equal(size_op(XENMEM_current_reservation, other->domid), -EPERM);
    assert_int_equal(size_op(XENMEM_maximum_gpfn, 0x1234), -ESRCH);
    assert_int_equal(size_op(XENMEM_maximum_reservation, DOMID_IO), -ESRCH);
    assert_int_equal(memop(XENMEM_current_reservation, GPA_HOLE), -EFAULT);
    assert_int_equal(
        memop(XENMEM_maximum_reservation | (1 << MEMOP_EXTENT_SHIFT), GPA_BUF),
        -EINVAL);
    hc_domain_destroy(other);

    /* maximum_gpfn follows the highest gfn ever mapped, and stays. */
    assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
                                    SPARE_GFN + 0x123, 0, 0),
                     0);
    assert_int_equal(size_op(XENMEM_maximum_gpfn, DOMID_SELF),
                     SPARE_GFN + 0x123);
    assert_int_equal(remove_from_physmap(DOMID_SELF, SPARE_GFN + 0x123), 0);
    assert_int_equal(size_op(XENMEM_maximum_gpfn, DOMID_SELF),
                     SPARE_GFN + 0x123);
}

static void test_memory_map(void **state)
{
    struct xen_memory_map map = {.nr_entries = 4, .buffer = GPA_BUF2};
    struct xen_e820_entry e;
    uint8_t *buf = hc_mem(d, GPA_BUF2);

    (void)state;
    memset(buf, 0xaa, 64);
    memcpy(hc_mem(d, GPA_BUF), &map, sizeof(map));
    assert_int_equal(memop(XENMEM_memory_map, GPA_BUF), 0);
    memcpy(&map, hc_mem(d, GPA_BUF), sizeof(map));
    assert_int_equal(map.nr_entries, 1);
    memcpy(&e, buf, sizeof(e));
    assert_int_equal(e.addr, 0);
    assert_int_equal(e.size, 4ULL << 20);
    assert_int_equal(e.type, E820_RAM);
    assert_int_equal(buf[20], 0xaa); /* 20 bytes per entry, no more */

    /* No room: nothing written, and the count says so. */
    memset(buf, 0xaa, 64);
    map = (struct xen_memory_map){.nr_entries = 0, .buffer = GPA_BUF2};
    memcpy(hc_mem(d, GPA_BUF), &map, sizeof(map));
    assert_int_equal(memop(XENMEM_memory_map, GPA_BUF), 0);
    memcpy(&map, hc_mem(d, GPA_BUF), sizeof(map));
    assert_int_equal(map.nr_entries, 0);
    assert_int_equal(buf[0], 0xaa);

    map = (struct xen_memory_map){.nr_entries = 4, .buffer = GPA_HOLE};
    memcpy(hc_mem(d, GPA_BUF), &map, sizeof(map));
    assert_int_equal(memop(XENMEM_memory_map, GPA_BUF), -EFAULT);
    assert_int_equal(memop(XENMEM_memory_map, GPA_HOLE), -EFAULT);
}

/* A guest too big to build here still gets two ranges around the hole. */
static void test_ram_ranges_large(void **state)
{
    struct domain_ram_range r[DOMAIN_MAX_RAM_RANGES];
    struct domain big = {.params = {.memory_pages = 0x100000}};

    (void)state;
    assert_int_equal(domain_ram_ranges(&big, r), 2);
    assert_int_equal(r[0].gfn, 0);
    assert_int_equal(r[0].nr, 0xf0000);
    assert_int_equal(r[1].gfn, 0x100000);
    assert_int_equal(r[1].nr, 0x10000);
    big.params.memory_pages = 0xf0000;
    assert_int_equal(domain_ram_ranges(&big, r), 1);
}

static void test_shared_info(void **state)
{
    uint64_t extra = mm_owner_extra_pages(&d->mm);
    uint64_t before = free_pages();

    (void)state;
    /* Over RAM: the RAM page goes back to the heap, the extra page
     * takes its place and is not counted in tot_pages. */
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x100, 0, 0), 0);
    assert_int_equal(tot_pages(), RAM_PAGES - 1);
    assert_int_equal(mm_owner_extra_pages(&d->mm), extra);
    assert_int_equal(free_pages(), before + 1);
    assert_int_equal(type_at(0x100), p2m_special);
    assert_int_equal(mfn_at(0x100), shared_info_mfn());
    assert_int_equal(d->shared_info.gfn, 0x100);
    /* The guest's view is xhv's page. */
    ((uint8_t *)hc_mem(d, 0x100 << PAGE_SHIFT))[3072] = 0x5a;
    assert_int_equal(((uint8_t *)domain_shared_info(d))[3072], 0x5a);

    /* Moving it leaves a hole behind, not RAM. */
    assert_int_equal(add_to_physmap(d->domid, XENMAPSPACE_shared_info, 0,
                                    SPARE_GFN + 1, 0, 0),
                     0);
    assert_int_equal(type_at(0x100), p2m_invalid);
    assert_int_equal(mfn_at(SPARE_GFN + 1), shared_info_mfn());
    assert_int_equal(tot_pages(), RAM_PAGES - 1);

    /* Removing it unhooks it and keeps the page. */
    assert_int_equal(remove_from_physmap(DOMID_SELF, SPARE_GFN + 1), 0);
    assert_int_equal(type_at(SPARE_GFN + 1), p2m_invalid);
    assert_int_equal(d->shared_info.gfn, INVALID_GFN);
    assert_int_equal(mm_owner_extra_pages(&d->mm), extra);
    assert_int_equal(((uint8_t *)domain_shared_info(d))[3072], 0x5a);
    assert_int_equal(remove_from_physmap(DOMID_SELF, SPARE_GFN + 1), -ENOENT);
    /* And it can come back. */
    assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
                                    SPARE_GFN + 2, 0, 0),
                     0);
    assert_int_equal(mfn_at(SPARE_GFN + 2), shared_info_mfn());
}

static void test_add_to_physmap_hostile(void **state)
{
    struct domain *other = hc_domain_create("other", 1, 1);
    uint64_t before;

    (void)state;
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, SPARE_GFN, 0, 0),
        0);
    before = free_pages(); /* P2M tables for SPARE_GFN now exist */
    /* Wrong idx, no gfn, outside the window. */
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 1, 0x100, 0, 0),
        -EINVAL);
    assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
                                    INVALID_GFN, 0, 0),
                     -EINVAL);
    assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
                                    WINDOW_END, 0, 0),
                     -EINVAL);
    assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
                                    1ULL << 40, 0, 0),
                     -EINVAL);
    /* A grant frame beyond max_grant_frames (tests/unit/gnttab/ has the
     * rest); spaces xhv has not, or a domU may not use. */
    assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table,
                                    1ULL << 20, 0x100, 0, 0),
                     -EINVAL);
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_foreign, 0, 0x100, 0, 0),
        -ENOSYS);
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_dev_mmio, 0, 0x100, 0, 0),
        -EACCES);
    assert_int_equal(add_to_physmap(DOMID_SELF, 99, 0, 0x100, 0, 0), -EINVAL);
    /* Other domains, a bad pointer, a start extent too large. */
    assert_int_equal(
        add_to_physmap(other->domid, XENMAPSPACE_shared_info, 0, 0x100, 0, 0),
        -EPERM);
    assert_int_equal(
        add_to_physmap(0x1234, XENMAPSPACE_shared_info, 0, 0x100, 0, 0),
        -ESRCH);
    assert_int_equal(
        add_to_physmap(0x1234, XENMAPSPACE_dev_mmio, 0, 0x100, 0, 0), -ESRCH);
    assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
                                    0x100, 0, 1 << 16),
                     -EDOM);
    assert_int_equal(memop(XENMEM_add_to_physmap, GPA_HOLE), -EFAULT);
    /* Nothing moved, nothing freed. */
    assert_int_equal(d->shared_info.gfn, SPARE_GFN);
    assert_int_equal(type_at(0x100), p2m_ram_rw);
    assert_int_equal(tot_pages(), RAM_PAGES);
    assert_int_equal(free_pages(), before);
    hc_domain_destroy(other);
}

static void test_gmfn(void **state)
{
    uint64_t before;
    mfn_t mfn;

    (void)state;
    mark(0x200);
    mfn = mfn_at(0x200);
    /* Into a hole: same page, new place, nothing freed. */
    assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, 0x200,
                                    SPARE_GFN + 0x10, 0, 0),
                     0);
    assert_int_equal(type_at(0x200), p2m_invalid);
    assert_int_equal(mfn_at(SPARE_GFN + 0x10), mfn);
    assert_int_equal(mark_at(SPARE_GFN + 0x10), 0x200);
    assert_int_equal(tot_pages(), RAM_PAGES);
    before = free_pages(); /* after the P2M tables it needed */
    /* Over RAM: the page that was there is given back. */
    assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn,
                                    SPARE_GFN + 0x10, 0x201, 0, 0),
                     0);
    assert_int_equal(mark_at(0x201), 0x200);
    assert_int_equal(tot_pages(), RAM_PAGES - 1);
    assert_int_equal(free_pages(), before + 1);
    /* Onto itself: nothing to do. */
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, 0x201, 0x201, 0, 0), 0);

    /* Sources that are not RAM, destinations that cannot be used. */
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x300, 0, 0), 0);
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, 0x200, 0x202, 0, 0),
        -EACCES);
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, 0x300, 0x202, 0, 0),
        -EACCES);
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, WINDOW_END, 0x202, 0, 0),
        -EACCES);
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, 0x202, 0x300, 0, 0),
        -EBUSY);
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, 0x202, WINDOW_END, 0, 0),
        -EINVAL);
    assert_int_equal(type_at(0x202), p2m_ram_rw);
    assert_int_equal(mfn_at(0x300), shared_info_mfn());
    assert_int_equal(tot_pages(), RAM_PAGES - 2); /* 0x300 went */
}

static void test_gmfn_range(void **state)
{
    gfn_t g;

    (void)state;
    for (g = 0x300; g < 0x30c; g++)
        mark(g);
    /* Upwards over itself: 0x300-0x307 to 0x304-0x30b, top first. */
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_range, 0x300, 0x304, 8, 0),
        0);
    for (g = 0x300; g < 0x304; g++)
        assert_int_equal(type_at(g), p2m_invalid);
    for (g = 0x304; g < 0x30c; g++)
        assert_int_equal(mark_at(g), g - 4);
    assert_int_equal(tot_pages(), RAM_PAGES - 4); /* 0x308-0x30b freed */
    /* Downwards over itself: 0x304-0x30b to 0x302-0x309. */
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_range, 0x304, 0x302, 8, 0),
        0);
    for (g = 0x302; g < 0x30a; g++)
        assert_int_equal(mark_at(g), g - 2);
    assert_int_equal(type_at(0x30a), p2m_invalid);
    assert_int_equal(type_at(0x30b), p2m_invalid);
    assert_int_equal(tot_pages(), RAM_PAGES - 4);
    /* A start extent skips what an earlier call did. */
    assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_range, 0x302,
                                    SPARE_GFN, 4, 2),
                     0);
    assert_int_equal(mark_at(0x302), 0x300);
    assert_int_equal(type_at(SPARE_GFN), p2m_invalid);
    assert_int_equal(mark_at(SPARE_GFN + 2), 0x302);
    assert_int_equal(type_at(0x304), p2m_invalid);
    /* Empty, and start == size: nothing to do. */
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_range, 0x50, 0x60, 0, 0),
        0);
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_range, 0x50, 0x60, 3, 3),
        0);
    assert_int_equal(mark_at(0x50), 0);
    assert_int_equal(tot_pages(), RAM_PAGES - 4);
}

static void test_gmfn_range_hostile(void **state)
{
    gfn_t g;

    (void)state;
    for (g = 0x100; g < 0x110; g++)
        mark(g);
    assert_int_equal(remove_from_physmap(DOMID_SELF, 0x105), 0);
    assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
                                    SPARE_GFN + 5, 0, 0),
                     0);
    /* A hole among the sources, a special page among the destinations,
     * the window's end, wrapping ranges, start beyond size: refused
     * before anything moves. */
    assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_range, 0x100,
                                    SPARE_GFN + 0x20, 8, 0),
                     -EACCES);
    assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_range, 0x106,
                                    SPARE_GFN, 8, 0),
                     -EBUSY);
    assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_range, 0x106,
                                    WINDOW_END - 4, 8, 0),
                     -EINVAL);
    assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_range, 0x106,
                                    INVALID_GFN - 2, 8, 0),
                     -EOVERFLOW);
    assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_range,
                                    UINT64_MAX - 2, 0x200, 8, 0),
                     -EOVERFLOW);
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_range, 0x106, 0x200, 8, 9),
        -EILSEQ);
    for (g = 0x100; g < 0x110; g++)
        if (g != 0x105)
            assert_int_equal(mark_at(g), g);
    for (g = SPARE_GFN; g < SPARE_GFN + 0x30; g++)
        if (g != SPARE_GFN + 5)
            assert_int_equal(type_at(g), p2m_invalid);
    assert_int_equal(tot_pages(), RAM_PAGES - 1);
}

static void test_remove_from_physmap(void **state)
{
    struct domain *other = hc_domain_create("other", 1, 1);
    uint64_t before = free_pages();

    (void)state;
    assert_int_equal(remove_from_physmap(DOMID_SELF, 0x123), 0);
    assert_int_equal(type_at(0x123), p2m_invalid);
    assert_int_equal(tot_pages(), RAM_PAGES - 1);
    assert_int_equal(free_pages(), before + 1);
    /* Nothing there, outside the window, not ours, bad pointer. */
    assert_int_equal(remove_from_physmap(DOMID_SELF, 0x123), -ENOENT);
    assert_int_equal(remove_from_physmap(DOMID_SELF, SPARE_GFN), -ENOENT);
    assert_int_equal(remove_from_physmap(DOMID_SELF, WINDOW_END), -ENOENT);
    assert_int_equal(remove_from_physmap(DOMID_SELF, INVALID_GFN), -ENOENT);
    assert_int_equal(remove_from_physmap(other->domid, 0x124), -EPERM);
    assert_int_equal(remove_from_physmap(0x1234, 0x124), -ESRCH);
    assert_int_equal(memop(XENMEM_remove_from_physmap, GPA_HOLE), -EFAULT);
    assert_int_equal(
        memop(XENMEM_remove_from_physmap | (1 << MEMOP_EXTENT_SHIFT), GPA_BUF),
        -EINVAL);
    assert_int_equal(type_at(0x124), p2m_ram_rw);
    assert_int_equal(tot_pages(), RAM_PAGES - 1);
    hc_domain_destroy(other);
}

static void test_balloon_down_and_up(void **state)
{
    static const uint64_t small[] = {0x180, 0x181, 0x182, 0x190};
    static const uint64_t big[] = {0x200};
    uint64_t before = free_pages();
    gfn_t g;

    (void)state;
    mark(0x180);
    mark(0x2ff);
    assert_int_equal(reserve(XENMEM_decrease_reservation, 0, small, 4, 0), 4);
    assert_int_equal(reserve(XENMEM_decrease_reservation, 0, big, 1, 9), 1);
    assert_int_equal(tot_pages(), RAM_PAGES - 516);
    assert_int_equal(free_pages(), before + 516);
    for (g = 0x200; g < 0x400; g++)
        assert_int_equal(type_at(g), p2m_invalid);
    assert_int_equal(type_at(0x190), p2m_invalid);
    assert_int_equal(type_at(0x183), p2m_ram_rw);
    xt_assert_audit_clean();

    assert_int_equal(reserve(XENMEM_populate_physmap, 0, small, 4, 0), 4);
    assert_int_equal(reserve(XENMEM_populate_physmap, 0, big, 1, 9), 1);
    assert_int_equal(tot_pages(), RAM_PAGES);
    assert_int_equal(free_pages(), before);
    for (g = 0x200; g < 0x400; g++)
        assert_int_equal(type_at(g), p2m_ram_rw);
    assert_true(page_is_zero(0x180));
    assert_true(page_is_zero(0x2ff));
    assert_int_equal(size_op(XENMEM_maximum_gpfn, DOMID_SELF), 0x3ff);

    /* An order-9 extent need not be aligned. */
    assert_int_equal(reserve(XENMEM_decrease_reservation, 0, big, 1, 9), 1);
    g = SPARE_GFN + 1;
    assert_int_equal(reserve(XENMEM_populate_physmap, 0, &g, 1, 9), 1);
    assert_int_equal(type_at(SPARE_GFN + 512), p2m_ram_rw);
    assert_int_equal(tot_pages(), RAM_PAGES);
}

static void test_populate_stops_at_max_pages(void **state)
{
    static const uint64_t out[] = {0x100, 0x101, 0x102};
    static const uint64_t in[] = {SPARE_GFN, SPARE_GFN + 1, SPARE_GFN + 2,
                                  SPARE_GFN + 3, SPARE_GFN + 4};
    static const uint64_t one = 0x103;

    (void)state;
    assert_int_equal(reserve(XENMEM_decrease_reservation, 0, out, 3, 0), 3);
    assert_int_equal(reserve(XENMEM_populate_physmap, 0, in, 5, 0), 3);
    assert_int_equal(tot_pages(), RAM_PAGES);
    assert_int_equal(type_at(SPARE_GFN + 2), p2m_ram_rw);
    assert_int_equal(type_at(SPARE_GFN + 3), p2m_invalid);
    assert_int_equal(reserve(XENMEM_populate_physmap, 3, in, 5, 0), 3);
    /* Room for one page is no room for a 2 MiB extent. */
    assert_int_equal(reserve(XENMEM_decrease_reservation, 0, &one, 1, 0), 1);
    assert_int_equal(reserve(XENMEM_populate_physmap, 0, &in[4], 1, 9), 0);
    assert_int_equal(tot_pages(), RAM_PAGES - 1);
}

static void test_reservation_hostile(void **state)
{
    struct xen_memory_reservation r = {
        .extent_start = GPA_BUF2, .nr_extents = 1, .domid = DOMID_SELF};
    struct domain *other = hc_domain_create("other", 1, 1);
    uint64_t list[4] = {0x100, 0x101, 0x102, 0x103};
    uint64_t before = free_pages();

    (void)state;
    memcpy(hc_mem(d, GPA_BUF2), list, sizeof(list));
    /* A call that cannot start reports no extents done. */
    assert_int_equal(memop(XENMEM_decrease_reservation, GPA_HOLE), 0);
    assert_int_equal(memop(XENMEM_populate_physmap, UINT64_MAX - 4), 0);
    r.extent_start = GPA_HOLE;
    assert_int_equal(reserve_raw(XENMEM_decrease_reservation, &r), 0);
    r.extent_start = UINT64_MAX - 7;
    assert_int_equal(reserve_raw(XENMEM_decrease_reservation, &r), 0);
    r.extent_start = GPA_BUF2;
    r.nr_extents = (1ULL << 20) + 1;
    assert_int_equal(reserve_raw(XENMEM_decrease_reservation, &r), 0);
    r.nr_extents = UINT64_MAX;
    assert_int_equal(reserve_raw(XENMEM_decrease_reservation, &r), 0);
    r.nr_extents = 0;
    assert_int_equal(reserve_raw(XENMEM_decrease_reservation, &r), 0);
    r.nr_extents = 1;
    r.extent_order = 10;
    assert_int_equal(reserve_raw(XENMEM_decrease_reservation, &r), 0);
    r.extent_order = UINT32_MAX;
    assert_int_equal(reserve_raw(XENMEM_populate_physmap, &r), 0);
    r.extent_order = 0;
    r.domid = other->domid;
    assert_int_equal(reserve_raw(XENMEM_decrease_reservation, &r), 0);
    r.domid = 0x1234;
    assert_int_equal(reserve_raw(XENMEM_decrease_reservation, &r), 0);
    r.domid = DOMID_SELF;
    r.mem_flags = XENMEMF_address_bits(12);
    assert_int_equal(reserve_raw(XENMEM_decrease_reservation, &r), 0);
    r.mem_flags = XENMEMF_node(0) | XENMEMF_exact_node_request;
    assert_int_equal(reserve_raw(XENMEM_decrease_reservation, &r), 0);
    /* A start extent at or past the end does nothing and says so. */
    r.mem_flags = 0;
    assert_int_equal(
        memop(XENMEM_decrease_reservation | (5 << MEMOP_EXTENT_SHIFT), GPA_BUF),
        5);
    /* increase_reservation allocates nothing for a translated guest. */
    assert_int_equal(reserve_raw(XENMEM_increase_reservation, &r), 0);
    assert_int_equal(tot_pages(), RAM_PAGES);
    assert_int_equal(free_pages(), before);
    assert_int_equal(type_at(0x100), p2m_ram_rw);

    /* Harmless flags are accepted. */
    r.mem_flags = XENMEMF_address_bits(32) | XENMEMF_node(0);
    assert_int_equal(reserve_raw(XENMEM_decrease_reservation, &r), 1);
    /* populate-on-demand of oneself is refused. */
    r.mem_flags = XENMEMF_populate_on_demand;
    assert_int_equal(reserve_raw(XENMEM_populate_physmap, &r), 0);
    assert_int_equal(type_at(0x100), p2m_invalid);
    hc_domain_destroy(other);
}

static void test_reservation_partial(void **state)
{
    struct xen_memory_reservation r = {.nr_extents = 3, .domid = DOMID_SELF};
    uint64_t list[4] = {0x100, 0x101, 0x102, 0x103};
    uint64_t g;

    (void)state;
    /* A start extent skips the first entries. */
    assert_int_equal(reserve(XENMEM_decrease_reservation, 1, list, 3, 0), 3);
    assert_int_equal(type_at(0x100), p2m_ram_rw);
    assert_int_equal(type_at(0x102), p2m_invalid);
    /* Stops at the first gfn that is not RAM: here 0x101, gone. */
    assert_int_equal(reserve(XENMEM_decrease_reservation, 0, list, 4, 0), 1);
    assert_int_equal(type_at(0x100), p2m_invalid);
    assert_int_equal(type_at(0x103), p2m_ram_rw);
    /* An extent with a hole in it is left whole: 0xff stays. */
    list[0] = 0xff;
    assert_int_equal(reserve(XENMEM_decrease_reservation, 0, list, 1, 1), 0);
    assert_int_equal(type_at(0xff), p2m_ram_rw);
    /* Not RAM: shared_info, beyond the window. */
    assert_int_equal(
        add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, SPARE_GFN, 0, 0),
        0);
    g = SPARE_GFN;
    assert_int_equal(reserve(XENMEM_decrease_reservation, 0, &g, 1, 0), 0);
    g = WINDOW_END;
    assert_int_equal(reserve(XENMEM_decrease_reservation, 0, &g, 1, 0), 0);
    assert_int_equal(tot_pages(), RAM_PAGES - 3);

    /* populate over RAM or a special page, past the window's end, or
     * straddling it: nothing. */
    g = 0x103;
    assert_int_equal(reserve(XENMEM_populate_physmap, 0, &g, 1, 0), 0);
    g = SPARE_GFN;
    assert_int_equal(reserve(XENMEM_populate_physmap, 0, &g, 1, 0), 0);
    g = WINDOW_END;
    assert_int_equal(reserve(XENMEM_populate_physmap, 0, &g, 1, 0), 0);
    g = WINDOW_END - 1;
    assert_int_equal(reserve(XENMEM_populate_physmap, 0, &g, 1, 1), 0);
    g = UINT64_MAX;
    assert_int_equal(reserve(XENMEM_populate_physmap, 0, &g, 1, 0), 0);
    assert_int_equal(tot_pages(), RAM_PAGES - 3);
    assert_int_equal(mfn_at(SPARE_GFN), shared_info_mfn());

    /* An extent list that runs into the hole: the extents before it. */
    g = SPARE_GFN + 1;
    memcpy(hc_mem(d, GPA_HOLE - 8), &g, sizeof(g));
    r.extent_start = GPA_HOLE - 8;
    assert_int_equal(reserve_raw(XENMEM_populate_physmap, &r), 1);
    assert_int_equal(type_at(SPARE_GFN + 1), p2m_ram_rw);
}

/* A P2M table allocation failing inside a populate leaves nothing. */
static void test_populate_table_failure(void **state)
{
    static const uint64_t out[] = {0x100};
    uint64_t g = SPARE_GFN + 0x200;
    uint64_t before;

    (void)state;
    assert_int_equal(reserve(XENMEM_decrease_reservation, 0, out, 1, 0), 1);
    before = free_pages();
    assert_int_equal(fault_arm("table_alloc", 1, FAULT_TRANSIENT), 0);
    assert_int_equal(reserve(XENMEM_populate_physmap, 0, &g, 1, 0), 0);
    assert_int_equal(fault_fired(), 1);
    fault_disarm();
    assert_int_equal(type_at(g), p2m_invalid);
    assert_int_equal(tot_pages(), RAM_PAGES - 1);
    assert_int_equal(free_pages(), before);
    xt_assert_audit_clean();
    assert_int_equal(reserve(XENMEM_populate_physmap, 0, &g, 1, 0), 1);
    assert_int_equal(tot_pages(), RAM_PAGES);
}

/* The fault loop: populate an order-9 extent into RAM's place and three
 * pages where no P2M table exists yet, failing each allocation in turn. */
#define FL_BIG   0x200ULL
#define FL_SMALL (SPARE_GFN + 0x100)

static int populate_scenario(void *ctx)
{
    uint64_t big = FL_BIG;
    uint64_t small[3] = {FL_SMALL, FL_SMALL + 1, FL_SMALL + 2};

    (void)ctx;
    /* A short count is the failure: report it as the errno it hides. */
    if (reserve(XENMEM_populate_physmap, 0, &big, 1, 9) != 1 ||
        reserve(XENMEM_populate_physmap, 0, small, 3, 0) != 3)
        return -ENOMEM;
    return 0;
}

/* Balloons back whatever the run managed, so each run starts alike. */
static void populate_check(void *ctx, int rc)
{
    uint64_t g;

    (void)ctx, (void)rc;
    for (g = FL_BIG; g < FL_BIG + 512; g++)
        if (type_at(g) == p2m_ram_rw)
            assert_int_equal(reserve(XENMEM_decrease_reservation, 0, &g, 1, 0),
                             1);
    for (g = FL_SMALL; g < FL_SMALL + 3; g++)
        if (type_at(g) == p2m_ram_rw)
            assert_int_equal(reserve(XENMEM_decrease_reservation, 0, &g, 1, 0),
                             1);
    assert_int_equal(tot_pages(), RAM_PAGES - 515);
    xt_assert_audit_clean();
}

static void test_populate_every_failure_point(void **state)
{
    static const uint64_t out[] = {0x180, 0x181, 0x182};
    uint64_t big = FL_BIG;
    unsigned long points;

    (void)state;
    assert_int_equal(reserve(XENMEM_decrease_reservation, 0, out, 3, 0), 3);
    assert_int_equal(reserve(XENMEM_decrease_reservation, 0, &big, 1, 9), 1);
    points =
        xt_fault_loop(FAULT_SITE_ANY, populate_scenario, populate_check, NULL);
    print_message("# populate_physmap: %lu failure points\n", points);
    assert_true(points >= 5);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_unknown_ops),
        T(test_sizes),
        T(test_memory_map),
        T(test_ram_ranges_large),
        T(test_shared_info),
        T(test_add_to_physmap_hostile),
        T(test_gmfn),
        T(test_gmfn_range),
        T(test_gmfn_range_hostile),
        T(test_remove_from_physmap),
        T(test_balloon_down_and_up),
        T(test_populate_stops_at_max_pages),
        T(test_reservation_hostile),
        T(test_reservation_partial),
        T(test_populate_table_failure),
        T(test_populate_every_failure_point),
    };
#undef T
    return cmocka_run_group_tests_name("hypercall_memory", tests, NULL, NULL);
}
