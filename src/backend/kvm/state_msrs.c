/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MSRs of a KVM vCPU that Xen's save records carry, and where each
 * lives: in the CPU record (SYSENTER, the SYSCALL MSRs, KERNEL_GS_BASE,
 * TSC_AUX, TSC), MTRR (PAT and the MTRRs), LAPIC (TSC_DEADLINE),
 * XHV_KVM_VCPU (TSC_ADJUST, MISC_ENABLE) or CPU_MSR (Xen's own list, in
 * its order). One table drives both directions; pure, like
 * state_conv.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/kvm/private.h"

enum msr_home { IN_CPU, IN_MTRR, IN_LAPIC, IN_EXTRA, IN_MSR_REC };

struct msr_map {
    uint32_t index;
    uint8_t home;
    uint16_t off; /* of the u64 in its record */
};

/* Kept as a table by hand (clang-format would put one entry a line). */
/* clang-format off */
#define CPU(i, f)   {i, IN_CPU, offsetof(struct mig_hvm_cpu, f)}
#define MTRR(i, f)  {i, IN_MTRR, offsetof(struct mig_hvm_mtrr, f)}
#define VAR(n)      MTRR(0x200 + (n), msr_mtrr_var[n])
#define FIX(i, n)   MTRR(i, msr_mtrr_fixed[n])
#define EXTRA(i, f) {i, IN_EXTRA, offsetof(struct mig_xhv_kvm_vcpu, f)}
#define REC(i)      {i, IN_MSR_REC, 0}

static const struct msr_map msr_map[] = {
    CPU(0x10, tsc),
    CPU(0x174, sysenter_cs), CPU(0x175, sysenter_esp),
    CPU(0x176, sysenter_eip),
    CPU(0xc0000081, msr_star), CPU(0xc0000082, msr_lstar),
    CPU(0xc0000083, msr_cstar), CPU(0xc0000084, msr_syscall_mask),
    CPU(0xc0000102, shadow_gs), CPU(0xc0000103, msr_tsc_aux),
    MTRR(0x277, msr_pat_cr), MTRR(0xfe, msr_mtrr_cap),
    MTRR(0x2ff, msr_mtrr_def_type),
    VAR(0), VAR(1), VAR(2), VAR(3), VAR(4), VAR(5), VAR(6), VAR(7),
    VAR(8), VAR(9), VAR(10), VAR(11), VAR(12), VAR(13), VAR(14), VAR(15),
    FIX(0x250, 0), FIX(0x258, 1), FIX(0x259, 2), FIX(0x268, 3),
    FIX(0x269, 4), FIX(0x26a, 5), FIX(0x26b, 6), FIX(0x26c, 7),
    FIX(0x26d, 8), FIX(0x26e, 9), FIX(0x26f, 10),
    {0x6e0, IN_LAPIC, offsetof(struct mig_hvm_lapic, tdt_msr)},
    EXTRA(0x3b, tsc_adjust), EXTRA(0x1a0, misc_enable),
    /* Xen's CPU_MSR list, in its order: SPEC_CTRL, MISC_FEATURES_ENABLES,
     * PKRS, BNDCFGS, XSS, VIRT_SPEC_CTRL, DR0..3_ADDRESS_MASK. */
    REC(0x48), REC(0x140), REC(0x6e1), REC(0xd90), REC(0xda0),
    REC(0xc001011f), REC(0xc0011027), REC(0xc0011019), REC(0xc001101a),
    REC(0xc001101b),
};
/* clang-format on */
_Static_assert(sizeof(msr_map) / sizeof(msr_map[0]) <= KVM_STATE_MAX_MSRS,
               "the MSR list fits a snapshot");

#define MTRRCAP 0xfeu

unsigned int kvm_state_msr_list(uint32_t *idx)
{
    unsigned int i, n = sizeof(msr_map) / sizeof(msr_map[0]);

    for (i = 0; i < n; i++)
        idx[i] = msr_map[i].index;
    return n;
}

static const struct msr_map *msr_find(uint32_t index)
{
    size_t i;

    for (i = 0; i < sizeof(msr_map) / sizeof(msr_map[0]); i++)
        if (msr_map[i].index == index)
            return &msr_map[i];
    return NULL;
}

/* The record an MSR lives in, or NULL. */
static void *msr_home(const struct msr_map *m, void *cpu, void *mtrr,
                      void *lapic, void *extra)
{
    void *base = m->home == IN_CPU     ? cpu
                 : m->home == IN_MTRR  ? mtrr
                 : m->home == IN_LAPIC ? lapic
                 : m->home == IN_EXTRA ? extra
                                       : NULL;

    return base ? (uint8_t *)base + m->off : NULL;
}

void kvm_state_msrs_to_xen(const struct kvm_vcpu_snapshot *s,
                           struct kvm_xen_vcpu *x)
{
    uint32_t i;

    for (i = 0; i < s->nr_msrs; i++) {
        const struct msr_map *m = msr_find(s->msrs[i].index);
        uint64_t *p;

        if (!m)
            continue;
        if (m->home == IN_MSR_REC) {
            /* Xen sends only the ones that are not zero. */
            if (s->msrs[i].data && x->nr_msrs < KVM_XEN_MAX_CPU_MSRS)
                x->msrs[x->nr_msrs++] = (struct mig_hvm_msr){
                    .index = m->index, .val = s->msrs[i].data};
            continue;
        }
        p = msr_home(m, &x->cpu, &x->mtrr, &x->lapic, &x->extra);
        memcpy(p, &s->msrs[i].data, 8);
    }
}

void kvm_state_msrs_from_xen(const struct mig_hvm_vcpu *x,
                             const struct mig_xhv_kvm_vcpu *e,
                             struct kvm_vcpu_snapshot *s)
{
    size_t i;

    s->nr_msrs = 0;
    for (i = 0; i < sizeof(msr_map) / sizeof(msr_map[0]); i++) {
        const struct msr_map *m = &msr_map[i];
        const void *p;

        if (m->home == IN_MSR_REC || m->index == MTRRCAP)
            continue;
        p = msr_home(m, (void *)x->cpu, (void *)x->mtrr, (void *)x->lapic,
                     (void *)e);
        if (!p)
            continue; /* the record is absent: KVM keeps its reset value */
        s->msrs[s->nr_msrs].index = m->index;
        memcpy(&s->msrs[s->nr_msrs++].data, p, 8);
    }
    for (i = 0; i < x->nr_msrs && s->nr_msrs < KVM_STATE_MAX_MSRS; i++)
        s->msrs[s->nr_msrs++] = (struct kvm_msr_entry){
            .index = x->msrs[i].index, .data = x->msrs[i].val};
}

int kvm_state_msrs_filter(struct kvm_vcpu_snapshot *s, const uint32_t *have,
                          uint32_t nhave, char *err, size_t errlen)
{
    uint32_t i, j, n = 0;

    for (i = 0; i < s->nr_msrs; i++) {
        bool ok = false;

        for (j = 0; j < nhave && !ok; j++)
            ok = have[j] == s->msrs[i].index;
        if (ok) {
            s->msrs[n++] = s->msrs[i];
            continue;
        }
        /* An MSR this KVM cannot restore matters only if it was used. */
        if (s->msrs[i].data) {
            snprintf(err, errlen,
                     "MSR %#x is %#llx in the guest, and this host's KVM "
                     "cannot restore it",
                     s->msrs[i].index, (unsigned long long)s->msrs[i].data);
            return -EOPNOTSUPP;
        }
    }
    s->nr_msrs = n;
    return 0;
}
