/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The memory audit.
 *
 * One linear walk of the frame table classifies every MFN (free, xenheap,
 * owned, broken, reserved, unmanaged) and checks it against the rules of
 * mm.h. A free chunk is checked as a whole when the walk reaches its head:
 * aligned, inside one zone, linked into the list for its zone and order,
 * every other page a free tail whose dirt the head records. A free page
 * the walk reaches outside any chunk is lost. Owned pages are tallied per
 * owner and the tallies compared with tot_pages and extra_pages; then each
 * owner's lists are walked to check they hold exactly those pages.
 *
 * It runs with the owner registry lock, every owner's page_alloc_lock and
 * heap_lock held, so it never sees an operation half done. Page owners are
 * compared against the registry before being dereferenced, so a corrupt
 * owner pointer is reported, not followed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mm/private.h"

static const char *const violation_names[] = {
    [MM_V_BAD_STATE] = "bad-state",
    [MM_V_UNMANAGED] = "unmanaged",
    [MM_V_FREE_LIST] = "free-list",
    [MM_V_FREE_CHUNK] = "free-chunk",
    [MM_V_FREE_LOST] = "free-lost",
    [MM_V_FREE_DIRT] = "free-dirt",
    [MM_V_FREE_NOT_ZERO] = "free-not-zero",
    [MM_V_OWNER_UNKNOWN] = "owner-unknown",
    [MM_V_OWNER_COUNT] = "owner-count",
    [MM_V_OWNER_LIST] = "owner-list",
    [MM_V_DOMHEAP_IN_SCRATCH] = "domheap-in-scratch",
    [MM_V_XENHEAP_OWNED] = "xenheap-owned",
    [MM_V_REFCOUNT] = "refcount",
    [MM_V_EXTRA_KIND] = "extra-kind",
    [MM_V_RESERVED] = "reserved",
    [MM_V_BROKEN] = "broken",
};

const char *mm_violation_name(enum mm_violation_kind kind)
{
    if ((unsigned int)kind >= ARRAY_SIZE(violation_names) ||
        !violation_names[kind])
        return "?";
    return violation_names[kind];
}

XHV_PRINTF(5, 6)
static void violation(struct mm_audit_report *r, enum mm_violation_kind kind,
                      mfn_t mfn, uint32_t owner_id, const char *fmt, ...)
{
    struct mm_violation *v;
    va_list ap;

    if (r->nr_violations++ >= MM_AUDIT_MAX_REPORTED)
        return;
    v = &r->v[r->nr_reported++];
    v->kind = kind;
    v->mfn = mfn;
    v->owner_id = owner_id;
    va_start(ap, fmt);
    vsnprintf(v->what, sizeof(v->what), fmt, ap);
    va_end(ap);
}

struct audit {
    struct mm_audit_report *r;
    unsigned int flags;
    struct mm_owner *last_owner; /* registry look-up cache */
};

static struct mm_owner *lookup_owner(struct audit *a, const void *p)
{
    struct list_head *pos;

    if (a->last_owner && (const void *)a->last_owner == p)
        return a->last_owner;
    list_for_each(pos, &machine.owners)
    {
        struct mm_owner *o = list_entry(pos, struct mm_owner, link);

        if ((const void *)o == p) {
            a->last_owner = o;
            return o;
        }
    }
    return NULL;
}

static bool page_is_zero(mfn_t mfn)
{
    const uint64_t *w = mfn_to_virt(mfn);
    size_t i;

    for (i = 0; i < PAGE_SIZE / sizeof(*w); i++)
        if (w[i])
            return false;
    return true;
}

static bool chunk_linked(mfn_t mfn, const struct page_info *pg,
                         unsigned int zone, unsigned int order)
{
    const struct page_list_head *l = &machine.free_list[zone][order];

    if (pg->prev == PAGE_LIST_NULL
            ? l->head != mfn
            : pg->prev >= machine.nr_pages ||
                  machine.frame_table[pg->prev].next != mfn)
        return false;
    if (pg->next == PAGE_LIST_NULL
            ? l->tail != mfn
            : pg->next >= machine.nr_pages ||
                  machine.frame_table[pg->next].prev != mfn)
        return false;
    return true;
}

