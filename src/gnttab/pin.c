/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pinning a grant: what map and copy both do before they touch a granted
 * page, and undo afterwards.
 *
 * The granter's guest owns the grant entry and may rewrite it at any
 * moment; xhv owns GTF_reading/GTF_writing (in the entry for v1, in the
 * status word for v2) and the active entry. The rules, as in Xen:
 *   - an entry not yet pinned must say GTF_permit_access for the pinning
 *     domain (and not GTF_sub_page for a mapping); a write pin also needs
 *     GTF_readonly clear;
 *   - v1: flags and domid are one 32-bit word, so checking them and
 *     setting GTF_reading/GTF_writing is one compare-and-swap. A guest
 *     that keeps changing the word makes it fail; after five failures the
 *     pin fails rather than livelock (the guest can only hurt itself);
 *   - v2: the status word is xhv's, set first, then the entry is read
 *     again after a full barrier: a guest that revoked the grant in
 *     between is caught by the second read and the bits are cleared. The
 *     granter pairs with this barrier by reading the status word after it
 *     wrote the entry.
 * Once pinned, an entry stays bound to the pinning domain and its page
 * until the last pin goes, whatever the guest writes into it; the granter
 * learns that the grant is still in use from GTF_reading/GTF_writing.
 *
 * Only ordinary RAM can be granted: not shared_info, grant or status
 * frames, nor a page the granter itself has mapped from someone else.
 * That keeps every granted page a page the granter owns outright, which
 * is what the lifetime rules in gnttab.h rely on.
 */
#include "gnttab/private.h"

int gnttab_get_ram(struct domain *d, uint64_t gfn, bool readonly,
                   struct page_info **pg)
{
    enum p2m_type t;
    mfn_t mfn;

    if (gfn >= P2M_MAX_GFN || p2m_lookup(&d->p2m, gfn, &mfn, &t))
        return GNTST_bad_page;
    if (t != p2m_ram_rw && !(readonly && t == p2m_ram_ro))
        return GNTST_bad_page;
    /* get_page() checks the owner: a page freed and handed to someone
     * else since the lookup is refused. */
    if (get_page(mfn_to_page(mfn), &d->mm))
        return GNTST_bad_page;
    *pg = mfn_to_page(mfn);
    return GNTST_okay;
}

