/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sim backend (see sim.h). Each vCPU's thread runs its guest function
 * once; stop() waits for every started function to return, so a sim guest
 * must return when a hypercall tells it the domain is going (sim_hypercall
 * returns -ESRCH once the domain is dying).
 *
 * Programs (program.c) are guest functions of another shape: a step run
 * over and over by sim_program_loop(), with a checkpoint between steps
 * where the vCPU can be parked (live update), held (domain paused) or told
 * to leave (domain dying). All their state is in guest memory, so a
 * program can be parked in one xhvd and started again in the next.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "backend/sim/sim.h"
#include "hypercall/hypercall.h"
#include "lib/alloc.h"
#include "lib/deadline.h"
#include "lib/log.h"

struct sim_vcpu {
    struct vcpu *v;
    pthread_t thread;
    bool started;
    bool done;          /* protected by sim_domain.lock */
    uint64_t upcalls;   /* protected by sim_domain.lock */
    bool at_checkpoint; /* protected by sim_domain.lock */
    sim_guest_fn fn;
    void *arg;
    /* The pages this step wrote (sim_gpa()), marked dirty again when the
     * step ends; only this vCPU's thread touches them. */
    gfn_t written[SIM_STEP_WRITES];
    unsigned int nr_written;
    bool written_overflow;
};

struct sim_domain {
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    /* Signalled on every upcall. sim_domain.lock is a leaf: the upcall
     * hook takes it under the event-channel lock. */
    pthread_cond_t upcall_cond;
    /* Checkpoint control, all under lock: stopping ends every program
     * loop; park holds each at its next checkpoint; nr_parked counts those
     * held there, signalled on park_cond. */
    bool stopping, park;
    unsigned int nr_parked;
    pthread_cond_t park_cond;
    unsigned int nr;
    struct sim_vcpu vcpus[];
};

static struct sim_domain *sim_of(struct domain *d)
{
    return d->backend_priv;
}

static int sim_translate(struct vcpu *v, uint64_t gva, bool write,
                         uint64_t *gpa)
{
    (void)v, (void)write;
    *gpa = gva;
    return 0;
}

static void sim_stop(struct domain *d)
{
    struct sim_domain *s = sim_of(d);
    unsigned int i;

    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_broadcast(&s->upcall_cond);
    pthread_cond_broadcast(&s->park_cond);
    pthread_mutex_unlock(&s->lock);

    for (i = 0; i < s->nr; i++) {
        if (s->vcpus[i].started) {
            pthread_join(s->vcpus[i].thread, NULL);
            s->vcpus[i].started = false;
        }
    }
}

static void sim_destroy(struct domain *d)
{
    struct sim_domain *s = sim_of(d);

    sim_stop(d);
    pthread_cond_destroy(&s->upcall_cond);
    pthread_cond_destroy(&s->park_cond);
    pthread_cond_destroy(&s->done_cond);
    pthread_mutex_destroy(&s->lock);
    xhv_free(s);
    d->backend_priv = NULL;
}

static void sim_upcall(struct vcpu *v)
{
    struct sim_domain *s = sim_of(v->domain);

    pthread_mutex_lock(&s->lock);
    s->vcpus[v->id].upcalls++;
    pthread_cond_broadcast(&s->upcall_cond);
    pthread_mutex_unlock(&s->lock);
}

static const struct domain_backend sim_backend = {
    .name = "sim",
    .translate = sim_translate,
    .stop = sim_stop,
    .destroy = sim_destroy,
    .upcall = sim_upcall,
};

int sim_domain_attach(struct domain *d)
{
    struct sim_domain *s;
    unsigned int i;

    if (d->backend)
        return -EBUSY;
    s = xhv_calloc(1, sizeof(*s) + d->nr_vcpus * sizeof(s->vcpus[0]));
    if (!s)
        return -ENOMEM;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->done_cond, NULL);
    pthread_cond_init(&s->upcall_cond, NULL);
    pthread_cond_init(&s->park_cond, NULL);
    s->nr = d->nr_vcpus;
    for (i = 0; i < s->nr; i++)
        s->vcpus[i].v = d->vcpus[i];
    d->backend_priv = s;
    d->backend = &sim_backend;
    return 0;
}

