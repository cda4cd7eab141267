/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Populating and changing a domain's physmap: RAM in, RAM out, and extra
 * pages placed where the guest asks. These combine the P2M with the page
 * allocator; the P2M itself only records and maps.
 */
#include <errno.h>

#include "lib/fault.h"
#include "lib/log.h"
#include "p2m/p2m.h"

#define EXTENT_ORDER 9 /* 2 MiB: what the host can back with a huge page */

static void release_ram(mfn_t mfn, uint64_t nr)
{
    uint64_t i;

    for (i = 0; i < nr; i++)
        put_page_alloc_ref(mfn_to_page(mfn + i));
}

int p2m_remove_ram(struct p2m *p, gfn_t gfn)
{
    enum p2m_type t;
    mfn_t mfn;
    int rc;

    rc = p2m_lookup(p, gfn, &mfn, &t);
    if (rc)
        return rc;
    if (t != p2m_ram_rw && t != p2m_ram_ro)
        return -EINVAL;
    rc = p2m_unmap(p, gfn, NULL, NULL);
    if (rc)
        return rc;
    release_ram(mfn, 1);
    return 0;
}

static void unpopulate(struct p2m *p, gfn_t gfn, uint64_t nr)
{
    uint64_t i;

    for (i = 0; i < nr; i++)
        if (p2m_remove_ram(p, gfn + i) &&
            p2m_lookup(p, gfn + i, NULL, NULL) == 0)
            log_err("p2m", "gfn %#llx stays mapped after a failed populate",
                    (unsigned long long)(gfn + i));
}

int p2m_populate_ram(struct p2m *p, struct mm_owner *d, gfn_t gfn, uint64_t nr)
{
    gfn_t g = gfn, end = gfn + nr;
    int rc = 0;

    if (gfn >= p->nr_gfns || nr > p->nr_gfns - gfn)
        return -EINVAL;
    while (g < end) {
        unsigned int order = 0;
        struct page_info *pg;

        if (!(g & ((1ULL << EXTENT_ORDER) - 1)) &&
            end - g >= (1ULL << EXTENT_ORDER))
            order = EXTENT_ORDER;
        if (order)
            fault_benign_begin();
        rc = alloc_domheap_pages(d, order, 0, &pg);
        if (order)
            fault_benign_end();
        if (rc == -ENOMEM && order) /* fragmented: fall back to 4 KiB */
            rc = alloc_domheap_pages(d, order = 0, 0, &pg);
        if (rc)
            break;
        rc = p2m_map(p, g, page_to_mfn(pg), 1ULL << order, p2m_ram_rw);
        if (rc) {
            release_ram(page_to_mfn(pg), 1ULL << order);
            break;
        }
        g += 1ULL << order;
    }
    if (rc)
        unpopulate(p, gfn, g - gfn);
    return rc;
}

int p2m_map_special(struct p2m *p, gfn_t gfn, mfn_t mfn, gfn_t old_gfn)
{
    enum p2m_type prev_t;
    mfn_t prev;
    int rc;

    if (gfn == old_gfn)
        return 0;
    rc = p2m_set_entry(p, gfn, mfn, p2m_special, &prev, &prev_t);
    if (rc)
        return rc;
    /* The RAM that was there is given up, as Xen does. */
    if (prev_t == p2m_ram_rw || prev_t == p2m_ram_ro)
        release_ram(prev, 1);
    if (old_gfn != INVALID_GFN && p2m_unmap(p, old_gfn, NULL, NULL))
        log_err("p2m", "special page stays visible at old gfn %#llx",
                (unsigned long long)old_gfn);
    return 0;
}

/* Puts back what p2m_set_entry() replaced at gfn, after a later step
 * failed; logs if even that fails (the page then stays where it is). */
static void restore_entry(struct p2m *p, gfn_t gfn, mfn_t prev,
                          enum p2m_type prev_t)
{
    int rc;

    if (prev_t == p2m_invalid)
        rc = p2m_unmap(p, gfn, NULL, NULL);
    else
        rc = p2m_set_entry(p, gfn, prev, prev_t, NULL, NULL);
    if (rc)
        log_err("p2m", "gfn %#llx not restored after a failed move: %d",
                (unsigned long long)gfn, rc);
}

int p2m_move_ram(struct p2m *p, gfn_t from, gfn_t to)
{
    enum p2m_type t, prev_t;
    mfn_t mfn, prev;
    int rc;

    rc = p2m_lookup(p, from, &mfn, &t);
    if (rc || t != p2m_ram_rw)
        return -EACCES; /* what Xen answers for any other source */
    if (to >= p->nr_gfns)
        return -EINVAL;
    if (from == to)
        return 0;
    /* Map at the new place first: until the old place is unmapped the
     * page is visible twice, never not at all, and a failure here has
     * changed nothing. */
    rc = p2m_set_entry(p, to, mfn, p2m_ram_rw, &prev, &prev_t);
    if (rc)
        return rc;
    rc = p2m_unmap(p, from, NULL, NULL);
    if (rc) {
        restore_entry(p, to, prev, prev_t);
        return rc;
    }
    /* Only now is the RAM that was at the destination given up. */
    if (prev_t == p2m_ram_rw || prev_t == p2m_ram_ro)
        release_ram(prev, 1);
    return 0;
}
