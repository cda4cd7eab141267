/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The migration stream library (src/stream/mig.h): a full image written
 * and read back, then each refusal, truncation at every 8-byte boundary,
 * and allocation faults over the reader.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/fault.h"
#include "stream/mig.h"

static void rec(struct mig_writer *w, uint32_t type, const void *b, size_t n)
{
    struct mig_iov iov = {b, n};

    assert_int_equal(mig_write_record(w, type, &iov, b ? 1 : 0), 0);
}

/* HVM_CONTEXT as a sim guest's: HEADER, one CPU record in RESET state
 * per vCPU, END. */
static void sim_context(struct mig_writer *w, uint32_t nr_vcpus)
{
    static struct mig_hvm_ctx ctx;
    static struct mig_hvm_cpu cpu;
    uint32_t i;

    mig_hvm_cpu_reset(&cpu);
    memset(&ctx, 0, sizeof(ctx));
    ctx.hdr = (struct mig_hvm_save_header){.magic = MIG_HVM_FILE_MAGIC,
                                           .version = MIG_HVM_FILE_VERSION};
    ctx.nr_vcpus = nr_vcpus;
    for (i = 0; i < nr_vcpus; i++)
        ctx.vcpu[i].cpu = &cpu;
    assert_int_equal(mig_write_hvm_context(w, &ctx), 0);
}

/* XHV_PAGES as build() writes it; tests spoil it: counts, a second
 * copy, or one before STATIC_DATA_END. */
static struct mig_xhv_pages pages_rec = {
    .tot_pages = 16, .max_pages = 16, .extra_pages = 1};
static int pages_copies = 1;
static bool pages_early;

/* A whole image; mutate(): a hook to spoil the domain record. */
static void build(struct mig_membuf *m, const uint64_t *pfns, uint32_t count,
                  uint32_t nr_data)
{
    static uint8_t pages[4 * MIG_PAGE_SIZE];
    struct mig_writer w;
    struct mig_xhv_domain d = {.nr_vcpus = 1,
                               .memory_pages = 16,
                               .max_pages = 16,
                               .tot_pages = 16,
                               .backend = MIG_BACKEND_SIM};
    struct {
        struct mig_xhv_extra_page h;
        uint8_t page[MIG_PAGE_SIZE];
    } sh = {.h = {.kind = MIG_EXTRA_SHARED_INFO, .gfn = 2}};
    struct mig_xhv_vcpu v = {
        .vcpu_id = 0, .online = 1, .vcpu_info_gfn = MIG_GFN_NONE};
    struct {
        struct mig_xhv_evtchn_hdr h;
        struct lu_evtchn_port p[1];
    } ev = {.h = {.count = 1}, .p = {{.port = 1, .state = LU_EVTCHN_IPI}}};
    struct {
        struct mig_xhv_console h;
        char ring[5];
    } con = {.h = {.total_written = 5, .ring_len = 5}, .ring = "hello"};
    struct mig_tsc_info tsc = {.nsec = 1};

    memset(m, 0, sizeof(*m));
    strcpy(d.name, "guest");
    strcpy(d.backend_prog, "memcheck");
    memset(pages, 0xab, sizeof(pages));
    mig_writer_init(&w, mig_mem_write, m);
    assert_int_equal(mig_write_headers(&w), 0);
    rec(&w, MIG_REC_XHV_DOMAIN, &d, sizeof(d));
    rec(&w, 0x8123abcd, "skip me", 7); /* unknown optional */
    if (pages_early)
        rec(&w, MIG_REC_XHV_PAGES, &pages_rec, sizeof(pages_rec));
    rec(&w, MIG_REC_STATIC_DATA_END, NULL, 0);
    assert_int_equal(
        mig_write_page_data(&w, pfns, count, pages, nr_data * MIG_PAGE_SIZE),
        0);
    rec(&w, MIG_REC_X86_TSC_INFO, &tsc, sizeof(tsc));
    sim_context(&w, d.nr_vcpus);
    rec(&w, MIG_REC_XHV_EXTRA_PAGE, &sh, sizeof(sh));
    rec(&w, MIG_REC_XHV_VCPU, &v, sizeof(v));
    rec(&w, MIG_REC_XHV_EVTCHN, &ev, sizeof(ev));
    rec(&w, MIG_REC_XHV_CONSOLE, &con, sizeof(con.h) + 5);
    for (int i = 0; i < pages_copies; i++)
        rec(&w, MIG_REC_XHV_PAGES, &pages_rec, sizeof(pages_rec));
    rec(&w, MIG_REC_END, NULL, 0);
    assert_int_equal(w.bytes % 8, 0);
    assert_int_equal(w.bytes, m->len);
}

