/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vcpu_op: a guest's view of its own vCPUs. Bringing vCPUs up and down,
 * their runstate, their timers, and where their vcpu_info lives.
 *
 * Everything kept here is per-vCPU state in struct vcpu under the domain
 * lock. Running vCPUs is the backends' job. The timers are recorded here
 * as the guest set them and armed, in the same step under the domain
 * lock, through vcpu_singleshot_update() and vcpu_periodic_update(); the
 * timer thread (src/time/timer.c) then raises VIRQ_TIMER on the vCPU.
 *
 * VCPUOP_register_vcpu_info is the one place a vCPU's state moves into
 * guest memory. As in Xen the page is not trusted to stay: xhv takes a
 * general and a writable type reference on it (the guest may balloon the
 * gfn out, and the page then lives on, owned by the domain, until the
 * reference goes) and keeps v->vcpu_info pointing into xhv's own mapping
 * of that page. vcpu_info_reset() gives the references back; domain_kill()
 * calls it for every vCPU before any page is relinquished.
 *
 * Where xhv departs from Xen:
 *   - every vCPU counts as initialised, so VCPUOP_up works on any vCPU
 *     (VCPUOP_initialise is not implemented; xhv builds every vCPU's boot
 *     state itself);
 *   - register_vcpu_info accepts only ordinary writable RAM (Xen would
 *     also take, say, the shared_info frame);
 *   - register_runstate_memory_area with address 0 unregisters without
 *     writing to guest address 0.
 * The set_singleshot_timer "future" flag is ignored, as Xen 4.18 and
 * later ignore it: a deadline already past is due at once.
 */
#include <errno.h>
#include <string.h>

#include "hypercall/hypercall.h"
#include "time/time.h"

#define PERIOD_MIN_NS   1000000ULL        /* 1 ms */
#define PERIOD_MAX_NS   (UINT64_MAX >> 2) /* Xen's STIME_DELTA_MAX */
#define VCPU_INFO_ALIGN sizeof(xen_ulong_t)

/* v's runstate with the time since it entered its state counted in. */
static void runstate_snapshot(struct vcpu *v, struct vcpu_runstate_info *out)
{
    uint64_t now = time_system_ns();

    domain_assert_locked(v->domain);
    *out = v->runstate;
    out->time[out->state] += now - out->state_entry_time;
}

static long vcpu_up(struct vcpu *v)
{
    domain_lock(v->domain);
    if (!v->online) {
        v->online = true;
        vcpu_runstate_set(v, RUNSTATE_running, time_system_ns());
    }
    domain_unlock(v->domain);
    return 0;
}

/* Taking the last vCPU down powers the domain off, as in Xen; the vCPU
 * itself then stays up. */
static long vcpu_down(struct vcpu *v)
{
    struct domain *d = v->domain;
    bool others = false;
    unsigned int i;

    domain_lock(d);
    for (i = 0; i < d->nr_vcpus; i++)
        if (i != v->id && d->vcpus[i]->online)
            others = true;
    if (others && v->online) {
        v->online = false;
        vcpu_runstate_set(v, RUNSTATE_offline, time_system_ns());
    }
    domain_unlock(d);
    if (!others)
        domain_guest_shutdown(d, SHUTDOWN_POWEROFF); /* once is enough */
    return 0;
}

static long vcpu_is_up(struct vcpu *v)
{
    bool up;

    domain_lock(v->domain);
    up = v->online;
    domain_unlock(v->domain);
    return up;
}

static long get_runstate_info(struct vcpu *cur, struct vcpu *v, uint64_t arg)
{
    struct vcpu_runstate_info r;

    domain_lock(v->domain);
    runstate_snapshot(v, &r);
    domain_unlock(v->domain);
    return copy_to_guest(cur, arg, &r, sizeof(r)) ? -EFAULT : 0;
}

/*
 * The area is a guest-virtual address of v's, so it may be unmapped now
 * and mapped later: as in Xen a failed write is not the caller's error.
 */
