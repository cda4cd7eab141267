/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The KVM backend's state conversions (src/backend/kvm/state_conv.c) on
 * synthetic KVM state: a long-mode vCPU with an injected page fault, XSAVE
 * with AVX, every MSR the records carry, turned into Xen's save records
 * and back, directly and through an encoded HVM_CONTEXT; the legacy FPU
 * path; each kind of event; the refusals. Nothing here needs /dev/kvm
 * (test_kvm_host.c is the part that does).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/kvm/private.h"
#include "lib/alloc.h"

#define XSZ 4096u

/* The CPUID policy that sizes XSAVE: AVX (component 2) at 576, 256 B. */
static const struct mig_cpuid_leaf pol[] = {
    {0xd, 0, 7, 832, 832, 0},
    {0xd, 1, 1, 0, 0, 0},
    {0xd, 2, 256, 576, 0, 0},
};
#define NPOL (sizeof(pol) / sizeof(pol[0]))

static uint8_t area[XSZ];

static struct kvm_segment seg(uint64_t base, uint32_t limit, uint16_t sel,
                              uint8_t type, uint8_t s, uint8_t l, uint8_t db,
                              uint8_t g)
{
    return (struct kvm_segment){.base = base,
                                .limit = limit,
                                .selector = sel,
                                .type = type,
                                .present = 1,
                                .s = s,
                                .l = l,
                                .db = db,
                                .g = g};
}

static void put32(char *regs, unsigned int off, uint32_t v)
{
    memcpy(regs + off, &v, 4);
}

/* A 64-bit guest in the middle of taking a page fault. */
static void snapshot(struct kvm_vcpu_snapshot *s)
{
    uint32_t idx[KVM_STATE_MAX_MSRS];
    unsigned int i, n = kvm_state_msr_list(idx);
    uint64_t bv = 7;

    memset(s, 0, sizeof(*s));
    s->regs = (struct kvm_regs){1,
                                2,
                                3,
                                4,
                                5,
                                6,
                                7,
                                8,
                                9,
                                10,
                                11,
                                12,
                                13,
                                14,
                                15,
                                16,
                                0xffffffff81000000ULL,
                                0x246};
    s->sregs.cs = seg(0, 0xffffffff, 0x10, 0xb, 1, 1, 0, 1);
    s->sregs.ds = seg(0, 0xffffffff, 0x18, 0x3, 1, 0, 1, 1);
    s->sregs.es = s->sregs.ss = s->sregs.ds;
    s->sregs.fs = seg(0x7f0000001000ULL, 0xffffffff, 0, 0x3, 1, 0, 1, 1);
    s->sregs.gs = seg(0xffff888000000000ULL, 0xffffffff, 0, 0x3, 1, 0, 1, 1);
    s->sregs.tr = seg(0xfffffe0000003000ULL, 0x67, 0x40, 0xb, 0, 0, 0, 0);
    s->sregs.ldt = (struct kvm_segment){.type = 2, .unusable = 1};
    s->sregs.gdt =
        (struct kvm_dtable){.base = 0xfffffe0000001000ULL, .limit = 0x7f};
    s->sregs.idt =
        (struct kvm_dtable){.base = 0xfffffe0000000000ULL, .limit = 0xfff};
    s->sregs.cr0 = 0x80050033, s->sregs.cr2 = 0x1234;
    s->sregs.cr3 = 0x100000, s->sregs.cr4 = 0x3506f0;
    s->sregs.cr8 = 2, s->sregs.efer = 0xd01;
    s->sregs.apic_base = 0xfee00900;
    s->dbg = (struct kvm_debugregs){.db = {0x1000, 0x2000, 0x3000, 0x4000},
                                    .dr6 = 0xffff0ff0,
                                    .dr7 = 0x401};
    s->ev.exception.injected = 1, s->ev.exception.nr = 14;
    s->ev.exception.has_error_code = 1, s->ev.exception.error_code = 2;
    s->ev.nmi.pending = 1, s->ev.nmi.masked = 1;
    s->ev.interrupt.shadow = KVM_X86_SHADOW_INT_MOV_SS;
    s->mp.mp_state = KVM_MP_STATE_HALTED;
    for (i = 0; i < sizeof(s->lapic.regs); i++)
        s->lapic.regs[i] = (char)(i * 7);
    put32(s->lapic.regs, 0x80, 0x20);  /* TPR: CR8 2 */
    put32(s->lapic.regs, 0xf0, 0x1ff); /* SVR: enabled */
    put32(s->lapic.regs, 0x3e0, 0xb);  /* divide by 1 */
    memset(area, 0, sizeof(area));
    for (i = 0; i < 512; i++)
        area[i] = (uint8_t)(i ^ 0x5a);
    memcpy(area + 512, &bv, 8);
    for (i = 576; i < 832; i++)
        area[i] = (uint8_t)i;
    s->xsave = area;
    s->xsave_len = XSZ;
    s->xcr0 = 7;
    for (i = 0; i < n; i++)
        s->msrs[i] = (struct kvm_msr_entry){
            .index = idx[i],
            .data = idx[i] == 0xfe ? 0x508 : (uint64_t)idx[i] * 3 + 1};
    s->nr_msrs = n;
    for (i = 0; i < n; i++)
        if (s->msrs[i].index == 0xc0000103) /* TSC_AUX is 32 bits */
            s->msrs[i].data = 7;
}

