/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xhv's own pages. Xenheap pages are ephemeral: a live update does not
 * keep them, so they may come from this generation's scratch half, which
 * is tried first, and then from the rest of memory. They are never given
 * to a domain; that is what lets the next generation boot in scratch.
 */
#include <errno.h>

#include "lib/fault.h"
#include "mm/private.h"

int alloc_xenheap_pages_at(const char *site, unsigned int order,
                           unsigned int memflags, void **va)
{
    uint64_t dirt;
    mfn_t mfn;
    int rc;

    (void)memflags;
    if (!machine.ready)
        return -ENODEV;
    if (fault_fire(site))
        return -ENOMEM;
    rc = heap_alloc(HEAP_ZONE_SCRATCH | HEAP_ZONE_MAIN, order, PGC_xen_heap,
                    &mfn, &dirt);
    if (rc)
        return rc;
    /* xhv may read its own old bytes, never a domain's. */
    scrub_chunk(mfn, order, dirt, PGC_dirty_dom);
    *va = mfn_to_virt(mfn);
    return 0;
}

int free_xenheap_pages(void *va, unsigned int order)
{
    mfn_t mfn;

    if (!va)
        return 0;
    mfn = virt_to_mfn(va);
    if (mfn == INVALID_MFN || ((uintptr_t)va & (PAGE_SIZE - 1))) {
        heap_lock();
        machine.bad_frees++;
        heap_unlock();
        return -EINVAL;
    }
    return heap_free(mfn, order, PGC_dirty_xen, PGC_xen_heap);
}