/* Reads every image; returns the first error or 0, counting records. */
static int read_all(const uint8_t *buf, size_t len, unsigned int *records,
                    char *msg, size_t msglen)
{
    struct mig_membuf m = {.buf = (uint8_t *)buf, .len = len};
    struct mig_reader r;
    struct mig_item it;
    int rc;

    *records = 0;
    mig_reader_init(&r, mig_mem_read, &m);
    rc = mig_read_headers(&r);
    while (!rc) {
        rc = mig_read_next(&r, &it);
        if (!rc)
            (*records)++;
        if (!rc && it.type == MIG_REC_END)
            break;
    }
    snprintf(msg, msglen, "%s", mig_error(&r));
    if (rc)
        assert_true(msg[0] != '\0');
    mig_reader_fini(&r);
    return rc;
}

static const uint64_t good_pfns[] = {3, 4 | MIG_PFN_TYPE_XALLOC, 5};

static void test_round_trip(void **state)
{
    struct mig_membuf m;
    struct mig_reader r;
    struct mig_item it;
    unsigned int n = 0;

    (void)state;
    build(&m, good_pfns, 3, 2);
    mig_reader_init(&r, mig_mem_read, &m);
    assert_int_equal(mig_read_headers(&r), 0);
    do {
        if (mig_read_next(&r, &it))
            fail_msg("%s", mig_error(&r));
        if (it.type == MIG_REC_PAGE_DATA) {
            assert_int_equal(it.u.pages.count, 3);
            assert_int_equal(it.u.pages.nr_data, 2);
            assert_int_equal(it.u.pages.data[0], 0xab);
        }
        if (it.type == MIG_REC_XHV_DOMAIN)
            assert_string_equal(it.u.domain->name, "guest");
        if (it.type == MIG_REC_XHV_CONSOLE)
            assert_memory_equal(it.u.console.ring, "hello", 5);
        if (it.type == MIG_REC_XHV_PAGES)
            assert_int_equal(it.u.pages_end->extra_pages, 1);
        n++;
    } while (it.type != MIG_REC_END);
    assert_int_equal(n, 11); /* the unknown optional one skipped */
    assert_int_equal(r.nr_skipped, 1);
    /* Clean end of input where the next image would start. */
    assert_int_equal(mig_read_headers(&r), -ENODATA);
    mig_reader_fini(&r);
    mig_membuf_free(&m);
}

static void test_truncated_everywhere(void **state)
{
    struct mig_membuf m;
    unsigned int recs;
    char msg[MIG_ERR_MAX];
    size_t cut;

    (void)state;
    build(&m, good_pfns, 3, 2);
    for (cut = 0; cut < m.len; cut += 4) {
        int rc = read_all(m.buf, cut, &recs, msg, sizeof(msg));

        assert_true(rc == -EPIPE || rc == -ENODATA);
    }
    mig_membuf_free(&m);
}

static void expect_refusal(struct mig_membuf *m, size_t off, const void *b,
                           size_t n, int want, const char *needle)
{
    unsigned int recs;
    char msg[MIG_ERR_MAX];

    memcpy(m->buf + off, b, n);
    assert_int_equal(read_all(m->buf, m->len, &recs, msg, sizeof(msg)), want);
    assert_non_null(strstr(msg, needle));
}

static void test_header_refusals(void **state)
{
    static const uint32_t v9 = 0x09000000, pv = 1, shift = 13;
    static const uint8_t opt = 1;
    struct mig_membuf m;

    (void)state;
    build(&m, good_pfns, 3, 2);
    expect_refusal(&m, 0, "\x00", 1, -EINVAL, "marker");
    mig_membuf_free(&m);
    build(&m, good_pfns, 3, 2);
    expect_refusal(&m, 12, &v9, 4, -EPROTONOSUPPORT, "version 9");
    mig_membuf_free(&m);
    build(&m, good_pfns, 3, 2);
    expect_refusal(&m, 17, &opt, 1, -EPROTONOSUPPORT, "options");
    mig_membuf_free(&m);
    build(&m, good_pfns, 3, 2);
    expect_refusal(&m, 24, &pv, 4, -EPROTONOSUPPORT, "domain type 1");
    mig_membuf_free(&m);
    build(&m, good_pfns, 3, 2);
    expect_refusal(&m, 28, &shift, 2, -EINVAL, "page shift");
    mig_membuf_free(&m);
}

/* The first record is XHV_DOMAIN at offset 40. */
static void test_record_refusals(void **state)
{
    static const uint32_t huge = MIG_REC_LENGTH_MAX + 1, mand = 0x123,
                          end = MIG_REC_END, vcpus = 0;
    struct mig_membuf m;

    (void)state;
    build(&m, good_pfns, 3, 2);
    expect_refusal(&m, 44, &huge, 4, -EINVAL, "over the");
    mig_membuf_free(&m);
    build(&m, good_pfns, 3, 2);
    expect_refusal(&m, 40, &mand, 4, -EPROTONOSUPPORT, "mandatory");
    mig_membuf_free(&m);
    build(&m, good_pfns, 3, 2);
    expect_refusal(&m, 48 + 4, &vcpus, 4, -EINVAL, "XHV_DOMAIN");
    mig_membuf_free(&m);
    build(&m, good_pfns, 3, 2);
    /* END with a body where XHV_DOMAIN was. */
    expect_refusal(&m, 40, &end, 4, -EINVAL, "END");
    mig_membuf_free(&m);
}

