/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GNTTABOP_set_version: switching a table between v1 and v2.
 *
 * A switch is refused while any grant is pinned (mapped, or in a copy):
 * an active entry records an mfn and flags that only make sense in the
 * version it was pinned under. Xen exempts the eight reserved entries
 * (the toolstack keeps console and xenstore mapped across a kexec); xhv
 * has no toolstack mappings and exempts none, which closes the class of
 * bugs where a v2 -> v1 switch frees status frames an in-flight map
 * still writes (the XSA-255/XSA-379 family) instead of reasoning about it.
 *
 * What survives a switch is what Xen keeps: the reserved entries,
 * converted; every other entry is cleared. v1 -> v2 allocates the status
 * frames; v2 -> v1 takes them out of the guest's physmap, then frees
 * them (they hold no reference but xhv's own, nothing else can map them:
 * pin.c only grants RAM).
 */
#include <errno.h>
#include <string.h>

#include "gnttab/private.h"

static bool any_pinned(struct gnttab *gt)
{
    unsigned int i, n = gnttab_nr_entries(gt);

    for (i = 0; i < n; i++)
        if (gnttab_act(gt, i)->pin)
            return true;
    return false;
}

/* A v2 reserved entry that v1 cannot hold (a transitive grant or a gfn
 * of more than 32 bits) makes the switch fail, as in Xen. */
static int v2_representable(struct gnttab *gt)
{
    unsigned int i;

    for (i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
        union grant_entry_v2 *e = (union grant_entry_v2 *)gnttab_hdr(gt, i);
        uint16_t type = e->hdr.flags & GTF_type_mask;

        if (type == GTF_transitive ||
            (type == GTF_permit_access && (e->full_page.frame >> 32)))
            return -ERANGE;
    }
    return 0;
}

static void save_reserved(struct gnttab *gt, struct grant_entry_v1 *r)
{
    unsigned int i;

    for (i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
        if (gt->version == 1) {
            r[i] = *(struct grant_entry_v1 *)gnttab_hdr(gt, i);
            continue;
        }
        union grant_entry_v2 *e = (union grant_entry_v2 *)gnttab_hdr(gt, i);

        memset(&r[i], 0, sizeof(r[i]));
        if ((e->hdr.flags & GTF_type_mask) != GTF_permit_access)
            continue;
        r[i].flags = e->hdr.flags | *gnttab_status_word(gt, i);
        r[i].domid = e->hdr.domid;
        r[i].frame = (uint32_t)e->full_page.frame;
    }
}

static void restore_reserved(struct gnttab *gt, const struct grant_entry_v1 *r)
{
    unsigned int i;

    for (i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
        if (gt->version == 1) {
            *(struct grant_entry_v1 *)gnttab_hdr(gt, i) = r[i];
            continue;
        }
        union grant_entry_v2 *e = (union grant_entry_v2 *)gnttab_hdr(gt, i);

        *gnttab_status_word(gt, i) = r[i].flags & (GTF_reading | GTF_writing);
        e->hdr.flags = r[i].flags & ~(GTF_reading | GTF_writing);
        e->hdr.domid = r[i].domid;
        e->full_page.frame = r[i].frame;
    }
}

static int switch_locked(struct gnttab *gt, uint32_t want)
{
    struct grant_entry_v1 saved[GNTTAB_NR_RESERVED_ENTRIES];
    unsigned int i;
    int rc;

    if (gt->relinquished || gt->releasing)
        return -ESRCH;
    if (any_pinned(gt))
        return -EBUSY;
    if (gt->version == 2 && gt->nr_frames) {
        rc = v2_representable(gt);
        if (rc)
            return rc;
    }
    /* A table not yet used has no frames, so no reserved entries. */
    if (gt->nr_frames)
        save_reserved(gt, saved);
    if (want == 2) {
        /* Grows from nr_status, which is 0 in v1. */
        XHV_ASSERT(gt->nr_status == 0);
        rc = gnttab_status_grow(gt, gnttab_status_for(gt->nr_frames));
        if (rc)
            return rc;
    } else {
        gnttab_status_shrink(gt);
    }
    for (i = 0; i < gt->nr_frames; i++)
        memset(mfn_to_virt(page_to_mfn(gt->shared[i])), 0, PAGE_SIZE);
    gt->version = want;
    if (gt->nr_frames)
        restore_reserved(gt, saved);
    return 0;
}

int gnttab_set_version(struct domain *d, uint32_t want, uint32_t *version)
{
    struct gnttab *gt = d->gnttab;
    int rc = 0;

    pthread_mutex_lock(&gt->lock);
    if (want != 1 && want != 2)
        rc = -EINVAL;
    else if (want != gt->version)
        rc = switch_locked(gt, want);
    *version = gt->version;
    pthread_mutex_unlock(&gt->lock);
    return rc;
}
