/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A KVM domain's vCPU state and CPU policies for the migration stream:
 * the ioctls (KVM_GET/SET_REGS, SREGS, DEBUGREGS, VCPU_EVENTS, MP_STATE,
 * LAPIC, XCRS, XSAVE(2) or FPU, MSRS; KVM_GET_CPUID2) around the pure
 * conversions of state_conv.c.
 *
 * Status: written against the KVM API and built, never run (no machine of
 * this project has had /dev/kvm). Nothing calls the save and load paths
 * yet: migrate_check() refuses KVM domains, since the backend cannot hold
 * a running vCPU still (docs/kvm.md). Both need the vCPU threads stopped:
 * a vCPU's ioctls wait for its KVM_RUN to return.
 *
 * Only vCPU 0 is ever created in KVM; the others are written in their
 * RESET state, and on load a vCPU KVM does not have must be in that state
 * (mp_state UNINITIALIZED) or the load is refused.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/kvm/private.h"
#include "lib/alloc.h"

#define CPUID_ENTRIES 512 /* more than KVM ever returns (its limit: 256) */

struct kvm_saved {
    unsigned int nr;
    struct kvm_xen_vcpu v[];
};

bool kvm_domain_is(const struct domain *d)
{
    return d->backend && !strcmp(d->backend->name, "kvm");
}

/* ---- what this KVM has ------------------------------------------------------
 */

