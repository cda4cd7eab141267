/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Time as guests see it: system time, the wallclock in shared_info and
 * the per-vCPU pvclock record.
 *
 * System time is what Xen calls NOW(): nanoseconds on one clock shared by
 * every domain. xhv takes CLOCK_MONOTONIC and subtracts a base read once
 * per process, on first use (normally while xhvd starts), so system time
 * only ever goes forward and every domain agrees on it.
 *
 * Guests read time without a hypercall from two records that xhv
 * rewrites under a version protocol: the version is made odd, the fields
 * are written, the version is made even again. A reader that sees an odd
 * version, or a different version after reading, reads again.
 *   - wallclock (shared_info wc_*): the wall-clock time at system time 0;
 *   - pvclock (vcpu_info.time): a (TSC, system time) pair and the factor
 *     that turns TSC ticks into nanoseconds, so the guest computes
 *       now = system_time + scale(tsc - tsc_timestamp).
 *
 * This module knows the public ABI records, not domains: callers keep the
 * record alive while it is written (the domain layer holds the domain
 * lock, see time_update_wallclock() and time_update_vcpu() in
 * domain/domain.h). Everything here is thread-safe; the one-time setup
 * (time base, TSC calibration) runs under pthread_once.
 */
#ifndef XHV_TIME_TIME_H
#define XHV_TIME_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "xhv/public/xen.h"

#define NSEC_PER_SEC 1000000000ULL

/* System time in ns (Xen's NOW()). */
uint64_t time_system_ns(void);
/* The base: the CLOCK_MONOTONIC reading that is system time 0. */
uint64_t time_system_base(void);
/* Live update: adopt the old xhvd's base. Only before anything has read
 * system time (-EBUSY after), -EINVAL for a base in the future. */
int time_system_base_inherit(uint64_t base);

/* The wall-clock time at system time 0. */
void time_wallclock_base(uint64_t *sec, uint32_t *nsec);

/* Rewrites si's wallclock (wc_sec, wc_nsec, wc_sec_hi) under wc_version. */
void time_wallclock_write(struct xen_shared_info *si);

/* The host TSC as xhv measured it once. */
struct time_tsc {
    uint64_t hz;
    uint32_t mul; /* tsc_to_system_mul */
    int8_t shift; /* tsc_shift */
    bool stable;  /* invariant TSC, and the host itself keeps time by it */
};

const struct time_tsc *time_tsc(void);
/* Live update (exec mode): adopt the old image's measurement instead of
 * measuring. Only before anything asked time_tsc() (-EBUSY after). */
int time_tsc_inherit(uint64_t hz, bool stable);
/* The host TSC now (on hosts without one, CLOCK_MONOTONIC in ns). */
uint64_t time_read_tsc(void);

/*
 * The pvclock scale for a counter of hz ticks per second: ns =
 * (((delta << shift) or (delta >> -shift)) * mul) >> 32, with mul holding
 * 32 significant bits (2^31 <= mul < 2^32).
 */
void time_scale_init(uint64_t hz, uint32_t *mul, int8_t *shift);
uint64_t time_scale_delta(uint64_t delta, uint32_t mul, int8_t shift);

/*
 * Rewrites t under its version: a fresh (TSC, system time) pair, the scale
 * and the flags. tsc_offset is what the guest's TSC adds to the host's
 * (0 when the guest reads the host TSC unchanged).
 */
void time_pvclock_write(struct xen_vcpu_time_info *t, uint64_t tsc_offset);

#endif /* XHV_TIME_TIME_H */
