/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The live-update stream end to end: every record type written and read
 * back field for field (memory mode and page mode, records spanning
 * pages, arrays split across records), and each way pass 1 must refuse a
 * stream, with the error naming the record. The fault loop then fails
 * every allocation of a write + validate + apply in turn.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/alloc.h"
#include "lib/fault.h"
#include "lu_spec.h"
#include "xhv_test.h"

struct buf {
    uint8_t *p;
    size_t len;
};

static struct buf spec_bytes(const struct lu_spec *s, bool end)
{
    struct lu_writer *w;
    struct buf b;
    const void *m;

    assert_int_equal(lu_writer_open_mem(&w), 0);
    assert_int_equal(end ? lu_spec_write(s, w) : lu_spec_write_body(s, w), 0);
    m = lu_writer_mem(w, &b.len);
    b.p = malloc(b.len + LU_PAGE_SIZE);
    assert_non_null(b.p);
    memcpy(b.p, m, b.len);
    assert_int_equal(lu_writer_crc(w), crc32c(0, b.p, b.len));
    lu_writer_free(w);
    return b;
}

static struct buf default_bytes(void)
{
    struct lu_spec s;

    lu_spec_init(&s);
    return spec_bytes(&s, true);
}

/* Offset of record index in b (which must be well framed up to it). */
static size_t rec_off(const struct buf *b, unsigned int index)
{
    struct lu_rec_hdr h;
    size_t off = 0;

    while (index--) {
        memcpy(&h, b->p + off, sizeof(h));
        off += sizeof(h) + ((h.length + 7u) & ~7u);
        assert_true(off < b->len);
    }
    return off;
}

static char last_err[256];

/* Validates b with a matching CRC; returns the result, error in last_err. */
static int check(const struct buf *b)
{
    struct lu_reader *r;
    int rc;

    assert_int_equal(lu_reader_open_mem(&r, b->p, b->len), 0);
    rc = lu_reader_validate(r, crc32c(0, b->p, b->len));
    snprintf(last_err, sizeof(last_err), "%s", lu_stream_error(r));
    if (rc)
        assert_true(last_err[0] != '\0');
    lu_reader_free(r);
    return rc;
}

static void refuse(struct buf *b, int rc, const char *msg)
{
    int got = check(b);

    if (got != rc || !strstr(last_err, msg))
        fail_msg("expected %d \"%s\", got %d \"%s\"", rc, msg, got, last_err);
    free(b->p);
}

static void refuse_spec(const struct lu_spec *s, int rc, const char *msg)
{
    struct buf b = spec_bytes(s, true);

    refuse(&b, rc, msg);
}

/* ---- Pass 2: what the callbacks see -------------------------------------- */

struct seen {
    const struct lu_spec *s;
    unsigned int header, domains, ranges, p2m, params, vcpus, ports, fifo;
    unsigned int console, gnttab, maptrack, end;
    int fail_at_domain; /* return -EIO from the Nth domain callback */
};

static int on_header(void *o, const struct lu_rec_header *h)
{
    struct seen *x = o;

    assert_memory_equal(h, &x->s->hdr, sizeof(*h));
    x->header++;
    return 0;
}

static int on_ranges(void *o, const struct lu_page_range *r, uint32_t n)
{
    struct seen *x = o;

    assert_true(x->ranges + n <= SPEC_NR_RANGES);
    assert_memory_equal(r, &x->s->ranges[x->ranges], n * sizeof(*r));
    x->ranges += n;
    return 0;
}

static int on_domain(void *o, const struct lu_rec_domain *d)
{
    struct seen *x = o;

    assert_memory_equal(d, &x->s->dom[x->domains], sizeof(*d));
    if (++x->domains == (unsigned int)x->fail_at_domain)
        return -EIO;
    return 0;
}

static int on_p2m(void *o, uint16_t domid, const struct lu_p2m_extent *e,
                  uint32_t n)
{
    struct seen *x = o;

    if (domid == 1) {
        assert_int_equal(n, SPEC_NR_P2M1);
        assert_memory_equal(e, x->s->p2m1, sizeof(x->s->p2m1));
    } else {
        assert_int_equal(domid, 2);
        assert_memory_equal(e, x->s->p2m2, sizeof(x->s->p2m2));
    }
    x->p2m += n;
    return 0;
}

static int on_params(void *o, uint16_t domid, const struct lu_hvm_param *p,
                     uint32_t n)
{
    struct seen *x = o;

    assert_int_equal(domid, 1);
    assert_int_equal(n, 2);
    assert_memory_equal(p, x->s->params1, sizeof(x->s->params1));
    x->params += n;
    return 0;
}