static void check_free_page(struct audit *a, mfn_t mfn, uint64_t head_dirt)
{
    const struct page_info *pg = &machine.frame_table[mfn];
    uint64_t ci = pgc_get(pg);

    if (ci & (PGC_allocated | PGC_xen_heap | PGC_extra | PGC_broken |
              PGC_count_mask))
        violation(a->r, MM_V_BAD_STATE, mfn, UINT32_MAX,
                  "free page with in-use flags %#llx", (unsigned long long)ci);
    if (mfn_in_range(mfn, machine.other_start, machine.other_nr))
        violation(a->r, MM_V_RESERVED, mfn, UINT32_MAX,
                  "free page in the next generation's scratch half");
    if ((ci & PGC_dirty_mask) & ~head_dirt)
        violation(a->r, MM_V_FREE_DIRT, mfn, UINT32_MAX,
                  "dirty page in a chunk recorded as cleaner");
    if ((a->flags & MM_AUDIT_DEEP) && !(ci & PGC_dirty_mask) &&
        !page_is_zero(mfn))
        violation(a->r, MM_V_FREE_NOT_ZERO, mfn, UINT32_MAX,
                  "free page marked clean holds non-zero bytes");
}

/* Checks the free chunk headed at mfn; returns how many pages it spans. */
static uint64_t check_free_chunk(struct audit *a, mfn_t mfn)
{
    const struct page_info *hp = &machine.frame_table[mfn];
    unsigned int o = hp->u.free.order, z = hp->u.free.zone;
    uint64_t n, nr;

    if (o == FREE_TAIL) {
        violation(a->r, MM_V_FREE_LOST, mfn, UINT32_MAX,
                  "free page outside any free chunk");
        check_free_page(a, mfn, PGC_dirty_mask);
        return 1;
    }
    if (o > MAX_ORDER || z >= NR_ZONES || (mfn & ((1ULL << o) - 1)) ||
        mfn + (1ULL << o) > machine.nr_pages) {
        violation(a->r, MM_V_FREE_LIST, mfn, UINT32_MAX,
                  "free chunk head with order %u zone %u is malformed", o, z);
        return 1;
    }
    nr = 1ULL << o;
    if (mfn_zone(mfn) != z || mfn_zone(mfn + nr - 1) != z)
        violation(a->r, MM_V_FREE_LIST, mfn, UINT32_MAX,
                  "order-%u chunk is not wholly in zone %u", o, z);
    if (!chunk_linked(mfn, hp, z, o))
        violation(a->r, MM_V_FREE_LIST, mfn, UINT32_MAX,
                  "order-%u chunk is not linked on its free list", o);
    check_free_page(a, mfn, hp->u.free.dirty);
    for (n = 1; n < nr; n++) {
        const struct page_info *pg = &machine.frame_table[mfn + n];

        if (page_state(pg) != PGC_state_free || pg->u.free.order != FREE_TAIL) {
            violation(a->r, MM_V_FREE_CHUNK, mfn + n, UINT32_MAX,
                      "page %llu of the order-%u chunk at %#llx is not a "
                      "free tail",
                      (unsigned long long)n, o, (unsigned long long)mfn);
            return n; /* resume the walk at the intruder */
        }
        check_free_page(a, mfn + n, hp->u.free.dirty);
    }
    a->r->free += nr;
    return nr;
}

static void check_owned_page(struct audit *a, mfn_t mfn,
                             const struct page_info *pg)
{
    uint64_t ci = pgc_get(pg);
    struct mm_owner *o = lookup_owner(a, pg->u.inuse.owner);
    enum page_kind kind = page_get_kind(pg, NULL);
    bool extra = ci & PGC_extra;

    if (!o) {
        violation(a->r, MM_V_OWNER_UNKNOWN, mfn, UINT32_MAX,
                  "owner %p is not a registered domain", pg->u.inuse.owner);
        return;
    }
    a->r->owned++;
    if (extra) {
        a->r->extra++;
        o->audit_extra++;
    } else {
        o->audit_pages++;
    }
    if (mfn_in_scratch(mfn))
        violation(a->r, MM_V_DOMHEAP_IN_SCRATCH, mfn, o->id,
                  "domain page in the live-update scratch region");
    /* Without PGC_allocated is legitimate: a page given up while another
     * user (a foreign mapping) still holds it stays owned until then. */
    if (!(ci & PGC_count_mask))
        violation(a->r, MM_V_REFCOUNT, mfn, o->id,
                  "owned page with no reference");
    if (extra && (kind == PAGE_KIND_NONE || !page_kind_name(kind)))
        violation(a->r, MM_V_EXTRA_KIND, mfn, o->id,
                  "extra page of unknown kind %u", (unsigned int)kind);
    else if (!extra && kind != PAGE_KIND_NONE)
        violation(a->r, MM_V_EXTRA_KIND, mfn, o->id,
                  "ordinary page tagged as %s", page_kind_name(kind));
}