static void *vcpu_thread(void *p)
{
    struct sim_vcpu *sv = p;
    struct sim_domain *s = sim_of(sv->v->domain);

    sv->fn(sv, sv->arg);
    pthread_mutex_lock(&s->lock);
    sv->done = true;
    pthread_cond_broadcast(&s->done_cond);
    pthread_cond_broadcast(&s->park_cond); /* a parker may count on us */
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int sim_vcpu_start(struct domain *d, unsigned int id, sim_guest_fn fn,
                   void *arg)
{
    struct sim_domain *s = sim_of(d);
    struct sim_vcpu *sv;
    int rc;

    if (!s || d->backend != &sim_backend || id >= s->nr)
        return -EINVAL;
    sv = &s->vcpus[id];
    if (sv->started)
        return -EBUSY;
    sv->fn = fn;
    sv->arg = arg;
    sv->done = false;
    rc = pthread_create(&sv->thread, NULL, vcpu_thread, sv);
    if (rc)
        return -rc;
    sv->started = true;
    return 0;
}

uint64_t sim_upcall_count(struct domain *d, unsigned int vcpu)
{
    uint64_t n = 0;

    sim_wait_upcall(d, vcpu, &n, 0);
    return n;
}

int sim_wait_upcall(struct domain *d, unsigned int vcpu, uint64_t *count,
                    int timeout_ms)
{
    struct sim_domain *s = d->backend == &sim_backend ? sim_of(d) : NULL;
    uint64_t seen = *count;
    struct timespec ts;

    if (!s || vcpu >= s->nr)
        return -EINVAL;
    xhv_deadline_ms(&ts, timeout_ms);
    pthread_mutex_lock(&s->lock);
    while (s->vcpus[vcpu].upcalls <= seen &&
           pthread_cond_timedwait(&s->upcall_cond, &s->lock, &ts) == 0)
        ;
    *count = s->vcpus[vcpu].upcalls;
    pthread_mutex_unlock(&s->lock);
    return *count > seen ? 0 : -ETIMEDOUT;
}

int sim_vcpu_join(struct domain *d, unsigned int id, int timeout_ms)
{
    struct sim_domain *s = sim_of(d);
    struct timespec ts;
    int rc = 0;

    if (!s || id >= s->nr || !s->vcpus[id].started)
        return -EINVAL;
    xhv_deadline_ms(&ts, timeout_ms);
    pthread_mutex_lock(&s->lock);
    while (!s->vcpus[id].done && rc == 0)
        rc = pthread_cond_timedwait(&s->done_cond, &s->lock, &ts);
    pthread_mutex_unlock(&s->lock);
    if (rc)
        return -ETIMEDOUT;
    pthread_join(s->vcpus[id].thread, NULL);
    s->vcpus[id].started = false;
    return 0;
}

long sim_hypercall(struct sim_vcpu *sv, uint64_t op, uint64_t a0, uint64_t a1,
                   uint64_t a2, uint64_t a3, uint64_t a4)
{
    struct hcall h = {.op = op, .arg = {a0, a1, a2, a3, a4}};

    if (domain_get_state(sv->v->domain) >= DOMAIN_DYING)
        return -ESRCH;
    return hypercall_dispatch(sv->v, &h);
}

void *sim_gpa_ro(struct sim_vcpu *sv, uint64_t gpa, size_t len)
{
    uint8_t *page;

    if ((gpa & (PAGE_SIZE - 1)) + len > PAGE_SIZE)
        return NULL;
    page = p2m_gfn_to_virt(&sv->v->domain->p2m, gpa >> PAGE_SHIFT);
    return page ? page + (gpa & (PAGE_SIZE - 1)) : NULL;
}

/*
 * A guest's write, as KVM's dirty log would see it. Marking when the
 * pointer is handed out is not enough on its own: a harvest between the
 * mark and the write would send the page before the write. So the page is
 * remembered and marked again when the step ends (sim_program_loop),
 * after every write of the step; a migration's final round runs with the
 * vCPU parked between steps.
 */
void *sim_gpa(struct sim_vcpu *sv, uint64_t gpa, size_t len)
{
    struct p2m *p = &sv->v->domain->p2m;
    void *va = sim_gpa_ro(sv, gpa, len);
    gfn_t gfn = gpa >> PAGE_SHIFT;

    if (!va || !p2m_log_dirty_on(p))
        return va;
    p2m_mark_dirty(p, gfn);
    if (sv->nr_written && sv->written[sv->nr_written - 1] == gfn)
        return va;
    if (sv->nr_written < SIM_STEP_WRITES)
        sv->written[sv->nr_written++] = gfn;
    else
        sv->written_overflow = true;
    return va;
}

static void step_written(struct sim_vcpu *sv)
{
    struct p2m *p = &sv->v->domain->p2m;
    unsigned int i;

    if (sv->written_overflow)
        p2m_mark_dirty_all(p);
    for (i = 0; i < sv->nr_written; i++)
        p2m_mark_dirty(p, sv->written[i]);
    sv->nr_written = 0;
    sv->written_overflow = false;
}

unsigned int sim_vcpu_id(const struct sim_vcpu *sv)
{
    return sv->v->id;
}

struct vcpu *sim_vcpu(struct sim_vcpu *sv)
{
    return sv->v;
}

/*
 * The checkpoint between two program steps. Returns 0 to run the next
 * step, after holding the vCPU while it is parked or its domain paused, or
 * -ESRCH when the loop must end (the domain is stopping). A paused domain
 * is looked at again every PAUSE_RECHECK_MS: domain_pause() has no backend
 * hook to wake us, and a paused sim guest costs nothing meanwhile.
 */
#define PAUSE_RECHECK_MS 20
static int checkpoint(struct sim_vcpu *sv, struct sim_domain *s)
{
    struct domain *d = sv->v->domain;
    struct timespec ts;
    int rc = 0;

    for (;;) {
        enum domain_state st = domain_get_state(d);

        pthread_mutex_lock(&s->lock);
        if (s->stopping || st >= DOMAIN_DYING) {
            rc = -ESRCH;
        } else if (s->park) {
            sv->at_checkpoint = true;
            s->nr_parked++;
            pthread_cond_broadcast(&s->park_cond);
            while (s->park && !s->stopping)
                pthread_cond_wait(&s->park_cond, &s->lock);
            s->nr_parked--;
            sv->at_checkpoint = false;
            pthread_mutex_unlock(&s->lock);
            continue;
        } else if (st == DOMAIN_PAUSED || st == DOMAIN_CREATED) {
            xhv_deadline_ms(&ts, PAUSE_RECHECK_MS);
            pthread_cond_timedwait(&s->park_cond, &s->lock, &ts);
            pthread_mutex_unlock(&s->lock);
            continue;
        }
        pthread_mutex_unlock(&s->lock);
        return rc;
    }
}

/* Idles up to ns, or until an upcall, a park or a stop. */
static void idle(struct sim_vcpu *sv, struct sim_domain *s, int64_t ns)
{
    struct timespec ts;
    uint64_t seen;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ns / 1000000000;
    ts.tv_nsec += ns % 1000000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&s->lock);
    seen = sv->upcalls;
    while (sv->upcalls == seen && !s->park && !s->stopping &&
           pthread_cond_timedwait(&s->upcall_cond, &s->lock, &ts) == 0)
        ;
    pthread_mutex_unlock(&s->lock);
}

