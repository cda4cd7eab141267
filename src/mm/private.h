/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * State shared by the files of src/mm only. There is one machine per
 * process: the global `machine` below, set up by mm_init() and torn down by
 * mm_fini(). Tests set up and tear down a fresh one per test.
 *
 * Lock order: owner registry lock -> an owner's page_alloc_lock (by
 * ascending owner id when several) -> heap_lock. Nothing that holds
 * heap_lock takes another lock.
 */
#ifndef XHV_MM_PRIVATE_H
#define XHV_MM_PRIVATE_H

#include "lib/assert.h"
#include "lib/list.h"
#include "mm/mm.h"

enum mm_zone {
    ZONE_SCRATCH = 0, /* this generation's half of the scratch region */
    ZONE_MAIN = 1,    /* everything else a domain may use */
    NR_ZONES,
};

struct machine {
    bool ready;
    bool heap_partial; /* defer_heap: unmanaged pages are expected */
    int memfd;
    bool own_memfd;
    uint8_t *base; /* the whole memfd, mapped shared */
    uint64_t nr_pages;
    struct page_info *frame_table;
    size_t frame_table_bytes;

    mfn_t scratch_start; /* the whole scratch region */
    uint64_t scratch_nr;
    mfn_t own_start; /* our half: xenheap only */
    uint64_t own_nr;
    mfn_t other_start; /* the next generation's half: reserved */
    uint64_t other_nr;

    pthread_mutex_t heap_lock;
    pthread_t heap_holder; /* valid while heap_locked */
    bool heap_locked;
    struct page_list_head free_list[NR_ZONES][MAX_ORDER + 1]; /* heap_lock */
    uint64_t free_pages[NR_ZONES];                            /* heap_lock */
    uint64_t bad_frees;                                       /* heap_lock */
    uint64_t nr_unmanaged;                                    /* heap_lock */
    uint64_t nr_reserved;                                     /* heap_lock */
    uint64_t nr_broken;                                       /* heap_lock */
    uint64_t nr_xenheap;                                      /* heap_lock */
    uint64_t scrubbed_pages;                                  /* atomic */

    pthread_mutex_t owners_lock;
    struct list_head owners; /* protected by owners_lock */
};

extern struct machine machine;

/*
 * count_info and type_info of a page in use are changed by lock-free
 * compare-and-swap (page_ref.c), so every other access is atomic too,
 * relaxed: the locks and the CAS orderings carry the ordering.
 */
static inline uint64_t pgc_get(const struct page_info *pg)
{
    return __atomic_load_n(&pg->count_info, __ATOMIC_RELAXED);
}

static inline void pgc_set(struct page_info *pg, uint64_t v)
{
    __atomic_store_n(&pg->count_info, v, __ATOMIC_RELAXED);
}

static inline uint64_t pgt_get(const struct page_info *pg)
{
    return __atomic_load_n(&pg->u.inuse.type_info, __ATOMIC_RELAXED);
}

static inline void pgt_set(struct page_info *pg, uint64_t v)
{
    __atomic_store_n(&pg->u.inuse.type_info, v, __ATOMIC_RELAXED);
}

static inline uint64_t page_state(const struct page_info *pg)
{
    return __atomic_load_n(&pg->count_info, __ATOMIC_RELAXED) & PGC_state_mask;
}

static inline void page_set_state(struct page_info *pg, uint64_t state)
{
    pgc_set(pg, (pgc_get(pg) & ~PGC_state_mask) | state);
}

static inline bool mfn_in_range(mfn_t mfn, mfn_t start, uint64_t nr)
{
    return mfn >= start && mfn - start < nr;
}

static inline enum mm_zone mfn_zone(mfn_t mfn)
{
    return mfn_in_range(mfn, machine.own_start, machine.own_nr) ? ZONE_SCRATCH
                                                                : ZONE_MAIN;
}

/* heap.c */
#define HEAP_ZONE_MAIN    (1U << ZONE_MAIN)
#define HEAP_ZONE_SCRATCH (1U << ZONE_SCRATCH)
/*
 * heap_alloc takes a chunk off the free lists and marks its pages in use
 * with the PGC flags pgc; the pages keep their dirt for scrub_chunk().
 * heap_free checks first that every page is in use and carries
 * must_have, and refuses (-EINVAL, counted as a bad free) otherwise.
 */
int heap_alloc(unsigned int zones, unsigned int order, uint64_t pgc, mfn_t *mfn,
               uint64_t *dirt);
int heap_free(mfn_t mfn, unsigned int order, uint64_t dirt, uint64_t must_have);
void heap_lock(void);
void heap_unlock(void);
void heap_assert_locked(void);

/* scrub.c */
/*
 * Called on a chunk just taken off the free lists, whose pages still carry
 * their PGC_dirty_* bits and whose summary is dirt: zeroes the pages whose
 * dirt intersects mask and clears every page's dirt.
 */
void scrub_chunk(mfn_t mfn, unsigned int order, uint64_t dirt, uint64_t mask);

/* domheap.c */
void free_domheap_pages_locked(struct mm_owner *d, struct page_info *pg,
                               unsigned int order);
void owners_lock_all(void);
void owners_unlock_all(void);

#endif /* XHV_MM_PRIVATE_H */
