/* SPDX-License-Identifier: MIT */
/*
 * Core Xen guest ABI that xhv presents to 64-bit x86 guests: the shared_info
 * page, the per-vCPU vcpu_info block and its pvclock time record, plus the
 * reserved domain ids and the ABI page size.
 *
 * Guests read and write these structures directly, so every size and field
 * offset is pinned with _Static_assert; a layout slip fails the build rather
 * than corrupting a guest. The layouts follow Xen's public xen.h for a 64-bit
 * x86 guest (described here in our own words).
 */
#ifndef XHV_PUBLIC_XEN_H
#define XHV_PUBLIC_XEN_H

#include <stddef.h>
#include <stdint.h>

#include "xhv/public/arch-x86.h"

/* The ABI always talks in 4 KiB frames, whatever the host page size is. */
#define XEN_PAGE_SHIFT 12
#define XEN_PAGE_SIZE  (1UL << XEN_PAGE_SHIFT)

/* Number of vcpu_info slots embedded in the shared_info page on x86. */
#define XEN_LEGACY_MAX_VCPUS 32

/*
 * Domain ids are 16 bits wide. Ids from DOMID_FIRST_RESERVED upwards never
 * name an ordinary domain; they carry special meanings in hypercalls.
 */
typedef uint16_t xen_domid_t;

#define DOMID_FIRST_RESERVED 0x7FF0U
/* The calling domain itself. */
#define DOMID_SELF 0x7FF0U
/* Restricts a foreign mapping to I/O memory. */
#define DOMID_IO 0x7FF1U
/* Lets privileged domains map restricted hypervisor-owned pages. */
#define DOMID_XEN 0x7FF2U
/* Owner of pages shared copy-on-write between domains. */
#define DOMID_COW 0x7FF3U
/* Owner recorded for pages whose owner is unknown. */
#define DOMID_INVALID 0x7FF4U
/* "No particular id" when a caller asks for a new domain. */
#define DOMID_ANY 0x7FF5U
/* The idle domain. */
#define DOMID_IDLE 0x7FFFU
/* Mask covering every valid domain id value. */
#define DOMID_MASK 0x7FFFU

/*
 * pvclock record. The hypervisor makes version odd before an update and even
 * again after it, so a guest re-reads until it sees the same even version on
 * both sides of its read. Guest time in ns is
 *   system_time + ((((tsc - tsc_timestamp) << tsc_shift) * mul) >> 32)
 * where a negative tsc_shift means a right shift.
 */
struct xen_vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;
    uint8_t pad1[2];
};

/* The TSC is synchronised across vCPUs, so readings are monotonic. */
#define XEN_PVCLOCK_TSC_STABLE_BIT (1 << 0)
/* The vCPU was paused by the host; watchdogs should not fire. */
#define XEN_PVCLOCK_GUEST_STOPPED (1 << 1)

_Static_assert(sizeof(struct xen_vcpu_time_info) == 32,
               "vcpu_time_info must be 32 bytes");
_Static_assert(offsetof(struct xen_vcpu_time_info, version) == 0,
               "vcpu_time_info.version offset");
_Static_assert(offsetof(struct xen_vcpu_time_info, pad0) == 4,
               "vcpu_time_info.pad0 offset");
_Static_assert(offsetof(struct xen_vcpu_time_info, tsc_timestamp) == 8,
               "vcpu_time_info.tsc_timestamp offset");
_Static_assert(offsetof(struct xen_vcpu_time_info, system_time) == 16,
               "vcpu_time_info.system_time offset");
_Static_assert(offsetof(struct xen_vcpu_time_info, tsc_to_system_mul) == 24,
               "vcpu_time_info.tsc_to_system_mul offset");
_Static_assert(offsetof(struct xen_vcpu_time_info, tsc_shift) == 28,
               "vcpu_time_info.tsc_shift offset");
_Static_assert(offsetof(struct xen_vcpu_time_info, flags) == 29,
               "vcpu_time_info.flags offset");
_Static_assert(offsetof(struct xen_vcpu_time_info, pad1) == 30,
               "vcpu_time_info.pad1 offset");

/*
 * Per-vCPU event and time state. The hypervisor sets evtchn_upcall_pending
 * and the guest clears it before scanning for work, which avoids a lost
 * wakeup. evtchn_upcall_mask only has an effect for PV guests. Each set bit
 * in evtchn_pending_sel selects one word of shared_info's evtchn_pending.
 */
