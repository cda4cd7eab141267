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

/* KVM's own limit (KVM_MAX_CPUID_ENTRIES in the kernel, not in the uapi
 * headers): KVM_GET_SUPPORTED_CPUID never needs more, and KVM_SET_CPUID2
 * refuses more. */
#define KVM_MAX_ENTRIES       256
#define XEN_LEAF              0x40000000U
#define XEN_LEAVES            6 /* 0x40000000 .. 0x40000005 */
#define CPUID1_ECX_HYPERVISOR (1U << 31)

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

    /* Room for all KVM can return plus Xen's leaves, which are added after
     * KVM's own hypervisor leaves are dropped: asking for fewer than
     * KVM_MAX_ENTRIES would fail with E2BIG on a host with many leaves. */
    c = xhv_calloc(1, sizeof(*c) + (KVM_MAX_ENTRIES + XEN_LEAVES) *
                                       sizeof(c->entries[0]));
    if (!c)
        return -ENOMEM;
    c->nent = KVM_MAX_ENTRIES;
    rc = kvm_ioctl(kvm_dev_fd(), KVM_GET_SUPPORTED_CPUID, c);
    if (rc < 0)
        goto out;
    /* Drop the hypervisor range; Xen's leaves take its place. */
    for (i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];

        if ((e->function & 0xffff0000U) == XEN_LEAF)
            continue;
        /* KVM's list may lack the hypervisor bit (kvmtool and QEMU set it
         * themselves; Xen sets it for its guests) and carries the host's
         * APIC IDs: the vCPU's APIC ID is its id, as KVM's LAPIC has it. */
        if (e->function == 1) {
            e->ecx |= CPUID1_ECX_HYPERVISOR;
            e->ebx = (e->ebx & 0x00ffffffU) | (kv->v->id << 24);
        } else if (e->function == 0xb || e->function == 0x1f) {
            e->edx = kv->v->id; /* x2APIC ID */
        }
        c->entries[n++] = *e;
    }
    for (i = 0; i < XEN_LEAVES; i++)
        xen_leaf(&c->entries[n++], XEN_LEAF + i, kv);
    c->nent = n;
    rc = kvm_ioctl(kv->fd, KVM_SET_CPUID2, c);
out:
    xhv_free(c);
    return rc < 0 ? rc : 0;
}