static int on_vcpu(void *o, const struct lu_rec_vcpu *v, const void *blob)
{
    struct seen *x = o;

    assert_memory_equal(v, &x->s->vcpu[x->vcpus], sizeof(*v));
    if (v->blob_type == LU_VCPU_BLOB_SIM)
        assert_memory_equal(blob, x->s->blob_sim, v->blob_len);
    if (v->blob_type == LU_VCPU_BLOB_KVM)
        assert_memory_equal(blob, x->s->blob_kvm, v->blob_len);
    x->vcpus++;
    return 0;
}

static int on_ports(void *o, uint16_t domid, const struct lu_evtchn_port *p,
                    uint32_t n)
{
    struct seen *x = o;

    if (domid == 1)
        assert_memory_equal(p, x->s->ports1, sizeof(x->s->ports1));
    else
        assert_memory_equal(p, x->s->ports2, sizeof(x->s->ports2));
    x->ports += n;
    return 0;
}

static int on_fifo(void *o, uint16_t domid, const struct lu_fifo_control *c,
                   uint32_t nc, const uint64_t *a, uint32_t na)
{
    struct seen *x = o;

    assert_int_equal(domid, 1);
    assert_int_equal(nc, 2);
    assert_int_equal(na, 1);
    assert_memory_equal(c, x->s->fifo, sizeof(x->s->fifo));
    assert_int_equal(a[0], x->s->fifo_array[0]);
    x->fifo++;
    return 0;
}

static int on_console(void *o, const struct lu_rec_console *c, const void *ring)
{
    struct seen *x = o;

    assert_int_equal(c->domid, 1);
    assert_int_equal(c->ring_len, 6);
    assert_int_equal(c->total_written, 6);
    assert_memory_equal(ring, "hello\n", 6);
    x->console++;
    return 0;
}

static int on_gnttab(void *o, const struct lu_rec_gnttab *g)
{
    struct seen *x = o;

    assert_memory_equal(g, &x->s->gnttab, sizeof(*g));
    x->gnttab++;
    return 0;
}

static int on_maptrack(void *o, uint16_t domid,
                       const struct lu_maptrack_entry *e, uint32_t n)
{
    struct seen *x = o;

    assert_int_equal(domid, 2);
    assert_memory_equal(e, x->s->maptrack, sizeof(x->s->maptrack));
    x->maptrack += n;
    return 0;
}

static int on_end(void *o)
{
    ((struct seen *)o)->end++;
    return 0;
}

static const struct lu_apply_ops all_ops = {
    .header = on_header,
    .page_ranges = on_ranges,
    .domain = on_domain,
    .p2m = on_p2m,
    .hvm_params = on_params,
    .vcpu = on_vcpu,
    .evtchn_ports = on_ports,
    .evtchn_fifo = on_fifo,
    .console = on_console,
    .gnttab = on_gnttab,
    .maptrack = on_maptrack,
    .end = on_end,
};

static void assert_all_seen(const struct seen *x)
{
    assert_int_equal(x->header, 1);
    assert_int_equal(x->domains, 2);
    assert_int_equal(x->ranges, SPEC_NR_RANGES);
    assert_int_equal(x->p2m, 3);
    assert_int_equal(x->params, 2);
    assert_int_equal(x->vcpus, 3);
    assert_int_equal(x->ports, 4);
    assert_int_equal(x->fifo, 1);
    assert_int_equal(x->console, 1);
    assert_int_equal(x->gnttab, 1);
    assert_int_equal(x->maptrack, 1);
    assert_int_equal(x->end, 1);
}

static void test_round_trip_mem(void **state)
{
    struct lu_spec s;
    struct seen x = {.s = &s};
    const struct lu_stream_summary *sum;
    struct lu_reader *r;
    struct buf b;

    (void)state;
    lu_spec_init(&s);
    b = spec_bytes(&s, true);
    assert_int_equal(lu_reader_open_mem(&r, b.p, b.len), 0);
    assert_int_equal(lu_reader_validate(r, crc32c(0, b.p, b.len)), 0);
    assert_string_equal(lu_stream_error(r), "");
    sum = lu_reader_summary(r);
    assert_memory_equal(&sum->header, &s.hdr, sizeof(s.hdr));
    assert_int_equal(sum->nr_records, 17);
    assert_int_equal(sum->nr_domains, 2);
    assert_int_equal(sum->nr_vcpus, 3);
    assert_int_equal(sum->nr_page_ranges, 4);
    assert_int_equal(sum->preserved_pages, 256 + 1 + 256 + 4);
    assert_int_equal(sum->nr_p2m_extents, 3);
    assert_int_equal(sum->nr_ports, 4);
    assert_int_equal(sum->nr_maptrack, 1);
    assert_int_equal(sum->nr_skipped, 0);
    assert_int_equal(lu_reader_apply(r, &all_ops, &x), 0);
    assert_all_seen(&x);
    /* NULL callbacks ignore their records. */
    assert_int_equal(lu_reader_apply(r, &(struct lu_apply_ops){0}, NULL), 0);
    lu_reader_free(r);
    free(b.p);
}

