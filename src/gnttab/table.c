/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain's grant table: its frames, its version, its growth and its
 * end.
 *
 * Shared frames (and v2 status frames) are order-0 extra domheap pages of
 * the granter, allocated with MEMF_extra(kind, index) so that dumps name
 * them ("grant frame 3") and a live update preserves them. xhv reads and
 * writes them through the direct map and holds a general and a writable
 * type reference on each for that (as for shared_info); the guest sees
 * them where XENMAPSPACE_grant_table put them, as p2m_special entries
 * that hold no reference. A frame is freed only once no physmap shows it:
 * v2 status frames are unmapped before a switch to v1 frees them, and
 * relinquish runs after the dying domain's P2M is gone.
 *
 * Invariants (table lock): nr_frames <= max_frames; nr_status is 0 in v1
 * and gnttab_status_for(nr_frames) in v2; active[i] exists for every
 * i < nr_frames; once relinquished no frame exists and none is added.
 */
#include <errno.h>
#include <string.h>

#include "gnttab/private.h"
#include "lib/alloc.h"
#include "lib/log.h"
#include "xhv/public/memory.h"

void gnttab_assert_locked(struct gnttab *gt)
{
    /* pthread cannot say who holds a mutex; trylock at least proves it
     * is held by someone, which catches a forgotten lock in tests. */
    XHV_ASSERT(pthread_mutex_trylock(&gt->lock) != 0);
}

unsigned int gnttab_nr_entries(const struct gnttab *gt)
{
    return gt->nr_frames *
           (gt->version == 1 ? GNTTAB_V1_PER_FRAME : GNTTAB_V2_PER_FRAME);
}

struct gnttab_active *gnttab_act(struct gnttab *gt, grant_ref_t ref)
{
    XHV_ASSERT(ref < gnttab_nr_entries(gt));
    return &gt->active[ref / GNTTAB_V1_PER_FRAME][ref % GNTTAB_V1_PER_FRAME];
}

static void *frame_va(struct page_info *pg)
{
    return mfn_to_virt(page_to_mfn(pg));
}

struct grant_entry_header *gnttab_hdr(struct gnttab *gt, grant_ref_t ref)
{
    unsigned int per =
        gt->version == 1 ? GNTTAB_V1_PER_FRAME : GNTTAB_V2_PER_FRAME;
    uint8_t *f;

    XHV_ASSERT(ref < gnttab_nr_entries(gt) && !gt->relinquished);
    f = frame_va(gt->shared[ref / per]);
    if (gt->version == 1)
        return (struct grant_entry_header *)&(
            (struct grant_entry_v1 *)f)[ref % per];
    return &((union grant_entry_v2 *)f)[ref % per].hdr;
}

uint16_t *gnttab_status_word(struct gnttab *gt, grant_ref_t ref)
{
    if (gt->version == 1)
        return &gnttab_hdr(gt, ref)->flags;
    XHV_ASSERT(ref < gnttab_nr_entries(gt) && !gt->relinquished);
    return &((grant_status_t *)frame_va(
        gt->status[ref / GNTTAB_STATUS_PER_FRAME]))[ref %
                                                    GNTTAB_STATUS_PER_FRAME];
}

void gnttab_entry_frame(struct gnttab *gt, grant_ref_t ref, uint64_t *gfn,
                        uint16_t *start, uint16_t *length, bool *sub_page)
{
    struct grant_entry_header *h = gnttab_hdr(gt, ref);
    uint16_t flags = __atomic_load_n(&h->flags, __ATOMIC_ACQUIRE);

    *start = 0;
    *length = PAGE_SIZE;
    *sub_page = false;
    if (gt->version == 1) {
        /* The guest may change these at any time: one read each. */
        *gfn = __atomic_load_n(&((struct grant_entry_v1 *)h)->frame,
                               __ATOMIC_RELAXED);
        return;
    }
    if (flags & GTF_sub_page) {
        union grant_entry_v2 *e = (union grant_entry_v2 *)h;

        *gfn = __atomic_load_n(&e->sub_page.frame, __ATOMIC_RELAXED);
        *start = __atomic_load_n(&e->sub_page.page_off, __ATOMIC_RELAXED);
        *length = __atomic_load_n(&e->sub_page.length, __ATOMIC_RELAXED);
        *sub_page = true;
        return;
    }
    *gfn = __atomic_load_n(&((union grant_entry_v2 *)h)->full_page.frame,
                           __ATOMIC_RELAXED);
}

