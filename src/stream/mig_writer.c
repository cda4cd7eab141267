/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Migration stream writer: the image and domain headers and records with
 * their padding, straight to the caller's write function (no buffering:
 * the caller hands whole records, PAGE_DATA batches of up to 4 MiB).
 * Also the memory-buffer I/O functions the tests and the fuzzer use.
 */
#include <errno.h>
#include <string.h>

#include "lib/alloc.h"
#include "stream/mig.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the migration stream writer assumes a little-endian host"
#endif

void mig_writer_init(struct mig_writer *w, mig_io_fn write, void *opaque)
{
    memset(w, 0, sizeof(*w));
    w->write = write;
    w->opaque = opaque;
}

static int put(struct mig_writer *w, const void *buf, size_t len)
{
    int rc;

    if (!len)
        return 0;
    rc = w->write(w->opaque, (void *)buf, len);
    if (!rc)
        w->bytes += len;
    return rc;
}

int mig_write_headers(struct mig_writer *w)
{
    /* The image header is big-endian whatever the options say. */
    struct mig_ihdr ih = {
        .marker = MIG_IHDR_MARKER,
        .id = __builtin_bswap32(MIG_IHDR_ID),
        .version = __builtin_bswap32(MIG_IHDR_VERSION),
        .options = 0, /* little-endian records */
    };
    struct mig_dhdr dh = {
        .type = MIG_DHDR_TYPE_X86_HVM,
        .page_shift = MIG_PAGE_SHIFT,
        .xen_major = 4,
        .xen_minor = 19,
    };
    int rc = put(w, &ih, sizeof(ih));

    if (!rc)
        rc = put(w, &dh, sizeof(dh));
    return rc;
}

int mig_write_record(struct mig_writer *w, uint32_t type,
                     const struct mig_iov *iov, unsigned int n)
{
    static const uint8_t zero[MIG_REC_ALIGN];
    struct mig_rhdr h = {.type = type};
    uint64_t len = 0;
    unsigned int i;
    int rc;

    for (i = 0; i < n; i++)
        len += iov[i].len;
    if (len > MIG_REC_LENGTH_MAX)
        return -EFBIG;
    h.length = (uint32_t)len;
    rc = put(w, &h, sizeof(h));
    for (i = 0; !rc && i < n; i++)
        rc = put(w, iov[i].base, iov[i].len);
    if (!rc)
        rc =
            put(w, zero, (MIG_REC_ALIGN - len % MIG_REC_ALIGN) % MIG_REC_ALIGN);
    return rc;
}

int mig_write_page_data(struct mig_writer *w, const uint64_t *pfns,
                        uint32_t count, const void *data, size_t data_len)
{
    struct mig_page_data_hdr h = {.count = count};
    struct mig_iov iov[3] = {
        {&h, sizeof(h)},
        {pfns, (size_t)count * sizeof(*pfns)},
        {data, data_len},
    };

    if (count == 0 || count > MIG_PAGE_BATCH)
        return -EINVAL;
    return mig_write_record(w, MIG_REC_PAGE_DATA, iov, 3);
}

/* ---- memory I/O ---------------------------------------------------------- */

int mig_mem_read(void *opaque, void *buf, size_t len)
{
    struct mig_membuf *m = opaque;
    size_t left = m->len - m->pos;

    if (left < len) {
        m->pos = m->len;
        return left ? -EPIPE : -ENODATA;
    }
    memcpy(buf, m->buf + m->pos, len);
    m->pos += len;
    return 0;
}

int mig_mem_write(void *opaque, void *buf, size_t len)
{
    struct mig_membuf *m = opaque;

    if (m->cap - m->len < len) {
        size_t cap = m->cap ? m->cap : 4096;
        uint8_t *p;

        while (cap - m->len < len)
            cap *= 2;
        p = xhv_realloc(m->buf, cap);
        if (!p)
            return -ENOMEM;
        m->buf = p;
        m->cap = cap;
    }
    memcpy(m->buf + m->len, buf, len);
    m->len += len;
    return 0;
}

void mig_membuf_free(struct mig_membuf *m)
{
    xhv_free(m->buf);
    memset(m, 0, sizeof(*m));
}
