/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Grant mappings: GNTTABOP_map_grant_ref and unmap_grant_ref for a
 * translated (PVH/HVM) guest, the maptrack that records them, and their
 * release when the mapping domain dies.
 *
 * A mapping puts the granter's page into the mapper's physmap at the gfn
 * host_addr names, as p2m_grant_map_rw or p2m_grant_map_ro (the window
 * page read-only for the latter). It holds, until unmapped:
 *   - a pin on the granter's active entry (pin.c);
 *   - a general reference on the page, and a writable type reference
 *     unless read-only;
 *   - a reference on the granting domain, so its struct (and its table's
 *     active entries, which the unmap must reach) outlives its death.
 * The P2M itself holds no reference; p2m_set_entry() refuses to replace
 * a grant entry, so only unmap and release ever remove one.
 *
 * The maptrack is the mapper's: handles in chunks of 256 allocated on
 * demand up to max_maptrack_frames chunks, a free list, a busy flag while
 * a map or unmap is between its steps, so two unmaps of one handle cannot
 * both drop the references (the XSA-218 class). Locks: the mapper's table
 * lock for its maptrack, then separately the granter's for the pin; never
 * both at once.
 */
#include "gnttab/private.h"
#include "lib/alloc.h"
#include "lib/log.h"

static struct gnttab_maptrack *mt_entry(struct gnttab *gt, uint32_t h)
{
    return &gt->maptrack[h / GNTTAB_MAPTRACK_PER_FRAME]
                        [h % GNTTAB_MAPTRACK_PER_FRAME];
}

static uint32_t mt_limit(const struct gnttab *gt)
{
    return gt->nr_maptrack_frames * GNTTAB_MAPTRACK_PER_FRAME;
}

/* A free handle, marked busy; MT_NONE when the maptrack is full (its
 * limit reached, or no memory for another chunk). */
static uint32_t mt_get(struct gnttab *gt)
{
    struct gnttab_maptrack *chunk;
    uint32_t h = MT_NONE, i, base;

    pthread_mutex_lock(&gt->lock);
    if (gt->releasing)
        goto out;
    if (gt->free_head == MT_NONE &&
        gt->nr_maptrack_frames < gt->max_maptrack_frames) {
        chunk = xhv_calloc(GNTTAB_MAPTRACK_PER_FRAME, sizeof(*chunk));
        if (!chunk)
            goto out;
        base = mt_limit(gt);
        for (i = 0; i < GNTTAB_MAPTRACK_PER_FRAME; i++)
            chunk[i].next_free =
                i + 1 < GNTTAB_MAPTRACK_PER_FRAME ? base + i + 1 : MT_NONE;
        gt->maptrack[gt->nr_maptrack_frames++] = chunk;
        gt->free_head = base;
        __atomic_add_fetch(&gt->d->overhead_bytes,
                           GNTTAB_MAPTRACK_PER_FRAME * sizeof(*chunk),
                           __ATOMIC_RELAXED);
    }
    if (gt->free_head == MT_NONE)
        goto out;
    h = gt->free_head;
    gt->free_head = mt_entry(gt, h)->next_free;
    mt_entry(gt, h)->flags = MT_BUSY;
    gt->nr_maps++;
out:
    pthread_mutex_unlock(&gt->lock);
    return h;
}

static void mt_put(struct gnttab *gt, uint32_t h)
{
    struct gnttab_maptrack *mt;

    pthread_mutex_lock(&gt->lock);
    mt = mt_entry(gt, h);
    XHV_ASSERT(mt->flags & MT_BUSY);
    *mt = (struct gnttab_maptrack){.next_free = gt->free_head};
    gt->free_head = h;
    gt->nr_maps--;
    pthread_mutex_unlock(&gt->lock);
}

/* Xen's checks on the flags, for a translated guest. */
static int map_flags_ok(uint32_t flags)
{
    if (!(flags & (GNTMAP_host_map | GNTMAP_device_map)))
        return GNTST_bad_gntref;
    if (flags &
        (GNTMAP_device_map | GNTMAP_application_map | GNTMAP_contains_pte))
        return GNTST_general_error; /* no device mappings in HVM */
    return GNTST_okay;
}