static struct mig_hvm_vcpu view(const struct kvm_xen_vcpu *x)
{
    return (struct mig_hvm_vcpu){.cpu = &x->cpu,
                                 .lapic = &x->lapic,
                                 .lapic_regs = &x->lapic_regs,
                                 .mtrr = &x->mtrr,
                                 .xsave = (const void *)x->xsave,
                                 .xsave_len = x->xsave_len,
                                 .nr_msrs = x->nr_msrs,
                                 .msrs = x->msrs};
}

static uint64_t msr_of(const struct kvm_vcpu_snapshot *s, uint32_t index,
                       bool *found)
{
    uint32_t i;

    for (i = 0; i < s->nr_msrs; i++)
        if (s->msrs[i].index == index) {
            *found = true;
            return s->msrs[i].data;
        }
    *found = false;
    return 0;
}

/* b came back from a's records: the same state, bar what is not carried
 * (MTRRcap, read-only) and the event flags set on the way in. */
static void same_state(const struct kvm_vcpu_snapshot *a,
                       const struct kvm_vcpu_snapshot *b)
{
    struct kvm_vcpu_events ea = a->ev, eb = b->ev;
    uint32_t i;

    assert_memory_equal(&a->regs, &b->regs, sizeof(a->regs));
    assert_memory_equal(&a->sregs, &b->sregs, sizeof(a->sregs));
    assert_memory_equal(&a->dbg, &b->dbg, sizeof(a->dbg));
    assert_memory_equal(&a->lapic, &b->lapic, sizeof(a->lapic));
    assert_int_equal(a->mp.mp_state, b->mp.mp_state);
    assert_int_equal(eb.flags, KVM_VCPUEVENT_VALID_NMI_PENDING |
                                   KVM_VCPUEVENT_VALID_SHADOW |
                                   KVM_VCPUEVENT_VALID_SIPI_VECTOR);
    ea.flags = eb.flags = 0;
    assert_memory_equal(&ea, &eb, sizeof(ea));
    assert_int_equal(a->xcr0, b->xcr0);
    if (a->xsave)
        assert_memory_equal(a->xsave, b->xsave, 832);
    for (i = 0; i < a->nr_msrs; i++) {
        bool found;
        uint64_t v = msr_of(b, a->msrs[i].index, &found);

        if (a->msrs[i].index == 0xfe) {
            assert_false(found);
            continue;
        }
        assert_true(found);
        assert_int_equal(v, a->msrs[i].data);
    }
    assert_int_equal(b->nr_msrs, a->nr_msrs - 1);
}