/* Regression: a stream with no intervals passed qsort() a NULL array
 * (undefined behaviour, found by fuzz_lu_stream). HEADER + END only. */
static void test_regress_minimal_stream_qsort_null(void **state)
{
    struct lu_writer *w;
    struct lu_reader *r;
    struct lu_spec s;
    const void *m;
    size_t len;

    (void)state;
    lu_spec_init(&s);
    assert_int_equal(lu_writer_open_mem(&w), 0);
    assert_int_equal(lu_write_header(w, &s.hdr), 0);
    assert_int_equal(lu_write_end(w), 0);
    m = lu_writer_mem(w, &len);
    assert_int_equal(len, 8 + sizeof(s.hdr) + 8);
    assert_int_equal(lu_reader_open_mem(&r, m, len), 0);
    assert_int_equal(lu_reader_validate(r, lu_writer_crc(w)), 0);
    assert_int_equal(lu_reader_summary(r)->nr_records, 2);
    assert_int_equal(lu_reader_summary(r)->nr_domains, 0);
    lu_reader_free(r);
    lu_writer_free(w);
}

/* ---- Page mode ------------------------------------------------------------
 */

#define POOL_PAGES 64

struct pool {
    uint8_t (*pages)[LU_PAGE_SIZE];
    size_t used, limit;
};

static int next_page(void *opaque, void **page)
{
    struct pool *p = opaque;

    if (p->used == p->limit)
        return -ENOMEM;
    *page = p->pages[p->used++];
    return 0;
}

/* A spec whose domain 1 P2M is 300 one-page extents (9.6 KiB), so the
 * record spans three pages. */
static struct lu_p2m_extent big_p2m[300];

static int write_big(struct lu_writer *w, const struct lu_spec *s)
{
    int rc = lu_spec_write_body(s, w);
    unsigned int i;

    for (i = 0; i < 300; i++)
        big_p2m[i] = (struct lu_p2m_extent){0x1000 + 2 * i, 257 + i % 255, 1,
                                            LU_P2M_RAM_RO, 0};
    rc = rc ? rc : lu_write_p2m(w, 1, big_p2m, 300);
    return rc ? rc : lu_write_end(w);
}

static void test_round_trip_pages(void **state)
{
    static uint8_t pages[POOL_PAGES][LU_PAGE_SIZE];
    struct pool pool = {pages, 0, POOL_PAGES};
    const void *ptrs[POOL_PAGES];
    struct lu_writer *w, *wm;
    struct lu_reader *r;
    struct lu_spec s;
    const void *mem;
    size_t i, mlen;

    (void)state;
    lu_spec_init(&s);
    assert_int_equal(lu_writer_open_pages(&w, next_page, &pool), 0);
    assert_int_equal(write_big(w, &s), 0);
    assert_int_equal(lu_writer_nr_pages(w), pool.used);
    assert_true(pool.used >= 3);
    assert_null(lu_writer_mem(w, NULL));
    /* The same records in memory mode give the same bytes. */
    assert_int_equal(lu_writer_open_mem(&wm), 0);
    assert_int_equal(write_big(wm, &s), 0);
    mem = lu_writer_mem(wm, &mlen);
    assert_int_equal(mlen, lu_writer_length(w));
    assert_int_equal(lu_writer_crc(wm), lu_writer_crc(w));
    for (i = 0; i < pool.used; i++) {
        size_t n = mlen - i * LU_PAGE_SIZE;

        assert_memory_equal(pages[i], (const uint8_t *)mem + i * LU_PAGE_SIZE,
                            n < LU_PAGE_SIZE ? n : LU_PAGE_SIZE);
        ptrs[i] = pages[i];
    }
    assert_int_equal(lu_reader_open_pages(&r, ptrs, pool.used, mlen), 0);
    assert_int_equal(lu_reader_validate(r, lu_writer_crc(w)), 0);
    assert_int_equal(lu_reader_summary(r)->nr_p2m_extents, 303);
    lu_reader_free(r);
    /* Wrong page counts for the length are refused at open. */
    assert_int_equal(lu_reader_open_pages(&r, ptrs, pool.used + 1, mlen),
                     -EINVAL);
    assert_null(r);
    assert_int_equal(lu_reader_open_pages(&r, ptrs, pool.used - 1, mlen),
                     -EINVAL);
    lu_writer_free(w);
    lu_writer_free(wm);
}

