/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * System time and the wallclock.
 *
 * The time base is CLOCK_MONOTONIC read once, under pthread_once, the
 * first time anyone asks for system time; it never changes afterwards, so
 * reading it needs no lock. (A live update must hand the base to the new
 * xhvd, or guests would see system time jump backwards.)
 *
 * The wallclock in shared_info is the wall-clock time at system time 0,
 * recomputed on each write from a CLOCK_REALTIME reading bracketed by two
 * system-time readings, so a change of the host's clock reaches guests the
 * next time the wallclock is written.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "time/time.h"

static pthread_once_t base_once = PTHREAD_ONCE_INIT;
static uint64_t base_ns; /* written once under base_once */

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t preset_ns; /* live update: the old xhvd's base, or 0 */

static void base_init(void)
{
    base_ns = preset_ns ? preset_ns : clock_ns(CLOCK_MONOTONIC);
}

uint64_t time_system_base(void)
{
    pthread_once(&base_once, base_init);
    return base_ns;
}

int time_system_base_inherit(uint64_t base)
{
    uint64_t now = clock_ns(CLOCK_MONOTONIC);

    /* CLOCK_MONOTONIC is one clock for every process on the host, so the
     * old base still means the same instant; one from the future is not
     * a base but a corrupt record. */
    if (base == 0 || base > now)
        return -EINVAL;
    preset_ns = base;
    pthread_once(&base_once, base_init);
    return base_ns == base ? 0 : -EBUSY;
}

uint64_t time_system_ns(void)
{
    pthread_once(&base_once, base_init);
    return clock_ns(CLOCK_MONOTONIC) - base_ns;
}

void time_wallclock_base(uint64_t *sec, uint32_t *nsec)
{
    uint64_t s0, s1, wall;

    s0 = time_system_ns();
    wall = clock_ns(CLOCK_REALTIME);
    s1 = time_system_ns();
    /* The wall-clock reading sits between the two system-time ones. */
    s0 += (s1 - s0) / 2;
    wall = wall > s0 ? wall - s0 : 0;
    *sec = wall / NSEC_PER_SEC;
    *nsec = (uint32_t)(wall % NSEC_PER_SEC);
}

void time_wallclock_write(struct xen_shared_info *si)
{
    uint32_t ver = __atomic_load_n(&si->wc_version, __ATOMIC_RELAXED);
    uint64_t sec;
    uint32_t nsec;

    time_wallclock_base(&sec, &nsec);
    /* Odd even if the guest scribbled an odd value there itself. */
    ver = (ver + 1) | 1;
    __atomic_store_n(&si->wc_version, ver, __ATOMIC_RELAXED);
    /* Release stores keep the odd version visible before any field
     * changes: pairs with the guest's read barrier between reading
     * wc_version and the fields. */
    __atomic_store_n(&si->wc_sec, (uint32_t)sec, __ATOMIC_RELEASE);
    __atomic_store_n(&si->wc_nsec, nsec, __ATOMIC_RELEASE);
    __atomic_store_n(&si->wc_sec_hi, (uint32_t)(sec >> 32), __ATOMIC_RELEASE);
    /* The fields are visible before the even version: pairs with the
     * guest's read barrier between the fields and its second read of
     * wc_version. */
    __atomic_store_n(&si->wc_version, ver + 1, __ATOMIC_RELEASE);
}