static void test_to_xen(void **state)
{
    static struct kvm_vcpu_snapshot s;
    static struct kvm_xen_vcpu x;
    const struct mig_hvm_cpu *c = &x.cpu;
    const struct mig_hvm_xsave *xs;

    (void)state;
    snapshot(&s);
    assert_int_equal(kvm_state_to_xen(&s, 0, pol, NPOL, &x), 0);
    assert_int_equal(c->rip, 0xffffffff81000000ULL);
    assert_int_equal(c->r15, 16);
    assert_int_equal(c->cs_arbytes, 0xb | MIG_HVM_AR_S | MIG_HVM_AR_P |
                                        MIG_HVM_AR_L | MIG_HVM_AR_G);
    assert_int_equal(c->tr_arbytes, 0xb | MIG_HVM_AR_P);
    assert_int_equal(c->ldtr_arbytes, 0x2); /* unusable: P clear */
    assert_int_equal(c->fs_base, 0x7f0000001000ULL);
    assert_int_equal(c->gdtr_limit, 0x7f);
    assert_int_equal(c->msr_efer, 0xd01);
    assert_int_equal(c->dr7, 0x401);
    assert_int_equal(c->pending_event,
                     MIG_HVM_EV_VALID | 3u << 8 | MIG_HVM_EV_ERROR_VALID | 14);
    assert_int_equal(c->error_code, 2);
    assert_int_equal(c->flags, MIG_HVM_CPU_FPU_INITIALISED);
    assert_int_equal(c->tsc, 0x10 * 3 + 1);
    assert_int_equal(c->shadow_gs, 0xc0000102ULL * 3 + 1);
    assert_int_equal(c->sysenter_eip, 0x176 * 3 + 1);
    assert_memory_equal(c->fpu_regs, area, 512);
    assert_int_equal(x.lapic.apic_base_msr, 0xfee00900);
    assert_int_equal(x.lapic.disabled, 0);
    assert_int_equal(x.lapic.timer_divisor, 1);
    assert_int_equal(x.lapic.tdt_msr, 0x6e0 * 3 + 1);
    assert_memory_equal(x.lapic_regs.data, s.lapic.regs, 1024);
    assert_int_equal(x.mtrr.msr_mtrr_var[3], 0x203 * 3 + 1);
    assert_int_equal(x.mtrr.msr_mtrr_fixed[10], 0x26f * 3 + 1);
    assert_int_equal(x.mtrr.msr_mtrr_cap, 0x508);
    assert_int_equal(x.mtrr.msr_pat_cr, 0x277 * 3 + 1);
    /* CPU_MSR: Xen's ten, in its order. */
    assert_int_equal(x.nr_msrs, 10);
    assert_int_equal(x.msrs[0].index, 0x48);
    assert_int_equal(x.msrs[9].index, 0xc001101b);
    /* CPU_XSAVE: the standard area up to the end of AVX. */
    assert_int_equal(x.xsave_len, 24 + 832);
    xs = (const void *)x.xsave;
    assert_int_equal(xs->xcr0, 7);
    assert_int_equal(xs->xcr0_accum, 7);
    assert_int_equal(xs->xstate_bv, 7);
    assert_memory_equal(x.xsave + 24, area, 832);
    /* XHV_KVM_VCPU. */
    assert_int_equal(x.extra.mp_state, KVM_MP_STATE_HALTED);
    assert_int_equal(x.extra.nmi_pending, 1);
    assert_int_equal(x.extra.nmi_masked, 1);
    assert_int_equal(x.extra.interrupt_shadow, KVM_X86_SHADOW_INT_MOV_SS);
    assert_int_equal(x.extra.tsc_adjust, 0x3b * 3 + 1);
    assert_int_equal(x.extra.misc_enable, 0x1a0 * 3 + 1);
    kvm_xen_vcpu_fini(&x);
}

static void test_round_trip(void **state)
{
    static struct kvm_vcpu_snapshot s, back;
    static struct kvm_xen_vcpu x;
    static uint8_t area2[XSZ];
    struct mig_hvm_vcpu v;
    char err[256];

    (void)state;
    snapshot(&s);
    assert_int_equal(kvm_state_to_xen(&s, 0, pol, NPOL, &x), 0);
    v = view(&x);
    back.xsave = area2;
    back.xsave_len = XSZ;
    assert_int_equal(kvm_state_from_xen(&v, &x.extra, &back, err, sizeof(err)),
                     0);
    same_state(&s, &back);
    kvm_xen_vcpu_fini(&x);
}