/* Arrays longer than LU_WRITE_MAX_ENTRIES become several records. */
static void test_array_split(void **state)
{
    size_t n = LU_WRITE_MAX_ENTRIES * 2 + 5, i;
    struct lu_hvm_param *p = calloc(n, sizeof(*p));
    struct lu_writer *w;
    struct lu_reader *r;
    struct lu_spec s;
    const void *m;
    size_t len;

    (void)state;
    assert_non_null(p);
    for (i = 0; i < n; i++)
        p[i] = (struct lu_hvm_param){i % LU_HVM_MAX_PARAM, i};
    lu_spec_init(&s);
    assert_int_equal(lu_writer_open_mem(&w), 0);
    assert_int_equal(lu_spec_write_body(&s, w), 0);
    assert_int_equal(lu_write_hvm_params(w, 2, p, n), 0);
    assert_int_equal(lu_write_end(w), 0);
    m = lu_writer_mem(w, &len);
    assert_int_equal(lu_reader_open_mem(&r, m, len), 0);
    assert_int_equal(lu_reader_validate(r, lu_writer_crc(w)), 0);
    assert_int_equal(lu_reader_summary(r)->nr_records, 17 + 3);
    assert_int_equal(lu_reader_summary(r)->nr_hvm_params, n + 2);
    lu_reader_free(r);
    lu_writer_free(w);
    free(p);
}

static void test_writer_refusals(void **state)
{
    static uint8_t pages[2][LU_PAGE_SIZE];
    struct pool pool = {pages, 0, 1};
    static uint8_t big[LU_REC_MAX_BODY + 1];
    struct lu_iov iov = {big, sizeof(big)};
    struct lu_writer *w;
    struct lu_spec s;

    (void)state;
    lu_spec_init(&s);
    assert_int_equal(lu_writer_open_mem(&w), 0);
    assert_int_equal(lu_record_write(w, 0x80010099u, &iov, 1), -EFBIG);
    assert_int_equal(lu_writer_length(w), 0);
    assert_int_equal(lu_write_end(w), 0);
    assert_int_equal(lu_write_end(w), -EINVAL); /* nothing after END */
    lu_writer_free(w);
    /* One page only: the failure to get a second is sticky. */
    assert_int_equal(lu_writer_open_pages(&w, next_page, &pool), 0);
    assert_int_equal(write_big(w, &s), -ENOMEM);
    assert_int_equal(lu_write_end(w), -ENOMEM);
    lu_writer_free(w);
    assert_int_equal(lu_writer_open_pages(&w, NULL, NULL), -EINVAL);
}

/* ---- Refusals -------------------------------------------------------------
 */

static void test_refuse_crc(void **state)
{
    struct buf b = default_bytes();
    struct lu_reader *r;

    (void)state;
    assert_int_equal(lu_reader_open_mem(&r, b.p, b.len), 0);
    assert_int_equal(lu_reader_validate(r, crc32c(0, b.p, b.len) ^ 1),
                     -EBADMSG);
    assert_non_null(strstr(lu_stream_error(r), "CRC-32C"));
    /* and pass 2 will not run on it */
    assert_int_equal(lu_reader_apply(r, &all_ops, NULL), -EINVAL);
    lu_reader_free(r);
    free(b.p);
}

static void test_refuse_truncated(void **state)
{
    struct buf b = default_bytes();

    (void)state;
    b.len -= 8; /* END's header gone: the last full record ends the bytes */
    refuse(&b, -EINVAL, "no END record");
    b = default_bytes();
    b.len = rec_off(&b, 3) + 16; /* cut inside PAGE_RANGE */
    refuse(&b, -EINVAL, "record 3 (PAGE_RANGE) at offset");
    b = default_bytes();
    b.len = 4;
    refuse(&b, -EINVAL, "not a multiple of 8");
}

