/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Timers on system time: a callback run once at a deadline, or every
 * period from it. xhv uses them for the vCPU timers (VIRQ_TIMER).
 *
 * One timer thread per process runs every callback, one at a time, so a
 * callback never races another callback. The thread is started on the
 * first timer_set() and runs until timers_shutdown().
 *
 * The owner embeds struct timer in its own object and must not free it
 * until timer_kill() has returned: that both takes the timer off the
 * queue and waits for a callback already under way to finish.
 *
 * Locking: the timer lock is a leaf for callers (timer_set(), timer_stop()
 * and timer_kill() take nothing else), and no callback runs under it, so
 * a callback may take any lock its owner allows. timer_kill() waits for
 * the callback: it must not be called from one, nor with a lock held that
 * a callback takes.
 */
#ifndef XHV_TIME_TIMER_H
#define XHV_TIME_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/list.h"

typedef void (*timer_fn)(void *data);

struct timer {
    timer_fn fn; /* set once by timer_init() */
    void *data;
    /* The rest is protected by the timer lock. */
    uint64_t deadline; /* system ns of the next firing, while queued */
    uint64_t period;   /* ns; 0 for one firing */
    bool queued;       /* on the queue, which is ordered by deadline */
    bool running;      /* fn is being called by the timer thread */
    struct list_head link;
};

void timer_init(struct timer *t, timer_fn fn, void *data);
/*
 * (Re)arms t for deadline (system ns; one already past is due at once),
 * then every period ns if period is not 0. Replaces an earlier setting.
 * 0, or -errno when the timer thread could not be started.
 */
int timer_set(struct timer *t, uint64_t deadline, uint64_t period);
/* Disarms t; a callback already under way still finishes. */
void timer_stop(struct timer *t);
/* Disarms t and waits until no callback of t runs: t may then be freed. */
void timer_kill(struct timer *t);
/* Neither armed nor running (for assertions). */
bool timer_idle(struct timer *t);
/* Stops the timer thread once no timer is armed (tests, xhvd exit);
 * -EBUSY while one is. The next timer_set() starts it again. */
int timers_shutdown(void);

#endif /* XHV_TIME_TIMER_H */
