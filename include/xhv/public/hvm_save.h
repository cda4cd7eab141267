/* SPDX-License-Identifier: MIT */
/*
 * Xen's HVM save records, the body of the migration stream's HVM_CONTEXT
 * record (xen/include/public/hvm/save.h and arch-x86/hvm/save.h in Xen):
 * a run of {u16 typecode; u16 instance; u32 length} descriptors, each
 * followed by length bytes, HEADER first and a zero-length END last.
 * Per-vCPU records name the vCPU in instance. There is no padding between
 * records: every layout xhv carries is a multiple of 8 bytes long.
 *
 * Only the records xhv writes are described here; the sizes are Xen's
 * (checked by compiling Xen's public headers for x86-64), pinned below.
 * Layouts are little-endian; fields xhv does not fill are zero.
 */
#ifndef XHV_PUBLIC_HVM_SAVE_H
#define XHV_PUBLIC_HVM_SAVE_H

#include <stddef.h>
#include <stdint.h>

/* Typecodes (Xen's HVM_SAVE_CODE()). */
#define MIG_HVM_SAVE_END        0u
#define MIG_HVM_SAVE_HEADER     1u
#define MIG_HVM_SAVE_CPU        2u
#define MIG_HVM_SAVE_LAPIC      5u
#define MIG_HVM_SAVE_LAPIC_REGS 6u
#define MIG_HVM_SAVE_MTRR       14u
#define MIG_HVM_SAVE_CPU_XSAVE  16u
#define MIG_HVM_SAVE_CPU_MSR    20u
#define MIG_HVM_SAVE_CODE_MAX   20u /* Xen's HVM_SAVE_CODE_MAX */

struct mig_hvm_save_desc {
    uint16_t typecode;
    uint16_t instance; /* the vCPU for per-vCPU records, else 0 */
    uint32_t length;   /* bytes after this descriptor */
};
_Static_assert(sizeof(struct mig_hvm_save_desc) == 8, "hvm save desc size");

/* ---- HEADER (1) ---------------------------------------------------------- */
#define MIG_HVM_FILE_MAGIC   0x54381286u
#define MIG_HVM_FILE_VERSION 1u

struct mig_hvm_save_header {
    uint32_t magic;
    uint32_t version;
    uint64_t changeset; /* the writer's build; xhv: 0 */
    uint32_t cpuid;     /* CPUID leaf 1 EAX of the writing host */
    uint32_t gtsc_khz;  /* the guest's TSC rate, 0 if unknown */
};
_Static_assert(sizeof(struct mig_hvm_save_header) == 24, "hvm header size");

/* ---- CPU (2), struct hvm_hw_cpu ------------------------------------------ */
/* pending_event: bits 7:0 vector, 10:8 type, 11 error code valid,
 * 31 valid. Types are Xen's X86_EVENTTYPE_*. */
#define MIG_HVM_EV_VECTOR_MASK   0x000000ffu
#define MIG_HVM_EV_TYPE_SHIFT    8
#define MIG_HVM_EV_TYPE_MASK     0x00000700u
#define MIG_HVM_EV_ERROR_VALID   0x00000800u
#define MIG_HVM_EV_RESERVED      0x7ffff000u
#define MIG_HVM_EV_VALID         0x80000000u
#define MIG_HVM_EVT_EXT_INTR     0u
#define MIG_HVM_EVT_NMI          2u
#define MIG_HVM_EVT_HW_EXCEPTION 3u
#define MIG_HVM_EVT_SW_INTERRUPT 4u
#define MIG_HVM_EVT_PRI_SW_EXC   5u
#define MIG_HVM_EVT_SW_EXCEPTION 6u

/* flags */
#define MIG_HVM_CPU_FPU_INITIALISED 0x1u

/* Segment attributes (the *_arbytes fields): bits 3:0 type, 4 S, 6:5 DPL,
 * 7 P, 8 AVL, 9 L, 10 D/B, 11 G. An unusable segment has P clear. */
#define MIG_HVM_AR_S   (1u << 4)
#define MIG_HVM_AR_P   (1u << 7)
#define MIG_HVM_AR_AVL (1u << 8)
#define MIG_HVM_AR_L   (1u << 9)
#define MIG_HVM_AR_DB  (1u << 10)
#define MIG_HVM_AR_G   (1u << 11)

