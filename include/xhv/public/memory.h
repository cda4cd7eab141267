/* SPDX-License-Identifier: MIT */
/*
 * memory_op (hypercall 12): sub-op numbers and argument layouts for 64-bit
 * x86 guests, as in Xen's public memory.h and the x86 e820 entry (facts,
 * written here in our own words).
 *
 * The first argument is a command word: its low MEMOP_EXTENT_SHIFT bits
 * name the sub-op, the bits above them the extent a batch starts from
 * (how Xen resumes a preempted batch; a guest normally passes 0). The
 * second argument is the guest address of the sub-op's structure.
 *
 * Every layout is pinned with _Static_assert: a slip fails the build
 * rather than a guest.
 */
#ifndef XHV_PUBLIC_MEMORY_H
#define XHV_PUBLIC_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "xhv/public/arch-x86.h"
#include "xhv/public/xen.h"

#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK     ((1U << MEMOP_EXTENT_SHIFT) - 1)

/* Sub-ops. */
#define XENMEM_increase_reservation 0
#define XENMEM_decrease_reservation 1
#define XENMEM_maximum_ram_page     2
#define XENMEM_current_reservation  3
#define XENMEM_maximum_reservation  4
#define XENMEM_machphys_mfn_list    5
#define XENMEM_populate_physmap     6
#define XENMEM_add_to_physmap       7
#define XENMEM_memory_map           9
#define XENMEM_machine_memory_map   10
#define XENMEM_exchange             11
#define XENMEM_machphys_mapping     12
#define XENMEM_set_memory_map       13
#define XENMEM_maximum_gpfn         14
#define XENMEM_remove_from_physmap  15
#define XENMEM_add_to_physmap_batch 23
#define XENMEM_claim_pages          24
#define XENMEM_get_vnumainfo        26
#define XENMEM_acquire_resource     28

/* A guest frame number as the ABI carries it. */
typedef uint64_t xen_pfn_t;

/*
 * mem_flags of a reservation. The low byte limits the machine address
 * width of the pages (0: no limit); the next byte is a NUMA node plus one
 * (0: any node).
 */
#define XENMEMF_address_bits(x)     (x)
#define XENMEMF_get_address_bits(x) ((x)&0xffU)
#define XENMEMF_node(x)             (((x) + 1) << 8)
#define XENMEMF_get_node(x)         ((((x) >> 8) - 1) & 0xffU)
#define XENMEMF_populate_on_demand  (1U << 16)
#define XENMEMF_exact_node_request  (1U << 17)
#define XENMEMF_vnode               (1U << 18)
/* "Any node": what XENMEMF_get_node() gives for a node byte of 0. */
#define XENMEMF_NO_NODE 0xffU

/*
 * increase_reservation, decrease_reservation and populate_physmap. The
 * array at extent_start holds nr_extents frame numbers, each the base of
 * an extent of 2^extent_order pages: gfns to release (decrease) or to
 * fill with new memory (populate). The call returns how many extents it
 * completed, not an error code.
 */
struct xen_memory_reservation {
    uint64_t extent_start; /* guest address of xen_pfn_t[nr_extents] */
    xen_ulong_t nr_extents;
    uint32_t extent_order;
    uint32_t mem_flags; /* XENMEMF_* */
    xen_domid_t domid;  /* DOMID_SELF for an unprivileged guest */
    uint8_t pad[6];
};
_Static_assert(sizeof(struct xen_memory_reservation) == 32, "reservation");
_Static_assert(offsetof(struct xen_memory_reservation, extent_start) == 0,
               "reservation.extent_start");
_Static_assert(offsetof(struct xen_memory_reservation, nr_extents) == 8,
               "reservation.nr_extents");
_Static_assert(offsetof(struct xen_memory_reservation, extent_order) == 16,
               "reservation.extent_order");
_Static_assert(offsetof(struct xen_memory_reservation, mem_flags) == 20,
               "reservation.mem_flags");
