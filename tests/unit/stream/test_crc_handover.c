/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CRC-32C against published vectors (the check value and RFC 3720's
 * iSCSI examples), chaining and alignment; and the hand-over descriptor:
 * round trip, and each refusal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "stream/stream.h"

static void test_crc_vectors(void **state)
{
    uint8_t buf[32];
    size_t i;

    (void)state;
    assert_int_equal(crc32c(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(crc32c(0, "", 0), 0);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(crc32c(0, buf, 32), 0x8A9136AAu);
    memset(buf, 0xff, sizeof(buf));
    assert_int_equal(crc32c(0, buf, 32), 0x62A8AB43u);
    for (i = 0; i < 32; i++)
        buf[i] = (uint8_t)i;
    assert_int_equal(crc32c(0, buf, 32), 0x46DD794Eu);
    for (i = 0; i < 32; i++)
        buf[i] = (uint8_t)(31 - i);
    assert_int_equal(crc32c(0, buf, 32), 0x113FDB5Cu);
}

/* Any split, at any alignment, gives the CRC of the whole. */
static void test_crc_chaining(void **state)
{
    uint8_t buf[300];
    uint32_t whole, c;
    size_t i, cut;

    (void)state;
    for (i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    whole = crc32c(0, buf + 1, sizeof(buf) - 1);
    for (cut = 0; cut < sizeof(buf) - 1; cut += 13) {
        c = crc32c(0, buf + 1, cut);
        c = crc32c(c, buf + 1 + cut, sizeof(buf) - 1 - cut);
        assert_int_equal(c, whole);
    }
    assert_int_not_equal(whole, crc32c(0, buf, sizeof(buf) - 1));
}

static uint64_t mfns[3] = {100, 7, 12345};
static uint64_t buf[LU_HANDOVER_MAX_BYTES / 8 + 8];

static size_t encode_ok(void)
{
    size_t len = 0;

    assert_int_equal(lu_handover_encode(buf, sizeof(buf), &len, 0, 9000,
                                        0xabcdef01, mfns, 3),
                     0);
    assert_int_equal(len, sizeof(struct lu_handover) + 24);
    return len;
}

static void test_handover_round_trip(void **state)
{
    const uint64_t *m;
    struct lu_handover hd;
    char err[128];
    size_t len = encode_ok();

    (void)state;
    assert_int_equal(lu_handover_decode(buf, len, &hd, &m, err, sizeof(err)),
                     0);
    assert_int_equal(hd.stream_len, 9000 - 9000 % 8);
    assert_int_equal(hd.stream_crc, 0xabcdef01u);
    assert_int_equal(hd.nr_pages, 3);
    assert_memory_equal(m, mfns, sizeof(mfns));
    assert_string_equal(err, "");
}

static void expect_decode(size_t len, int rc, const char *msg)
{
    const uint64_t *m = (const uint64_t *)1;
    struct lu_handover hd;
    char err[128];

    assert_int_equal(lu_handover_decode(buf, len, &hd, &m, err, sizeof(err)),
                     rc);
    assert_null(m);
    assert_non_null(strstr(err, msg));
}

static void test_handover_refusals(void **state)
{
    struct lu_handover *hd = (struct lu_handover *)buf;
    size_t len = encode_ok();

    (void)state;
    expect_decode(len - 8, -EINVAL, "truncated");
    expect_decode(len + 8, -EINVAL, "trailing");
    expect_decode(16, -EINVAL, "descriptor of 16 bytes");
    hd->magic ^= 1;
    expect_decode(len, -EINVAL, "bad magic");
    hd->magic ^= 1;
    hd->version = 2;
    expect_decode(len, -EPROTONOSUPPORT, "version 2");
    hd->version = 1;
    hd->flags = 0x80;
    expect_decode(len, -EPROTONOSUPPORT, "flags");
    hd->flags = 0;
    hd->nr_pages = LU_HANDOVER_MAX_PAGES + 1;
    expect_decode(len, -EFBIG, "pages");
    hd->nr_pages = 3;
    hd->stream_len = 4096 * 3 + 8; /* needs 4 pages */
    expect_decode(len, -EINVAL, "in 3 pages");
    hd->stream_len = 9004; /* not a multiple of 8 */
    expect_decode(len, -EINVAL, "in 3 pages");
}

static void test_handover_encode_refusals(void **state)
{
    static uint64_t many[LU_HANDOVER_MAX_PAGES + 1];
    size_t len = 1;

    (void)state;
    assert_int_equal(
        lu_handover_encode(buf, sizeof(buf), &len, 0,
                           (uint64_t)4096 * (LU_HANDOVER_MAX_PAGES + 1), 0,
                           many, LU_HANDOVER_MAX_PAGES + 1),
        -EFBIG);
    assert_int_equal(len, 0);
    assert_int_equal(lu_handover_encode(buf, 40, &len, 0, 9000, 0, mfns, 3),
                     -ENOSPC);
    assert_int_equal(
        lu_handover_encode(buf, sizeof(buf), &len, 0x8, 9000, 0, mfns, 3),
        -EINVAL);
    assert_int_equal(
        lu_handover_encode(buf, sizeof(buf), &len, 0, 9000, 0, mfns, 2),
        -EINVAL);
    /* The largest descriptor fits the largest message exactly. */
    assert_int_equal(lu_handover_encode(buf, LU_HANDOVER_MAX_BYTES, &len, 0,
                                        (uint64_t)4096 * LU_HANDOVER_MAX_PAGES,
                                        0, many, LU_HANDOVER_MAX_PAGES),
                     0);
    assert_true(len <= LU_HANDOVER_MAX_BYTES);
}

static void test_handover_unaligned(void **state)
{
    const uint64_t *m;
    struct lu_handover hd;
    size_t len = encode_ok();

    (void)state;
    memmove((uint8_t *)buf + 1, buf, len);
    assert_int_equal(
        lu_handover_decode((uint8_t *)buf + 1, len, &hd, &m, NULL, 0), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_vectors),
        cmocka_unit_test(test_crc_chaining),
        cmocka_unit_test(test_handover_round_trip),
        cmocka_unit_test(test_handover_refusals),
        cmocka_unit_test(test_handover_encode_refusals),
        cmocka_unit_test(test_handover_unaligned),
    };

    return cmocka_run_group_tests_name("stream_crc_handover", tests, NULL,
                                       NULL);
}
