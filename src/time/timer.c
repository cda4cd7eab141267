/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The timer thread and its queue (see timer.h).
 *
 * Objects: the queue, a list of armed timers ordered by deadline (earliest
 * first; equal deadlines fire in the order they were set), and one thread
 * that sleeps on a CLOCK_MONOTONIC condition variable until the first
 * deadline, or until a timer_set() puts an earlier one at the head. The
 * timers themselves belong to their owners (struct vcpu for the vCPU
 * timers); the queue only links them.
 *
 * Invariants, under the timer lock:
 *   - t->queued iff t is on the queue;
 *   - t->running for at most one timer, the one whose callback the thread
 *     is calling; the lock is dropped around the call, so a callback may
 *     take its owner's locks and timer_set()/timer_stop() never wait for
 *     one;
 *   - a periodic timer is queued again for its next deadline before its
 *     callback runs, so a timer_stop() or timer_kill() during the
 *     callback finds it queued and takes it off; nothing re-arms a timer
 *     behind the back of the one who stopped it.
 *
 * Freeing: timer_kill() dequeues and then waits on idle_cond until the
 * thread has cleared t->running. After that the thread holds no pointer
 * to t (it dropped it when it cleared running, under the lock), so the
 * owner may free it; this is how vCPU teardown avoids a callback using a
 * freed vCPU.
 *
 * System time is CLOCK_MONOTONIC less a base (time_system_ns()), so a
 * deadline becomes an absolute CLOCK_MONOTONIC time by adding the same
 * offset: waits are immune to the wall clock being set.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "lib/assert.h"
#include "lib/log.h"
#include "time/time.h"
#include "time/timer.h"

/* Longest single sleep; a later deadline is simply waited for again. */
#define TIMER_MAX_SLEEP_NS (3600 * NSEC_PER_SEC)

static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond; /* the thread: queue head changed, or stop */
static pthread_cond_t idle_cond; /* timer_kill(): a callback finished */
static pthread_once_t cond_once = PTHREAD_ONCE_INIT;
/* The rest: timer lock. */
static struct list_head queue = LIST_HEAD_INIT(queue);
static pthread_t thread;
static bool thread_started, thread_stopping;

static void conds_init(void)
{
    pthread_condattr_t a;

    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&wake_cond, &a);
    pthread_cond_init(&idle_cond, &a);
    pthread_condattr_destroy(&a);
}

void timer_init(struct timer *t, timer_fn fn, void *data)
{
    t->fn = fn;
    t->data = data;
    t->deadline = 0;
    t->period = 0;
    t->queued = false;
    t->running = false;
    list_init(&t->link);
}

static void dequeue(struct timer *t)
{
    if (t->queued) {
        list_del(&t->link);
        t->queued = false;
    }
}

/* Inserts t by deadline; true when it became the head. Timer lock held. */
static bool enqueue(struct timer *t)
{
    struct list_head *pos;

    XHV_ASSERT(!t->queued);
    list_for_each(pos,
                  &queue) if (list_entry(pos, struct timer, link)->deadline >
                              t->deadline) break;
    list_add_tail(&t->link, pos);
    t->queued = true;
    return queue.next == &t->link;
}

/* Sleeps until system time deadline, or until woken. Timer lock held. */
static void wait_until(uint64_t deadline)
{
    uint64_t now = time_system_ns(), delta;
    struct timespec ts;

    delta = deadline - now;
    if (delta > TIMER_MAX_SLEEP_NS)
        delta = TIMER_MAX_SLEEP_NS;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(delta / NSEC_PER_SEC);
    ts.tv_nsec += (long)(delta % NSEC_PER_SEC);
    if (ts.tv_nsec >= (long)NSEC_PER_SEC) {
        ts.tv_sec++;
        ts.tv_nsec -= (long)NSEC_PER_SEC;
    }
    pthread_cond_timedwait(&wake_cond, &timer_lock, &ts);
}

/*
 * Fires the head of the queue. A periodic timer's next deadline is one
 * period on; if the thread fell behind by more than that it is one period
 * from now, as in Xen's vcpu_periodic_timer_work(): a late guest gets one
 * tick, not a burst.
 */
static void fire(struct timer *t, uint64_t now)
{
    dequeue(t);
    if (t->period) {
        t->deadline += t->period;
        if (t->deadline <= now)
            t->deadline = now + t->period;
        enqueue(t);
    }
    t->running = true;
    pthread_mutex_unlock(&timer_lock);
    t->fn(t->data);
    pthread_mutex_lock(&timer_lock);
    t->running = false;
    pthread_cond_broadcast(&idle_cond);
}

static void *timer_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&timer_lock);
    while (!thread_stopping) {
        struct timer *t;
        uint64_t now;

        if (list_empty(&queue)) {
            pthread_cond_wait(&wake_cond, &timer_lock);
            continue;
        }
        t = list_entry(queue.next, struct timer, link);
        now = time_system_ns();
        if (t->deadline > now)
            wait_until(t->deadline);
        else
            fire(t, now);
    }
    pthread_mutex_unlock(&timer_lock);
    return NULL;
}

int timer_set(struct timer *t, uint64_t deadline, uint64_t period)
{
    int rc;

    pthread_once(&cond_once, conds_init);
    pthread_mutex_lock(&timer_lock);
    if (!thread_started) {
        rc = pthread_create(&thread, NULL, timer_thread, NULL);
        if (rc) {
            pthread_mutex_unlock(&timer_lock);
            log_err("time", "cannot start the timer thread: %d", rc);
            return -rc;
        }
        thread_started = true;
    }
    dequeue(t);
    t->deadline = deadline;
    t->period = period;
    if (enqueue(t))
        pthread_cond_signal(&wake_cond);
    pthread_mutex_unlock(&timer_lock);
    return 0;
}

void timer_stop(struct timer *t)
{
    /* No wake-up: the thread finds a later head and sleeps again. */
    pthread_mutex_lock(&timer_lock);
    dequeue(t);
    pthread_mutex_unlock(&timer_lock);
}

void timer_kill(struct timer *t)
{
    pthread_mutex_lock(&timer_lock);
    /* Waiting for our own callback would never end. */
    XHV_ASSERT(!t->running || !pthread_equal(thread, pthread_self()));
    dequeue(t);
    while (t->running)
        pthread_cond_wait(&idle_cond, &timer_lock);
    pthread_mutex_unlock(&timer_lock);
}

bool timer_idle(struct timer *t)
{
    bool idle;

    pthread_mutex_lock(&timer_lock);
    idle = !t->queued && !t->running;
    pthread_mutex_unlock(&timer_lock);
    return idle;
}

int timers_shutdown(void)
{
    pthread_mutex_lock(&timer_lock);
    if (!list_empty(&queue)) {
        pthread_mutex_unlock(&timer_lock);
        return -EBUSY;
    }
    if (!thread_started) {
        pthread_mutex_unlock(&timer_lock);
        return 0;
    }
    thread_stopping = true;
    pthread_cond_signal(&wake_cond);
    pthread_mutex_unlock(&timer_lock);
    pthread_join(thread, NULL);
    pthread_mutex_lock(&timer_lock);
    thread_started = false;
    thread_stopping = false;
    pthread_mutex_unlock(&timer_lock);
    return 0;
}
