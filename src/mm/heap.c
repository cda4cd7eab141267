/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The buddy allocator over MFNs.
 *
 * Free memory is kept as naturally aligned chunks of 2^order pages, on one
 * list per zone and order. A chunk's first page (its head) records the
 * order, the zone and the OR of its pages' dirt; every other page of a free
 * chunk is a "free tail" (order FREE_TAIL). Two free buddies of the same
 * order and zone always merge, so a chunk never spans two zones and the
 * lists hold no mergeable pair.
 *
 * Dirt: a freed page keeps PGC_dirty_dom (it held a domain's bytes) or
 * PGC_dirty_xen (it held xhv's bytes). Nothing is scrubbed on free; the
 * allocators scrub what the new user must not see (scrub.c). A clean free
 * page is all zeroes, which the deep audit checks.
 *
 * Broken pages never reach a free list: freeing a chunk that holds one
 * frees its healthy pages one by one and retires the broken ones.
 *
 * Everything here runs under heap_lock, which is the innermost lock.
 */
#include <errno.h>

#include "lib/log.h"
#include "mm/private.h"

void heap_lock(void)
{
    pthread_mutex_lock(&machine.heap_lock);
    machine.heap_holder = pthread_self();
    machine.heap_locked = true;
}

void heap_unlock(void)
{
    machine.heap_locked = false;
    pthread_mutex_unlock(&machine.heap_lock);
}

void heap_assert_locked(void)
{
    XHV_ASSERT(machine.heap_locked &&
               pthread_equal(machine.heap_holder, pthread_self()));
}

bool page_is_free(const struct page_info *pg)
{
    return page_state(pg) == PGC_state_free;
}

static void chunk_insert(mfn_t mfn, unsigned int order, enum mm_zone zone,
                         uint64_t dirt)
{
    struct page_info *pg = &machine.frame_table[mfn];

    pg->u.free.order = order;
    pg->u.free.zone = zone;
    pg->u.free.dirty = dirt;
    /* Clean chunks at the head, dirty ones at the tail: allocation takes
     * the head, so it prefers memory that needs no scrub (as Xen does). */
    if (dirt)
        page_list_add_tail(pg, &machine.free_list[zone][order]);
    else
        page_list_add_head(pg, &machine.free_list[zone][order]);
    machine.free_pages[zone] += 1ULL << order;
}

static void chunk_remove(mfn_t mfn, unsigned int order, enum mm_zone zone)
{
    struct page_info *pg = &machine.frame_table[mfn];

    page_list_del(pg, &machine.free_list[zone][order]);
    pg->u.free.order = FREE_TAIL;
    machine.free_pages[zone] -= 1ULL << order;
}

/* The pages of [mfn, mfn + 2^order) are free tails; merge and list them. */
static void chunk_free_merge(mfn_t mfn, unsigned int order, enum mm_zone zone,
                             uint64_t dirt)
{
    heap_assert_locked();
    while (order < MAX_ORDER) {
        mfn_t buddy = mfn ^ (1ULL << order);
        struct page_info *bp;

        if (buddy + (1ULL << order) > machine.nr_pages)
            break;
        bp = &machine.frame_table[buddy];
        if (page_state(bp) != PGC_state_free || bp->u.free.order != order ||
            bp->u.free.zone != (uint32_t)zone)
            break;
        dirt |= bp->u.free.dirty;
        chunk_remove(buddy, order, zone);
        if (buddy < mfn)
            mfn = buddy;
        order++;
    }
    chunk_insert(mfn, order, zone, dirt);
}

static void page_make_free_tail(struct page_info *pg, enum mm_zone zone,
                                uint64_t dirt)
{
    pgc_set(pg, PGC_state_free | (pgc_get(pg) & PGC_dirty_mask) | dirt);
    pg->u.free.order = FREE_TAIL;
    pg->u.free.zone = zone;
    pg->u.free.dirty = 0;
    pg->next = PAGE_LIST_NULL;
    pg->prev = PAGE_LIST_NULL;
}

int heap_alloc(unsigned int zones, unsigned int order, uint64_t pgc, mfn_t *out,
               uint64_t *dirt)
{
    static const enum mm_zone pref[] = {ZONE_SCRATCH, ZONE_MAIN};
    struct page_info *head = NULL;
    enum mm_zone zone = ZONE_MAIN;
    unsigned int o = order, i;
    uint64_t n, chunk_dirt;
    mfn_t mfn;

    if (order > MAX_ORDER)
        return -EINVAL;
    heap_lock();
    for (i = 0; i < ARRAY_SIZE(pref) && !head; i++) {
        if (!(zones & (1U << pref[i])))
            continue;
        for (o = order; o <= MAX_ORDER; o++) {
            head = page_list_first(&machine.free_list[pref[i]][o]);
            if (head) {
                zone = pref[i];
                break;
            }
        }
    }
    if (!head) {
        heap_unlock();
        return -ENOMEM;
    }

    mfn = page_to_mfn(head);
    chunk_dirt = head->u.free.dirty;
    chunk_remove(mfn, o, zone);
    /* Give back the upper halves; they keep the chunk's dirt summary,
     * which may over-state theirs but never under-states it. */
    while (o > order) {
        o--;
        chunk_insert(mfn + (1ULL << o), o, zone, chunk_dirt);
    }
    for (n = 0; n < (1ULL << order); n++) {
        struct page_info *pg = &machine.frame_table[mfn + n];

        pgc_set(pg, PGC_state_inuse | pgc | (pgc_get(pg) & PGC_dirty_mask));
        pg->u.inuse.owner = NULL;
        pgt_set(pg, 0);
    }
    if (pgc & PGC_xen_heap)
        machine.nr_xenheap += 1ULL << order;
    heap_unlock();
    *out = mfn;
    *dirt = chunk_dirt;
    return 0;
}

/* Takes one broken page of a chunk being freed out of service. */
static void retire_page(struct page_info *pg)
{
    pgc_set(pg, PGC_state_broken | PGC_broken);
    pg->u.inuse.owner = NULL;
    pgt_set(pg, 0);
    machine.nr_broken++;
}

/* Checks a chunk about to be freed; heap lock held. */
static bool chunk_freeable(mfn_t mfn, uint64_t nr, uint64_t must_have)
{
    uint64_t n;

    if (mfn & (nr - 1) || mfn + nr > machine.nr_pages ||
        mfn_zone(mfn) != mfn_zone(mfn + nr - 1))
        return false;
    for (n = 0; n < nr; n++) {
        uint64_t ci = pgc_get(&machine.frame_table[mfn + n]);

        if ((ci & PGC_state_mask) != PGC_state_inuse ||
            (ci & must_have) != must_have)
            return false;
    }
    return true;
}

int heap_free(mfn_t mfn, unsigned int order, uint64_t dirt, uint64_t must_have)
{
    uint64_t n, nr = 1ULL << order, summary = 0;
    enum mm_zone zone = mfn_zone(mfn);
    bool has_broken = false;

    if (order > MAX_ORDER)
        return -EINVAL;
    heap_lock();
    if (!chunk_freeable(mfn, nr, must_have)) {
        machine.bad_frees++;
        heap_unlock();
        log_err("mm",
                "refused free of mfn %#llx order %u: not an allocated "
                "chunk (double free?)",
                (unsigned long long)mfn, order);
        return -EINVAL;
    }
    if (pgc_get(&machine.frame_table[mfn]) & PGC_xen_heap)
        machine.nr_xenheap -= nr;
    for (n = 0; n < nr; n++) {
        struct page_info *pg = &machine.frame_table[mfn + n];

        if (pgc_get(pg) & PGC_broken) {
            retire_page(pg);
            has_broken = true;
        } else {
            page_make_free_tail(pg, zone, dirt);
            summary |= pgc_get(pg) & PGC_dirty_mask;
        }
    }
    if (!has_broken) {
        chunk_free_merge(mfn, order, zone, summary);
    } else {
        for (n = 0; n < nr; n++) {
            struct page_info *pg = &machine.frame_table[mfn + n];

            if (page_state(pg) == PGC_state_free)
                chunk_free_merge(mfn + n, 0, zone,
                                 pgc_get(pg) & PGC_dirty_mask);
        }
    }
    heap_unlock();
    return 0;
}

/* Largest order o such that [mfn, mfn + 2^o) is aligned and below end. */
static unsigned int fit_order(mfn_t mfn, mfn_t end)
{
    unsigned int o = 0;

    while (o < MAX_ORDER && !(mfn & (1ULL << o)) && mfn + (2ULL << o) <= end)
        o++;
    return o;
}

/* The end of mfn's zone, so no chunk is built across a zone boundary. */
static mfn_t zone_end(mfn_t mfn)
{
    if (mfn_in_range(mfn, machine.own_start, machine.own_nr))
        return machine.own_start + machine.own_nr;
    if (mfn < machine.own_start)
        return machine.own_nr ? machine.own_start : machine.nr_pages;
    return machine.nr_pages;
}

/* Hands the unmanaged run [s, e) to the free lists. Heap lock held. */
static void init_run(mfn_t s, mfn_t e, uint64_t dirt)
{
    while (s < e) {
        mfn_t ze = zone_end(s) < e ? zone_end(s) : e;
        unsigned int o = fit_order(s, ze);
        enum mm_zone zone = mfn_zone(s);
        uint64_t n;

        for (n = 0; n < (1ULL << o); n++)
            page_make_free_tail(&machine.frame_table[s + n], zone, dirt);
        chunk_free_merge(s, o, zone, dirt);
        machine.nr_unmanaged -= 1ULL << o;
        s += 1ULL << o;
    }
}

/*
 * Runs in slices of 2^MAX_ORDER pages per heap_lock hold, so a live
 * update's final hand-over of gigabytes does not stall allocations.
 */
uint64_t init_heap_pages(mfn_t start, uint64_t nr, unsigned int flags)
{
    uint64_t dirt = (flags & MM_INIT_DIRTY) ? PGC_dirty_dom : 0;
    const uint64_t slice = 1ULL << MAX_ORDER;
    uint64_t done = 0;
    mfn_t end, s;

    if (start >= machine.nr_pages)
        return 0;
    end = (nr > machine.nr_pages - start) ? machine.nr_pages : start + nr;
    for (s = start; s < end;) {
        mfn_t se = (end - s > slice) ? s + slice : end;
        mfn_t m = s;

        heap_lock();
        while (m < se) {
            mfn_t r;

            if (page_state(&machine.frame_table[m]) != PGC_state_unmanaged) {
                m++;
                continue;
            }
            for (r = m; r < se; r++)
                if (page_state(&machine.frame_table[r]) != PGC_state_unmanaged)
                    break;
            init_run(m, r, dirt);
            done += r - m;
            m = r;
        }
        heap_unlock();
        s = se;
    }
    return done;
}

int mm_mark_in_use(mfn_t start, uint64_t nr)
{
    uint64_t n;
    int rc = 0;

    if (start >= machine.nr_pages || nr > machine.nr_pages - start)
        return -EINVAL;
    heap_lock();
    for (n = 0; n < nr; n++) {
        if (page_state(&machine.frame_table[start + n]) !=
            PGC_state_unmanaged) {
            rc = -EBUSY;
            goto out;
        }
    }
    for (n = 0; n < nr; n++) {
        struct page_info *pg = &machine.frame_table[start + n];

        pgc_set(pg, PGC_state_inuse);
        pg->u.inuse.owner = NULL;
        pgt_set(pg, 0);
    }
    machine.nr_unmanaged -= nr;
out:
    heap_unlock();
    return rc;
}

int mm_unmark(mfn_t start, uint64_t nr)
{
    uint64_t n;
    int rc = 0;

    if (start >= machine.nr_pages || nr > machine.nr_pages - start)
        return -EINVAL;
    heap_lock();
    for (n = 0; n < nr; n++) {
        const struct page_info *pg = &machine.frame_table[start + n];

        if (page_state(pg) != PGC_state_inuse || pg->u.inuse.owner ||
            (pgc_get(pg) & (PGC_xen_heap | PGC_count_mask | PGC_allocated))) {
            rc = -EBUSY;
            goto out;
        }
    }
    for (n = 0; n < nr; n++)
        pgc_set(&machine.frame_table[start + n], PGC_state_unmanaged);
    machine.nr_unmanaged += nr;
out:
    heap_unlock();
    return rc;
}

/* Takes page mfn out of the free chunk that holds it, freeing the rest. */
static int carve_free_page(mfn_t mfn)
{
    unsigned int o;

    for (o = 0; o <= MAX_ORDER; o++) {
        mfn_t head = mfn & ~((1ULL << o) - 1);
        struct page_info *hp = &machine.frame_table[head];
        enum mm_zone zone;
        uint64_t dirt;

        if (page_state(hp) != PGC_state_free || hp->u.free.order != o)
            continue;
        zone = hp->u.free.zone;
        dirt = hp->u.free.dirty;
        chunk_remove(head, o, zone);
        /* Halve towards mfn, listing each half that does not hold it. */
        while (o > 0) {
            o--;
            if (mfn & (1ULL << o)) {
                chunk_insert(head, o, zone, dirt);
                head += 1ULL << o;
            } else {
                chunk_insert(head + (1ULL << o), o, zone, dirt);
            }
        }
        return 0;
    }
    return -EFAULT; /* a free page no chunk covers: the audit says so */
}

int mm_mark_broken(mfn_t mfn)
{
    struct page_info *pg;
    int rc = 0;

    if (!mfn_valid(mfn))
        return -EINVAL;
    pg = &machine.frame_table[mfn];
    heap_lock();
    switch (page_state(pg)) {
    case PGC_state_broken:
        rc = -EALREADY;
        break;
    case PGC_state_inuse:
        /* Retired when its user frees it. */
        if (__atomic_fetch_or(&pg->count_info, PGC_broken, __ATOMIC_RELAXED) &
            PGC_broken)
            rc = -EALREADY;
        break;
    case PGC_state_free:
        rc = carve_free_page(mfn);
        if (rc)
            break;
        retire_page(pg);
        break;
    case PGC_state_reserved:
        machine.nr_reserved--;
        retire_page(pg);
        break;
    default:
        machine.nr_unmanaged--;
        retire_page(pg);
        break;
    }
    heap_unlock();
    if (!rc)
        log_warn("mm", "mfn %#llx marked broken", (unsigned long long)mfn);
    return rc;
}

void mm_get_stats(struct mm_stats *st)
{
    heap_lock();
    st->total_pages = machine.nr_pages;
    st->free_scratch_pages = machine.free_pages[ZONE_SCRATCH];
    st->free_pages = st->free_scratch_pages + machine.free_pages[ZONE_MAIN];
    st->xenheap_pages = machine.nr_xenheap;
    st->broken_pages = machine.nr_broken;
    st->reserved_pages = machine.nr_reserved;
    st->domheap_pages = st->total_pages - st->free_pages - st->xenheap_pages -
                        st->broken_pages - st->reserved_pages -
                        machine.nr_unmanaged;
    st->bad_frees = machine.bad_frees;
    st->scrubbed_pages =
        __atomic_load_n(&machine.scrubbed_pages, __ATOMIC_RELAXED);
    heap_unlock();
}
