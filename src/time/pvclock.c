/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pvclock record (vcpu_info.time) and the TSC measurement behind it.
 *
 * The TSC is measured once per process, under pthread_once, against
 * CLOCK_MONOTONIC (the clock system time comes from): two (TSC, system
 * time) samples about 20 ms apart. Measuring against that clock, rather
 * than taking a nominal frequency from CPUID, keeps a guest's pvclock and
 * HVMOP_get_time in step. CPUID leaf 0x15 is the fallback when the
 * measurement is unusable; a host without a TSC counts nanoseconds
 * instead, so the code above it never changes.
 *
 * A record is good until the measured rate drifts from CLOCK_MONOTONIC's;
 * at a few ppm that is milliseconds an hour, so whoever runs vCPUs must
 * rewrite each record now and then (as Xen does every second).
 *
 * XEN_PVCLOCK_TSC_STABLE_BIT tells a guest that TSC readings on different
 * vCPUs may be compared directly; it is set only when the TSC is
 * invariant (CPUID 0x80000007 EDX bit 8) and the host kernel keeps time by
 * it, which is when the host itself trusts it across CPUs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define HAVE_TSC 1
#endif

#include "lib/log.h"
#include "time/time.h"

#define CALIBRATE_NS (20 * 1000000ULL)
#define SAMPLE_TRIES 8
#define CLOCKSOURCE_PATH                                                       \
    "/sys/devices/system/clocksource/clocksource0/current_clocksource"
#define INVARIANT_TSC_BIT (1U << 8)

static pthread_once_t tsc_once = PTHREAD_ONCE_INIT;
static struct time_tsc tsc; /* written once under tsc_once */

uint64_t time_read_tsc(void)
{
#ifdef HAVE_TSC
    /* lfence keeps the read from moving ahead of earlier loads, so a
     * sample brackets what it claims to. */
    __builtin_ia32_lfence();
    return __builtin_ia32_rdtsc();
#else
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
#endif
}

/*
 * A (TSC, system time) pair taken as close together as we can: the
 * system-time read is bracketed by two TSC reads and the tightest bracket
 * of a few tries wins (a try that was preempted or interrupted is wide).
 */
static void sample(uint64_t *tsc_out, uint64_t *sys_out)
{
    uint64_t best = UINT64_MAX;
    int i;

    *tsc_out = *sys_out = 0;
    for (i = 0; i < SAMPLE_TRIES; i++) {
        uint64_t a = time_read_tsc();
        uint64_t s = time_system_ns();
        uint64_t b = time_read_tsc();

        if (i == 0 || b - a < best) {
            best = b - a;
            *tsc_out = a + (b - a) / 2;
            *sys_out = s;
        }
    }
}

void time_scale_init(uint64_t hz, uint32_t *mul, int8_t *shift)
{
    uint64_t num = NSEC_PER_SEC, den = hz ? hz : NSEC_PER_SEC;
    int s = 0;

    /* ns per tick = num / den * 2^s. Bring num / den into [1/2, 1) so
     * that, as a 32-bit binary fraction, it keeps all 32 bits. */
    while (num >= den) {
        den <<= 1;
        s++;
    }
    while (num < den - num) { /* num / den < 1/2 */
        num <<= 1;
        s--;
    }
    *mul = (uint32_t)(((unsigned __int128)num << 32) / den);
    *shift = (int8_t)s;
}

uint64_t time_scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

#ifdef HAVE_TSC
static uint64_t tsc_measure_hz(void)
{
    uint64_t t0, s0, t1, s1;

    sample(&t0, &s0);
    /* Bounded by the clock itself: it always reaches s0 + 20 ms. */
    do
        sample(&t1, &s1);
    while (s1 - s0 < CALIBRATE_NS);
    if (t1 <= t0)
        return 0;
    return (uint64_t)((unsigned __int128)(t1 - t0) * NSEC_PER_SEC / (s1 - s0));
}

/* Intel's TSC/crystal leaf, when it names the crystal's frequency too. */
static uint64_t tsc_cpuid_hz(void)
{
    unsigned int a, b, c, d;

    if ((unsigned int)__get_cpuid_max(0, NULL) < 0x15U)
        return 0;
    __cpuid(0x15, a, b, c, d);
    (void)d;
    if (!a || !b || !c)
        return 0;
    return (uint64_t)c * b / a;
}

static bool host_keeps_time_by_tsc(void)
{
    char buf[32] = "";
    FILE *f = fopen(CLOCKSOURCE_PATH, "r");

    if (!f)
        return false;
    if (!fgets(buf, sizeof(buf), f))
        buf[0] = '\0';
    fclose(f);
    return strcmp(buf, "tsc\n") == 0 || strcmp(buf, "tsc") == 0;
}

