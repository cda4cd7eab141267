/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Grant tables across a live update: what the old xhvd says of a table
 * and of the mappings a domain holds, and how the new xhvd rebuilds both
 * around the pages it took over (src/liveupdate/gnttab.c drives this).
 *
 * What travels and where it comes from again:
 *   - the frames are the granter's extra pages, preserved in place; the
 *     new side hands each one back with gnttab_lu_adopt_frame() (by kind
 *     and index) and xhv takes its own general and writable type
 *     reference on it, as frame_alloc() does for a new one;
 *   - where the guest mapped a frame is its P2M (a special extent):
 *     gnttab_lu_frame_gfn() notes the gfn again for each such page;
 *   - version and frame counts come from the GNTTAB record
 *     (gnttab_lu_set_table(), which checks that exactly those frames were
 *     adopted);
 *   - each mapping comes from a MAPTRACK entry {handle, granter, ref,
 *     gfn, readonly}. The page is found the way a first pin finds it: the
 *     gfn in the granter's grant entry, looked up in the granter's P2M.
 *     The entry is guest memory and the guest may rewrite it while the
 *     grant is pinned, so the old side refuses to write a mapping whose
 *     entry no longer names the pinned page (gnttab_lu_check_maps()):
 *     what the new side finds is then what the old one pinned. The
 *     GTF_reading/GTF_writing bits are guest memory too and are already
 *     right.
 *
 * Every reference a mapping held in the old xhvd is taken again: the
 * general page reference and the writable type reference unless
 * read-only, a pin on the granter's active entry, a reference on the
 * granting domain, the maptrack entry under the same handle, and the
 * mapper's P2M entry of the grant type. The free list of a rebuilt
 * maptrack is made once all its handles are back
 * (gnttab_lu_maptrack_done()).
 *
 * Concurrency: on the old side every guest is held still; on the new
 * side nothing runs yet. The table locks are still taken as everywhere
 * else, one table at a time.
 */
#include <errno.h>
#include <stdio.h>

#include "gnttab/private.h"
#include "lib/alloc.h"

void gnttab_limits(struct domain *d, unsigned int *max_frames,
                   unsigned int *max_maptrack_frames)
{
    struct gnttab *gt = d->gnttab;

    pthread_mutex_lock(&gt->lock);
    *max_frames = gt->max_frames;
    *max_maptrack_frames = gt->max_maptrack_frames;
    pthread_mutex_unlock(&gt->lock);
}

void gnttab_lu_table(struct domain *d, uint32_t *version, uint32_t *nr_frames,
                     uint32_t *nr_status)
{
    struct gnttab *gt = d->gnttab;

    pthread_mutex_lock(&gt->lock);
    *version = gt->version;
    *nr_frames = gt->relinquished ? 0 : gt->nr_frames;
    *nr_status = gt->relinquished ? 0 : gt->nr_status;
    pthread_mutex_unlock(&gt->lock);
}

/* ---- the old side: which mappings can be carried ------------------------ */

static struct gnttab_maptrack *mt_at(struct gnttab *gt, uint32_t h)
{
    return &gt->maptrack[h / GNTTAB_MAPTRACK_PER_FRAME]
                        [h % GNTTAB_MAPTRACK_PER_FRAME];
}

/*
 * Whether the new side will find mapping m's page again from the granter's
 * entry: the granter alive, the entry pinned for this page, and naming the
 * gfn where the granter still has it. Granter's table lock only.
 */
static int map_carriable(struct domain *ld, const struct gnttab_maptrack *m,
                         char *why, size_t whylen)
{
    struct domain *rd = m->granter;
    struct gnttab *rgt = rd->gnttab;
    uint16_t start, length;
    uint64_t gfn;
    mfn_t mfn;
    bool sub;
    int rc = 0;

    /* The domain lock ranks above the table lock: asked first. */
    bool dying = domain_get_state(rd) >= DOMAIN_DYING;

    pthread_mutex_lock(&rgt->lock);
    if (dying || rgt->relinquished || rgt->releasing) {
        snprintf(why, whylen,
                 "d%u maps grant %u of d%u, which is being destroyed; "
                 "try again once the mapping is gone",
                 ld->domid, m->ref, rd->domid);
        rc = -EBUSY;
        goto out;
    }
    /* Unmapped meanwhile (only a check while guests run sees that). */
    if (m->ref >= gnttab_nr_entries(rgt) || !gnttab_act(rgt, m->ref)->pin)
        goto out;
    gnttab_entry_frame(rgt, m->ref, &gfn, &start, &length, &sub);
    if (sub || gfn != gnttab_act(rgt, m->ref)->gfn ||
        gnttab_act(rgt, m->ref)->mfn != m->mfn ||
        p2m_lookup(&rd->p2m, gfn, &mfn, NULL) || mfn != m->mfn) {
        snprintf(why, whylen,
                 "d%u rewrote grant %u, or moved its page, while d%u maps "
                 "it: live update cannot tell which page the mapping is",
                 rd->domid, m->ref, ld->domid);
        rc = -EOPNOTSUPP;
    }
out:
    pthread_mutex_unlock(&rgt->lock);
    return rc;
}

