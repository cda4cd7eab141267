/* SPDX-License-Identifier: MIT */
/*
 * Grant tables (__HYPERVISOR_grant_table_op, hypercall 20): the sub-op
 * numbers, grant entries as the granting guest writes them, the argument
 * blocks of each sub-op and the per-op status codes.
 *
 * The layouts follow Xen's public grant_table.h for a 64-bit x86 guest,
 * described here in our own words. A guest hands xhv arrays of these
 * blocks and reads each one back, so every size and offset is pinned with
 * _Static_assert: a slip fails the build, not a guest.
 *
 * The hypercall takes (cmd, arg, count): cmd is a GNTTABOP_* number in its
 * low 12 bits (the bits above are reserved and must be zero), arg the
 * guest address of an array of count blocks.
 */
#ifndef XHV_PUBLIC_GRANT_TABLE_H
#define XHV_PUBLIC_GRANT_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "xhv/public/xen.h"

typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;

/* Sub-ops. */
#define GNTTABOP_map_grant_ref     0
#define GNTTABOP_unmap_grant_ref   1
#define GNTTABOP_setup_table       2
#define GNTTABOP_dump_table        3
#define GNTTABOP_transfer          4
#define GNTTABOP_copy              5
#define GNTTABOP_query_size        6
#define GNTTABOP_unmap_and_replace 7
#define GNTTABOP_set_version       8
#define GNTTABOP_get_status_frames 9
#define GNTTABOP_get_version       10
#define GNTTABOP_swap_grant_ref    11
#define GNTTABOP_cache_flush       12

#define GNTTABOP_CMD_MASK ((1U << 12) - 1)

/* The first entries are the toolstack's (console, xenstore). */
#define GNTTAB_NR_RESERVED_ENTRIES 8
#define GNTTAB_RESERVED_CONSOLE    0
#define GNTTAB_RESERVED_XENSTORE   1

/*
 * flags of an entry. The low two bits are the entry's type; the granter
 * sets GTF_readonly to forbid writes; xhv sets GTF_reading/GTF_writing
 * while the grant is in use (in the entry for v1, in the status word for
 * v2), and the granter must not reuse an entry while they are set.
 */
#define GTF_invalid         0U
#define GTF_permit_access   1U
#define GTF_accept_transfer 2U
#define GTF_transitive      3U
#define GTF_type_mask       3U
#define GTF_readonly        (1U << 2)
#define GTF_reading         (1U << 3)
#define GTF_writing         (1U << 4)
#define GTF_PWT             (1U << 5)
#define GTF_PCD             (1U << 6)
#define GTF_PAT             (1U << 7)
#define GTF_sub_page        (1U << 8)

/* Version 1 entry: 8 bytes, 512 to a frame. */
struct grant_entry_v1 {
    uint16_t flags;
    xen_domid_t domid; /* who may use the grant */
    uint32_t frame;    /* the granted gfn */
};
_Static_assert(sizeof(struct grant_entry_v1) == 8, "grant_entry_v1");
_Static_assert(offsetof(struct grant_entry_v1, domid) == 2, "v1.domid");
_Static_assert(offsetof(struct grant_entry_v1, frame) == 4, "v1.frame");

struct grant_entry_header {
    uint16_t flags;
    xen_domid_t domid;
};
_Static_assert(sizeof(struct grant_entry_header) == 4, "grant_entry_header");

/* Version 2 entry: 16 bytes, 256 to a frame; status words live apart. */
union grant_entry_v2 {
    struct grant_entry_header hdr;
    struct {
        struct grant_entry_header hdr;
        uint32_t pad0;
        uint64_t frame;
    } full_page;
    struct {
        struct grant_entry_header hdr;
        uint16_t page_off;
        uint16_t length;
        uint64_t frame;
    } sub_page;
    struct {
        struct grant_entry_header hdr;
        xen_domid_t trans_domid;
        uint16_t pad0;
        grant_ref_t gref;
    } transitive;
    uint32_t spacer[4];
};
_Static_assert(sizeof(union grant_entry_v2) == 16, "grant_entry_v2");
_Static_assert(offsetof(union grant_entry_v2, full_page.frame) == 8,
               "v2.full_page.frame");