/* One frame of d's: an extra page, zeroed, with xhv's own references. */
static int frame_alloc(struct domain *d, enum page_kind kind, unsigned int idx,
                       struct page_info **out)
{
    struct page_info *pg;
    int rc;

    rc = alloc_domheap_pages(&d->mm, 0, MEMF_extra(kind, idx), &pg);
    if (rc)
        return rc;
    rc = get_page_and_type(pg, &d->mm, PGT_writable_page);
    if (rc) {
        /* The allocation reference is the only one: this frees it. */
        put_page_alloc_ref(pg);
        return rc;
    }
    memset(frame_va(pg), 0, PAGE_SIZE);
    *out = pg;
    return 0;
}

static void frame_free(struct page_info **pgp)
{
    struct page_info *pg = *pgp;

    if (!pg)
        return;
    *pgp = NULL;
    put_page_alloc_ref(pg);
    put_page_and_type(pg);
}

/* Takes frame pg out of d's physmap if it is there. */
static void frame_unmap(struct domain *d, gfn_t *gfn)
{
    if (*gfn != INVALID_GFN && d->p2m.root &&
        p2m_unmap(&d->p2m, *gfn, NULL, NULL))
        log_err("gnttab", "d%u: frame stays mapped at gfn %#llx", d->domid,
                (unsigned long long)*gfn);
    *gfn = INVALID_GFN;
}

/* Status frames [from, to) of a v2 table; undone as a whole on failure. */
int gnttab_status_grow(struct gnttab *gt, unsigned int to)
{
    unsigned int i, from = gt->nr_status;
    int rc = 0;

    for (i = from; i < to && !rc; i++)
        rc = frame_alloc(gt->d, PAGE_KIND_GRANT_STATUS, i, &gt->status[i]);
    if (rc) {
        while (i-- > from)
            frame_free(&gt->status[i]);
        return rc;
    }
    gt->nr_status = to;
    return 0;
}

void gnttab_status_shrink(struct gnttab *gt)
{
    unsigned int i;

    for (i = 0; i < gt->nr_status; i++) {
        frame_unmap(gt->d, &gt->status_gfn[i]);
        frame_free(&gt->status[i]);
    }
    gt->nr_status = 0;
}

int gnttab_grow_locked(struct gnttab *gt, unsigned int nr)
{
    unsigned int i, from = gt->nr_frames;
    int rc = 0;

    gnttab_assert_locked(gt);
    if (gt->relinquished || gt->releasing)
        return -ESRCH;
    if (nr > gt->max_frames)
        return -EINVAL;
    if (nr <= from)
        return 0;
    for (i = from; i < nr && !rc; i++) {
        gt->active[i] = xhv_calloc(GNTTAB_V1_PER_FRAME, sizeof(**gt->active));
        rc = gt->active[i]
                 ? frame_alloc(gt->d, PAGE_KIND_GRANT_FRAME, i, &gt->shared[i])
                 : -ENOMEM;
    }
    if (!rc && gt->version == 2)
        rc = gnttab_status_grow(gt, gnttab_status_for(nr));
    if (rc) {
        /* i is one past the frame that failed, which may be half made. */
        while (i-- > from) {
            frame_free(&gt->shared[i]);
            xhv_free(gt->active[i]);
            gt->active[i] = NULL;
        }
        return rc;
    }
    gt->nr_frames = nr;
    return 0;
}

int gnttab_grow(struct domain *d, unsigned int nr)
{
    struct gnttab *gt = d->gnttab;
    int rc;

    pthread_mutex_lock(&gt->lock);
    rc = gnttab_grow_locked(gt, nr);
    pthread_mutex_unlock(&gt->lock);
    return rc;
}

