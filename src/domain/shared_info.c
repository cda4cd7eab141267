/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * shared_info: an order-0 domheap page of the domain's own, flagged
 * PGC_extra (so not in tot_pages), typed writable, mapped by xhv, zeroed.
 *
 * It is the seed thread's patch with its objections answered:
 *   - if taking the type reference fails, the page is given back (the
 *     original leaked it); a fault-injection test covers that path;
 *   - it is freed in domain_relinquish_resources(), after evtchn_destroy(),
 *     and domain_shared_info() asserts nothing uses it afterwards;
 *   - guests find it where XENMAPSPACE_shared_info put it; moving it
 *     unmaps the old gfn and never allocates a second page.
 */
#include <errno.h>
#include <string.h>

#include "domain/domain.h"
#include "lib/assert.h"

int alloc_shared_info(struct domain *d)
{
    struct page_info *pg;
    int rc;

    rc = alloc_domheap_pages(&d->mm, 0, MEMF_extra(PAGE_KIND_SHARED_INFO, 0),
                             &pg);
    if (rc)
        return rc;
    rc = get_page_and_type(pg, &d->mm, PGT_writable_page);
    if (rc) {
        /* Dropping the allocation reference frees the page. */
        put_page_alloc_ref(pg);
        return rc;
    }
    memset(mfn_to_virt(page_to_mfn(pg)), 0, PAGE_SIZE);
    domain_lock(d);
    d->shared_info.page = pg;
    d->shared_info.virt = mfn_to_virt(page_to_mfn(pg));
    domain_unlock(d);
    return 0;
}

void free_shared_info(struct domain *d)
{
    struct page_info *pg = d->shared_info.page;

    domain_assert_locked(d);
    if (!pg)
        return;
    d->shared_info.virt = NULL;
    d->shared_info.page = NULL;
    d->shared_info.gfn = INVALID_GFN;
    put_page_alloc_ref(pg);
    put_page_and_type(pg);
}

struct xen_shared_info *domain_shared_info(struct domain *d)
{
    struct xen_shared_info *si =
        __atomic_load_n(&d->shared_info.virt, __ATOMIC_ACQUIRE);

    XHV_ASSERT(si); /* used after domain_relinquish_resources() */
    return si;
}

int domain_map_shared_info(struct domain *d, uint64_t idx, gfn_t gfn)
{
    int rc;

    if (idx != 0)
        return -EINVAL;
    domain_lock(d);
    if (d->state >= DOMAIN_DYING || !d->shared_info.page) {
        rc = -EINVAL;
        goto out;
    }
    rc = p2m_map_special(&d->p2m, gfn, page_to_mfn(d->shared_info.page),
                         d->shared_info.gfn);
    if (!rc)
        d->shared_info.gfn = gfn;
out:
    domain_unlock(d);
    return rc;
}

int domain_unmap_shared_info(struct domain *d, gfn_t gfn)
{
    int rc = -ENOENT;

    domain_lock(d);
    if (d->state >= DOMAIN_DYING || !d->shared_info.page) {
        rc = -EINVAL;
        goto out;
    }
    if (gfn == INVALID_GFN || d->shared_info.gfn != gfn)
        goto out;
    rc = p2m_unmap(&d->p2m, gfn, NULL, NULL);
    if (!rc)
        d->shared_info.gfn = INVALID_GFN;
out:
    domain_unlock(d);
    return rc;
}
