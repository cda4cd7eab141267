/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What `xhv grants` shows of a granter's table: every entry the guest has
 * filled in, with the bits xhv set, and how many pins each has.
 */
#include "gnttab/private.h"

static void grant_info(struct gnttab *gt, grant_ref_t ref,
                       struct gnttab_grant_info *gi)
{
    struct grant_entry_header *h = gnttab_hdr(gt, ref);
    uint16_t start, length;
    bool sub;

    gi->ref = ref;
    gi->flags = __atomic_load_n(&h->flags, __ATOMIC_RELAXED);
    if (gt->version == 2)
        gi->flags |=
            __atomic_load_n(gnttab_status_word(gt, ref), __ATOMIC_RELAXED);
    gi->domid = __atomic_load_n(&h->domid, __ATOMIC_RELAXED);
    gnttab_entry_frame(gt, ref, &gi->frame, &start, &length, &sub);
    gi->pins = gnttab_act(gt, ref)->pin;
}

int gnttab_for_each_grant(struct domain *d,
                          int (*fn)(void *ctx,
                                    const struct gnttab_grant_info *g),
                          void *ctx)
{
    struct gnttab *gt = d->gnttab;
    unsigned int ref, n;
    int rc = 0;

    if (!gt)
        return 0;
    pthread_mutex_lock(&gt->lock);
    n = gt->relinquished ? 0 : gnttab_nr_entries(gt);
    for (ref = 0; !rc && ref < n; ref++) {
        struct gnttab_grant_info gi;

        if ((gnttab_hdr(gt, ref)->flags & GTF_type_mask) == GTF_invalid &&
            !gnttab_act(gt, ref)->pin)
            continue;
        grant_info(gt, ref, &gi);
        rc = fn(ctx, &gi);
    }
    pthread_mutex_unlock(&gt->lock);
    return rc;
}
