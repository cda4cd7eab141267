/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Machine memory, the frame table and the xenheap/domheap allocator.
 *
 * Machine memory is one memfd; an MFN is a 4 KiB page index into it. xhv
 * maps the whole memfd once (mfn_to_virt), the way Xen keeps a direct map.
 * Every MFN has a struct page_info in the frame table, which lives in xhv's
 * private memory and is never part of any stream or ABI.
 *
 * Ownership (DESIGN.md §1, §2): a page is exactly one of
 *   - free: on a buddy free list;
 *   - xenheap: xhv's own (ephemeral) page, owner NULL, PGC_xen_heap;
 *   - domheap: owned by one mm_owner (a domain), preserved across a live
 *     update; PGC_extra marks extra pages (shared_info, grant frames, ...)
 *     that are not counted in tot_pages;
 *   - broken: taken out of service, never handed to the allocator again;
 *   - reserved: the other live-update scratch half, kept for the next
 *     generation of xhvd;
 *   - unmanaged: not yet handed to the heap (only before init_heap_pages).
 *
 * The live-update scratch region may hold xenheap pages and never holds a
 * domheap page. mm depends on nothing above it: a domain embeds a struct
 * mm_owner, which is all mm knows of domains.
 */
#ifndef XHV_MM_MM_H
#define XHV_MM_MM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/list.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define MAX_ORDER  18 /* largest buddy chunk: 1 GiB */

typedef uint64_t mfn_t;
#define INVALID_MFN (~(mfn_t)0)

/* MFNs are kept in 32-bit list links, which bounds machine memory. */
#define MM_MAX_PAGES ((uint64_t)UINT32_MAX - 1)

/*
 * count_info: flags in the top bits, the page state, dirt, and the
 * reference count in the low bits. A domheap page holds one reference for
 * being allocated (PGC_allocated) plus one per get_page().
 */
#define PGC_allocated       (1ULL << 63)
#define PGC_xen_heap        (1ULL << 62)
#define PGC_extra           (1ULL << 61)
#define PGC_broken          (1ULL << 60) /* taken out of service when freed */
#define PGC_state_shift     56
#define PGC_state_mask      (7ULL << PGC_state_shift)
#define PGC_state_unmanaged (0ULL << PGC_state_shift)
#define PGC_state_free      (1ULL << PGC_state_shift)
#define PGC_state_inuse     (2ULL << PGC_state_shift)
#define PGC_state_reserved  (3ULL << PGC_state_shift)
#define PGC_state_broken    (4ULL << PGC_state_shift)
/* A free page's old contents: a domain's bytes, or xhv's own. */
#define PGC_dirty_dom  (1ULL << 55)
#define PGC_dirty_xen  (1ULL << 54)
#define PGC_dirty_mask (PGC_dirty_dom | PGC_dirty_xen)
#define PGC_count_mask ((1ULL << 40) - 1)

/*
 * type_info: the type (what the page may be used as) and its count, plus,
 * for extra pages, what the page is for. The kind is fixed at allocation so
 * dumps and audits name every special page from the frame table alone.
 */
#define PGT_type_shift    60
#define PGT_type_mask     (15ULL << PGT_type_shift)
#define PGT_none          (0ULL << PGT_type_shift)
#define PGT_writable_page (1ULL << PGT_type_shift)
#define PGT_kind_shift    52
#define PGT_kind_mask     (0xffULL << PGT_kind_shift)
#define PGT_kindidx_shift 32
#define PGT_kindidx_mask  (0xfffffULL << PGT_kindidx_shift)
#define PGT_count_mask    0xffffffffULL

/* What an extra (PGC_extra) page is for. Add a name to page_kind_names. */
enum page_kind {
    PAGE_KIND_NONE = 0, /* ordinary RAM */
    PAGE_KIND_SHARED_INFO,
    PAGE_KIND_GRANT_FRAME,
    PAGE_KIND_GRANT_STATUS,
    PAGE_KIND_LU_RECORD,
    PAGE_KIND_NR,
};

