/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The migration stream's XHV_EVTCHN_FIFO record (include/xhv/public/
 * migration.h) through the reader (src/stream/mig_reader.c): written
 * and decoded, then each malformed body refused with its reason. What
 * the record means for a domain is evtchn_fifo_restore()'s to check
 * (tests/unit/evtchn/test_fifo_save.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stream/mig.h"

struct fifo_body {
    struct mig_xhv_evtchn_fifo_hdr h;
    struct lu_fifo_control c[2];
    uint64_t gfn[2];
};

static void good_body(struct fifo_body *b)
{
    memset(b, 0, sizeof(*b));
    b->h = (struct mig_xhv_evtchn_fifo_hdr){.nr_control = 2, .nr_array = 2};
    b->c[0] = (struct lu_fifo_control){.vcpu_id = 0, .gfn = 0x50};
    b->c[1] =
        (struct lu_fifo_control){.vcpu_id = 1, .gfn = 0x50, .offset = 128};
    b->c[0].tail[7] = 5;
    b->c[1].tail[3] = 1500;
    b->gfn[0] = 0x60;
    b->gfn[1] = 0x61;
}

static void rec(struct mig_writer *w, uint32_t type, const void *b, size_t n)
{
    struct mig_iov iov = {b, n};

    assert_int_equal(mig_write_record(w, type, &iov, b ? 1 : 0), 0);
}

/* Headers, XHV_DOMAIN (two vCPUs), STATIC_DATA_END, then the FIFO body
 * (len bytes of it) once or twice. */
static void build(struct mig_membuf *m, uint8_t abi, const void *body,
                  size_t len, unsigned int times)
{
    struct mig_xhv_domain d = {.nr_vcpus = 2,
                               .memory_pages = 16,
                               .max_pages = 16,
                               .tot_pages = 16,
                               .backend = MIG_BACKEND_SIM,
                               .evtchn_abi = abi};
    struct mig_writer w;

    memset(m, 0, sizeof(*m));
    strcpy(d.name, "guest");
    strcpy(d.backend_prog, "fifo-echo");
    mig_writer_init(&w, mig_mem_write, m);
    assert_int_equal(mig_write_headers(&w), 0);
    rec(&w, MIG_REC_XHV_DOMAIN, &d, sizeof(d));
    rec(&w, MIG_REC_STATIC_DATA_END, NULL, 0);
    while (times--)
        rec(&w, MIG_REC_XHV_EVTCHN_FIFO, body, len);
}

/* Reads up to the last FIFO record; what it decoded copied into *out
 * (the item's pointers are the reader's, valid until the next read). */
static int read_fifo(struct mig_membuf *m, struct fifo_body *out, char *err,
                     size_t errlen)
{
    struct mig_reader r;
    struct mig_item it;
    int rc;

    memset(out, 0, sizeof(*out));
    mig_reader_init(&r, mig_mem_read, m);
    rc = mig_read_headers(&r);
    while (!rc) {
        rc = mig_read_next(&r, &it);
        if (!rc && it.type == MIG_REC_XHV_EVTCHN_FIFO &&
            it.u.fifo.nr_control <= 2 && it.u.fifo.nr_array <= 2) {
            out->h.nr_control = it.u.fifo.nr_control;
            out->h.nr_array = it.u.fifo.nr_array;
            memcpy(out->c, it.u.fifo.control,
                   it.u.fifo.nr_control * sizeof(out->c[0]));
            memcpy(out->gfn, it.u.fifo.array_gfn,
                   it.u.fifo.nr_array * sizeof(out->gfn[0]));
        }
        if (rc == -EPIPE || rc == -ENODATA) { /* the input ends here */
            rc = 0;
            break;
        }
    }
    snprintf(err, errlen, "%s", mig_error(&r));
    mig_reader_fini(&r);
    return rc;
}

static void test_mig_fifo_round_trip(void **state)
{
    struct fifo_body b, got;
    struct mig_membuf m;
    char err[MIG_ERR_MAX];

    (void)state;
    good_body(&b);
    build(&m, MIG_EVTCHN_ABI_FIFO, &b, sizeof(b), 1);
    if (read_fifo(&m, &got, err, sizeof(err)))
        fail_msg("%s", err);
    assert_string_equal(mig_record_name(MIG_REC_XHV_EVTCHN_FIFO),
                        "XHV_EVTCHN_FIFO");
    assert_memory_equal(&got, &b, sizeof(b));
    mig_membuf_free(&m);
    /* The domain record's ABI is how the image began: a FIFO record is
     * read whatever it says (the guest may have switched meanwhile). */
    build(&m, MIG_EVTCHN_ABI_2L, &b, sizeof(b), 1);
    assert_int_equal(read_fifo(&m, &got, err, sizeof(err)), 0);
    assert_memory_equal(&got, &b, sizeof(b));
    mig_membuf_free(&m);
}

static void refused(uint8_t abi, const void *body, size_t len,
                    unsigned int times, const char *why)
{
    struct mig_membuf m;
    struct fifo_body got;
    char err[MIG_ERR_MAX];

    build(&m, abi, body, len, times);
    assert_int_equal(read_fifo(&m, &got, err, sizeof(err)), -EINVAL);
    if (!strstr(err, why))
        fail_msg("'%s' does not say '%s'", err, why);
    mig_membuf_free(&m);
}

static void test_mig_fifo_refusals(void **state)
{
    struct fifo_body b;

    (void)state;
    good_body(&b);
    refused(2, &b, sizeof(b), 1, "event-channel ABI 2");
    refused(1, &b, sizeof(b), 2,
            "record 3 (XHV_EVTCHN_FIFO) at offset 392: given twice");
    refused(1, &b, sizeof(b) - 8, 1, "do not hold 1..2 control blocks");
    refused(1, &b, 4, 1, "4 bytes do not hold");
    b.h.nr_control = 0;
    refused(1, &b, sizeof(b) - 2 * 80, 1, "do not hold 1..2 control blocks");
    good_body(&b);
    b.h.nr_control = 3;
    refused(1, &b, sizeof(b), 1, "do not hold");
    good_body(&b);
    b.h.nr_array = MIG_FIFO_MAX_ARRAY_PAGES + 1;
    refused(1, &b, sizeof(b), 1, "at most 1024 array pages");
    good_body(&b);
    b.c[1].vcpu_id = 2;
    refused(1, &b, sizeof(b), 1, "control block 1: vCPU 2, gfn 0x50");
    good_body(&b);
    b.c[0].offset = 4;
    refused(1, &b, sizeof(b), 1, "control block 0: vCPU 0, gfn 0x50, offset 4");
    good_body(&b);
    b.c[0].offset = 4032; /* 4032 + 72 > 4096 */
    refused(1, &b, sizeof(b), 1, "offset 4032 out of range");
    good_body(&b);
    b.c[1].gfn = MIG_PFN_MASK + 1;
    refused(1, &b, sizeof(b), 1,
            "control block 1: vCPU 1, gfn 0x10000000000000");
    good_body(&b);
    b.c[1].tail[15] = MIG_EVTCHN_MAX_PORTS;
    refused(1, &b, sizeof(b), 1, "queue 15's tail 4096 is not a port");
    good_body(&b);
    b.gfn[1] = UINT64_MAX;
    refused(1, &b, sizeof(b), 1, "array page 1: gfn 0xffffffffffffffff");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mig_fifo_round_trip),
        cmocka_unit_test(test_mig_fifo_refusals),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
