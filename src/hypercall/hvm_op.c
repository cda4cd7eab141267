/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvm_op: HVM parameters, system time and the per-vCPU upcall vector, for
 * an unprivileged HVM/PVH guest acting on itself.
 *
 * Parameters live in d->hvm_params under the domain lock; unset ones read
 * as 0. Which ones a guest may set or read on itself follows Xen's rules:
 * a short list it may set (the callback, the xenstore and console event
 * channels, a few firmware values), a few more it may read (the xenstore
 * and console pages the toolstack placed), retired numbers refused with
 * -EINVAL, and everything else -EPERM. Another domain's parameters are
 * out of reach: an xhv guest is never privileged, so an existing foreign
 * domain is -EPERM and a missing one -ESRCH, which is what Xen tells an
 * unprivileged guest.
 *
 * Where xhv departs from Xen:
 *   - ACPI_IOPORTS_LOCATION is -ENODEV, Xen's answer for a domain without
 *     an emulated ACPI PM timer, which no xhv guest has;
 *   - a VM86 TSS value that Xen refuses by crashing the calling domain is
 *     only refused here (-EINVAL): a bad call changes nothing;
 *   - X87_FIP_WIDTH reads 0 ("the hypervisor chooses") until set, where
 *     Xen reads its own per-host default.
 * CALLBACK_IRQ is stored as given, as Xen does (an unknown type means "no
 * callback"); delivering upcalls through it, or through the upcall vector,
 * is the event channels' job.
 */
#include <errno.h>

#include "hypercall/hypercall.h"
#include "lib/log.h"
#include "time/time.h"

/* HVM_PARAM_VM86_TSS_SIZED: the size is in bits 63:32, and Xen marks a
 * value the guest changed in bit 63 (hidden from readers). */
#define VM86_TSS_UPDATED  (1ULL << 63)
#define VM86_TSS_MIN_SIZE 104 /* a 32-bit TSS */
#define VM86_TSS_OLD_SIZE 128 /* what HVM_PARAM_VM86_TSS implies */
/* The TSS, the interrupt redirection bitmap, the I/O bitmap, one pad. */
#define VM86_TSS_MAX_SIZE (VM86_TSS_MIN_SIZE + 0x100 / 8 + 0x10000 / 8 + 1)
#define UPCALL_VECTOR_MIN 0x10

/*
 * The domain a parameter call names, checked the way Xen checks an
 * unprivileged caller: 0 for the caller's own domain.
 */
static int param_domain(struct vcpu *v, uint16_t domid)
{
    struct domain *t;

    if (domid == DOMID_SELF || domid == v->domain->domid)
        return 0;
    t = domain_lookup_id(domid);
    if (!t)
        return -ESRCH;
    put_domain(t);
    return -EPERM;
}

static bool param_retired(uint32_t index)
{
    switch (index) {
    case HVM_PARAM_PAE_ENABLED:
    case HVM_PARAM_DM_DOMAIN:
    case HVM_PARAM_MEMORY_EVENT_CR0:
    case HVM_PARAM_MEMORY_EVENT_CR3:
    case HVM_PARAM_MEMORY_EVENT_CR4:
    case HVM_PARAM_MEMORY_EVENT_INT3:
    case HVM_PARAM_NESTEDHVM:
    case HVM_PARAM_MEMORY_EVENT_SINGLE_STEP:
    case HVM_PARAM_BUFIOREQ_EVTCHN:
    case HVM_PARAM_MEMORY_EVENT_MSR:
        return true;
    default:
        return false;
    }
}

/* What a guest may set on itself. The ones Xen lets be set only once are
 * all toolstack-only, so that rule never applies to a guest. */
static int param_allow_set(uint32_t index)
{
    switch (index) {
    case HVM_PARAM_CALLBACK_IRQ:
    case HVM_PARAM_VM86_TSS:
    case HVM_PARAM_VM86_TSS_SIZED:
    case HVM_PARAM_ACPI_IOPORTS_LOCATION:
    case HVM_PARAM_VM_GENERATION_ID_ADDR:
    case HVM_PARAM_STORE_EVTCHN:
    case HVM_PARAM_CONSOLE_EVTCHN:
    case HVM_PARAM_X87_FIP_WIDTH:
        return 0;
    case HVM_PARAM_ALTP2M:
        return -EEXIST; /* read-only */
    default:
        return param_retired(index) ? -EINVAL : -EPERM;
    }
}

static int param_allow_get(uint32_t index)
{
    switch (index) {
    case HVM_PARAM_CALLBACK_IRQ:
    case HVM_PARAM_VM86_TSS:
    case HVM_PARAM_VM86_TSS_SIZED:
    case HVM_PARAM_ACPI_IOPORTS_LOCATION:
    case HVM_PARAM_VM_GENERATION_ID_ADDR:
    case HVM_PARAM_STORE_PFN:
    case HVM_PARAM_STORE_EVTCHN:
    case HVM_PARAM_CONSOLE_PFN:
    case HVM_PARAM_CONSOLE_EVTCHN:
    case HVM_PARAM_ALTP2M:
    case HVM_PARAM_X87_FIP_WIDTH:
        return 0;
    default:
        return param_retired(index) ? -EINVAL : -EPERM;
    }
}

static void log_callback(struct domain *d, uint64_t via)
{
    unsigned int type =
        (unsigned int)(via >> HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT);

    if (type == HVM_PARAM_CALLBACK_TYPE_VECTOR)
        log_debug("hvm", "d%u: callback via vector %#x", d->domid,
                  (unsigned int)(uint8_t)via);
    else if (type == HVM_PARAM_CALLBACK_TYPE_GSI && (uint8_t)via)
        log_debug("hvm", "d%u: callback via GSI %u", d->domid,
                  (unsigned int)(uint8_t)via);
    else if (type == HVM_PARAM_CALLBACK_TYPE_PCI_INTX)
        log_debug("hvm", "d%u: callback via PCI INTx", d->domid);
    else
        log_debug("hvm", "d%u: callback via none", d->domid);
}

/*
 * Checks a value for index and gives what is stored, and where: the old
 * VM86_TSS is kept as a VM86_TSS_SIZED of the size old firmware assumes.
 */
static int param_check_value(uint32_t *index, uint64_t *value)
{
    uint64_t size = *value >> 32;

    switch (*index) {
    case HVM_PARAM_VM86_TSS:
        if (*value != (uint32_t)*value)
            return -EINVAL; /* the hardware would drop the high bits */
        if (*value)
            *value |= ((uint64_t)VM86_TSS_OLD_SIZE << 32) | VM86_TSS_UPDATED;
        *index = HVM_PARAM_VM86_TSS_SIZED;
        return 0;
    case HVM_PARAM_VM86_TSS_SIZED:
        if (size < VM86_TSS_MIN_SIZE)
            return -EINVAL;
        if (size > VM86_TSS_MAX_SIZE)
            *value = (uint32_t)*value | ((uint64_t)VM86_TSS_MAX_SIZE << 32);
        *value |= VM86_TSS_UPDATED;
        return 0;
    case HVM_PARAM_ACPI_IOPORTS_LOCATION:
        return -ENODEV;
    case HVM_PARAM_X87_FIP_WIDTH:
        return *value == 0 || *value == 4 || *value == 8 ? 0 : -EINVAL;
    default:
        return 0;
    }
}

static uint64_t param_read(struct domain *d, uint32_t index)
{
    uint64_t tss = d->hvm_params[HVM_PARAM_VM86_TSS_SIZED];

    domain_assert_locked(d);
    switch (index) {
    case HVM_PARAM_VM86_TSS:
        return (uint32_t)tss;
    case HVM_PARAM_VM86_TSS_SIZED:
        return tss & ~VM86_TSS_UPDATED;
    default:
        return d->hvm_params[index];
    }
}

/* The checks both directions share, in Xen's order. */
static int param_common(struct vcpu *v, const struct xen_hvm_param *a,
                        int (*allow)(uint32_t))
{
    int rc;

    if (a->index >= HVM_NR_PARAMS)
        return -EINVAL;
    rc = param_domain(v, a->domid);
    if (rc)
        return rc;
    return allow(a->index);
}

static long hvmop_set_param(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->domain;
    struct xen_hvm_param a;
    uint32_t index;
    uint64_t value;
    int rc;

    if (copy_from_guest(v, &a, arg, sizeof(a)))
        return -EFAULT;
    rc = param_common(v, &a, param_allow_set);
    if (rc)
        return rc;
    index = a.index;
    value = a.value;
    rc = param_check_value(&index, &value);
    if (rc)
        return rc;
    domain_lock(d);
    d->hvm_params[index] = value;
    domain_unlock(d);
    if (index == HVM_PARAM_CALLBACK_IRQ)
        log_callback(d, value);
    return 0;
}

static long hvmop_get_param(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->domain;
    struct xen_hvm_param a;
    int rc;

    if (copy_from_guest(v, &a, arg, sizeof(a)))
        return -EFAULT;
    rc = param_common(v, &a, param_allow_get);
    if (rc)
        return rc;
    domain_lock(d);
    a.value = param_read(d, a.index);
    domain_unlock(d);
    return copy_to_guest(v, arg, &a, sizeof(a)) ? -EFAULT : 0;
}

static long hvmop_get_time(struct vcpu *v, uint64_t arg)
{
    struct xen_hvm_get_time t = {.now = time_system_ns()};

    return copy_to_guest(v, arg, &t, sizeof(t)) ? -EFAULT : 0;
}

static long hvmop_set_evtchn_upcall_vector(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->domain;
    struct xen_hvm_evtchn_upcall_vector op;

    if (copy_from_guest(v, &op, arg, sizeof(op)))
        return -EFAULT;
    if (op.vector < UPCALL_VECTOR_MIN)
        return -EINVAL; /* exceptions and reserved vectors */
    if (op.vcpu >= d->nr_vcpus)
        return -ENOENT;
    /* Injecting an upcall already pending on the new vector comes with
     * event channels; until then only the choice is kept. */
    domain_lock(d);
    d->vcpus[op.vcpu]->upcall_vector = op.vector;
    domain_unlock(d);
    return 0;
}

long do_hvm_op(struct vcpu *v, const struct hcall *h)
{
    uint64_t arg = h->arg[1];

    switch (h->arg[0]) {
    case HVMOP_set_param:
        return hvmop_set_param(v, arg);
    case HVMOP_get_param:
        return hvmop_get_param(v, arg);
    case HVMOP_get_time:
        return hvmop_get_time(v, arg);
    case HVMOP_set_evtchn_upcall_vector:
        return hvmop_set_evtchn_upcall_vector(v, arg);
    default:
        return -ENOSYS;
    }
}