static int get_cpuid(int fd, unsigned long req, struct kvm_cpuid2 **out)
{
    struct kvm_cpuid2 *c =
        xhv_calloc(1, sizeof(*c) + CPUID_ENTRIES * sizeof(c->entries[0]));
    int rc;

    if (!c)
        return -ENOMEM;
    c->nent = CPUID_ENTRIES;
    rc = kvm_ioctl(fd, req, c);
    if (rc < 0) {
        xhv_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* The MSRs KVM saves and restores (KVM_GET_MSR_INDEX_LIST). */
static int msr_index_list(struct kvm_msr_list **out)
{
    struct kvm_msr_list probe = {0}, *l;
    int rc = kvm_ioctl(kvm_dev_fd(), KVM_GET_MSR_INDEX_LIST, &probe);

    if (rc < 0 && rc != -E2BIG)
        return rc;
    l = xhv_calloc(1, sizeof(*l) + probe.nmsrs * sizeof(l->indices[0]));
    if (!l)
        return -ENOMEM;
    l->nmsrs = probe.nmsrs;
    rc = kvm_ioctl(kvm_dev_fd(), KVM_GET_MSR_INDEX_LIST, l);
    if (rc < 0) {
        xhv_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

static bool listed(const struct kvm_msr_list *l, uint32_t index)
{
    uint32_t i;

    for (i = 0; i < l->nmsrs; i++)
        if (l->indices[i] == index)
            return true;
    return false;
}

/* The XSAVE buffer size KVM uses for this VM, 0 without XSAVE. */
static uint32_t xsave_size(const struct kvm_dom *kd, bool *v2)
{
    int rc = kvm_ioctl(kd->vm_fd, KVM_CHECK_EXTENSION,
                       (void *)(uintptr_t)KVM_CAP_XSAVE2);

    *v2 = rc > 0;
    if (rc > 0)
        return (uint32_t)rc;
    rc = kvm_ioctl(kvm_dev_fd(), KVM_CHECK_EXTENSION,
                   (void *)(uintptr_t)KVM_CAP_XSAVE);
    return rc > 0 ? sizeof(struct kvm_xsave) : 0;
}

/* ---- policies ---------------------------------------------------------------
 */

int kvm_domain_cpu_policy(struct domain *d, struct mig_cpuid_leaf *leaves,
                          uint32_t *nr_leaves, struct mig_msr_entry *msrs,
                          uint32_t *nr_msrs)
{
    struct kvm_dom *kd = d->backend_priv;
    struct kvm_msrs *m;
    struct kvm_cpuid2 *c;
    int rc;

    if (!kd || kd->vcpus[0].fd < 0)
        return -ENODEV;
    rc = get_cpuid(kd->vcpus[0].fd, KVM_GET_CPUID2, &c);
    if (rc)
        return rc;
    *nr_leaves = mig_cpuid_policy_build(kvm_cpuid_lookup, c, leaves);
    xhv_free(c);
    m = xhv_calloc(1, sizeof(*m) + 2 * sizeof(m->entries[0]));
    if (!m)
        return -ENOMEM;
    m->nmsrs = 2;
    m->entries[0].index = MIG_MSR_PLATFORM_INFO;
    m->entries[1].index = MIG_MSR_ARCH_CAPABILITIES;
    /* Both MSRs, as Xen always sends both; one KVM cannot read is 0 (it
     * stops at the first it cannot). */
    rc = kvm_ioctl(kd->vcpus[0].fd, KVM_GET_MSRS, m);
    if (rc >= 0) {
        msrs[0] = (struct mig_msr_entry){
            .idx = MIG_MSR_PLATFORM_INFO,
            .val = rc > 0
                       ? m->entries[0].data & MIG_PLATFORM_INFO_CPUID_FAULTING
                       : 0};
        msrs[1] =
            (struct mig_msr_entry){.idx = MIG_MSR_ARCH_CAPABILITIES,
                                   .val = rc > 1 ? m->entries[1].data : 0};
        *nr_msrs = 2;
        rc = 0;
    }
    xhv_free(m);
    return rc;
}

int kvm_cpuid_policy_supported(const struct mig_cpuid_leaf *l, uint32_t n,
                               char *err, size_t errlen)
{
    struct mig_cpuid_leaf have[MIG_CPUID_POLICY_MAX];
    struct kvm_cpuid2 *c;
    uint32_t nh;
    int rc;

    if (kvm_dev_fd() < 0)
        return -ENODEV;
    rc = get_cpuid(kvm_dev_fd(), KVM_GET_SUPPORTED_CPUID, &c);
    if (rc)
        return rc;
    nh = mig_cpuid_policy_build(kvm_cpuid_lookup, c, have);
    xhv_free(c);
    return mig_cpuid_policy_compat(l, n, have, nh, err, errlen);
}

/* ---- save -------------------------------------------------------------------
 */

static int get_msrs(int fd, const struct kvm_msr_list *have,
                    struct kvm_vcpu_snapshot *s)
{
    uint32_t idx[KVM_STATE_MAX_MSRS];
    unsigned int i, n = kvm_state_msr_list(idx);
    struct kvm_msrs *m =
        xhv_calloc(1, sizeof(*m) + KVM_STATE_MAX_MSRS * sizeof(m->entries[0]));
    int rc;

    if (!m)
        return -ENOMEM;
    for (i = 0; i < n; i++)
        if (listed(have, idx[i]))
            m->entries[m->nmsrs++].index = idx[i];
    rc = kvm_ioctl(fd, KVM_GET_MSRS, m);
    /* KVM stops at the first MSR it cannot read. */
    if (rc >= 0 && (uint32_t)rc != m->nmsrs)
        rc = -EIO;
    if (rc >= 0) {
        s->nr_msrs = m->nmsrs;
        memcpy(s->msrs, m->entries, m->nmsrs * sizeof(m->entries[0]));
        rc = 0;
    }
    xhv_free(m);
    return rc;
}

static int get_fp(int fd, uint32_t xsz, bool v2, struct kvm_vcpu_snapshot *s)
{
    struct kvm_xcrs xcrs = {0};
    uint32_t i;
    int rc;

    s->xcr0 = 1;
    if (!xsz)
        return kvm_ioctl(fd, KVM_GET_FPU, &s->fpu);
    rc = kvm_ioctl(fd, v2 ? KVM_GET_XSAVE2 : KVM_GET_XSAVE, s->xsave);
    if (rc >= 0 && kvm_ioctl(kvm_dev_fd(), KVM_CHECK_EXTENSION,
                             (void *)(uintptr_t)KVM_CAP_XCRS) > 0)
        rc = kvm_ioctl(fd, KVM_GET_XCRS, &xcrs);
    for (i = 0; rc >= 0 && i < xcrs.nr_xcrs && i < KVM_MAX_XCRS; i++)
        if (xcrs.xcrs[i].xcr == 0)
            s->xcr0 = xcrs.xcrs[i].value;
    return rc;
}

static int snapshot(int fd, const struct kvm_msr_list *have, uint32_t xsz,
                    bool v2, struct kvm_vcpu_snapshot *s)
{
    int rc = kvm_ioctl(fd, KVM_GET_REGS, &s->regs);

    if (rc >= 0)
        rc = kvm_ioctl(fd, KVM_GET_SREGS, &s->sregs);
    if (rc >= 0)
        rc = kvm_ioctl(fd, KVM_GET_DEBUGREGS, &s->dbg);
    if (rc >= 0)
        rc = kvm_ioctl(fd, KVM_GET_VCPU_EVENTS, &s->ev);
    if (rc >= 0)
        rc = kvm_ioctl(fd, KVM_GET_MP_STATE, &s->mp);
    if (rc >= 0)
        rc = kvm_ioctl(fd, KVM_GET_LAPIC, &s->lapic);
    if (rc >= 0)
        rc = get_fp(fd, xsz, v2, s);
    if (rc >= 0)
        rc = get_msrs(fd, have, s);
    return rc < 0 ? rc : 0;
}

static void host_header(const struct kvm_dom *kd, struct mig_hvm_save_header *h)
{
    unsigned int a = 0, b, c, d;
    int khz = kvm_ioctl(kd->vcpus[0].fd, KVM_GET_TSC_KHZ, NULL);

    __cpuid(1, a, b, c, d);
    (void)b, (void)c, (void)d;
    *h = (struct mig_hvm_save_header){.magic = MIG_HVM_FILE_MAGIC,
                                      .version = MIG_HVM_FILE_VERSION,
                                      .cpuid = a,
                                      .gtsc_khz = khz > 0 ? (uint32_t)khz : 0};
}

static void fill_ctx(struct kvm_saved *sv, struct mig_hvm_ctx *ctx)
{
    unsigned int i;

    ctx->nr_vcpus = sv->nr;
    for (i = 0; i < sv->nr; i++) {
        struct kvm_xen_vcpu *x = &sv->v[i];

        ctx->vcpu[i] = (struct mig_hvm_vcpu){
            .cpu = &x->cpu,
            .lapic = &x->lapic,
            .lapic_regs = &x->lapic_regs,
            .mtrr = &x->mtrr,
            .xsave = (const void *)x->xsave,
            .xsave_len = x->xsave_len,
            .nr_msrs = x->nr_msrs,
            .msrs = x->msrs,
        };
    }
}

static int save_vcpu(struct kvm_vcpu *kv, const struct kvm_msr_list *have,
                     const struct mig_cpuid_leaf *pol, uint32_t npol,
                     struct kvm_xen_vcpu *x)
{
    struct kvm_vcpu_snapshot *s = xhv_calloc(1, sizeof(*s));
    bool v2;
    int rc = s ? 0 : -ENOMEM;

    if (!rc) {
        s->xsave_len = xsave_size(kv->kd, &v2);
        if (s->xsave_len) {
            s->xsave = xhv_calloc(1, s->xsave_len);
            rc = s->xsave ? 0 : -ENOMEM;
        }
    }
    if (!rc)
        rc = snapshot(kv->fd, have, s->xsave_len, v2, s);
    if (!rc)
        rc = kvm_state_to_xen(s, kv->v->id, pol, npol, x);
    if (s)
        xhv_free(s->xsave);
    xhv_free(s);
    return rc;
}

int kvm_domain_save_state(struct domain *d, struct mig_hvm_ctx *ctx,
                          struct kvm_saved **out)
{
    struct kvm_dom *kd = d->backend_priv;
    struct mig_cpuid_leaf pol[MIG_CPUID_POLICY_MAX];
    struct mig_msr_entry msrs[MIG_MSR_POLICY_MAX];
    struct kvm_msr_list *have = NULL;
    struct kvm_saved *sv;
    uint32_t npol, nmsr;
    unsigned int i;
    int rc;

    if (!kd || kd->nr > MIG_MAX_VCPUS)
        return -EINVAL;
    sv = xhv_calloc(1, sizeof(*sv) + kd->nr * sizeof(sv->v[0]));
    if (!sv)
        return -ENOMEM;
    rc = kvm_domain_cpu_policy(d, pol, &npol, msrs, &nmsr);
    if (!rc)
        rc = msr_index_list(&have);
    for (i = 0; !rc && i < kd->nr; i++, sv->nr++) {
        if (kd->vcpus[i].fd < 0)
            kvm_state_reset(i, &sv->v[i]);
        else
            rc = save_vcpu(&kd->vcpus[i], have, pol, npol, &sv->v[i]);
    }
    xhv_free(have);
    if (rc) {
        kvm_saved_free(sv);
        return rc;
    }
    memset(ctx, 0, sizeof(*ctx));
    host_header(kd, &ctx->hdr);
    fill_ctx(sv, ctx);
    *out = sv;
    return 0;
}

const struct mig_xhv_kvm_vcpu *kvm_saved_extra(const struct kvm_saved *s,
                                               unsigned int i)
{
    return i < s->nr ? &s->v[i].extra : NULL;
}

void kvm_saved_free(struct kvm_saved *s)
{
    unsigned int i;

    if (!s)
        return;
    for (i = 0; i < s->nr; i++)
        kvm_xen_vcpu_fini(&s->v[i]);
    xhv_free(s);
}

/* ---- load -------------------------------------------------------------------
 */

static int set_msrs(int fd, const struct kvm_vcpu_snapshot *s)
{
    struct kvm_msrs *m =
        xhv_calloc(1, sizeof(*m) + s->nr_msrs * sizeof(m->entries[0]));
    int rc;

    if (!m)
        return -ENOMEM;
    m->nmsrs = s->nr_msrs;
    memcpy(m->entries, s->msrs, s->nr_msrs * sizeof(m->entries[0]));
    rc = kvm_ioctl(fd, KVM_SET_MSRS, m);
    if (rc >= 0 && (uint32_t)rc != m->nmsrs)
        rc = -EIO;
    xhv_free(m);
    return rc < 0 ? rc : 0;
}

/* The order matters: APIC_BASE (in SREGS) before the LAPIC, the LAPIC
 * before TSC_DEADLINE (among the MSRs), events after the MP state. */
static int put_state(int fd, struct kvm_vcpu_snapshot *s)
{
    struct kvm_xcrs xcrs = {.nr_xcrs = 1,
                            .xcrs = {{.xcr = 0, .value = s->xcr0}}};
    int rc = kvm_ioctl(fd, KVM_SET_SREGS, &s->sregs);

    if (rc >= 0)
        rc = kvm_ioctl(fd, KVM_SET_REGS, &s->regs);
    if (rc >= 0)
        rc = s->xsave ? kvm_ioctl(fd, KVM_SET_XSAVE, s->xsave)
                      : kvm_ioctl(fd, KVM_SET_FPU, &s->fpu);
    if (rc >= 0 && s->xsave)
        rc = kvm_ioctl(fd, KVM_SET_XCRS, &xcrs);
    if (rc >= 0)
        rc = kvm_ioctl(fd, KVM_SET_LAPIC, &s->lapic);
    if (rc >= 0)
        rc = set_msrs(fd, s);
    if (rc >= 0)
        rc = kvm_ioctl(fd, KVM_SET_MP_STATE, &s->mp);
    if (rc >= 0)
        rc = kvm_ioctl(fd, KVM_SET_VCPU_EVENTS, &s->ev);
    if (rc >= 0)
        rc = kvm_ioctl(fd, KVM_SET_DEBUGREGS, &s->dbg);
    return rc < 0 ? rc : 0;
}

static int load_vcpu(struct kvm_vcpu *kv, const struct mig_hvm_vcpu *x,
                     const struct mig_xhv_kvm_vcpu *e,
                     const struct kvm_msr_list *have, char *err, size_t errlen)
{
    struct kvm_vcpu_snapshot *s = xhv_calloc(1, sizeof(*s));
    bool v2;
    int rc = s ? 0 : -ENOMEM;

    if (!rc) {
        s->xsave_len = xsave_size(kv->kd, &v2);
        if (s->xsave_len) {
            s->xsave = xhv_calloc(1, s->xsave_len);
            rc = s->xsave ? 0 : -ENOMEM;
        }
    }
    if (!rc)
        rc = kvm_state_from_xen(x, e, s, err, errlen);
    if (!rc)
        rc = kvm_state_msrs_filter(s, have->indices, have->nmsrs, err, errlen);
    if (!rc) {
        rc = put_state(kv->fd, s);
        if (rc)
            snprintf(err, errlen, "v%u: setting its KVM state: %s", kv->v->id,
                     strerror(-rc));
    }
    if (s)
        xhv_free(s->xsave);
    xhv_free(s);
    return rc;
}

int kvm_domain_load_state(struct domain *d, const struct mig_hvm_ctx *ctx,
                          const struct mig_xhv_kvm_vcpu *const *extra,
                          char *err, size_t errlen)
{
    struct kvm_dom *kd = d->backend_priv;
    struct kvm_msr_list *have = NULL;
    unsigned int i;
    int rc;

    if (!kd || ctx->nr_vcpus != kd->nr)
        return -EINVAL;
    rc = msr_index_list(&have);
    for (i = 0; !rc && i < kd->nr; i++) {
        if (kd->vcpus[i].fd >= 0) {
            rc = load_vcpu(&kd->vcpus[i], &ctx->vcpu[i], extra[i], have, err,
                           errlen);
        } else if (!extra[i] ||
                   extra[i]->mp_state != KVM_MP_STATE_UNINITIALIZED) {
            snprintf(err, errlen,
                     "v%u ran on the sender; xhv runs only vCPU 0 of a KVM "
                     "guest",
                     i);
            rc = -EOPNOTSUPP;
        }
    }
    xhv_free(have);
    return rc;
}
