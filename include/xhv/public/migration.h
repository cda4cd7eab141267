/* SPDX-License-Identifier: MIT */
/*
 * The migration stream: Xen's libxc migration stream v2/v3 layout
 * (docs/specs/libxc-migration-stream.pandoc in Xen), plus xhv's own
 * records with the optional bit set so that any v2 reader can skip them.
 *
 *   image header   24 B, big-endian (the only big-endian part)
 *   domain header  16 B
 *   records        {u32 type; u32 body_length} + body + zero padding to 8
 *
 * Every layout here is fixed-size and little-endian; reserved fields are
 * zero and a reader refuses non-zero ones. docs/migration.md lists the
 * records an xhv stream holds and in which order.
 */
#ifndef XHV_PUBLIC_MIGRATION_H
#define XHV_PUBLIC_MIGRATION_H

#include <stddef.h>
#include <stdint.h>

#include "xhv/public/hvm_save.h"

/* ---- image header (big-endian) ------------------------------------------ */
#define MIG_IHDR_MARKER         0xffffffffffffffffULL
#define MIG_IHDR_ID             0x58454e46u /* "XENF" */
#define MIG_IHDR_VERSION        3u          /* v3; v2 is also read */
#define MIG_IHDR_OPT_BIG_ENDIAN 0x0001u

struct mig_ihdr {
    uint64_t marker;
    uint32_t id;
    uint32_t version;
    uint16_t options;
    uint16_t _res1;
    uint32_t _res2;
};
_Static_assert(sizeof(struct mig_ihdr) == 24, "mig_ihdr size");

/* ---- domain header --------------------------------------------------------
 */
#define MIG_DHDR_TYPE_X86_PV  1u
#define MIG_DHDR_TYPE_X86_HVM 2u

struct mig_dhdr {
    uint32_t type;
    uint16_t page_shift;
    uint16_t _res1;
    uint32_t xen_major;
    uint32_t xen_minor;
};
_Static_assert(sizeof(struct mig_dhdr) == 16, "mig_dhdr size");

/* ---- records ----------------------------------------------------------------
 */
struct mig_rhdr {
    uint32_t type;
    uint32_t length; /* body bytes, without the padding */
};
_Static_assert(sizeof(struct mig_rhdr) == 8, "mig_rhdr size");

#define MIG_REC_ALIGN      8u
#define MIG_REC_LENGTH_MAX (128u << 20) /* Xen's REC_LENGTH_MAX */
#define MIG_REC_OPTIONAL   0x80000000u

#define MIG_REC_END              0x00000000u
#define MIG_REC_PAGE_DATA        0x00000001u
#define MIG_REC_X86_TSC_INFO     0x00000008u
#define MIG_REC_HVM_CONTEXT      0x00000009u
#define MIG_REC_HVM_PARAMS       0x0000000au
#define MIG_REC_STATIC_DATA_END  0x00000010u
#define MIG_REC_X86_CPUID_POLICY 0x00000011u
#define MIG_REC_X86_MSR_POLICY   0x00000012u

/* xhv's optional records: 0x8058xxxx ('X'). */
#define MIG_REC_XHV_DOMAIN     0x80580001u
#define MIG_REC_XHV_EXTRA_PAGE 0x80580002u
#define MIG_REC_XHV_VCPU       0x80580003u
#define MIG_REC_XHV_EVTCHN     0x80580004u
#define MIG_REC_XHV_CONSOLE    0x80580005u
#define MIG_REC_XHV_CONFIG     0x80580006u
#define MIG_REC_XHV_KVM_VCPU   0x80580007u
#define MIG_REC_XHV_PAGES      0x80580008u

/* xhv's mandatory records: 0x0058xxxx, for state a reader must not drop
 * (one that does not know the type refuses the image). */
#define MIG_REC_XHV_EVTCHN_FIFO 0x00580001u

/* ---- PAGE_DATA: {u32 count; u32 _res} + u64 pfn[count] + pages ------------
 */
#define MIG_PAGE_SIZE       4096u
#define MIG_PAGE_SHIFT      12u
#define MIG_PFN_MASK        0x000fffffffffffffULL
#define MIG_PFN_TYPE_MASK   0xf000000000000000ULL
#define MIG_PFN_RES_MASK    0x0ff0000000000000ULL
#define MIG_PFN_TYPE_NOTAB  0x0000000000000000ULL /* data follows */
#define MIG_PFN_TYPE_BROKEN 0xd000000000000000ULL
#define MIG_PFN_TYPE_XALLOC 0xe000000000000000ULL /* allocate, no data */
#define MIG_PFN_TYPE_XTAB   0xf000000000000000ULL /* invalid, no data */
/* Xen's writer sends at most 1024 pages a record; so does xhv's. */
#define MIG_PAGE_BATCH 1024u

struct mig_page_data_hdr {
    uint32_t count; /* > 0 */
    uint32_t _res1;
};
_Static_assert(sizeof(struct mig_page_data_hdr) == 8, "page_data hdr size");

/* ---- X86_TSC_INFO ----------------------------------------------------------
 */
