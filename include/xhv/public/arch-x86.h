/* SPDX-License-Identifier: MIT */
/*
 * x86-64 specific parts of the Xen guest ABI that xhv presents: the per-vCPU
 * and per-domain "arch" blocks embedded in vcpu_info and shared_info.
 *
 * These are wire layouts shared with guest kernels, so every size and offset
 * below is pinned with _Static_assert; a mismatch breaks the build rather
 * than a guest. The layouts follow Xen's public arch-x86 headers for a
 * 64-bit guest (described here in our own words).
 */
#ifndef XHV_PUBLIC_ARCH_X86_H
#define XHV_PUBLIC_ARCH_X86_H

#include <stddef.h>
#include <stdint.h>

/*
 * Xen spells this "unsigned long"; for a 64-bit guest that is always eight
 * bytes, and a fixed-width type keeps the layout independent of the host's
 * data model.
 */
typedef uint64_t xen_ulong_t;

/*
 * Per-vCPU architecture state inside struct xen_vcpu_info. Only PV guests
 * use cr2 (the faulting address of the last page fault Xen reflected); the
 * pad word exists so that vcpu_info comes out at exactly 64 bytes.
 */
struct xen_arch_vcpu_info {
    xen_ulong_t cr2;
    xen_ulong_t pad;
};

_Static_assert(sizeof(struct xen_arch_vcpu_info) == 16,
               "arch_vcpu_info must be 16 bytes");
_Static_assert(offsetof(struct xen_arch_vcpu_info, cr2) == 0,
               "arch_vcpu_info.cr2 offset");
_Static_assert(offsetof(struct xen_arch_vcpu_info, pad) == 8,
               "arch_vcpu_info.pad offset");

/*
 * Per-domain architecture state at the tail of struct xen_shared_info. The
 * p2m fields describe a PV guest's physical-to-machine table so toolstacks
 * can find it; HVM/PVH guests leave them zero. A 64-bit layout has no
 * wc_sec_hi here: only 32-bit x86 guests keep it in this block, because
 * the generic structure has no room for it in that layout.
 */
struct xen_arch_shared_info {
    /* Count of valid entries in the p2m table(s) described below. */
    xen_ulong_t max_pfn;
    /*
     * Frame of the top level of the three-level p2m frame tree; 0 means not
     * yet set up and ~0 means too large for the tree (use p2m_vaddr).
     */
    xen_ulong_t pfn_to_mfn_frame_list_list;
    xen_ulong_t nmi_reason;
    /* The next three are only meaningful when p2m_cr3 is non-zero. */
    xen_ulong_t p2m_cr3;
    xen_ulong_t p2m_vaddr;
    /* Odd while the guest is changing the linear p2m list's mappings. */
    xen_ulong_t p2m_generation;
};

_Static_assert(sizeof(struct xen_arch_shared_info) == 48,
               "arch_shared_info must be 48 bytes on x86-64");
_Static_assert(offsetof(struct xen_arch_shared_info, max_pfn) == 0,
               "arch_shared_info.max_pfn offset");
_Static_assert(offsetof(struct xen_arch_shared_info,
                        pfn_to_mfn_frame_list_list) == 8,
               "arch_shared_info.pfn_to_mfn_frame_list_list offset");
_Static_assert(offsetof(struct xen_arch_shared_info, nmi_reason) == 16,
               "arch_shared_info.nmi_reason offset");
_Static_assert(offsetof(struct xen_arch_shared_info, p2m_cr3) == 24,
               "arch_shared_info.p2m_cr3 offset");
_Static_assert(offsetof(struct xen_arch_shared_info, p2m_vaddr) == 32,
               "arch_shared_info.p2m_vaddr offset");
_Static_assert(offsetof(struct xen_arch_shared_info, p2m_generation) == 40,
               "arch_shared_info.p2m_generation offset");

#endif /* XHV_PUBLIC_ARCH_X86_H */
