/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HVM_CONTEXT, X86_CPUID_POLICY and X86_MSR_POLICY (src/stream/mig_hvm.c,
 * mig_policy.c): round trips of the save records in Xen's order, every
 * refusal of the decoder (each names its save record and offset), the
 * policies' construction, form checks and feature comparison, and the
 * same records travelling through the stream reader.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/alloc.h"
#include "lib/fault.h"
#include "stream/mig.h"

/* ---- a context with every record, and a raw builder ------------------- */

struct full {
    struct mig_hvm_ctx ctx;
    struct mig_hvm_cpu cpu[2];
    struct mig_hvm_lapic lapic[2];
    struct mig_hvm_lapic_regs regs[2];
    struct mig_hvm_mtrr mtrr[2];
    uint64_t xsave[2][(600 + 256) / 8];
    struct mig_hvm_msr msrs[3];
};

static void full_init(struct full *f)
{
    uint32_t i;

    memset(f, 0, sizeof(*f));
    f->ctx.hdr = (struct mig_hvm_save_header){.magic = MIG_HVM_FILE_MAGIC,
                                              .version = MIG_HVM_FILE_VERSION,
                                              .cpuid = 0x906ea,
                                              .gtsc_khz = 2400000};
    f->ctx.nr_vcpus = 2;
    for (i = 0; i < 2; i++) {
        struct mig_hvm_xsave *x = (void *)f->xsave[i];

        mig_hvm_cpu_reset(&f->cpu[i]);
        f->cpu[i].rax = 0x1111 * (i + 1);
        f->cpu[i].flags = MIG_HVM_CPU_FPU_INITIALISED;
        f->lapic[i].apic_base_msr = 0xfee00900;
        f->lapic[i].timer_divisor = 2;
        memset(f->regs[i].data, 0x10 + (int)i, sizeof(f->regs[i].data));
        f->mtrr[i].msr_pat_cr = 0x0007040600070406ULL;
        f->mtrr[i].msr_mtrr_cap = 0x508;
        x->xcr0 = 7;
        x->xcr0_accum = 7;
        x->xstate_bv = 3;
        f->ctx.vcpu[i] = (struct mig_hvm_vcpu){
            .cpu = &f->cpu[i],
            .lapic = &f->lapic[i],
            .lapic_regs = &f->regs[i],
            .mtrr = &f->mtrr[i],
            .xsave = x,
            .xsave_len = 600 + 256,
        };
    }
    f->msrs[0] = (struct mig_hvm_msr){.index = 0x48, .val = 1};
    f->msrs[1] = (struct mig_hvm_msr){.index = 0xda0, .val = 0x100};
    f->msrs[2] = (struct mig_hvm_msr){.index = 0xc001011f, .val = 4};
    f->ctx.vcpu[1].nr_msrs = 3;
    f->ctx.vcpu[1].msrs = f->msrs;
}

/* A context built descriptor by descriptor, to spoil. */
struct raw {
    uint64_t buf[2048];
    uint32_t len;
};

static void raw_add(struct raw *r, uint16_t t, uint16_t inst, const void *b,
                    uint32_t len)
{
    struct mig_hvm_save_desc d = {t, inst, len};

    assert_true(r->len + 8 + len <= sizeof(r->buf));
    memcpy((uint8_t *)r->buf + r->len, &d, 8);
    if (len)
        memcpy((uint8_t *)r->buf + r->len + 8, b, len);
    r->len += 8 + len;
}

static void raw_header(struct raw *r)
{
    struct mig_hvm_save_header h = {.magic = MIG_HVM_FILE_MAGIC,
                                    .version = MIG_HVM_FILE_VERSION};

    r->len = 0;
    raw_add(r, MIG_HVM_SAVE_HEADER, 0, &h, sizeof(h));
}

static struct mig_hvm_cpu reset_cpu(void)
{
    struct mig_hvm_cpu c;

    mig_hvm_cpu_reset(&c);
    return c;
}

static void expect(const struct raw *r, uint32_t nr_vcpus, uint32_t need,
                   int want, const char *needle)
{
    static struct mig_hvm_ctx out;
    char err[256] = "";
    int rc = mig_hvm_context_decode(r->buf, r->len, nr_vcpus, need, &out, err,
                                    sizeof(err));

    if (rc != want || !strstr(err, needle))
        fail_msg("rc %d (want %d), \"%s\" (want \"%s\")", rc, want, err,
                 needle);
}

/* ---- round trips ------------------------------------------------------- */

