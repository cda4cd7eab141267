/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * grant_table_op (hypercall 20): (cmd, arg, count) with arg the guest
 * address of count argument blocks.
 *
 *   setup_table, query_size, get_status_frames, get_version   look
 *   set_version                                               v1 <-> v2
 *   map_grant_ref, unmap_grant_ref                            batches
 *   copy                                                      batches
 *
 * Errors come in two layers, as in Xen: the hypercall's result is an
 * errno for a call that cannot be read at all (a bad cmd or count, an
 * unreadable block: -EINVAL, -EFAULT), and each block's status field
 * carries a GNTST_* code for what happened to that op. A batch stops at
 * the first block it cannot read or write back (-EFAULT), having done
 * the ones before it.
 *
 * Xen preempts long batches with a continuation; xhv does a batch in one
 * call and refuses one of more than GNTTAB_MAX_BATCH blocks (-EINVAL), a
 * bound far above what a frontend submits at once (Linux batches by the
 * page of blocks) that keeps any one call's time bounded.
 *
 * Who: an unprivileged guest looks at and changes only its own table:
 * dom is DOMID_SELF or its own id; another domain's is
 * GNTST_permission_denied, one that does not exist GNTST_bad_domain.
 * Guest memory is read and written only with copy_from_guest() and
 * copy_to_guest(), never with a grant-table lock held.
 */
#include <errno.h>
#include <stddef.h>

#include "gnttab/gnttab.h"
#include "hypercall/hypercall.h"
#include "xhv/public/grant_table.h"

#define GNTTAB_MAX_BATCH 4096U

/* GNTST_okay when dom names the caller, else why not. */
static int16_t gnt_target(struct domain *d, xen_domid_t dom)
{
    struct domain *other;

    if (dom == DOMID_SELF || dom == d->domid)
        return GNTST_okay;
    other = domain_lookup_id(dom);
    if (!other)
        return GNTST_bad_domain;
    put_domain(other);
    return GNTST_permission_denied;
}

/* Writes back the 16-bit status field at offset off of the block at gva. */
static int put_status(struct vcpu *v, uint64_t gva, size_t off, int16_t st)
{
    return copy_to_guest(v, gva + off, &st, sizeof(st)) ? -EFAULT : 0;
}

/* Writes the frames' gfns (INVALID_GFN for one not in the physmap: xhv
 * never gives a guest an MFN) to list; GNTST_bad_virt_addr if it cannot. */
static int16_t put_frames(struct vcpu *v, bool status, uint32_t nr,
                          uint64_t list)
{
    uint32_t i;
    gfn_t gfn;

    for (i = 0; i < nr; i++) {
        if (gnttab_frame_gfn(v->domain, status, i, &gfn))
            return GNTST_general_error;
        if (list + (uint64_t)i * 8 < list ||
            copy_to_guest(v, list + (uint64_t)i * 8, &gfn, sizeof(gfn)))
            return GNTST_bad_virt_addr;
    }
    return GNTST_okay;
}

static long setup_table(struct vcpu *v, uint64_t arg, uint32_t count)
{
    struct gnttab_setup_table op;
    uint32_t nr, max;

    if (count != 1)
        return -EINVAL;
    if (copy_from_guest(v, &op, arg, sizeof(op)))
        return -EFAULT;
    op.status = gnt_target(v->domain, op.dom);
    if (op.status == GNTST_okay) {
        gnttab_query(v->domain, &nr, &max);
        if (op.nr_frames > max || gnttab_grow(v->domain, op.nr_frames))
            op.status = GNTST_general_error;
        else
            op.status = put_frames(v, false, op.nr_frames, op.frame_list);
    }
    return put_status(v, arg, offsetof(struct gnttab_setup_table, status),
                      op.status);
}

static long query_size(struct vcpu *v, uint64_t arg, uint32_t count)
{
    struct gnttab_query_size op;

    if (count != 1)
        return -EINVAL;
    if (copy_from_guest(v, &op, arg, sizeof(op)))
        return -EFAULT;
    op.status = gnt_target(v->domain, op.dom);
    if (op.status == GNTST_okay)
        gnttab_query(v->domain, &op.nr_frames, &op.max_nr_frames);
    return copy_to_guest(v, arg, &op, sizeof(op)) ? -EFAULT : 0;
}

static long set_version(struct vcpu *v, uint64_t arg)
{
    struct gnttab_set_version op;
    long rc;

    if (copy_from_guest(v, &op, arg, sizeof(op)))
        return -EFAULT;
    rc = gnttab_set_version(v->domain, op.version, &op.version);
    /* The version in force goes back whether or not the switch worked. */
    if (copy_to_guest(v, arg, &op, sizeof(op)))
        return -EFAULT;
    return rc;
}

