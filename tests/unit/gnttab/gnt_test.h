/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for grant-table tests: two sim domains (A grants, B maps), each
 * with 4 MiB of RAM (gfns 0-0x3ff) and a window up to 0x40400, so gfns
 * from 0x1000 up are holes. Hypercall arguments live at GPA_BUF of the
 * calling domain, frame lists at GPA_BUF2.
 */
#ifndef XHV_TESTS_GNT_TEST_H
#define XHV_TESTS_GNT_TEST_H

#include <string.h>

#include "gnttab/gnttab.h"
#include "hc_test.h"
#include "xhv/public/grant_table.h"
#include "xhv/public/memory.h"

#define GNT_FRAME_GFN  0x2000ULL /* where A puts its grant frame 0 */
#define GNT_STATUS_GFN 0x2800ULL
#define GNT_PAGE_GFN   0x30ULL   /* the RAM page A grants */
#define GNT_MAP_GFN    0x3000ULL /* where B maps it */

static inline long gnt_op(struct domain *d, unsigned int cmd, const void *op,
                          size_t sz, uint32_t count, void *out)
{
    long rc;

    memcpy(hc_mem(d, GPA_BUF), op, sz);
    rc = hc_call(d, __HYPERVISOR_grant_table_op, cmd, GPA_BUF, count, 0, 0);
    if (out)
        memcpy(out, hc_mem(d, GPA_BUF), sz);
    return rc;
}

/* XENMAPSPACE_grant_table: frame idx (| status bit) at gfn. */
static inline long gnt_add_frame(struct domain *d, uint64_t idx, uint64_t gfn)
{
    struct xen_add_to_physmap x = {.domid = DOMID_SELF,
                                   .space = XENMAPSPACE_grant_table,
                                   .idx = idx,
                                   .gpfn = gfn};

    memcpy(hc_mem(d, GPA_BUF), &x, sizeof(x));
    return hc_call(d, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, GPA_BUF, 0,
                   0, 0);
}

/* A v1 entry in d's frame 0 (mapped at GNT_FRAME_GFN). */
static inline struct grant_entry_v1 *gnt_v1(struct domain *d, uint32_t ref)
{
    return (struct grant_entry_v1 *)hc_mem(d, (GNT_FRAME_GFN << PAGE_SHIFT) +
                                                  (ref / 512) * PAGE_SIZE) +
           ref % 512;
}

static inline union grant_entry_v2 *gnt_v2(struct domain *d, uint32_t ref)
{
    return (union grant_entry_v2 *)hc_mem(d, GNT_FRAME_GFN << PAGE_SHIFT) + ref;
}

static inline void gnt_grant_v1(struct domain *d, uint32_t ref, uint16_t to,
                                uint32_t gfn, uint16_t flags)
{
    struct grant_entry_v1 *e = gnt_v1(d, ref);

    e->domid = to;
    e->frame = gfn;
    __atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
}

static inline int16_t gnt_map(struct domain *b, uint16_t dom, uint32_t ref,
                              uint64_t gfn, uint32_t flags, uint32_t *handle)
{
    struct gnttab_map_grant_ref op = {
        .host_addr = gfn << PAGE_SHIFT, .flags = flags, .ref = ref, .dom = dom};
    long rc;

    if (handle)
        *handle = ~0U;
    rc = gnt_op(b, GNTTABOP_map_grant_ref, &op, sizeof(op), 1, &op);
    if (rc)
        return -100; /* not a GNTST code: the call itself failed */
    if (handle)
        *handle = op.handle;
    return op.status;
}

static inline int16_t gnt_unmap(struct domain *b, uint32_t handle, uint64_t gfn)
{
    struct gnttab_unmap_grant_ref op = {.host_addr = gfn << PAGE_SHIFT,
                                        .handle = handle};
    long rc = gnt_op(b, GNTTABOP_unmap_grant_ref, &op, sizeof(op), 1, &op);

    return rc ? -100 : op.status;
}

static inline int16_t gnt_copy(struct domain *d, const struct gnttab_copy *c)
{
    struct gnttab_copy op = *c;
    long rc = gnt_op(d, GNTTABOP_copy, &op, sizeof(op), 1, &op);

    return rc ? -100 : op.status;
}

static inline struct page_info *gnt_page(struct domain *d, uint64_t gfn)
{
    mfn_t mfn;

    if (p2m_lookup(&d->p2m, gfn, &mfn, NULL))
        return NULL;
    return mfn_to_page(mfn);
}

static inline uint64_t gnt_refs(const struct page_info *pg)
{
    return __atomic_load_n(&pg->count_info, __ATOMIC_RELAXED) & PGC_count_mask;
}

static inline uint64_t gnt_types(const struct page_info *pg)
{
    return __atomic_load_n(&pg->u.inuse.type_info, __ATOMIC_RELAXED) &
           PGT_count_mask;
}

#endif /* XHV_TESTS_GNT_TEST_H */