int gnttab_lu_check_maps(struct domain *ld,
                         int (*fn)(void *ctx, const struct gnttab_map_info *m),
                         void *ctx, char *why, size_t whylen)
{
    struct gnttab *gt = ld->gnttab;
    struct gnttab_maptrack m;
    uint32_t h, n;
    int rc = 0;

    if (!gt)
        return 0;
    pthread_mutex_lock(&gt->lock);
    n = gt->nr_maptrack_frames * GNTTAB_MAPTRACK_PER_FRAME;
    pthread_mutex_unlock(&gt->lock);
    for (h = 0; !rc && h < n; h++) {
        pthread_mutex_lock(&gt->lock);
        m = *mt_at(gt, h);
        /* The entry's own domain reference keeps the granter until an
         * unmap marks the entry busy, which it does under this lock. */
        if (m.flags && !(m.flags & MT_BUSY))
            get_domain(m.granter);
        pthread_mutex_unlock(&gt->lock);
        if (!m.flags)
            continue;
        /* A map or unmap between its steps: only a check made while
         * guests run (no fn) can meet one, and passes over it; the write
         * is made with guests held, when none can be under way. */
        if ((m.flags & MT_BUSY) && !fn)
            continue;
        if (m.flags & MT_BUSY) {
            snprintf(why, whylen, "d%u: grant handle %u is being changed",
                     ld->domid, h);
            rc = -EBUSY;
            break;
        }
        rc = map_carriable(ld, &m, why, whylen);
        if (!rc && fn) {
            struct gnttab_map_info mi = {
                .handle = h,
                .granter = m.granter->domid,
                .ref = m.ref,
                .gfn = m.gfn,
                .readonly = m.flags & GNTMAP_readonly,
            };

            rc = fn(ctx, &mi);
        }
        put_domain(m.granter);
    }
    return rc;
}

/* ---- the new side: the table ------------------------------------------- */

int gnttab_lu_adopt_frame(struct domain *d, enum page_kind kind,
                          unsigned int idx, struct page_info *pg)
{
    struct gnttab *gt = d->gnttab;
    bool status = kind == PAGE_KIND_GRANT_STATUS;
    struct page_info **slot;
    int rc = -EINVAL;

    if (!gt || (kind != PAGE_KIND_GRANT_FRAME && !status))
        return -EINVAL;
    pthread_mutex_lock(&gt->lock);
    if (idx >= (status ? gnttab_status_for(gt->max_frames) : gt->max_frames))
        goto out;
    slot = status ? &gt->status[idx] : &gt->shared[idx];
    rc = -EEXIST;
    if (*slot)
        goto out;
    if (!status && !gt->active[idx]) {
        rc = -ENOMEM;
        gt->active[idx] = xhv_calloc(GNTTAB_V1_PER_FRAME, sizeof(**gt->active));
        if (!gt->active[idx])
            goto out;
    }
    /* xhv's own references, as frame_alloc() takes them; the allocation
     * reference came with assign_pages(). */
    rc = get_page_and_type(pg, &d->mm, PGT_writable_page);
    if (!rc)
        *slot = pg;
out:
    pthread_mutex_unlock(&gt->lock);
    return rc;
}

