/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain pages and their accounting.
 *
 * A domheap page belongs to exactly one owner and sits on one of its two
 * lists: page_list for ordinary pages, counted in tot_pages and bounded by
 * max_pages; extra_page_list for PGC_extra pages (shared_info, grant
 * frames, ...), counted in extra_pages and not bounded by max_pages. Both
 * lists and counts are protected by the owner's page_alloc_lock.
 *
 * Allocation and freeing hold page_alloc_lock across the heap operation
 * (page_alloc_lock -> heap_lock), so nobody, the audit included, sees a
 * page that has left the heap but is not yet on its owner's list.
 *
 * is_dying is set under page_alloc_lock, and assign refuses a dying owner
 * under that same lock: once mm_owner_set_dying() returns, no page can be
 * added to the owner, so relinquish sees lists that only shrink.
 *
 * Domheap pages never come from the scratch region: a live update keeps
 * them in place, and scratch is where the next xhvd boots.
 */
#include <errno.h>
#include <string.h>

#include "lib/fault.h"
#include "lib/log.h"
#include "mm/private.h"

static const char *const kind_names[PAGE_KIND_NR] = {
    [PAGE_KIND_NONE] = "ram",
    [PAGE_KIND_SHARED_INFO] = "shared_info",
    [PAGE_KIND_GRANT_FRAME] = "grant frame",
    [PAGE_KIND_GRANT_STATUS] = "grant status frame",
    [PAGE_KIND_LU_RECORD] = "lu record page",
};

const char *page_kind_name(enum page_kind kind)
{
    if ((unsigned int)kind >= PAGE_KIND_NR || !kind_names[kind])
        return NULL;
    return kind_names[kind];
}

void mm_owner_init(struct mm_owner *d, uint32_t id, uint64_t max_pages)
{
    struct list_head *pos;

    memset(d, 0, sizeof(*d));
    d->id = id;
    d->max_pages = max_pages;
    pthread_mutex_init(&d->page_alloc_lock, NULL);
    page_list_init(&d->page_list);
    page_list_init(&d->extra_page_list);
    pthread_mutex_lock(&machine.owners_lock);
    list_for_each(
        pos, &machine.owners) if (list_entry(pos, struct mm_owner, link)->id >
                                  id) break;
    list_add_tail(&d->link, pos); /* before the first larger id */
    pthread_mutex_unlock(&machine.owners_lock);
}

void mm_owner_fini(struct mm_owner *d)
{
    XHV_ASSERT(d->tot_pages == 0 && d->extra_pages == 0);
    XHV_ASSERT(!page_list_first(&d->page_list));
    XHV_ASSERT(!page_list_first(&d->extra_page_list));
    pthread_mutex_lock(&machine.owners_lock);
    list_del(&d->link);
    pthread_mutex_unlock(&machine.owners_lock);
    pthread_mutex_destroy(&d->page_alloc_lock);
}

void mm_owner_set_dying(struct mm_owner *d)
{
    pthread_mutex_lock(&d->page_alloc_lock);
    d->is_dying = true;
    pthread_mutex_unlock(&d->page_alloc_lock);
}

int mm_owner_set_max_pages(struct mm_owner *d, uint64_t max_pages)
{
    pthread_mutex_lock(&d->page_alloc_lock);
    d->max_pages = max_pages;
    pthread_mutex_unlock(&d->page_alloc_lock);
    return 0;
}

uint64_t mm_owner_tot_pages(struct mm_owner *d)
{
    uint64_t n;

    pthread_mutex_lock(&d->page_alloc_lock);
    n = d->tot_pages;
    pthread_mutex_unlock(&d->page_alloc_lock);
    return n;
}

uint64_t mm_owner_extra_pages(struct mm_owner *d)
{
    uint64_t n;

    pthread_mutex_lock(&d->page_alloc_lock);
    n = d->extra_pages;
    pthread_mutex_unlock(&d->page_alloc_lock);
    return n;
}

/* Whether d may take 2^order more pages of this kind; page_alloc_lock held. */
static int may_assign(const struct mm_owner *d, unsigned int order,
                      unsigned int memflags)
{
    unsigned int kind = (memflags >> MEMF_kind_shift) & 0xff;

    if (d->is_dying) {
        log_warn("mm", "d%u: refusing pages for a dying domain", d->id);
        return -EINVAL;
    }
    if (memflags & MEMF_no_refcount) {
        /* An unnamed extra page would escape dumps: refuse it. */
        if (kind == PAGE_KIND_NONE || kind >= PAGE_KIND_NR)
            return -EINVAL;
        return 0;
    }
    if (kind != PAGE_KIND_NONE)
        return -EINVAL;
    if (d->tot_pages + (1ULL << order) > d->max_pages)
        return -E2BIG;
    return 0;
}

/* Makes the in-use, ownerless chunk at mfn d's; page_alloc_lock held. */
static void assign_locked(struct mm_owner *d, mfn_t mfn, unsigned int order,
                          unsigned int memflags)
{
    bool extra = memflags & MEMF_no_refcount;
    uint64_t kind = (memflags >> MEMF_kind_shift) & 0xff;
    uint64_t idx = (memflags >> MEMF_idx_shift) & 0xffff;
    uint64_t n, nr = 1ULL << order;

    for (n = 0; n < nr; n++) {
        struct page_info *pg = mfn_to_page(mfn + n);

        pg->u.inuse.owner = d;
        pgt_set(pg, (kind << PGT_kind_shift) |
                        (extra ? (idx + n) << PGT_kindidx_shift : 0));
        /* PGC_broken may have been set meanwhile; keep it. */
        __atomic_fetch_or(&pg->count_info,
                          PGC_allocated | 1 | (extra ? PGC_extra : 0),
                          __ATOMIC_RELEASE);
        page_list_add_tail(pg, extra ? &d->extra_page_list : &d->page_list);
    }
    if (extra)
        d->extra_pages += nr;
    else
        d->tot_pages += nr;
    __atomic_add_fetch(&d->gen, 1, __ATOMIC_RELAXED);
}

