/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Grant tables: a guest shares one of its pages with another domain by
 * writing a grant entry (who, which gfn, read-only or not) into its grant
 * table; the other domain maps the page into its own physmap, or copies
 * to and from it, naming the grant by (domid, ref).
 *
 * Objects and owners:
 *   - the granter's table: shared frames (grant entries the guest writes)
 *     and, in version 2, status frames (where xhv says a grant is in use).
 *     Both are order-0 domheap pages owned by the granter, PGC_extra
 *     (MEMF_extra(PAGE_KIND_GRANT_FRAME / PAGE_KIND_GRANT_STATUS, idx)):
 *     preserved across a live update, not in tot_pages, grown on demand
 *     up to max_grant_frames, freed in domain_relinquish_resources();
 *   - active entries: xhv's own record of each grant in use (pin counts,
 *     the page, who pinned it), private memory of the granter's table;
 *   - the maptrack: the mappings a domain holds of other domains' grants,
 *     one handle each, at most max_maptrack_frames * 256 handles.
 *
 * Lifetime: a mapping holds a general reference to the granted page (and
 * a writable type reference unless read-only) and a reference to the
 * granting domain. A granter that dies gives its RAM back, but a mapped
 * page stays allocated (owned by the dying domain, still counted in its
 * tot_pages) until the last mapping goes; then it is freed and scrubbed,
 * and the granter's struct goes with the last domain reference. A mapper
 * that dies releases all its mappings (gnttab_release_mappings()).
 *
 * Locking: each table has one mutex (the grant-table lock), below
 * d->evtchn.lock and above the p2m lock (docs/locking.md). No code path
 * holds two grant-table locks at once, so their order never matters.
 */
#ifndef XHV_GNTTAB_GNTTAB_H
#define XHV_GNTTAB_GNTTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "p2m/p2m.h"
#include "xhv/public/grant_table.h"

struct domain;

/* Defaults as xl's, and the ceilings xhv accepts. */
#define GNTTAB_DEFAULT_MAX_FRAMES          64
#define GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES 1024
#define GNTTAB_MAX_FRAMES_LIMIT            4096
#define GNTTAB_MAX_MAPTRACK_LIMIT          65536
/* Handles per maptrack frame (Xen's 16-byte entries in a 4 KiB page). */
#define GNTTAB_MAPTRACK_PER_FRAME 256
/*
 * Frames a new table starts with. Xen allocates one at creation; xhv
 * waits for the guest's first use (setup_table or XENMAPSPACE_grant_table
 * grows the table), so a domain that never grants costs no page.
 */
#define GNTTAB_INITIAL_FRAMES 0

/*
 * Lifecycle, called by the domain layer. init: 0 means the default for
 * either limit; allocates the table (GNTTAB_INITIAL_FRAMES frames).
 * release_mappings (dying mapper, before its P2M goes) gives up every mapping d
 * holds. relinquish (dying granter) frees the frames; the table's private state
 * stays for mappers still unpinning until destroy (the last reference).
 */
int gnttab_domain_init(struct domain *d, unsigned int max_frames,
                       unsigned int max_maptrack_frames);
void gnttab_release_mappings(struct domain *d);
void gnttab_relinquish(struct domain *d);
void gnttab_domain_destroy(struct domain *d);

/* Sizes (GNTTABOP_query_size). */
void gnttab_query(struct domain *d, uint32_t *nr_frames, uint32_t *max_frames);
/* Grows d's table to at least nr shared frames: 0, -EINVAL beyond the
 * limit, -ENOMEM, -ESRCH once the table is relinquished. */
int gnttab_grow(struct domain *d, unsigned int nr);
/* Where frame idx (a status frame if status) is in d's physmap, or
 * INVALID_GFN; -EINVAL if there is no such frame. */
int gnttab_frame_gfn(struct domain *d, bool status, unsigned int idx,
                     gfn_t *gfn);
/* XENMAPSPACE_grant_table: idx with XENMAPIDX_grant_table_status for a
 * status frame; grows the table on demand. Domain lock held. */
