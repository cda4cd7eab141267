/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memory_op: a PVH/HVM guest looking at and changing its own physmap.
 *
 *   increase/decrease_reservation, populate_physmap   balloon down and up
 *   current/maximum_reservation, maximum_gpfn         sizes
 *   memory_map                                        the guest's e820
 *   add_to_physmap (shared_info, gmfn, gmfn_range)    place pages
 *   remove_from_physmap                               take them out
 *
 * Who: an unprivileged guest acts only on itself. Its domid is DOMID_SELF
 * or its own id; another existing domain is -EPERM and an unknown id
 * -ESRCH, as Xen answers a domU.
 *
 * Errors: the reservation ops return how many extents they completed,
 * never an error code, as in Xen: a call that cannot start (bad pointer,
 * bad order, foreign domain, too many extents) completes nothing and
 * returns its start extent, and a batch stops at the first extent that
 * fails, having done the ones before it. Every other sub-op checks all
 * its arguments first and, when it fails, has changed nothing.
 *
 * The command word carries a start extent above MEMOP_EXTENT_SHIFT, which
 * Xen uses to resume a preempted batch. xhv never preempts: it does a
 * whole batch in one call, but honours a start extent a guest passes
 * itself, as Xen does, and bounds a batch at MEMOP_MAX_EXTENTS.
 *
 * Concurrency: every physmap change made here runs under the domain lock,
 * which domain_map_shared_info() takes too, so two vCPUs of one guest
 * cannot interleave the check and the change of a sub-op. Guest memory is
 * never read or written with that lock held: each extent's gfn is copied
 * in first.
 */
#include <errno.h>

#include "gnttab/gnttab.h"
#include "hypercall/hypercall.h"
#include "lib/log.h"
#include "xhv/public/memory.h"

/* Xen's largest extent for an ordinary domU: 2 MiB. */
#define MEMOP_MAX_ORDER 9
/* Xen allows what its continuations can encode (2^26); xhv, which does a
 * batch in one go, allows a balloon driver's needs with room to spare. */
#define MEMOP_MAX_EXTENTS (1ULL << 20)

typedef int (*extent_fn)(struct domain *d, gfn_t gfn, unsigned int order);

/* Whether domid names the caller's own domain: 0, -EPERM or -ESRCH. */
static int memop_target(struct domain *d, xen_domid_t domid)
{
    struct domain *other;

    if (domid == DOMID_SELF || domid == d->domid)
        return 0;
    other = domain_lookup_id(domid);
    if (!other)
        return -ESRCH;
    put_domain(other);
    return -EPERM;
}

/* Flags a domU may pass: Xen's checks for a guest without vNUMA. */
static bool mem_flags_ok(uint32_t flags)
{
    unsigned int bits = XENMEMF_get_address_bits(flags);

    /* An address width of a page or less cannot be met. Any wider one
     * is met trivially: the guest never sees machine addresses. */
    if (bits != 0 && bits <= PAGE_SHIFT)
        return false;
    /* Insisting on a host NUMA node is for privileged domains. */
    if (!(flags & XENMEMF_vnode) &&
        XENMEMF_get_node(flags) != XENMEMF_NO_NODE &&
        (flags & XENMEMF_exact_node_request))
        return false;
    return true;
}

/*
 * Releases the 2^order RAM pages from gfn: all of them, or none when any
 * is not RAM (Xen may release part of an extent before it finds a page it
 * cannot; xhv checks the whole extent first).
 */
static int decrease_extent(struct domain *d, gfn_t gfn, unsigned int order)
{
    uint64_t j, n = 1ULL << order;
    enum p2m_type t;
    int rc;

    domain_assert_locked(d);
    for (j = 0; j < n; j++)
        if (p2m_lookup(&d->p2m, gfn + j, NULL, &t) ||
            (t != p2m_ram_rw && t != p2m_ram_ro))
            return -EINVAL;
    for (j = 0; j < n; j++) {
        rc = p2m_remove_ram(&d->p2m, gfn + j);
        if (rc) {
            log_err("memory_op", "d%u: gfn %#llx checked but not released",
                    d->domid, (unsigned long long)(gfn + j));
            return rc;
        }
    }
    return 0;
}

/*
 * Fills [gfn, gfn + 2^order) with new, zeroed RAM. Every gfn must be
 * unmapped: Xen would replace a mapped page and leave it owned but
 * nowhere, which xhv refuses. max_pages is enforced by the allocator.
 */
static int populate_extent(struct domain *d, gfn_t gfn, unsigned int order)
{
    domain_assert_locked(d);
    return p2m_populate_ram(&d->p2m, &d->mm, gfn, 1ULL << order);
}

