/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench/evtchn: what an event-channel notification costs between two sim
 * domains, against the same hand-off between two plain host threads.
 *
 * Domains A and B share one interdomain channel. A's vCPU is the bench's
 * main thread; B's vCPU 0 is a sim vCPU thread running a tiny guest that
 * waits for an event, acknowledges it the way a guest does and replies
 * on the same channel. One round trip is: A sends, B wakes, B
 * acknowledges and sends back, A wakes and acknowledges. It is measured
 * with B waiting for its upcall (what a KVM guest gets as an interrupt;
 * sim_wait_upcall()), with B blocked in SCHEDOP_poll, and with B on the
 * FIFO ABI. The baseline is the cheapest hand-off between two threads
 * xhv could use: a mutex and condition variable ping-pong, in the same
 * run. The ratio is what to compare between runs (target: at most 3).
 *
 * One way: A sends back to back while B acknowledges; the figure is
 * events B saw per second (sends to a port still pending coalesce, as
 * they do for a real guest), next to the hand-offs per second of the
 * ping-pong baseline (two per round trip).
 *
 * Each figure is the median of several samples. Output: one "name value
 * unit" line per figure on stdout.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/sim/sim.h"
#include "domain/domain.h"
#include "hypercall/hypercall.h"
#include "time/time.h"
#include "xhv/public/event_channel.h"

#define GPA_ARG    0x40000ULL /* argument blocks, one page per vCPU user */
#define CB_GFN     0x50ULL
#define ARRAY_GFN  0x60ULL
#define NR_SAMPLES 7

enum mode { MODE_UPCALL, MODE_POLL, MODE_FIFO };

struct bench {
    struct domain *a, *b;
    evtchn_port_t pa, pb;
    enum mode mode;
    bool reply;        /* B answers each event (round trips) */
    bool stop;         /* atomic */
    uint64_t b_events; /* atomic: events B acknowledged */
    uint64_t b_seen0;  /* B's upcalls before its guest ran (the bind's) */
    unsigned int iters;
};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void *gmem(struct domain *d, uint64_t gpa)
{
    uint8_t *p = p2m_gfn_to_virt(&d->p2m, gpa >> PAGE_SHIFT);

    if (!p) {
        fprintf(stderr, "evtchn: gpa %llx not mapped\n",
                (unsigned long long)gpa);
        exit(1);
    }
    return p + (gpa & (PAGE_SIZE - 1));
}

/* An event_channel_op as vCPU vcpu, its block at a per-caller address. */
static long evop(struct domain *d, unsigned int vcpu, uint32_t cmd, void *arg,
                 size_t len)
{
    uint64_t gpa = GPA_ARG + vcpu * 256ULL;
    struct hcall h = {.op = __HYPERVISOR_event_channel_op, .arg = {cmd, gpa}};
    long rc;

    memcpy(gmem(d, gpa), arg, len);
    rc = hypercall_dispatch(d->vcpus[vcpu], &h);
    memcpy(arg, gmem(d, gpa), len);
    return rc;
}

/* The guest's acknowledgement: upcall_pending, then the port's bits. */
static void ack(struct domain *d, evtchn_port_t port, bool fifo)
{
    struct xen_vcpu_info *vi = d->vcpus[0]->vcpu_info;

    __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    if (fifo) {
        struct evtchn_fifo_control_block *cb = gmem(d, CB_GFN << PAGE_SHIFT);
        uint32_t *w = gmem(d, (ARRAY_GFN << PAGE_SHIFT) + port * 4);
        unsigned int q = EVTCHN_FIFO_PRIORITY_DEFAULT;

        __atomic_fetch_and(&cb->ready, ~(1u << q), __ATOMIC_SEQ_CST);
        __atomic_store_n(&cb->head[q], 0, __ATOMIC_SEQ_CST);
        __atomic_fetch_and(w,
                           ~((1u << EVTCHN_FIFO_LINKED) |
                             (1u << EVTCHN_FIFO_PENDING) |
                             EVTCHN_FIFO_LINK_MASK),
                           __ATOMIC_SEQ_CST);
    } else {
        __atomic_store_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        __atomic_fetch_and(&domain_shared_info(d)->evtchn_pending[port / 64],
                           ~(1ULL << (port % 64)), __ATOMIC_SEQ_CST);
    }
}

static void b_wait(struct sim_vcpu *sv, struct bench *c, uint64_t *seen)
{
    if (c->mode == MODE_POLL) {
        struct sched_poll p = {
            .ports = GPA_ARG + 0x800, .nr_ports = 1, .timeout = 0};

        memcpy(sim_gpa(sv, GPA_ARG + 0x800, 4), &c->pb, 4);
        p.timeout = time_system_ns() + 1000000000ULL;
        memcpy(sim_gpa(sv, GPA_ARG + 0x900, sizeof(p)), &p, sizeof(p));
        sim_hypercall(sv, __HYPERVISOR_sched_op, SCHEDOP_poll, GPA_ARG + 0x900,
                      0, 0, 0);
    } else {
        sim_wait_upcall(c->b, 0, seen, 1000);
    }
}

