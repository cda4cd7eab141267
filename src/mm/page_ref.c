/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Page references and types, with Xen's semantics.
 *
 * A domheap page's count_info holds its general reference count. Being
 * allocated to its owner is itself one reference (PGC_allocated); anything
 * else that uses the page (xhv's mapping of shared_info, a foreign mapping)
 * takes one more with get_page(). The page is freed when the count drops
 * to zero, which can only happen after put_page_alloc_ref() gave up the
 * allocation reference: a page cannot vanish under a user.
 *
 * type_info holds what the page is used as and how many users rely on
 * that use. A page's type can only change while its type count is zero.
 *
 * Both words are changed only by compare-and-swap, so these functions take
 * no lock.
 */
#include <errno.h>

#include "lib/fault.h"
#include "mm/private.h"

struct mm_owner *page_get_owner(const struct page_info *pg)
{
    return __atomic_load_n(&pg->u.inuse.owner, __ATOMIC_ACQUIRE);
}

enum page_kind page_get_kind(const struct page_info *pg, uint32_t *idx)
{
    uint64_t t = __atomic_load_n(&pg->u.inuse.type_info, __ATOMIC_RELAXED);

    if (idx)
        *idx = (uint32_t)((t & PGT_kindidx_mask) >> PGT_kindidx_shift);
    return (enum page_kind)((t & PGT_kind_mask) >> PGT_kind_shift);
}

/*
 * Takes a reference only while the page is referenced already, then
 * checks the owner: a page freed and reallocated in between is caught by
 * the owner check, and the reference is dropped again.
 */
int get_page(struct page_info *pg, const struct mm_owner *d)
{
    uint64_t x = __atomic_load_n(&pg->count_info, __ATOMIC_RELAXED), nx;

    do {
        if ((x & PGC_state_mask) != PGC_state_inuse || (x & PGC_xen_heap) ||
            !(x & PGC_count_mask))
            return -EINVAL;
        if ((x & PGC_count_mask) == PGC_count_mask)
            return -EOVERFLOW;
        nx = x + 1;
    } while (!__atomic_compare_exchange_n(&pg->count_info, &x, nx, false,
                                          __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));

    if (page_get_owner(pg) != d) {
        put_page(pg);
        return -EINVAL;
    }
    return 0;
}

/*
 * Dropping the last reference and freeing the page happen together under
 * the owner's page_alloc_lock, so nobody holding that lock (the audit, a
 * relinquish) sees an owned page with no reference. The owner cannot
 * change while we hold our reference, so reading it first is safe.
 */
static void put_last_page(struct page_info *pg)
{
    struct mm_owner *d = page_get_owner(pg);
    uint64_t x;

    XHV_ASSERT(d);
    pthread_mutex_lock(&d->page_alloc_lock);
    x = __atomic_sub_fetch(&pg->count_info, 1, __ATOMIC_ACQ_REL);
    if (!(x & PGC_count_mask))
        free_domheap_pages_locked(d, pg, 0);
    pthread_mutex_unlock(&d->page_alloc_lock);
}

void put_page(struct page_info *pg)
{
    uint64_t x = __atomic_load_n(&pg->count_info, __ATOMIC_RELAXED);

    do {
        XHV_ASSERT(x & PGC_count_mask);
        if ((x & PGC_count_mask) == 1) {
            put_last_page(pg);
            return;
        }
    } while (!__atomic_compare_exchange_n(&pg->count_info, &x, x - 1, false,
                                          __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

void put_page_alloc_ref(struct page_info *pg)
{
    if (__atomic_fetch_and(&pg->count_info, ~PGC_allocated, __ATOMIC_RELAXED) &
        PGC_allocated)
        put_page(pg);
}

int get_page_type_at(const char *site, struct page_info *pg, uint64_t type)
{
    uint64_t x = __atomic_load_n(&pg->u.inuse.type_info, __ATOMIC_RELAXED);
    uint64_t nx;

    XHV_ASSERT(!(type & ~PGT_type_mask));
    if (fault_fire(site))
        return -EINVAL;
    do {
        uint64_t count = x & PGT_count_mask;

        if (count == 0)
            nx = (x & ~(PGT_type_mask | PGT_count_mask)) | type | 1;
        else if ((x & PGT_type_mask) != type)
            return -EINVAL;
        else if (count == PGT_count_mask)
            return -EOVERFLOW;
        else
            nx = x + 1;
    } while (!__atomic_compare_exchange_n(&pg->u.inuse.type_info, &x, nx, false,
                                          __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
    return 0;
}

void put_page_type(struct page_info *pg)
{
    uint64_t x = __atomic_load_n(&pg->u.inuse.type_info, __ATOMIC_RELAXED);

    do {
        XHV_ASSERT(x & PGT_count_mask);
    } while (!__atomic_compare_exchange_n(&pg->u.inuse.type_info, &x, x - 1,
                                          false, __ATOMIC_RELEASE,
                                          __ATOMIC_RELAXED));
}

int get_page_and_type_at(const char *site, struct page_info *pg,
                         const struct mm_owner *d, uint64_t type)
{
    int rc = get_page(pg, d);

    if (rc)
        return rc;
    rc = get_page_type_at(site, pg, type);
    if (rc)
        put_page(pg);
    return rc;
}

void put_page_and_type(struct page_info *pg)
{
    put_page_type(pg);
    put_page(pg);
}