struct mig_hvm_cpu {
    uint8_t fpu_regs[512]; /* FXSAVE layout */
    uint64_t rax, rbx, rcx, rdx, rbp, rsi, rdi, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
    uint64_t cr0, cr2, cr3, cr4;
    uint64_t dr0, dr1, dr2, dr3, dr6, dr7;
    uint32_t cs_sel, ds_sel, es_sel, fs_sel, gs_sel, ss_sel, tr_sel, ldtr_sel;
    uint32_t cs_limit, ds_limit, es_limit, fs_limit, gs_limit, ss_limit,
        tr_limit, ldtr_limit, idtr_limit, gdtr_limit;
    uint64_t cs_base, ds_base, es_base, fs_base, gs_base, ss_base, tr_base,
        ldtr_base, idtr_base, gdtr_base;
    uint32_t cs_arbytes, ds_arbytes, es_arbytes, fs_arbytes, gs_arbytes,
        ss_arbytes, tr_arbytes, ldtr_arbytes;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t shadow_gs; /* MSR_KERNEL_GS_BASE */
    uint64_t msr_flags; /* obsolete: zero */
    uint64_t msr_lstar, msr_star, msr_cstar, msr_syscall_mask, msr_efer;
    uint64_t msr_tsc_aux;
    uint64_t tsc;
    uint32_t pending_event;
    uint32_t error_code;
    uint32_t flags; /* MIG_HVM_CPU_* */
    uint32_t pad0;
};
_Static_assert(sizeof(struct mig_hvm_cpu) == 1032, "hvm cpu size");
_Static_assert(offsetof(struct mig_hvm_cpu, cs_sel) == 736, "cpu cs_sel");
_Static_assert(offsetof(struct mig_hvm_cpu, cs_limit) == 768, "cpu cs_limit");
_Static_assert(offsetof(struct mig_hvm_cpu, cs_base) == 808, "cpu cs_base");
_Static_assert(offsetof(struct mig_hvm_cpu, cs_arbytes) == 888, "cpu arbytes");
_Static_assert(offsetof(struct mig_hvm_cpu, sysenter_cs) == 920, "sysenter");
_Static_assert(offsetof(struct mig_hvm_cpu, shadow_gs) == 944, "shadow_gs");
_Static_assert(offsetof(struct mig_hvm_cpu, msr_efer) == 992, "cpu efer");
_Static_assert(offsetof(struct mig_hvm_cpu, msr_tsc_aux) == 1000, "tsc_aux");
_Static_assert(offsetof(struct mig_hvm_cpu, tsc) == 1008, "cpu tsc");
_Static_assert(offsetof(struct mig_hvm_cpu, pending_event) == 1016, "pending");
_Static_assert(offsetof(struct mig_hvm_cpu, flags) == 1024, "cpu flags");

/* ---- LAPIC (5), struct hvm_hw_lapic -------------------------------------- */
#define MIG_HVM_LAPIC_SW_DISABLED 0x1u /* SVR bit 8 clear */
#define MIG_HVM_LAPIC_HW_DISABLED 0x2u /* APIC_BASE bit 11 clear */

struct mig_hvm_lapic {
    uint64_t apic_base_msr;
    uint32_t disabled; /* MIG_HVM_LAPIC_*_DISABLED */
    uint32_t timer_divisor;
    uint64_t tdt_msr; /* TSC deadline */
    uint32_t pending_esr;
    uint32_t _pad; /* Xen's struct is padded to 8: zero */
};
_Static_assert(sizeof(struct mig_hvm_lapic) == 32, "hvm lapic size");
_Static_assert(offsetof(struct mig_hvm_lapic, tdt_msr) == 16, "lapic tdt");
_Static_assert(offsetof(struct mig_hvm_lapic, pending_esr) == 24, "lapic esr");

/* ---- LAPIC_REGS (6): the first KiB of the APIC register page ------------- */
struct mig_hvm_lapic_regs {
    uint8_t data[1024];
};
_Static_assert(sizeof(struct mig_hvm_lapic_regs) == 1024, "lapic regs size");

/* ---- MTRR (14), struct hvm_hw_mtrr --------------------------------------- */
#define MIG_HVM_MTRR_VCNT  8u
#define MIG_HVM_MTRR_FIXED 11u

struct mig_hvm_mtrr {
    uint64_t msr_pat_cr;
    uint64_t msr_mtrr_var[MIG_HVM_MTRR_VCNT * 2]; /* base, mask pairs */
    uint64_t msr_mtrr_fixed[MIG_HVM_MTRR_FIXED];
    uint64_t msr_mtrr_cap;
    uint64_t msr_mtrr_def_type;
};
_Static_assert(sizeof(struct mig_hvm_mtrr) == 240, "hvm mtrr size");
_Static_assert(offsetof(struct mig_hvm_mtrr, msr_mtrr_fixed) == 136, "fixed");
_Static_assert(offsetof(struct mig_hvm_mtrr, msr_mtrr_cap) == 224, "mtrr cap");

/* ---- CPU_XSAVE (16), struct hvm_hw_cpu_xsave: this header, then the XSAVE
 * area in standard (non-compacted) form, 576 bytes or more; the record is
 * 24 + the area's size for xcr0_accum. ------------------------------------ */
#define MIG_HVM_XSAVE_AREA_MIN 576u
#define MIG_HVM_XSAVE_AREA_MAX (64u * 1024u) /* xhv's bound */

struct mig_hvm_xsave {
    uint64_t xfeature_mask; /* ignored by Xen; xhv writes 0 */
    uint64_t xcr0;
    uint64_t xcr0_accum; /* every component ever enabled */
    uint8_t fpu_sse[512];
    uint64_t xstate_bv;
    uint64_t xcomp_bv; /* 0: standard form */
    uint64_t reserved[6];
    /* uint8_t extended[]; */
};
_Static_assert(sizeof(struct mig_hvm_xsave) == 600, "hvm xsave size");
_Static_assert(offsetof(struct mig_hvm_xsave, xstate_bv) == 536, "xsave hdr");

/* ---- CPU_MSR (20), struct hvm_msr: {u32 count; u32 pad} + entries -------- */
#define MIG_HVM_MSR_MAX 64u /* xhv's bound; Xen sends at most 10 today */

struct mig_hvm_msr_hdr {
    uint32_t count;
    uint32_t _pad; /* zero */
};
struct mig_hvm_msr {
    uint32_t index;
    uint32_t _rsvd; /* zero */
    uint64_t val;
};
_Static_assert(sizeof(struct mig_hvm_msr_hdr) == 8, "hvm msr hdr size");
_Static_assert(sizeof(struct mig_hvm_msr) == 16, "hvm msr size");

#endif /* XHV_PUBLIC_HVM_SAVE_H */