static void test_round_trip_full(void **state)
{
    static struct full f;
    static struct mig_hvm_ctx out;
    /* Xen's order: HEADER, each typecode for every vCPU, END. */
    static const uint16_t order[][2] = {
        {1, 0},  {2, 0},  {2, 1},  {5, 0},  {5, 1},  {6, 0}, {6, 1},
        {14, 0}, {14, 1}, {16, 0}, {16, 1}, {20, 1}, {0, 0},
    };
    char err[256];
    uint8_t *buf;
    size_t len, off = 0, k;
    uint32_t i;

    (void)state;
    full_init(&f);
    assert_int_equal(mig_hvm_context_encode(&f.ctx, &buf, &len), 0);
    for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
        struct mig_hvm_save_desc d;

        assert_true(off + 8 <= len);
        memcpy(&d, buf + off, 8);
        assert_int_equal(d.typecode, order[k][0]);
        assert_int_equal(d.instance, order[k][1]);
        off += 8 + d.length;
    }
    assert_int_equal(off, len);
    assert_int_equal(mig_hvm_context_decode(buf, (uint32_t)len, 2,
                                            MIG_HVM_NEED_KVM, &out, err,
                                            sizeof(err)),
                     0);
    assert_memory_equal(&out.hdr, &f.ctx.hdr, sizeof(out.hdr));
    for (i = 0; i < 2; i++) {
        assert_memory_equal(out.vcpu[i].cpu, &f.cpu[i], sizeof(f.cpu[i]));
        assert_memory_equal(out.vcpu[i].lapic, &f.lapic[i], 32);
        assert_memory_equal(out.vcpu[i].lapic_regs, &f.regs[i], 1024);
        assert_memory_equal(out.vcpu[i].mtrr, &f.mtrr[i], 240);
        assert_int_equal(out.vcpu[i].xsave_len, 856);
        assert_memory_equal(out.vcpu[i].xsave, f.xsave[i], 856);
        assert_int_equal((uintptr_t)out.vcpu[i].cpu % 8, 0);
    }
    assert_int_equal(out.vcpu[0].nr_msrs, 0);
    assert_int_equal(out.vcpu[1].nr_msrs, 3);
    assert_memory_equal(out.vcpu[1].msrs, f.msrs, sizeof(f.msrs));
    xhv_free(buf);
}

static void test_round_trip_sim(void **state)
{
    static struct mig_hvm_ctx c, out;
    struct mig_hvm_cpu cpu = reset_cpu();
    char err[256];
    uint8_t *buf;
    size_t len;
    uint32_t i;

    (void)state;
    c.hdr = (struct mig_hvm_save_header){.magic = MIG_HVM_FILE_MAGIC,
                                         .version = MIG_HVM_FILE_VERSION};
    c.nr_vcpus = MIG_MAX_VCPUS;
    for (i = 0; i < MIG_MAX_VCPUS; i++)
        c.vcpu[i].cpu = &cpu;
    assert_int_equal(mig_hvm_context_encode(&c, &buf, &len), 0);
    /* HEADER, a CPU record per vCPU, END. */
    assert_int_equal(len, 8 + 24 + MIG_MAX_VCPUS * (8 + 1032) + 8);
    assert_int_equal(mig_hvm_context_decode(buf, (uint32_t)len, MIG_MAX_VCPUS,
                                            MIG_HVM_NEED_SIM, &out, err,
                                            sizeof(err)),
                     0);
    for (i = 0; i < MIG_MAX_VCPUS; i++) {
        assert_memory_equal(out.vcpu[i].cpu, &cpu, sizeof(cpu));
        assert_null(out.vcpu[i].lapic);
    }
    /* The RESET state Xen's loader would take: CR0.ET, real mode. */
    assert_int_equal(cpu.cr0, 0x60000010);
    assert_int_equal(cpu.cs_base + cpu.rip, 0xfffffff0);
    /* A sim context lacks what a KVM one needs. */
    assert_int_equal(mig_hvm_context_decode(buf, (uint32_t)len, MIG_MAX_VCPUS,
                                            MIG_HVM_NEED_KVM, &out, err,
                                            sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "vCPU 0 has no LAPIC record"));
    xhv_free(buf);
}

static void test_encode_refusals(void **state)
{
    static struct full f;
    uint8_t *buf;
    size_t len;
    unsigned int n;

    (void)state;
    full_init(&f);
    f.ctx.vcpu[0].cpu = NULL;
    assert_int_equal(mig_hvm_context_encode(&f.ctx, &buf, &len), -EINVAL);
    full_init(&f);
    f.ctx.vcpu[1].lapic_regs = NULL;
    assert_int_equal(mig_hvm_context_encode(&f.ctx, &buf, &len), -EINVAL);
    full_init(&f);
    f.ctx.vcpu[1].xsave_len = 601;
    assert_int_equal(mig_hvm_context_encode(&f.ctx, &buf, &len), -EINVAL);
    full_init(&f);
    f.ctx.nr_vcpus = 0;
    assert_int_equal(mig_hvm_context_encode(&f.ctx, &buf, &len), -EINVAL);
    full_init(&f);
    for (n = 1;; n++) {
        int rc;

        assert_int_equal(fault_arm(FAULT_SITE_ANY, n, FAULT_TRANSIENT), 0);
        rc = mig_hvm_context_encode(&f.ctx, &buf, &len);
        if (!fault_fired()) {
            assert_int_equal(rc, 0);
            xhv_free(buf);
            break;
        }
        assert_int_equal(rc, -ENOMEM);
    }
    fault_disarm();
}

/* ---- decoder refusals -------------------------------------------------- */

