/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pass 1's cross-record checks, run once END has been reached: the
 * intervals lu_check.c collected are sorted once and walked, so the
 * whole stream costs O(n log n) however its arrays were split.
 *
 *   - preserved page ranges never overlap one another;
 *   - a domain's P2M extents never overlap in gfn space, and every mfn
 *     they map lies in page ranges owned by that same domain (a stream
 *     can never hand a guest another owner's page);
 *   - ports and maptrack handles are unique per domain.
 */
#include <errno.h>
#include <stdlib.h>

#include "stream/private.h"

static int ival_cmp(const void *a, const void *b)
{
    const struct lu_ival *x = a, *y = b;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return 0;
}

/* A record descriptor for an interval's record, to name it in errors. */
static struct lu_rec rec_of(const struct lu_ival *iv, uint32_t type)
{
    return (struct lu_rec){
        .index = iv->rec, .offset = iv->offset, .type = type};
}

static int no_overlap(struct lu_reader *r, struct lu_ivals *s, uint32_t type,
                      const char *what)
{
    const struct lu_ival *a, *b;
    struct lu_rec rec;
    size_t i;

    /* qsort() may not be given NULL, even for no elements (found by the
     * lu_stream fuzzer on a stream without ranges). */
    if (s->n < 2)
        return 0;
    qsort(s->v, s->n, sizeof(*s->v), ival_cmp);
    /* Sorted and overlap-free so far, the previous interval ends last. */
    for (i = 1; i < s->n; i++) {
        a = &s->v[i - 1];
        b = &s->v[i];
        if (a->key != b->key || a->start + a->nr <= b->start)
            continue;
        rec = rec_of(b, type);
        return lu_fail(r, -EINVAL, &rec,
                       "%s %u [%#llx+%llu] overlaps record %u %s %u "
                       "[%#llx+%llu]",
                       what, b->entry, (unsigned long long)b->start,
                       (unsigned long long)b->nr, a->rec, what, a->entry,
                       (unsigned long long)a->start, (unsigned long long)a->nr);
    }
    return 0;
}

/* The sorted page range holding mfn, or NULL. */
static const struct lu_ival *range_of(const struct lu_ivals *s, uint64_t mfn)
{
    size_t lo = 0, hi = s->n, mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (s->v[mid].start <= mfn)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || mfn - s->v[lo - 1].start >= s->v[lo - 1].nr)
        return NULL;
    return &s->v[lo - 1];
}

static int p2m_owned(struct lu_reader *r, const struct lu_ival *e)
{
    uint64_t mfn = e->aux, end = e->aux + e->nr;
    const struct lu_ival *pr;
    struct lu_rec rec;

    while (mfn < end) {
        pr = range_of(&r->ranges, mfn);
        if (!pr || pr->owner != e->key) {
            rec = rec_of(e, LU_REC_P2M);
            return lu_fail(r, -EINVAL, &rec,
                           "extent %u maps mfn %#llx, %s domain %llu", e->entry,
                           (unsigned long long)mfn,
                           pr ? "which is not owned by" : "not preserved for",
                           (unsigned long long)e->key);
        }
        mfn = pr->start + pr->nr;
    }
    return 0;
}

int lu_rec_check_final(struct lu_reader *r)
{
    size_t i;
    int rc;

    rc = no_overlap(r, &r->ranges, LU_REC_PAGE_RANGE, "entry");
    if (!rc)
        rc = no_overlap(r, &r->p2m, LU_REC_P2M, "extent");
    if (!rc)
        rc = no_overlap(r, &r->ports, LU_REC_EVTCHN_PORT, "port");
    if (!rc)
        rc = no_overlap(r, &r->maptrack, LU_REC_MAPTRACK, "handle");
    for (i = 0; !rc && i < r->p2m.n; i++)
        rc = p2m_owned(r, &r->p2m.v[i]);
    return rc;
}