const char *page_kind_name(enum page_kind kind);

struct mm_owner;

/* One per MFN; 32 bytes. Fields other than count_info/type_info are
 * protected by the heap lock (free pages) or the owner's page_alloc_lock
 * (list linkage of owned pages). */
/*
 * XHV_LAYOUT_VARIANT (the xhvd-variant build, issue 9's ABI-independence
 * test): the same fields in another order and size, so a live update
 * between the two builds proves that no internal layout reaches the
 * stream. Here and at the other XHV_LAYOUT_VARIANT blocks.
 */
struct page_info {
#ifdef XHV_LAYOUT_VARIANT
    uint64_t count_info;
    uint64_t layout_pad;
    uint32_t next, prev;
#else
    uint32_t next, prev; /* MFN links: free list or owner's page list */
    uint64_t count_info; /* atomic for owned pages */
#endif
    union {
        struct {
            struct mm_owner *owner; /* NULL for xenheap pages */
            uint64_t type_info;     /* atomic */
        } inuse;
        struct {
            uint32_t order; /* chunk order on the head, else FREE_TAIL */
            uint32_t zone;
            uint64_t dirty; /* head: OR of PGC_dirty_* over the chunk */
        } free;
    } u;
};

#define FREE_TAIL      UINT32_MAX
#define PAGE_LIST_NULL UINT32_MAX

struct page_list_head {
    uint32_t head, tail;
    uint64_t count;
};

#define PAGE_LIST_HEAD_INIT                                                    \
    {                                                                          \
        PAGE_LIST_NULL, PAGE_LIST_NULL, 0                                      \
    }

/* memflags for the allocators. */
#define MEMF_no_refcount (1U << 0) /* extra page: not in tot_pages */
#define MEMF_kind_shift  8
#define MEMF_idx_shift   16
#define MEMF_extra(kind, idx)                                                  \
    (MEMF_no_refcount | ((unsigned int)(kind) << MEMF_kind_shift) |            \
     ((unsigned int)(idx) << MEMF_idx_shift))

/*
 * What mm knows of a domain. tot_pages counts ordinary pages (checked
 * against max_pages), extra_pages counts PGC_extra pages (not checked).
 */
struct mm_owner {
    uint32_t id;
    pthread_mutex_t page_alloc_lock;
    bool is_dying;                         /* written under page_alloc_lock */
    uint64_t tot_pages;                    /* protected by page_alloc_lock */
    uint64_t max_pages;                    /* protected by page_alloc_lock */
    uint64_t extra_pages;                  /* protected by page_alloc_lock */
    struct page_list_head page_list;       /* protected by page_alloc_lock */
    struct page_list_head extra_page_list; /* protected by page_alloc_lock */
    struct list_head link; /* in the owner registry; protected by it */
    uint64_t audit_pages, audit_extra; /* the audit's own tallies */
    /* Bumped (atomically, under page_alloc_lock) whenever a page is
     * assigned to or freed from this owner (live update's staging). */
    uint64_t gen;
};

struct mm_config {
    uint64_t mem_bytes;     /* machine memory; a multiple of 2 MiB */
    uint64_t scratch_bytes; /* live-update scratch; 0 or a multiple of 2 MiB */
    unsigned int scratch_half; /* 0 = half A is ours, 1 = half B */
    int memfd;       /* an existing machine memfd, or -1 for a new one */
    bool defer_heap; /* leave pages unmanaged; caller runs
                        init_heap_pages() itself (live update) */
};

/* Machine memory (machine.c). */
int mm_init(const struct mm_config *cfg);
void mm_fini(void);
bool mm_ready(void);
uint64_t mm_nr_pages(void);
int mm_memfd(void);
void *mfn_to_virt(mfn_t mfn);
mfn_t virt_to_mfn(const void *va);
struct page_info *mfn_to_page(mfn_t mfn);
mfn_t page_to_mfn(const struct page_info *pg);
bool mfn_valid(mfn_t mfn);
bool mfn_in_scratch(mfn_t mfn);
/* With defer_heap: every page has now been handed over or claimed, so the
 * audit reports any page still unmanaged. */