static bool tsc_invariant(void)
{
    unsigned int a, b, c, d;

    /* gcc's cpuid.h returns unsigned, clang's int. */
    if ((unsigned int)__get_cpuid_max(0x80000000, NULL) < 0x80000007U)
        return false;
    __cpuid(0x80000007, a, b, c, d);
    (void)a, (void)b, (void)c;
    return d & INVARIANT_TSC_BIT;
}

/* Plausible for any x86 TSC: 100 MHz to 100 GHz. */
static bool hz_plausible(uint64_t hz)
{
    return hz >= 100000000ULL && hz <= 100000000000ULL;
}

static void tsc_init(void)
{
    uint64_t hz = tsc_measure_hz();

    if (!hz_plausible(hz)) {
        uint64_t nominal = tsc_cpuid_hz();

        log_warn("time", "TSC measured at %llu Hz; using %s",
                 (unsigned long long)hz,
                 hz_plausible(nominal) ? "CPUID 0x15" : "1 GHz");
        hz = hz_plausible(nominal) ? nominal : NSEC_PER_SEC;
    }
    tsc.hz = hz;
    tsc.stable = tsc_invariant() && host_keeps_time_by_tsc();
    time_scale_init(hz, &tsc.mul, &tsc.shift);
    log_info("time", "TSC %llu kHz, %s", (unsigned long long)(hz / 1000),
             tsc.stable ? "stable" : "not marked stable");
}
#else
static void tsc_init(void)
{
    /* time_read_tsc() counts nanoseconds here. */
    tsc.hz = NSEC_PER_SEC;
    tsc.stable = false;
    time_scale_init(tsc.hz, &tsc.mul, &tsc.shift);
}
#endif

/* Set only around time_tsc_inherit()'s pthread_once. */
static uint64_t tsc_inherited_hz;
static bool tsc_inherited_stable;

/* An exec-mode live update hands the old image's measurement over, so the
 * new image does not spend tens of ms measuring inside the blackout. */
static void tsc_init_once(void)
{
    if (!tsc_inherited_hz) {
        tsc_init();
        return;
    }
    tsc.hz = tsc_inherited_hz;
    tsc.stable = tsc_inherited_stable;
    time_scale_init(tsc.hz, &tsc.mul, &tsc.shift);
    log_info("time", "TSC %llu kHz, %s (inherited)",
             (unsigned long long)(tsc.hz / 1000),
             tsc.stable ? "stable" : "not marked stable");
}

const struct time_tsc *time_tsc(void)
{
    pthread_once(&tsc_once, tsc_init_once);
    return &tsc;
}

int time_tsc_inherit(uint64_t hz, bool stable)
{
    if (hz < 1000000ULL || hz > 100000000000ULL)
        return -EINVAL;
    tsc_inherited_hz = hz;
    tsc_inherited_stable = stable;
    pthread_once(&tsc_once, tsc_init_once);
    tsc_inherited_hz = 0;
    return tsc.hz == hz ? 0 : -EBUSY;
}

void time_pvclock_write(struct xen_vcpu_time_info *t, uint64_t tsc_offset)
{
    const struct time_tsc *c = time_tsc();
    uint32_t ver = __atomic_load_n(&t->version, __ATOMIC_RELAXED);
    uint64_t now_tsc, now_sys;

    sample(&now_tsc, &now_sys);
    /* Odd even if the guest scribbled an odd value there itself. */
    ver = (ver + 1) | 1;
    __atomic_store_n(&t->version, ver, __ATOMIC_RELAXED);
    /*
     * Each field is a release store, so the odd version is visible before
     * any field changes (x86 keeps stores in order; the release also tells
     * the compiler and TSan). Pairs with the guest's read barrier between
     * reading version and the fields.
     */
    __atomic_store_n(&t->tsc_timestamp, now_tsc + tsc_offset, __ATOMIC_RELEASE);
    __atomic_store_n(&t->system_time, now_sys, __ATOMIC_RELEASE);
    __atomic_store_n(&t->tsc_to_system_mul, c->mul, __ATOMIC_RELEASE);
    __atomic_store_n(&t->tsc_shift, c->shift, __ATOMIC_RELEASE);
    __atomic_store_n(&t->flags, c->stable ? XEN_PVCLOCK_TSC_STABLE_BIT : 0,
                     __ATOMIC_RELEASE);
    /* The fields are visible before the even version: pairs with the
     * guest's read barrier between the fields and its second read of
     * version. */
    __atomic_store_n(&t->version, ver + 1, __ATOMIC_RELEASE);
}