static void table_free(struct gnttab *gt)
{
    xhv_free(gt->shared);
    xhv_free(gt->shared_gfn);
    xhv_free(gt->status);
    xhv_free(gt->status_gfn);
    xhv_free(gt->active);
    xhv_free(gt->maptrack);
    pthread_mutex_destroy(&gt->lock);
    xhv_free(gt);
}

int gnttab_domain_init(struct domain *d, unsigned int max_frames,
                       unsigned int max_maptrack_frames)
{
    struct gnttab *gt;
    unsigned int i, nst;
    int rc = -ENOMEM;

    if (!max_frames)
        max_frames = GNTTAB_DEFAULT_MAX_FRAMES;
    if (!max_maptrack_frames)
        max_maptrack_frames = GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES;
    if (max_frames > GNTTAB_MAX_FRAMES_LIMIT ||
        max_maptrack_frames > GNTTAB_MAX_MAPTRACK_LIMIT)
        return -EINVAL;
    nst = gnttab_status_for(max_frames);
    gt = xhv_calloc(1, sizeof(*gt));
    if (!gt)
        return -ENOMEM;
    pthread_mutex_init(&gt->lock, NULL);
    gt->d = d;
    gt->version = 1;
    gt->max_frames = max_frames;
    gt->max_maptrack_frames = max_maptrack_frames;
    gt->free_head = MT_NONE;
    gt->shared = xhv_calloc(max_frames, sizeof(*gt->shared));
    gt->shared_gfn = xhv_calloc(max_frames, sizeof(*gt->shared_gfn));
    gt->status = xhv_calloc(nst, sizeof(*gt->status));
    gt->status_gfn = xhv_calloc(nst, sizeof(*gt->status_gfn));
    gt->active = xhv_calloc(max_frames, sizeof(*gt->active));
    gt->maptrack = xhv_calloc(max_maptrack_frames, sizeof(*gt->maptrack));
    if (!gt->shared || !gt->shared_gfn || !gt->status || !gt->status_gfn ||
        !gt->active || !gt->maptrack)
        goto out;
    for (i = 0; i < max_frames; i++)
        gt->shared_gfn[i] = INVALID_GFN;
    for (i = 0; i < nst; i++)
        gt->status_gfn[i] = INVALID_GFN;
    pthread_mutex_lock(&gt->lock);
    rc = gnttab_grow_locked(gt, GNTTAB_INITIAL_FRAMES);
    pthread_mutex_unlock(&gt->lock);
out:
    if (rc) {
        table_free(gt);
        return rc;
    }
    d->gnttab = gt;
    __atomic_add_fetch(&d->overhead_bytes,
                       sizeof(*gt) +
                           max_frames * (2 * sizeof(void *) + sizeof(gfn_t)) +
                           max_maptrack_frames * sizeof(void *),
                       __ATOMIC_RELAXED);
    return 0;
}

void gnttab_relinquish(struct domain *d)
{
    struct gnttab *gt = d->gnttab;
    unsigned int i;

    if (!gt)
        return;
    pthread_mutex_lock(&gt->lock);
    /* Mappers still pinning entries keep their own page references; the
     * frames themselves are the granter's and go now (DESIGN.md §3). */
    gt->relinquished = true;
    gnttab_status_shrink(gt);
    for (i = 0; i < gt->nr_frames; i++) {
        frame_unmap(d, &gt->shared_gfn[i]);
        frame_free(&gt->shared[i]);
    }
    pthread_mutex_unlock(&gt->lock);
}

void gnttab_domain_destroy(struct domain *d)
{
    struct gnttab *gt = d->gnttab;
    unsigned int i;

    if (!gt)
        return;
    /* The last domain reference: no mapper pins an entry any more (each
     * mapping holds a reference), and the owner's mappings are gone. */
    XHV_ASSERT(gt->nr_maps == 0);
    for (i = 0; i < gt->max_frames; i++) {
        XHV_ASSERT(!gt->shared[i]);
        xhv_free(gt->active[i]);
    }
    for (i = 0; i < gt->nr_maptrack_frames; i++)
        xhv_free(gt->maptrack[i]);
    d->gnttab = NULL;
    table_free(gt);
}