static void b_guest(struct sim_vcpu *sv, void *arg)
{
    struct bench *c = arg;
    uint64_t seen = c->b_seen0;
    uint64_t gpa = GPA_ARG + 0xa00;

    /* Poll mode: upcalls masked, as around a guest's poll. */
    if (c->mode == MODE_POLL)
        __atomic_store_n(&sim_vcpu(sv)->vcpu_info->evtchn_upcall_mask, 1,
                         __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
        b_wait(sv, c, &seen);
        ack(c->b, c->pb, c->mode == MODE_FIFO);
        __atomic_add_fetch(&c->b_events, 1, __ATOMIC_RELAXED);
        if (c->reply) {
            memcpy(sim_gpa(sv, gpa, 4), &c->pb, 4);
            sim_hypercall(sv, __HYPERVISOR_event_channel_op, EVTCHNOP_send, gpa,
                          0, 0, 0);
        }
    }
}

static int setup(struct bench *c, enum mode mode, bool reply)
{
    struct domain_params p = {.memory_pages = 4 << 8,
                              .max_pages = 4 << 8,
                              .vcpus = 1,
                              .on_poweroff = ACTION_DESTROY};
    struct evtchn_alloc_unbound au = {.dom = DOMID_SELF};
    struct evtchn_bind_interdomain bi;
    int rc;

    memset(c, 0, sizeof(*c));
    c->mode = mode;
    c->reply = reply;
    snprintf(p.name, sizeof(p.name), "bench-a");
    rc = domain_create(&p, &c->a);
    snprintf(p.name, sizeof(p.name), "bench-b");
    if (!rc)
        rc = domain_create(&p, &c->b);
    if (!rc)
        rc = sim_domain_attach(c->a);
    if (!rc)
        rc = sim_domain_attach(c->b);
    if (rc)
        return rc;
    if (mode == MODE_FIFO) {
        struct evtchn_init_control ic = {.control_gfn = CB_GFN};
        struct evtchn_expand_array ea = {.array_gfn = ARRAY_GFN};

        rc = (int)evop(c->b, 0, EVTCHNOP_init_control, &ic, sizeof(ic));
        if (!rc)
            rc = (int)evop(c->b, 0, EVTCHNOP_expand_array, &ea, sizeof(ea));
        if (rc)
            return rc;
    }
    au.remote_dom = (xen_domid_t)c->b->domid;
    rc = (int)evop(c->a, 0, EVTCHNOP_alloc_unbound, &au, sizeof(au));
    if (rc)
        return rc;
    bi = (struct evtchn_bind_interdomain){
        .remote_dom = (xen_domid_t)c->a->domid, .remote_port = au.port};
    rc = (int)evop(c->b, 0, EVTCHNOP_bind_interdomain, &bi, sizeof(bi));
    c->pa = au.port;
    c->pb = bi.local_port;
    ack(c->b, c->pb, mode == MODE_FIFO);
    c->b_seen0 = sim_upcall_count(c->b, 0);
    return rc ? rc : sim_vcpu_start(c->b, 0, b_guest, c);
}

static void finish(struct bench *c)
{
    __atomic_store_n(&c->stop, true, __ATOMIC_RELEASE);
    /* Wake B wherever it waits; it sees stop within its 1 s timeout. */
    evop(c->a, 0, EVTCHNOP_send, &c->pa, sizeof(c->pa));
    domain_kill(c->a);
    domain_kill(c->b);
    put_domain(c->a);
    put_domain(c->b);
}

/* One sample: mean ns per round trip over iters. */
static double sample_rtt(struct bench *c, unsigned int iters)
{
    uint64_t seen = sim_upcall_count(c->a, 0), t0 = now_ns();
    unsigned int i;

    for (i = 0; i < iters; i++) {
        evtchn_port_t port = c->pa;

        evop(c->a, 0, EVTCHNOP_send, &port, sizeof(port));
        if (sim_wait_upcall(c->a, 0, &seen, 5000)) {
            fprintf(stderr, "evtchn: no reply\n");
            exit(1);
        }
        ack(c->a, c->pa, false);
    }
    return (double)(now_ns() - t0) / iters;
}

/* One sample: events B saw per second while A sends iters times. */
static double sample_oneway(struct bench *c, unsigned int iters)
{
    uint64_t e0 = __atomic_load_n(&c->b_events, __ATOMIC_RELAXED);
    uint64_t t0 = now_ns();
    unsigned int i;

    for (i = 0; i < iters; i++) {
        evtchn_port_t port = c->pa;

        evop(c->a, 0, EVTCHNOP_send, &port, sizeof(port));
    }
    return (double)(__atomic_load_n(&c->b_events, __ATOMIC_RELAXED) - e0) *
           1e9 / (double)(now_ns() - t0);
}

/* The baseline: two host threads handing a token back and forth. */
struct pingpong {
    pthread_mutex_t lock;
    pthread_cond_t cond[2];
    unsigned int turn; /* lock */
    unsigned int iters;
    uint64_t signals; /* lock: one-way mode */
    bool oneway, stop;
};

