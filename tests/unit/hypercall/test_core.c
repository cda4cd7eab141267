/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypercall core on the sim backend: dispatch rules, guest memory
 * access at page boundaries and holes, xen_version, console_io and
 * sched_op, and a guest running on its own vCPU thread. Every test ends
 * with a deep memory audit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "hc_test.h"
#include "xhv_test.h"

static struct domain *d;

static int setup(void **state)
{
    (void)state;
    d = hc_setup(64, 4, "hc", 4, 2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hc_teardown(&d);
    return 0;
}

static void test_dispatch_rules(void **state)
{
    struct hcall h = {.op = __HYPERVISOR_xen_version,
                      .arg = {XENVER_version},
                      .user_mode = true};

    (void)state;
    assert_int_equal(hc_call(d, 63, 0, 0, 0, 0, 0), -ENOSYS);
    assert_int_equal(hc_call(d, 1000, 0, 0, 0, 0, 0), -ENOSYS);
    assert_int_equal(hc_call(d, UINT64_MAX, 0, 0, 0, 0, 0), -ENOSYS);
    /* From guest user mode: refused, as Xen does. */
    assert_int_equal(hypercall_dispatch(d->vcpus[0], &h), -EPERM);
    h.user_mode = false;
    assert_int_equal(hypercall_dispatch(d->vcpus[0], &h),
                     (XHV_XEN_MAJOR << 16) | XHV_XEN_MINOR);
}

static void test_guest_access(void **state)
{
    struct vcpu *v;
    char buf[64];

    (void)state;
    v = d->vcpus[0];
    memcpy(hc_mem(d, GPA_BUF + PAGE_SIZE - 4), "abcd", 4);
    memcpy(hc_mem(d, GPA_BUF + PAGE_SIZE), "efgh", 4);
    /* Across a page boundary. */
    assert_int_equal(copy_from_guest(v, buf, GPA_BUF + PAGE_SIZE - 4, 8), 0);
    assert_memory_equal(buf, "abcdefgh", 8);
    /* Into the hole past RAM, and wrapping the address space. */
    assert_int_equal(copy_from_guest(v, buf, GPA_HOLE - 4, 8), -EFAULT);
    assert_int_equal(copy_to_guest(v, GPA_HOLE, "x", 1), -EFAULT);
    assert_int_equal(copy_from_guest(v, buf, UINT64_MAX - 2, 8), -EFAULT);
    assert_int_equal(copy_from_guest(v, buf, 1ULL << 62, 8), -EFAULT);
    /* A string ending right before the hole is fine. */
    memcpy(hc_mem(d, GPA_HOLE - 3), "hi", 3);
    assert_int_equal(copy_string_from_guest(v, buf, GPA_HOLE - 3, 16), 0);
    assert_string_equal(buf, "hi");
    memset(hc_mem(d, GPA_BUF2), 'z', 32);
    assert_int_equal(copy_string_from_guest(v, buf, GPA_BUF2, 16), -E2BIG);
}

static void test_xen_version(void **state)
{
    struct xen_feature_info fi = {.submap_idx = 0};
    struct xen_compile_info ci;
    char s[1024];

    (void)state;
    assert_int_equal(
        hc_call(d, __HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0),
        0x40013);
    assert_int_equal(hc_call(d, __HYPERVISOR_xen_version, XENVER_extraversion,
                             GPA_BUF, 0, 0, 0),
                     0);
    assert_string_equal(hc_mem(d, GPA_BUF), ".0-xhv");
    assert_int_equal(hc_call(d, __HYPERVISOR_xen_version, XENVER_capabilities,
                             GPA_BUF, 0, 0, 0),
                     0);
    memcpy(s, hc_mem(d, GPA_BUF), sizeof(s));
    assert_non_null(strstr(s, "hvm-3.0-x86_64"));
    assert_int_equal(hc_call(d, __HYPERVISOR_xen_version, XENVER_compile_info,
                             GPA_BUF, 0, 0, 0),
                     0);
    memcpy(&ci, hc_mem(d, GPA_BUF), sizeof(ci));
    assert_string_equal(ci.compile_by, "xhv");

    memcpy(hc_mem(d, GPA_BUF), &fi, sizeof(fi));
    assert_int_equal(hc_call(d, __HYPERVISOR_xen_version, XENVER_get_features,
                             GPA_BUF, 0, 0, 0),
                     0);
    memcpy(&fi, hc_mem(d, GPA_BUF), sizeof(fi));
    assert_true(fi.submap & (1U << XENFEAT_auto_translated_physmap));
    assert_true(fi.submap & (1U << XENFEAT_hvm_callback_vector));
    assert_true(fi.submap & (1U << XENFEAT_hvm_safe_pvclock));
    assert_false(fi.submap & (1U << XENFEAT_hvm_pirqs));
    /* Not implemented, so not advertised. */
    assert_false(fi.submap & (1U << XENFEAT_runstate_phys_area));
    assert_false(fi.submap & (1U << XENFEAT_vcpu_time_phys_area));
    fi.submap_idx = 1;
    memcpy(hc_mem(d, GPA_BUF), &fi, sizeof(fi));
    assert_int_equal(hc_call(d, __HYPERVISOR_xen_version, XENVER_get_features,
                             GPA_BUF, 0, 0, 0),
                     -EINVAL);

    assert_int_equal(
        hc_call(d, __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0, 0, 0),
        4096);
    assert_int_equal(hc_call(d, __HYPERVISOR_xen_version, XENVER_commandline,
                             GPA_BUF, 0, 0, 0),
                     0);
    assert_string_equal(hc_mem(d, GPA_BUF), "<denied>");
    assert_int_equal(
        hc_call(d, __HYPERVISOR_xen_version, XENVER_build_id, GPA_BUF, 0, 0, 0),
        -EPERM);
    assert_int_equal(hc_call(d, __HYPERVISOR_xen_version, 99, GPA_BUF, 0, 0, 0),
                     -ENOSYS);
    /* Output buffers in the hole: -EFAULT, for every sub-op that writes. */
    for (int op = XENVER_extraversion; op <= XENVER_commandline; op++)
        if (op != XENVER_pagesize)
            assert_int_equal(hc_call(d, __HYPERVISOR_xen_version, (uint64_t)op,
                                     GPA_HOLE, 0, 0, 0),
                             -EFAULT);
}

static void test_console_io(void **state)
{
    char out[256];
    size_t n;

    (void)state;
    memcpy(hc_mem(d, GPA_BUF), "hello from the guest\n", 21);
    assert_int_equal(
        hc_call(d, __HYPERVISOR_console_io, CONSOLEIO_write, 21, GPA_BUF, 0, 0),
        0);
    n = domain_console_read(d, out, sizeof(out));
    assert_int_equal(n, 21);
    assert_memory_equal(out, "hello from the guest\n", 21);
    /* Bad buffers and huge counts change nothing. */
    assert_int_equal(
        hc_call(d, __HYPERVISOR_console_io, CONSOLEIO_write, 8, GPA_HOLE, 0, 0),
        -EFAULT);
    assert_int_equal(hc_call(d, __HYPERVISOR_console_io, CONSOLEIO_write,
                             UINT64_MAX, GPA_BUF, 0, 0),
                     -EINVAL);
    assert_int_equal(domain_console_read(d, out, sizeof(out)), 21);
    assert_int_equal(
        hc_call(d, __HYPERVISOR_console_io, CONSOLEIO_read, 10, GPA_BUF, 0, 0),
        0);
    assert_int_equal(hc_call(d, __HYPERVISOR_console_io, 7, 0, 0, 0, 0),
                     -ENOSYS);
}

static void test_sched_shutdown(void **state)
{
    struct sched_shutdown s = {.reason = 99};

    (void)state;
    assert_int_equal(domain_unpause(d), 0);
    memcpy(hc_mem(d, GPA_BUF), &s, sizeof(s));
    assert_int_equal(
        hc_call(d, __HYPERVISOR_sched_op, SCHEDOP_shutdown, GPA_BUF, 0, 0, 0),
        -EINVAL);
    assert_int_equal(
        hc_call(d, __HYPERVISOR_sched_op, SCHEDOP_shutdown, GPA_HOLE, 0, 0, 0),
        -EFAULT);
    assert_int_equal(domain_wait_shutdown(d, 0), -ETIMEDOUT);
    s.reason = SHUTDOWN_crash;
    memcpy(hc_mem(d, GPA_BUF), &s, sizeof(s));
    assert_int_equal(
        hc_call(d, __HYPERVISOR_sched_op, SCHEDOP_shutdown, GPA_BUF, 0, 0, 0),
        0);
    assert_int_equal(domain_wait_shutdown(d, 1000), 0);
    assert_int_equal(d->shutdown_reason, SHUTDOWN_CRASH);
    assert_int_equal(domain_get_state(d), DOMAIN_PAUSED);
    /* Once shut down, a second request is refused. */
    assert_int_equal(
        hc_call(d, __HYPERVISOR_sched_op, SCHEDOP_shutdown, GPA_BUF, 0, 0, 0),
        -EINVAL);
    assert_int_equal(
        hc_call(d, __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0), 0);
    assert_int_equal(hc_call(d, __HYPERVISOR_sched_op, 42, 0, 0, 0, 0),
                     -ENOSYS);
}

/* A guest on its own thread: says hello, then powers off. */
static void hello_guest(struct sim_vcpu *sv, void *arg)
{
    static const char msg[] = "guest: hello\n";
    struct sched_shutdown s = {.reason = SHUTDOWN_poweroff};
    long *rc = arg;
    char *buf = sim_gpa(sv, GPA_BUF2, sizeof(msg));

    memcpy(buf, msg, sizeof(msg) - 1);
    rc[0] = sim_hypercall(sv, __HYPERVISOR_console_io, CONSOLEIO_write,
                          sizeof(msg) - 1, GPA_BUF2, 0, 0);
    memcpy(sim_gpa(sv, GPA_BUF2 + 256, sizeof(s)), &s, sizeof(s));
    rc[1] = sim_hypercall(sv, __HYPERVISOR_sched_op, SCHEDOP_shutdown,
                          GPA_BUF2 + 256, 0, 0, 0);
}

static void test_sim_guest_thread(void **state)
{
    long rc[2] = {-1, -1};
    char out[64];

    (void)state;
    assert_int_equal(sim_vcpu_start(d, 0, hello_guest, rc), 0);
    assert_int_equal(domain_wait_shutdown(d, 5000), 0);
    assert_int_equal(sim_vcpu_join(d, 0, 5000), 0);
    assert_int_equal(rc[0], 0);
    assert_int_equal(rc[1], 0);
    assert_int_equal(d->shutdown_reason, SHUTDOWN_POWEROFF);
    assert_int_equal(domain_console_read(d, out, sizeof(out)), 13);
    assert_memory_equal(out, "guest: hello\n", 13);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_dispatch_rules), T(test_guest_access),
        T(test_xen_version),    T(test_console_io),
        T(test_sched_shutdown), T(test_sim_guest_thread),
    };
#undef T
    return cmocka_run_group_tests_name("hypercall_core", tests, NULL, NULL);
}
