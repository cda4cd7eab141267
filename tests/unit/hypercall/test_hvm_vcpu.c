/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvm_op, vcpu_op and guest time on the sim backend: every sub-op with
 * good and hostile arguments (a hostile call must change nothing), HVM
 * parameter permissions, vcpu_info moved into a guest page that outlives
 * the guest's own mapping of it, and the wallclock and pvclock records
 * read the way a guest reads them. Each test ends with a deep memory
 * audit.
 *
 * The guest has 4 MiB of RAM (gfns 0-0x3ff) and two vCPUs. Argument
 * structures live at GPA_BUF, output areas at GPA_BUF2, registered
 * vcpu_info areas in the pages at GPA_AREA.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "hc_test.h"
#include "lib/fault.h"
#include "time/time.h"
#include "xhv_test.h"

#define GPA_AREA 0x30000ULL
#define GFN_AREA (GPA_AREA >> PAGE_SHIFT)
#define MS       1000000ULL
/* How far a guest's idea of time may be from xhv's, read back to back. */
#define TIME_TOLERANCE_NS (5 * MS)
#define READ_TRIES        1000

static struct domain *d;

static int setup(void **state)
{
    (void)state;
    d = hc_setup(64, 4, "hv", 4, 2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hc_teardown(&d);
    return 0;
}

/* ---- Calling helpers ---------------------------------------------- */

static long hvm(uint64_t op, uint64_t arg)
{
    return hc_call(d, __HYPERVISOR_hvm_op, op, arg, 0, 0, 0);
}

/* vcpu_op made by vCPU caller of domain dom. */
static long vcpu_op_by(struct domain *dom, unsigned int caller, uint64_t cmd,
                       uint64_t id, uint64_t arg)
{
    struct hcall h = {.op = __HYPERVISOR_vcpu_op, .arg = {cmd, id, arg}};

    return hypercall_dispatch(dom->vcpus[caller], &h);
}

static long vop(uint64_t cmd, uint64_t id, uint64_t arg)
{
    return vcpu_op_by(d, 0, cmd, id, arg);
}

static long set_param(uint16_t domid, uint32_t index, uint64_t value)
{
    struct xen_hvm_param a = {.domid = domid, .index = index, .value = value};

    memcpy(hc_mem(d, GPA_BUF), &a, sizeof(a));
    return hvm(HVMOP_set_param, GPA_BUF);
}

static long get_param(uint16_t domid, uint32_t index, uint64_t *value)
{
    struct xen_hvm_param a = {.domid = domid, .index = index, .value = ~0ULL};
    long rc;

    memcpy(hc_mem(d, GPA_BUF), &a, sizeof(a));
    rc = hvm(HVMOP_get_param, GPA_BUF);
    memcpy(&a, hc_mem(d, GPA_BUF), sizeof(a));
    *value = a.value;
    return rc;
}

static long register_vcpu_info_in(struct domain *dom, unsigned int vcpu,
                                  uint64_t gfn, uint32_t offset)
{
    struct vcpu_register_vcpu_info r = {.mfn = gfn, .offset = offset};

    memcpy(hc_mem(dom, GPA_BUF), &r, sizeof(r));
    return vcpu_op_by(dom, 0, VCPUOP_register_vcpu_info, vcpu, GPA_BUF);
}

static long register_vcpu_info(unsigned int vcpu, uint64_t gfn, uint32_t offset)
{
    return register_vcpu_info_in(d, vcpu, gfn, offset);
}

static struct page_info *gfn_page(gfn_t gfn)
{
    mfn_t mfn;

    assert_int_equal(p2m_lookup(&d->p2m, gfn, &mfn, NULL), 0);
    return mfn_to_page(mfn);
}

static uint64_t page_refs(const struct page_info *pg)
{
    return __atomic_load_n(&pg->count_info, __ATOMIC_RELAXED) & PGC_count_mask;
}

static uint64_t page_type_refs(const struct page_info *pg)
{
    return __atomic_load_n(&pg->u.inuse.type_info, __ATOMIC_RELAXED) &
           PGT_count_mask;
}

static uint64_t realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t abs_diff(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

/* ---- The guest's side of the time protocol ------------------------ */

/*
 * Written from the ABI alone, not from xhv's helpers: TSC ticks since
 * the stamp, shifted, times a 32.32 fixed-point factor.
 */
static int64_t guest_scale(int64_t delta, uint32_t mul, int8_t shift)
{
    uint64_t m = (uint64_t)(delta < 0 ? -delta : delta);

    m = shift < 0 ? m >> -shift : m << shift;
    m = (uint64_t)(((unsigned __int128)m * mul) >> 32);
    return delta < 0 ? -(int64_t)m : (int64_t)m;
}

/*
 * Reads t as a guest does; -EAGAIN if it never sees a stable version.
 * The acquire loads stand in for the guest's read barriers: nothing after
 * them is read before them (TSan does not model bare fences).
 */
static int guest_pvclock_read(const struct xen_vcpu_time_info *t, uint64_t *now,
                              uint8_t *flags)
{
    int i;

    for (i = 0; i < READ_TRIES; i++) {
        uint32_t v1 = __atomic_load_n(&t->version, __ATOMIC_ACQUIRE);
        uint64_t stamp = __atomic_load_n(&t->tsc_timestamp, __ATOMIC_ACQUIRE);
        uint64_t sys = __atomic_load_n(&t->system_time, __ATOMIC_ACQUIRE);
        uint32_t mul = __atomic_load_n(&t->tsc_to_system_mul, __ATOMIC_ACQUIRE);
        int8_t shift = __atomic_load_n(&t->tsc_shift, __ATOMIC_ACQUIRE);
        uint8_t fl = __atomic_load_n(&t->flags, __ATOMIC_ACQUIRE);
        uint64_t tsc = time_read_tsc();

        if ((v1 & 1) || v1 != __atomic_load_n(&t->version, __ATOMIC_RELAXED))
            continue;
        *now = sys + (uint64_t)guest_scale((int64_t)(tsc - stamp), mul, shift);
        *flags = fl;
        return 0;
    }
    return -EAGAIN;
}

/* The wall-clock time at system time 0, in ns, read as a guest does. */
static int guest_wallclock_read(const struct xen_shared_info *si, uint64_t *ns)
{
    int i;

    for (i = 0; i < READ_TRIES; i++) {
        uint32_t v1 = __atomic_load_n(&si->wc_version, __ATOMIC_ACQUIRE);
        uint64_t sec =
            __atomic_load_n(&si->wc_sec, __ATOMIC_ACQUIRE) |
            (uint64_t)__atomic_load_n(&si->wc_sec_hi, __ATOMIC_ACQUIRE) << 32;
        uint32_t nsec = __atomic_load_n(&si->wc_nsec, __ATOMIC_ACQUIRE);

        if ((v1 & 1) ||
            v1 != __atomic_load_n(&si->wc_version, __ATOMIC_RELAXED))
            continue;
        *ns = sec * NSEC_PER_SEC + nsec;
        return 0;
    }
    return -EAGAIN;
}

/*
 * t falls between before and after, give or take the tolerance. Bracketing
 * the guest's read with two of xhv's keeps a preempted test thread from
 * failing: preemption only widens the bracket.
 */
static bool time_within(uint64_t t, uint64_t before, uint64_t after)
{
    return t + TIME_TOLERANCE_NS >= before && t <= after + TIME_TOLERANCE_NS;
}

/* The guest's time from t is xhv's system time, within the tolerance. */
static void assert_pvclock_good(const struct xen_vcpu_time_info *t)
{
    uint64_t guest, before, after;
    uint8_t flags;

    before = time_system_ns();
    assert_int_equal(guest_pvclock_read(t, &guest, &flags), 0);
    after = time_system_ns();
    if (!time_within(guest, before, after))
        fail_msg("pvclock reads %llu ns, system time %llu-%llu ns",
                 (unsigned long long)guest, (unsigned long long)before,
                 (unsigned long long)after);
    assert_int_equal(!!(flags & XEN_PVCLOCK_TSC_STABLE_BIT),
                     time_tsc()->stable);
}

/* ---- hvm_op ------------------------------------------------------- */

static void test_hvm_param_round_trip(void **state)
{
    uint64_t via = (2ULL << HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT) | 0xf3;
    uint64_t v;

    (void)state;
    /* Unset parameters read as 0. */
    assert_int_equal(get_param(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(set_param(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, via), 0);
    assert_int_equal(get_param(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &v), 0);
    assert_int_equal(v, via);
    assert_int_equal(d->hvm_params[HVM_PARAM_CALLBACK_IRQ], via);
    /* The domain's own id is the same as DOMID_SELF. */
    assert_int_equal(set_param((uint16_t)d->domid, HVM_PARAM_STORE_EVTCHN, 7),
                     0);
    assert_int_equal(get_param((uint16_t)d->domid, HVM_PARAM_STORE_EVTCHN, &v),
                     0);
    assert_int_equal(v, 7);
    assert_int_equal(set_param(DOMID_SELF, HVM_PARAM_CONSOLE_EVTCHN, 9), 0);
    assert_int_equal(get_param(DOMID_SELF, HVM_PARAM_CONSOLE_EVTCHN, &v), 0);
    assert_int_equal(v, 9);
    /* Any callback value is kept as given; odd types mean "none". */
    assert_int_equal(
        set_param(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 0xff00000000000001ULL),
        0);
    assert_int_equal(set_param(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 0), 0);
    assert_int_equal(d->hvm_params[HVM_PARAM_CALLBACK_IRQ], 0);
    /* The x87 width takes 0, 4 or 8. */
    assert_int_equal(set_param(DOMID_SELF, HVM_PARAM_X87_FIP_WIDTH, 4), 0);
    assert_int_equal(get_param(DOMID_SELF, HVM_PARAM_X87_FIP_WIDTH, &v), 0);
    assert_int_equal(v, 4);
    /* The old VM86 TSS parameter becomes a sized one of 128 bytes. */
    assert_int_equal(set_param(DOMID_SELF, HVM_PARAM_VM86_TSS, 0xfeff0000), 0);
    assert_int_equal(get_param(DOMID_SELF, HVM_PARAM_VM86_TSS, &v), 0);
    assert_int_equal(v, 0xfeff0000);
    assert_int_equal(get_param(DOMID_SELF, HVM_PARAM_VM86_TSS_SIZED, &v), 0);
    assert_int_equal(v, (128ULL << 32) | 0xfeff0000);
    /* A huge TSS size is capped at what could ever be used. */
    assert_int_equal(set_param(DOMID_SELF, HVM_PARAM_VM86_TSS_SIZED,
                               (100000ULL << 32) | 0x1000),
                     0);
    assert_int_equal(get_param(DOMID_SELF, HVM_PARAM_VM86_TSS_SIZED, &v), 0);
    assert_int_equal(v, (8329ULL << 32) | 0x1000);
}

/* A call expected to fail, which must leave every parameter as it was. */
static void assert_set_refused(uint16_t domid, uint32_t index, uint64_t value,
                               long err)
{
    uint64_t before[HVM_NR_PARAMS];

    memcpy(before, d->hvm_params, sizeof(before));
    assert_int_equal(set_param(domid, index, value), err);
    assert_memory_equal(before, d->hvm_params, sizeof(before));
}

static void test_hvm_param_permissions(void **state)
{
    static const uint32_t retired[] = {4, 13, 20, 21, 22, 23, 24, 25, 26, 30};
    uint64_t v;
    size_t i;

    (void)state;
    /* The toolstack's pages: readable, never settable by the guest. */
    d->hvm_params[HVM_PARAM_STORE_PFN] = 0xfeffc;
    d->hvm_params[HVM_PARAM_CONSOLE_PFN] = 0xfeffd;
    assert_int_equal(get_param(DOMID_SELF, HVM_PARAM_STORE_PFN, &v), 0);
    assert_int_equal(v, 0xfeffc);
    assert_int_equal(get_param(DOMID_SELF, HVM_PARAM_CONSOLE_PFN, &v), 0);
    assert_int_equal(v, 0xfeffd);
    assert_set_refused(DOMID_SELF, HVM_PARAM_STORE_PFN, 1, -EPERM);
    assert_set_refused(DOMID_SELF, HVM_PARAM_CONSOLE_PFN, 1, -EPERM);
    /* Toolstack-only parameters: neither way. */
    assert_set_refused(DOMID_SELF, HVM_PARAM_IDENT_PT, 1, -EPERM);
    assert_set_refused(DOMID_SELF, HVM_PARAM_TIMER_MODE, 1, -EPERM);
    assert_set_refused(DOMID_SELF, HVM_PARAM_VIRIDIAN, 1, -EPERM);
    assert_set_refused(DOMID_SELF, HVM_PARAM_MCA_CAP, 1, -EPERM);
    assert_int_equal(get_param(DOMID_SELF, HVM_PARAM_IDENT_PT, &v), -EPERM);
    assert_int_equal(get_param(DOMID_SELF, HVM_PARAM_IOREQ_PFN, &v), -EPERM);
    /* altp2m: readable, and read-only. */
    assert_int_equal(get_param(DOMID_SELF, HVM_PARAM_ALTP2M, &v), 0);
    assert_int_equal(v, XEN_ALTP2M_disabled);
    assert_set_refused(DOMID_SELF, HVM_PARAM_ALTP2M, 1, -EEXIST);
    /* Retired numbers: -EINVAL both ways. */
    for (i = 0; i < sizeof(retired) / sizeof(retired[0]); i++) {
        assert_set_refused(DOMID_SELF, retired[i], 0, -EINVAL);
        assert_int_equal(get_param(DOMID_SELF, retired[i], &v), -EINVAL);
    }
    /* Values checked per parameter. */
    assert_set_refused(DOMID_SELF, HVM_PARAM_X87_FIP_WIDTH, 5, -EINVAL);
    assert_set_refused(DOMID_SELF, HVM_PARAM_VM86_TSS, 1ULL << 32, -EINVAL);
    assert_set_refused(DOMID_SELF, HVM_PARAM_VM86_TSS_SIZED,
                       (103ULL << 32) | 0x1000, -EINVAL);
    assert_set_refused(DOMID_SELF, HVM_PARAM_ACPI_IOPORTS_LOCATION, 1, -ENODEV);
    /* Out of range indices. */
    assert_set_refused(DOMID_SELF, HVM_NR_PARAMS, 0, -EINVAL);
    assert_set_refused(DOMID_SELF, UINT32_MAX, 0, -EINVAL);
    assert_int_equal(get_param(DOMID_SELF, HVM_NR_PARAMS, &v), -EINVAL);
    assert_int_equal(get_param(DOMID_SELF, UINT32_MAX, &v), -EINVAL);
}

static void test_hvm_param_hostile(void **state)
{
    struct domain *other = hc_domain_create("other", 4, 1);
    uint64_t before[HVM_NR_PARAMS];
    uint64_t v;

    (void)state;
    memcpy(before, other->hvm_params, sizeof(before));
    /* Another domain's parameters: refused, as Xen refuses a domU. */
    assert_set_refused((uint16_t)other->domid, HVM_PARAM_CALLBACK_IRQ, 5,
                       -EPERM);
    assert_int_equal(
        get_param((uint16_t)other->domid, HVM_PARAM_CALLBACK_IRQ, &v), -EPERM);
    assert_memory_equal(before, other->hvm_params, sizeof(before));
    /* A domain that does not exist, and reserved ids. */
    assert_set_refused(0x7000, HVM_PARAM_CALLBACK_IRQ, 5, -ESRCH);
    assert_set_refused(DOMID_IO, HVM_PARAM_CALLBACK_IRQ, 5, -ESRCH);
    assert_int_equal(get_param(DOMID_XEN, HVM_PARAM_CALLBACK_IRQ, &v), -ESRCH);
    /* The index is checked before the domain. */
    assert_set_refused(0x7000, HVM_NR_PARAMS, 5, -EINVAL);
    hc_domain_destroy(other);

    /* Argument structures in or running into the hole. */
    assert_int_equal(hvm(HVMOP_set_param, GPA_HOLE), -EFAULT);
    assert_int_equal(hvm(HVMOP_get_param, GPA_HOLE), -EFAULT);
    assert_int_equal(hvm(HVMOP_set_param, GPA_HOLE - 8), -EFAULT);
    assert_int_equal(hvm(HVMOP_get_param, GPA_HOLE - 8), -EFAULT);
    assert_int_equal(hvm(HVMOP_set_param, UINT64_MAX - 4), -EFAULT);
    assert_memory_equal(d->hvm_params, (uint64_t[HVM_NR_PARAMS]){0},
                        sizeof(d->hvm_params));
}

static void test_hvm_get_time(void **state)
{
    struct xen_hvm_get_time t;
    uint64_t before, after;

    (void)state;
    before = time_system_ns();
    assert_int_equal(hvm(HVMOP_get_time, GPA_BUF2), 0);
    after = time_system_ns();
    memcpy(&t, hc_mem(d, GPA_BUF2), sizeof(t));
    assert_true(before <= t.now && t.now <= after);
    assert_int_equal(hvm(HVMOP_get_time, GPA_HOLE - 4), -EFAULT);
}

static long set_upcall_vector(uint32_t vcpu, uint8_t vector)
{
    struct xen_hvm_evtchn_upcall_vector op = {.vcpu = vcpu, .vector = vector};

    memcpy(hc_mem(d, GPA_BUF), &op, sizeof(op));
    return hvm(HVMOP_set_evtchn_upcall_vector, GPA_BUF);
}

static void test_hvm_upcall_vector(void **state)
{
    (void)state;
    assert_int_equal(set_upcall_vector(1, 0xf3), 0);
    assert_int_equal(d->vcpus[1]->upcall_vector, 0xf3);
    assert_int_equal(d->vcpus[0]->upcall_vector, 0);
    assert_int_equal(set_upcall_vector(0, 0x10), 0);
    assert_int_equal(d->vcpus[0]->upcall_vector, 0x10);
    /* Exception vectors, then vCPUs that do not exist; the vector is
     * checked first. Nothing changes. */
    assert_int_equal(set_upcall_vector(1, 0x0f), -EINVAL);
    assert_int_equal(set_upcall_vector(1, 0), -EINVAL);
    assert_int_equal(set_upcall_vector(2, 0xf3), -ENOENT);
    assert_int_equal(set_upcall_vector(UINT32_MAX, 0xf3), -ENOENT);
    assert_int_equal(set_upcall_vector(9, 0x0f), -EINVAL);
    assert_int_equal(hvm(HVMOP_set_evtchn_upcall_vector, GPA_HOLE - 4),
                     -EFAULT);
    assert_int_equal(d->vcpus[1]->upcall_vector, 0xf3);
    assert_int_equal(d->vcpus[0]->upcall_vector, 0x10);
}

static void test_hvm_unknown_ops(void **state)
{
    static const uint64_t ops[] = {2,  3,  4,  5,    9,         11,
                                   15, 24, 25, 1000, UINT64_MAX};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        assert_int_equal(hvm(ops[i], GPA_BUF), -ENOSYS);
}

/* ---- vcpu_op: state, runstate, timers ----------------------------- */

static void test_vcpu_up_down(void **state)
{
    (void)state;
    assert_int_equal(vop(VCPUOP_is_up, 0, 0), 1);
    assert_int_equal(vop(VCPUOP_is_up, 1, 0), 0);
    assert_int_equal(vop(VCPUOP_up, 1, 0), 0);
    assert_int_equal(vop(VCPUOP_is_up, 1, 0), 1);
    assert_int_equal(vop(VCPUOP_up, 1, 0), 0);
    assert_int_equal(vop(VCPUOP_down, 1, 0), 0);
    assert_int_equal(vop(VCPUOP_is_up, 1, 0), 0);
    assert_int_equal(vop(VCPUOP_down, 1, 0), 0);
    /* vCPUs that do not exist, whatever the command. */
    assert_int_equal(vop(VCPUOP_is_up, 2, 0), -ENOENT);
    assert_int_equal(vop(VCPUOP_up, UINT32_MAX, 0), -ENOENT);
    assert_int_equal(vop(99, 2, 0), -ENOENT);
    /* As in Xen the id is 32 bits: the register's high half is ignored. */
    assert_int_equal(vop(VCPUOP_is_up, (1ULL << 32) | 0, 0), 1);
    /* The last vCPU going down powers the domain off; it stays up. */
    assert_int_equal(domain_unpause(d), 0);
    assert_int_equal(vop(VCPUOP_down, 0, 0), 0);
    assert_int_equal(domain_wait_shutdown(d, 1000), 0);
    assert_int_equal(d->shutdown_reason, SHUTDOWN_POWEROFF);
    assert_int_equal(vop(VCPUOP_is_up, 0, 0), 1);
}

static struct vcpu_runstate_info get_runstate(uint64_t id)
{
    struct vcpu_runstate_info r;

    assert_int_equal(vop(VCPUOP_get_runstate_info, id, GPA_BUF2), 0);
    memcpy(&r, hc_mem(d, GPA_BUF2), sizeof(r));
    return r;
}

static uint64_t runstate_total(const struct vcpu_runstate_info *r)
{
    return r->time[0] + r->time[1] + r->time[2] + r->time[3];
}

static void test_vcpu_runstate(void **state)
{
    struct vcpu_runstate_info r0, r1;
    uint64_t now;

    (void)state;
    r0 = get_runstate(0);
    now = time_system_ns();
    assert_int_equal(r0.state, RUNSTATE_running);
    assert_true(r0.state_entry_time <= now);
    /* vCPU 0 has run since it was made: the times add up to that. */
    assert_int_equal(r0.time[1] + r0.time[2] + r0.time[3], 0);
    assert_int_equal(r0.state_entry_time + r0.time[0] <= now, 1);
    r1 = get_runstate(1);
    assert_int_equal(r1.state, RUNSTATE_offline);
    assert_int_equal(r1.time[0], 0);

    /* Up then down: the time offline and running are both counted. */
    assert_int_equal(vop(VCPUOP_up, 1, 0), 0);
    r1 = get_runstate(1);
    assert_int_equal(r1.state, RUNSTATE_running);
    assert_int_equal(vop(VCPUOP_down, 1, 0), 0);
    r1 = get_runstate(1);
    assert_int_equal(r1.state, RUNSTATE_offline);
    assert_true(r1.state_entry_time <= time_system_ns());
    assert_true(runstate_total(&r1) >= r1.time[3]);
    assert_int_equal(r1.time[1] + r1.time[2], 0);

    assert_int_equal(vop(VCPUOP_get_runstate_info, 0, GPA_HOLE - 8), -EFAULT);
    assert_int_equal(vop(VCPUOP_get_runstate_info, 2, GPA_BUF2), -ENOENT);
}

static long register_runstate(uint64_t id, uint64_t gva)
{
    struct vcpu_register_runstate_memory_area a = {.addr = gva};

    memcpy(hc_mem(d, GPA_BUF), &a, sizeof(a));
    return vop(VCPUOP_register_runstate_memory_area, id, GPA_BUF);
}

static void test_vcpu_runstate_area(void **state)
{
    struct vcpu_runstate_info r;

    (void)state;
    memset(hc_mem(d, GPA_BUF2), 0xaa, sizeof(r));
    assert_int_equal(register_runstate(0, GPA_BUF2), 0);
    assert_int_equal(d->vcpus[0]->runstate_gva, GPA_BUF2);
    memcpy(&r, hc_mem(d, GPA_BUF2), sizeof(r));
    assert_int_equal(r.state, RUNSTATE_running);
    assert_true(r.state_entry_time <= time_system_ns());
    /* Another vCPU's area, in its own address space. */
    assert_int_equal(register_runstate(1, GPA_BUF2 + 64), 0);
    memcpy(&r, hc_mem(d, GPA_BUF2 + 64), sizeof(r));
    assert_int_equal(r.state, RUNSTATE_offline);
    /* An area not mapped now may be later: accepted, as in Xen. */
    assert_int_equal(register_runstate(0, GPA_HOLE), 0);
    assert_int_equal(d->vcpus[0]->runstate_gva, GPA_HOLE);
    /* 0 unregisters. */
    assert_int_equal(register_runstate(0, 0), 0);
    assert_int_equal(d->vcpus[0]->runstate_gva, 0);
    /* A bad argument pointer changes nothing. */
    assert_int_equal(vop(VCPUOP_register_runstate_memory_area, 1, GPA_HOLE - 4),
                     -EFAULT);
    assert_int_equal(d->vcpus[1]->runstate_gva, GPA_BUF2 + 64);
    assert_int_equal(register_runstate(2, GPA_BUF2), -ENOENT);
}

static long set_periodic(uint64_t id, uint64_t period)
{
    struct vcpu_set_periodic_timer t = {.period_ns = period};

    memcpy(hc_mem(d, GPA_BUF), &t, sizeof(t));
    return vop(VCPUOP_set_periodic_timer, id, GPA_BUF);
}

static void test_vcpu_periodic_timer(void **state)
{
    struct vcpu *v = d->vcpus[0];

    (void)state;
    assert_int_equal(set_periodic(0, MS), 0);
    assert_int_equal(v->periodic_ns, MS);
    /* Under 1 ms, or beyond Xen's largest time delta: refused. */
    assert_int_equal(set_periodic(0, MS - 1), -EINVAL);
    assert_int_equal(set_periodic(0, 0), -EINVAL);
    assert_int_equal(set_periodic(0, 1ULL << 62), -EINVAL);
    assert_int_equal(set_periodic(0, UINT64_MAX), -EINVAL);
    assert_int_equal(vop(VCPUOP_set_periodic_timer, 0, GPA_HOLE - 4), -EFAULT);
    assert_int_equal(v->periodic_ns, MS);
    assert_int_equal(set_periodic(0, (1ULL << 62) - 1), 0);
    assert_int_equal(v->periodic_ns, (1ULL << 62) - 1);
    /* Another vCPU's periodic timer may be set. */
    assert_int_equal(set_periodic(1, 10 * MS), 0);
    assert_int_equal(d->vcpus[1]->periodic_ns, 10 * MS);
    assert_int_equal(vop(VCPUOP_stop_periodic_timer, 0, 0), 0);
    assert_int_equal(v->periodic_ns, 0);
    assert_int_equal(set_periodic(2, MS), -ENOENT);
}

static long set_singleshot_by(unsigned int caller, uint64_t id,
                              uint64_t timeout, uint32_t flags)
{
    struct vcpu_set_singleshot_timer t = {.timeout_abs_ns = timeout,
                                          .flags = flags};

    memcpy(hc_mem(d, GPA_BUF), &t, sizeof(t));
    return vcpu_op_by(d, caller, VCPUOP_set_singleshot_timer, id, GPA_BUF);
}

static void test_vcpu_singleshot_timer(void **state)
{
    struct vcpu *v = d->vcpus[0];
    uint64_t soon = time_system_ns() + 1000 * MS;

    (void)state;
    assert_int_equal(set_singleshot_by(0, 0, soon, 0), 0);
    assert_true(v->singleshot_armed);
    assert_int_equal(v->singleshot_deadline, soon);
    /* A deadline already past, even with the "future" flag: accepted and
     * due at once (Xen 4.18 and later ignore the flag). */
    assert_int_equal(set_singleshot_by(0, 0, 1, VCPU_SSHOTTMR_future), 0);
    assert_true(v->singleshot_armed);
    assert_int_equal(v->singleshot_deadline, 1);
    /* Only a vCPU's own timer, checked before the argument is read. */
    assert_int_equal(set_singleshot_by(0, 1, soon, 0), -EINVAL);
    assert_int_equal(vcpu_op_by(d, 0, VCPUOP_set_singleshot_timer, 1, GPA_HOLE),
                     -EINVAL);
    assert_false(d->vcpus[1]->singleshot_armed);
    assert_int_equal(vop(VCPUOP_set_singleshot_timer, 0, GPA_HOLE - 4),
                     -EFAULT);
    assert_int_equal(v->singleshot_deadline, 1);
    assert_int_equal(vcpu_op_by(d, 1, VCPUOP_stop_singleshot_timer, 0, 0),
                     -EINVAL);
    assert_true(v->singleshot_armed);
    assert_int_equal(vop(VCPUOP_stop_singleshot_timer, 0, 0), 0);
    assert_false(v->singleshot_armed);
    /* vCPU 1 on itself. */
    assert_int_equal(set_singleshot_by(1, 1, soon, 0), 0);
    assert_true(d->vcpus[1]->singleshot_armed);
    assert_int_equal(vcpu_op_by(d, 1, VCPUOP_stop_singleshot_timer, 1, 0), 0);
    assert_false(d->vcpus[1]->singleshot_armed);
}

static void test_vcpu_unknown_ops(void **state)
{
    static const uint64_t cmds[] = {VCPUOP_initialise,
                                    VCPUOP_send_nmi,
                                    VCPUOP_get_physid,
                                    VCPUOP_register_vcpu_time_memory_area,
                                    VCPUOP_register_runstate_phys_area,
                                    VCPUOP_register_vcpu_time_phys_area,
                                    99,
                                    UINT32_MAX};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        assert_int_equal(vop(cmds[i], 0, GPA_BUF), -ENOSYS);
}

/* ---- VCPUOP_register_vcpu_info ------------------------------------ */

static void test_vcpu_info_register(void **state)
{
    struct xen_shared_info *si = domain_shared_info(d);
    struct vcpu *v0 = d->vcpus[0], *v1 = d->vcpus[1];
    struct page_info *pg = gfn_page(GFN_AREA);
    struct xen_vcpu_info *g0, *g1;

    (void)state;
    assert_ptr_equal(v0->vcpu_info, &si->vcpu_info[0]);
    si->vcpu_info[0].arch.cr2 = 0xc2c2;
    si->vcpu_info[1].arch.cr2 = 0xc3c3;
    assert_int_equal(page_refs(pg), 1);

    assert_int_equal(register_vcpu_info(0, GFN_AREA, 64), 0);
    g0 = hc_mem(d, GPA_AREA + 64);
    /* The old contents came along; everything is marked pending. */
    assert_int_equal(g0->arch.cr2, 0xc2c2);
    assert_int_equal(g0->evtchn_upcall_pending, 1);
    assert_int_equal(g0->evtchn_pending_sel, ~0ULL);
    assert_pvclock_good(&g0->time);
    /* xhv's writes land in the guest's page, and the guest's in xhv's
     * view; shared_info's slot is no longer used. */
    v0->vcpu_info->evtchn_pending_sel = 0x8;
    assert_int_equal(g0->evtchn_pending_sel, 0x8);
    g0->evtchn_upcall_pending = 0;
    assert_int_equal(v0->vcpu_info->evtchn_upcall_pending, 0);
    assert_int_equal(si->vcpu_info[0].evtchn_pending_sel, 0);
    /* The page is held: one general and one writable type reference. */
    assert_ptr_equal(v0->vcpu_info_page, pg);
    assert_int_equal(page_refs(pg), 2);
    assert_int_equal(page_type_refs(pg), 1);

    /* Once per vCPU. */
    assert_int_equal(register_vcpu_info(0, GFN_AREA + 1, 0), -EBUSY);
    assert_int_equal(register_vcpu_info(0, GFN_AREA, 64), -EBUSY);
    assert_int_equal(page_refs(pg), 2);

    /* vCPU 1, from vCPU 0, at the last place in the same page. */
    assert_int_equal(register_vcpu_info(1, GFN_AREA, 4032), 0);
    g1 = hc_mem(d, GPA_AREA + 4032);
    assert_int_equal(g1->arch.cr2, 0xc3c3);
    assert_pvclock_good(&g1->time);
    assert_ptr_equal(v1->vcpu_info_page, pg);
    assert_int_equal(page_refs(pg), 3);
    assert_int_equal(page_type_refs(pg), 2);
    /* A rewrite of the record reaches the guest's page. */
    g1->time.version = 40;
    time_update_vcpu(v1);
    assert_int_equal(g1->time.version, 42);
    assert_pvclock_good(&g1->time);
}

static void test_vcpu_info_hostile(void **state)
{
    struct xen_shared_info *si = domain_shared_info(d);
    struct vcpu *v = d->vcpus[0];
    struct page_info *pg = gfn_page(GFN_AREA);
    const gfn_t si_gfn = 0x40000; /* in the window, above RAM */

    (void)state;
    /* The argument itself unreadable. */
    assert_int_equal(vop(VCPUOP_register_vcpu_info, 0, GPA_HOLE), -EFAULT);
    assert_int_equal(vop(VCPUOP_register_vcpu_info, 0, GPA_HOLE - 8), -EFAULT);
    /* Offsets outside the frame, frames outside the address space. */
    assert_int_equal(register_vcpu_info(0, GFN_AREA, 4096), -EINVAL);
    assert_int_equal(register_vcpu_info(0, GFN_AREA, UINT32_MAX), -EINVAL);
    assert_int_equal(register_vcpu_info(0, 1ULL << 52, 0), -EINVAL);
    assert_int_equal(register_vcpu_info(0, UINT64_MAX, 0), -EINVAL);
    assert_int_equal(register_vcpu_info(0, (1ULL << 52) - 1, 4095), -EINVAL);
    /* Crossing the end of the page, or misaligned. */
    assert_int_equal(register_vcpu_info(0, GFN_AREA, 4033), -ENXIO);
    assert_int_equal(register_vcpu_info(0, GFN_AREA, 4040), -ENXIO);
    assert_int_equal(register_vcpu_info(0, GFN_AREA, 4), -ENXIO);
    /* Frames that are not the guest's RAM. */
    assert_int_equal(register_vcpu_info(0, GPA_HOLE >> PAGE_SHIFT, 0), -EINVAL);
    assert_int_equal(register_vcpu_info(0, 1ULL << 40, 0), -EINVAL);
    assert_int_equal(domain_map_shared_info(d, 0, si_gfn), 0);
    assert_int_equal(register_vcpu_info(0, si_gfn, 0), -EINVAL);
    /* vCPUs that do not exist. */
    assert_int_equal(register_vcpu_info(2, GFN_AREA, 0), -ENOENT);
    assert_int_equal(register_vcpu_info(UINT32_MAX, GFN_AREA, 0), -ENOENT);
    /* The page type cannot be taken. */
    assert_int_equal(fault_arm("area_get_page", 1, FAULT_TRANSIENT), 0);
    assert_int_equal(register_vcpu_info(0, GFN_AREA, 0), -EACCES);
    fault_disarm();

    /* None of it changed anything. */
    assert_ptr_equal(v->vcpu_info, &si->vcpu_info[0]);
    assert_null(v->vcpu_info_page);
    assert_int_equal(page_refs(pg), 1);
    assert_int_equal(page_type_refs(pg), 0);
    assert_int_equal(register_vcpu_info(0, GFN_AREA, 0), 0);
}

/* vCPUs past shared_info's 32 slots start on the dummy. */
static void test_vcpu_info_high_vcpu(void **state)
{
    struct domain *big = hc_domain_create("big", 4, 33);
    struct vcpu *v = big->vcpus[32];
    struct xen_vcpu_info *g;

    (void)state;
    assert_ptr_equal(v->vcpu_info, &v->dummy_vcpu_info);
    v->dummy_vcpu_info.arch.cr2 = 0xdead;
    memset(hc_mem(big, GPA_AREA), 0xff, PAGE_SIZE);
    assert_int_equal(register_vcpu_info_in(big, 32, GFN_AREA, 128), 0);
    g = hc_mem(big, GPA_AREA + 128);
    /* Starts from zero, as Xen's does, not from the dummy's contents. */
    assert_int_equal(g->arch.cr2, 0);
    assert_int_equal(g->evtchn_upcall_mask, 0);
    assert_int_equal(g->evtchn_upcall_pending, 1);
    assert_pvclock_good(&g->time);
    hc_domain_destroy(big);
}

/*
 * The guest balloons the registered gfn out: the page leaves its physmap
 * but stays the domain's, alive, until the domain goes.
 */
static void test_vcpu_info_outlives_balloon(void **state)
{
    struct vcpu *v = d->vcpus[0];
    struct page_info *pg = gfn_page(GFN_AREA);
    struct xen_vcpu_info *x;
    uint64_t tot;

    (void)state;
    assert_int_equal(register_vcpu_info(0, GFN_AREA, 256), 0);
    x = (struct xen_vcpu_info *)((uint8_t *)mfn_to_virt(page_to_mfn(pg)) + 256);
    tot = mm_owner_tot_pages(&d->mm);
    assert_int_equal(p2m_remove_ram(&d->p2m, GFN_AREA), 0);
    assert_null(p2m_gfn_to_virt(&d->p2m, GFN_AREA));
    /* Only the vcpu_info reference is left; the page is still owned, and
     * still counted against the domain until it is freed, as in Xen. */
    assert_ptr_equal(page_get_owner(pg), &d->mm);
    assert_int_equal(page_refs(pg), 1);
    assert_false(__atomic_load_n(&pg->count_info, __ATOMIC_RELAXED) &
                 PGC_allocated);
    assert_int_equal(mm_owner_tot_pages(&d->mm), tot);
    /* And still usable: writes and a time update land in it. */
    v->vcpu_info->evtchn_pending_sel = 0x55;
    assert_int_equal(x->evtchn_pending_sel, 0x55);
    time_update_vcpu(v);
    assert_pvclock_good(&x->time);
    xt_assert_audit_clean();

    /* Destroying the domain drops the last reference, before the rest
     * of its pages go: the page is free and the audit clean. */
    hc_domain_destroy(d);
    d = NULL;
    assert_true(page_is_free(pg));
}

/* ---- Time records ------------------------------------------------- */

static void test_wallclock(void **state)
{
    struct xen_shared_info *si = domain_shared_info(d);
    uint64_t base, sys, before, after;
    uint8_t flags;
    uint32_t ver;

    (void)state;
    ver = si->wc_version;
    assert_true(ver != 0 && !(ver & 1));
    /* Wall time now = wallclock + system time: the real time. */
    assert_int_equal(guest_wallclock_read(si, &base), 0);
    before = realtime_ns();
    assert_int_equal(guest_pvclock_read(&si->vcpu_info[0].time, &sys, &flags),
                     0);
    after = realtime_ns();
    if (!time_within(base + sys, before, after))
        fail_msg("guest wall time %llu, host %llu-%llu",
                 (unsigned long long)(base + sys), (unsigned long long)before,
                 (unsigned long long)after);
    /* A rewrite moves the version on by two and stays even. */
    time_update_wallclock(d);
    assert_int_equal(si->wc_version, ver + 2);
    /* A guest never takes a record caught mid-update; the next rewrite
     * makes the version odd and even again from wherever it was. */
    si->wc_version = 7;
    assert_int_equal(guest_wallclock_read(si, &base), -EAGAIN);
    time_update_wallclock(d);
    assert_int_equal(si->wc_version, 10);
    assert_int_equal(guest_wallclock_read(si, &base), 0);
}

static void test_pvclock(void **state)
{
    struct xen_shared_info *si = domain_shared_info(d);
    struct xen_vcpu_time_info *t = &si->vcpu_info[1].time;
    const struct time_tsc *tsc = time_tsc();
    uint64_t now;
    uint8_t flags;

    (void)state;
    /* Every vCPU has a good record from creation on. */
    assert_true(si->vcpu_info[0].time.version &&
                !(si->vcpu_info[0].time.version & 1));
    assert_pvclock_good(&si->vcpu_info[0].time);
    assert_pvclock_good(t);
    assert_int_equal(t->tsc_to_system_mul, tsc->mul);
    assert_int_equal(t->tsc_shift, tsc->shift);
    assert_true(tsc->hz >= 100000000ULL);
    /* Caught mid-update, then repaired. */
    t->version |= 1;
    assert_int_equal(guest_pvclock_read(t, &now, &flags), -EAGAIN);
    time_update_vcpu(d->vcpus[1]);
    assert_false(t->version & 1);
    assert_pvclock_good(t);
}

static void test_time_scale(void **state)
{
    static const uint64_t hz[] = {1,          33333333,    100000000,
                                  1000000000, 2450000000,  3000000000,
                                  3999999999, 10000000000, 250000000000};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(hz) / sizeof(hz[0]); i++) {
        uint32_t mul;
        int8_t shift;

        time_scale_init(hz[i], &mul, &shift);
        /* All 32 bits of the factor carry precision. */
        assert_true(mul >= 0x80000000U);
        /* One second of ticks is a second, to a few ns. */
        assert_true(
            abs_diff(time_scale_delta(hz[i], mul, shift), NSEC_PER_SEC) <= 4);
        assert_true(abs_diff((uint64_t)guest_scale((int64_t)hz[i], mul, shift),
                             NSEC_PER_SEC) <= 4);
        assert_int_equal(time_scale_delta(0, mul, shift), 0);
    }
}

/* ---- A guest on its own thread ------------------------------------ */

struct time_guest {
    long rc;
    unsigned int torn; /* no stable version seen */
    unsigned int off;  /* outside the tolerance */
    unsigned int reads;
    unsigned int updates; /* atomic: records xhv has rewritten */
    bool done;            /* atomic */
};

static long guest_get_time(struct sim_vcpu *sv, uint64_t *now)
{
    struct xen_hvm_get_time ht;
    long rc;

    rc = sim_hypercall(sv, __HYPERVISOR_hvm_op, HVMOP_get_time, GPA_BUF2, 0, 0,
                       0);
    memcpy(&ht, sim_gpa(sv, GPA_BUF2, sizeof(ht)), sizeof(ht));
    *now = ht.now;
    return rc;
}

/* Registers its vcpu_info and reads time from it while xhv rewrites it. */
static void time_guest(struct sim_vcpu *sv, void *arg)
{
    struct vcpu_register_vcpu_info r = {.mfn = GFN_AREA, .offset = 0};
    struct time_guest *g = arg;
    const struct xen_vcpu_time_info *t;
    unsigned int i;

    memcpy(sim_gpa(sv, GPA_BUF, sizeof(r)), &r, sizeof(r));
    g->rc = sim_hypercall(sv, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info,
                          sim_vcpu_id(sv), GPA_BUF, 0, 0);
    t = sim_gpa(sv, GPA_AREA + offsetof(struct xen_vcpu_info, time),
                sizeof(*t));
    /* Read only once xhv is rewriting this very record. */
    i = __atomic_load_n(&g->updates, __ATOMIC_ACQUIRE);
    while (__atomic_load_n(&g->updates, __ATOMIC_ACQUIRE) < i + 16)
        sched_yield();
    for (i = 0; g->rc == 0 && i < 2000; i++) {
        uint64_t now, before, after;
        uint8_t flags;

        if (guest_get_time(sv, &before))
            break;
        if (guest_pvclock_read(t, &now, &flags))
            g->torn++;
        if (guest_get_time(sv, &after))
            break;
        if (!time_within(now, before, after))
            g->off++;
        g->reads++;
    }
    __atomic_store_n(&g->done, true, __ATOMIC_RELEASE);
}

static void test_sim_guest_time(void **state)
{
    struct time_guest g = {.rc = -1};

    (void)state;
    assert_int_equal(sim_vcpu_start(d, 0, time_guest, &g), 0);
    while (!__atomic_load_n(&g.done, __ATOMIC_ACQUIRE)) {
        time_update_vcpu(d->vcpus[0]);
        __atomic_add_fetch(&g.updates, 1, __ATOMIC_RELEASE);
    }
    assert_int_equal(sim_vcpu_join(d, 0, 5000), 0);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.torn, 0);
    assert_int_equal(g.off, 0);
    assert_int_equal(g.reads, 2000);
    assert_true(g.updates > 16);
}

/* ---- Failure points ----------------------------------------------- */

/* A domain built, vCPU 1's vcpu_info registered by vCPU 0, the domain
 * killed. */
static int register_scenario(void *ctx)
{
    struct domain_params p = {
        .name = "flt", .memory_pages = 1024, .max_pages = 1024, .vcpus = 2};
    struct vcpu_register_vcpu_info r = {.mfn = GFN_AREA, .offset = 64};
    struct hcall h = {.op = __HYPERVISOR_vcpu_op,
                      .arg = {VCPUOP_register_vcpu_info, 1, GPA_BUF}};
    struct domain *fd;
    long rc;

    (void)ctx;
    rc = domain_create(&p, &fd);
    if (rc)
        return (int)rc;
    memcpy(hc_mem(fd, GPA_BUF), &r, sizeof(r));
    rc = hypercall_dispatch(fd->vcpus[0], &h);
    domain_kill(fd);
    put_domain(fd);
    return (int)rc;
}

static void register_check(void *ctx, int rc)
{
    (void)ctx, (void)rc;
    xt_assert_audit_clean();
}

static void test_fault_register(void **state)
{
    unsigned long points;

    (void)state;
    points =
        xt_fault_loop(FAULT_SITE_ANY, register_scenario, register_check, NULL);
    assert_true(points > 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_hvm_param_round_trip),
        T(test_hvm_param_permissions),
        T(test_hvm_param_hostile),
        T(test_hvm_get_time),
        T(test_hvm_upcall_vector),
        T(test_hvm_unknown_ops),
        T(test_vcpu_up_down),
        T(test_vcpu_runstate),
        T(test_vcpu_runstate_area),
        T(test_vcpu_periodic_timer),
        T(test_vcpu_singleshot_timer),
        T(test_vcpu_unknown_ops),
        T(test_vcpu_info_register),
        T(test_vcpu_info_hostile),
        T(test_vcpu_info_high_vcpu),
        T(test_vcpu_info_outlives_balloon),
        T(test_wallclock),
        T(test_pvclock),
        T(test_time_scale),
        T(test_sim_guest_time),
        T(test_fault_register),
    };
#undef T
    return cmocka_run_group_tests_name("hypercall_hvm_vcpu", tests, NULL, NULL);
}
