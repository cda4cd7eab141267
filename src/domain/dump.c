/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain dumps: a domain's pages by purpose.
 *
 * Special pages are found from the frame table alone: every extra page a
 * domain owns is on its extra list (the audit proves the list and the
 * frame table agree) and carries its kind and index in its type_info. No
 * subsystem registers its pages for dumping, so a new kind of special
 * page cannot be left out: it cannot even be allocated without a kind.
 */
#include <errno.h>
#include <string.h>

#include "domain/domain.h"

static int count_extent(void *ctx, gfn_t gfn, mfn_t mfn, uint64_t nr,
                        enum p2m_type t)
{
    struct domain_dump *o = ctx;

    if (t != p2m_ram_rw && t != p2m_ram_ro)
        return 0;
    o->ram_extents++;
    /* Aligned 2 MiB blocks inside the run whose MFNs are aligned too:
     * what the host can back with huge pages. */
    if (((gfn ^ mfn) & 511) == 0 && (gfn + nr) / 512 > (gfn + 511) / 512)
        o->ram_extents_2m += (gfn + nr) / 512 - (gfn + 511) / 512;
    return 0;
}

static void collect_special(struct domain *d, struct domain_dump *o)
{
    struct page_info *pg;

    pthread_mutex_lock(&d->mm.page_alloc_lock);
    page_list_for_each(pg, &d->mm.extra_page_list)
    {
        struct domain_special_page *sp;

        o->nr_special_total++;
        if (o->nr_special == DOMAIN_DUMP_MAX_SPECIAL)
            continue;
        sp = &o->special[o->nr_special++];
        sp->kind = page_get_kind(pg, &sp->index);
        sp->mfn = page_to_mfn(pg);
    }
    o->ram_pages = d->mm.page_list.count;
    o->extra_pages = d->mm.extra_pages;
    o->tot_pages = d->mm.tot_pages;
    o->max_pages = d->mm.max_pages;
    pthread_mutex_unlock(&d->mm.page_alloc_lock);
}

int domain_dump(struct domain *d, struct domain_dump *o)
{
    unsigned int i;

    memset(o, 0, sizeof(*o));
    domain_lock(d);
    if (d->state >= DOMAIN_DYING) {
        domain_unlock(d);
        return -ESRCH;
    }
    /* p2m lock before page_alloc_lock: gfns are looked up afterwards. */
    collect_special(d, o);
    for (i = 0; i < o->nr_special; i++)
        o->special[i].gfn = p2m_find_gfn(&d->p2m, o->special[i].mfn);
    p2m_for_each_extent(&d->p2m, count_extent, o);
    pthread_mutex_lock(&d->p2m.lock);
    o->p2m_tables = d->p2m.nr_tables;
    o->p2m_mapped = d->p2m.nr_mapped;
    pthread_mutex_unlock(&d->p2m.lock);
    o->overhead_bytes = __atomic_load_n(&d->overhead_bytes, __ATOMIC_RELAXED) +
                        o->p2m_tables * PAGE_SIZE;
    domain_unlock(d);
    return 0;
}