/* Pins, references and the P2M entry, under the granter's lock. */
static int map_locked(struct domain *ld, struct domain *rd,
                      const struct gnttab_map_grant_ref *op, mfn_t *mfn)
{
    struct gnttab *rgt = rd->gnttab;
    bool ro = op->flags & GNTMAP_readonly;
    struct page_info *pg;
    int rc;

    rc = gnttab_pin(rgt, op->ref, (xen_domid_t)ld->domid, ro, true, &pg);
    if (rc)
        return rc;
    if (!ro && get_page_type(pg, PGT_writable_page)) {
        rc = GNTST_general_error;
        goto put_ref;
    }
    /* The gfn must be a hole inside the mapper's window (what a balloon
     * driver leaves for it); Xen's p2m failure is a general error too. */
    if (p2m_map(&ld->p2m, op->host_addr >> PAGE_SHIFT, page_to_mfn(pg), 1,
                ro ? p2m_grant_map_ro : p2m_grant_map_rw)) {
        rc = GNTST_general_error;
        goto put_type;
    }
    *mfn = page_to_mfn(pg);
    return GNTST_okay;
put_type:
    if (!ro)
        put_page_type(pg);
put_ref:
    put_page(pg);
    gnttab_unpin(rgt, op->ref, ro);
    return rc;
}

void gnttab_map(struct domain *ld, struct gnttab_map_grant_ref *op)
{
    struct gnttab *lgt = ld->gnttab;
    struct gnttab_maptrack *mt;
    struct domain *rd;
    mfn_t mfn;
    uint32_t h;
    int rc;

    op->handle = 0;
    op->dev_bus_addr = 0; /* xhv never shows a guest a machine address */
    op->status = (int16_t)map_flags_ok(op->flags);
    if (op->status)
        return;
    rd = domain_lookup_id(op->dom);
    if (!rd || !rd->gnttab) {
        op->status = GNTST_bad_domain;
        goto out_put;
    }
    /* Xen lets a domain map its own grant; xhv refuses (a domain has its
     * own page already, and a self-reference would pin it forever). */
    if (rd == ld) {
        op->status = GNTST_permission_denied;
        goto out_put;
    }
    h = mt_get(lgt);
    if (h == MT_NONE) {
        op->status = GNTST_no_space;
        goto out_put;
    }
    pthread_mutex_lock(&rd->gnttab->lock);
    rc = map_locked(ld, rd, op, &mfn);
    pthread_mutex_unlock(&rd->gnttab->lock);
    if (rc) {
        mt_put(lgt, h);
        op->status = (int16_t)rc;
        goto out_put;
    }
    pthread_mutex_lock(&lgt->lock);
    mt = mt_entry(lgt, h);
    mt->ref = op->ref;
    mt->granter = rd; /* keeps the lookup's reference */
    mt->gfn = op->host_addr >> PAGE_SHIFT;
    mt->mfn = mfn;
    mt->flags = GNTMAP_host_map | (op->flags & GNTMAP_readonly);
    pthread_mutex_unlock(&lgt->lock);
    op->handle = h;
    op->status = GNTST_okay;
    return;
out_put:
    if (rd)
        put_domain(rd);
}

/* Drops everything mapping m held; its P2M entry is already gone. */
static void map_release(struct domain *ld, uint32_t h,
                        const struct gnttab_maptrack *m)
{
    bool ro = m->flags & GNTMAP_readonly;
    struct page_info *pg = mfn_to_page(m->mfn);
    struct gnttab *rgt = m->granter->gnttab;

    pthread_mutex_lock(&rgt->lock);
    gnttab_unpin(rgt, m->ref, ro);
    pthread_mutex_unlock(&rgt->lock);
    if (!ro)
        put_page_type(pg);
    /* If the granter is dead this was the last reference: the page is
     * freed and scrubbed here, before any other domain can get it. */
    put_page(pg);
    mt_put(ld->gnttab, h);
    put_domain(m->granter);
}

