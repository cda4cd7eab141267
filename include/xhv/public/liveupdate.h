/* SPDX-License-Identifier: MIT */
/*
 * The live-update stream: the wire ABI between one version of xhvd and the
 * next. docs/live-update-stream.md describes it in full; this header is
 * the normative layout.
 *
 * Framing is that of Xen's migration stream v2: every record is
 *   { uint32_t type; uint32_t length; } body[length] zero padding to 8 bytes
 * and bit 31 of type marks a record optional: a reader that does not know
 * an optional record skips it, and refuses a stream holding a mandatory
 * record it does not know. Everything is little-endian, every field has a
 * fixed size, padding is explicit and written as zero, and every size and
 * offset is pinned below. xhv never writes one of its internal structures
 * as bytes: the writer fills these wire structures field by field.
 *
 * Order: HEADER first, END last. A DOMAIN record precedes every record
 * that names its domid (PAGE_RANGE owners included). Array records may be
 * repeated: two P2M records for one domain describe the union of their
 * extents. A record carries at most LU_REC_MAX_BODY bytes of body.
 */
#ifndef XHV_PUBLIC_LIVEUPDATE_H
#define XHV_PUBLIC_LIVEUPDATE_H

#include <stddef.h>
#include <stdint.h>

/* ---- Record framing ---------------------------------------------------- */

struct lu_rec_hdr {
    uint32_t type;   /* LU_REC_*; bit 31 = optional */
    uint32_t length; /* body bytes, without the padding */
};
_Static_assert(sizeof(struct lu_rec_hdr) == 8, "lu_rec_hdr size");

#define LU_REC_ALIGN    8
#define LU_REC_OPTIONAL 0x80000000u
#define LU_REC_MAX_BODY (16u << 20) /* a reader refuses longer bodies */

/*
 * Record types. END keeps Xen's number (0) so a migration-stream tool can
 * still find the end; the rest live in xhv's range 0x0001xxxx.
 * 0x0001000d..0x000100ff and 0x8001000d..0x800100ff are reserved for
 * future live-update records.
 */
#define LU_REC_END         0x00000000u /* last; empty body */
#define LU_REC_HEADER      0x00010001u /* first; struct lu_rec_header */
#define LU_REC_PAGE_RANGE  0x00010002u /* preserved MFN ranges */
#define LU_REC_DOMAIN      0x00010003u /* one domain */
#define LU_REC_P2M         0x00010004u /* a domain's gfn->mfn extents */
#define LU_REC_HVM_PARAMS  0x00010005u /* a domain's HVM params */
#define LU_REC_VCPU        0x00010006u /* one vCPU + backend blob */
#define LU_REC_EVTCHN_PORT 0x00010007u /* a domain's event channels */
#define LU_REC_EVTCHN_FIFO 0x00010008u /* FIFO ABI control blocks, arrays */
#define LU_REC_CONSOLE     0x80010009u /* console ring (optional) */
#define LU_REC_GNTTAB      0x8001000au /* grant table shape (optional) */
#define LU_REC_MAPTRACK    0x8001000bu /* grant maptrack (optional) */
#define LU_REC_DOMCFG      0x8001000cu /* toolstack config (optional) */

/* Every domid on the wire is 16 bits, as in Xen. Guest domids are below
 * LU_DOMID_FIRST_RESERVED (Xen's DOMID_FIRST_RESERVED). */
#define LU_DOMID_FIRST_RESERVED 0x7FF0u
/* The system domain that owns the record pages themselves (DOMID_LU). */
#define LU_DOMID_LU 0x7FF6u

/* "No gfn": vcpu_info not registered, shared_info not mapped, ... */
#define LU_GFN_NONE UINT64_MAX

/* ---- LU_REC_HEADER ----------------------------------------------------- */

#define LU_STREAM_MAGIC   0x525453554c564858ull /* "XHVLUSTR" little-endian */
#define LU_STREAM_VERSION 1u