/* The same through an encoded and decoded HVM_CONTEXT, with a second
 * vCPU KVM never made. */
static void test_through_context(void **state)
{
    static struct kvm_vcpu_snapshot s, back;
    static struct kvm_xen_vcpu x[2];
    static struct mig_hvm_ctx ctx, out;
    static uint8_t area2[XSZ];
    char err[256];
    uint8_t *buf;
    size_t len;

    (void)state;
    snapshot(&s);
    assert_int_equal(kvm_state_to_xen(&s, 0, pol, NPOL, &x[0]), 0);
    kvm_state_reset(1, &x[1]);
    ctx.hdr = (struct mig_hvm_save_header){.magic = MIG_HVM_FILE_MAGIC,
                                           .version = MIG_HVM_FILE_VERSION};
    ctx.nr_vcpus = 2;
    ctx.vcpu[0] = view(&x[0]);
    ctx.vcpu[1] = view(&x[1]);
    assert_int_equal(mig_hvm_context_encode(&ctx, &buf, &len), 0);
    if (mig_hvm_context_decode(buf, (uint32_t)len, 2, MIG_HVM_NEED_KVM, &out,
                               err, sizeof(err)))
        fail_msg("%s", err);
    back.xsave = area2;
    back.xsave_len = XSZ;
    assert_int_equal(
        kvm_state_from_xen(&out.vcpu[0], &x[0].extra, &back, err, sizeof(err)),
        0);
    same_state(&s, &back);
    /* The never-run vCPU: RESET, its LAPIC as KVM makes it. */
    assert_int_equal(
        kvm_state_from_xen(&out.vcpu[1], &x[1].extra, &back, err, sizeof(err)),
        0);
    assert_int_equal(back.regs.rip, 0xfff0);
    assert_int_equal(back.sregs.cs.base, 0xffff0000);
    assert_int_equal(back.sregs.apic_base, 0xfee00800);
    assert_int_equal(back.mp.mp_state, KVM_MP_STATE_UNINITIALIZED);
    assert_int_equal((uint8_t)back.lapic.regs[0x23], 1); /* APIC ID 1 */
    assert_int_equal(back.fpu.fcw, 0x37f);
    assert_int_equal(x[1].lapic.disabled, MIG_HVM_LAPIC_SW_DISABLED);
    assert_int_equal(back.xsave[512], 3); /* x87 and SSE, initial */
    xhv_free(buf);
    kvm_xen_vcpu_fini(&x[0]);
}

static void test_fpu_path(void **state)
{
    static struct kvm_vcpu_snapshot s, back;
    static struct kvm_xen_vcpu x;
    struct mig_hvm_vcpu v;
    uint8_t fx[512];
    uint32_t mx;
    unsigned int i;
    char err[256];

    (void)state;
    snapshot(&s);
    s.xsave = NULL;
    s.xsave_len = 0;
    s.xcr0 = 1;
    s.fpu.fcw = 0x37f, s.fpu.fsw = 0x3800, s.fpu.ftwx = 0x81;
    s.fpu.last_opcode = 0x7d9, s.fpu.last_ip = 0xffffffff81234567ULL;
    s.fpu.last_dp = 0x7ffc0000;
    s.fpu.mxcsr = 0x1fa0;
    for (i = 0; i < 8 * 16; i++)
        s.fpu.fpr[i / 16][i % 16] = (uint8_t)i;
    for (i = 0; i < 16 * 16; i++)
        s.fpu.xmm[i / 16][i % 16] = (uint8_t)(255 - i);
    /* The FXSAVE layout. */
    kvm_fpu_to_fxsave(&s.fpu, fx);
    assert_int_equal(fx[4], 0x81);
    memcpy(&mx, fx + 24, 4);
    assert_int_equal(mx, 0x1fa0);
    assert_int_equal(fx[32 + 17], 17);
    assert_int_equal(fx[160], 255);
    assert_int_equal(kvm_state_to_xen(&s, 0, pol, NPOL, &x), 0);
    assert_null(x.xsave);
    assert_memory_equal(x.cpu.fpu_regs, fx, 512);
    v = view(&x);
    assert_int_equal(kvm_state_from_xen(&v, &x.extra, &back, err, sizeof(err)),
                     0);
    same_state(&s, &back);
    assert_memory_equal(&s.fpu, &back.fpu, sizeof(s.fpu));
    /* A record without FPU_INITIALISED: the FPU's reset state. */
    x.cpu.flags = 0;
    assert_int_equal(kvm_state_from_xen(&v, &x.extra, &back, err, sizeof(err)),
                     0);
    assert_int_equal(back.fpu.fcw, 0x37f);
    assert_int_equal(back.fpu.mxcsr, 0x1f80);
    assert_int_equal(back.fpu.xmm[0][0], 0);
}