_Static_assert(offsetof(struct xen_memory_reservation, domid) == 24,
               "reservation.domid");

/* current_reservation, maximum_reservation, maximum_gpfn: the argument
 * is just a domain id. */
struct xen_memory_domain {
    xen_domid_t domid;
};
_Static_assert(sizeof(struct xen_memory_domain) == 2, "memory_domain");

/* Where add_to_physmap takes its page from. */
#define XENMAPSPACE_shared_info  0 /* idx must be 0 */
#define XENMAPSPACE_grant_table  1 /* idx: frame, | status bit below */
#define XENMAPSPACE_gmfn         2 /* idx: a gfn of the guest's own RAM */
#define XENMAPSPACE_gmfn_range   3 /* idx: first of size such gfns */
#define XENMAPSPACE_gmfn_foreign 4 /* only through add_to_physmap_batch */
#define XENMAPSPACE_dev_mmio     5 /* Arm hardware domain only */

#define XENMAPIDX_grant_table_status 0x80000000U

/* Places the page named by (space, idx) at gpfn in the guest's physmap. */
struct xen_add_to_physmap {
    xen_domid_t domid;
    uint16_t size;  /* pages, for XENMAPSPACE_gmfn_range */
    uint32_t space; /* XENMAPSPACE_* */
    xen_ulong_t idx;
    xen_pfn_t gpfn;
};
_Static_assert(sizeof(struct xen_add_to_physmap) == 24, "add_to_physmap");
_Static_assert(offsetof(struct xen_add_to_physmap, domid) == 0,
               "add_to_physmap.domid");
_Static_assert(offsetof(struct xen_add_to_physmap, size) == 2,
               "add_to_physmap.size");
_Static_assert(offsetof(struct xen_add_to_physmap, space) == 4,
               "add_to_physmap.space");
_Static_assert(offsetof(struct xen_add_to_physmap, idx) == 8,
               "add_to_physmap.idx");
_Static_assert(offsetof(struct xen_add_to_physmap, gpfn) == 16,
               "add_to_physmap.gpfn");

/* Takes whatever page is at gpfn out of the guest's physmap. */
struct xen_remove_from_physmap {
    xen_domid_t domid;
    uint8_t pad[6];
    xen_pfn_t gpfn;
};
_Static_assert(sizeof(struct xen_remove_from_physmap) == 16,
               "remove_from_physmap");
_Static_assert(offsetof(struct xen_remove_from_physmap, gpfn) == 8,
               "remove_from_physmap.gpfn");

/*
 * memory_map: the guest's own e820 map. nr_entries is the capacity of
 * buffer on entry and the number of entries written on return.
 */
struct xen_memory_map {
    uint32_t nr_entries;
    uint32_t pad;
    uint64_t buffer; /* guest address of struct xen_e820_entry[] */
};
_Static_assert(sizeof(struct xen_memory_map) == 16, "memory_map");
_Static_assert(offsetof(struct xen_memory_map, nr_entries) == 0,
               "memory_map.nr_entries");
_Static_assert(offsetof(struct xen_memory_map, buffer) == 8,
               "memory_map.buffer");

/* One entry as the BIOS e820 call returns it: packed, 20 bytes. */
struct xen_e820_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type; /* E820_* */
} __attribute__((packed));
_Static_assert(sizeof(struct xen_e820_entry) == 20, "e820 entry");
_Static_assert(offsetof(struct xen_e820_entry, addr) == 0, "e820.addr");
_Static_assert(offsetof(struct xen_e820_entry, size) == 8, "e820.size");
_Static_assert(offsetof(struct xen_e820_entry, type) == 16, "e820.type");

#define E820_RAM      1
#define E820_RESERVED 2
#define E820_ACPI     3
#define E820_NVS      4
#define E820_UNUSABLE 5

#endif /* XHV_PUBLIC_MEMORY_H */
