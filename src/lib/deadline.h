/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Absolute deadlines for pthread_cond_timedwait(), which takes
 * CLOCK_REALTIME: every bounded wait in xhv computes its deadline here.
 */
#ifndef XHV_LIB_DEADLINE_H
#define XHV_LIB_DEADLINE_H

#include <time.h>

static inline void xhv_deadline_ms(struct timespec *ts, int timeout_ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += timeout_ms / 1000;
    ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

#endif /* XHV_LIB_DEADLINE_H */
