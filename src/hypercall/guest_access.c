/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest memory access for hypercalls. Each page is translated on its own
 * (a buffer may cross into a page that is not mapped, or mapped
 * read-only), and copied under the P2M lock, so a concurrent balloon or
 * physmap change cannot pull the page away mid-copy.
 */
#include <errno.h>
#include <string.h>

#include "hypercall/hypercall.h"

static int translate(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
    const struct domain_backend *b = v->domain->backend;

    if (b && b->translate)
        return b->translate(v, gva, write, gpa);
    *gpa = gva; /* no paging: guest-virtual is guest-physical */
    return 0;
}

static int copy(struct vcpu *v, uint64_t gva, void *buf, size_t len,
                bool to_guest)
{
    uint8_t *p = buf;

    if (gva + len < gva)
        return -EFAULT; /* wraps */
    while (len) {
        size_t chunk = PAGE_SIZE - (gva & (PAGE_SIZE - 1));
        uint64_t gpa;

        if (chunk > len)
            chunk = len;
        if (translate(v, gva, to_guest, &gpa) ||
            p2m_copy(&v->domain->p2m, gpa, p, chunk, to_guest))
            return -EFAULT;
        gva += chunk;
        p += chunk;
        len -= chunk;
    }
    return 0;
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    return copy(v, gva, dst, len, false);
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    return copy(v, gva, (void *)src, len, true);
}

int copy_string_from_guest(struct vcpu *v, char *dst, uint64_t gva, size_t max)
{
    size_t i;

    /* Byte by byte up to the NUL: a string may end just before an
     * unmapped page, and reading past it must not fault the call. */
    for (i = 0; i < max; i++) {
        if (copy_from_guest(v, &dst[i], gva + i, 1))
            return -EFAULT;
        if (dst[i] == '\0')
            return 0;
    }
    return -E2BIG;
}