static long get_version(struct vcpu *v, uint64_t arg)
{
    struct gnttab_get_version op;

    if (copy_from_guest(v, &op, arg, sizeof(op)))
        return -EFAULT;
    /* Xen answers this one with an errno, not a status. */
    switch (gnt_target(v->domain, op.dom)) {
    case GNTST_okay:
        break;
    case GNTST_bad_domain:
        return -ESRCH;
    default:
        return -EPERM;
    }
    op.version = gnttab_get_version(v->domain);
    return copy_to_guest(v, arg + offsetof(struct gnttab_get_version, version),
                         &op.version, sizeof(op.version))
               ? -EFAULT
               : 0;
}

static long get_status_frames(struct vcpu *v, uint64_t arg, uint32_t count)
{
    struct gnttab_get_status_frames op;

    if (count != 1)
        return -EINVAL;
    if (copy_from_guest(v, &op, arg, sizeof(op)))
        return -EFAULT;
    op.status = gnt_target(v->domain, op.dom);
    if (op.status == GNTST_okay) {
        if (op.nr_frames > gnttab_nr_status_frames(v->domain))
            op.status = GNTST_general_error;
        else
            op.status = put_frames(v, true, op.nr_frames, op.frame_list);
    }
    return put_status(v, arg, offsetof(struct gnttab_get_status_frames, status),
                      op.status);
}

/* The address of block i of size sz from arg, or -EFAULT if it wraps. */
static int block_at(uint64_t arg, uint32_t i, size_t sz, uint64_t *gva)
{
    uint64_t off = (uint64_t)i * sz;

    if (arg + off < arg || arg + off + sz < arg + off)
        return -EFAULT;
    *gva = arg + off;
    return 0;
}

static long map_batch(struct vcpu *v, uint64_t arg, uint32_t count)
{
    struct gnttab_map_grant_ref op;
    uint64_t gva;
    uint32_t i;

    for (i = 0; i < count; i++) {
        if (block_at(arg, i, sizeof(op), &gva) ||
            copy_from_guest(v, &op, gva, sizeof(op)))
            return -EFAULT;
        gnttab_map(v->domain, &op);
        /* A mapping the guest cannot learn the handle of stays until it
         * dies, as in Xen. */
        if (copy_to_guest(v, gva, &op, sizeof(op)))
            return -EFAULT;
    }
    return 0;
}

static long unmap_batch(struct vcpu *v, uint64_t arg, uint32_t count)
{
    struct gnttab_unmap_grant_ref op;
    uint64_t gva;
    uint32_t i;

    for (i = 0; i < count; i++) {
        if (block_at(arg, i, sizeof(op), &gva) ||
            copy_from_guest(v, &op, gva, sizeof(op)))
            return -EFAULT;
        gnttab_unmap(v->domain, &op);
        if (put_status(v, gva, offsetof(struct gnttab_unmap_grant_ref, status),
                       op.status))
            return -EFAULT;
    }
    return 0;
}

static long copy_batch(struct vcpu *v, uint64_t arg, uint32_t count)
{
    struct gnttab_copy op;
    uint64_t gva;
    uint32_t i;

    for (i = 0; i < count; i++) {
        if (block_at(arg, i, sizeof(op), &gva) ||
            copy_from_guest(v, &op, gva, sizeof(op)))
            return -EFAULT;
        op.status = gnttab_copy(v->domain, &op);
        if (put_status(v, gva, offsetof(struct gnttab_copy, status), op.status))
            return -EFAULT;
    }
    return 0;
}

long do_grant_table_op(struct vcpu *v, const struct hcall *h)
{
    uint64_t cmd = h->arg[0], arg = h->arg[1];
    /* Xen takes count as an unsigned int and refuses "negative" ones. */
    uint32_t count = (uint32_t)h->arg[2];

    if (!v->domain->gnttab)
        return -ENOSYS; /* a domain rebuilt without a table */
    if ((cmd & ~(uint64_t)GNTTABOP_CMD_MASK) || (int32_t)count < 0)
        return -EINVAL;
    switch (cmd) {
    case GNTTABOP_setup_table:
        return setup_table(v, arg, count);
    case GNTTABOP_query_size:
        return query_size(v, arg, count);
    case GNTTABOP_set_version:
        return set_version(v, arg);
    case GNTTABOP_get_version:
        return get_version(v, arg);
    case GNTTABOP_get_status_frames:
        return get_status_frames(v, arg, count);
    case GNTTABOP_map_grant_ref:
    case GNTTABOP_unmap_grant_ref:
    case GNTTABOP_copy:
        break;
    default:
        /* transfer, dump_table, unmap_and_replace, swap_grant_ref,
         * cache_flush: not for a translated guest on xhv (yet). */
        return -ENOSYS;
    }
    if (count > GNTTAB_MAX_BATCH)
        return -EINVAL;
    if (cmd == GNTTABOP_map_grant_ref)
        return map_batch(v, arg, count);
    if (cmd == GNTTABOP_unmap_grant_ref)
        return unmap_batch(v, arg, count);
    return copy_batch(v, arg, count);
}