static void check_inuse_page(struct audit *a, mfn_t mfn,
                             const struct page_info *pg)
{
    uint64_t ci = pgc_get(pg);

    if (!(ci & PGC_xen_heap)) {
        if (pg->u.inuse.owner)
            check_owned_page(a, mfn, pg);
        else if (!machine.heap_partial) /* else claimed, not yet assigned */
            violation(a->r, MM_V_XENHEAP_OWNED, mfn, UINT32_MAX,
                      "page in use is neither xenheap nor owned");
        return;
    }
    a->r->xenheap++;
    if (pg->u.inuse.owner || (ci & (PGC_allocated | PGC_extra)))
        violation(a->r, MM_V_XENHEAP_OWNED, mfn, UINT32_MAX,
                  "xenheap page carries domain ownership");
    if (mfn_in_range(mfn, machine.other_start, machine.other_nr))
        violation(a->r, MM_V_RESERVED, mfn, UINT32_MAX,
                  "xenheap page in the next generation's scratch half");
}

static uint64_t check_page(struct audit *a, mfn_t mfn)
{
    const struct page_info *pg = &machine.frame_table[mfn];
    uint64_t ci = pgc_get(pg);

    switch (ci & PGC_state_mask) {
    case PGC_state_free:
        return check_free_chunk(a, mfn);
    case PGC_state_inuse:
        check_inuse_page(a, mfn, pg);
        break;
    case PGC_state_unmanaged:
        a->r->unmanaged++;
        if (!machine.heap_partial)
            violation(a->r, MM_V_UNMANAGED, mfn, UINT32_MAX,
                      "page was never handed to the heap");
        break;
    case PGC_state_reserved:
        a->r->reserved++;
        if (!mfn_in_range(mfn, machine.other_start, machine.other_nr))
            violation(a->r, MM_V_RESERVED, mfn, UINT32_MAX,
                      "reserved page outside the reserved scratch half");
        break;
    case PGC_state_broken:
        a->r->broken++;
        if ((ci & ~PGC_state_mask) != PGC_broken)
            violation(a->r, MM_V_BROKEN, mfn, UINT32_MAX,
                      "broken page with flags %#llx", (unsigned long long)ci);
        break;
    default:
        violation(
            a->r, MM_V_BAD_STATE, mfn, UINT32_MAX, "unknown page state %llu",
            (unsigned long long)((ci & PGC_state_mask) >> PGC_state_shift));
        break;
    }
    return 1;
}

static void check_owner_list(struct audit *a, struct mm_owner *o,
                             const struct page_list_head *l, bool extra,
                             uint64_t expect)
{
    uint64_t n = 0;
    uint32_t m = l->head;

    while (m != PAGE_LIST_NULL && n <= expect) {
        const struct page_info *pg;

        if (m >= machine.nr_pages) {
            violation(a->r, MM_V_OWNER_LIST, m, o->id,
                      "list link points outside machine memory");
            return;
        }
        pg = &machine.frame_table[m];
        if (page_state(pg) != PGC_state_inuse || pg->u.inuse.owner != o ||
            !!(pgc_get(pg) & PGC_extra) != extra) {
            violation(a->r, MM_V_OWNER_LIST, m, o->id,
                      "page on the %s list is not the domain's %s page",
                      extra ? "extra" : "page", extra ? "extra" : "ordinary");
            return;
        }
        n++;
        m = pg->next;
    }
    if (n != expect || n != l->count || m != PAGE_LIST_NULL)
        violation(a->r, MM_V_OWNER_LIST, INVALID_MFN, o->id,
                  "%s list holds %llu%s pages, %llu expected",
                  extra ? "extra" : "page", (unsigned long long)n,
                  m != PAGE_LIST_NULL ? "+" : "", (unsigned long long)expect);
}