/*
 * Feature bits. Bits 0..31 are mandatory: a reader refuses a stream that
 * sets one it does not know. Bits 32..63 are informational: a reader
 * ignores the ones it does not know.
 */
#define LU_FEAT_MANDATORY_MASK 0x00000000ffffffffull
/* A domain uses FIFO event channels: a reader must apply its EVTCHN_FIFO
 * record and LU_EVTCHN_F_FIFO_SAVED (set only when one does, so older
 * readers, which would drop them, refuse just those streams). */
#define LU_FEAT_EVTCHN_FIFO 0x0000000000000001ull
#define LU_FEAT_KNOWN       LU_FEAT_EVTCHN_FIFO

#define LU_SCRATCH_HALF_A   0u /* the writer's xenheap used half A */
#define LU_SCRATCH_HALF_B   1u
#define LU_SCRATCH_HALF_ALL 2u /* exec mode: the whole region */

struct lu_rec_header {
    uint64_t magic;          /* LU_STREAM_MAGIC */
    uint32_t version;        /* LU_STREAM_VERSION of the writer */
    uint32_t _pad0;          /* zero */
    uint64_t features;       /* LU_FEAT_* */
    char xhv_version[32];    /* writer's XHV_VERSION, NUL-terminated */
    uint64_t machine_pages;  /* MFNs in machine memory */
    uint64_t scratch_start;  /* first MFN of the scratch region */
    uint64_t scratch_pages;  /* its size (0: no scratch) */
    uint32_t scratch_half;   /* LU_SCRATCH_HALF_* the writer used */
    uint32_t _pad1;          /* zero */
    uint64_t host_mono_ns;   /* host CLOCK_MONOTONIC when written */
    int64_t system_time_off; /* guest system time = host mono + this */
    uint64_t generation;     /* writer's generation; the reader is +1 */
};
_Static_assert(sizeof(struct lu_rec_header) == 112, "lu_rec_header size");
_Static_assert(offsetof(struct lu_rec_header, xhv_version) == 24,
               "lu_rec_header.xhv_version offset");
_Static_assert(offsetof(struct lu_rec_header, machine_pages) == 56,
               "lu_rec_header.machine_pages offset");
_Static_assert(offsetof(struct lu_rec_header, scratch_half) == 80,
               "lu_rec_header.scratch_half offset");
_Static_assert(offsetof(struct lu_rec_header, generation) == 104,
               "lu_rec_header.generation offset");

/* ---- LU_REC_PAGE_RANGE: { count; pad; entries[count] } ------------------ */

#define LU_PAGE_RAM          0u /* guest RAM */
#define LU_PAGE_SHARED_INFO  1u
#define LU_PAGE_GRANT_FRAME  2u /* kind_index = grant frame number */
#define LU_PAGE_GRANT_STATUS 3u /* kind_index = status frame number */
#define LU_PAGE_EXTRA        4u /* FIFO control/array pages, other extras */
#define LU_PAGE_LU_RECORD    5u /* owned by LU_DOMID_LU */
#define LU_PAGE_KIND_NR      6u

#define LU_PAGE_F_BROKEN 0x01u /* PGC_broken: never reuse */
#define LU_PAGE_F_KNOWN  0x01u

struct lu_rec_page_range {
    uint32_t count;
    uint32_t _pad; /* zero */
    /* struct lu_page_range entries[count]; */
};
_Static_assert(sizeof(struct lu_rec_page_range) == 8, "lu_rec_page_range");

struct lu_page_range {
    uint64_t start_mfn;
    uint64_t nr;         /* >= 1 */
    uint16_t owner;      /* domid, or LU_DOMID_LU for LU_PAGE_LU_RECORD */
    uint8_t kind;        /* LU_PAGE_* */
    uint8_t flags;       /* LU_PAGE_F_* */
    uint32_t kind_index; /* for kinds with several pages, the first index */
};
_Static_assert(sizeof(struct lu_page_range) == 24, "lu_page_range size");
_Static_assert(offsetof(struct lu_page_range, owner) == 16,
               "lu_page_range.owner offset");