void mm_heap_complete(void);
/* The scratch half this generation reserves for the next one. */
void mm_scratch_other_half(mfn_t *start, uint64_t *nr);
/* Faults the whole frame table in now (live update's new xhvd, before
 * the blackout): otherwise the first touch of each 2 MiB of it, marking
 * the record pages in use, zero-fills a huge page inside the blackout. */
int mm_populate_frame_table(void);
/* The half this generation's xenheap may use. */
void mm_scratch_own_half(mfn_t *start, uint64_t *nr);

/* The heap (heap.c). init_heap_pages skips pages in use, reserved or
 * broken, and returns how many pages it handed to the allocator. */
#define MM_INIT_DIRTY (1U << 0) /* the range may hold old bytes: scrub */
uint64_t init_heap_pages(mfn_t start, uint64_t nr, unsigned int flags);
int mm_mark_broken(mfn_t mfn);
/*
 * Live update: marks the still-unmanaged pages [start, start + nr) in use,
 * ownerless, before init_heap_pages() runs, so assign_pages() can give
 * them back to their rebuilt domain. -EBUSY if any is not unmanaged.
 */
int mm_mark_in_use(mfn_t start, uint64_t nr);
/* Undoes mm_mark_in_use() for pages nobody took (live-update records once
 * read): unmanaged again, for init_heap_pages(). -EBUSY if any is owned
 * or referenced. */
int mm_unmark(mfn_t start, uint64_t nr);
bool page_is_free(const struct page_info *pg);

/* xhv's own pages (xenheap.c). Contents are not zeroed, only scrubbed of
 * other domains' bytes. */
#define alloc_xenheap_pages(order, memflags, va)                               \
    alloc_xenheap_pages_at(__func__, order, memflags, va)
int alloc_xenheap_pages_at(const char *site, unsigned int order,
                           unsigned int memflags, void **va);
int free_xenheap_pages(void *va, unsigned int order);

/* Domain pages (domheap.c). Pages come back zeroed. */
#define alloc_domheap_pages(d, order, memflags, pg)                            \
    alloc_domheap_pages_at(__func__, d, order, memflags, pg)
int alloc_domheap_pages_at(const char *site, struct mm_owner *d,
                           unsigned int order, unsigned int memflags,
                           struct page_info **pg);
void free_domheap_pages(struct page_info *pg, unsigned int order);
int assign_pages(struct mm_owner *d, struct page_info *pg, unsigned int order,
                 unsigned int memflags);

void mm_owner_init(struct mm_owner *d, uint32_t id, uint64_t max_pages);
/* Unregisters d; it must own no pages any more. */
void mm_owner_fini(struct mm_owner *d);
/* Sets is_dying under page_alloc_lock, so assign_pages() refuses d from
 * then on and relinquish can walk the lists knowing they only shrink. */
void mm_owner_set_dying(struct mm_owner *d);
int mm_owner_set_max_pages(struct mm_owner *d, uint64_t max_pages);
uint64_t mm_owner_tot_pages(struct mm_owner *d);
uint64_t mm_owner_extra_pages(struct mm_owner *d);

/* References (page_ref.c). */
#define get_page_type(pg, type) get_page_type_at(__func__, pg, type)
int get_page(struct page_info *pg, const struct mm_owner *d);
void put_page(struct page_info *pg);
int get_page_type_at(const char *site, struct page_info *pg, uint64_t type);
void put_page_type(struct page_info *pg);
#define get_page_and_type(pg, d, type)                                         \
    get_page_and_type_at(__func__, pg, d, type)
int get_page_and_type_at(const char *site, struct page_info *pg,
                         const struct mm_owner *d, uint64_t type);