int gnttab_map_frame(struct domain *d, uint64_t idx, gfn_t gfn);
/* XENMEM_remove_from_physmap of a grant frame: -ENOENT if none at gfn. */
int gnttab_unmap_frame(struct domain *d, gfn_t gfn);
unsigned int gnttab_nr_status_frames(struct domain *d);

/* GNTTABOP_set_version / get_version: 0 or -errno, *version in force. */
int gnttab_set_version(struct domain *d, uint32_t want, uint32_t *version);
uint32_t gnttab_get_version(struct domain *d);

/* GNTTABOP_map_grant_ref / unmap_grant_ref by ld: set op->status. */
void gnttab_map(struct domain *ld, struct gnttab_map_grant_ref *op);
void gnttab_unmap(struct domain *ld, struct gnttab_unmap_grant_ref *op);
/* One GNTTABOP_copy by ld: returns the GNTST_* status. */
int16_t gnttab_copy(struct domain *ld, const struct gnttab_copy *op);

/* What `xhv grants` lists. */
struct gnttab_grant_info {
    uint32_t ref;
    uint16_t flags; /* with GTF_reading/GTF_writing from v2 status */
    uint16_t domid;
    uint64_t frame;
    uint32_t pins; /* mappings and copies under way */
};

struct gnttab_map_info {
    uint32_t handle;
    uint32_t granter;
    uint32_t ref;
    gfn_t gfn;
    bool readonly;
};

/* Calls fn for each entry of d's table that is not GTF_invalid / each
 * mapping d holds, with the table's lock held (fn takes no xhv lock).
 * Stops at and returns fn's first non-zero result. */
int gnttab_for_each_grant(struct domain *d,
                          int (*fn)(void *ctx,
                                    const struct gnttab_grant_info *g),
                          void *ctx);
int gnttab_for_each_map(struct domain *d,
                        int (*fn)(void *ctx, const struct gnttab_map_info *m),
                        void *ctx);
/* Mappings d holds now (tests, dumps). */
unsigned int gnttab_nr_maps(struct domain *d);

/* The limits in force (the defaults resolved). */
void gnttab_limits(struct domain *d, unsigned int *max_frames,
                   unsigned int *max_maptrack_frames);

/*
 * Live update (lu.c; driven by src/liveupdate/gnttab.c). Old side:
 * gnttab_lu_table() says what the GNTTAB record holds;
 * gnttab_lu_check_maps() calls fn (if any) for each mapping ld holds,
 * after checking that the new side can find its page again: -EBUSY (a
 * granter being destroyed) or -EOPNOTSUPP (the granter rewrote the entry
 * while mapped), with the reason in why. New side, in this order:
 * adopt_frame for each preserved frame page, frame_gfn for each special
 * P2M page (-ENOENT: not a grant frame), set_table from the GNTTAB record;
 * then, once every table is back, restore_map for each maptrack entry,
 * maptrack_done per mapper, and table_complete (-EINVAL if a frame was
 * adopted that no GNTTAB record declared).
 */
void gnttab_lu_table(struct domain *d, uint32_t *version, uint32_t *nr_frames,
                     uint32_t *nr_status);
int gnttab_lu_check_maps(struct domain *ld,
                         int (*fn)(void *ctx, const struct gnttab_map_info *m),
                         void *ctx, char *why, size_t whylen);
int gnttab_lu_adopt_frame(struct domain *d, enum page_kind kind,
                          unsigned int idx, struct page_info *pg);
int gnttab_lu_frame_gfn(struct domain *d, mfn_t mfn, gfn_t gfn);
int gnttab_lu_set_table(struct domain *d, uint32_t version, uint32_t nr_frames,
                        uint32_t nr_status);
int gnttab_lu_restore_map(struct domain *ld, uint32_t handle, struct domain *rd,
                          grant_ref_t ref, gfn_t gfn, bool ro);
void gnttab_lu_maptrack_done(struct domain *d);
int gnttab_lu_table_complete(struct domain *d);

#endif /* XHV_GNTTAB_GNTTAB_H */
