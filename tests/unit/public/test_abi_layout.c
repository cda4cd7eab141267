/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Runtime checks of the Xen public ABI layouts in include/xhv/public.
 *
 * The headers already pin offsets with _Static_assert, but those only compare
 * the compiler's idea of the layout with numbers typed into the same header.
 * These tests store values through the struct fields into a zeroed page and
 * compare the whole page, byte by byte, against an image built from literal
 * little-endian offsets. That catches wrong field widths, wrong byte order
 * and stray writes as well as wrong offsets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "xhv/public/xen.h"

#define PAGE_BYTES 4096

struct page_pair {
    /* Page the struct is written through, as a guest would see it. */
    unsigned char *page;
    /* What the page must contain, built from literal offsets only. */
    unsigned char expected[PAGE_BYTES];
};

static int setup_pages(void **state)
{
    struct page_pair *pp = calloc(1, sizeof(*pp));

    if (pp == NULL)
        return -1;
    /* calloc'd memory is suitably aligned for the struct and zero-filled. */
    pp->page = calloc(1, PAGE_BYTES);
    if (pp->page == NULL) {
        free(pp);
        return -1;
    }
    *state = pp;
    return 0;
}

static int teardown_pages(void **state)
{
    struct page_pair *pp = *state;

    free(pp->page);
    free(pp);
    return 0;
}

/* Record a little-endian value of the given byte width in the expected page. */
static void put_le(unsigned char *buf, size_t off, uint64_t val, size_t width)
{
    assert_true(off + width <= PAGE_BYTES);
    for (size_t i = 0; i < width; i++)
        buf[off + i] = (unsigned char)(val >> (8 * i));
}

static void test_shared_info_fits_page(void **state)
{
    struct page_pair *pp = *state;
    struct xen_shared_info *si = (struct xen_shared_info *)pp->page;

    assert_int_equal(sizeof(*si), 3136);
    assert_true(sizeof(*si) <= PAGE_BYTES);
    assert_int_equal(XEN_PAGE_SIZE, PAGE_BYTES);

    /*
     * Filling the last field must touch the final eight bytes of the
     * structure and nothing beyond it.
     */
    si->arch.p2m_generation = UINT64_MAX;
    put_le(pp->expected, 3128, UINT64_MAX, 8);
    assert_memory_equal(pp->page, pp->expected, PAGE_BYTES);
}

static void test_shared_info_event_words(void **state)
{
    struct page_pair *pp = *state;
    struct xen_shared_info *si = (struct xen_shared_info *)pp->page;

    si->evtchn_pending[1] = 0x0102030405060708ULL;
    si->evtchn_mask[63] = 0x8877665544332211ULL;

    /* evtchn_pending starts at 2048 and evtchn_mask at 2560. */
    put_le(pp->expected, 2048 + 1 * 8, 0x0102030405060708ULL, 8);
    put_le(pp->expected, 2560 + 63 * 8, 0x8877665544332211ULL, 8);
    assert_memory_equal(pp->page, pp->expected, PAGE_BYTES);
}

static void test_shared_info_wallclock(void **state)
{
    struct page_pair *pp = *state;
    struct xen_shared_info *si = (struct xen_shared_info *)pp->page;

    si->wc_version = 0x11223344;
    si->wc_sec = 0x55667788;
    si->wc_nsec = 0x0abbccdd;
    si->wc_sec_hi = 0xeeff0102;

    put_le(pp->expected, 3072, 0x11223344, 4);
    put_le(pp->expected, 3076, 0x55667788, 4);
    put_le(pp->expected, 3080, 0x0abbccdd, 4);
    put_le(pp->expected, 3084, 0xeeff0102, 4);
    assert_memory_equal(pp->page, pp->expected, PAGE_BYTES);
}

static void test_shared_info_arch(void **state)
{
    struct page_pair *pp = *state;
    struct xen_shared_info *si = (struct xen_shared_info *)pp->page;

    si->arch.max_pfn = 0x00000001000fffffULL;
    si->arch.pfn_to_mfn_frame_list_list = 0x1111111111111111ULL;
    si->arch.nmi_reason = 0x2222222222222222ULL;
    si->arch.p2m_cr3 = 0x3333333333333333ULL;
    si->arch.p2m_vaddr = 0x4444444444444444ULL;
    si->arch.p2m_generation = 0x5555555555555555ULL;

    put_le(pp->expected, 3088, 0x00000001000fffffULL, 8);
    put_le(pp->expected, 3096, 0x1111111111111111ULL, 8);
    put_le(pp->expected, 3104, 0x2222222222222222ULL, 8);
    put_le(pp->expected, 3112, 0x3333333333333333ULL, 8);
    put_le(pp->expected, 3120, 0x4444444444444444ULL, 8);
    put_le(pp->expected, 3128, 0x5555555555555555ULL, 8);
    assert_memory_equal(pp->page, pp->expected, PAGE_BYTES);
}