static void test_refuse_header_not_first(void **state)
{
    struct buf b = default_bytes();
    struct lu_rec_hdr h;
    size_t off1 = rec_off(&b, 1), len1 = rec_off(&b, 2) - off1;
    uint8_t *tmp = malloc(off1);

    (void)state;
    /* Swap HEADER and the first DOMAIN record. */
    memcpy(tmp, b.p, off1);
    memmove(b.p, b.p + off1, len1);
    memcpy(b.p + len1, tmp, off1);
    free(tmp);
    memcpy(&h, b.p, sizeof(h));
    assert_int_equal(h.type, LU_REC_DOMAIN);
    refuse(&b, -EINVAL, "record 0 (DOMAIN) at offset 0: the first record");
}

static void test_refuse_second_header(void **state)
{
    struct lu_spec s;
    struct lu_writer *w;
    const void *m;
    struct buf b;
    size_t len;

    (void)state;
    lu_spec_init(&s);
    assert_int_equal(lu_writer_open_mem(&w), 0);
    assert_int_equal(lu_spec_write_body(&s, w), 0);
    assert_int_equal(lu_write_header(w, &s.hdr), 0);
    assert_int_equal(lu_write_end(w), 0);
    m = lu_writer_mem(w, &len);
    b.p = malloc(len);
    memcpy(b.p, m, len);
    b.len = len;
    lu_writer_free(w);
    refuse(&b, -EINVAL, "a second HEADER");
}

/* Appends one raw record (then END) to the spec stream. */
static struct buf with_raw(uint32_t type, const void *body, size_t len)
{
    struct lu_iov iov = {body, len};
    struct lu_writer *w;
    const void *m;
    struct lu_spec s;
    struct buf b;

    lu_spec_init(&s);
    assert_int_equal(lu_writer_open_mem(&w), 0);
    assert_int_equal(lu_spec_write_body(&s, w), 0);
    assert_int_equal(lu_record_write(w, type, &iov, 1), 0);
    assert_int_equal(lu_write_end(w), 0);
    m = lu_writer_mem(w, &b.len);
    b.p = malloc(b.len + 16);
    memcpy(b.p, m, b.len);
    lu_writer_free(w);
    return b;
}

static void test_unknown_records(void **state)
{
    uint64_t body[3] = {1, 2, 3};
    struct buf b = with_raw(0x80017777u, body, 20); /* padded to 24 */
    struct lu_reader *r;
    struct lu_spec s;
    struct seen x = {.s = &s};

    (void)state;
    lu_spec_init(&s);
    assert_int_equal(lu_reader_open_mem(&r, b.p, b.len), 0);
    assert_int_equal(lu_reader_validate(r, crc32c(0, b.p, b.len)), 0);
    assert_int_equal(lu_reader_summary(r)->nr_skipped, 1);
    assert_int_equal(lu_reader_apply(r, &all_ops, &x), 0);
    assert_all_seen(&x); /* and nothing else was called */
    lu_reader_free(r);
    free(b.p);
    b = with_raw(0x00017777u, body, 24);
    refuse(&b, -EPROTONOSUPPORT,
           "record 16 (unknown) at offset 1584: unknown mandatory record "
           "type 0x17777");
}

static void test_refuse_version_features(void **state)
{
    struct lu_spec s;

    (void)state;
    lu_spec_init(&s);
    s.hdr.version = 2;
    refuse_spec(&s, -EPROTONOSUPPORT,
                "stream version 2 (writer 0.1.0-test), this reader supports "
                "1..1");
    lu_spec_init(&s);
    s.hdr.features = 1ull << 5;
    refuse_spec(&s, -EPROTONOSUPPORT, "unknown mandatory feature bits 0x20");
    lu_spec_init(&s);
    s.hdr.magic++;
    refuse_spec(&s, -EINVAL, "bad magic");
    lu_spec_init(&s);
    s.hdr.features = 1ull << 40; /* informational: accepted */
    {
        struct buf b = spec_bytes(&s, true);

        assert_int_equal(check(&b), 0);
        free(b.p);
    }
    lu_spec_init(&s);
    s.hdr.features = LU_FEAT_EVTCHN_FIFO; /* known: accepted */
    {
        struct buf b = spec_bytes(&s, true);

        assert_int_equal(check(&b), 0);
        free(b.p);
    }
}

static void test_refuse_missing_end(void **state)
{
    struct lu_spec s;
    struct buf b;

    (void)state;
    lu_spec_init(&s);
    b = spec_bytes(&s, false);
    refuse(&b, -EINVAL, "no END record: stream ends after 16 records");
    b = default_bytes();
    memset(b.p + b.len, 0, 16); /* two empty END-typed records after END */
    b.len += 16;
    refuse(&b, -EINVAL, "16 bytes after END");
}