void put_page_and_type(struct page_info *pg);
void put_page_alloc_ref(struct page_info *pg);
struct mm_owner *page_get_owner(const struct page_info *pg);
enum page_kind page_get_kind(const struct page_info *pg, uint32_t *idx);

/* Statistics. */
struct mm_stats {
    uint64_t total_pages;
    uint64_t free_pages;
    uint64_t free_scratch_pages;
    uint64_t xenheap_pages;
    uint64_t domheap_pages;
    uint64_t broken_pages;
    uint64_t reserved_pages;
    uint64_t bad_frees; /* double or invalid frees refused */
    uint64_t scrubbed_pages;
};
void mm_get_stats(struct mm_stats *st);

/*
 * The audit (audit.c): checks every MFN against the ownership rules and
 * returns the list of violations found, not just a verdict. It takes the
 * owner registry, every owner's page_alloc_lock and the heap lock, so it
 * sees no operation half done.
 */
enum mm_violation_kind {
    MM_V_BAD_STATE = 1, /* state bits hold no known state */
    MM_V_UNMANAGED,     /* page never handed to the heap */
    MM_V_FREE_LIST,     /* free list entry is not a proper chunk head */
    MM_V_FREE_CHUNK,    /* page inside a free chunk is not a free tail */
    MM_V_FREE_LOST,     /* free page that no free chunk covers */
    MM_V_FREE_DIRT,     /* dirty free page its chunk does not record */
    MM_V_FREE_NOT_ZERO, /* clean free page holding bytes (deep audit) */
    MM_V_OWNER_UNKNOWN, /* owned by something not a registered owner */
    MM_V_OWNER_COUNT,   /* tot_pages / extra_pages disagree with pages */
    MM_V_OWNER_LIST,    /* owner's page list and frame table disagree */
    MM_V_DOMHEAP_IN_SCRATCH,
    MM_V_XENHEAP_OWNED, /* xenheap page with an owner, or the reverse */
    MM_V_REFCOUNT,      /* owned page without references */
    MM_V_EXTRA_KIND,    /* extra page without a kind, or RAM with one */
    MM_V_RESERVED,      /* reserved page outside the other scratch half */
    MM_V_BROKEN,        /* broken page in an impossible state */
};

struct mm_violation {
    enum mm_violation_kind kind;
    mfn_t mfn;         /* INVALID_MFN when about an owner as a whole */
    uint32_t owner_id; /* UINT32_MAX when none */
    char what[112];
};

#define MM_AUDIT_MAX_REPORTED 64
#define MM_AUDIT_DEEP         (1U << 0) /* also read every clean free page */

struct mm_audit_report {
    uint64_t nr_violations; /* all found; only the first few are kept */
    size_t nr_reported;
    struct mm_violation v[MM_AUDIT_MAX_REPORTED];
    uint64_t free, xenheap, owned, extra, broken, reserved, unmanaged;
    uint64_t owners;
};

/* 0 when clean, -EUCLEAN when r lists violations. */
int mm_audit(struct mm_audit_report *r, unsigned int flags);
/* Human-readable report; returns the length it needed (like snprintf). */
size_t mm_audit_format(const struct mm_audit_report *r, char *buf, size_t len);
const char *mm_violation_name(enum mm_violation_kind kind);

/* Page lists: MFN-linked, so 8 bytes of linkage per page. */
void page_list_init(struct page_list_head *l);
void page_list_add_tail(struct page_info *pg, struct page_list_head *l);
void page_list_add_head(struct page_info *pg, struct page_list_head *l);
void page_list_del(struct page_info *pg, struct page_list_head *l);
struct page_info *page_list_first(const struct page_list_head *l);
struct page_info *page_list_next(const struct page_info *pg);
#define page_list_for_each(pg, l)                                              \
    for ((pg) = page_list_first(l); (pg); (pg) = page_list_next(pg))

#endif /* XHV_MM_MM_H */
