/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the live-update stream reader, both passes.
 *
 * An input is a stream. Its CRC-32C is computed here and handed to the
 * reader as the descriptor would, so the fuzzer gets past the checksum
 * into the records. The same bytes are read twice, from one buffer and
 * from 4 KiB pages, and both readers must agree exactly (result and
 * message). Beyond the sanitizers it checks the API's promises: an error
 * always has a message; pass 2 runs only after pass 1 accepted and then
 * reports exactly what pass 1 counted; a wrong CRC is always refused;
 * nothing allocated is left behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/alloc.h"
#include "stream/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_lu_stream: check failed: %s (line %d)\n",    \
                    #cond, __LINE__);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

struct counts {
    uint64_t records, domains, vcpus, ranges, p2m, ports;
};

static int on_domain(void *o, const struct lu_rec_domain *d)
{
    CHECK(d->domid < LU_DOMID_FIRST_RESERVED);
    CHECK(memchr(d->name, 0, sizeof(d->name)) != NULL);
    ((struct counts *)o)->domains++;
    return 0;
}

static int on_vcpu(void *o, const struct lu_rec_vcpu *v, const void *blob)
{
    CHECK(v->blob_len == 0 || blob != NULL);
    ((struct counts *)o)->vcpus++;
    return 0;
}

static int on_ranges(void *o, const struct lu_page_range *r, uint32_t n)
{
    uint32_t i;

    for (i = 0; i < n; i++)
        CHECK(r[i].nr >= 1);
    ((struct counts *)o)->ranges += n;
    return 0;
}

static int on_p2m(void *o, uint16_t domid, const struct lu_p2m_extent *e,
                  uint32_t n)
{
    ((struct counts *)o)->p2m += n;
    return 0;
}

static int on_ports(void *o, uint16_t domid, const struct lu_evtchn_port *p,
                    uint32_t n)
{
    ((struct counts *)o)->ports += n;
    return 0;
}

static const struct lu_apply_ops ops = {
    .domain = on_domain,
    .vcpu = on_vcpu,
    .page_ranges = on_ranges,
    .p2m = on_p2m,
    .evtchn_ports = on_ports,
};

/* Reads data from pages; returns the result, message in err. */
static int read_pages(const uint8_t *data, size_t size, char *err, size_t n)
{
    size_t nr = (size + LU_PAGE_SIZE - 1) / LU_PAGE_SIZE, i;
    uint8_t *pages = malloc(nr * LU_PAGE_SIZE);
    const void **ptrs = malloc(nr * sizeof(*ptrs));
    struct lu_reader *r = NULL;
    int rc;

    CHECK(pages && ptrs);
    memcpy(pages, data, size);
    for (i = 0; i < nr; i++)
        ptrs[nr - 1 - i] = pages + (nr - 1 - i) * LU_PAGE_SIZE;
    rc = lu_reader_open_pages(&r, ptrs, nr, size);
    if (!rc) {
        rc = lu_reader_validate(r, crc32c(0, data, size));
        snprintf(err, n, "%s", lu_stream_error(r));
    }
    lu_reader_free(r);
    free(ptrs);
    free(pages);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long live = xhv_alloc_live();
    const struct lu_stream_summary *sum;
    struct counts c = {0};
    struct lu_reader *r;
    char err[512];
    int rc, rc2;

    CHECK(lu_reader_open_mem(&r, data, size) == 0);
    rc = lu_reader_validate(r, crc32c(0, data, size));
    CHECK((rc != 0) == (lu_stream_error(r)[0] != '\0'));
    CHECK(rc == 0 || rc == -EINVAL || rc == -EPROTONOSUPPORT || rc == -EFBIG);
    if (size && size <= 64 * LU_PAGE_SIZE) {
        rc2 = read_pages(data, size, err, sizeof(err));
        CHECK(rc2 == rc);
        CHECK(rc2 || strcmp(err, lu_stream_error(r)) == 0);
    }
    if (rc) {
        CHECK(lu_reader_apply(r, &ops, &c) == -EINVAL);
        CHECK(c.domains == 0);
        goto out;
    }
    sum = lu_reader_summary(r);
    CHECK(lu_reader_apply(r, &ops, &c) == 0);
    CHECK(c.domains == sum->nr_domains && c.vcpus == sum->nr_vcpus);
    CHECK(c.ranges == sum->nr_page_ranges && c.p2m == sum->nr_p2m_extents);
    CHECK(c.ports == sum->nr_ports);
    CHECK(lu_reader_validate(r, crc32c(0, data, size) ^ 0x80) == -EBADMSG);
out:
    lu_reader_free(r);
    CHECK(xhv_alloc_live() == live);
    return 0;
}
