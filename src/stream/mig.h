/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The migration stream library (include/xhv/public/migration.h): a writer
 * and a streaming, validating reader over caller-supplied I/O functions
 * (a file, a socket, a memory buffer). Like the live-update half of
 * src/stream/ it is pure: it knows nothing of domains; src/migrate/ turns
 * domains into records and back.
 *
 * The reader is one pass, because a live migration's stream is consumed
 * as it arrives: mig_read_next() reads one record, checks its framing
 * (length bound, zero padding), decodes and checks its body, and checks
 * its place in the image (XHV_DOMAIN first and once, STATIC_DATA_END
 * before PAGE_DATA, END last, no vCPU or port twice, no unknown mandatory
 * record). The caller applies each record to a domain nobody can see run
 * yet and throws that domain away on any error, so a bad stream leaves
 * nothing behind. Every error leaves "record N (NAME) at offset X: why"
 * in mig_error().
 *
 * Errors: -EINVAL malformed, -EPROTONOSUPPORT a version, domain type or
 * mandatory record this reader does not know, -ENODATA clean end of input
 * where an image header was expected, -EPIPE input ended mid-image,
 * -ENOMEM; or what the I/O function returned.
 *
 * Neither object is thread-safe.
 */
#ifndef XHV_STREAM_MIG_H
#define XHV_STREAM_MIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xhv/public/liveupdate.h"
#include "xhv/public/migration.h"

/* Moves exactly len bytes (reads: fills buf; writes: sends it). 0, or
 * -errno. A read that finds the input ended returns -EPIPE, or -ENODATA
 * when not a single byte of this call was read. */
typedef int (*mig_io_fn)(void *opaque, void *buf, size_t len);

/* ---- writer
 * ------------------------------------------------------------------ */

struct mig_writer {
    mig_io_fn write;
    void *opaque;
    uint64_t bytes; /* written so far */
};

struct mig_iov {
    const void *base;
    size_t len;
};

void mig_writer_init(struct mig_writer *w, mig_io_fn write, void *opaque);
/* Image header (v3, little-endian) and domain header (x86 HVM). */
int mig_write_headers(struct mig_writer *w);
/* One record from pieces; body length = their sum (-EFBIG over
 * MIG_REC_LENGTH_MAX). The padding is written here. */
int mig_write_record(struct mig_writer *w, uint32_t type,
                     const struct mig_iov *iov, unsigned int n);
/* PAGE_DATA for count (1..MIG_PAGE_BATCH) pfns with their type bits;
 * data holds one page for each NOTAB pfn, in order. */
int mig_write_page_data(struct mig_writer *w, const uint64_t *pfns,
                        uint32_t count, const void *data, size_t data_len);

/* ---- HVM_CONTEXT (mig_hvm.c) ----------------------------------------------
 *
 * One vCPU's Xen save records; NULL where a record is absent. For the
 * writer the pointers are the caller's; from the reader they point into
 * its buffer (valid until the next mig_read_next()). */
struct mig_hvm_vcpu {
    const struct mig_hvm_cpu *cpu;
    const struct mig_hvm_lapic *lapic;
    const struct mig_hvm_lapic_regs *lapic_regs;
    const struct mig_hvm_mtrr *mtrr;
    const struct mig_hvm_xsave *xsave; /* the rest of the area follows */
    uint32_t xsave_len;                /* the whole record, >= 600 */
    uint32_t nr_msrs;                  /* CPU_MSR entries; 0: no record */
    const struct mig_hvm_msr *msrs;
};

struct mig_hvm_ctx {
    struct mig_hvm_save_header hdr;
    uint32_t nr_vcpus;
    struct mig_hvm_vcpu vcpu[MIG_MAX_VCPUS];
};

/* The per-vCPU records a context must hold, one bit per typecode: a sim
 * guest has no registers but a CPU record in reset state; a KVM guest
 * has its CPU, LAPIC, LAPIC_REGS and MTRR (CPU_XSAVE and CPU_MSR are
 * left out by Xen too when there is nothing to say). */
#define MIG_HVM_NEED(t)  (1u << (t))
#define MIG_HVM_NEED_SIM MIG_HVM_NEED(MIG_HVM_SAVE_CPU)
#define MIG_HVM_NEED_KVM                                                       \
    (MIG_HVM_NEED(MIG_HVM_SAVE_CPU) | MIG_HVM_NEED(MIG_HVM_SAVE_LAPIC) |       \
     MIG_HVM_NEED(MIG_HVM_SAVE_LAPIC_REGS) | MIG_HVM_NEED(MIG_HVM_SAVE_MTRR))

/* The x86 state at RESET (real mode at 0xfffffff0), the CPU record of a
 * vCPU with no registers of its own (sim guests, KVM vCPUs never made). */
void mig_hvm_cpu_reset(struct mig_hvm_cpu *c);
/* The HVM_CONTEXT body for c, as Xen orders it: HEADER, then each
 * typecode in turn for every vCPU, then END. *buf is xhv_malloc'd. */
int mig_hvm_context_encode(const struct mig_hvm_ctx *c, uint8_t **buf,
                           size_t *len);
int mig_write_hvm_context(struct mig_writer *w, const struct mig_hvm_ctx *c);
/* Checks and decodes an HVM_CONTEXT body: every descriptor (typecode
 * known, length right for it, instance < nr_vcpus, no record twice),
 * HEADER first, END last, every record of need present for every vCPU.
 * -EINVAL or -EPROTONOSUPPORT with "save record N (TYPE, instance I) at
 * +OFFSET: why" in err. */