int gnttab_lu_frame_gfn(struct domain *d, mfn_t mfn, gfn_t gfn)
{
    struct gnttab *gt = d->gnttab;
    struct page_info *pg = mfn_to_page(mfn);
    enum page_kind kind;
    uint32_t idx;
    int rc = -ENOENT;

    if (!gt || page_get_owner(pg) != &d->mm)
        return -ENOENT;
    kind = page_get_kind(pg, &idx);
    pthread_mutex_lock(&gt->lock);
    if (kind == PAGE_KIND_GRANT_FRAME && idx < gt->max_frames &&
        gt->shared[idx] == pg) {
        gt->shared_gfn[idx] = gfn;
        rc = 0;
    } else if (kind == PAGE_KIND_GRANT_STATUS &&
               idx < gnttab_status_for(gt->max_frames) &&
               gt->status[idx] == pg) {
        gt->status_gfn[idx] = gfn;
        rc = 0;
    }
    pthread_mutex_unlock(&gt->lock);
    return rc;
}

/* Slots [0, nr) all filled and none from nr on. */
static bool exactly(struct page_info *const *slot, unsigned int nr,
                    unsigned int max)
{
    unsigned int i;

    for (i = 0; i < max; i++)
        if (!slot[i] != (i >= nr))
            return false;
    return true;
}

int gnttab_lu_set_table(struct domain *d, uint32_t version, uint32_t nr_frames,
                        uint32_t nr_status)
{
    struct gnttab *gt = d->gnttab;
    int rc = -EINVAL;

    if (!gt)
        return -EINVAL;
    pthread_mutex_lock(&gt->lock);
    if ((version != 1 && version != 2) || nr_frames > gt->max_frames ||
        nr_status != (version == 2 ? gnttab_status_for(nr_frames) : 0) ||
        gt->nr_frames || gt->nr_maps)
        goto out;
    if (!exactly(gt->shared, nr_frames, gt->max_frames) ||
        !exactly(gt->status, nr_status, gnttab_status_for(gt->max_frames)))
        goto out;
    gt->version = version;
    gt->nr_frames = nr_frames;
    gt->nr_status = nr_status;
    rc = 0;
out:
    pthread_mutex_unlock(&gt->lock);
    return rc;
}

int gnttab_lu_table_complete(struct domain *d)
{
    struct gnttab *gt = d->gnttab;
    int rc = 0;

    if (!gt)
        return 0;
    pthread_mutex_lock(&gt->lock);
    /* Frames adopted beyond what a GNTTAB record declared (or without
     * one) would be pages xhv holds but the table does not know. */
    if (!exactly(gt->shared, gt->nr_frames, gt->max_frames) ||
        !exactly(gt->status, gt->nr_status, gnttab_status_for(gt->max_frames)))
        rc = -EINVAL;
    pthread_mutex_unlock(&gt->lock);
    return rc;
}

/* ---- the new side: mappings ---------------------------------------------- */

/* Makes handle h exist in gt's maptrack and claims it (MT_BUSY). */
static int mt_claim(struct gnttab *gt, uint32_t h)
{
    struct gnttab_maptrack *chunk;
    int rc = 0;

    pthread_mutex_lock(&gt->lock);
    if (h / GNTTAB_MAPTRACK_PER_FRAME >= gt->max_maptrack_frames) {
        rc = -E2BIG;
        goto out;
    }
    while (gt->nr_maptrack_frames <= h / GNTTAB_MAPTRACK_PER_FRAME) {
        /* Free lists are made in gnttab_lu_maptrack_done(). */
        chunk = xhv_calloc(GNTTAB_MAPTRACK_PER_FRAME, sizeof(*chunk));
        if (!chunk) {
            rc = -ENOMEM;
            goto out;
        }
        gt->maptrack[gt->nr_maptrack_frames++] = chunk;
        __atomic_add_fetch(&gt->d->overhead_bytes,
                           GNTTAB_MAPTRACK_PER_FRAME * sizeof(*chunk),
                           __ATOMIC_RELAXED);
    }
    if (mt_at(gt, h)->flags) {
        rc = -EEXIST;
        goto out;
    }
    mt_at(gt, h)->flags = MT_BUSY;
    gt->nr_maps++;
out:
    pthread_mutex_unlock(&gt->lock);
    return rc;
}

static void mt_unclaim(struct gnttab *gt, uint32_t h)
{
    pthread_mutex_lock(&gt->lock);
    *mt_at(gt, h) = (struct gnttab_maptrack){.next_free = MT_NONE};
    gt->nr_maps--;
    pthread_mutex_unlock(&gt->lock);
}

/*
 * The pin and page references of one mapping, under the granter's lock:
 * the page found as a first pin finds it (the entry's gfn in the
 * granter's P2M), or, if the entry is pinned already by another mapping
 * of the same mapper, the pinned page.
 */