static void test_refuse_page_ranges(void **state)
{
    struct lu_spec s;

    (void)state;
    lu_spec_init(&s);
    s.ranges[2].start_mfn = 500; /* overlaps [256, 512) */
    refuse_spec(&s, -EINVAL,
                "record 3 (PAGE_RANGE) at offset 488: entry 2 [0x1f4+256] "
                "overlaps record 3 entry 0 [0x100+256]");
    lu_spec_init(&s);
    s.ranges[2].start_mfn = 4000; /* past 4096 */
    refuse_spec(&s, -EINVAL, "entry 2 [mfn 0xfa0+256] outside machine");
    lu_spec_init(&s);
    s.ranges[2].start_mfn = 3700; /* into scratch at 3840 */
    refuse_spec(&s, -EINVAL, "lies in scratch");
    lu_spec_init(&s);
    s.ranges[2].nr = UINT64_MAX; /* wraps */
    refuse_spec(&s, -EINVAL, "outside machine");
    lu_spec_init(&s);
    s.ranges[2].owner = 9;
    refuse_spec(&s, -EINVAL, "entry 2: owner 9 is not declared");
    lu_spec_init(&s);
    s.ranges[3].owner = 1; /* record pages belong to DOMID_LU */
    refuse_spec(&s, -EINVAL, "entry 3: owner 1");
    lu_spec_init(&s);
    s.ranges[0].flags = 0x80;
    refuse_spec(&s, -EINVAL, "flags 0x80 unknown");
}

/* Two PAGE_RANGE records overlapping each other. */
static void test_refuse_range_overlap_across(void **state)
{
    struct lu_page_range e = {300, 1, 1, LU_PAGE_RAM, 0, 0};
    uint8_t body[8 + sizeof(e)] = {1};
    struct buf b;

    (void)state;
    memcpy(body + 8, &e, sizeof(e));
    b = with_raw(LU_REC_PAGE_RANGE, body, sizeof(body));
    refuse(&b, -EINVAL,
           "record 16 (PAGE_RANGE) at offset 1584: entry 0 "
           "[0x12c+1] overlaps record 3 entry 0");
}

static void test_refuse_lengths(void **state)
{
    struct buf b = default_bytes();
    size_t off = rec_off(&b, 3);
    uint32_t v;

    (void)state;
    /* count says 5, the body holds 4 */
    v = 5;
    memcpy(b.p + off + 8, &v, 4);
    refuse(&b, -EINVAL, "length 104 does not match 5 entries of 24 bytes");
    /* a length that is not 8 + n * 24: misaligned entries */
    b = default_bytes();
    v = 100;
    memcpy(b.p + off + 4, &v, 4);
    refuse(&b, -EINVAL, "length 100 does not match 4 entries of 24 bytes");
    /* a body running past the stream */
    b = default_bytes();
    v = 0x100000;
    memcpy(b.p + off + 4, &v, 4);
    refuse(&b, -EINVAL, "runs past the end");
    b = default_bytes();
    v = LU_REC_MAX_BODY + 8;
    memcpy(b.p + off + 4, &v, 4);
    refuse(&b, -EFBIG, "exceeds");
    /* a DOMAIN record of the wrong size */
    b = default_bytes();
    off = rec_off(&b, 1);
    v = sizeof(struct lu_rec_domain) - 8;
    memcpy(b.p + off + 4, &v, 4);
    refuse(&b, -EINVAL, "record 1 (DOMAIN) at offset 120: length 168");
}

static void test_refuse_padding_not_zero(void **state)
{
    uint8_t body[6] = "hello";
    struct buf b = with_raw(0x80017777u, body, 6);
    size_t off = rec_off(&b, 16);

    (void)state;
    b.p[off + 8 + 7] = 1;
    refuse(&b, -EINVAL, "record 16 (unknown) at offset 1584: non-zero padding");
}

static void test_refuse_domains(void **state)
{
    struct lu_spec s;

    (void)state;
    lu_spec_init(&s);
    s.dom[1].domid = 1;
    refuse_spec(&s, -EINVAL,
                "record 2 (DOMAIN) at offset 304: domain 1 "
                "appears twice");
    lu_spec_init(&s);
    memset(s.dom[0].name, 'x', sizeof(s.dom[0].name));
    refuse_spec(&s, -EINVAL, "not a string");
    lu_spec_init(&s);
    s.dom[0].name[0] = '\0';
    refuse_spec(&s, -EINVAL, "not a string");
    lu_spec_init(&s);
    s.dom[0].domid = LU_DOMID_FIRST_RESERVED;
    refuse_spec(&s, -EINVAL, "domid 32752 is reserved");
    lu_spec_init(&s);
    s.dom[0].backend = 3;
    refuse_spec(&s, -EINVAL, "out of range");
    lu_spec_init(&s);
    s.dom[0].nr_vcpus = 0;
    refuse_spec(&s, -EINVAL, "nr_vcpus 0");
}

