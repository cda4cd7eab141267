/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The record stream library: encodes and decodes live-update records
 * (include/xhv/public/liveupdate.h) and the hand-over descriptor. It is
 * pure: it knows nothing of domains, memory management or the daemon, and
 * deals only in the wire structures. The caller converts its own state to
 * and from them.
 *
 * Writing: open a writer over caller-supplied 4 KiB pages (or a growable
 * memory buffer), write HEADER, the records, END, then read the length
 * and CRC-32C for the hand-over descriptor. Records may span pages. Large
 * arrays are split into several records by the helpers.
 *
 * Reading is two passes over the same bytes:
 *   lu_reader_validate()  checks the CRC, the framing, every record's
 *                         semantics and the cross-record rules, and
 *                         collects counts; it changes nothing.
 *   lu_reader_apply()     walks the records again and hands each one,
 *                         decoded, to the caller's callbacks.
 * apply() refuses to run unless validate() succeeded, so a bad stream is
 * refused before the caller has changed anything. Every failure leaves a
 * human-readable message in lu_stream_error().
 *
 * Errors: -EINVAL malformed, -EBADMSG checksum mismatch,
 * -EPROTONOSUPPORT newer than this reader (version, mandatory feature,
 * mandatory record), -ENOMEM, -EFBIG too large; or what a callback
 * returned.
 *
 * Neither object is thread-safe; each belongs to one thread at a time.
 */
#ifndef XHV_STREAM_STREAM_H
#define XHV_STREAM_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xhv/public/liveupdate.h"

/* ---- CRC-32C (Castagnoli, reflected, init and xorout ~0) --------------- */

/* crc32c(0, "123456789", 9) == 0xE3069283. Chain with crc = crc32c(crc,..). */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

/* ---- Writer -------------------------------------------------------------- */

struct lu_writer;

/* Supplies the next zeroed-or-not LU_PAGE_SIZE page; 0 or -errno. The
 * writer never frees pages: the caller owns them and knows their MFNs. */
typedef int (*lu_page_fn)(void *opaque, void **page);

int lu_writer_open_pages(struct lu_writer **out, lu_page_fn next_page,
                         void *opaque);
/* Growable memory buffer, for tests and tools. */
int lu_writer_open_mem(struct lu_writer **out);
void lu_writer_free(struct lu_writer *w);

/* One record from an array of pieces; length = sum of the pieces. */
struct lu_iov {
    const void *base;
    size_t len;
};
int lu_record_write(struct lu_writer *w, uint32_t type,
                    const struct lu_iov *iov, unsigned int n);

/* Per record type. Array helpers split into records of at most
 * LU_WRITE_MAX_ENTRIES entries each. */
#define LU_WRITE_MAX_ENTRIES 16384u
int lu_write_header(struct lu_writer *w, const struct lu_rec_header *h);
int lu_write_page_ranges(struct lu_writer *w, const struct lu_page_range *r,
                         size_t n);
int lu_write_domain(struct lu_writer *w, const struct lu_rec_domain *d);
int lu_write_p2m(struct lu_writer *w, uint16_t domid,
                 const struct lu_p2m_extent *e, size_t n);
int lu_write_hvm_params(struct lu_writer *w, uint16_t domid,
                        const struct lu_hvm_param *p, size_t n);
/* v->blob_len bytes are taken from blob. */
int lu_write_vcpu(struct lu_writer *w, const struct lu_rec_vcpu *v,
                  const void *blob);
int lu_write_evtchn_ports(struct lu_writer *w, uint16_t domid,
                          const struct lu_evtchn_port *p, size_t n);
int lu_write_evtchn_fifo(struct lu_writer *w, uint16_t domid,
                         const struct lu_fifo_control *c, uint32_t nr_control,
                         const uint64_t *array_gfn, uint32_t nr_array);
int lu_write_console(struct lu_writer *w, uint16_t domid,
                     uint64_t total_written, const void *ring,
                     uint32_t ring_len);
int lu_write_gnttab(struct lu_writer *w, const struct lu_rec_gnttab *g);
int lu_write_domcfg(struct lu_writer *w, uint16_t domid, const char *text,
                    uint32_t len);
int lu_write_maptrack(struct lu_writer *w, uint16_t domid,
                      const struct lu_maptrack_entry *e, size_t n);
int lu_write_end(struct lu_writer *w);

/* Bytes written so far (a multiple of 8) and their CRC-32C. */
uint64_t lu_writer_length(const struct lu_writer *w);
uint32_t lu_writer_crc(const struct lu_writer *w);
/* Pages taken from next_page so far. */
size_t lu_writer_nr_pages(const struct lu_writer *w);
/* Memory mode only: the bytes written (NULL in page mode). */
const void *lu_writer_mem(const struct lu_writer *w, size_t *len);