static int repin(struct gnttab *rgt, xen_domid_t ldomid, grant_ref_t ref,
                 bool ro, struct page_info **out)
{
    struct gnttab_active *act;
    struct page_info *pg;
    uint16_t start, length;
    uint64_t gfn;
    bool sub;
    int rc;

    if (rgt->relinquished || ref >= gnttab_nr_entries(rgt))
        return -EINVAL;
    act = gnttab_act(rgt, ref);
    if (act->pin && (act->domid != ldomid ||
                     (act->pin & (ro ? GNTPIN_ro_mask : GNTPIN_rw_mask)) ==
                         (ro ? GNTPIN_ro_mask : GNTPIN_rw_mask)))
        return -EINVAL;
    gnttab_entry_frame(rgt, ref, &gfn, &start, &length, &sub);
    if (sub)
        return -EINVAL;
    if (gnttab_get_ram(rgt->d, gfn, ro, &pg) != GNTST_okay)
        return -ENOENT;
    rc = -EINVAL;
    if (act->pin && act->mfn != page_to_mfn(pg))
        goto put_ref;
    rc = ro ? 0 : get_page_type(pg, PGT_writable_page);
    if (rc)
        goto put_ref;
    if (!act->pin)
        *act = (struct gnttab_active){.domid = ldomid,
                                      .mfn = page_to_mfn(pg),
                                      .gfn = gfn,
                                      .length = PAGE_SIZE};
    act->pin += ro ? GNTPIN_ro_inc : GNTPIN_rw_inc;
    *out = pg;
    return 0;
put_ref:
    put_page(pg);
    return rc;
}

static void unrepin(struct gnttab *rgt, grant_ref_t ref, bool ro,
                    struct page_info *pg)
{
    struct gnttab_active *act = gnttab_act(rgt, ref);

    /* Not gnttab_unpin(): the status bits are the old xhvd's, untouched
     * here, and must stay as the guest sees them. */
    act->pin -= ro ? GNTPIN_ro_inc : GNTPIN_rw_inc;
    if (!ro)
        put_page_type(pg);
    put_page(pg);
}

int gnttab_lu_restore_map(struct domain *ld, uint32_t handle, struct domain *rd,
                          grant_ref_t ref, gfn_t gfn, bool ro)
{
    struct gnttab *lgt = ld->gnttab, *rgt = rd ? rd->gnttab : NULL;
    struct gnttab_maptrack *mt;
    struct page_info *pg = NULL;
    int rc;

    if (!lgt || !rgt || rd == ld)
        return -EINVAL;
    rc = mt_claim(lgt, handle);
    if (rc)
        return rc;
    pthread_mutex_lock(&rgt->lock);
    rc = repin(rgt, (xen_domid_t)ld->domid, ref, ro, &pg);
    pthread_mutex_unlock(&rgt->lock);
    if (rc)
        goto out_unclaim;
    rc = p2m_map(&ld->p2m, gfn, page_to_mfn(pg), 1,
                 ro ? p2m_grant_map_ro : p2m_grant_map_rw);
    if (rc)
        goto out_unpin;
    get_domain(rd);
    pthread_mutex_lock(&lgt->lock);
    mt = mt_at(lgt, handle);
    mt->ref = ref;
    mt->granter = rd;
    mt->gfn = gfn;
    mt->mfn = page_to_mfn(pg);
    mt->flags = GNTMAP_host_map | (ro ? GNTMAP_readonly : 0);
    pthread_mutex_unlock(&lgt->lock);
    return 0;
out_unpin:
    pthread_mutex_lock(&rgt->lock);
    unrepin(rgt, ref, ro, pg);
    pthread_mutex_unlock(&rgt->lock);
out_unclaim:
    mt_unclaim(lgt, handle);
    return rc;
}

void gnttab_lu_maptrack_done(struct domain *d)
{
    struct gnttab *gt = d->gnttab;
    uint32_t h;

    if (!gt)
        return;
    pthread_mutex_lock(&gt->lock);
    /* Lowest handles first, as a fresh maptrack hands them out. */
    gt->free_head = MT_NONE;
    for (h = gt->nr_maptrack_frames * GNTTAB_MAPTRACK_PER_FRAME; h-- > 0;) {
        struct gnttab_maptrack *mt = mt_at(gt, h);

        if (mt->flags)
            continue;
        mt->next_free = gt->free_head;
        gt->free_head = h;
    }
    pthread_mutex_unlock(&gt->lock);
}