int mig_hvm_context_decode(const void *body, uint32_t len, uint32_t nr_vcpus,
                           uint32_t need, struct mig_hvm_ctx *out, char *err,
                           size_t errlen);
const char *mig_hvm_save_name(uint16_t typecode);

/* ---- X86_CPUID_POLICY and X86_MSR_POLICY (mig_policy.c) ---------------- */

/* Executes CPUID (leaf, subleaf) on whatever is described: the host, a
 * KVM vCPU's table. regs: eax, ebx, ecx, edx. */
typedef void (*mig_cpuid_fn)(void *opaque, uint32_t leaf, uint32_t subleaf,
                             uint32_t regs[4]);
/* The policy of fn's CPU as Xen serialises one (its leaves, subleaves and
 * order); returns the number of entries (<= MIG_CPUID_POLICY_MAX). */
uint32_t mig_cpuid_policy_build(mig_cpuid_fn fn, void *opaque,
                                struct mig_cpuid_leaf *out);
/* The form of a policy: count bounded, leaves in Xen's ranges, sorted,
 * none twice. 0 or -EINVAL with the entry in err. */
int mig_cpuid_policy_check(const struct mig_cpuid_leaf *l, uint32_t n,
                           char *err, size_t errlen);
int mig_msr_policy_check(const struct mig_msr_entry *e, uint32_t n, char *err,
                         size_t errlen);
const struct mig_cpuid_leaf *
mig_cpuid_policy_find(const struct mig_cpuid_leaf *l, uint32_t n, uint32_t leaf,
                      uint32_t subleaf);
/* Whether a guest with policy want can run where have is supported: no
 * feature flag of want may be missing from have. -EOPNOTSUPP naming the
 * leaf, register, bit and feature otherwise. */
int mig_cpuid_policy_compat(const struct mig_cpuid_leaf *want, uint32_t nw,
                            const struct mig_cpuid_leaf *have, uint32_t nh,
                            char *err, size_t errlen);

/* ---- reader
 * ------------------------------------------------------------------ */

#define MIG_ERR_MAX 256

/* One decoded record; pointers are into the reader's buffer, valid until
 * the next mig_read_next(). */
struct mig_item {
    uint32_t type;
    uint32_t index; /* record number within the image, 0-based */
    uint64_t offset;
    union {
        struct {
            uint32_t count;
            uint32_t nr_data; /* NOTAB pages with data */
            const uint64_t *pfns;
            const uint8_t *data;
        } pages;
        const struct mig_xhv_domain *domain;
        struct {
            const struct mig_xhv_extra_page *hdr;
            const uint8_t *contents;
        } extra;
        const struct mig_xhv_vcpu *vcpu;
        struct {
            uint32_t count;
            const struct lu_evtchn_port *ports;
        } evtchn;
        struct {
            const struct mig_xhv_console *hdr;
            const char *ring;
        } console;
        const struct mig_xhv_pages *pages_end;
        struct {
            uint32_t count;
            const struct mig_hvm_param *p;
        } params;
        const struct mig_tsc_info *tsc;
        struct {
            const char *text;
            uint32_t len;
        } config;
        const struct mig_hvm_ctx *hvm;
        struct {
            uint32_t count;
            const struct mig_cpuid_leaf *leaves;
        } cpuid;
        struct {
            uint32_t count;
            const struct mig_msr_entry *msrs;
        } msr;
        const struct mig_xhv_kvm_vcpu *kvm_vcpu;
        struct {
            uint32_t nr_control, nr_array;
            const struct lu_fifo_control *control;
            const uint64_t *array_gfn;
        } fifo;
    } u;
};

struct mig_reader {
    mig_io_fn read;
    void *opaque;
    uint64_t offset; /* bytes consumed, over all images */
    uint64_t img_start;
    uint32_t index;   /* records read in this image */
    uint32_t version; /* of the current image */
    uint8_t *body;    /* 8-byte aligned */
    size_t cap;
    struct mig_hvm_ctx *hvm; /* the decoded HVM_CONTEXT, kept */
    /* Order state of the current image. */
    bool in_image, seen_domain, seen_static_end, seen_end;
    bool seen_shinfo, seen_console, seen_context, seen_tsc, seen_config;
    bool seen_pages_end;
    bool seen_pages, seen_cpuid, seen_msr;
    uint8_t backend; /* XHV_DOMAIN's */
    bool seen_fifo;
    uint32_t nr_vcpus;
    uint8_t vcpu_seen[MIG_MAX_VCPUS / 8];
    uint8_t kvm_vcpu_seen[MIG_MAX_VCPUS / 8];
    uint8_t port_seen[MIG_EVTCHN_MAX_PORTS / 8];
    uint32_t nr_skipped;
    char err[MIG_ERR_MAX];
};

void mig_reader_init(struct mig_reader *r, mig_io_fn read, void *opaque);
void mig_reader_fini(struct mig_reader *r);
/* Reads and checks the image and domain headers of the next image. */
int mig_read_headers(struct mig_reader *r);
/* Reads, checks and decodes the next record of the image. Unknown
 * optional records are skipped (not returned). After END, call
 * mig_read_headers() for another image or stop. */
int mig_read_next(struct mig_reader *r, struct mig_item *it);
const char *mig_error(const struct mig_reader *r);
const char *mig_record_name(uint32_t type);

/* I/O over a memory buffer, for tests, the fuzzer and tools. */
struct mig_membuf {
    uint8_t *buf;
    size_t len, cap, pos;
};
int mig_mem_read(void *opaque, void *buf, size_t len);
int mig_mem_write(void *opaque, void *buf, size_t len);
void mig_membuf_free(struct mig_membuf *m);

#endif /* XHV_STREAM_MIG_H */