static void test_refuse_framing(void **state)
{
    static struct raw r;
    struct mig_hvm_cpu cpu = reset_cpu();
    struct mig_hvm_save_header h = {.magic = 1, .version = 1};

    (void)state;
    /* Bad length. */
    raw_header(&r);
    raw_add(&r, MIG_HVM_SAVE_CPU, 0, &cpu, 1024);
    raw_add(&r, MIG_HVM_SAVE_END, 0, NULL, 0);
    expect(&r, 1, MIG_HVM_NEED_SIM, -EINVAL,
           "save record 1 (CPU, instance 0) at +32: length 1024, not 1032");
    /* Duplicate record. */
    raw_header(&r);
    raw_add(&r, MIG_HVM_SAVE_CPU, 0, &cpu, sizeof(cpu));
    raw_add(&r, MIG_HVM_SAVE_CPU, 0, &cpu, sizeof(cpu));
    raw_add(&r, MIG_HVM_SAVE_END, 0, NULL, 0);
    expect(&r, 1, MIG_HVM_NEED_SIM, -EINVAL,
           "save record 2 (CPU, instance 0) at +1072: given twice");
    /* Missing CPU for a vCPU. */
    raw_header(&r);
    raw_add(&r, MIG_HVM_SAVE_CPU, 0, &cpu, sizeof(cpu));
    raw_add(&r, MIG_HVM_SAVE_END, 0, NULL, 0);
    expect(&r, 2, MIG_HVM_NEED_SIM, -EINVAL, "vCPU 1 has no CPU record");
    /* Instance out of range. */
    raw_header(&r);
    raw_add(&r, MIG_HVM_SAVE_CPU, 5, &cpu, sizeof(cpu));
    raw_add(&r, MIG_HVM_SAVE_END, 0, NULL, 0);
    expect(&r, 2, MIG_HVM_NEED_SIM, -EINVAL,
           "(CPU, instance 5) at +32: instance 5, but the domain has 2 vCPUs");
    /* Unknown typecode, and one Xen has that xhv does not carry. */
    raw_header(&r);
    raw_add(&r, 99, 0, &cpu, 16);
    expect(&r, 1, MIG_HVM_NEED_SIM, -EPROTONOSUPPORT,
           "(unknown, instance 0) at +32: typecode 99 is not a record xhv "
           "carries");
    raw_header(&r);
    raw_add(&r, 3, 0, &cpu, 8); /* PIC */
    expect(&r, 1, MIG_HVM_NEED_SIM, -EPROTONOSUPPORT, "(PIC, instance 0)");
    /* END missing; bytes after END; END with an instance. */
    raw_header(&r);
    raw_add(&r, MIG_HVM_SAVE_CPU, 0, &cpu, sizeof(cpu));
    expect(&r, 1, MIG_HVM_NEED_SIM, -EINVAL,
           "save record 2 at +1072: the context ends without an END record");
    raw_add(&r, MIG_HVM_SAVE_END, 0, NULL, 0);
    raw_add(&r, MIG_HVM_SAVE_END, 0, NULL, 0);
    expect(&r, 1, MIG_HVM_NEED_SIM, -EINVAL, "8 bytes follow END");
    raw_header(&r);
    raw_add(&r, MIG_HVM_SAVE_CPU, 0, &cpu, sizeof(cpu));
    raw_add(&r, MIG_HVM_SAVE_END, 1, NULL, 0);
    expect(&r, 1, MIG_HVM_NEED_SIM, -EINVAL,
           "domain-wide record with an "
           "instance");
    /* HEADER first, and right. */
    r.len = 0;
    raw_add(&r, MIG_HVM_SAVE_CPU, 0, &cpu, sizeof(cpu));
    raw_add(&r, MIG_HVM_SAVE_END, 0, NULL, 0);
    expect(&r, 1, MIG_HVM_NEED_SIM, -EINVAL, "the first record is not HEADER");
    r.len = 0;
    raw_add(&r, MIG_HVM_SAVE_HEADER, 0, &h, sizeof(h));
    raw_add(&r, MIG_HVM_SAVE_END, 0, NULL, 0);
    expect(&r, 1, MIG_HVM_NEED_SIM, -EINVAL,
           "(HEADER, instance 0) at +0: "
           "magic 0x1");
    /* A length beyond the body. */
    raw_header(&r);
    raw_add(&r, MIG_HVM_SAVE_CPU, 0, &cpu, sizeof(cpu));
    r.len -= 8;
    expect(&r, 1, MIG_HVM_NEED_SIM, -EINVAL, "runs past the context's end");
    /* Too short for a descriptor, and no vCPUs. */
    r.len = 4;
    expect(&r, 1, MIG_HVM_NEED_SIM, -EINVAL, "ends without an END");
    raw_header(&r);
    expect(&r, 0, MIG_HVM_NEED_SIM, -EINVAL, "0 vCPUs");
}

