/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GNTTABOP_copy: copying bytes between pages named by grant (another
 * domain's, which granted them to the caller) or by the caller's own gfn,
 * without mapping anything into a guest.
 *
 * Each side is claimed in turn (source, then destination), as in Xen: a
 * grant is pinned for the duration of the copy (read-only for the source,
 * read-write for the destination, with GTF_reading/GTF_writing set while
 * it lasts), a gfn must be the caller's own RAM and be named with
 * DOMID_SELF; the destination takes a writable type reference. Only then
 * are the offsets checked, in Xen's order: a copy that would cross a page
 * boundary on either side is GNTST_bad_copy_arg, one outside a v2
 * sub-page grant's window a general error. The bytes move through xhv's
 * direct map, with no lock held: the pins and references keep both pages
 * where they are, and a granter racing its own page gets what it races.
 *
 * Every op is done and released on its own: Xen caches the last pages
 * between the ops of a batch, which saves time, not semantics.
 */
#include <string.h>

#include "gnttab/private.h"

struct copy_buf {
    struct domain *d;     /* holds a reference */
    struct page_info *pg; /* holds a general reference */
    bool have_grant, have_type, readonly;
    grant_ref_t ref;
    uint16_t start, length; /* the part of the page the grant covers */
    gfn_t gfn;              /* where d has the page: its dirty-log bit */
};

static void buf_release(struct copy_buf *b)
{
    if (b->have_grant) {
        pthread_mutex_lock(&b->d->gnttab->lock);
        gnttab_unpin(b->d->gnttab, b->ref, b->readonly);
        pthread_mutex_unlock(&b->d->gnttab->lock);
    }
    if (b->have_type)
        put_page_type(b->pg);
    if (b->pg)
        put_page(b->pg);
    if (b->d)
        put_domain(b->d);
    memset(b, 0, sizeof(*b));
}

static int claim_grant(struct domain *ld, const struct gnttab_copy_ptr *p,
                       struct copy_buf *b)
{
    struct gnttab *gt = b->d->gnttab;
    struct gnttab_active *act;
    int rc;

    if (!gt)
        return GNTST_bad_domain;
    pthread_mutex_lock(&gt->lock);
    rc = gnttab_pin(gt, p->u.ref, (xen_domid_t)ld->domid, b->readonly, false,
                    &b->pg);
    if (rc == GNTST_okay) {
        act = gnttab_act(gt, p->u.ref);
        b->start = act->start;
        b->length = act->length;
        b->ref = p->u.ref;
        b->gfn = act->gfn;
        b->have_grant = true;
    }
    pthread_mutex_unlock(&gt->lock);
    return rc;
}

static int claim(struct domain *ld, const struct gnttab_copy_ptr *p,
                 bool is_gref, bool readonly, struct copy_buf *b)
{
    int rc;

    b->readonly = readonly;
    /* Only the caller's own memory may be named by gfn. */
    if (!is_gref && p->domid != DOMID_SELF)
        return GNTST_permission_denied;
    if (p->domid == DOMID_SELF) {
        get_domain(ld);
        b->d = ld;
    } else {
        b->d = domain_lookup_id(p->domid);
        if (!b->d)
            return GNTST_bad_domain;
    }
    if (is_gref) {
        rc = claim_grant(ld, p, b);
    } else {
        rc = gnttab_get_ram(ld, p->u.gmfn, readonly, &b->pg);
        b->gfn = p->u.gmfn;
        b->start = 0;
        b->length = PAGE_SIZE;
    }
    if (rc)
        return rc;
    if (!readonly) {
        if (get_page_type(b->pg, PGT_writable_page))
            return GNTST_general_error;
        b->have_type = true;
    }
    return GNTST_okay;
}

/* Xen's checks, in Xen's order, once both sides are held. */
static int check_bounds(const struct gnttab_copy *op,
                        const struct copy_buf *src, const struct copy_buf *dst)
{
    if ((unsigned int)op->source.offset + op->len > PAGE_SIZE ||
        (unsigned int)op->dest.offset + op->len > PAGE_SIZE)
        return GNTST_bad_copy_arg;
    if (op->source.offset < src->start ||
        (unsigned int)op->source.offset + op->len >
            (unsigned int)src->start + src->length)
        return GNTST_general_error;
    if (op->dest.offset < dst->start ||
        (unsigned int)op->dest.offset + op->len >
            (unsigned int)dst->start + dst->length)
        return GNTST_general_error;
    return GNTST_okay;
}

int16_t gnttab_copy(struct domain *ld, const struct gnttab_copy *op)
{
    struct copy_buf src = {0}, dst = {0};
    int rc;

    if (!op->len)
        return GNTST_okay;
    rc = claim(ld, &op->source, op->flags & GNTCOPY_source_gref, true, &src);
    if (!rc)
        rc = claim(ld, &op->dest, op->flags & GNTCOPY_dest_gref, false, &dst);
    if (!rc)
        rc = check_bounds(op, &src, &dst);
    if (!rc) {
        /* memmove: both sides may be one page. */
        memmove((uint8_t *)mfn_to_virt(page_to_mfn(dst.pg)) + op->dest.offset,
                (uint8_t *)mfn_to_virt(page_to_mfn(src.pg)) + op->source.offset,
                op->len);
        /* xhv wrote the page, not the guest: no dirty log but ours sees
         * it (a destination migrating meanwhile must send it again). */
        p2m_mark_dirty(&dst.d->p2m, dst.gfn);
    }
    buf_release(&dst);
    buf_release(&src);
    return (int16_t)rc;
}