_Static_assert(offsetof(struct lu_page_range, kind_index) == 20,
               "lu_page_range.kind_index offset");

/* ---- LU_REC_DOMAIN ----------------------------------------------------- */

#define LU_DOM_RUNNING  0u
#define LU_DOM_PAUSED   1u
#define LU_DOM_SHUTDOWN 2u /* shut down, kept (on_* = preserve) */
#define LU_DOM_STATE_NR 3u

/* shutdown_reason uses Xen's SHUTDOWN_* numbers; 255 = none. */
#define LU_SHUTDOWN_NONE 255u

/* on_poweroff/on_reboot/on_crash: destroy, restart, preserve,
 * rename-restart, coredump-destroy, coredump-restart, soft-reset. */
#define LU_ACTION_NR 7u

#define LU_BACKEND_SIM 1u
#define LU_BACKEND_KVM 2u

#define LU_EVTCHN_2L   0u
#define LU_EVTCHN_FIFO 1u

struct lu_rec_domain {
    uint16_t domid;          /* < LU_DOMID_FIRST_RESERVED, unique */
    uint8_t state;           /* LU_DOM_* */
    uint8_t shutdown_reason; /* SHUTDOWN_*, or LU_SHUTDOWN_NONE */
    uint32_t pause_count;    /* host pauses held (not counting LU's own) */
    char name[64];           /* NUL-terminated, non-empty */
    uint64_t memory_pages;   /* RAM populated at creation */
    uint64_t max_pages;      /* >= memory_pages */
    uint64_t tot_pages;      /* accounted pages now */
    uint64_t extra_pages;    /* MEMF_no_refcount pages */
    uint32_t nr_vcpus;       /* 1..LU_MAX_VCPUS */
    uint8_t on_poweroff;     /* action numbers, < LU_ACTION_NR */
    uint8_t on_reboot;
    uint8_t on_crash;
    uint8_t backend;           /* LU_BACKEND_* */
    uint64_t shared_info_gfn;  /* or LU_GFN_NONE */
    char backend_prog[32];     /* sim program name, NUL-terminated */
    uint64_t created_ns;       /* guest system time at creation */
    uint32_t max_ports;        /* event-channel limit */
    uint8_t evtchn_abi;        /* LU_EVTCHN_* */
    uint8_t _pad0[3];          /* zero */
    uint32_t max_grant_frames; /* grant-table limits */
    uint32_t max_maptrack_frames;
};
#define LU_MAX_VCPUS 4096u
_Static_assert(sizeof(struct lu_rec_domain) == 176, "lu_rec_domain size");
_Static_assert(offsetof(struct lu_rec_domain, name) == 8,
               "lu_rec_domain.name offset");
_Static_assert(offsetof(struct lu_rec_domain, memory_pages) == 72,
               "lu_rec_domain.memory_pages offset");
_Static_assert(offsetof(struct lu_rec_domain, nr_vcpus) == 104,
               "lu_rec_domain.nr_vcpus offset");
_Static_assert(offsetof(struct lu_rec_domain, shared_info_gfn) == 112,
               "lu_rec_domain.shared_info_gfn offset");
_Static_assert(offsetof(struct lu_rec_domain, backend_prog) == 120,
               "lu_rec_domain.backend_prog offset");
_Static_assert(offsetof(struct lu_rec_domain, max_ports) == 160,
               "lu_rec_domain.max_ports offset");
_Static_assert(offsetof(struct lu_rec_domain, max_maptrack_frames) == 172,
               "lu_rec_domain.max_maptrack_frames offset");

/* ---- LU_REC_P2M: { domid; pad; count; extents[count] } ------------------ */

#define LU_P2M_RAM_RW  1u
#define LU_P2M_RAM_RO  2u
#define LU_P2M_SPECIAL 3u /* an extra page: shared_info, grant frames */
#define LU_P2M_TYPE_NR 4u

/* Extents of one domain never overlap in gfn space, and every mfn they
 * name lies in a PAGE_RANGE owned by that domain. */