static void test_refuse_contents(void **state)
{
    static struct raw r;
    struct mig_hvm_cpu cpu;
    struct mig_hvm_lapic lapic = {.apic_base_msr = 0xfee00900};
    static struct mig_hvm_lapic_regs regs;
    struct mig_hvm_mtrr mtrr = {.msr_mtrr_cap = 9};
    uint64_t xs[(600 + 64) / 8] = {0};
    struct mig_hvm_xsave *x = (void *)xs;
    struct {
        struct mig_hvm_msr_hdr h;
        struct mig_hvm_msr m[2];
    } msr = {{2, 0}, {{0x48, 0, 1}, {0x48, 0, 2}}};

    (void)state;
#define ONE(t, b, n, needle)                                                   \
    do {                                                                       \
        raw_header(&r);                                                        \
        raw_add(&r, t, 0, b, n);                                               \
        raw_add(&r, MIG_HVM_SAVE_END, 0, NULL, 0);                             \
        expect(&r, 1, 0, -EINVAL, needle);                                     \
    } while (0)
    cpu = reset_cpu();
    cpu.cr0 = 0x60000000;
    ONE(MIG_HVM_SAVE_CPU, &cpu, sizeof(cpu),
        "CR0 0x60000000 is not a valid CR0");
    cpu = reset_cpu();
    cpu.cr0 = 0x80000010; /* PG without PE */
    ONE(MIG_HVM_SAVE_CPU, &cpu, sizeof(cpu), "is not a valid CR0");
    cpu = reset_cpu();
    cpu.flags = 2;
    ONE(MIG_HVM_SAVE_CPU, &cpu, sizeof(cpu), "flags 0x2 or padding");
    cpu = reset_cpu();
    cpu.pad0 = 1;
    ONE(MIG_HVM_SAVE_CPU, &cpu, sizeof(cpu), "padding not zero");
    cpu = reset_cpu();
    cpu.dr7 = 1ULL << 32;
    ONE(MIG_HVM_SAVE_CPU, &cpu, sizeof(cpu), "beyond 32 bits");
    cpu = reset_cpu();
    cpu.pending_event = MIG_HVM_EV_VALID | (1u << 8) | 14;
    ONE(MIG_HVM_SAVE_CPU, &cpu, sizeof(cpu), "pending event 0x8000010e");
    cpu.pending_event = MIG_HVM_EV_VALID | (1u << 20);
    ONE(MIG_HVM_SAVE_CPU, &cpu, sizeof(cpu), "is malformed");
    lapic.disabled = 4;
    ONE(MIG_HVM_SAVE_LAPIC, &lapic, sizeof(lapic), "disabled 0x4");
    ONE(MIG_HVM_SAVE_MTRR, &mtrr, sizeof(mtrr), "9 variable MTRRs");
    x->xcr0 = 6;
    x->xcr0_accum = 7;
    ONE(MIG_HVM_SAVE_CPU_XSAVE, xs, sizeof(xs), "do not agree");
    x->xcr0 = 7;
    x->xstate_bv = 8;
    ONE(MIG_HVM_SAVE_CPU_XSAVE, xs, sizeof(xs), "do not agree");
    x->xstate_bv = 3;
    x->xcomp_bv = 1ULL << 63;
    ONE(MIG_HVM_SAVE_CPU_XSAVE, xs, sizeof(xs), "compacted area");
    x->xcomp_bv = 0;
    ONE(MIG_HVM_SAVE_CPU_XSAVE, xs, 596, "596 bytes");
    ONE(MIG_HVM_SAVE_CPU_XSAVE, xs, 604, "604 bytes");
    ONE(MIG_HVM_SAVE_CPU_MSR, &msr, sizeof(msr), "MSR 0x48 given twice");
    msr.m[1].index = 0x49;
    msr.m[1]._rsvd = 1;
    ONE(MIG_HVM_SAVE_CPU_MSR, &msr, sizeof(msr), "MSR 0x49: reserved");
    msr.m[1]._rsvd = 0;
    ONE(MIG_HVM_SAVE_CPU_MSR, &msr, sizeof(msr) - 16,
        "24 bytes do not hold the 2 MSRs");
    msr.h._pad = 1;
    ONE(MIG_HVM_SAVE_CPU_MSR, &msr, sizeof(msr), "do not hold");
    ONE(MIG_HVM_SAVE_CPU_MSR, &msr, 4, "4 bytes do not hold the 0 MSRs");
#undef ONE
    /* LAPIC without LAPIC_REGS. */
    cpu = reset_cpu();
    raw_header(&r);
    raw_add(&r, MIG_HVM_SAVE_CPU, 0, &cpu, sizeof(cpu));
    raw_add(&r, MIG_HVM_SAVE_LAPIC, 0, &lapic, 0);
    expect(&r, 1, 0, -EINVAL, "length 0, not 32");
    lapic.disabled = 0;
    raw_header(&r);
    raw_add(&r, MIG_HVM_SAVE_CPU, 0, &cpu, sizeof(cpu));
    raw_add(&r, MIG_HVM_SAVE_LAPIC, 0, &lapic, sizeof(lapic));
    raw_add(&r, MIG_HVM_SAVE_END, 0, NULL, 0);
    expect(&r, 1, MIG_HVM_NEED_SIM, -EINVAL,
           "vCPU 0 has one of LAPIC and LAPIC_REGS without the other");
    raw_header(&r);
    raw_add(&r, MIG_HVM_SAVE_CPU, 0, &cpu, sizeof(cpu));
    raw_add(&r, MIG_HVM_SAVE_LAPIC, 0, &lapic, sizeof(lapic));
    raw_add(&r, MIG_HVM_SAVE_LAPIC_REGS, 0, &regs, sizeof(regs));
    raw_add(&r, MIG_HVM_SAVE_END, 0, NULL, 0);
    expect(&r, 1, MIG_HVM_NEED_KVM, -EINVAL, "vCPU 0 has no MTRR record");
    expect(&r, 1, MIG_HVM_NEED_SIM, 0, "");
}