/* Runs fn on each extent from start on; returns how far it got. */
static long run_extents(struct vcpu *v, const struct xen_memory_reservation *r,
                        uint64_t start, extent_fn fn)
{
    struct domain *d = v->domain;
    uint64_t i;

    for (i = start; i < r->nr_extents; i++) {
        uint64_t gva = r->extent_start + i * sizeof(xen_pfn_t);
        xen_pfn_t gfn;
        int rc;

        /* i is below 2^20, so only the addition can wrap. */
        if (gva < r->extent_start || copy_from_guest(v, &gfn, gva, sizeof(gfn)))
            break;
        domain_lock(d);
        rc = fn(d, gfn, r->extent_order);
        domain_unlock(d);
        if (rc)
            break;
    }
    return (long)i;
}

static long reservation_op(struct vcpu *v, unsigned int op, uint64_t arg,
                           uint64_t start)
{
    struct xen_memory_reservation r;

    if (copy_from_guest(v, &r, arg, sizeof(r)))
        return (long)start;
    if (r.nr_extents > MEMOP_MAX_EXTENTS || start >= r.nr_extents)
        return (long)start;
    if (memop_target(v->domain, r.domid) || !mem_flags_ok(r.mem_flags) ||
        r.extent_order > MEMOP_MAX_ORDER)
        return (long)start;

    switch (op) {
    case XENMEM_decrease_reservation:
        return run_extents(v, &r, start, decrease_extent);
    case XENMEM_populate_physmap:
        /* Xen refuses populate-on-demand on oneself. */
        if (r.mem_flags & XENMEMF_populate_on_demand)
            return (long)start;
        return run_extents(v, &r, start, populate_extent);
    default:
        /*
         * increase_reservation: Xen allocates pages without mapping them,
         * which only a PV guest can use. xhv keeps every page of a domain
         * in its physmap, so it allocates none and reports no extents.
         */
        return (long)start;
    }
}

/* current_reservation, maximum_reservation, maximum_gpfn. */
static long domain_size_op(struct vcpu *v, unsigned int op, uint64_t arg,
                           uint64_t start)
{
    struct domain *d = v->domain;
    struct xen_memory_domain md;
    int rc;

    if (start)
        return -EINVAL;
    if (copy_from_guest(v, &md, arg, sizeof(md)))
        return -EFAULT;
    rc = memop_target(d, md.domid);
    if (rc)
        return rc;
    switch (op) {
    case XENMEM_current_reservation:
        return (long)mm_owner_tot_pages(&d->mm);
    case XENMEM_maximum_reservation:
        return (long)domain_max_pages(d);
    default:
        return (long)p2m_max_mapped_gfn(&d->p2m);
    }
}

/* The e820 map: the RAM ranges the domain was built with. */
static long memory_map(struct vcpu *v, uint64_t arg)
{
    struct domain_ram_range r[DOMAIN_MAX_RAM_RANGES];
    struct xen_e820_entry e[DOMAIN_MAX_RAM_RANGES];
    struct xen_memory_map map;
    unsigned int i, n;

    if (copy_from_guest(v, &map, arg, sizeof(map)))
        return -EFAULT;
    n = domain_ram_ranges(v->domain, r);
    for (i = 0; i < n; i++)
        e[i] = (struct xen_e820_entry){.addr = r[i].gfn << PAGE_SHIFT,
                                       .size = r[i].nr << PAGE_SHIFT,
                                       .type = E820_RAM};
    /* As in Xen, a short buffer is not an error: it gets what fits, and
     * nr_entries says how many that was. */
    if (map.nr_entries > n)
        map.nr_entries = n;
    if (copy_to_guest(v, map.buffer, e, map.nr_entries * sizeof(e[0])) ||
        copy_to_guest(v, arg, &map.nr_entries, sizeof(map.nr_entries)))
        return -EFAULT;
    return 0;
}

/*
 * Checks a gmfn_range move of the offsets [lo, hi) before any page moves:
 * every source must be RAM, every destination inside the window and not a
 * special page, unless it is itself a source of this batch (moved away
 * before it is written, given the order add_gmfn_range() uses).
 */
static int gmfn_range_check(struct domain *d,
                            const struct xen_add_to_physmap *x, uint64_t lo,
                            uint64_t hi)
{
    uint64_t o;
    enum p2m_type t;

    for (o = lo; o < hi; o++) {
        gfn_t dst = x->gpfn + o;

        if (p2m_lookup(&d->p2m, x->idx + o, NULL, &t) || t != p2m_ram_rw)
            return -EACCES;
        if (dst >= d->p2m.nr_gfns)
            return -EINVAL;
        if (dst >= x->idx + lo && dst < x->idx + hi)
            continue;
        if (p2m_lookup(&d->p2m, dst, NULL, &t) == 0 &&
            (t == p2m_special || p2m_is_grant(t)))
            return -EBUSY;
    }
    return 0;
}

/*
 * Moves x->size pages from idx.. to gpfn.., less the start already moved
 * by an earlier call. When the destination overlaps the source from
 * above, it goes from the top down (and start counts from the top), so no
 * page is overwritten before it has moved.
 */
