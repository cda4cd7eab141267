/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The stream writer: frames records ({type, length}, body, zero padding
 * to 8 bytes) into either caller-supplied 4 KiB pages or a growable
 * memory buffer, keeping the running length and CRC-32C that go into the
 * hand-over descriptor.
 *
 * Pages come one at a time from the caller's next_page callback, so the
 * live-update code can allocate domheap pages owned by DOMID_LU and note
 * their MFNs; a record simply continues on the next page. The writer does
 * no semantic checking: the reader is the only judge, and the tests run
 * every helper's output through it.
 *
 * The first failure is sticky: a stream with half a record in it is
 * useless, so every later call returns the same error.
 */
#include <errno.h>
#include <string.h>

#include "lib/alloc.h"
#include "stream/private.h"

struct lu_writer {
    lu_page_fn next_page; /* NULL in memory mode */
    void *opaque;
    uint8_t *page; /* current page, page mode */
    size_t page_off;
    size_t nr_pages;
    uint8_t *mem; /* memory mode buffer */
    size_t mem_cap;
    uint64_t len;
    uint32_t crc;
    int error; /* sticky */
    bool ended;
};

static int writer_open(struct lu_writer **out, lu_page_fn next_page,
                       void *opaque)
{
    struct lu_writer *w = xhv_calloc(1, sizeof(*w));
    int rc = 0;

    if (!w) {
        rc = -ENOMEM;
        goto out;
    }
    w->next_page = next_page;
    w->opaque = opaque;
    w->page_off = LU_PAGE_SIZE; /* no page yet */
out:
    *out = w;
    return rc;
}

int lu_writer_open_pages(struct lu_writer **out, lu_page_fn next_page,
                         void *opaque)
{
    if (!next_page) {
        *out = NULL;
        return -EINVAL;
    }
    return writer_open(out, next_page, opaque);
}

int lu_writer_open_mem(struct lu_writer **out)
{
    return writer_open(out, NULL, NULL);
}

void lu_writer_free(struct lu_writer *w)
{
    if (!w)
        return;
    xhv_free(w->mem);
    xhv_free(w);
}

static int mem_reserve(struct lu_writer *w, size_t n)
{
    size_t cap = w->mem_cap ? w->mem_cap : 4096;
    uint8_t *p;

    if (w->len + n <= w->mem_cap)
        return 0;
    while (cap < w->len + n)
        cap *= 2;
    p = xhv_realloc(w->mem, cap);
    if (!p)
        return -ENOMEM;
    w->mem = p;
    w->mem_cap = cap;
    return 0;
}

/* Appends n bytes (zeros when src is NULL). */
static int emit(struct lu_writer *w, const void *src, size_t n)
{
    const uint8_t *s = src;
    size_t chunk;
    int rc = 0;

    if (!w->next_page) {
        rc = mem_reserve(w, n);
        if (rc)
            goto out;
        if (s)
            memcpy(w->mem + w->len, s, n);
        else
            memset(w->mem + w->len, 0, n);
        w->crc = crc32c(w->crc, w->mem + w->len, n);
        w->len += n;
        goto out;
    }
    while (n) {
        if (w->page_off == LU_PAGE_SIZE) {
            void *page = NULL;

            rc = w->next_page(w->opaque, &page);
            if (!rc && !page)
                rc = -EINVAL;
            if (rc)
                goto out;
            w->page = page;
            w->page_off = 0;
            w->nr_pages++;
        }
        chunk = LU_PAGE_SIZE - w->page_off;
        if (chunk > n)
            chunk = n;
        if (s) {
            memcpy(w->page + w->page_off, s, chunk);
            s += chunk;
        } else {
            memset(w->page + w->page_off, 0, chunk);
        }
        w->crc = crc32c(w->crc, w->page + w->page_off, chunk);
        w->page_off += chunk;
        w->len += chunk;
        n -= chunk;
    }
out:
    return rc;
}

int lu_record_write(struct lu_writer *w, uint32_t type,
                    const struct lu_iov *iov, unsigned int n)
{
    struct lu_rec_hdr h = {.type = type};
    uint64_t total = 0;
    unsigned int i;
    int rc = w->error;

    if (rc)
        goto out;
    if (w->ended) {
        rc = -EINVAL; /* nothing may follow END; not sticky */
        goto out;
    }
    for (i = 0; i < n; i++)
        total += iov[i].len;
    if (total > LU_REC_MAX_BODY) {
        rc = -EFBIG; /* refused before anything is written; not sticky */
        goto out;
    }
    h.length = (uint32_t)total;
    rc = emit(w, &h, sizeof(h));
    for (i = 0; !rc && i < n; i++)
        rc = emit(w, iov[i].base, iov[i].len);
    if (!rc && (total % LU_REC_ALIGN))
        rc = emit(w, NULL, LU_REC_ALIGN - total % LU_REC_ALIGN);
    if (rc)
        w->error = rc;
    else if (type == LU_REC_END)
        w->ended = true;
out:
    return rc;
}

uint64_t lu_writer_length(const struct lu_writer *w)
{
    return w->len;
}

uint32_t lu_writer_crc(const struct lu_writer *w)
{
    return w->crc;
}

size_t lu_writer_nr_pages(const struct lu_writer *w)
{
    return w->nr_pages;
}

const void *lu_writer_mem(const struct lu_writer *w, size_t *len)
{
    if (len)
        *len = w->next_page ? 0 : w->len;
    return w->next_page ? NULL : w->mem;
}