_Static_assert(offsetof(union grant_entry_v2, sub_page.page_off) == 4,
               "v2.sub_page.page_off");
_Static_assert(offsetof(union grant_entry_v2, sub_page.length) == 6,
               "v2.sub_page.length");
_Static_assert(offsetof(union grant_entry_v2, sub_page.frame) == 8,
               "v2.sub_page.frame");
_Static_assert(offsetof(union grant_entry_v2, transitive.trans_domid) == 4,
               "v2.transitive.trans_domid");
_Static_assert(offsetof(union grant_entry_v2, transitive.gref) == 8,
               "v2.transitive.gref");

/* Version 2 status word: GTF_reading/GTF_writing, 2048 to a frame. */
typedef uint16_t grant_status_t;

/* Mapping flags. */
#define GNTMAP_device_map       (1U << 0)
#define GNTMAP_host_map         (1U << 1)
#define GNTMAP_readonly         (1U << 2)
#define GNTMAP_application_map  (1U << 3)
#define GNTMAP_contains_pte     (1U << 4)
#define GNTMAP_guest_avail_mask (~0U << 16)

/* GNTTABOP_map_grant_ref: for a translated guest host_addr is the
 * guest-physical address where the granted frame appears. */
struct gnttab_map_grant_ref {
    uint64_t host_addr;    /* IN */
    uint32_t flags;        /* IN: GNTMAP_* */
    grant_ref_t ref;       /* IN */
    xen_domid_t dom;       /* IN: the granter */
    int16_t status;        /* OUT: GNTST_* */
    grant_handle_t handle; /* OUT */
    uint64_t dev_bus_addr; /* OUT */
};
_Static_assert(sizeof(struct gnttab_map_grant_ref) == 32, "map_grant_ref");
_Static_assert(offsetof(struct gnttab_map_grant_ref, flags) == 8, "map.flags");
_Static_assert(offsetof(struct gnttab_map_grant_ref, ref) == 12, "map.ref");
_Static_assert(offsetof(struct gnttab_map_grant_ref, dom) == 16, "map.dom");
_Static_assert(offsetof(struct gnttab_map_grant_ref, status) == 18,
               "map.status");
_Static_assert(offsetof(struct gnttab_map_grant_ref, handle) == 20,
               "map.handle");
_Static_assert(offsetof(struct gnttab_map_grant_ref, dev_bus_addr) == 24,
               "map.dev_bus_addr");

struct gnttab_unmap_grant_ref {
    uint64_t host_addr;    /* IN */
    uint64_t dev_bus_addr; /* IN */
    grant_handle_t handle; /* IN */
    int16_t status;        /* OUT */
};
_Static_assert(sizeof(struct gnttab_unmap_grant_ref) == 24, "unmap_grant_ref");
_Static_assert(offsetof(struct gnttab_unmap_grant_ref, dev_bus_addr) == 8,
               "unmap.dev_bus_addr");
_Static_assert(offsetof(struct gnttab_unmap_grant_ref, handle) == 16,
               "unmap.handle");
_Static_assert(offsetof(struct gnttab_unmap_grant_ref, status) == 20,
               "unmap.status");

struct gnttab_setup_table {
    xen_domid_t dom;     /* IN */
    uint32_t nr_frames;  /* IN */
    int16_t status;      /* OUT */
    uint64_t frame_list; /* IN: guest address of nr_frames xen_pfn_t */
};
_Static_assert(sizeof(struct gnttab_setup_table) == 24, "setup_table");
_Static_assert(offsetof(struct gnttab_setup_table, nr_frames) == 4,
               "setup.nr_frames");
_Static_assert(offsetof(struct gnttab_setup_table, status) == 8,
               "setup.status");
_Static_assert(offsetof(struct gnttab_setup_table, frame_list) == 16,
               "setup.frame_list");