static void test_events(void **state)
{
    static struct kvm_vcpu_snapshot s, back;
    static struct kvm_xen_vcpu x;
    struct mig_hvm_vcpu v;
    char err[256] = "";
    static const struct {
        uint8_t nmi, intr, soft, nr;
        uint32_t pending;
    } cases[] = {
        {1, 0, 0, 0, MIG_HVM_EV_VALID | 2u << 8 | 2},
        {0, 1, 0, 0x31, MIG_HVM_EV_VALID | 0u << 8 | 0x31},
        {0, 1, 1, 0x80, MIG_HVM_EV_VALID | 4u << 8 | 0x80},
        {0, 0, 0, 0, 0},
    };
    unsigned int k;

    (void)state;
    for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        snapshot(&s);
        s.xsave = NULL;
        memset(&s.ev, 0, sizeof(s.ev));
        s.ev.nmi.injected = cases[k].nmi;
        s.ev.interrupt.injected = cases[k].intr;
        s.ev.interrupt.soft = cases[k].soft;
        s.ev.interrupt.nr = cases[k].nr;
        assert_int_equal(kvm_state_to_xen(&s, 0, pol, NPOL, &x), 0);
        assert_int_equal(x.cpu.pending_event, cases[k].pending);
        v = view(&x);
        assert_int_equal(
            kvm_state_from_xen(&v, &x.extra, &back, err, sizeof(err)), 0);
        assert_int_equal(back.ev.nmi.injected, cases[k].nmi);
        assert_int_equal(back.ev.interrupt.injected, cases[k].intr);
        assert_int_equal(back.ev.interrupt.soft, cases[k].soft);
        assert_int_equal(back.ev.interrupt.nr, cases[k].nr);
        assert_int_equal(back.ev.exception.injected, 0);
    }
    /* A software exception arrives as an exception. */
    x.cpu.pending_event = MIG_HVM_EV_VALID | 6u << 8 | 3;
    assert_int_equal(kvm_state_from_xen(&v, &x.extra, &back, err, sizeof(err)),
                     0);
    assert_int_equal(back.ev.exception.injected, 1);
    assert_int_equal(back.ev.exception.nr, 3);
    /* Type 7 has no KVM form. */
    x.cpu.pending_event = MIG_HVM_EV_VALID | 7u << 8 | 3;
    assert_int_equal(kvm_state_from_xen(&v, &x.extra, &back, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "pending event 0x80000703"));
}

static void test_refusals(void **state)
{
    static struct kvm_vcpu_snapshot s, back;
    static struct kvm_xen_vcpu x;
    static uint8_t small[512];
    struct mig_hvm_vcpu v;
    char err[256] = "";

    (void)state;
    /* The policy cannot size the area (no subleaf for AVX). */
    snapshot(&s);
    assert_int_equal(kvm_state_to_xen(&s, 0, pol, 2, &x), -EINVAL);
    assert_int_equal(kvm_xsave_area_size(pol, NPOL, 7), 832);
    assert_int_equal(kvm_xsave_area_size(pol, NPOL, 3), 576);
    assert_int_equal(kvm_xsave_area_size(pol, 2, 7), 0);
    /* An MP state Xen's records cannot carry (AP_RESET_HOLD). */
    s.mp.mp_state = 9;
    assert_int_equal(kvm_state_to_xen(&s, 0, pol, NPOL, &x), -EOPNOTSUPP);
    /* XSAVE state for a host without XSAVE, or with a smaller area. */
    snapshot(&s);
    assert_int_equal(kvm_state_to_xen(&s, 0, pol, NPOL, &x), 0);
    v = view(&x);
    back.xsave = NULL;
    assert_int_equal(kvm_state_from_xen(&v, &x.extra, &back, err, sizeof(err)),
                     -EOPNOTSUPP);
    assert_non_null(strstr(err, "this host's KVM has no XSAVE"));
    back.xsave = small;
    back.xsave_len = sizeof(small);
    assert_int_equal(kvm_state_from_xen(&v, &x.extra, &back, err, sizeof(err)),
                     -EOPNOTSUPP);
    assert_non_null(strstr(err, "XSAVE area is 832 bytes, this host's KVM "
                                "takes 512"));
    /* A record missing. */
    v.lapic = NULL;
    assert_int_equal(kvm_state_from_xen(&v, &x.extra, &back, err, sizeof(err)),
                     -EINVAL);
    kvm_xen_vcpu_fini(&x);
}