static bool chunk_unowned(mfn_t mfn, uint64_t nr)
{
    uint64_t n;

    if (mfn & (nr - 1) || mfn + nr > machine.nr_pages)
        return false;
    for (n = 0; n < nr; n++) {
        const struct page_info *pg = mfn_to_page(mfn + n);

        if (page_state(pg) != PGC_state_inuse || pg->u.inuse.owner ||
            (pgc_get(pg) & (PGC_xen_heap | PGC_count_mask)) ||
            mfn_in_scratch(mfn + n))
            return false;
    }
    return true;
}

int assign_pages(struct mm_owner *d, struct page_info *pg, unsigned int order,
                 unsigned int memflags)
{
    mfn_t mfn = page_to_mfn(pg);
    int rc;

    if (order > MAX_ORDER || !chunk_unowned(mfn, 1ULL << order))
        return -EINVAL;
    pthread_mutex_lock(&d->page_alloc_lock);
    rc = may_assign(d, order, memflags);
    if (!rc)
        assign_locked(d, mfn, order, memflags);
    pthread_mutex_unlock(&d->page_alloc_lock);
    return rc;
}

int alloc_domheap_pages_at(const char *site, struct mm_owner *d,
                           unsigned int order, unsigned int memflags,
                           struct page_info **out)
{
    uint64_t dirt;
    mfn_t mfn;
    int rc;

    if (!d || order > MAX_ORDER)
        return -EINVAL;
    if (fault_fire(site))
        return -ENOMEM;
    pthread_mutex_lock(&d->page_alloc_lock);
    rc = may_assign(d, order, memflags);
    if (rc)
        goto out;
    rc = heap_alloc(HEAP_ZONE_MAIN, order, 0, &mfn, &dirt);
    if (rc)
        goto out;
    /* A domain sees only zeroes: nobody's bytes, xhv's or a domain's. */
    scrub_chunk(mfn, order, dirt, PGC_dirty_mask);
    assign_locked(d, mfn, order, memflags);
    *out = mfn_to_page(mfn);
out:
    pthread_mutex_unlock(&d->page_alloc_lock);
    return rc;
}

/*
 * Frees a chunk whose only remaining reference is, at most, the allocation
 * reference: either its last put_page() just dropped to zero, or a failure
 * path frees what it allocated a moment ago. page_alloc_lock held.
 */
void free_domheap_pages_locked(struct mm_owner *d, struct page_info *pg,
                               unsigned int order)
{
    uint64_t n, nr = 1ULL << order;
    mfn_t mfn = page_to_mfn(pg);
    bool extra = pgc_get(pg) & PGC_extra;

    XHV_ASSERT(d == pg->u.inuse.owner && !(pgc_get(pg) & PGC_xen_heap));
    for (n = 0; n < nr; n++) {
        struct page_info *p = mfn_to_page(mfn + n);
        uint64_t refs = pgc_get(p) & PGC_count_mask;

        XHV_ASSERT(p->u.inuse.owner == d);
        XHV_ASSERT(refs == 0 || (refs == 1 && (pgc_get(p) & PGC_allocated)));
        page_list_del(p, extra ? &d->extra_page_list : &d->page_list);
        __atomic_fetch_and(&p->count_info,
                           ~(PGC_allocated | PGC_extra | PGC_count_mask),
                           __ATOMIC_RELAXED);
        p->u.inuse.owner = NULL;
    }
    if (extra)
        d->extra_pages -= nr;
    else
        d->tot_pages -= nr;
    __atomic_add_fetch(&d->gen, 1, __ATOMIC_RELAXED);
    /* The chunk was checked page by page above: a refusal is a bug. */
    if (heap_free(mfn, order, PGC_dirty_dom, 0))
        XHV_BUG("free of an owned chunk refused by the heap");
}

void free_domheap_pages(struct page_info *pg, unsigned int order)
{
    struct mm_owner *d = pg->u.inuse.owner;

    XHV_ASSERT(d);
    pthread_mutex_lock(&d->page_alloc_lock);
    free_domheap_pages_locked(d, pg, order);
    pthread_mutex_unlock(&d->page_alloc_lock);
}

/*
 * The audit holds every owner's page_alloc_lock at once; the registry is
 * kept sorted by id so they are always taken in the documented order.
 */
void owners_lock_all(void)
{
    struct list_head *pos;

    pthread_mutex_lock(&machine.owners_lock);
    list_for_each(pos, &machine.owners) pthread_mutex_lock(
        &list_entry(pos, struct mm_owner, link)->page_alloc_lock);
}

void owners_unlock_all(void)
{
    struct list_head *pos;

    list_for_each(pos, &machine.owners) pthread_mutex_unlock(
        &list_entry(pos, struct mm_owner, link)->page_alloc_lock);
    pthread_mutex_unlock(&machine.owners_lock);
}
