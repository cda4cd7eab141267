/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A migration image in memory, for the migrate unit tests: a writer and a
 * reader (mig_io_fn) over a growing buffer. Each I/O is a fault site
 * ("test_mig_write", "test_mig_read"), as a socket's would be. Not
 * src/stream's mig_membuf: that grows with xhv_realloc, which the fault
 * loops count, and an image kept across runs would look like a leak.
 */
#ifndef XHV_TESTS_MIGRATE_MEMIMG_H
#define XHV_TESTS_MIGRATE_MEMIMG_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fault.h"

struct memimg {
    uint8_t *p;
    size_t len, cap, off;
};

static inline int memimg_write(void *opaque, void *buf, size_t len)
{
    struct memimg *m = opaque;

    if (fault_fire("test_mig_write"))
        return -EIO;
    if (m->len + len > m->cap) {
        size_t cap = (m->len + len) * 2;
        uint8_t *p = realloc(m->p, cap);

        if (!p)
            return -ENOMEM;
        m->p = p;
        m->cap = cap;
    }
    memcpy(m->p + m->len, buf, len);
    m->len += len;
    return 0;
}

static inline int memimg_read(void *opaque, void *buf, size_t len)
{
    struct memimg *m = opaque;

    if (fault_fire("test_mig_read"))
        return -EIO;
    if (m->off == m->len)
        return -ENODATA;
    if (len > m->len - m->off)
        return -EPIPE;
    memcpy(buf, m->p + m->off, len);
    m->off += len;
    return 0;
}

#endif /* XHV_TESTS_MIGRATE_MEMIMG_H */