struct mig_tsc_info {
    uint32_t mode;
    uint32_t khz;
    uint64_t nsec; /* the writer's guest system time at save */
    uint32_t incarnation;
    uint32_t _res1;
};
_Static_assert(sizeof(struct mig_tsc_info) == 24, "tsc_info size");

/* ---- HVM_CONTEXT: Xen's HVM save records (hvm_save.h), HEADER first and
 * END last. ------------------------------------------------------------- */

/* ---- X86_CPUID_POLICY: xen_cpuid_leaf_t[] (arch-x86/xen.h), sorted by
 * (leaf, subleaf), no leaf twice. Leaves without subleaves have subleaf
 * MIG_CPUID_NO_SUBLEAF. Only the leaves Xen's policy holds: basic 0..0xd
 * (subleaves of 4: 0..5, 7: 0..2, 0xb: 0..1, 0xd: 0..62), 0x40000000 and
 * 0x40000100 (eax: the hypervisor range's limit, 0 = default) and
 * 0x80000000..0x80000021. At most MIG_CPUID_POLICY_MAX entries, Xen's
 * CPUID_MAX_SERIALISED_LEAVES. --------------------------------------- */
#define MIG_CPUID_NO_SUBLEAF 0xffffffffu
#define MIG_CPUID_POLICY_MAX 120u
#define MIG_CPUID_BASIC_MAX  0xdu
#define MIG_CPUID_EXTD_MAX   0x80000021u
#define MIG_CPUID_HV_LEAF    0x40000000u
#define MIG_CPUID_HV2_LEAF   0x40000100u

struct mig_cpuid_leaf {
    uint32_t leaf, subleaf;
    uint32_t a, b, c, d;
};
_Static_assert(sizeof(struct mig_cpuid_leaf) == 24, "xen_cpuid_leaf_t size");

/* ---- X86_MSR_POLICY: xen_msr_entry_t[], sorted by index, flags zero. The
 * MSRs Xen's policy holds: PLATFORM_INFO (0xce) and ARCH_CAPABILITIES
 * (0x10a), MSR_MAX_SERIALISED_ENTRIES in Xen. ---------------------------- */
#define MIG_MSR_POLICY_MAX               2u
#define MIG_MSR_PLATFORM_INFO            0x000000ceu
#define MIG_MSR_ARCH_CAPABILITIES        0x0000010au
#define MIG_PLATFORM_INFO_CPUID_FAULTING (1ULL << 31)

struct mig_msr_entry {
    uint32_t idx;
    uint32_t flags; /* zero */
    uint64_t val;
};
_Static_assert(sizeof(struct mig_msr_entry) == 16, "xen_msr_entry_t size");

/* ---- HVM_PARAMS: {u32 count; u32 _res} + {u64 index; u64 value}[count] --- */
struct mig_hvm_params_hdr {
    uint32_t count;
    uint32_t _res1;
};
struct mig_hvm_param {
    uint64_t index;
    uint64_t value;
};
_Static_assert(sizeof(struct mig_hvm_param) == 16, "hvm param size");
#define MIG_HVM_NR_PARAMS 1024u

/* ---- XHV_DOMAIN: what the receiver builds the domain from. Before
 * STATIC_DATA_END and before any PAGE_DATA. ----------------------------- */
#define MIG_BACKEND_SIM   1u
#define MIG_BACKEND_KVM   2u
#define MIG_STATE_RUNNING 0u
#define MIG_STATE_PAUSED  1u
#define MIG_GFN_NONE      0xffffffffffffffffULL
#define MIG_MAX_VCPUS     128u

struct mig_xhv_domain {
    uint16_t domid; /* on the writer: names peers in XHV_EVTCHN */
    uint8_t state;  /* MIG_STATE_* */
    uint8_t backend;
    uint32_t nr_vcpus; /* 1..MIG_MAX_VCPUS */
    uint64_t memory_pages;
    uint64_t max_pages; /* >= memory_pages */
    uint64_t tot_pages; /* RAM pages the domain has: checked at the end */
    uint8_t on_poweroff, on_reboot, on_crash;
    uint8_t evtchn_abi; /* MIG_EVTCHN_ABI_* as the image began */
    uint32_t max_grant_frames;
    uint32_t max_maptrack_frames;
    uint32_t gnttab_version; /* 0 (never set: 1), 1 or 2 */
    char name[64];           /* NUL-terminated, non-empty */
    char backend_prog[32];   /* sim program, NUL-terminated */
};
_Static_assert(sizeof(struct mig_xhv_domain) == 144, "xhv_domain size");

/* ---- XHV_EXTRA_PAGE: a PGC_extra page (never in PAGE_DATA). ----------- */
#define MIG_EXTRA_SHARED_INFO  1u /* index 0 */
#define MIG_EXTRA_GRANT_FRAME  2u /* index: the frame's number */
#define MIG_EXTRA_GRANT_STATUS 3u /* index: the status frame's number */
#define MIG_MAX_GRANT_FRAMES   4096u
struct mig_xhv_extra_page {
    uint32_t kind; /* MIG_EXTRA_* */
    uint32_t index;
    uint64_t gfn; /* where the guest has it, or MIG_GFN_NONE */
    /* uint8_t contents[4096]; */
};
_Static_assert(sizeof(struct mig_xhv_extra_page) == 16, "extra page size");