#define LU_P2M_MAX_GFN (1ull << 52)

struct lu_rec_p2m {
    uint16_t domid;
    uint16_t _pad; /* zero */
    uint32_t count;
    /* struct lu_p2m_extent extents[count]; */
};
_Static_assert(sizeof(struct lu_rec_p2m) == 8, "lu_rec_p2m size");

struct lu_p2m_extent {
    uint64_t gfn;
    uint64_t mfn;
    uint64_t nr;    /* >= 1 */
    uint32_t type;  /* LU_P2M_* */
    uint32_t flags; /* zero */
};
_Static_assert(sizeof(struct lu_p2m_extent) == 32, "lu_p2m_extent size");

/* ---- LU_REC_HVM_PARAMS: { domid; pad; count; params[count] } ------------ */

/* As Xen's HVM_PARAMS record, with a domid. index < LU_HVM_MAX_PARAM. */
#define LU_HVM_MAX_PARAM 1024u

struct lu_rec_hvm_params {
    uint16_t domid;
    uint16_t _pad; /* zero */
    uint32_t count;
    /* struct lu_hvm_param params[count]; */
};
_Static_assert(sizeof(struct lu_rec_hvm_params) == 8, "lu_rec_hvm_params");

struct lu_hvm_param {
    uint64_t index;
    uint64_t value;
};
_Static_assert(sizeof(struct lu_hvm_param) == 16, "lu_hvm_param size");

/* ---- LU_REC_VCPU: struct lu_rec_vcpu, then blob[blob_len] --------------- */

#define LU_VCPU_BLOB_NONE 0u /* blob_len = 0 */
#define LU_VCPU_BLOB_SIM  1u /* sim backend state, opaque to the stream */
#define LU_VCPU_BLOB_KVM  2u /* KVM register state, opaque to the stream */

#define LU_VCPU_INFO_SIZE 64u /* vcpu_info must fit in its page */

struct lu_rec_vcpu {
    uint16_t domid;
    uint16_t _pad0;             /* zero */
    uint32_t vcpu_id;           /* < the domain's nr_vcpus, unique */
    uint8_t online;             /* 0 or 1 */
    uint8_t upcall_vector;      /* 0: none */
    uint8_t singleshot_armed;   /* 0 or 1 */
    uint8_t _pad1;              /* zero */
    uint32_t vcpu_info_offset;  /* in its page; with the gfn below */
    uint64_t vcpu_info_gfn;     /* LU_GFN_NONE: in shared_info */
    uint64_t runstate_gva;      /* registered area; 0 for none */
    uint32_t runstate_state;    /* RUNSTATE_* (0..3) */
    uint32_t _pad2;             /* zero */
    uint64_t runstate_entry_ns; /* state_entry_time */
    uint64_t runstate_time[4];  /* ns per RUNSTATE_* */
    uint64_t periodic_ns;       /* 0: stopped */
    uint64_t singleshot_ns;     /* deadline, system time */
    uint32_t blob_type;         /* LU_VCPU_BLOB_*; must suit the backend */
    uint32_t blob_len;          /* bytes after this structure */
};
_Static_assert(sizeof(struct lu_rec_vcpu) == 104, "lu_rec_vcpu size");
_Static_assert(offsetof(struct lu_rec_vcpu, vcpu_info_gfn) == 16,
               "lu_rec_vcpu.vcpu_info_gfn offset");
_Static_assert(offsetof(struct lu_rec_vcpu, runstate_time) == 48,
               "lu_rec_vcpu.runstate_time offset");
_Static_assert(offsetof(struct lu_rec_vcpu, blob_type) == 96,
               "lu_rec_vcpu.blob_type offset");

/* ---- LU_REC_EVTCHN_PORT: { domid; pad; count; ports[count] } ------------ */

/* States, as EVTCHNSTAT_*; closed ports are not written. */
#define LU_EVTCHN_UNBOUND     1u
#define LU_EVTCHN_INTERDOMAIN 2u
#define LU_EVTCHN_VIRQ        4u
#define LU_EVTCHN_IPI         5u

