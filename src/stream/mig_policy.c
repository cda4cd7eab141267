/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * X86_CPUID_POLICY and X86_MSR_POLICY: a CPU's CPUID as Xen serialises a
 * domain's policy (xen_cpuid_leaf_t[], include/xhv/public/migration.h),
 * the form checks a receiver makes, and the feature comparison that
 * decides whether a guest can move to a host. Pure: the CPU is reached
 * through a callback (the host's CPUID instruction, a KVM vCPU's table).
 *
 * The form is Xen's: only the leaves its policy object can hold (basic
 * leaves up to 0xd, the subleaves of 4, 7, 0xb and 0xd, the two
 * hypervisor limits, extended leaves up to 0x80000021), sorted by (leaf,
 * subleaf), none twice, at most MIG_CPUID_POLICY_MAX. Xen's own loader
 * refuses out-of-range leaves too; it does not look for repeats, which
 * xhv does. A guest's other leaves (0x14, 0x1f, ...) are not carried.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stream/mig.h"

#define NS MIG_CPUID_NO_SUBLEAF

static int say(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int say(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

/* How many subleaves Xen's policy keeps of a basic leaf; 0: none (the
 * leaf is NO_SUBLEAF). */
static uint32_t nr_subleaves(uint32_t leaf)
{
    switch (leaf) {
    case 0x4:
        return 6;
    case 0x7:
        return 3;
    case 0xb:
        return 2;
    case 0xd:
        return 63;
    default:
        return 0;
    }
}

static bool in_range(uint32_t leaf, uint32_t subleaf)
{
    if (leaf <= MIG_CPUID_BASIC_MAX)
        return nr_subleaves(leaf) ? subleaf < nr_subleaves(leaf)
                                  : subleaf == NS;
    if (leaf == MIG_CPUID_HV_LEAF || leaf == MIG_CPUID_HV2_LEAF ||
        (leaf >= 0x80000000u && leaf <= MIG_CPUID_EXTD_MAX))
        return subleaf == NS;
    return false;
}

/* ---- building -------------------------------------------------------------
 */

struct build {
    mig_cpuid_fn fn;
    void *opaque;
    struct mig_cpuid_leaf *out;
    uint32_t n;
};

static const struct mig_cpuid_leaf *add(struct build *b, uint32_t leaf,
                                        uint32_t subleaf)
{
    uint32_t r[4] = {0};
    struct mig_cpuid_leaf *e = &b->out[b->n++];

    b->fn(b->opaque, leaf, subleaf == NS ? 0 : subleaf, r);
    *e = (struct mig_cpuid_leaf){leaf, subleaf, r[0], r[1], r[2], r[3]};
    return e;
}

static void basic_leaf(struct build *b, uint32_t leaf)
{
    const struct mig_cpuid_leaf *e;
    uint64_t xstates;
    uint32_t s, max;

    switch (leaf) {
    case 0x4: /* cache descriptors: up to and including the null one */
        for (s = 0; s < nr_subleaves(leaf); s++)
            if (!(add(b, leaf, s)->a & 0x1f))
                break;
        break;
    case 0x7:
        e = add(b, leaf, 0);
        max = e->a < nr_subleaves(leaf) ? e->a : nr_subleaves(leaf) - 1;
        for (s = 1; s <= max; s++)
            add(b, leaf, s);
        break;
    case 0xb: /* topology levels: up to and including the invalid one */
        for (s = 0; s < nr_subleaves(leaf); s++)
            if (!((add(b, leaf, s)->c >> 8) & 0xff))
                break;
        break;
    case 0xd: /* XSAVE: 0 and 1, then one per component up to the last */
        e = add(b, leaf, 0);
        xstates = e->a | (uint64_t)e->d << 32;
        e = add(b, leaf, 1);
        xstates |= e->c | (uint64_t)e->d << 32;
        for (xstates >>= 2, s = 2; xstates && s < nr_subleaves(leaf);
             xstates >>= 1, s++)
            add(b, leaf, s);
        break;
    default:
        add(b, leaf, NS);
        break;
    }
}

uint32_t mig_cpuid_policy_build(mig_cpuid_fn fn, void *opaque,
                                struct mig_cpuid_leaf *out)
{
    struct build b = {.fn = fn, .opaque = opaque, .out = out};
    uint32_t r[4] = {0}, leaf, max;

    fn(opaque, 0, 0, r);
    max = r[0] < MIG_CPUID_BASIC_MAX ? r[0] : MIG_CPUID_BASIC_MAX;
    for (leaf = 0; leaf <= max; leaf++)
        basic_leaf(&b, leaf);
    /* The hypervisor ranges are Xen's own: only their limit (leaf count
     * beyond the base) is policy. */
    fn(opaque, MIG_CPUID_HV_LEAF, 0, r);
    out[b.n++] = (struct mig_cpuid_leaf){
        .leaf = MIG_CPUID_HV_LEAF,
        .subleaf = NS,
        .a = r[0] > MIG_CPUID_HV_LEAF && r[0] < MIG_CPUID_HV_LEAF + 0x100
                 ? r[0] - MIG_CPUID_HV_LEAF
                 : 0};
    out[b.n++] =
        (struct mig_cpuid_leaf){.leaf = MIG_CPUID_HV2_LEAF, .subleaf = NS};
    fn(opaque, 0x80000000u, 0, r);
    if ((r[0] & 0xffff0000u) == 0x80000000u) {
        max = r[0] < MIG_CPUID_EXTD_MAX ? r[0] : MIG_CPUID_EXTD_MAX;
        for (leaf = 0x80000000u; leaf <= max; leaf++)
            add(&b, leaf, NS);
    }
    return b.n;
}

/* ---- form -----------------------------------------------------------------
 */

static int cmp_leaf(const struct mig_cpuid_leaf *x,
                    const struct mig_cpuid_leaf *y)
{
    if (x->leaf != y->leaf)
        return x->leaf < y->leaf ? -1 : 1;
    if (x->subleaf != y->subleaf)
        return x->subleaf < y->subleaf ? -1 : 1;
    return 0;
}

int mig_cpuid_policy_check(const struct mig_cpuid_leaf *l, uint32_t n,
                           char *err, size_t errlen)
{
    uint32_t i;

    if (n == 0 || n > MIG_CPUID_POLICY_MAX)
        return say(err, errlen, -EINVAL, "%u leaves (1..%u)", n,
                   MIG_CPUID_POLICY_MAX);
    for (i = 0; i < n; i++) {
        if (!in_range(l[i].leaf, l[i].subleaf))
            return say(err, errlen, -EINVAL,
                       "entry %u: leaf %#x subleaf %#x is not one a Xen CPUID "
                       "policy holds",
                       i, l[i].leaf, l[i].subleaf);
        if (i && cmp_leaf(&l[i - 1], &l[i]) >= 0)
            return say(
                err, errlen, -EINVAL, "entry %u: leaf %#x subleaf %#x is %s", i,
                l[i].leaf, l[i].subleaf,
                cmp_leaf(&l[i - 1], &l[i]) ? "out of order" : "given twice");
    }
    return 0;
}

int mig_msr_policy_check(const struct mig_msr_entry *e, uint32_t n, char *err,
                         size_t errlen)
{
    uint32_t i;

    if (n == 0 || n > MIG_MSR_POLICY_MAX)
        return say(err, errlen, -EINVAL, "%u MSRs (1..%u)", n,
                   MIG_MSR_POLICY_MAX);
    for (i = 0; i < n; i++) {
        if (e[i].idx != MIG_MSR_PLATFORM_INFO &&
            e[i].idx != MIG_MSR_ARCH_CAPABILITIES)
            return say(err, errlen, -EINVAL,
                       "entry %u: MSR %#x is not one a Xen MSR policy holds", i,
                       e[i].idx);
        if (e[i].flags)
            return say(err, errlen, -EINVAL, "entry %u: MSR %#x has flags %#x",
                       i, e[i].idx, e[i].flags);
        if (e[i].idx == MIG_MSR_PLATFORM_INFO &&
            (e[i].val & ~MIG_PLATFORM_INFO_CPUID_FAULTING))
            return say(err, errlen, -EINVAL,
                       "entry %u: PLATFORM_INFO %#llx has bits besides CPUID "
                       "faulting",
                       i, (unsigned long long)e[i].val);
        if (i && e[i - 1].idx >= e[i].idx)
            return say(
                err, errlen, -EINVAL, "entry %u: MSR %#x is %s", i, e[i].idx,
                e[i - 1].idx == e[i].idx ? "given twice" : "out of order");
    }
    return 0;
}

const struct mig_cpuid_leaf *
mig_cpuid_policy_find(const struct mig_cpuid_leaf *l, uint32_t n, uint32_t leaf,
                      uint32_t subleaf)
{
    uint32_t i;

    for (i = 0; i < n; i++)
        if (l[i].leaf == leaf && l[i].subleaf == subleaf)
            return &l[i];
    return NULL;
}

/* ---- compatibility ----------------------------------------------------------
 */

/* The words of feature flags, and the bits in them that are state rather
 * than features (OSXSAVE and OSPKE follow CR4; the hypervisor bit is set
 * by xhv itself; the APIC bit follows APIC_BASE). */
static const struct word {
    uint32_t leaf, subleaf;
    uint8_t reg; /* 0 eax .. 3 edx */
    uint32_t ignore;
} words[] = {
    {0x1, NS, 2, (1u << 27) | (1u << 31)},
    {0x1, NS, 3, 1u << 9},
    {0x7, 0, 1, 0},
    {0x7, 0, 2, 1u << 4},
    {0x7, 0, 3, 0},
    {0x7, 1, 0, 0},
    {0xd, 0, 0, 0}, /* XCR0 components */
    {0xd, 1, 0, 0},
    {0x80000001u, NS, 2, 0},
    {0x80000001u, NS, 3, 1u << 9},
    {0x80000007u, NS, 3, 0},
    {0x80000008u, NS, 1, 0},
};

/* Names of the flags a mismatch most often involves; others are named by
 * bit only. */
static const struct flag {
    uint32_t leaf, subleaf;
    uint8_t reg, bit;
    const char *name;
} flags[] = {
    {0x1, NS, 2, 0, "sse3"},
    {0x1, NS, 2, 1, "pclmulqdq"},
    {0x1, NS, 2, 5, "vmx"},
    {0x1, NS, 2, 9, "ssse3"},
    {0x1, NS, 2, 12, "fma"},
    {0x1, NS, 2, 13, "cx16"},
    {0x1, NS, 2, 19, "sse4_1"},
    {0x1, NS, 2, 20, "sse4_2"},
    {0x1, NS, 2, 21, "x2apic"},
    {0x1, NS, 2, 22, "movbe"},
    {0x1, NS, 2, 23, "popcnt"},
    {0x1, NS, 2, 24, "tsc_deadline"},
    {0x1, NS, 2, 25, "aes"},
    {0x1, NS, 2, 26, "xsave"},
    {0x1, NS, 2, 28, "avx"},
    {0x1, NS, 2, 29, "f16c"},
    {0x1, NS, 2, 30, "rdrand"},
    {0x1, NS, 3, 25, "sse"},
    {0x1, NS, 3, 26, "sse2"},
    {0x7, 0, 1, 0, "fsgsbase"},
    {0x7, 0, 1, 3, "bmi1"},
    {0x7, 0, 1, 4, "hle"},
    {0x7, 0, 1, 5, "avx2"},
    {0x7, 0, 1, 7, "smep"},
    {0x7, 0, 1, 8, "bmi2"},
    {0x7, 0, 1, 9, "erms"},
    {0x7, 0, 1, 10, "invpcid"},
    {0x7, 0, 1, 11, "rtm"},
    {0x7, 0, 1, 16, "avx512f"},
    {0x7, 0, 1, 17, "avx512dq"},
    {0x7, 0, 1, 18, "rdseed"},
    {0x7, 0, 1, 19, "adx"},
    {0x7, 0, 1, 20, "smap"},
    {0x7, 0, 1, 23, "clflushopt"},
    {0x7, 0, 1, 24, "clwb"},
    {0x7, 0, 1, 28, "avx512cd"},
    {0x7, 0, 1, 29, "sha"},
    {0x7, 0, 1, 30, "avx512bw"},
    {0x7, 0, 1, 31, "avx512vl"},
    {0x7, 0, 2, 1, "avx512vbmi"},
    {0x7, 0, 2, 3, "pku"},
    {0x7, 0, 2, 8, "gfni"},
    {0x7, 0, 2, 9, "vaes"},
    {0x7, 0, 2, 10, "vpclmulqdq"},
    {0x7, 0, 2, 16, "la57"},
    {0x7, 0, 2, 22, "rdpid"},
    {0x7, 0, 3, 10, "md_clear"},
    {0x7, 0, 3, 14, "serialize"},
    {0x7, 0, 3, 26, "ibrs"},
    {0x7, 0, 3, 29, "arch_caps"},
    {0x7, 0, 3, 31, "ssbd"},
    {0xd, 1, 0, 0, "xsaveopt"},
    {0xd, 1, 0, 1, "xsavec"},
    {0xd, 1, 0, 3, "xsaves"},
    {0xd, 0, 0, 2, "xstate_avx"},
    {0xd, 0, 0, 5, "xstate_opmask"},
    {0xd, 0, 0, 9, "xstate_pkru"},
    {0x80000001u, NS, 2, 0, "lahf_lm"},
    {0x80000001u, NS, 2, 2, "svm"},
    {0x80000001u, NS, 2, 5, "abm"},
    {0x80000001u, NS, 2, 6, "sse4a"},
    {0x80000001u, NS, 2, 8, "prefetchw"},
    {0x80000001u, NS, 3, 11, "syscall"},
    {0x80000001u, NS, 3, 20, "nx"},
    {0x80000001u, NS, 3, 26, "pdpe1gb"},
    {0x80000001u, NS, 3, 27, "rdtscp"},
    {0x80000001u, NS, 3, 29, "lm"},
    {0x80000007u, NS, 3, 8, "invariant_tsc"},
};

static uint32_t reg_of(const struct mig_cpuid_leaf *e, uint8_t reg)
{
    const uint32_t r[4] = {e->a, e->b, e->c, e->d};

    return r[reg];
}

static const char *flag_name(const struct word *w, unsigned int bit)
{
    size_t i;

    for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (flags[i].leaf == w->leaf && flags[i].subleaf == w->subleaf &&
            flags[i].reg == w->reg && flags[i].bit == bit)
            return flags[i].name;
    return "unnamed";
}

int mig_cpuid_policy_compat(const struct mig_cpuid_leaf *want, uint32_t nw,
                            const struct mig_cpuid_leaf *have, uint32_t nh,
                            char *err, size_t errlen)
{
    static const char regname[4][4] = {"EAX", "EBX", "ECX", "EDX"};
    size_t i;

    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        const struct word *w = &words[i];
        const struct mig_cpuid_leaf *x =
            mig_cpuid_policy_find(want, nw, w->leaf, w->subleaf);
        const struct mig_cpuid_leaf *y =
            mig_cpuid_policy_find(have, nh, w->leaf, w->subleaf);
        uint32_t missing = x ? reg_of(x, w->reg) & ~w->ignore : 0;
        unsigned int bit;

        if (y)
            missing &= ~reg_of(y, w->reg);
        if (!missing)
            continue;
        bit = (unsigned int)__builtin_ctz(missing);
        if (w->subleaf == NS)
            return say(err, errlen, -EOPNOTSUPP,
                       "CPUID leaf %#x %s bit %u (%s) is in the guest's "
                       "policy but this host does not support it",
                       w->leaf, regname[w->reg], bit, flag_name(w, bit));
        return say(err, errlen, -EOPNOTSUPP,
                   "CPUID leaf %#x subleaf %u %s bit %u (%s) is in the "
                   "guest's policy but this host does not support it",
                   w->leaf, w->subleaf, regname[w->reg], bit,
                   flag_name(w, bit));
    }
    return 0;
}