static void test_msr_filter(void **state)
{
    static struct kvm_vcpu_snapshot s;
    const uint32_t have[] = {0x10, 0x174, 0xda0};
    char err[256] = "";

    (void)state;
    memset(&s, 0, sizeof(s));
    s.msrs[0] = (struct kvm_msr_entry){.index = 0x10, .data = 5};
    s.msrs[1] = (struct kvm_msr_entry){.index = 0x6e1, .data = 0};
    s.msrs[2] = (struct kvm_msr_entry){.index = 0xda0, .data = 0x100};
    s.nr_msrs = 3;
    assert_int_equal(kvm_state_msrs_filter(&s, have, 3, err, sizeof(err)), 0);
    assert_int_equal(s.nr_msrs, 2);
    assert_int_equal(s.msrs[1].index, 0xda0);
    assert_int_equal(kvm_state_msrs_filter(&s, have, 1, err, sizeof(err)),
                     -EOPNOTSUPP);
    assert_non_null(strstr(err, "MSR 0xda0 is 0x100 in the guest"));
}

static void test_cpuid_lookup(void **state)
{
    static const struct kvm_cpuid_entry2 e[] = {
        {.function = 0, .eax = 7},
        {.function = 1, .ecx = 1u << 28, .edx = 1},
        {.function = 7,
         .index = 0,
         .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
         .eax = 1,
         .ebx = 1u << 5},
        {.function = 7,
         .index = 1,
         .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
         .eax = 0x10},
        {.function = 0x40000000, .eax = 0x40000005},
        {.function = 0x80000000, .eax = 0x80000001},
    };
    /* struct kvm_cpuid2 ends in a flexible array: room for e after it. */
    static uint64_t buf[(sizeof(struct kvm_cpuid2) + sizeof(e)) / 8 + 1];
    struct kvm_cpuid2 *c = (void *)buf;
    struct mig_cpuid_leaf l[MIG_CPUID_POLICY_MAX];
    char err[256];
    uint32_t n;

    (void)state;
    c->nent = sizeof(e) / sizeof(e[0]);
    memcpy(c->entries, e, sizeof(e));
    n = mig_cpuid_policy_build(kvm_cpuid_lookup, c, l);
    assert_int_equal(mig_cpuid_policy_check(l, n, err, sizeof(err)), 0);
    /* 0..7 with two subleaves of 7, the two limits, 0x80000000..1. */
    assert_int_equal(n, 9 + 2 + 2);
    assert_int_equal(mig_cpuid_policy_find(l, n, 7, 0)->b, 1u << 5);
    assert_int_equal(mig_cpuid_policy_find(l, n, 7, 1)->a, 0x10);
    assert_int_equal(mig_cpuid_policy_find(l, n, 1, ~0u)->c, 1u << 28);
    assert_int_equal(mig_cpuid_policy_find(l, n, 0x40000000, ~0u)->a, 5);
    assert_int_equal(mig_cpuid_policy_find(l, n, 3, ~0u)->a, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_to_xen),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_through_context),
        cmocka_unit_test(test_fpu_path),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_msr_filter),
        cmocka_unit_test(test_cpuid_lookup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