struct xen_vcpu_info {
    uint8_t evtchn_upcall_pending;
    uint8_t evtchn_upcall_mask;
    xen_ulong_t evtchn_pending_sel;
    struct xen_arch_vcpu_info arch;
    struct xen_vcpu_time_info time;
};

_Static_assert(sizeof(struct xen_vcpu_info) == 64,
               "vcpu_info must be 64 bytes");
_Static_assert(offsetof(struct xen_vcpu_info, evtchn_upcall_pending) == 0,
               "vcpu_info.evtchn_upcall_pending offset");
_Static_assert(offsetof(struct xen_vcpu_info, evtchn_upcall_mask) == 1,
               "vcpu_info.evtchn_upcall_mask offset");
_Static_assert(offsetof(struct xen_vcpu_info, evtchn_pending_sel) == 8,
               "vcpu_info.evtchn_pending_sel offset");
_Static_assert(offsetof(struct xen_vcpu_info, arch) == 16,
               "vcpu_info.arch offset");
_Static_assert(offsetof(struct xen_vcpu_info, arch.cr2) == 16,
               "vcpu_info.arch.cr2 offset");
_Static_assert(offsetof(struct xen_vcpu_info, arch.pad) == 24,
               "vcpu_info.arch.pad offset");
_Static_assert(offsetof(struct xen_vcpu_info, time) == 32,
               "vcpu_info.time offset");

/*
 * The shared_info page: the first 3136 bytes of a 4 KiB guest frame. With
 * 2-level event channels, port p is bit (p % 64) of evtchn_pending[p / 64],
 * giving 64 * 64 = 4096 ports. The wallclock (wc_*) fields give the time of
 * system_time zero; they use the same odd/even versioning as pvclock, and a
 * 64-bit layout keeps the high word of the seconds right after wc_nsec.
 */
struct xen_shared_info {
    struct xen_vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    xen_ulong_t evtchn_pending[sizeof(xen_ulong_t) * 8];
    xen_ulong_t evtchn_mask[sizeof(xen_ulong_t) * 8];
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
    uint32_t wc_sec_hi;
    struct xen_arch_shared_info arch;
};

_Static_assert(sizeof(struct xen_shared_info) == 3136,
               "shared_info must be 3136 bytes on x86-64");
_Static_assert(sizeof(struct xen_shared_info) <= XEN_PAGE_SIZE,
               "shared_info must fit in one guest page");
_Static_assert(offsetof(struct xen_shared_info, vcpu_info) == 0,
               "shared_info.vcpu_info offset");
_Static_assert(offsetof(struct xen_shared_info, vcpu_info[1]) == 64,
               "shared_info.vcpu_info[1] offset");
_Static_assert(offsetof(struct xen_shared_info, evtchn_pending) == 2048,
               "shared_info.evtchn_pending offset");
_Static_assert(offsetof(struct xen_shared_info, evtchn_mask) == 2560,
               "shared_info.evtchn_mask offset");
_Static_assert(offsetof(struct xen_shared_info, wc_version) == 3072,
               "shared_info.wc_version offset");
_Static_assert(offsetof(struct xen_shared_info, wc_sec) == 3076,
               "shared_info.wc_sec offset");
_Static_assert(offsetof(struct xen_shared_info, wc_nsec) == 3080,
               "shared_info.wc_nsec offset");
_Static_assert(offsetof(struct xen_shared_info, wc_sec_hi) == 3084,
               "shared_info.wc_sec_hi offset");
_Static_assert(offsetof(struct xen_shared_info, arch) == 3088,
               "shared_info.arch offset");
_Static_assert(offsetof(struct xen_shared_info, arch.max_pfn) == 3088,
               "shared_info.arch.max_pfn offset");
_Static_assert(offsetof(struct xen_shared_info,
                        arch.pfn_to_mfn_frame_list_list) == 3096,
               "shared_info.arch.pfn_to_mfn_frame_list_list offset");
_Static_assert(offsetof(struct xen_shared_info, arch.nmi_reason) == 3104,
               "shared_info.arch.nmi_reason offset");
_Static_assert(offsetof(struct xen_shared_info, arch.p2m_cr3) == 3112,
               "shared_info.arch.p2m_cr3 offset");
_Static_assert(offsetof(struct xen_shared_info, arch.p2m_vaddr) == 3120,
               "shared_info.arch.p2m_vaddr offset");
_Static_assert(offsetof(struct xen_shared_info, arch.p2m_generation) == 3128,
               "shared_info.arch.p2m_generation offset");

#endif /* XHV_PUBLIC_XEN_H */