static void *pong(void *arg)
{
    struct pingpong *pp = arg;

    pthread_mutex_lock(&pp->lock);
    while (!pp->stop) {
        while (pp->turn != 1 && !pp->stop)
            pthread_cond_wait(&pp->cond[1], &pp->lock);
        if (pp->stop)
            break;
        pp->signals++;
        pp->turn = 0;
        if (!pp->oneway)
            pthread_cond_signal(&pp->cond[0]);
    }
    pthread_mutex_unlock(&pp->lock);
    return NULL;
}

static double sample_cond(bool oneway, unsigned int iters)
{
    struct pingpong pp = {.oneway = oneway};
    pthread_t t;
    uint64_t t0;
    unsigned int i;
    double r;

    pthread_mutex_init(&pp.lock, NULL);
    pthread_cond_init(&pp.cond[0], NULL);
    pthread_cond_init(&pp.cond[1], NULL);
    pthread_create(&t, NULL, pong, &pp);
    t0 = now_ns();
    for (i = 0; i < iters; i++) {
        pthread_mutex_lock(&pp.lock);
        pp.turn = 1;
        pthread_cond_signal(&pp.cond[1]);
        while (!oneway && pp.turn != 0)
            pthread_cond_wait(&pp.cond[0], &pp.lock);
        pthread_mutex_unlock(&pp.lock);
    }
    r = (double)(now_ns() - t0);
    pthread_mutex_lock(&pp.lock);
    pp.stop = true;
    r = oneway ? (double)pp.signals * 1e9 / r : r / iters;
    pthread_cond_broadcast(&pp.cond[1]);
    pthread_mutex_unlock(&pp.lock);
    pthread_join(t, NULL);
    pthread_cond_destroy(&pp.cond[0]);
    pthread_cond_destroy(&pp.cond[1]);
    pthread_mutex_destroy(&pp.lock);
    return r;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return v[n / 2];
}

static double evtchn_figure(enum mode mode, bool oneway, unsigned int iters,
                            unsigned int samples)
{
    double v[NR_SAMPLES];
    struct bench c;
    unsigned int i;

    if (setup(&c, mode, !oneway)) {
        fprintf(stderr, "evtchn: setup failed\n");
        exit(1);
    }
    for (i = 0; i < samples; i++)
        v[i] = oneway ? sample_oneway(&c, iters) : sample_rtt(&c, iters);
    finish(&c);
    return median(v, samples);
}

int main(int argc, char **argv)
{
    struct mm_config cfg = {
        .mem_bytes = 64ULL << 20, .scratch_bytes = 4ULL << 20, .memfd = -1};
    bool quick = argc > 1 && !strcmp(argv[1], "--quick");
    unsigned int iters = quick ? 200 : 20000;
    unsigned int samples = quick ? 1 : NR_SAMPLES;
    double cond_rtt, rtt[3], cond_rate, rate;
    double v[NR_SAMPLES];
    unsigned int i;

    if (argc > 1 && !quick) {
        fprintf(stderr, "usage: evtchn [--quick]\n");
        return 2;
    }
    if (mm_init(&cfg)) {
        fprintf(stderr, "evtchn: mm_init failed\n");
        return 1;
    }
    for (i = 0; i < samples; i++)
        v[i] = sample_cond(false, iters);
    cond_rtt = median(v, samples);
    rtt[MODE_UPCALL] = evtchn_figure(MODE_UPCALL, false, iters, samples);
    rtt[MODE_POLL] = evtchn_figure(MODE_POLL, false, iters, samples);
    rtt[MODE_FIFO] = evtchn_figure(MODE_FIFO, false, iters, samples);
    /* A ping-pong round trip is two hand-offs. */
    cond_rate = 2e9 / cond_rtt;
    rate = evtchn_figure(MODE_UPCALL, true, iters, samples);

    printf("cond_pingpong_rtt %.0f ns\n", cond_rtt);
    printf("evtchn_2l_upcall_rtt %.0f ns\n", rtt[MODE_UPCALL]);
    printf("evtchn_2l_poll_rtt %.0f ns\n", rtt[MODE_POLL]);
    printf("evtchn_fifo_upcall_rtt %.0f ns\n", rtt[MODE_FIFO]);
    printf("evtchn_2l_upcall_rtt_ratio %.2f x\n", rtt[MODE_UPCALL] / cond_rtt);
    printf("evtchn_2l_poll_rtt_ratio %.2f x\n", rtt[MODE_POLL] / cond_rtt);
    printf("evtchn_fifo_upcall_rtt_ratio %.2f x\n", rtt[MODE_FIFO] / cond_rtt);
    printf("cond_handoff_rate %.0f events/s\n", cond_rate);
    printf("evtchn_oneway_rate %.0f events/s\n", rate);
    printf("evtchn_oneway_rate_ratio %.2f x\n", cond_rate / rate);
    mm_fini();
    return 0;
}