/* ---- policies ---------------------------------------------------------- */

/* A synthetic CPU: max basic leaf 0x1f, four cache levels, leaf 7 with
 * two subleaves beyond 0 (one of which Xen's policy keeps), XCR0 with
 * x87, SSE, AVX and PKRU, extended leaves to 0x80000028. */
static void fake_cpuid(void *opaque, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    (void)opaque;
    r[0] = r[1] = r[2] = r[3] = 0;
    switch (leaf) {
    case 0:
        r[0] = 0x1f;
        break;
    case 1:
        r[2] = (1u << 28) | (1u << 31);
        break;
    case 4:
        r[0] = sub < 4 ? 1 + sub : 0;
        break;
    case 7:
        r[0] = sub == 0 ? 3 : 0;
        r[1] = sub == 0 ? 1u << 5 : 0;
        break;
    case 0xb:
        r[2] = sub < 1 ? 0x100 : 0;
        break;
    case 0xd:
        r[0] = sub == 0 ? 0x207 : sub == 2 ? 256 : sub == 9 ? 8 : 0;
        r[1] = sub == 2 ? 576 : sub == 9 ? 2688 : 0;
        break;
    case 0x40000000:
        r[0] = 0x40000005;
        break;
    case 0x80000000:
        r[0] = 0x80000028;
        break;
    default:
        r[3] = leaf;
        break;
    }
}

static void test_policy_build(void **state)
{
    struct mig_cpuid_leaf l[MIG_CPUID_POLICY_MAX];
    char err[256];
    uint32_t n = mig_cpuid_policy_build(fake_cpuid, NULL, l), i, cache = 0,
             feat = 0, xs = 0;

    (void)state;
    assert_int_equal(mig_cpuid_policy_check(l, n, err, sizeof(err)), 0);
    for (i = 0; i < n; i++) {
        cache += l[i].leaf == 4;
        feat += l[i].leaf == 7;
        xs += l[i].leaf == 0xd;
        assert_true(l[i].leaf <= 0xd || l[i].leaf >= 0x40000000);
        assert_true(l[i].leaf <= MIG_CPUID_EXTD_MAX);
    }
    assert_int_equal(cache, 5); /* four levels and the null one */
    assert_int_equal(feat, 3);  /* 7.0 says 3; Xen keeps 0..2 */
    assert_int_equal(xs, 10);   /* 0, 1, then 2..9 */
    assert_non_null(mig_cpuid_policy_find(l, n, 0xb, 1));
    assert_null(mig_cpuid_policy_find(l, n, 0xb, 2));
    assert_int_equal(mig_cpuid_policy_find(l, n, 0x40000000, ~0u)->a, 5);
    assert_non_null(mig_cpuid_policy_find(l, n, 0x80000021, ~0u));
    assert_null(mig_cpuid_policy_find(l, n, 0x80000022, ~0u));
    assert_int_equal(mig_cpuid_policy_find(l, n, 0x80000003, ~0u)->d,
                     0x80000003);
    assert_int_equal(n, 14 - 4 + 5 + 3 + 2 + 10 + 2 + 34);
}

static void host_cpuid(void *opaque, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    (void)opaque;
    __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
}

static void test_policy_host(void **state)
{
    struct mig_cpuid_leaf l[MIG_CPUID_POLICY_MAX];
    char err[256];
    uint32_t n = mig_cpuid_policy_build(host_cpuid, NULL, l);

    (void)state;
    assert_true(n >= 3 && n <= MIG_CPUID_POLICY_MAX);
    assert_int_equal(mig_cpuid_policy_check(l, n, err, sizeof(err)), 0);
    assert_int_equal(mig_cpuid_policy_compat(l, n, l, n, err, sizeof(err)), 0);
}

