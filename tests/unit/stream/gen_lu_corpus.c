/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writes the seed corpora for the live-update fuzz targets: a few valid
 * streams (the reference stream of lu_spec.c, a minimal one, one with an
 * unknown optional record, one with a P2M spanning pages) and a few
 * hand-over descriptors. Run by hand; the outputs are committed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lu_spec.h"

static int save(const char *dir, const char *name, const void *p, size_t n)
{
    char path[4096];
    FILE *f;
    int rc = 0;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f)
        return -errno;
    if (fwrite(p, 1, n, f) != n)
        rc = -EIO;
    if (fclose(f))
        rc = -EIO;
    return rc;
}

static int emit(const char *dir, const char *name, const struct lu_spec *s,
                int variant)
{
    static struct lu_p2m_extent e[200];
    uint64_t raw[2] = {0x1122334455667788ull, 42};
    struct lu_iov iov = {raw, 13};
    struct lu_writer *w;
    const void *m;
    size_t len, i;
    int rc = lu_writer_open_mem(&w);

    if (rc)
        return rc;
    if (variant == 1) { /* minimal */
        rc = lu_write_header(w, &s->hdr);
    } else {
        rc = lu_spec_write_body(s, w);
    }
    if (!rc && variant == 2)
        rc = lu_record_write(w, 0x80010042u, &iov, 1);
    for (i = 0; variant == 3 && i < 200; i++)
        e[i] = (struct lu_p2m_extent){0x2000 + i, 300 + i, 1, LU_P2M_RAM_RW, 0};
    if (!rc && variant == 3)
        rc = lu_write_p2m(w, 1, e, 200);
    if (!rc)
        rc = lu_write_end(w);
    if (!rc) {
        m = lu_writer_mem(w, &len);
        rc = save(dir, name, m, len);
    }
    lu_writer_free(w);
    return rc;
}

static int handovers(const char *dir)
{
    static const uint64_t mfns[4] = {2000, 2001, 2002, 9};
    uint64_t buf[64];
    size_t len;
    int rc;

    rc = lu_handover_encode(buf, sizeof(buf), &len, 0, 4096 * 3 + 8,
                            0xE3069283u, mfns, 4);
    if (!rc)
        rc = save(dir, "four_pages", buf, len);
    if (!rc)
        rc = lu_handover_encode(buf, sizeof(buf), &len, LU_HANDOVER_F_EXEC, 16,
                                1, mfns, 1);
    if (!rc)
        rc = save(dir, "exec_one_page", buf, len);
    return rc;
}

int main(int argc, char **argv)
{
    struct lu_spec s;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: %s STREAM_DIR HANDOVER_DIR\n", argv[0]);
        return 2;
    }
    lu_spec_init(&s);
    rc = emit(argv[1], "reference", &s, 0);
    if (!rc)
        rc = emit(argv[1], "minimal", &s, 1);
    if (!rc)
        rc = emit(argv[1], "optional_record", &s, 2);
    if (!rc)
        rc = emit(argv[1], "p2m_spans_pages", &s, 3);
    if (!rc)
        rc = handovers(argv[2]);
    if (rc)
        fprintf(stderr, "gen_lu_corpus: %s\n", strerror(-rc));
    return rc ? 1 : 0;
}