static void test_refuse_vcpus(void **state)
{
    struct lu_spec s;

    (void)state;
    lu_spec_init(&s);
    s.vcpu[1].vcpu_id = 2;
    refuse_spec(&s, -EINVAL,
                "record 8 (VCPU) at offset 904: vcpu 2 of "
                "domain 1, which has 2");
    lu_spec_init(&s);
    s.vcpu[1].vcpu_id = 0;
    refuse_spec(&s, -EINVAL, "vcpu 0 of domain 1 appears twice");
    lu_spec_init(&s);
    s.vcpu[1].domid = 5;
    refuse_spec(&s, -EINVAL, "domain 5 has no DOMAIN record before it");
    lu_spec_init(&s);
    s.vcpu[0].vcpu_info_offset = LU_PAGE_SIZE - 32;
    refuse_spec(&s, -EINVAL, "vcpu_info at gfn 0x5 offset 4064");
    lu_spec_init(&s);
    s.vcpu[2].blob_type = LU_VCPU_BLOB_SIM; /* domain 2 is KVM */
    refuse_spec(&s, -EINVAL, "blob type 1 for backend 2");
}

static void test_refuse_p2m(void **state)
{
    struct lu_spec s;

    (void)state;
    lu_spec_init(&s);
    s.p2m1[1].gfn = 255; /* inside extent 0 */
    refuse_spec(&s, -EINVAL,
                "record 4 (P2M) at offset 600: extent 1 "
                "[0xff+1] overlaps record 4 extent 0");
    lu_spec_init(&s);
    s.p2m1[1].mfn = 1024; /* domain 2's page */
    refuse_spec(&s, -EINVAL,
                "extent 1 maps mfn 0x400, which is not owned "
                "by domain 1");
    lu_spec_init(&s);
    s.p2m1[0].nr = 257; /* runs one page past its range */
    refuse_spec(&s, -EINVAL, "maps mfn 0x200, not preserved");
    lu_spec_init(&s);
    s.p2m1[0].type = 0;
    refuse_spec(&s, -EINVAL, "extent 0: type 0");
}

static void test_refuse_events(void **state)
{
    struct lu_spec s;

    (void)state;
    lu_spec_init(&s);
    s.ports1[2].port = 1;
    refuse_spec(&s, -EINVAL,
                "record 10 (EVTCHN_PORT) at offset 1168: port 2 [0x1+1] "
                "overlaps record 10 port 0");
    lu_spec_init(&s);
    s.ports1[0].virq = LU_NR_VIRQS;
    refuse_spec(&s, -EINVAL, "port 1: virq 24");
    lu_spec_init(&s);
    s.ports1[1].notify_vcpu = 2;
    refuse_spec(&s, -EINVAL, "port 2: vcpu 2");
    lu_spec_init(&s);
    s.ports1[2].port = 1024;
    refuse_spec(&s, -EINVAL, "port 1024 outside 1..1023");
    lu_spec_init(&s);
    s.fifo[1].vcpu_id = 0;
    refuse_spec(&s, -EINVAL, "control 1: vcpu 0 bad or twice");
    lu_spec_init(&s);
    s.dom[0].evtchn_abi = LU_EVTCHN_2L;
    refuse_spec(&s, -EINVAL, "not using FIFO");
    /* A held FIFO event (FIFO_SAVED) only on a FIFO domain's port. */
    lu_spec_init(&s);
    s.ports2[0].flags = LU_EVTCHN_F_FIFO_SAVED;
    refuse_spec(&s, -EINVAL, "a held FIFO event on a 2-level domain");
    lu_spec_init(&s);
    s.ports1[0].flags = LU_EVTCHN_F_FIFO_SAVED | LU_EVTCHN_F_PENDING;
    {
        struct buf b = spec_bytes(&s, true);

        assert_int_equal(check(&b), 0);
        free(b.p);
    }
    lu_spec_init(&s);
    s.ports1[0].flags = 0x8;
    refuse_spec(&s, -EINVAL, "flags 0x8");
    /* A control block is 72 bytes, 8-byte aligned inside its page. */
    lu_spec_init(&s);
    s.fifo[1].offset = 68;
    refuse_spec(&s, -EINVAL, "control 1: gfn 0x6 offset 68");
    lu_spec_init(&s);
    s.fifo[0].offset = 4032;
    refuse_spec(&s, -EINVAL, "control 0: gfn 0x6 offset 4032");
    lu_spec_init(&s);
    s.gnttab.nr_frames = 33;
    refuse_spec(&s, -EINVAL, "version 1, 33 frames (max 32)");
}