static void test_policy_refusals(void **state)
{
    struct mig_cpuid_leaf l[MIG_CPUID_POLICY_MAX + 1];
    struct mig_msr_entry m[3] = {
        {MIG_MSR_PLATFORM_INFO, 0, MIG_PLATFORM_INFO_CPUID_FAULTING},
        {MIG_MSR_ARCH_CAPABILITIES, 0, 0xabcd}};
    char err[256];
    uint32_t n = mig_cpuid_policy_build(fake_cpuid, NULL, l), i;

    (void)state;
#define REFUSE(call, needle)                                                   \
    do {                                                                       \
        assert_int_equal(call, -EINVAL);                                       \
        if (!strstr(err, needle))                                              \
            fail_msg("\"%s\" lacks \"%s\"", err, needle);                      \
    } while (0)
    /* Unsorted, duplicate, out of Xen's ranges, too many, none. */
    l[1].leaf = 0x80000001, l[1].subleaf = ~0u;
    REFUSE(mig_cpuid_policy_check(l, n, err, sizeof(err)), "out of order");
    n = mig_cpuid_policy_build(fake_cpuid, NULL, l);
    l[1] = l[0];
    REFUSE(mig_cpuid_policy_check(l, n, err, sizeof(err)),
           "entry 1: leaf 0 subleaf 0xffffffff is given twice");
    n = mig_cpuid_policy_build(fake_cpuid, NULL, l);
    l[n - 1].leaf = 0x80000022;
    REFUSE(mig_cpuid_policy_check(l, n, err, sizeof(err)),
           "leaf 0x80000022 subleaf 0xffffffff is not one a Xen CPUID policy "
           "holds");
    n = mig_cpuid_policy_build(fake_cpuid, NULL, l);
    l[2].subleaf = 0; /* leaf 2 has no subleaves */
    REFUSE(mig_cpuid_policy_check(l, n, err, sizeof(err)), "leaf 0x2 subleaf");
    for (i = 0; i <= MIG_CPUID_POLICY_MAX; i++)
        l[i] = (struct mig_cpuid_leaf){.leaf = 0xd, .subleaf = i};
    REFUSE(
        mig_cpuid_policy_check(l, MIG_CPUID_POLICY_MAX + 1, err, sizeof(err)),
        "121 leaves (1..120)");
    REFUSE(mig_cpuid_policy_check(l, 0, err, sizeof(err)), "0 leaves");
    REFUSE(mig_cpuid_policy_check(l, 64, err, sizeof(err)),
           "leaf 0xd subleaf 0x3f");
    /* MSRs. */
    assert_int_equal(mig_msr_policy_check(m, 2, err, sizeof(err)), 0);
    REFUSE(mig_msr_policy_check(m, 3, err, sizeof(err)), "3 MSRs (1..2)");
    REFUSE(mig_msr_policy_check(m, 0, err, sizeof(err)), "0 MSRs");
    m[2] = m[0];
    REFUSE(mig_msr_policy_check(m + 1, 2, err, sizeof(err)),
           "entry 1: MSR 0xce is out of order");
    REFUSE(mig_msr_policy_check((struct mig_msr_entry[]){m[0], m[0]}, 2, err,
                                sizeof(err)),
           "MSR 0xce is given twice");
    m[1].idx = 0x48;
    REFUSE(mig_msr_policy_check(m, 2, err, sizeof(err)), "MSR 0x48 is not one");
    m[1] = (struct mig_msr_entry){MIG_MSR_ARCH_CAPABILITIES, 1, 0};
    REFUSE(mig_msr_policy_check(m, 2, err, sizeof(err)), "has flags 0x1");
    m[0].val = 1ULL << 32;
    REFUSE(mig_msr_policy_check(m, 1, err, sizeof(err)),
           "bits besides CPUID faulting");
#undef REFUSE
}

static struct mig_cpuid_leaf *find_rw(struct mig_cpuid_leaf *l, uint32_t n,
                                      uint32_t leaf, uint32_t sub)
{
    return (struct mig_cpuid_leaf *)mig_cpuid_policy_find(l, n, leaf, sub);
}

static void test_policy_compat(void **state)
{
    struct mig_cpuid_leaf want[MIG_CPUID_POLICY_MAX],
        have[MIG_CPUID_POLICY_MAX];
    char err[256] = "";
    uint32_t nw = mig_cpuid_policy_build(fake_cpuid, NULL, want);
    uint32_t nh = mig_cpuid_policy_build(fake_cpuid, NULL, have);
    struct mig_cpuid_leaf *e;

    (void)state;
    assert_int_equal(
        mig_cpuid_policy_compat(want, nw, have, nh, err, sizeof(err)), 0);
    /* The host lacks AVX2 (leaf 7 EBX bit 5). */
    find_rw(have, nh, 7, 0)->b = 0;
    assert_int_equal(
        mig_cpuid_policy_compat(want, nw, have, nh, err, sizeof(err)),
        -EOPNOTSUPP);
    assert_non_null(strstr(err, "CPUID leaf 0x7 subleaf 0 EBX bit 5 (avx2)"));
    /* Fewer features wanted than offered is fine. */
    assert_int_equal(
        mig_cpuid_policy_compat(have, nh, want, nw, err, sizeof(err)), 0);
    /* The hypervisor bit and OSXSAVE are state, not features. */
    nh = mig_cpuid_policy_build(fake_cpuid, NULL, have);
    e = find_rw(have, nh, 1, ~0u);
    e->c &= ~(1u << 31);
    assert_int_equal(
        mig_cpuid_policy_compat(want, nw, have, nh, err, sizeof(err)), 0);
    /* AVX (leaf 1 ECX bit 28) wanted, host without leaf 1 at all. */
    e->leaf = 0x2;
    assert_int_equal(
        mig_cpuid_policy_compat(want, nw, have, nh, err, sizeof(err)),
        -EOPNOTSUPP);
    assert_non_null(strstr(err, "leaf 0x1 ECX bit 28 (avx)"));
    /* An XSAVE component (leaf 0xd EAX: PKRU, bit 9). */
    nh = mig_cpuid_policy_build(fake_cpuid, NULL, have);
    find_rw(have, nh, 0xd, 0)->a &= ~0x200u;
    assert_int_equal(
        mig_cpuid_policy_compat(want, nw, have, nh, err, sizeof(err)),
        -EOPNOTSUPP);
    assert_non_null(strstr(err, "bit 9 (xstate_pkru)"));
}