/* ---- Reader -------------------------------------------------------------- */

struct lu_reader;

/* The caller's pages stay valid and unchanged until lu_reader_free(). */
int lu_reader_open_pages(struct lu_reader **out, const void *const *pages,
                         size_t nr_pages, uint64_t len);
int lu_reader_open_mem(struct lu_reader **out, const void *buf, size_t len);
void lu_reader_free(struct lu_reader *r);

/* What pass 1 found. */
struct lu_stream_summary {
    struct lu_rec_header header;
    uint32_t nr_records; /* END included */
    uint32_t nr_skipped; /* unknown optional records */
    uint32_t nr_domains;
    uint32_t nr_vcpus;        /* VCPU records */
    uint64_t nr_page_ranges;  /* entries, over all PAGE_RANGE records */
    uint64_t preserved_pages; /* sum of their nr */
    uint64_t nr_p2m_extents;
    uint64_t nr_hvm_params;
    uint64_t nr_ports;
    uint64_t nr_maptrack;
    uint32_t nr_consoles;
    uint32_t nr_fifo;
    uint32_t nr_gnttab;
};

/* Pass 1. expected_crc comes from the hand-over descriptor. */
int lu_reader_validate(struct lu_reader *r, uint32_t expected_crc);
const struct lu_stream_summary *lu_reader_summary(const struct lu_reader *r);

/*
 * Pass 2 callbacks, each given decoded, validated records in stream
 * order. A NULL callback ignores that record type. Pointers are valid
 * only during the call. A non-zero return stops the walk and is returned
 * by lu_reader_apply() (the message names the record).
 */
struct lu_apply_ops {
    int (*header)(void *opaque, const struct lu_rec_header *h);
    int (*page_ranges)(void *opaque, const struct lu_page_range *r, uint32_t n);
    int (*domain)(void *opaque, const struct lu_rec_domain *d);
    int (*p2m)(void *opaque, uint16_t domid, const struct lu_p2m_extent *e,
               uint32_t n);
    int (*hvm_params)(void *opaque, uint16_t domid,
                      const struct lu_hvm_param *p, uint32_t n);
    int (*vcpu)(void *opaque, const struct lu_rec_vcpu *v, const void *blob);
    int (*evtchn_ports)(void *opaque, uint16_t domid,
                        const struct lu_evtchn_port *p, uint32_t n);
    int (*evtchn_fifo)(void *opaque, uint16_t domid,
                       const struct lu_fifo_control *c, uint32_t nr_control,
                       const uint64_t *array_gfn, uint32_t nr_array);
    int (*console)(void *opaque, const struct lu_rec_console *c,
                   const void *ring);
    int (*gnttab)(void *opaque, const struct lu_rec_gnttab *g);
    int (*maptrack)(void *opaque, uint16_t domid,
                    const struct lu_maptrack_entry *e, uint32_t n);
    /* text is not NUL-terminated. */
    int (*domcfg)(void *opaque, uint16_t domid, const char *text, uint32_t len);
    int (*end)(void *opaque);
};

/* Pass 2; -EINVAL unless lu_reader_validate() succeeded first. */
int lu_reader_apply(struct lu_reader *r, const struct lu_apply_ops *ops,
                    void *opaque);

/* The last error, e.g. "record 17 (P2M) at offset 4096: extent 3 overlaps
 * extent 1"; "" when there was none. Valid until the reader is freed. */
const char *lu_stream_error(const struct lu_reader *r);

/* "P2M", "HEADER", ... or "unknown". */
const char *lu_record_name(uint32_t type);

/* ---- Hand-over descriptor ---------------------------------------------- */

/* Encodes into buf (at most size bytes); *len = bytes used. -ENOSPC when
 * it does not fit, -EFBIG beyond LU_HANDOVER_MAX_PAGES. */
int lu_handover_encode(void *buf, size_t size, size_t *len, uint32_t flags,
                       uint64_t stream_len, uint32_t stream_crc,
                       const uint64_t *mfns, uint32_t nr_pages);

/* Checks buf (len bytes as received) and decodes it. *mfns points into
 * buf (8-byte aligned buf required: -EINVAL otherwise). err, if not NULL,
 * receives a message. */
int lu_handover_decode(const void *buf, size_t len, struct lu_handover *hd,
                       const uint64_t **mfns, char *err, size_t err_size);

#endif /* XHV_STREAM_STREAM_H */