static void check_owners(struct audit *a)
{
    struct list_head *pos;

    list_for_each(pos, &machine.owners)
    {
        struct mm_owner *o = list_entry(pos, struct mm_owner, link);

        a->r->owners++;
        if (o->audit_pages != o->tot_pages)
            violation(a->r, MM_V_OWNER_COUNT, INVALID_MFN, o->id,
                      "tot_pages is %llu but the domain owns %llu pages",
                      (unsigned long long)o->tot_pages,
                      (unsigned long long)o->audit_pages);
        if (o->audit_extra != o->extra_pages)
            violation(a->r, MM_V_OWNER_COUNT, INVALID_MFN, o->id,
                      "extra_pages is %llu but the domain owns %llu",
                      (unsigned long long)o->extra_pages,
                      (unsigned long long)o->audit_extra);
        check_owner_list(a, o, &o->page_list, false, o->audit_pages);
        check_owner_list(a, o, &o->extra_page_list, true, o->audit_extra);
    }
}

static void check_counters(struct audit *a)
{
    struct mm_audit_report *r = a->r;
    uint64_t listed =
        machine.free_pages[ZONE_SCRATCH] + machine.free_pages[ZONE_MAIN];

    if (listed != r->free)
        violation(r, MM_V_FREE_LIST, INVALID_MFN, UINT32_MAX,
                  "free lists account %llu pages, the frame table %llu",
                  (unsigned long long)listed, (unsigned long long)r->free);
    if (machine.nr_xenheap != r->xenheap || machine.nr_broken != r->broken ||
        machine.nr_reserved != r->reserved ||
        machine.nr_unmanaged != r->unmanaged)
        violation(r, MM_V_BAD_STATE, INVALID_MFN, UINT32_MAX,
                  "heap counters (xenheap %llu broken %llu reserved %llu "
                  "unmanaged %llu) disagree with the frame table",
                  (unsigned long long)machine.nr_xenheap,
                  (unsigned long long)machine.nr_broken,
                  (unsigned long long)machine.nr_reserved,
                  (unsigned long long)machine.nr_unmanaged);
}

int mm_audit(struct mm_audit_report *r, unsigned int flags)
{
    struct audit a = {.r = r, .flags = flags};
    struct list_head *pos;
    mfn_t mfn;

    memset(r, 0, sizeof(*r));
    if (!machine.ready)
        return -ENODEV;
    owners_lock_all();
    heap_lock();
    list_for_each(pos, &machine.owners)
    {
        struct mm_owner *o = list_entry(pos, struct mm_owner, link);

        o->audit_pages = 0;
        o->audit_extra = 0;
    }
    for (mfn = 0; mfn < machine.nr_pages;)
        mfn += check_page(&a, mfn);
    check_owners(&a);
    check_counters(&a);
    heap_unlock();
    owners_unlock_all();
    return r->nr_violations ? -EUCLEAN : 0;
}

size_t mm_audit_format(const struct mm_audit_report *r, char *buf, size_t len)
{
    size_t off = 0, i;

#define OUT(...)                                                               \
    off += (size_t)snprintf(buf + (off < len ? off : len),                     \
                            off < len ? len - off : 0, __VA_ARGS__)
    OUT("%s: %llu violation%s\n", r->nr_violations ? "FAILED" : "clean",
        (unsigned long long)r->nr_violations, r->nr_violations == 1 ? "" : "s");
    OUT("pages: free %llu, xenheap %llu, domain %llu (extra %llu), "
        "broken %llu, reserved %llu, unmanaged %llu; domains %llu\n",
        (unsigned long long)r->free, (unsigned long long)r->xenheap,
        (unsigned long long)r->owned, (unsigned long long)r->extra,
        (unsigned long long)r->broken, (unsigned long long)r->reserved,
        (unsigned long long)r->unmanaged, (unsigned long long)r->owners);
    for (i = 0; i < r->nr_reported; i++) {
        const struct mm_violation *v = &r->v[i];

        OUT("  %-18s", mm_violation_name(v->kind));
        if (v->mfn != INVALID_MFN)
            OUT(" mfn %#llx", (unsigned long long)v->mfn);
        if (v->owner_id != UINT32_MAX)
            OUT(" d%u", v->owner_id);
        OUT(": %s\n", v->what);
    }
    if (r->nr_violations > r->nr_reported)
        OUT("  ... and %llu more not listed\n",
            (unsigned long long)(r->nr_violations - r->nr_reported));
#undef OUT
    return off;
}
