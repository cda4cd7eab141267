/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Grant tables in the live-update stream (docs/grant-tables.md, "Live
 * update").
 *
 * The frames are the granter's extra pages: they travel as PAGE_RANGEs of
 * kind GRANT_FRAME / GRANT_STATUS (save.c extra_ranges()) and where the
 * guest put them as P2M SPECIAL extents, in the MEMORY part. This file
 * adds, in the STATE part, per domain a GNTTAB record (version, frames,
 * status frames) and a MAPTRACK record for the mappings it holds.
 *
 * Why STATE (the blackout) and not MEMORY (staged while guests run): a
 * map or unmap does change the mapper's P2M generation, which would make
 * a staged MEMORY part be redone; but a version switch of a table without
 * frames changes no generation at all, and the new side finds a mapped
 * page through the granter's grant entry, which is guest memory the
 * guest may rewrite at any time. Both are only certain while the guests
 * are held, and both are small (one record per domain, one entry per
 * mapping), so they cost the blackout what event-channel ports cost.
 *
 * A mapping's P2M entry points at the granter's page and so is never in
 * the mapper's P2M record (whose pages must be its own: save.c skips
 * grant types); the new side enters it again when it rebuilds the
 * mapping. Mappings are rebuilt last (lu_gnttab_link()), when every
 * domain, its frames and its table's version are back, whatever order
 * the records came in.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gnttab/gnttab.h"
#include "lib/alloc.h"
#include "liveupdate/private.h"

/* ---- the old side ------------------------------------------------------- */

int lu_gnttab_check(struct domain *d, char *err, size_t errlen)
{
    return gnttab_lu_check_maps(d, NULL, NULL, err, errlen);
}

struct map_vec {
    struct lu_maptrack_entry *e;
    size_t n, cap;
};

static int push_map(void *ctx, const struct gnttab_map_info *m)
{
    struct map_vec *v = ctx;

    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        struct lu_maptrack_entry *e = xhv_realloc(v->e, cap * sizeof(*e));

        if (!e)
            return -ENOMEM;
        v->e = e;
        v->cap = cap;
    }
    v->e[v->n++] = (struct lu_maptrack_entry){
        .handle = m->handle,
        .ref = m->ref,
        .granter = (uint16_t)m->granter,
        .flags = m->readonly ? LU_MAPTRACK_F_READONLY : 0,
        .gfn = m->gfn,
    };
    return 0;
}

int lu_gnttab_write(struct lu_writer *w, struct domain *d, char *err,
                    size_t errlen)
{
    struct lu_rec_gnttab g = {.domid = (uint16_t)d->domid};
    struct map_vec v = {0};
    int rc;

    if (!d->gnttab)
        return 0;
    gnttab_lu_table(d, &g.version, &g.nr_frames, &g.nr_status_frames);
    rc = lu_write_gnttab(w, &g);
    if (!rc)
        rc = gnttab_lu_check_maps(d, push_map, &v, err, errlen);
    if (!rc && v.n)
        rc = lu_write_maptrack(w, (uint16_t)d->domid, v.e, v.n);
    xhv_free(v.e);
    return rc;
}

/* ---- the new side -------------------------------------------------------- */

/* MAPTRACK records seen, until the final pass. */
struct stashed {
    uint16_t domid;
    uint32_t n;
    struct lu_maptrack_entry *e;
};

static struct {
    struct stashed *v;
    size_t n, cap;
} stash;

void lu_gnttab_reset(void)
{
    size_t i;

    for (i = 0; i < stash.n; i++)
        xhv_free(stash.v[i].e);
    xhv_free(stash.v);
    memset(&stash, 0, sizeof(stash));
}

int lu_gnttab_stash(uint16_t domid, const struct lu_maptrack_entry *e,
                    uint32_t n)
{
    struct lu_maptrack_entry *copy;

    if (stash.n == stash.cap) {
        size_t cap = stash.cap ? stash.cap * 2 : 8;
        struct stashed *v = xhv_realloc(stash.v, cap * sizeof(*v));

        if (!v)
            return -ENOMEM;
        stash.v = v;
        stash.cap = cap;
    }
    /* The record's body lives only as long as the reader. */
    copy = xhv_malloc((n ? n : 1) * sizeof(*copy));
    if (!copy)
        return -ENOMEM;
    memcpy(copy, e, n * sizeof(*copy));
    stash.v[stash.n++] = (struct stashed){.domid = domid, .n = n, .e = copy};
    return 0;
}

int lu_gnttab_table_check(struct domain *d, char *err, size_t errlen)
{
    int rc = gnttab_lu_table_complete(d);

    if (rc && !err[0])
        snprintf(err, errlen,
                 "d%u: grant frames came back that no GNTTAB record "
                 "declares",
                 d->domid);
    return rc;
}

static int link_one(struct domain *ld, const struct lu_maptrack_entry *e,
                    struct domain *(*lookup)(uint32_t), char *err,
                    size_t errlen)
{
    struct domain *rd = lookup(e->granter);
    int rc = rd ? gnttab_lu_restore_map(ld, e->handle, rd, e->ref, e->gfn,
                                        e->flags & LU_MAPTRACK_F_READONLY)
                : -ESRCH;

    if (rc && !err[0])
        snprintf(err, errlen,
                 "d%u: cannot map grant %u of d%u at gfn %#llx again "
                 "(handle %u): %s",
                 ld->domid, e->ref, e->granter, (unsigned long long)e->gfn,
                 e->handle, strerror(-rc));
    return rc;
}

int lu_gnttab_link(struct domain *(*lookup)(uint32_t domid), char *err,
                   size_t errlen)
{
    size_t i;
    uint32_t k;
    int rc = 0;

    for (i = 0; !rc && i < stash.n; i++) {
        struct domain *ld = lookup(stash.v[i].domid);

        if (!ld) {
            rc = -ESRCH;
            break;
        }
        for (k = 0; !rc && k < stash.v[i].n; k++)
            rc = link_one(ld, &stash.v[i].e[k], lookup, err, errlen);
        /* Also after a failure: the handles that are back stay usable. */
        gnttab_lu_maptrack_done(ld);
    }
    lu_gnttab_reset();
    return rc;
}