void gnttab_query(struct domain *d, uint32_t *nr_frames, uint32_t *max_frames)
{
    struct gnttab *gt = d->gnttab;

    pthread_mutex_lock(&gt->lock);
    *nr_frames = gt->nr_frames;
    *max_frames = gt->max_frames;
    pthread_mutex_unlock(&gt->lock);
}

unsigned int gnttab_nr_status_frames(struct domain *d)
{
    unsigned int n;

    pthread_mutex_lock(&d->gnttab->lock);
    n = d->gnttab->nr_status;
    pthread_mutex_unlock(&d->gnttab->lock);
    return n;
}

int gnttab_frame_gfn(struct domain *d, bool status, unsigned int idx,
                     gfn_t *gfn)
{
    struct gnttab *gt = d->gnttab;
    int rc = -EINVAL;

    pthread_mutex_lock(&gt->lock);
    if (idx < (status ? gt->nr_status : gt->nr_frames)) {
        *gfn = status ? gt->status_gfn[idx] : gt->shared_gfn[idx];
        rc = 0;
    }
    pthread_mutex_unlock(&gt->lock);
    return rc;
}

int gnttab_map_frame(struct domain *d, uint64_t idx, gfn_t gfn)
{
    struct gnttab *gt = d->gnttab;
    bool status = false;
    struct page_info *pg;
    gfn_t *where;
    int rc;

    domain_assert_locked(d);
    pthread_mutex_lock(&gt->lock);
    /* As in Xen, the status bit means a status frame only in v2; in v1
     * it makes an index far beyond any table. */
    if (gt->version == 2 && (idx & XENMAPIDX_grant_table_status)) {
        idx &= ~(uint64_t)XENMAPIDX_grant_table_status;
        status = true;
    }
    rc = -EINVAL;
    if (idx >= (status ? gnttab_status_for(gt->max_frames) : gt->max_frames))
        goto out;
    if (status && idx >= gt->nr_status)
        /* The fewest grant frames for status frame idx to exist. */
        rc = gnttab_grow_locked(gt,
                                (unsigned int)(idx * (GNTTAB_STATUS_PER_FRAME /
                                                      GNTTAB_V2_PER_FRAME)) +
                                    1);
    else if (!status && idx >= gt->nr_frames)
        rc = gnttab_grow_locked(gt, (unsigned int)idx + 1);
    else
        rc = 0;
    if (rc)
        goto out;
    rc = -EINVAL;
    if (status ? idx >= gt->nr_status : idx >= gt->nr_frames)
        goto out;
    pg = status ? gt->status[idx] : gt->shared[idx];
    where = status ? &gt->status_gfn[idx] : &gt->shared_gfn[idx];
    rc = p2m_map_special(&d->p2m, gfn, page_to_mfn(pg), *where);
    if (!rc)
        *where = gfn;
out:
    pthread_mutex_unlock(&gt->lock);
    return rc;
}

int gnttab_unmap_frame(struct domain *d, gfn_t gfn)
{
    struct gnttab *gt = d->gnttab;
    unsigned int i;
    int rc = -ENOENT;

    if (!gt || gfn == INVALID_GFN)
        return -ENOENT;
    pthread_mutex_lock(&gt->lock);
    for (i = 0; rc == -ENOENT && i < gt->nr_frames; i++)
        if (gt->shared_gfn[i] == gfn) {
            rc = p2m_unmap(&d->p2m, gfn, NULL, NULL);
            if (!rc)
                gt->shared_gfn[i] = INVALID_GFN;
        }
    for (i = 0; rc == -ENOENT && i < gt->nr_status; i++)
        if (gt->status_gfn[i] == gfn) {
            rc = p2m_unmap(&d->p2m, gfn, NULL, NULL);
            if (!rc)
                gt->status_gfn[i] = INVALID_GFN;
        }
    pthread_mutex_unlock(&gt->lock);
    return rc;
}

uint32_t gnttab_get_version(struct domain *d)
{
    uint32_t v;

    pthread_mutex_lock(&d->gnttab->lock);
    v = d->gnttab->version;
    pthread_mutex_unlock(&d->gnttab->lock);
    return v;
}