static int set_status_v1(struct gnttab *gt, grant_ref_t ref,
                         const struct gnttab_active *act, xen_domid_t ldomid,
                         bool readonly, bool mapflag)
{
    uint32_t *raw = (uint32_t *)gnttab_hdr(gt, ref);
    uint16_t mask = GTF_type_mask | (mapflag ? GTF_sub_page : 0);
    uint32_t old = __atomic_load_n(raw, __ATOMIC_ACQUIRE), nw;
    unsigned int tries;

    for (tries = 0;; tries++) {
        uint16_t flags = (uint16_t)old;
        xen_domid_t domid = (xen_domid_t)(old >> 16);

        if (!act->pin &&
            ((flags & mask) != GTF_permit_access || domid != ldomid))
            return GNTST_general_error;
        if (!readonly && (flags & GTF_readonly))
            return GNTST_general_error;
        nw = old | GTF_reading | (readonly ? 0 : GTF_writing);
        if (__atomic_compare_exchange_n(raw, &old, nw, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return GNTST_okay;
        if (tries == 4)
            return GNTST_general_error; /* the guest keeps changing it */
    }
}

static bool v2_permits(uint16_t flags, xen_domid_t domid, xen_domid_t ldomid,
                       uint16_t mask)
{
    /* xhv has no transitive grants: only permit_access is usable. */
    return (flags & mask) == GTF_permit_access && domid == ldomid;
}

static int set_status_v2(struct gnttab *gt, grant_ref_t ref,
                         const struct gnttab_active *act, xen_domid_t ldomid,
                         bool readonly, bool mapflag)
{
    struct grant_entry_header *h = gnttab_hdr(gt, ref);
    uint16_t *status = gnttab_status_word(gt, ref);
    uint16_t mask = GTF_type_mask | (mapflag ? GTF_sub_page : 0);
    uint16_t flags = __atomic_load_n(&h->flags, __ATOMIC_ACQUIRE);
    xen_domid_t domid = __atomic_load_n(&h->domid, __ATOMIC_ACQUIRE);
    uint16_t bits = GTF_reading | (readonly ? 0 : GTF_writing);

    if (!act->pin && !v2_permits(flags, domid, ldomid, mask))
        return GNTST_general_error;
    if (!readonly && (flags & GTF_readonly))
        return GNTST_general_error;
    __atomic_or_fetch(status, bits, __ATOMIC_SEQ_CST);
    /* Pairs with the granter reading the status word after it changed the
     * entry: either it sees our bits, or we see its change below. The
     * RMW and these loads are all seq_cst, so they are ordered in one
     * total order without a separate fence (which TSan cannot model). */
    flags = __atomic_load_n(&h->flags, __ATOMIC_SEQ_CST);
    domid = __atomic_load_n(&h->domid, __ATOMIC_SEQ_CST);
    if (!act->pin) {
        if (!v2_permits(flags, domid, ldomid, mask) ||
            (!readonly && (flags & GTF_readonly))) {
            __atomic_and_fetch(status, (uint16_t)~bits, __ATOMIC_SEQ_CST);
            return GNTST_general_error;
        }
    } else if (!readonly && (flags & GTF_readonly)) {
        /* Only our new write bit goes: the read pins stand. */
        __atomic_and_fetch(status, (uint16_t)~GTF_writing, __ATOMIC_SEQ_CST);
        return GNTST_general_error;
    }
    return GNTST_okay;
}

/* Clears the bits the remaining pins no longer justify. */
static void reduce_status(struct gnttab *gt, grant_ref_t ref,
                          const struct gnttab_active *act, bool readonly)
{
    uint16_t clear = act->pin ? 0 : GTF_reading;

    if (gt->relinquished)
        return; /* the frames are gone; nobody reads the bits any more */
    if (!readonly && !(act->pin & GNTPIN_rw_mask))
        clear |= GTF_writing;
    if (clear)
        __atomic_and_fetch(gnttab_status_word(gt, ref), (uint16_t)~clear,
                           __ATOMIC_SEQ_CST);
}

static bool would_overflow(uint32_t pin, bool readonly)
{
    return readonly ? (pin & GNTPIN_ro_mask) == GNTPIN_ro_mask
                    : (pin & GNTPIN_rw_mask) == GNTPIN_rw_mask;
}

int gnttab_pin(struct gnttab *gt, grant_ref_t ref, xen_domid_t ldomid,
               bool readonly, bool mapflag, struct page_info **pg)
{
    struct gnttab_active *act;
    struct page_info *page;
    uint16_t start, length;
    uint64_t gfn;
    bool sub;
    int rc;

    gnttab_assert_locked(gt);
    if (gt->relinquished || gt->releasing)
        return GNTST_bad_domain; /* the granter is dying */
    if (ref >= gnttab_nr_entries(gt))
        return GNTST_bad_gntref;
    act = gnttab_act(gt, ref);
    if (act->pin &&
        (act->domid != ldomid || would_overflow(act->pin, readonly) ||
         (mapflag && act->sub_page)))
        return GNTST_general_error;
    if (!act->pin || (!readonly && !(act->pin & GNTPIN_rw_mask))) {
        rc = gt->version == 1
                 ? set_status_v1(gt, ref, act, ldomid, readonly, mapflag)
                 : set_status_v2(gt, ref, act, ldomid, readonly, mapflag);
        if (rc)
            return rc;
    }
    if (!act->pin) {
        gnttab_entry_frame(gt, ref, &gfn, &start, &length, &sub);
        rc = gnttab_get_ram(gt->d, gfn, readonly, &page);
        if (rc)
            goto undo;
        act->domid = ldomid;
        act->mfn = page_to_mfn(page);
        act->gfn = gfn;
        act->start = start;
        act->length = length;
        act->sub_page = sub;
    } else {
        /* Every pin holder has a reference, so the page is still ours. */
        page = mfn_to_page(act->mfn);
        if (get_page(page, &gt->d->mm)) {
            rc = GNTST_general_error;
            goto undo;
        }
    }
    act->pin += readonly ? GNTPIN_ro_inc : GNTPIN_rw_inc;
    *pg = page;
    return GNTST_okay;
undo:
    reduce_status(gt, ref, act, readonly);
    return rc;
}

void gnttab_unpin(struct gnttab *gt, grant_ref_t ref, bool readonly)
{
    struct gnttab_active *act = gnttab_act(gt, ref);

    gnttab_assert_locked(gt);
    XHV_ASSERT(act->pin & (readonly ? GNTPIN_ro_mask : GNTPIN_rw_mask));
    act->pin -= readonly ? GNTPIN_ro_inc : GNTPIN_rw_inc;
    reduce_status(gt, ref, act, readonly);
}
