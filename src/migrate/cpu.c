/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CPU side of a domain's image: its CPUID and MSR policies among the
 * static data, its vCPUs' Xen HVM save records at the end, and on restore
 * the check that this host can run what the policy describes.
 *
 * A KVM guest's records come from its KVM vCPUs (backend/kvm/state.c).
 * A sim guest has no registers: its image carries the same records a KVM
 * guest's would, so every image has Xen's full record order, with values
 * that say so: the CPUID policy of this host's CPU (the cpuid instruction,
 * with the changes the KVM backend makes for its guests: the hypervisor
 * bit, APIC ID 0, Xen's leaves at 0x40000000), an MSR policy of zeros
 * (user space cannot read the host's ARCH_CAPABILITIES), and one CPU
 * record per vCPU in the x86 RESET state. The receiver checks their form
 * and, for a sim guest, uses none of them: a sim guest may move between
 * hosts of any CPU. docs/migration.md lists the records.
 *
 * Runs on the loop thread, with the domain held still (save) or not yet
 * running (restore).
 */
#include <cpuid.h>
#include <errno.h>
#include <string.h>

#include "backend/kvm/kvm.h"
#include "lib/alloc.h"
#include "migrate/private.h"

/* The KVM backend's hypervisor range: 0x40000000..0x40000005. */
#define XHV_HV_MAX_LEAF 0x40000005u

static void host_cpuid(void *opaque, uint32_t leaf, uint32_t subleaf,
                       uint32_t r[4])
{
    (void)opaque;
    if ((leaf & 0xffff0000u) == 0x40000000u) {
        /* Not the host's hypervisor: xhv's own Xen leaves. */
        memset(r, 0, 4 * sizeof(*r));
        if (leaf == 0x40000000u)
            r[0] = XHV_HV_MAX_LEAF;
        return;
    }
    __cpuid_count(leaf, subleaf, r[0], r[1], r[2], r[3]);
    if (leaf == 1) {
        r[2] |= 1u << 31;    /* hypervisor present */
        r[1] &= 0x00ffffffu; /* APIC ID 0 */
    } else if (leaf == 0xb) {
        r[3] = 0; /* x2APIC ID 0 */
    }
}

int migrate_write_policies(struct mig_writer *w, struct domain *d)
{
    struct mig_cpuid_leaf leaves[MIG_CPUID_POLICY_MAX];
    struct mig_msr_entry msrs[MIG_MSR_POLICY_MAX] = {
        {.idx = MIG_MSR_PLATFORM_INFO}, {.idx = MIG_MSR_ARCH_CAPABILITIES}};
    uint32_t nl, nm = MIG_MSR_POLICY_MAX;
    struct mig_iov iov;
    int rc = 0;

    if (kvm_domain_is(d))
        rc = kvm_domain_cpu_policy(d, leaves, &nl, msrs, &nm);
    else
        nl = mig_cpuid_policy_build(host_cpuid, NULL, leaves);
    if (rc)
        return rc;
    iov = (struct mig_iov){leaves, nl * sizeof(leaves[0])};
    rc = mig_write_record(w, MIG_REC_X86_CPUID_POLICY, &iov, 1);
    iov = (struct mig_iov){msrs, nm * sizeof(msrs[0])};
    if (!rc)
        rc = mig_write_record(w, MIG_REC_X86_MSR_POLICY, &iov, 1);
    return rc;
}

static int write_sim_context(struct mig_writer *w, struct domain *d)
{
    struct mig_hvm_ctx *ctx = xhv_calloc(1, sizeof(*ctx));
    struct mig_hvm_cpu reset;
    unsigned int i, b, c, e;
    int rc;

    if (!ctx)
        return -ENOMEM;
    mig_hvm_cpu_reset(&reset);
    ctx->hdr = (struct mig_hvm_save_header){.magic = MIG_HVM_FILE_MAGIC,
                                            .version = MIG_HVM_FILE_VERSION};
    __cpuid(1, ctx->hdr.cpuid, b, c, e);
    (void)b, (void)c, (void)e;
    ctx->nr_vcpus = d->nr_vcpus;
    for (i = 0; i < d->nr_vcpus; i++)
        ctx->vcpu[i].cpu = &reset;
    rc = mig_write_hvm_context(w, ctx);
    xhv_free(ctx);
    return rc;
}

static int write_kvm_context(struct mig_writer *w, struct domain *d)
{
    struct mig_hvm_ctx *ctx = xhv_calloc(1, sizeof(*ctx));
    struct kvm_saved *sv = NULL;
    unsigned int i;
    int rc = ctx ? kvm_domain_save_state(d, ctx, &sv) : -ENOMEM;

    if (!rc)
        rc = mig_write_hvm_context(w, ctx);
    for (i = 0; !rc && i < ctx->nr_vcpus; i++) {
        struct mig_iov iov = {kvm_saved_extra(sv, i),
                              sizeof(struct mig_xhv_kvm_vcpu)};

        rc = mig_write_record(w, MIG_REC_XHV_KVM_VCPU, &iov, 1);
    }
    kvm_saved_free(sv);
    xhv_free(ctx);
    return rc;
}

int migrate_write_cpu_state(struct mig_writer *w, struct domain *d)
{
    return kvm_domain_is(d) ? write_kvm_context(w, d) : write_sim_context(w, d);
}

int migrate_check_cpu_policy(uint8_t backend, const struct mig_item *it,
                             char *err, size_t errlen)
{
    /* A sim guest never sees CPUID: any host will do. */
    if (backend != MIG_BACKEND_KVM)
        return 0;
    return kvm_cpuid_policy_supported(it->u.cpuid.leaves, it->u.cpuid.count,
                                      err, errlen);
}