static void test_vcpu_info_slots(void **state)
{
    struct page_pair *pp = *state;
    struct xen_shared_info *si = (struct xen_shared_info *)pp->page;

    /* Each vcpu_info slot is 64 bytes, starting at offset 0 of the page. */
    si->vcpu_info[31].time.system_time = 0x0123456789abcdefULL;
    si->vcpu_info[5].evtchn_pending_sel = 0x8000000000000001ULL;
    si->vcpu_info[3].evtchn_upcall_pending = 0x01;
    si->vcpu_info[3].evtchn_upcall_mask = 0xff;
    si->vcpu_info[7].arch.cr2 = 0xffff800000001000ULL;

    put_le(pp->expected, 31 * 64 + 32 + 16, 0x0123456789abcdefULL, 8);
    put_le(pp->expected, 5 * 64 + 8, 0x8000000000000001ULL, 8);
    put_le(pp->expected, 3 * 64 + 0, 0x01, 1);
    put_le(pp->expected, 3 * 64 + 1, 0xff, 1);
    put_le(pp->expected, 7 * 64 + 16, 0xffff800000001000ULL, 8);
    assert_memory_equal(pp->page, pp->expected, PAGE_BYTES);
}

static void test_vcpu_time_info_fields(void **state)
{
    struct page_pair *pp = *state;
    struct xen_shared_info *si = (struct xen_shared_info *)pp->page;
    struct xen_vcpu_time_info *t = &si->vcpu_info[2].time;
    const size_t base = 2 * 64 + 32;

    t->version = 0x00000003;
    t->tsc_timestamp = 0x1020304050607080ULL;
    t->system_time = 0x0807060504030201ULL;
    t->tsc_to_system_mul = 0xa1b2c3d4;
    /* tsc_shift is signed: -3 must be stored as the single byte 0xfd. */
    t->tsc_shift = -3;
    t->flags = XEN_PVCLOCK_TSC_STABLE_BIT | XEN_PVCLOCK_GUEST_STOPPED;

    put_le(pp->expected, base + 0, 0x00000003, 4);
    put_le(pp->expected, base + 8, 0x1020304050607080ULL, 8);
    put_le(pp->expected, base + 16, 0x0807060504030201ULL, 8);
    put_le(pp->expected, base + 24, 0xa1b2c3d4, 4);
    put_le(pp->expected, base + 28, 0xfd, 1);
    put_le(pp->expected, base + 29, 0x03, 1);
    assert_memory_equal(pp->page, pp->expected, PAGE_BYTES);
}

static void test_domid_constants(void **state)
{
    (void)state;

    /* The reserved ids must all fit the 16-bit domid type unchanged. */
    assert_int_equal((xen_domid_t)DOMID_SELF, 0x7ff0);
    assert_int_equal((xen_domid_t)DOMID_FIRST_RESERVED, DOMID_SELF);
    assert_int_equal((xen_domid_t)DOMID_IO, 0x7ff1);
    assert_int_equal((xen_domid_t)DOMID_XEN, 0x7ff2);
    assert_int_equal((xen_domid_t)DOMID_COW, 0x7ff3);
    assert_int_equal((xen_domid_t)DOMID_INVALID, 0x7ff4);
    assert_int_equal((xen_domid_t)DOMID_ANY, 0x7ff5);
    assert_int_equal((xen_domid_t)DOMID_IDLE, 0x7fff);
    assert_int_equal(sizeof(xen_domid_t), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shared_info_fits_page, setup_pages,
                                        teardown_pages),
        cmocka_unit_test_setup_teardown(test_shared_info_event_words,
                                        setup_pages, teardown_pages),
        cmocka_unit_test_setup_teardown(test_shared_info_wallclock, setup_pages,
                                        teardown_pages),
        cmocka_unit_test_setup_teardown(test_shared_info_arch, setup_pages,
                                        teardown_pages),
        cmocka_unit_test_setup_teardown(test_vcpu_info_slots, setup_pages,
                                        teardown_pages),
        cmocka_unit_test_setup_teardown(test_vcpu_time_info_fields, setup_pages,
                                        teardown_pages),
        cmocka_unit_test(test_domid_constants),
    };

    return cmocka_run_group_tests_name("public_abi", tests, NULL, NULL);
}
