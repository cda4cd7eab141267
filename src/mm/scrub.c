/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Scrubbing: no page reaches a new user holding bytes it must not see.
 *
 * The rule (DESIGN.md §2, issue "Foundation"): a page freed by a domain is
 * zeroed before any other domain or xhv reads it; a page freed by xhv is
 * zeroed before a domain reads it. Pages are scrubbed when allocated, on
 * the allocating thread and outside heap_lock: the chunk is already off
 * the free lists, so no one else can reach it.
 *
 * Very large chunks are scrubbed by punching them out of the memfd, which
 * zeroes them and gives the memory back to the host in one call; others
 * are cleared with memset.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "mm/private.h"

/*
 * Chunks of 64 MiB and up are punched rather than cleared: that is cheap
 * now and gives the memory back to the host, but every page refaults on
 * first touch. For smaller chunks memset wins, since the new owner is
 * about to touch the pages anyway (bench/alloc: a 2 MiB memset is ~37 us,
 * refaulting 512 punched pages costs far more).
 */
#define SCRUB_PUNCH_ORDER 14

static bool punch(mfn_t mfn, uint64_t nr)
{
    return fallocate(machine.memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                     (off_t)(mfn << PAGE_SHIFT),
                     (off_t)(nr << PAGE_SHIFT)) == 0;
}

/*
 * A chunk that is all hole in the memfd reads as zeros already: nothing
 * to clear, and clearing it would allocate and touch every page for
 * nothing (a guest that never wrote its memory gave it back as holes).
 * One lseek per chunk, so only for chunks where that is cheap against a
 * memset.
 */
#define SCRUB_HOLE_CHECK_ORDER 4
static bool all_hole(mfn_t mfn, uint64_t nr)
{
    off_t off = (off_t)(mfn << PAGE_SHIFT);
    off_t data = lseek(machine.memfd, off, SEEK_DATA);

    if (data < 0)
        return errno == ENXIO; /* no data from off to the end */
    return (uint64_t)data >= (uint64_t)off + (nr << PAGE_SHIFT);
}

void scrub_chunk(mfn_t mfn, unsigned int order, uint64_t dirt, uint64_t mask)
{
    uint64_t n, nr = 1ULL << order, scrubbed = 0;
    bool punched = false;

    /* Nothing this user may not see: leave the dirt bits alone (a xenheap
     * page keeps PGC_dirty_xen, which stays true of it). */
    if (!(dirt & mask))
        return;
    if ((dirt & mask) && order >= SCRUB_PUNCH_ORDER && punch(mfn, nr)) {
        punched = true;
        scrubbed = nr;
    } else if (order >= SCRUB_HOLE_CHECK_ORDER && all_hole(mfn, nr)) {
        punched = true; /* as good as: zeros, and nothing allocated */
    }
    for (n = 0; n < nr; n++) {
        struct page_info *pg = mfn_to_page(mfn + n);

        if (!punched && (pgc_get(pg) & mask)) {
            memset(mfn_to_virt(mfn + n), 0, PAGE_SIZE);
            scrubbed++;
        }
        /* Atomic: mm_mark_broken() may set PGC_broken meanwhile. */
        __atomic_fetch_and(&pg->count_info, ~PGC_dirty_mask, __ATOMIC_RELAXED);
    }
    if (scrubbed)
        __atomic_add_fetch(&machine.scrubbed_pages, scrubbed, __ATOMIC_RELAXED);
}
