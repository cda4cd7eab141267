/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Grant tables, inside src/gnttab/: the table's layout and the helpers
 * its files share. See gnttab.h for objects, lifetime and locking.
 */
#ifndef XHV_GNTTAB_PRIVATE_H
#define XHV_GNTTAB_PRIVATE_H

#include <pthread.h>

#include "domain/domain.h"
#include "gnttab/gnttab.h"
#include "lib/assert.h"

#define GNTTAB_V1_PER_FRAME     (PAGE_SIZE / sizeof(struct grant_entry_v1))
#define GNTTAB_V2_PER_FRAME     (PAGE_SIZE / sizeof(union grant_entry_v2))
#define GNTTAB_STATUS_PER_FRAME (PAGE_SIZE / sizeof(grant_status_t))

/*
 * Pin counts of an active entry: host mappings and copies, read-write in
 * the low half, read-only in the high half (Xen keeps 8 bits of each for
 * host and device; xhv has no device mappings and keeps 16).
 */
#define GNTPIN_rw_inc  1U
#define GNTPIN_rw_mask 0xffffU
#define GNTPIN_ro_inc  (1U << 16)
#define GNTPIN_ro_mask 0xffff0000U

/* xhv's record of one grant in use; all fields under the table lock. */
struct gnttab_active {
    uint32_t pin;      /* 0: not in use, and nothing below is valid */
    xen_domid_t domid; /* the domain that pinned it */
    uint16_t start;    /* the part of the page granted (v2 sub-page) */
    uint16_t length;
    bool sub_page;
    mfn_t mfn;
    gfn_t gfn; /* in the granter's physmap, when pinned */
};

/* Maptrack entry flags, beyond GNTMAP_host_map and GNTMAP_readonly. */
#define MT_BUSY (1U << 31) /* handle taken, map or unmap under way */

/* One mapping a domain holds; flags 0 means the handle is free. */
struct gnttab_maptrack {
    uint32_t flags;
    grant_ref_t ref;
    uint32_t next_free;     /* free-list link while free */
    struct domain *granter; /* holds a domain reference while in use */
    gfn_t gfn;              /* where the page is in the mapper's physmap */
    mfn_t mfn;
};

#define MT_NONE UINT32_MAX

struct gnttab {
    pthread_mutex_t lock; /* the grant-table lock: every field below */
    struct domain *d;
    unsigned int version; /* 1 or 2 */
    unsigned int max_frames, max_maptrack_frames;
    unsigned int nr_frames;    /* shared frames */
    unsigned int nr_status;    /* status frames (v2 only, else 0) */
    bool relinquished;         /* frames freed: no new pins, no growth */
    bool releasing;            /* owner dying: no new mappings by it */
    struct page_info **shared; /* [max_frames] */
    gfn_t *shared_gfn;         /* [max_frames] where in the physmap */
    struct page_info **status; /* [status frames for max_frames] */
    gfn_t *status_gfn;
    struct gnttab_active **active; /* [max_frames], GNTTAB_V1_PER_FRAME each */
    /* The maptrack: chunks of GNTTAB_MAPTRACK_PER_FRAME, a free list. */
    struct gnttab_maptrack **maptrack; /* [max_maptrack_frames] */
    unsigned int nr_maptrack_frames;
    uint32_t free_head;
    unsigned int nr_maps; /* handles in use, including busy ones */
};

static inline unsigned int gnttab_status_for(unsigned int grant_frames)
{
    return (grant_frames * GNTTAB_V2_PER_FRAME + GNTTAB_STATUS_PER_FRAME - 1) /
           GNTTAB_STATUS_PER_FRAME;
}

void gnttab_assert_locked(struct gnttab *gt);
unsigned int gnttab_nr_entries(const struct gnttab *gt);
struct gnttab_active *gnttab_act(struct gnttab *gt, grant_ref_t ref);
/* The entry's header (flags, domid) in either version. */
struct grant_entry_header *gnttab_hdr(struct gnttab *gt, grant_ref_t ref);
/* The word xhv sets GTF_reading/GTF_writing in: the v1 flags or the v2
 * status word. */
uint16_t *gnttab_status_word(struct gnttab *gt, grant_ref_t ref);
/* The gfn (and v2 sub-page extent) the granter named. */
void gnttab_entry_frame(struct gnttab *gt, grant_ref_t ref, uint64_t *gfn,
                        uint16_t *start, uint16_t *length, bool *sub_page);
int gnttab_grow_locked(struct gnttab *gt, unsigned int nr);
/* v2 status frames: grow to `to` (all or nothing), or unmap and free all. */
int gnttab_status_grow(struct gnttab *gt, unsigned int to);
void gnttab_status_shrink(struct gnttab *gt);

/*
 * Pinning (pin.c), shared by map and copy: checks the grant lets ldomid
 * in (readonly or not), sets GTF_reading/GTF_writing, and on the first
 * pin looks the page up in the granter's physmap and takes a general
 * reference for the pin. Returns a GNTST_* code; on GNTST_okay *pg holds
 * a general reference of the caller's own. mapflag: a mapping (no sub-
 * page grants). Table lock held.
 */
int gnttab_pin(struct gnttab *gt, grant_ref_t ref, xen_domid_t ldomid,
               bool readonly, bool mapflag, struct page_info **pg);
/* Undoes one pin (the caller drops its page reference itself). */
void gnttab_unpin(struct gnttab *gt, grant_ref_t ref, bool readonly);

/* A page of d's RAM at gfn with a general reference: GNTST_*. */
int gnttab_get_ram(struct domain *d, uint64_t gfn, bool readonly,
                   struct page_info **pg);

#endif /* XHV_GNTTAB_PRIVATE_H */