static long register_runstate_area(struct vcpu *cur, struct vcpu *v,
                                   uint64_t arg)
{
    struct vcpu_register_runstate_memory_area area;
    struct vcpu_runstate_info r;

    if (copy_from_guest(cur, &area, arg, sizeof(area)))
        return -EFAULT;
    domain_lock(v->domain);
    v->runstate_gva = area.addr;
    runstate_snapshot(v, &r);
    domain_unlock(v->domain);
    if (area.addr)
        (void)copy_to_guest(v, area.addr, &r, sizeof(r));
    return 0;
}

static long set_periodic_timer(struct vcpu *cur, struct vcpu *v, uint64_t arg)
{
    struct vcpu_set_periodic_timer set;
    long rc;

    if (copy_from_guest(cur, &set, arg, sizeof(set)))
        return -EFAULT;
    if (set.period_ns < PERIOD_MIN_NS || set.period_ns > PERIOD_MAX_NS)
        return -EINVAL;
    domain_lock(v->domain);
    v->periodic_ns = set.period_ns;
    rc = vcpu_periodic_update(v, time_system_ns());
    domain_unlock(v->domain);
    return rc;
}

static long stop_periodic_timer(struct vcpu *v)
{
    domain_lock(v->domain);
    v->periodic_ns = 0;
    vcpu_periodic_update(v, 0);
    domain_unlock(v->domain);
    return 0;
}

/* Only a vCPU's own single-shot timer may be set or stopped (Xen's rule:
 * it is tied to the CPU the vCPU runs on). */
static long set_singleshot_timer(struct vcpu *cur, struct vcpu *v, uint64_t arg)
{
    struct vcpu_set_singleshot_timer set;
    long rc;

    if (v != cur)
        return -EINVAL;
    if (copy_from_guest(cur, &set, arg, sizeof(set)))
        return -EFAULT;
    domain_lock(v->domain);
    v->singleshot_deadline = set.timeout_abs_ns;
    v->singleshot_armed = true;
    rc = vcpu_singleshot_update(v); /* replaces the one set before */
    domain_unlock(v->domain);
    return rc;
}

static long stop_singleshot_timer(struct vcpu *cur, struct vcpu *v)
{
    if (v != cur)
        return -EINVAL;
    domain_lock(v->domain);
    v->singleshot_armed = false;
    vcpu_singleshot_update(v);
    domain_unlock(v->domain);
    return 0;
}

/*
 * The page at gfn, referenced and typed writable. Only ordinary RAM will
 * do. Between the lookup and get_page() the guest could balloon the gfn
 * out; get_page() then fails (page freed) or, if the page came back to
 * the same domain elsewhere, succeeds on a page the guest still owns,
 * which hurts nobody but the guest.
 */
static int area_get_page(struct domain *d, gfn_t gfn, struct page_info **out)
{
    struct page_info *pg;
    enum p2m_type t;
    mfn_t mfn;

    if (p2m_lookup(&d->p2m, gfn, &mfn, &t) || t != p2m_ram_rw)
        return -EINVAL;
    pg = mfn_to_page(mfn);
    if (get_page(pg, &d->mm))
        return -EINVAL;
    if (get_page_type(pg, PGT_writable_page)) {
        put_page(pg);
        return -EACCES;
    }
    *out = pg;
    return 0;
}

/* xhv's own mapping of the area: valid while pg is referenced. */
static struct xen_vcpu_info *area_virt(struct page_info *pg, uint32_t offset)
{
    uint8_t *page = mfn_to_virt(page_to_mfn(pg));

    return (struct xen_vcpu_info *)(page + offset);
}

static bool vcpu_info_registered(struct vcpu *v)
{
    bool r;

    domain_lock(v->domain);
    r = v->vcpu_info_page != NULL;
    domain_unlock(v->domain);
    return r;
}

/*
 * Moves v's vcpu_info to info (in pg), carrying over what the old one
 * held. Then everything is marked pending, as Xen does, so an event that
 * arrived meanwhile is not lost: the guest rescans and copes with a
 * spurious upcall. Domain lock held.
 */