/* ---- through the reader ------------------------------------------------ */

struct img {
    int cpuid_pos; /* 0: before STATIC_DATA_END, 1: after, -1: none */
    int msr_twice;
    int no_context;
    uint32_t ncpuid; /* 0: the built policy */
    struct mig_cpuid_leaf *cpuid;
    const void *kvm_vcpu;      /* an XHV_KVM_VCPU body, or NULL */
    const struct raw *context; /* or NULL: a sim context for 2 vCPUs */
};

static void rec(struct mig_writer *w, uint32_t type, const void *b, size_t n)
{
    struct mig_iov iov = {b, n};

    assert_int_equal(mig_write_record(w, type, &iov, b ? 1 : 0), 0);
}

static void image(struct mig_membuf *m, const struct img *o)
{
    static struct mig_hvm_ctx ctx;
    static struct mig_hvm_cpu cpu;
    struct mig_cpuid_leaf l[MIG_CPUID_POLICY_MAX];
    struct mig_msr_entry msr[2] = {{MIG_MSR_PLATFORM_INFO, 0, 0},
                                   {MIG_MSR_ARCH_CAPABILITIES, 0, 0}};
    struct mig_xhv_domain d = {.nr_vcpus = 2,
                               .memory_pages = 16,
                               .max_pages = 16,
                               .backend = MIG_BACKEND_SIM};
    uint32_t nl = mig_cpuid_policy_build(fake_cpuid, NULL, l);
    uint64_t pfn = 3 | MIG_PFN_TYPE_XALLOC;
    struct mig_writer w;

    memset(m, 0, sizeof(*m));
    strcpy(d.name, "g");
    mig_writer_init(&w, mig_mem_write, m);
    assert_int_equal(mig_write_headers(&w), 0);
    rec(&w, MIG_REC_XHV_DOMAIN, &d, sizeof(d));
    if (o->cpuid_pos == 0)
        rec(&w, MIG_REC_X86_CPUID_POLICY, o->cpuid ? o->cpuid : l,
            (o->ncpuid ? o->ncpuid : nl) * sizeof(l[0]));
    rec(&w, MIG_REC_X86_MSR_POLICY, msr, sizeof(msr));
    if (o->msr_twice)
        rec(&w, MIG_REC_X86_MSR_POLICY, msr, sizeof(msr));
    rec(&w, MIG_REC_STATIC_DATA_END, NULL, 0);
    if (o->cpuid_pos == 1)
        rec(&w, MIG_REC_X86_CPUID_POLICY, l, nl * sizeof(l[0]));
    assert_int_equal(mig_write_page_data(&w, &pfn, 1, NULL, 0), 0);
    if (o->context) {
        rec(&w, MIG_REC_HVM_CONTEXT, o->context->buf, o->context->len);
    } else if (!o->no_context) {
        mig_hvm_cpu_reset(&cpu);
        memset(&ctx, 0, sizeof(ctx));
        ctx.hdr = (struct mig_hvm_save_header){.magic = MIG_HVM_FILE_MAGIC,
                                               .version = MIG_HVM_FILE_VERSION};
        ctx.nr_vcpus = 2;
        ctx.vcpu[0].cpu = ctx.vcpu[1].cpu = &cpu;
        assert_int_equal(mig_write_hvm_context(&w, &ctx), 0);
    }
    if (o->kvm_vcpu)
        rec(&w, MIG_REC_XHV_KVM_VCPU, o->kvm_vcpu,
            sizeof(struct mig_xhv_kvm_vcpu));
    rec(&w, MIG_REC_END, NULL, 0);
}

/* Reads the image; returns the first error, err holds its message. */
static int read_image(struct mig_membuf *m, char *err, size_t errlen,
                      unsigned int *seen)
{
    struct mig_reader r;
    struct mig_item it;
    int rc;

    *seen = 0;
    m->pos = 0;
    mig_reader_init(&r, mig_mem_read, m);
    rc = mig_read_headers(&r);
    while (!rc) {
        rc = mig_read_next(&r, &it);
        if (rc)
            break;
        if (it.type == MIG_REC_X86_CPUID_POLICY) {
            assert_non_null(it.u.cpuid.leaves);
            *seen |= 1;
        } else if (it.type == MIG_REC_X86_MSR_POLICY) {
            assert_int_equal(it.u.msr.count, 2);
            *seen |= 2;
        } else if (it.type == MIG_REC_HVM_CONTEXT) {
            assert_int_equal(it.u.hvm->nr_vcpus, 2);
            assert_int_equal(it.u.hvm->vcpu[1].cpu->rip, 0xfff0);
            *seen |= 4;
        } else if (it.type == MIG_REC_XHV_KVM_VCPU) {
            *seen |= 8;
        } else if (it.type == MIG_REC_END) {
            break;
        }
    }
    snprintf(err, errlen, "%s", mig_error(&r));
    mig_reader_fini(&r);
    return rc;
}