static long add_gmfn_range(struct domain *d, const struct xen_add_to_physmap *x,
                           uint64_t start)
{
    uint64_t k, n, lo, hi;
    bool down;
    int rc;

    if (x->size < start)
        return -EILSEQ;
    if (x->gpfn + x->size < x->gpfn || x->idx + x->size < x->idx)
        return -EOVERFLOW;
    down = x->gpfn > x->idx && x->gpfn < x->idx + x->size;
    n = x->size - start;
    lo = down ? 0 : start;
    hi = lo + n;
    domain_lock(d);
    rc = gmfn_range_check(d, x, lo, hi);
    /* After the check only an allocation can fail; the pages moved
     * before it stay moved, as in Xen. */
    for (k = 0; !rc && k < n; k++) {
        uint64_t o = down ? hi - 1 - k : lo + k;

        rc = p2m_move_ram(&d->p2m, x->idx + o, x->gpfn + o);
    }
    domain_unlock(d);
    return rc;
}

static long add_to_physmap(struct vcpu *v, uint64_t arg, uint64_t start)
{
    struct domain *d = v->domain;
    struct xen_add_to_physmap x;
    int rc;

    /* Only gmfn_range uses a start, and it counts at most size pages. */
    if (start > UINT16_MAX)
        return -EDOM;
    if (copy_from_guest(v, &x, arg, sizeof(x)))
        return -EFAULT;
    if (x.space == XENMAPSPACE_gmfn_foreign)
        return -ENOSYS; /* only through add_to_physmap_batch */
    /* Xen's order: no such domain, then device MMIO, then permission. */
    rc = memop_target(d, x.domid);
    if (rc == -ESRCH)
        return rc;
    if (x.space == XENMAPSPACE_dev_mmio)
        return -EACCES;
    if (rc)
        return rc;
    if (x.gpfn == INVALID_GFN)
        return -EINVAL;

    switch (x.space) {
    case XENMAPSPACE_shared_info:
        return domain_map_shared_info(d, x.idx, x.gpfn);
    case XENMAPSPACE_gmfn:
        domain_lock(d);
        rc = p2m_move_ram(&d->p2m, x.idx, x.gpfn);
        domain_unlock(d);
        return rc;
    case XENMAPSPACE_gmfn_range:
        return add_gmfn_range(d, &x, start);
    case XENMAPSPACE_grant_table:
        /* Under the domain lock like every physmap change here. */
        if (!d->gnttab)
            return -EINVAL;
        domain_lock(d);
        rc = d->state >= DOMAIN_DYING ? -EINVAL
                                      : gnttab_map_frame(d, x.idx, x.gpfn);
        domain_unlock(d);
        return rc;
    default:
        return -EINVAL;
    }
}

/* Removes ordinary RAM at gfn; gives the page back to the heap. */
static int remove_ram(struct domain *d, gfn_t gfn)
{
    enum p2m_type t;
    int rc;

    domain_lock(d);
    rc = p2m_lookup(&d->p2m, gfn, NULL, &t);
    if (rc)
        rc = -ENOENT; /* outside the window is just as empty */
    else if (t == p2m_special)
        /* A grant frame leaves the physmap and stays in the table, as in
         * Xen; anything else special is not the guest's to remove. */
        rc = gnttab_unmap_frame(d, gfn) == 0 ? 0 : -EOPNOTSUPP;
    else
        rc = p2m_remove_ram(&d->p2m, gfn);
    domain_unlock(d);
    return rc;
}

/*
 * shared_info is unhooked and kept, as in Xen. RAM is released: Xen only
 * unhooks it too, leaving a page the domain owns but cannot reach until
 * it dies; xhv keeps every owned page in the physmap, so it frees it.
 */
static long remove_from_physmap(struct vcpu *v, uint64_t arg, uint64_t start)
{
    struct domain *d = v->domain;
    struct xen_remove_from_physmap x;
    int rc;

    if (start)
        return -EINVAL;
    if (copy_from_guest(v, &x, arg, sizeof(x)))
        return -EFAULT;
    rc = memop_target(d, x.domid);
    if (rc)
        return rc;
    rc = domain_unmap_shared_info(d, x.gpfn);
    if (rc != -ENOENT)
        return rc;
    return remove_ram(d, x.gpfn);
}

long do_memory_op(struct vcpu *v, const struct hcall *h)
{
    unsigned int op = (unsigned int)(h->arg[0] & MEMOP_CMD_MASK);
    uint64_t start = h->arg[0] >> MEMOP_EXTENT_SHIFT;
    uint64_t arg = h->arg[1];

    switch (op) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return reservation_op(v, op, arg, start);
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_maximum_gpfn:
        return domain_size_op(v, op, arg, start);
    case XENMEM_add_to_physmap:
        return add_to_physmap(v, arg, start);
    case XENMEM_remove_from_physmap:
        return remove_from_physmap(v, arg, start);
    case XENMEM_memory_map:
        /* Xen's x86 code matches the whole command word for this one, so
         * a start extent makes it an unknown command. */
        return start ? -ENOSYS : memory_map(v, arg);
    default:
        return -ENOSYS;
    }
}