static int vcpu_info_move(struct vcpu *v, struct page_info *pg, gfn_t gfn,
                          struct xen_vcpu_info *info)
{
    domain_assert_locked(v->domain);
    if (v->domain->state >= DOMAIN_DYING)
        return -ESRCH; /* domain_kill() has reset it already */
    if (v->vcpu_info_page)
        return -EBUSY;
    /* Event delivery uses vcpu_info under the event-channel lock only: it
     * must not set a bit in the old one after the copy. */
    evtchn_lock(&v->domain->evtchn);
    if (v->vcpu_info == &v->dummy_vcpu_info)
        memset(info, 0, sizeof(*info));
    else
        memcpy(info, v->vcpu_info, sizeof(*info));
    v->vcpu_info = info;
    v->vcpu_info_page = pg;
    v->vcpu_info_gfn = gfn;
    __atomic_store_n(&info->evtchn_pending_sel, ~(xen_ulong_t)0,
                     __ATOMIC_RELAXED);
    /* The selector before the flag: a guest that sees the flag scans. */
    __atomic_store_n(&info->evtchn_upcall_pending, 1, __ATOMIC_RELEASE);
    evtchn_unlock(&v->domain->evtchn);
    return 0;
}

static long register_vcpu_info(struct vcpu *cur, struct vcpu *v, uint64_t arg)
{
    struct vcpu_register_vcpu_info info;
    struct page_info *pg;
    uint64_t gaddr;
    int rc;

    if (copy_from_guest(cur, &info, arg, sizeof(info)))
        return -EFAULT;
    /* offset must stay inside the frame, and the address must exist. */
    gaddr = (info.mfn << PAGE_SHIFT) + info.offset;
    if (gaddr == UINT64_MAX || gaddr >> PAGE_SHIFT != info.mfn)
        return -EINVAL;
    if (vcpu_info_registered(v))
        return -EBUSY; /* checked again under the lock */
    if (info.offset + sizeof(struct xen_vcpu_info) > PAGE_SIZE ||
        info.offset % VCPU_INFO_ALIGN)
        return -ENXIO;
    rc = area_get_page(v->domain, info.mfn, &pg);
    if (rc)
        return rc;
    domain_lock(v->domain);
    rc = vcpu_info_move(v, pg, info.mfn, area_virt(pg, info.offset));
    domain_unlock(v->domain);
    if (rc) {
        put_page_and_type(pg);
        return rc;
    }
    time_update_vcpu(v);
    return 0;
}

long do_vcpu_op(struct vcpu *cur, const struct hcall *h)
{
    /* Xen's prototype takes (int cmd, unsigned int vcpuid, ...): the high
     * halves of the registers are not looked at. */
    uint32_t cmd = (uint32_t)h->arg[0], vcpuid = (uint32_t)h->arg[1];
    uint64_t arg = h->arg[2];
    struct domain *d = cur->domain;
    struct vcpu *v;

    /* nr_vcpus and the vcpus array are fixed once the domain is built. */
    if (vcpuid >= d->nr_vcpus)
        return -ENOENT;
    v = d->vcpus[vcpuid];

    switch (cmd) {
    case VCPUOP_up:
        return vcpu_up(v);
    case VCPUOP_down:
        return vcpu_down(v);
    case VCPUOP_is_up:
        return vcpu_is_up(v);
    case VCPUOP_get_runstate_info:
        return get_runstate_info(cur, v, arg);
    case VCPUOP_register_runstate_memory_area:
        return register_runstate_area(cur, v, arg);
    case VCPUOP_set_periodic_timer:
        return set_periodic_timer(cur, v, arg);
    case VCPUOP_stop_periodic_timer:
        return stop_periodic_timer(v);
    case VCPUOP_set_singleshot_timer:
        return set_singleshot_timer(cur, v, arg);
    case VCPUOP_stop_singleshot_timer:
        return stop_singleshot_timer(cur, v);
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(cur, v, arg);
    default:
        return -ENOSYS;
    }
}