/* Snapshots for humans and checks; the real bits live in guest memory. */
#define LU_EVTCHN_F_PENDING 0x1u
#define LU_EVTCHN_F_MASKED  0x2u
/* FIFO only, and state, not a snapshot: xhv holds an event for the port
 * that is in no event word yet (the array does not cover the port, or
 * it arrived while the writer had the FIFO state frozen). The reader
 * delivers it once the port is covered. */
#define LU_EVTCHN_F_FIFO_SAVED 0x4u
#define LU_EVTCHN_F_KNOWN      0x7u

#define LU_EVTCHN_MAX_PRIORITY 15u /* FIFO priorities 0 (highest)..15 */
#define LU_NR_VIRQS            24u

struct lu_rec_evtchn_port {
    uint16_t domid;
    uint16_t _pad; /* zero */
    uint32_t count;
    /* struct lu_evtchn_port ports[count]; */
};
_Static_assert(sizeof(struct lu_rec_evtchn_port) == 8, "lu_rec_evtchn_port");

struct lu_evtchn_port {
    uint32_t port;         /* 1..max_ports-1, unique per domain */
    uint32_t notify_vcpu;  /* < nr_vcpus */
    uint32_t remote_port;  /* interdomain only, else 0 */
    uint32_t virq;         /* virq only (< LU_NR_VIRQS), else 0 */
    uint16_t remote_domid; /* unbound, interdomain; else 0 */
    uint8_t state;         /* LU_EVTCHN_* */
    uint8_t priority;      /* <= LU_EVTCHN_MAX_PRIORITY */
    uint32_t flags;        /* LU_EVTCHN_F_* */
};
_Static_assert(sizeof(struct lu_evtchn_port) == 24, "lu_evtchn_port size");
_Static_assert(offsetof(struct lu_evtchn_port, remote_domid) == 16,
               "lu_evtchn_port.remote_domid offset");

/* ---- LU_REC_EVTCHN_FIFO ------------------------------------------------ */
/*
 * { domid; pad; nr_control; nr_array; pad }, then control[nr_control], then
 * uint64_t array_gfn[nr_array] (the event-array pages, in order). Once,
 * for a domain whose DOMAIN record says LU_EVTCHN_FIFO. The event words
 * and the control blocks (READY, heads) live in guest memory; the tails
 * are xhv's own state and travel here: tail[q] is the port last linked
 * on queue q (0: none), so that the next event of q is linked behind it.
 * A tail is a port the array covers and the tail of one queue only. A
 * control block lies 8-byte aligned inside its page.
 */
#define LU_FIFO_MAX_QUEUES      16u
#define LU_FIFO_CONTROL_SIZE    72u /* the guest's control block */
#define LU_FIFO_MAX_ARRAY_PAGES 1024u

struct lu_rec_evtchn_fifo {
    uint16_t domid;
    uint16_t _pad0; /* zero */
    uint32_t nr_control;
    uint32_t nr_array;
    uint32_t _pad1; /* zero */
};
_Static_assert(sizeof(struct lu_rec_evtchn_fifo) == 16, "lu_rec_evtchn_fifo");

struct lu_fifo_control {
    uint32_t vcpu_id; /* < nr_vcpus, unique */
    uint32_t offset;  /* of the control block in its page */
    uint64_t gfn;
    uint32_t tail[LU_FIFO_MAX_QUEUES]; /* per priority queue */
};
_Static_assert(sizeof(struct lu_fifo_control) == 80, "lu_fifo_control size");

/* ---- LU_REC_CONSOLE (optional): struct, then ring[ring_len] ------------- */

#define LU_CONSOLE_MAX_RING (1u << 20)

struct lu_rec_console {
    uint16_t domid;
    uint16_t _pad;          /* zero */
    uint32_t ring_len;      /* bytes of ring contents that follow */
    uint64_t total_written; /* bytes the guest ever wrote */
};
_Static_assert(sizeof(struct lu_rec_console) == 16, "lu_rec_console size");

