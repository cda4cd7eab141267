/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The stream reader: framing, checksum and the two passes.
 *
 * The bytes are either one contiguous buffer or a list of 4 KiB pages
 * (the hand-over descriptor's MFNs, mapped by the caller); either way
 * they are read only through read_at(), and every record body is copied
 * into one 8-byte-aligned buffer before anything looks at it, so a record
 * spanning pages and a fuzzer's unaligned input need no special cases.
 *
 * Pass 1 (lu_reader_validate) refuses the stream unless: the CRC-32C
 * matches; the first record is HEADER and its version and mandatory
 * features are known; every record fits, has zero padding, is known or
 * optional, and passes its own checks (lu_check.c); the last record is
 * END with nothing after it; and the cross-record checks hold. Pass 2
 * (lu_reader_apply) only walks the framing again and dispatches.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/alloc.h"
#include "stream/private.h"

int lu_fail(struct lu_reader *r, int rc, const struct lu_rec *rec,
            const char *fmt, ...)
{
    va_list ap;
    int n = 0;

    if (rec)
        n = snprintf(r->err, sizeof(r->err),
                     "record %u (%s) at offset %llu: ", rec->index,
                     lu_record_name(rec->type),
                     (unsigned long long)rec->offset);
    if (n < 0 || (size_t)n >= sizeof(r->err))
        n = 0;
    va_start(ap, fmt);
    vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
    va_end(ap);
    return rc;
}

static int reader_new(struct lu_reader **out, uint64_t len)
{
    struct lu_reader *r = xhv_calloc(1, sizeof(*r));

    *out = r;
    if (!r)
        return -ENOMEM;
    r->len = len;
    return 0;
}

int lu_reader_open_mem(struct lu_reader **out, const void *buf, size_t len)
{
    int rc = reader_new(out, len);

    if (!rc)
        (*out)->mem = buf;
    return rc;
}

int lu_reader_open_pages(struct lu_reader **out, const void *const *pages,
                         size_t nr_pages, uint64_t len)
{
    struct lu_reader *r = NULL;
    size_t i;
    int rc = -EINVAL;

    *out = NULL;
    /* The pages must hold the stream exactly, the last one partly. */
    if (nr_pages == 0 || nr_pages > LU_HANDOVER_MAX_PAGES ||
        len > (uint64_t)nr_pages * LU_PAGE_SIZE ||
        len <= (uint64_t)(nr_pages - 1) * LU_PAGE_SIZE)
        goto out;
    for (i = 0; i < nr_pages; i++)
        if (!pages[i])
            goto out;
    rc = reader_new(&r, len);
    if (rc)
        goto out;
    r->pages = xhv_malloc(nr_pages * sizeof(*r->pages));
    if (!r->pages) {
        rc = -ENOMEM;
        goto out;
    }
    memcpy(r->pages, pages, nr_pages * sizeof(*r->pages));
    r->nr_pages = nr_pages;
out:
    if (rc) {
        lu_reader_free(r);
        r = NULL;
    }
    *out = r;
    return rc;
}

void lu_reader_free(struct lu_reader *r)
{
    if (!r)
        return;
    lu_reader_reset_state(r);
    xhv_free(r->body);
    xhv_free(r->pages);
    xhv_free(r);
}

/* Copies n bytes at off, which the caller has bounds-checked. */
static void read_at(const struct lu_reader *r, uint64_t off, void *dst,
                    size_t n)
{
    uint8_t *d = dst;
    size_t chunk;

    if (r->mem) {
        memcpy(d, r->mem + off, n);
        return;
    }
    while (n) {
        chunk = LU_PAGE_SIZE - off % LU_PAGE_SIZE;
        if (chunk > n)
            chunk = n;
        memcpy(d, r->pages[off / LU_PAGE_SIZE] + off % LU_PAGE_SIZE, chunk);
        d += chunk;
        off += chunk;
        n -= chunk;
    }
}

static uint32_t stream_crc(const struct lu_reader *r)
{
    uint64_t off = 0, chunk;
    uint32_t crc = 0;

    if (r->mem)
        return crc32c(0, r->mem, r->len);
    while (off < r->len) {
        chunk = r->len - off < LU_PAGE_SIZE ? r->len - off : LU_PAGE_SIZE;
        crc = crc32c(crc, r->pages[off / LU_PAGE_SIZE], chunk);
        off += chunk;
    }
    return crc;
}

/* Reads the record at *off into rec (body in r->body) and advances *off
 * past its padding. Checks the framing only. */
static int next_record(struct lu_reader *r, uint64_t *off, struct lu_rec *rec)
{
    static const uint8_t zero[LU_REC_ALIGN];
    struct lu_rec_hdr h;
    uint8_t pad[LU_REC_ALIGN];
    uint64_t padded;
    size_t cap;
    int rc = -EINVAL;

    rec->offset = *off;
    rec->type = 0;
    rec->len = 0;
    rec->body = NULL;
    if (r->len - *off < sizeof(h)) {
        lu_fail(r, rc, NULL, "truncated: %llu bytes left at offset %llu",
                (unsigned long long)(r->len - *off), (unsigned long long)*off);
        goto out;
    }
    read_at(r, *off, &h, sizeof(h));
    rec->type = h.type;
    rec->len = h.length;
    padded = ((uint64_t)h.length + LU_REC_ALIGN - 1) & ~(uint64_t)7;
    if (h.length > LU_REC_MAX_BODY) {
        rc = lu_fail(r, -EFBIG, rec, "length %u exceeds %u", h.length,
                     LU_REC_MAX_BODY);
        goto out;
    }
    if (padded > r->len - *off - sizeof(h)) {
        lu_fail(r, rc, rec, "length %u runs past the end of the stream",
                h.length);
        goto out;
    }
    cap = h.length ? h.length : 1;
    if (cap > r->body_cap) {
        uint8_t *b = xhv_realloc(r->body, cap);

        if (!b) {
            rc = lu_fail(r, -ENOMEM, rec, "out of memory for the body");
            goto out;
        }
        r->body = b;
        r->body_cap = cap;
    }
    read_at(r, *off + sizeof(h), r->body, h.length);
    read_at(r, *off + sizeof(h) + h.length, pad, padded - h.length);
    if (memcmp(pad, zero, padded - h.length)) {
        lu_fail(r, rc, rec, "non-zero padding");
        goto out;
    }
    rec->body = r->body;
    *off += sizeof(h) + padded;
    rc = 0;
out:
    return rc;
}

static int check_header(struct lu_reader *r, const struct lu_rec *rec)
{
    const struct lu_rec_header *h = rec->body;
    uint64_t unknown;
    int rc = -EINVAL;

    if (rec->type != LU_REC_HEADER) {
        lu_fail(r, rc, rec, "the first record must be HEADER");
        goto out;
    }
    if (rec->len != sizeof(*h)) {
        lu_fail(r, rc, rec, "length %u, expected %zu", rec->len, sizeof(*h));
        goto out;
    }
    if (h->magic != LU_STREAM_MAGIC) {
        lu_fail(r, rc, rec, "bad magic %#llx", (unsigned long long)h->magic);
        goto out;
    }
    if (h->version == 0 || h->version > LU_STREAM_VERSION) {
        rc = h->version ? -EPROTONOSUPPORT : -EINVAL;
        lu_fail(r, rc, rec,
                "stream version %u (writer %.32s), this reader supports "
                "1..%u",
                h->version,
                memchr(h->xhv_version, 0, 32) ? h->xhv_version : "?",
                LU_STREAM_VERSION);
        goto out;
    }
    unknown = h->features & LU_FEAT_MANDATORY_MASK & ~LU_FEAT_KNOWN;
    if (unknown) {
        rc = -EPROTONOSUPPORT;
        lu_fail(r, rc, rec, "unknown mandatory feature bits %#llx",
                (unsigned long long)unknown);
        goto out;
    }
    rc = lu_rec_check(r, rec);
out:
    return rc;
}

static int validate_records(struct lu_reader *r)
{
    struct lu_rec rec = {0};
    uint64_t off = 0;
    int rc;

    for (;;) {
        rc = next_record(r, &off, &rec);
        if (rc)
            goto out;
        if (rec.index == 0) {
            rc = check_header(r, &rec);
        } else if (rec.type == LU_REC_HEADER) {
            rc = lu_fail(r, -EINVAL, &rec, "a second HEADER");
        } else if (lu_rec_known(rec.type)) {
            rc = lu_rec_check(r, &rec);
        } else if (rec.type & LU_REC_OPTIONAL) {
            r->sum.nr_skipped++; /* the point of the optional bit */
        } else {
            rc = lu_fail(r, -EPROTONOSUPPORT, &rec,
                         "unknown mandatory record type %#x", rec.type);
        }
        if (rc)
            goto out;
        r->sum.nr_records++;
        if (rec.type == LU_REC_END)
            break;
        if (off == r->len) {
            rc = lu_fail(r, -EINVAL, NULL,
                         "no END record: stream ends after %u records",
                         r->sum.nr_records);
            goto out;
        }
        rec.index++;
    }
    if (off != r->len) {
        rc = lu_fail(r, -EINVAL, &rec, "%llu bytes after END",
                     (unsigned long long)(r->len - off));
        goto out;
    }
    rc = lu_rec_check_final(r);
out:
    return rc;
}

int lu_reader_validate(struct lu_reader *r, uint32_t expected_crc)
{
    uint32_t crc;
    int rc = -EINVAL;

    r->validated = false;
    r->err[0] = '\0';
    lu_reader_reset_state(r);
    memset(&r->sum, 0, sizeof(r->sum));
    if (r->len % LU_REC_ALIGN || r->len < 2 * sizeof(struct lu_rec_hdr)) {
        lu_fail(r, rc, NULL,
                "stream length %llu is not a multiple of 8 "
                "bytes of at least two records",
                (unsigned long long)r->len);
        goto out;
    }
    crc = stream_crc(r);
    if (crc != expected_crc) {
        rc =
            lu_fail(r, -EBADMSG, NULL, "CRC-32C %#010x, descriptor says %#010x",
                    crc, expected_crc);
        goto out;
    }
    r->dom_slot = xhv_calloc(LU_DOMID_FIRST_RESERVED, sizeof(*r->dom_slot));
    if (!r->dom_slot) {
        rc = lu_fail(r, -ENOMEM, NULL, "out of memory");
        goto out;
    }
    rc = validate_records(r);
    if (!rc)
        r->validated = true;
out:
    /* The checking state is of no use to pass 2. */
    lu_reader_reset_state(r);
    return rc;
}

const struct lu_stream_summary *lu_reader_summary(const struct lu_reader *r)
{
    return &r->sum;
}

int lu_reader_apply(struct lu_reader *r, const struct lu_apply_ops *ops,
                    void *opaque)
{
    struct lu_rec rec = {0};
    uint64_t off = 0;
    int rc = -EINVAL;

    if (!r->validated) {
        lu_fail(r, rc, NULL, "lu_reader_apply before a successful validate");
        goto out;
    }
    r->err[0] = '\0';
    do {
        /* Pass 1 read the same bytes, so only the body buffer can fail,
         * and it is already as large as the largest body. */
        rc = next_record(r, &off, &rec);
        if (rc)
            goto out;
        rc = lu_rec_apply(&rec, ops, opaque);
        if (rc) {
            lu_fail(r, rc, &rec, "refused by the caller: %s", strerror(-rc));
            goto out;
        }
        rec.index++;
    } while (rec.type != LU_REC_END);
out:
    return rc;
}

const char *lu_stream_error(const struct lu_reader *r)
{
    return r->err;
}