/* GNTTABOP_copy: each side is a grant (flag set) or the caller's own gfn. */
#define GNTCOPY_source_gref (1U << 0)
#define GNTCOPY_dest_gref   (1U << 1)

struct gnttab_copy_ptr {
    union {
        grant_ref_t ref;
        uint64_t gmfn;
    } u;
    xen_domid_t domid;
    uint16_t offset;
};
_Static_assert(sizeof(struct gnttab_copy_ptr) == 16, "gnttab_copy_ptr");
_Static_assert(offsetof(struct gnttab_copy_ptr, domid) == 8, "copy_ptr.domid");
_Static_assert(offsetof(struct gnttab_copy_ptr, offset) == 10,
               "copy_ptr.offset");

struct gnttab_copy {
    struct gnttab_copy_ptr source, dest; /* IN */
    uint16_t len;                        /* IN */
    uint16_t flags;                      /* IN: GNTCOPY_* */
    int16_t status;                      /* OUT */
};
_Static_assert(sizeof(struct gnttab_copy) == 40, "gnttab_copy");
_Static_assert(offsetof(struct gnttab_copy, dest) == 16, "copy.dest");
_Static_assert(offsetof(struct gnttab_copy, len) == 32, "copy.len");
_Static_assert(offsetof(struct gnttab_copy, flags) == 34, "copy.flags");
_Static_assert(offsetof(struct gnttab_copy, status) == 36, "copy.status");

struct gnttab_query_size {
    xen_domid_t dom;        /* IN */
    uint32_t nr_frames;     /* OUT */
    uint32_t max_nr_frames; /* OUT */
    int16_t status;         /* OUT */
};
_Static_assert(sizeof(struct gnttab_query_size) == 16, "query_size");
_Static_assert(offsetof(struct gnttab_query_size, nr_frames) == 4,
               "query.nr_frames");
_Static_assert(offsetof(struct gnttab_query_size, max_nr_frames) == 8,
               "query.max_nr_frames");
_Static_assert(offsetof(struct gnttab_query_size, status) == 12,
               "query.status");

struct gnttab_set_version {
    uint32_t version; /* IN: 1 or 2; OUT: the version now in force */
};
_Static_assert(sizeof(struct gnttab_set_version) == 4, "set_version");

struct gnttab_get_status_frames {
    uint32_t nr_frames;  /* IN */
    xen_domid_t dom;     /* IN */
    int16_t status;      /* OUT */
    uint64_t frame_list; /* IN: guest address of nr_frames uint64_t */
};
_Static_assert(sizeof(struct gnttab_get_status_frames) == 16,
               "get_status_frames");
_Static_assert(offsetof(struct gnttab_get_status_frames, dom) == 4,
               "status_frames.dom");
_Static_assert(offsetof(struct gnttab_get_status_frames, status) == 6,
               "status_frames.status");
_Static_assert(offsetof(struct gnttab_get_status_frames, frame_list) == 8,
               "status_frames.frame_list");

struct gnttab_get_version {
    xen_domid_t dom;  /* IN */
    uint16_t pad;     /* must be zero */
    uint32_t version; /* OUT */
};
_Static_assert(sizeof(struct gnttab_get_version) == 8, "get_version");
_Static_assert(offsetof(struct gnttab_get_version, version) == 4,
               "get_version.version");

/* Per-op status codes (the status field; never the hypercall's result). */
#define GNTST_okay              0
#define GNTST_general_error     (-1)
#define GNTST_bad_domain        (-2)
#define GNTST_bad_gntref        (-3)
#define GNTST_bad_handle        (-4)
#define GNTST_bad_virt_addr     (-5)
#define GNTST_bad_dev_addr      (-6)
#define GNTST_no_device_space   (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page          (-9)
#define GNTST_bad_copy_arg      (-10)
#define GNTST_address_too_big   (-11)
#define GNTST_eagain            (-12)
#define GNTST_no_space          (-13)

#endif /* XHV_PUBLIC_GRANT_TABLE_H */