/* ---- XHV_VCPU ---------------------------------------------------------- */
struct mig_xhv_vcpu {
    uint32_t vcpu_id;
    uint8_t online;
    uint8_t upcall_vector;
    uint8_t singleshot_armed;
    uint8_t _res1;
    uint64_t vcpu_info_gfn; /* MIG_GFN_NONE: the shared_info slot */
    uint32_t vcpu_info_offset;
    uint32_t runstate_state;
    uint64_t runstate_gva;
    uint64_t runstate_entry_ns;
    uint64_t runstate_time[4];
    uint64_t periodic_ns;
    uint64_t singleshot_ns;
};
_Static_assert(sizeof(struct mig_xhv_vcpu) == 88, "xhv_vcpu size");

/* ---- XHV_EVTCHN: {u32 count; u32 _res} + struct lu_evtchn_port[count]
 * (include/xhv/public/liveupdate.h: the same wire entry, 24 B). -------- */
struct mig_xhv_evtchn_hdr {
    uint32_t count;
    uint32_t _res1;
};
#define MIG_EVTCHN_ENTRY_SIZE 24u
#define MIG_EVTCHN_MAX_PORTS  4096u /* 2-level */

/* ---- XHV_EVTCHN_FIFO: {u32 nr_control; u32 nr_array} +
 * struct lu_fifo_control[nr_control] (80 B: vCPU, control block offset
 * and gfn, the 16 queue tails) + u64 array_gfn[nr_array] (the event-array
 * pages in order), the live-update stream's EVTCHN_FIFO body without its
 * domid. At most once, after XHV_EVTCHN, for a domain using the FIFO ABI
 * when its state was written; XHV_DOMAIN's evtchn_abi says what it used
 * when the image began (an older reader refuses FIFO there, before any
 * page is sent). The pages event delivery writes (vcpu_info, control
 * blocks, event arrays) are sent again in a PAGE_DATA record just before
 * it, copied in the same instant as the tails. ------------------------- */
#define MIG_EVTCHN_ABI_2L        0u
#define MIG_EVTCHN_ABI_FIFO      1u
#define MIG_FIFO_CONTROL_SIZE    80u
#define MIG_FIFO_MAX_ARRAY_PAGES 1024u
struct mig_xhv_evtchn_fifo_hdr {
    uint32_t nr_control; /* 1..the domain's nr_vcpus */
    uint32_t nr_array;   /* <= MIG_FIFO_MAX_ARRAY_PAGES */
};
_Static_assert(sizeof(struct mig_xhv_evtchn_fifo_hdr) == 8,
               "xhv_evtchn_fifo_hdr size");

/* ---- XHV_CONSOLE: {u64 total_written; u32 ring_len; u32 _res} + ring --- */
struct mig_xhv_console {
    uint64_t total_written;
    uint32_t ring_len; /* <= MIG_CONSOLE_MAX */
    uint32_t _res1;
};
_Static_assert(sizeof(struct mig_xhv_console) == 16, "xhv_console size");
#define MIG_CONSOLE_MAX (64u * 1024u)

/* ---- XHV_PAGES: the domain's page counts when its memory was last sent,
 * in the state part. XHV_DOMAIN's tot_pages is from the start; a guest
 * that gave pages back or took more meanwhile is counted here. ---- */
struct mig_xhv_pages {
    uint64_t tot_pages; /* RAM pages, extra pages not counted */
    uint64_t max_pages;
    uint64_t extra_pages; /* shared_info, grant frames */
};
_Static_assert(sizeof(struct mig_xhv_pages) == 24, "xhv_pages size");

/* ---- XHV_CONFIG: the domain's configuration as JSON text (for restarts
 * and `xhv list -l`), at most MIG_CONFIG_MAX bytes, no NUL. ------------- */
#define MIG_CONFIG_MAX (64u * 1024u)

/* ---- XHV_KVM_VCPU: per vCPU of a KVM guest, the state KVM keeps that no
 * Xen save record holds (Xen's CPU record has the one pending event; KVM
 * also tracks these). ---------------------------------------------------- */
#define MIG_KVM_MP_STATE_MAX 4u /* RUNNABLE .. SIPI_RECEIVED */
struct mig_xhv_kvm_vcpu {
    uint32_t vcpu_id;
    uint32_t mp_state; /* KVM_MP_STATE_*, 0..MIG_KVM_MP_STATE_MAX */
    uint8_t nmi_pending;
    uint8_t nmi_masked;
    uint8_t interrupt_shadow; /* KVM_X86_SHADOW_INT_* bits, 0..3 */
    uint8_t sipi_vector;
    uint32_t _res1;
    uint64_t tsc_adjust;  /* MSR 0x3b */
    uint64_t misc_enable; /* MSR 0x1a0 */
};
_Static_assert(sizeof(struct mig_xhv_kvm_vcpu) == 32, "xhv_kvm_vcpu size");

#endif /* XHV_PUBLIC_MIGRATION_H */
