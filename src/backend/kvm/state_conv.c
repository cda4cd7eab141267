/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A KVM vCPU's state (what KVM_GET_REGS, SREGS, DEBUGREGS, VCPU_EVENTS,
 * MP_STATE, LAPIC, XCRS, XSAVE or FPU and MSRS return) to Xen's HVM save
 * records and back. Pure: no ioctls, so every conversion is unit-tested
 * with synthetic structs; state.c does the ioctls.
 *
 * Where each piece goes:
 *   regs, sregs (segments, CRs, EFER), debugregs, the one injected event,
 *   the FXSAVE image and the CPU record's MSRs (SYSENTER, STAR/LSTAR/
 *   CSTAR/FMASK, KERNEL_GS_BASE, TSC_AUX, TSC)            -> CPU
 *   APIC_BASE, the register page, TSC_DEADLINE             -> LAPIC(_REGS)
 *   PAT and the MTRRs                                      -> MTRR
 *   XCR0 and the XSAVE area (standard form)                -> CPU_XSAVE
 *   Xen's own list of extra MSRs (SPEC_CTRL, XSS, ...)     -> CPU_MSR
 *   MP state, NMI pending/masked, interrupt shadow, SIPI
 *   vector, TSC_ADJUST, MISC_ENABLE                        -> XHV_KVM_VCPU
 *
 * Lossy corners, both ways the same: a segment that KVM calls present but
 * unusable comes back not present and unusable (Xen folds "unusable"
 * into P, as VMX does); an injected software exception comes back as a
 * hardware one (KVM's events do not say which it was); CR8 is rebuilt
 * from the LAPIC's TPR; MTRRcap is read-only in KVM and not restored.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backend/kvm/private.h"
#include "lib/alloc.h"

#define APIC_BASE_ENABLE 0x800ULL
#define APIC_BASE_BSP    0x100ULL
#define APIC_ID          0x20
#define APIC_VERSION     0x30
#define APIC_TPR         0x80
#define APIC_DFR         0xe0
#define APIC_SVR         0xf0
#define APIC_LVT_FIRST   0x320
#define APIC_LVT_LAST    0x370
#define APIC_TDCR        0x3e0
#define APIC_SVR_ENABLE  0x100u

/* ---- segments --------------------------------------------------------------
 */

static const struct seg_map {
    uint16_t kvm; /* offset in struct kvm_sregs */
    uint16_t sel, limit, base, ar;
} seg_map[] = {
#define SEG(k, x)                                                              \
    {                                                                          \
        offsetof(struct kvm_sregs, k), offsetof(struct mig_hvm_cpu, x##_sel),  \
            offsetof(struct mig_hvm_cpu, x##_limit),                           \
            offsetof(struct mig_hvm_cpu, x##_base),                            \
            offsetof(struct mig_hvm_cpu, x##_arbytes)                          \
    }
    SEG(cs, cs), SEG(ds, ds), SEG(es, es), SEG(fs, fs),
    SEG(gs, gs), SEG(ss, ss), SEG(tr, tr), SEG(ldt, ldtr),
#undef SEG
};

#define FIELD(p, off, type) (*(type *)((uint8_t *)(p) + (off)))

static uint32_t seg_ar(const struct kvm_segment *s)
{
    return (s->type & 0xfu) | (s->s ? MIG_HVM_AR_S : 0) |
           (uint32_t)(s->dpl & 3) << 5 |
           (s->present && !s->unusable ? MIG_HVM_AR_P : 0) |
           (s->avl ? MIG_HVM_AR_AVL : 0) | (s->l ? MIG_HVM_AR_L : 0) |
           (s->db ? MIG_HVM_AR_DB : 0) | (s->g ? MIG_HVM_AR_G : 0);
}

static void segs_to_xen(const struct kvm_sregs *sr, struct mig_hvm_cpu *c)
{
    size_t i;

    for (i = 0; i < sizeof(seg_map) / sizeof(seg_map[0]); i++) {
        const struct kvm_segment *s =
            &FIELD(sr, seg_map[i].kvm, const struct kvm_segment);

        FIELD(c, seg_map[i].sel, uint32_t) = s->selector;
        FIELD(c, seg_map[i].limit, uint32_t) = s->limit;
        FIELD(c, seg_map[i].base, uint64_t) = s->base;
        FIELD(c, seg_map[i].ar, uint32_t) = seg_ar(s);
    }
    c->gdtr_base = sr->gdt.base;
    c->gdtr_limit = sr->gdt.limit;
    c->idtr_base = sr->idt.base;
    c->idtr_limit = sr->idt.limit;
}

static void segs_from_xen(const struct mig_hvm_cpu *c, struct kvm_sregs *sr)
{
    size_t i;

    for (i = 0; i < sizeof(seg_map) / sizeof(seg_map[0]); i++) {
        struct kvm_segment *s = &FIELD(sr, seg_map[i].kvm, struct kvm_segment);
        uint32_t ar = FIELD(c, seg_map[i].ar, const uint32_t);

        *s = (struct kvm_segment){
            .base = FIELD(c, seg_map[i].base, const uint64_t),
            .limit = FIELD(c, seg_map[i].limit, const uint32_t),
            .selector = (uint16_t)FIELD(c, seg_map[i].sel, const uint32_t),
            .type = ar & 0xf,
            .s = !!(ar & MIG_HVM_AR_S),
            .dpl = (ar >> 5) & 3,
            .present = !!(ar & MIG_HVM_AR_P),
            .avl = !!(ar & MIG_HVM_AR_AVL),
            .l = !!(ar & MIG_HVM_AR_L),
            .db = !!(ar & MIG_HVM_AR_DB),
            .g = !!(ar & MIG_HVM_AR_G),
            .unusable = !(ar & MIG_HVM_AR_P),
        };
    }
    sr->gdt = (struct kvm_dtable){.base = c->gdtr_base,
                                  .limit = (uint16_t)c->gdtr_limit};
    sr->idt = (struct kvm_dtable){.base = c->idtr_base,
                                  .limit = (uint16_t)c->idtr_limit};
}

/* ---- FPU -------------------------------------------------------------------
 *
 * The 64-bit FXSAVE image: FCW @0, FSW @2, abridged FTW @4, FOP @6,
 * FIP @8, FDP @16, MXCSR @24, MXCSR_MASK @28, ST0-7 @32 (16 B each),
 * XMM0-15 @160.
 */

void kvm_fpu_to_fxsave(const struct kvm_fpu *f, uint8_t *fx)
{
    memset(fx, 0, 512);
    memcpy(fx + 0, &f->fcw, 2);
    memcpy(fx + 2, &f->fsw, 2);
    fx[4] = f->ftwx;
    memcpy(fx + 6, &f->last_opcode, 2);
    memcpy(fx + 8, &f->last_ip, 8);
    memcpy(fx + 16, &f->last_dp, 8);
    memcpy(fx + 24, &f->mxcsr, 4);
    memcpy(fx + 32, f->fpr, sizeof(f->fpr));
    memcpy(fx + 160, f->xmm, sizeof(f->xmm));
}

void kvm_fxsave_to_fpu(const uint8_t *fx, struct kvm_fpu *f)
{
    memset(f, 0, sizeof(*f));
    memcpy(&f->fcw, fx + 0, 2);
    memcpy(&f->fsw, fx + 2, 2);
    f->ftwx = fx[4];
    memcpy(&f->last_opcode, fx + 6, 2);
    memcpy(&f->last_ip, fx + 8, 8);
    memcpy(&f->last_dp, fx + 16, 8);
    memcpy(&f->mxcsr, fx + 24, 4);
    memcpy(f->fpr, fx + 32, sizeof(f->fpr));
    memcpy(f->xmm, fx + 160, sizeof(f->xmm));
}

static void fpu_reset(struct kvm_fpu *f)
{
    memset(f, 0, sizeof(*f));
    f->fcw = 0x37f;
    f->mxcsr = 0x1f80;
}

/* ---- XSAVE -----------------------------------------------------------------
 */

uint32_t kvm_xsave_area_size(const struct mig_cpuid_leaf *pol, uint32_t n,
                             uint64_t xcr0_accum)
{
    uint32_t size = MIG_HVM_XSAVE_AREA_MIN, i;

    /* Components 0 and 1 live in the legacy area; each other one's place
     * in the standard form is CPUID 0xd's subleaf for it. */
    for (i = 2; i < 63; i++) {
        const struct mig_cpuid_leaf *e;

        if (!(xcr0_accum & (1ULL << i)))
            continue;
        e = mig_cpuid_policy_find(pol, n, 0xd, i);
        if (!e || !e->a)
            return 0;
        if (e->b + e->a > size)
            size = e->b + e->a;
    }
    return size;
}

static int xsave_to_xen(const struct kvm_vcpu_snapshot *s,
                        const struct mig_cpuid_leaf *pol, uint32_t npol,
                        struct kvm_xen_vcpu *x)
{
    struct mig_hvm_xsave h = {.xcr0 = s->xcr0};
    uint64_t bv;
    uint32_t area;

    memcpy(&bv, s->xsave + 512, 8);
    h.xcr0_accum = s->xcr0 | bv;
    area = kvm_xsave_area_size(pol, npol, h.xcr0_accum);
    if (!area || area > s->xsave_len)
        return -EINVAL;
    x->xsave_len = 24 + area;
    x->xsave = xhv_malloc(x->xsave_len);
    if (!x->xsave)
        return -ENOMEM;
    memcpy(x->xsave, &h, 24);
    memcpy(x->xsave + 24, s->xsave, area);
    memcpy(x->cpu.fpu_regs, s->xsave, 512);
    return 0;
}

/* ---- events ----------------------------------------------------------------
 */

static void events_to_xen(const struct kvm_vcpu_events *ev,
                          struct mig_hvm_cpu *c, struct mig_xhv_kvm_vcpu *e)
{
    uint32_t t = 0, vec = 0;
    bool valid = true;

    if (ev->exception.injected) {
        t = MIG_HVM_EVT_HW_EXCEPTION;
        vec = ev->exception.nr;
        if (ev->exception.has_error_code) {
            c->pending_event |= MIG_HVM_EV_ERROR_VALID;
            c->error_code = ev->exception.error_code;
        }
    } else if (ev->nmi.injected) {
        t = MIG_HVM_EVT_NMI;
        vec = 2;
    } else if (ev->interrupt.injected) {
        t = ev->interrupt.soft ? MIG_HVM_EVT_SW_INTERRUPT
                               : MIG_HVM_EVT_EXT_INTR;
        vec = ev->interrupt.nr;
    } else {
        valid = false;
    }
    if (valid)
        c->pending_event |=
            MIG_HVM_EV_VALID | t << MIG_HVM_EV_TYPE_SHIFT | (vec & 0xff);
    e->nmi_pending = !!ev->nmi.pending;
    e->nmi_masked = !!ev->nmi.masked;
    e->interrupt_shadow = ev->interrupt.shadow & 3;
    e->sipi_vector = (uint8_t)ev->sipi_vector;
}

static int events_from_xen(const struct mig_hvm_cpu *c,
                           const struct mig_xhv_kvm_vcpu *e,
                           struct kvm_vcpu_events *ev)
{
    uint32_t pe = c->pending_event;
    uint32_t t = (pe & MIG_HVM_EV_TYPE_MASK) >> MIG_HVM_EV_TYPE_SHIFT;
    uint8_t vec = (uint8_t)(pe & MIG_HVM_EV_VECTOR_MASK);

    memset(ev, 0, sizeof(*ev));
    if (pe & MIG_HVM_EV_VALID) {
        switch (t) {
        case MIG_HVM_EVT_EXT_INTR:
        case MIG_HVM_EVT_SW_INTERRUPT:
            ev->interrupt.injected = 1;
            ev->interrupt.nr = vec;
            ev->interrupt.soft = t == MIG_HVM_EVT_SW_INTERRUPT;
            break;
        case MIG_HVM_EVT_NMI:
            ev->nmi.injected = 1;
            break;
        case MIG_HVM_EVT_HW_EXCEPTION:
        case MIG_HVM_EVT_PRI_SW_EXC:
        case MIG_HVM_EVT_SW_EXCEPTION:
            ev->exception.injected = 1;
            ev->exception.nr = vec;
            ev->exception.has_error_code = !!(pe & MIG_HVM_EV_ERROR_VALID);
            ev->exception.error_code = c->error_code;
            break;
        default:
            return -EINVAL;
        }
    }
    ev->flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
                KVM_VCPUEVENT_VALID_SIPI_VECTOR;
    if (e) {
        ev->nmi.pending = e->nmi_pending;
        ev->nmi.masked = e->nmi_masked;
        ev->interrupt.shadow = e->interrupt_shadow;
        ev->sipi_vector = e->sipi_vector;
    }
    return 0;
}

/* ---- LAPIC -----------------------------------------------------------------
 */

static uint32_t apic_reg(const char *regs, unsigned int off)
{
    uint32_t v;

    memcpy(&v, regs + off, 4);
    return v;
}

static void lapic_to_xen(const struct kvm_vcpu_snapshot *s,
                         struct kvm_xen_vcpu *x)
{
    uint32_t tdcr = apic_reg(s->lapic.regs, APIC_TDCR);
    /* The divide configuration's bits 0, 1 and 3 give 2^(n+1), with 7
     * meaning 1. */
    uint32_t n = ((tdcr & 3) | ((tdcr & 8) >> 1)) + 1;

    memcpy(x->lapic_regs.data, s->lapic.regs, sizeof(x->lapic_regs.data));
    x->lapic.apic_base_msr = s->sregs.apic_base;
    x->lapic.timer_divisor = 1u << (n & 7);
    if (!(s->sregs.apic_base & APIC_BASE_ENABLE))
        x->lapic.disabled |= MIG_HVM_LAPIC_HW_DISABLED;
    if (!(apic_reg(s->lapic.regs, APIC_SVR) & APIC_SVR_ENABLE))
        x->lapic.disabled |= MIG_HVM_LAPIC_SW_DISABLED;
}

/* ---- the whole vCPU ---------------------------------------------------------
 */

static void regs_to_xen(const struct kvm_regs *r, struct mig_hvm_cpu *c)
{
    c->rax = r->rax, c->rbx = r->rbx, c->rcx = r->rcx, c->rdx = r->rdx;
    c->rbp = r->rbp, c->rsi = r->rsi, c->rdi = r->rdi, c->rsp = r->rsp;
    c->r8 = r->r8, c->r9 = r->r9, c->r10 = r->r10, c->r11 = r->r11;
    c->r12 = r->r12, c->r13 = r->r13, c->r14 = r->r14, c->r15 = r->r15;
    c->rip = r->rip, c->rflags = r->rflags;
}

static void regs_from_xen(const struct mig_hvm_cpu *c, struct kvm_regs *r)
{
    r->rax = c->rax, r->rbx = c->rbx, r->rcx = c->rcx, r->rdx = c->rdx;
    r->rbp = c->rbp, r->rsi = c->rsi, r->rdi = c->rdi, r->rsp = c->rsp;
    r->r8 = c->r8, r->r9 = c->r9, r->r10 = c->r10, r->r11 = c->r11;
    r->r12 = c->r12, r->r13 = c->r13, r->r14 = c->r14, r->r15 = c->r15;
    r->rip = c->rip, r->rflags = c->rflags;
}

int kvm_state_to_xen(const struct kvm_vcpu_snapshot *s, uint32_t id,
                     const struct mig_cpuid_leaf *pol, uint32_t npol,
                     struct kvm_xen_vcpu *x)
{
    struct mig_hvm_cpu *c = &x->cpu;

    memset(x, 0, sizeof(*x));
    if (s->mp.mp_state > MIG_KVM_MP_STATE_MAX)
        return -EOPNOTSUPP;
    regs_to_xen(&s->regs, c);
    segs_to_xen(&s->sregs, c);
    c->cr0 = s->sregs.cr0, c->cr2 = s->sregs.cr2;
    c->cr3 = s->sregs.cr3, c->cr4 = s->sregs.cr4;
    c->msr_efer = s->sregs.efer;
    c->dr0 = s->dbg.db[0], c->dr1 = s->dbg.db[1];
    c->dr2 = s->dbg.db[2], c->dr3 = s->dbg.db[3];
    c->dr6 = s->dbg.dr6, c->dr7 = s->dbg.dr7;
    c->flags = MIG_HVM_CPU_FPU_INITIALISED;
    x->extra.vcpu_id = id;
    x->extra.mp_state = s->mp.mp_state;
    events_to_xen(&s->ev, c, &x->extra);
    lapic_to_xen(s, x);
    kvm_state_msrs_to_xen(s, x);
    if (!s->xsave) {
        kvm_fpu_to_fxsave(&s->fpu, c->fpu_regs);
        return 0;
    }
    return xsave_to_xen(s, pol, npol, x);
}

void kvm_xen_vcpu_fini(struct kvm_xen_vcpu *x)
{
    xhv_free(x->xsave);
    x->xsave = NULL;
    x->xsave_len = 0;
}

void kvm_state_reset(uint32_t id, struct kvm_xen_vcpu *x)
{
    uint32_t v, off;

    memset(x, 0, sizeof(*x));
    mig_hvm_cpu_reset(&x->cpu);
    /* The LAPIC as KVM resets it: enabled in APIC_BASE (the BSP flag on
     * vCPU 0), software-disabled (SVR 0xff), every LVT masked, divide by
     * 2. */
    x->lapic.apic_base_msr =
        0xfee00000ULL | APIC_BASE_ENABLE | (id == 0 ? APIC_BASE_BSP : 0);
    x->lapic.disabled = MIG_HVM_LAPIC_SW_DISABLED;
    x->lapic.timer_divisor = 2;
    v = id << 24;
    memcpy(x->lapic_regs.data + APIC_ID, &v, 4);
    v = 0x50014;
    memcpy(x->lapic_regs.data + APIC_VERSION, &v, 4);
    v = 0xffffffff;
    memcpy(x->lapic_regs.data + APIC_DFR, &v, 4);
    v = 0xff;
    memcpy(x->lapic_regs.data + APIC_SVR, &v, 4);
    v = 0x10000;
    for (off = APIC_LVT_FIRST; off <= APIC_LVT_LAST; off += 0x10)
        memcpy(x->lapic_regs.data + off, &v, 4);
    x->mtrr.msr_pat_cr = 0x0007040600070406ULL;
    x->mtrr.msr_mtrr_cap = 0x508; /* 8 variable, fixed, WC */
    x->extra.vcpu_id = id;
    x->extra.mp_state =
        id == 0 ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED;
}

/* ---- back to KVM -----------------------------------------------------------
 */

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

static int xsave_from_xen(const struct mig_hvm_vcpu *x,
                          struct kvm_vcpu_snapshot *s, char *err, size_t errlen)
{
    uint32_t area = x->xsave_len - 24;

    if (!s->xsave)
        return say(err, errlen, -EOPNOTSUPP,
                   "the guest has XSAVE state but this host's KVM has no "
                   "XSAVE");
    if (area > s->xsave_len)
        return say(err, errlen, -EOPNOTSUPP,
                   "the guest's XSAVE area is %u bytes, this host's KVM "
                   "takes %u",
                   area, s->xsave_len);
    memset(s->xsave, 0, s->xsave_len);
    memcpy(s->xsave, (const uint8_t *)x->xsave + 24, area);
    s->xcr0 = x->xsave->xcr0;
    return 0;
}

int kvm_state_from_xen(const struct mig_hvm_vcpu *x,
                       const struct mig_xhv_kvm_vcpu *e,
                       struct kvm_vcpu_snapshot *s, char *err, size_t errlen)
{
    const struct mig_hvm_cpu *c = x->cpu;

    if (!c || !x->lapic || !x->lapic_regs)
        return say(err, errlen, -EINVAL, "a CPU or LAPIC record is missing");
    memset(&s->regs, 0, sizeof(s->regs));
    regs_from_xen(c, &s->regs);
    memset(&s->sregs, 0, sizeof(s->sregs));
    segs_from_xen(c, &s->sregs);
    s->sregs.cr0 = c->cr0, s->sregs.cr2 = c->cr2;
    s->sregs.cr3 = c->cr3, s->sregs.cr4 = c->cr4;
    s->sregs.efer = c->msr_efer;
    s->sregs.apic_base = x->lapic->apic_base_msr;
    s->sregs.cr8 = (uint8_t)x->lapic_regs->data[APIC_TPR] >> 4;
    s->dbg = (struct kvm_debugregs){
        .db = {c->dr0, c->dr1, c->dr2, c->dr3}, .dr6 = c->dr6, .dr7 = c->dr7};
    memcpy(s->lapic.regs, x->lapic_regs->data, sizeof(s->lapic.regs));
    s->mp.mp_state = e ? e->mp_state : KVM_MP_STATE_RUNNABLE;
    if (events_from_xen(c, e, &s->ev))
        return say(err, errlen, -EINVAL, "pending event %#x has no KVM form",
                   c->pending_event);
    if (c->flags & MIG_HVM_CPU_FPU_INITIALISED)
        kvm_fxsave_to_fpu(c->fpu_regs, &s->fpu);
    else
        fpu_reset(&s->fpu);
    s->xcr0 = 1;
    kvm_state_msrs_from_xen(x, e, s);
    if (x->xsave)
        return xsave_from_xen(x, s, err, errlen);
    if (s->xsave) {
        /* No CPU_XSAVE: the legacy area from the CPU record, the rest in
         * its initial state. */
        memset(s->xsave, 0, s->xsave_len);
        kvm_fpu_to_fxsave(&s->fpu, s->xsave);
        s->xsave[512] = 3; /* XSTATE_BV: x87 and SSE */
    }
    return 0;
}

/* ---- CPUID ------------------------------------------------------------------
 */

void kvm_cpuid_lookup(void *opaque, uint32_t leaf, uint32_t subleaf,
                      uint32_t regs[4])
{
    const struct kvm_cpuid2 *c = opaque;
    uint32_t i;

    regs[0] = regs[1] = regs[2] = regs[3] = 0;
    for (i = 0; i < c->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &c->entries[i];

        if (e->function != leaf ||
            ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) &&
             e->index != subleaf))
            continue;
        regs[0] = e->eax, regs[1] = e->ebx, regs[2] = e->ecx, regs[3] = e->edx;
        return;
    }
}
