/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CPUID a vCPU sees: what the host's KVM supports, with KVM's own
 * paravirt leaves replaced by Xen's at 0x40000000 ("XenVMMXenVMM"), so a
 * guest finds Xen first. Per vCPU, because leaf 0x40000004 carries the
 * vCPU id.
 */
#include <errno.h>
#include <string.h>

#include "backend/kvm/private.h"
#include "hypercall/hypercall.h"
#include "lib/alloc.h"

#define MAX_ENTRIES 256
#define XEN_LEAF    0x40000000U
#define XEN_LEAVES  6 /* 0x40000000 .. 0x40000005 */

/* Leaf 0x40000004 eax bits (Xen's arch-x86/cpuid.h). */
#define XEN_HVM_CPUID_VCPU_ID_PRESENT (1U << 3)
#define XEN_HVM_CPUID_DOMID_PRESENT   (1U << 4)
#define XEN_HVM_CPUID_UPCALL_VECTOR   (1U << 6)

static void xen_leaf(struct kvm_cpuid_entry2 *e, uint32_t fn,
                     const struct kvm_vcpu *kv)
{
    memset(e, 0, sizeof(*e));
    e->function = fn;
    switch (fn - XEN_LEAF) {
    case 0:
        e->eax = XEN_LEAF + XEN_LEAVES - 1;
        e->ebx = 0x566e6558; /* "XenV" */
        e->ecx = 0x65584d4d; /* "MMXe" */
        e->edx = 0x4d4d566e; /* "nVMM" */
        break;
    case 1:
        e->eax = (XHV_XEN_MAJOR << 16) | XHV_XEN_MINOR;
        break;
    case 2:
        e->eax = 1; /* one hypercall page */
        e->ebx = XEN_HYPERCALL_MSR;
        break;
    case 4:
        e->eax = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
                 XEN_HVM_CPUID_UPCALL_VECTOR;
        e->ebx = kv->v->id;
        e->ecx = kv->v->domain->domid;
        break;
    default:
        break;
    }
}

int kvm_setup_cpuid(struct kvm_vcpu *kv)
{
    struct kvm_cpuid2 *c;
    uint32_t i, n = 0;
    int rc;

    c = xhv_calloc(1, sizeof(*c) + MAX_ENTRIES * sizeof(c->entries[0]));
    if (!c)
        return -ENOMEM;
    c->nent = MAX_ENTRIES - XEN_LEAVES;
    rc = kvm_ioctl(kvm_dev_fd(), KVM_GET_SUPPORTED_CPUID, c);
    if (rc < 0)
        goto out;
    /* Drop the hypervisor range; Xen's leaves take its place. */
    for (i = 0; i < c->nent; i++)
        if ((c->entries[i].function & 0xffff0000U) != XEN_LEAF)
            c->entries[n++] = c->entries[i];
    for (i = 0; i < XEN_LEAVES; i++)
        xen_leaf(&c->entries[n++], XEN_LEAF + i, kv);
    c->nent = n;
    rc = kvm_ioctl(kv->fd, KVM_SET_CPUID2, c);
out:
    xhv_free(c);
    return rc < 0 ? rc : 0;
}
