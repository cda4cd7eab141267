/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hand-over descriptor: what the old xhvd tells the new one about the
 * stream (length, CRC-32C, the MFNs of the pages holding it). It crosses
 * a unix socket as bytes, so both directions go through memcpy and
 * explicit checks; the MFNs themselves are the caller's to check against
 * its machine memory.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stream/stream.h"

int lu_handover_encode(void *buf, size_t size, size_t *len, uint32_t flags,
                       uint64_t stream_len, uint32_t stream_crc,
                       const uint64_t *mfns, uint32_t nr_pages)
{
    struct lu_handover hd = {
        .magic = LU_HANDOVER_MAGIC,
        .version = LU_HANDOVER_VERSION,
        .flags = flags,
        .stream_len = stream_len,
        .stream_crc = stream_crc,
        .nr_pages = nr_pages,
    };
    size_t need = sizeof(hd) + (size_t)nr_pages * sizeof(uint64_t);
    int rc = 0;

    *len = 0;
    if (nr_pages > LU_HANDOVER_MAX_PAGES)
        rc = -EFBIG;
    else if ((flags & ~LU_HANDOVER_F_KNOWN) || stream_len % LU_REC_ALIGN ||
             nr_pages != (stream_len + LU_PAGE_SIZE - 1) / LU_PAGE_SIZE)
        rc = -EINVAL;
    else if (need > size)
        rc = -ENOSPC;
    if (rc)
        goto out;
    memcpy(buf, &hd, sizeof(hd));
    memcpy((uint8_t *)buf + sizeof(hd), mfns, need - sizeof(hd));
    *len = need;
out:
    return rc;
}

static int hd_fail(char *err, size_t size, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int hd_fail(char *err, size_t size, int rc, const char *fmt, ...)
{
    va_list ap;

    if (err && size) {
        va_start(ap, fmt);
        vsnprintf(err, size, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int lu_handover_decode(const void *buf, size_t len, struct lu_handover *hd,
                       const uint64_t **mfns, char *err, size_t err_size)
{
    int rc = 0;

    *mfns = NULL;
    memset(hd, 0, sizeof(*hd));
    if (err && err_size)
        err[0] = '\0';
    if ((uintptr_t)buf % sizeof(uint64_t))
        return hd_fail(err, err_size, -EINVAL, "buffer is not 8-byte aligned");
    if (len < sizeof(*hd) || len > LU_HANDOVER_MAX_BYTES)
        return hd_fail(err, err_size, -EINVAL,
                       "descriptor of %zu bytes (expected %zu..%u)", len,
                       sizeof(*hd), LU_HANDOVER_MAX_BYTES);
    memcpy(hd, buf, sizeof(*hd));
    if (hd->magic != LU_HANDOVER_MAGIC)
        rc = hd_fail(err, err_size, -EINVAL, "bad magic %#llx",
                     (unsigned long long)hd->magic);
    else if (hd->version != LU_HANDOVER_VERSION)
        rc = hd_fail(err, err_size,
                     hd->version > LU_HANDOVER_VERSION ? -EPROTONOSUPPORT
                                                       : -EINVAL,
                     "descriptor version %u, this reader supports %u",
                     hd->version, LU_HANDOVER_VERSION);
    else if (hd->flags & ~LU_HANDOVER_F_KNOWN)
        rc = hd_fail(err, err_size, -EPROTONOSUPPORT, "unknown flags %#x",
                     hd->flags);
    else if (hd->nr_pages > LU_HANDOVER_MAX_PAGES)
        rc = hd_fail(err, err_size, -EFBIG, "%u pages, at most %zu",
                     hd->nr_pages, (size_t)LU_HANDOVER_MAX_PAGES);
    else if (len != sizeof(*hd) + (size_t)hd->nr_pages * sizeof(uint64_t))
        rc = hd_fail(err, err_size, -EINVAL,
                     "%zu bytes for %u pages: truncated or trailing bytes", len,
                     hd->nr_pages);
    else if (hd->stream_len == 0 || hd->stream_len % LU_REC_ALIGN ||
             hd->nr_pages != (hd->stream_len + LU_PAGE_SIZE - 1) / LU_PAGE_SIZE)
        rc = hd_fail(err, err_size, -EINVAL, "stream of %llu bytes in %u pages",
                     (unsigned long long)hd->stream_len, hd->nr_pages);
    if (!rc)
        *mfns = (const uint64_t *)((const uint8_t *)buf + sizeof(*hd));
    else
        memset(hd, 0, sizeof(*hd));
    return rc;
}