static void expect_image(const struct img *o, int want, const char *needle)
{
    struct mig_membuf m;
    char err[MIG_ERR_MAX];
    unsigned int seen;
    int rc;

    image(&m, o);
    rc = read_image(&m, err, sizeof(err), &seen);
    if (rc != want || !strstr(err, needle))
        fail_msg("rc %d (want %d): \"%s\" (want \"%s\")", rc, want, err,
                 needle);
    mig_membuf_free(&m);
}

static void test_reader(void **state)
{
    struct mig_cpuid_leaf l[MIG_CPUID_POLICY_MAX];
    uint32_t nl = mig_cpuid_policy_build(fake_cpuid, NULL, l);
    struct mig_xhv_kvm_vcpu kv = {.vcpu_id = 1, .mp_state = 3};
    static struct raw bad;
    struct mig_hvm_cpu cpu = reset_cpu();
    struct mig_membuf m;
    char err[MIG_ERR_MAX];
    unsigned int seen;

    (void)state;
    image(&m, &(struct img){.kvm_vcpu = &kv});
    assert_int_equal(read_image(&m, err, sizeof(err), &seen), 0);
    assert_int_equal(seen, 15);
    mig_membuf_free(&m);
    /* Without the policies (Xen takes their absence as defaults). */
    image(&m, &(struct img){.cpuid_pos = -1});
    assert_int_equal(read_image(&m, err, sizeof(err), &seen), 0);
    assert_int_equal(seen, 6);
    mig_membuf_free(&m);
    expect_image(&(struct img){.cpuid_pos = 1}, -EINVAL,
                 "(X86_CPUID_POLICY) at offset");
    expect_image(&(struct img){.cpuid_pos = 1}, -EINVAL,
                 "comes after STATIC_DATA_END");
    expect_image(&(struct img){.msr_twice = 1}, -EINVAL,
                 "record 3 (X86_MSR_POLICY) at offset");
    expect_image(&(struct img){.no_context = 1}, -EINVAL,
                 "an HVM image without HVM_CONTEXT");
    l[3] = l[2];
    expect_image(&(struct img){.cpuid = l, .ncpuid = nl}, -EINVAL,
                 "entry 3: leaf 0x2 subleaf 0xffffffff is given twice");
    expect_image(&(struct img){.cpuid = l, .ncpuid = 1, .cpuid_pos = 0}, 0, "");
    /* A length that is no multiple of the entry. */
    image(&m, &(struct img){0});
    /* The CPUID policy's length, 8 more: it takes in the next header. */
    m.buf[40 + 8 + 144 + 4] += 8;
    if (read_image(&m, err, sizeof(err), &seen) != -EINVAL ||
        !strstr(err, "not a multiple of 24"))
        fail_msg("%s", err);
    mig_membuf_free(&m);
    /* A bad context names the stream record and the save record. */
    raw_header(&bad);
    raw_add(&bad, MIG_HVM_SAVE_CPU, 0, &cpu, sizeof(cpu));
    raw_add(&bad, MIG_HVM_SAVE_END, 0, NULL, 0);
    expect_image(&(struct img){.context = &bad}, -EINVAL,
                 "(HVM_CONTEXT) at offset");
    expect_image(&(struct img){.context = &bad}, -EINVAL,
                 "vCPU 1 has no CPU record");
    /* XHV_KVM_VCPU. */
    kv.vcpu_id = 2;
    expect_image(&(struct img){.kvm_vcpu = &kv}, -EINVAL,
                 "(XHV_KVM_VCPU) at offset");
    kv.vcpu_id = 0;
    kv.mp_state = 9;
    expect_image(&(struct img){.kvm_vcpu = &kv}, -EINVAL, "out of range");
}

static void test_reader_alloc_faults(void **state)
{
    struct mig_membuf m;
    char err[MIG_ERR_MAX];
    unsigned int n, seen;
    int rc;

    (void)state;
    image(&m, &(struct img){0});
    for (n = 1; n < 100; n++) {
        assert_int_equal(fault_arm(FAULT_SITE_ANY, n, FAULT_TRANSIENT), 0);
        rc = read_image(&m, err, sizeof(err), &seen);
        if (!fault_fired()) {
            assert_int_equal(rc, 0);
            break;
        }
        assert_int_equal(rc, -ENOMEM);
    }
    fault_disarm();
    assert_true(n > 2 && n < 100);
    mig_membuf_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_full),
        cmocka_unit_test(test_round_trip_sim),
        cmocka_unit_test(test_encode_refusals),
        cmocka_unit_test(test_refuse_framing),
        cmocka_unit_test(test_refuse_contents),
        cmocka_unit_test(test_policy_build),
        cmocka_unit_test(test_policy_host),
        cmocka_unit_test(test_policy_refusals),
        cmocka_unit_test(test_policy_compat),
        cmocka_unit_test(test_reader),
        cmocka_unit_test(test_reader_alloc_faults),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