void sim_program_loop(struct sim_vcpu *sv, void *arg)
{
    const struct sim_program *prog = arg;
    struct sim_domain *s = sim_of(sv->v->domain);
    int64_t ns;

    while (checkpoint(sv, s) == 0) {
        ns = prog->step(sv);
        step_written(sv);
        if (ns < 0)
            break;
        if (ns > 0)
            idle(sv, s, ns);
    }
}

int sim_domain_park(struct domain *d, int timeout_ms)
{
    struct sim_domain *s = d->backend == &sim_backend ? sim_of(d) : NULL;
    struct timespec ts;
    unsigned int i, want = 0;
    int rc = 0;

    if (!s)
        return -EINVAL;
    xhv_deadline_ms(&ts, timeout_ms);
    pthread_mutex_lock(&s->lock);
    s->park = true;
    pthread_cond_broadcast(&s->upcall_cond);
    pthread_cond_broadcast(&s->park_cond);
    for (i = 0; i < s->nr; i++)
        if (s->vcpus[i].started && !s->vcpus[i].done)
            want++;
    /* A loop that ended (guest shut down) counts as parked: it is done. */
    while (rc == 0 && s->nr_parked < want) {
        rc = pthread_cond_timedwait(&s->park_cond, &s->lock, &ts);
        want = 0;
        for (i = 0; i < s->nr; i++)
            if (s->vcpus[i].started && !s->vcpus[i].done)
                want++;
    }
    if (rc) {
        s->park = false;
        pthread_cond_broadcast(&s->park_cond);
    }
    pthread_mutex_unlock(&s->lock);
    return rc ? -ETIMEDOUT : 0;
}

void sim_domain_hold(struct domain *d)
{
    struct sim_domain *s = d->backend == &sim_backend ? sim_of(d) : NULL;

    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->park = true;
    /* Idle vCPUs wake to see it. */
    pthread_cond_broadcast(&s->upcall_cond);
    pthread_mutex_unlock(&s->lock);
}

void sim_domain_unpark(struct domain *d)
{
    struct sim_domain *s = d->backend == &sim_backend ? sim_of(d) : NULL;

    /* A live update that froze the FIFO state is being rolled back (or a
     * migration that did not freeze it: nothing to do). */
    evtchn_fifo_thaw(d);
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->park = false;
    pthread_cond_broadcast(&s->park_cond);
    pthread_mutex_unlock(&s->lock);
}

bool sim_domain_is(const struct domain *d)
{
    return d->backend == &sim_backend;
}

const char *sim_domain_program(struct domain *d)
{
    struct sim_domain *s = sim_domain_is(d) ? sim_of(d) : NULL;

    if (!s || !s->nr || s->vcpus[0].fn != sim_program_loop)
        return "";
    return ((const struct sim_program *)s->vcpus[0].arg)->name;
}