void gnttab_unmap(struct domain *ld, struct gnttab_unmap_grant_ref *op)
{
    struct gnttab *lgt = ld->gnttab;
    struct gnttab_maptrack *mt, m;
    gfn_t gfn = op->host_addr >> PAGE_SHIFT;

    pthread_mutex_lock(&lgt->lock);
    if (op->handle >= mt_limit(lgt) || !mt_entry(lgt, op->handle)->flags ||
        (mt_entry(lgt, op->handle)->flags & MT_BUSY)) {
        op->status = GNTST_bad_handle;
        goto out_unlock;
    }
    mt = mt_entry(lgt, op->handle);
    /* As in Xen: host_addr 0 asks for no host unmapping, so nothing is
     * done and the handle stays. */
    op->status = GNTST_okay;
    if (!op->host_addr)
        goto out_unlock;
    /* Stricter than Xen, which accepts any gfn showing the same frame:
     * a handle is unmapped only where it was mapped. */
    if (gfn != mt->gfn) {
        op->status = GNTST_general_error;
        goto out_unlock;
    }
    mt->flags |= MT_BUSY;
    m = *mt;
    pthread_mutex_unlock(&lgt->lock);

    if (p2m_unmap(&ld->p2m, gfn, NULL, NULL)) {
        pthread_mutex_lock(&lgt->lock);
        mt->flags &= ~MT_BUSY;
        op->status = GNTST_general_error;
        goto out_unlock;
    }
    map_release(ld, op->handle, &m);
    return;
out_unlock:
    pthread_mutex_unlock(&lgt->lock);
}

void gnttab_release_mappings(struct domain *d)
{
    struct gnttab *gt = d->gnttab;
    struct gnttab_maptrack m;
    uint32_t h, n;

    if (!gt)
        return;
    pthread_mutex_lock(&gt->lock);
    /* From here nobody pins d's entries (d's P2M is about to go) and d
     * makes no new mapping. */
    gt->releasing = true;
    n = mt_limit(gt);
    pthread_mutex_unlock(&gt->lock);
    for (h = 0; h < n; h++) {
        pthread_mutex_lock(&gt->lock);
        m = *mt_entry(gt, h);
        /* d's vCPUs are stopped: no map or unmap of d's is under way. */
        XHV_ASSERT(!(m.flags & MT_BUSY));
        if (m.flags)
            mt_entry(gt, h)->flags |= MT_BUSY;
        pthread_mutex_unlock(&gt->lock);
        if (!m.flags)
            continue;
        if (p2m_unmap(&d->p2m, m.gfn, NULL, NULL))
            log_warn("gnttab",
                     "d%u: grant mapping at gfn %#llx was not in "
                     "the P2M",
                     d->domid, (unsigned long long)m.gfn);
        map_release(d, h, &m);
    }
}

unsigned int gnttab_nr_maps(struct domain *d)
{
    unsigned int n;

    if (!d->gnttab)
        return 0;
    pthread_mutex_lock(&d->gnttab->lock);
    n = d->gnttab->nr_maps;
    pthread_mutex_unlock(&d->gnttab->lock);
    return n;
}

int gnttab_for_each_map(struct domain *d,
                        int (*fn)(void *ctx, const struct gnttab_map_info *m),
                        void *ctx)
{
    struct gnttab *gt = d->gnttab;
    uint32_t h;
    int rc = 0;

    if (!gt)
        return 0;
    pthread_mutex_lock(&gt->lock);
    for (h = 0; !rc && h < mt_limit(gt); h++) {
        const struct gnttab_maptrack *mt = mt_entry(gt, h);
        struct gnttab_map_info mi;

        if (!mt->flags || (mt->flags & MT_BUSY))
            continue;
        mi = (struct gnttab_map_info){.handle = h,
                                      .granter = mt->granter->domid,
                                      .ref = mt->ref,
                                      .gfn = mt->gfn,
                                      .readonly = mt->flags & GNTMAP_readonly};
        rc = fn(ctx, &mi);
    }
    pthread_mutex_unlock(&gt->lock);
    return rc;
}