/* ---- LU_REC_GNTTAB (optional) ------------------------------------------ */
/* The frames themselves are PAGE_RANGEs of kind GRANT_FRAME/GRANT_STATUS;
 * their guest mappings are P2M extents of type SPECIAL. */

struct lu_rec_gnttab {
    uint16_t domid;
    uint16_t _pad0;            /* zero */
    uint32_t version;          /* 1 or 2 */
    uint32_t nr_frames;        /* <= the domain's max_grant_frames */
    uint32_t nr_status_frames; /* 0 for version 1 */
};
_Static_assert(sizeof(struct lu_rec_gnttab) == 16, "lu_rec_gnttab size");

/* ---- LU_REC_MAPTRACK (optional): { domid; pad; count; entries } --------- */

#define LU_MAPTRACK_F_READONLY 0x1u
#define LU_MAPTRACK_F_KNOWN    0x1u

struct lu_rec_maptrack {
    uint16_t domid; /* the mapping domain */
    uint16_t _pad;  /* zero */
    uint32_t count;
    /* struct lu_maptrack_entry entries[count]; */
};
_Static_assert(sizeof(struct lu_rec_maptrack) == 8, "lu_rec_maptrack size");

struct lu_maptrack_entry {
    uint32_t handle;  /* unique per mapping domain */
    uint32_t ref;     /* grant reference in the granter's table */
    uint16_t granter; /* domid */
    uint16_t flags;   /* LU_MAPTRACK_F_* */
    uint32_t _pad;    /* zero */
    uint64_t gfn;     /* where it is mapped in the mapping domain */
};
_Static_assert(sizeof(struct lu_maptrack_entry) == 24, "lu_maptrack_entry");

/* ---- LU_REC_DOMCFG (optional): struct, then text[len] -------------------- */
/*
 * The configuration the toolstack created the domain from (xhvd keeps it
 * for restarts and `xhv list -l`), as JSON text: self-describing, so it
 * is no internal struct. A reader without use for it skips it.
 */
#define LU_DOMCFG_MAX 65536u

struct lu_rec_domcfg {
    uint16_t domid;
    uint16_t _pad; /* zero */
    uint32_t len;  /* bytes of text that follow; no NUL */
};
_Static_assert(sizeof(struct lu_rec_domcfg) == 8, "lu_rec_domcfg size");

/* ---- Hand-over descriptor ---------------------------------------------- */
/*
 * Sent over the live-update unix socket: a fixed head, then nr_pages
 * little-endian uint64_t MFNs, the pages holding the stream in order
 * (4 KiB each; the last one may be partly used).
 */
#define LU_HANDOVER_MAGIC     0x444e48554c564858ull /* "XHVLUHND" */
#define LU_HANDOVER_VERSION   1u
#define LU_HANDOVER_F_EXEC    0x1u /* written by an exec-mode update */
#define LU_HANDOVER_F_KNOWN   0x1u
#define LU_PAGE_SIZE          4096u
#define LU_HANDOVER_MAX_BYTES 65536u
#define LU_HANDOVER_MAX_PAGES                                                  \
    ((LU_HANDOVER_MAX_BYTES - sizeof(struct lu_handover)) / sizeof(uint64_t))

struct lu_handover {
    uint64_t magic;      /* LU_HANDOVER_MAGIC */
    uint32_t version;    /* LU_HANDOVER_VERSION */
    uint32_t flags;      /* LU_HANDOVER_F_* */
    uint64_t stream_len; /* bytes, a multiple of 8 */
    uint32_t stream_crc; /* CRC-32C of those bytes */
    uint32_t nr_pages;   /* = ceil(stream_len / LU_PAGE_SIZE) */
    /* uint64_t mfns[nr_pages]; */
};
_Static_assert(sizeof(struct lu_handover) == 32, "lu_handover size");
_Static_assert(offsetof(struct lu_handover, stream_crc) == 24,
               "lu_handover.stream_crc offset");

#endif /* XHV_PUBLIC_LIVEUPDATE_H */