static void test_apply_callback_error(void **state)
{
    struct buf b = default_bytes();
    struct lu_reader *r;
    struct lu_spec s;
    struct seen x = {.s = &s, .fail_at_domain = 2};

    (void)state;
    lu_spec_init(&s);
    assert_int_equal(lu_reader_open_mem(&r, b.p, b.len), 0);
    assert_int_equal(lu_reader_apply(r, &all_ops, &x), -EINVAL);
    assert_non_null(strstr(lu_stream_error(r), "before a successful"));
    assert_int_equal(x.header, 0);
    assert_int_equal(lu_reader_validate(r, crc32c(0, b.p, b.len)), 0);
    assert_int_equal(lu_reader_apply(r, &all_ops, &x), -EIO);
    assert_string_equal(lu_stream_error(r),
                        "record 2 (DOMAIN) at offset 304: refused by the "
                        "caller: Input/output error");
    assert_int_equal(x.ranges, 0); /* stopped there */
    lu_reader_free(r);
    free(b.p);
}

/* ---- Fault loop ------------------------------------------------------------
 */

static int fault_scenario(void *ctx)
{
    static uint8_t pages[POOL_PAGES][LU_PAGE_SIZE];
    struct pool pool = {pages, 0, POOL_PAGES};
    const void *ptrs[POOL_PAGES];
    struct lu_writer *w = NULL;
    struct lu_reader *r = NULL;
    struct lu_spec s;
    struct seen x = {.s = &s};
    size_t i;
    int rc;

    (void)ctx;
    lu_spec_init(&s);
    rc = lu_writer_open_pages(&w, next_page, &pool);
    if (!rc)
        rc = write_big(w, &s);
    for (i = 0; i < pool.used; i++)
        ptrs[i] = pages[i];
    if (!rc)
        rc = lu_reader_open_pages(&r, ptrs, pool.used, lu_writer_length(w));
    if (!rc)
        rc = lu_reader_validate(r, lu_writer_crc(w));
    if (rc && r)
        assert_true(lu_stream_error(r)[0] != '\0');
    if (!rc)
        rc = lu_reader_apply(r, &(struct lu_apply_ops){.vcpu = on_vcpu}, &x);
    lu_reader_free(r);
    lu_writer_free(w);
    if (!rc) {
        /* memory mode as well */
        rc = lu_writer_open_mem(&w);
        if (!rc)
            rc = lu_spec_write(&s, w);
        lu_writer_free(w);
    }
    return rc;
}

static void fault_check(void *ctx, int rc)
{
    (void)ctx;
    assert_true(rc == 0 || rc == -ENOMEM);
}

static void test_fault_loop(void **state)
{
    unsigned long points;

    (void)state;
    points = xt_fault_loop(FAULT_SITE_ANY, fault_scenario, fault_check, NULL);
    /* writer, reader, pages array, body, slots, domains, vcpu bitmaps,
     * four interval sets, memory writer... */
    assert_true(points >= 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_mem),
        cmocka_unit_test(test_regress_minimal_stream_qsort_null),
        cmocka_unit_test(test_round_trip_pages),
        cmocka_unit_test(test_array_split),
        cmocka_unit_test(test_writer_refusals),
        cmocka_unit_test(test_refuse_crc),
        cmocka_unit_test(test_refuse_truncated),
        cmocka_unit_test(test_refuse_header_not_first),
        cmocka_unit_test(test_refuse_second_header),
        cmocka_unit_test(test_unknown_records),
        cmocka_unit_test(test_refuse_version_features),
        cmocka_unit_test(test_refuse_missing_end),
        cmocka_unit_test(test_refuse_page_ranges),
        cmocka_unit_test(test_refuse_range_overlap_across),
        cmocka_unit_test(test_refuse_lengths),
        cmocka_unit_test(test_refuse_padding_not_zero),
        cmocka_unit_test(test_refuse_domains),
        cmocka_unit_test(test_refuse_vcpus),
        cmocka_unit_test(test_refuse_p2m),
        cmocka_unit_test(test_refuse_events),
        cmocka_unit_test(test_apply_callback_error),
        cmocka_unit_test(test_fault_loop),
    };

    xt_install_assert_hook();
    return cmocka_run_group_tests_name("stream", tests, NULL, NULL);
}