/* XHV_PAGES: the end's page counts, once, after STATIC_DATA_END, and
 * no more pages than the maximum. */
static void test_pages_refusals(void **state)
{
    struct mig_membuf m;
    unsigned int recs;
    char msg[MIG_ERR_MAX];

    (void)state;
    build(&m, good_pfns, 3, 2);
    assert_int_equal(read_all(m.buf, m.len, &recs, msg, sizeof(msg)), 0);
    mig_membuf_free(&m);
    pages_rec.tot_pages = 17;
    build(&m, good_pfns, 3, 2);
    assert_int_equal(read_all(m.buf, m.len, &recs, msg, sizeof(msg)), -EINVAL);
    assert_non_null(strstr(msg, "XHV_PAGES"));
    assert_non_null(strstr(msg, "more than its maximum"));
    mig_membuf_free(&m);
    pages_rec.tot_pages = 16;
    pages_copies = 2;
    build(&m, good_pfns, 3, 2);
    assert_int_equal(read_all(m.buf, m.len, &recs, msg, sizeof(msg)), -EINVAL);
    assert_non_null(strstr(msg, "given twice"));
    mig_membuf_free(&m);
    pages_copies = 1;
    pages_early = true;
    build(&m, good_pfns, 3, 2);
    assert_int_equal(read_all(m.buf, m.len, &recs, msg, sizeof(msg)), -EINVAL);
    assert_non_null(strstr(msg, "before STATIC_DATA_END"));
    mig_membuf_free(&m);
    pages_early = false;
}

static void test_page_data_refusals(void **state)
{
    static const uint64_t dup[] = {3, 3}, broken[] = {3 | MIG_PFN_TYPE_BROKEN},
                          res[] = {3 | (1ULL << 55)};
    struct mig_membuf m;
    unsigned int recs;
    char msg[MIG_ERR_MAX];

    (void)state;
    build(&m, dup, 2, 2);
    assert_int_equal(read_all(m.buf, m.len, &recs, msg, sizeof(msg)), -EINVAL);
    assert_non_null(strstr(msg, "appears twice"));
    assert_non_null(strstr(msg, "PAGE_DATA"));
    mig_membuf_free(&m);
    build(&m, broken, 1, 0);
    assert_int_equal(read_all(m.buf, m.len, &recs, msg, sizeof(msg)),
                     -EPROTONOSUPPORT);
    mig_membuf_free(&m);
    build(&m, res, 1, 1);
    assert_int_equal(read_all(m.buf, m.len, &recs, msg, sizeof(msg)), -EINVAL);
    assert_non_null(strstr(msg, "reserved"));
    mig_membuf_free(&m);
    /* Count 0 is refused by the writer and by the reader. */
    build(&m, good_pfns, 3, 2);
    {
        static const uint32_t zero = 0;
        /* PAGE_DATA follows DOMAIN (8+144), the skipped record (8+8) and
         * STATIC_DATA_END (8): its count at 40+152+16+8+8. */
        expect_refusal(&m, 224, &zero, 4, -EINVAL, "count 0");
    }
    mig_membuf_free(&m);
    assert_int_equal(mig_write_page_data(NULL, good_pfns, 0, NULL, 0), -EINVAL);
}

static void test_alloc_faults(void **state)
{
    struct mig_membuf m;
    unsigned int recs, n;
    char msg[MIG_ERR_MAX];
    int rc;

    (void)state;
    build(&m, good_pfns, 3, 2);
    for (n = 1; n < 100; n++) {
        assert_int_equal(fault_arm(FAULT_SITE_ANY, n, FAULT_TRANSIENT), 0);
        rc = read_all(m.buf, m.len, &recs, msg, sizeof(msg));
        if (!fault_fired()) {
            assert_int_equal(rc, 0);
            break;
        }
        assert_int_equal(rc, -ENOMEM);
    }
    fault_disarm();
    assert_true(n < 100);
    mig_membuf_free(&m);
}

/* Found by fuzzing: a zero-length first record (END here) made the
 * reader check padding at NULL + 0 before any body was allocated. */
static void test_regress_zero_length_first_record(void **state)
{
    struct mig_membuf m = {0};
    struct mig_writer w;
    unsigned int recs;
    char msg[MIG_ERR_MAX];

    (void)state;
    mig_writer_init(&w, mig_mem_write, &m);
    assert_int_equal(mig_write_headers(&w), 0);
    rec(&w, MIG_REC_END, NULL, 0);
    assert_int_equal(read_all(m.buf, m.len, &recs, msg, sizeof(msg)), -EINVAL);
    assert_non_null(strstr(msg, "an image without XHV_DOMAIN"));
    mig_membuf_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_header_refusals),
        cmocka_unit_test(test_record_refusals),
        cmocka_unit_test(test_pages_refusals),
        cmocka_unit_test(test_page_data_refusals),
        cmocka_unit_test(test_alloc_faults),
        cmocka_unit_test(test_regress_zero_length_first_record),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
