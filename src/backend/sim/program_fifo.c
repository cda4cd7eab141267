/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sim programs that use FIFO event channels (docs/sim-guests.md),
 * for testing that FIFO state survives save/restore, live migration and
 * live update with nothing lost.
 *
 *   fifo-ping  as ping, over FIFO: one event in flight to its peer
 *              (peer=NAME, wired by xhvd); a lost event stalls it, a
 *              spurious one is a FAIL.
 *   fifo-echo  answers every event on the port it arrived on.
 *   fifo-sink  takes events and never consumes them. It offers ports=N
 *              (default 16, at most 64) ports to the domain that wired
 *              itself to it (a fifo-send with peer=SINK), every odd one at
 *              priority 4, the rest at the default 7, and says "go" on
 *              the wired port once all are bound. When the sender's
 *              "done" arrives there it checks, reading only, that each
 *              queue holds exactly the events sent, in order, each word
 *              PENDING and LINKED, the queues READY and the upcall flag
 *              up: "fifo-sink: PASS ..." or FAIL. The tails xhv keeps are
 *              what a later event is linked behind, so an event sent
 *              after a restore proves the restored tails right.
 *   fifo-send  (2-level) binds the sink's N ports (peer=SINK ports=N),
 *              waits for "go", sends one event on each in turn, one
 *              every=K steps (default 1), then "done". With split=M it
 *              stops after M events until it has been restored (xhv
 *              rewrites its vCPU time record then) and sends the rest
 *              there, so a test knows some went before and some after.
 *
 * Memory (the fifo programs): gfn 1 the common state (program.c), gfn 3
 * this file's state, gfn 4 the control block of vCPU 0, gfn 5 the only
 * event-array page (ports below 1024), gfn 6 vcpu_info (registered with
 * VCPUOP_register_vcpu_info, as Linux does before it uses FIFO). All of
 * it guest memory, so a live update or a migration carries the programs.
 *
 * The guest side of FIFO is Linux's (drivers/xen/events/events_fifo.c):
 * on an upcall clear evtchn_upcall_pending, swap READY to 0, and for each
 * ready queue take events from the guest's own copy of its head (read
 * from the control block only when that copy is 0), clearing LINKED and
 * LINK in one swap; LINK 0 means the queue is empty.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "backend/sim/program.h"
#include "xhv/public/event_channel.h"
#include "xhv/public/hypercall.h"
#include "xhv/public/vcpu.h"
#include "xhv/public/xen.h"

#define FIFO_STATE_GFN (SIM_DATA_GFN + 0ULL)
#define FIFO_CB_GFN    (SIM_DATA_GFN + 1ULL)
#define FIFO_ARRAY_GFN (SIM_DATA_GFN + 2ULL)
#define FIFO_VI_GFN    (SIM_DATA_GFN + 3ULL)
#define FIFO_MAGIC     0x314f464946564858ULL /* "XHVFIFO1" */
#define FIFO_WORDS     (SIM_PROG_PAGE_SIZE / sizeof(event_word_t))
#define FIFO_MAX_TAKE  64
#define SINK_PORTS     16
#define SINK_MAX_PORTS 64
#define SINK_PRIO_ODD  4

#define W_PENDING (1u << EVTCHN_FIFO_PENDING)
#define W_MASKED  (1u << EVTCHN_FIFO_MASKED)
#define W_LINKED  (1u << EVTCHN_FIFO_LINKED)

/* This file's state at gfn 3. */
struct fifo_state {
    uint64_t magic;
    uint32_t local_head[EVTCHN_FIFO_MAX_QUEUES]; /* Linux's q->head[] */
    uint64_t sent, received, echoed;
    uint32_t phase;
    uint32_t peer;    /* sink, send: the other domain */
    uint32_t wired;   /* sink, send: the sink's end of the port xhvd
                       * wired (the sender's peer=SINK) */
    uint32_t nports;  /* sink, send: N */
    uint32_t next;    /* send: ports bound, then events sent */
    uint32_t wait;    /* send: steps to the next event */
    uint32_t version; /* send: its time record's version at the split */
    uint32_t _pad;
    uint32_t local[SINK_MAX_PORTS]; /* send: its ends of the sink's ports */
    /* Hypercall arguments: guest addresses, so they live here. */
    struct vcpu_register_vcpu_info rvi;
    struct evtchn_init_control ic;
    struct evtchn_expand_array ea;
    struct evtchn_send snd;
    struct evtchn_alloc_unbound au;
    struct evtchn_bind_interdomain bi;
    struct evtchn_set_priority sp;
    struct evtchn_status est;
};
_Static_assert(sizeof(struct fifo_state) <= SIM_PROG_PAGE_SIZE, "one page");

#define FSTATE_GPA(field)                                                      \
    ((FIFO_STATE_GFN << 12) + offsetof(struct fifo_state, field))

static struct fifo_state *fstate(struct sim_vcpu *sv)
{
    return sim_gpa(sv, FIFO_STATE_GFN << 12, SIM_PROG_PAGE_SIZE);
}

static void sayf(struct sim_vcpu *sv, struct prog_state *st, const char *fmt,
                 ...) __attribute__((format(printf, 3, 4)));
static void sayf(struct sim_vcpu *sv, struct prog_state *st, const char *fmt,
                 ...)
{
    char line[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    sim_prog_puts(sv, st, line);
}

static long evop(struct sim_vcpu *sv, unsigned int cmd, uint64_t gpa)
{
    return sim_hypercall(sv, __HYPERVISOR_event_channel_op, cmd, gpa, 0, 0, 0);
}

static long fifo_send(struct sim_vcpu *sv, struct fifo_state *fs, uint32_t port)
{
    fs->snd.port = port;
    return evop(sv, EVTCHNOP_send, FSTATE_GPA(snd));
}

/* The remote domain and port of port, or -1 unless it is interdomain. */
static long fifo_peer(struct sim_vcpu *sv, struct fifo_state *fs, uint32_t port,
                      uint32_t *rport)
{
    fs->est = (struct evtchn_status){.dom = DOMID_SELF, .port = port};
    if (evop(sv, EVTCHNOP_status, FSTATE_GPA(est)) ||
        fs->est.status != EVTCHNSTAT_interdomain)
        return -1;
    if (rport)
        *rport = fs->est.u.interdomain.port;
    return fs->est.u.interdomain.dom;
}

/* --- the guest side of FIFO ---------------------------------------------- */

/* First run: vcpu_info in RAM, then a control block and one array page,
 * all zeroed first as Linux's freshly allocated pages are. */
static int fifo_setup(struct sim_vcpu *sv, struct prog_state *st,
                      struct fifo_state *fs, const char *who)
{
    uint64_t gfns[] = {FIFO_CB_GFN, FIFO_ARRAY_GFN, FIFO_VI_GFN};
    long rc;
    size_t i;

    if (fs->magic == FIFO_MAGIC)
        return 0;
    memset(fs, 0, sizeof(*fs));
    for (i = 0; i < sizeof(gfns) / sizeof(gfns[0]); i++) {
        void *pg = sim_gpa(sv, gfns[i] << 12, SIM_PROG_PAGE_SIZE);

        if (!pg)
            return -EINVAL;
        memset(pg, 0, SIM_PROG_PAGE_SIZE);
    }
    fs->rvi = (struct vcpu_register_vcpu_info){.mfn = FIFO_VI_GFN};
    rc = sim_hypercall(sv, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info,
                       sim_vcpu_id(sv), FSTATE_GPA(rvi), 0, 0);
    fs->ic = (struct evtchn_init_control){.control_gfn = FIFO_CB_GFN,
                                          .vcpu = sim_vcpu_id(sv)};
    if (!rc)
        rc = evop(sv, EVTCHNOP_init_control, FSTATE_GPA(ic));
    fs->ea = (struct evtchn_expand_array){.array_gfn = FIFO_ARRAY_GFN};
    if (!rc)
        rc = evop(sv, EVTCHNOP_expand_array, FSTATE_GPA(ea));
    if (rc) {
        sayf(sv, st, "%s: FAIL cannot set up FIFO event channels: %ld", who,
             rc);
        return -EIO;
    }
    fs->magic = FIFO_MAGIC;
    return 0;
}

/* Clears LINKED and LINK in one swap; the word as it was. */
static event_word_t clear_linked(event_word_t *w)
{
    event_word_t old = __atomic_load_n(w, __ATOMIC_SEQ_CST);

    while (!__atomic_compare_exchange_n(
        w, &old, old & ~(W_LINKED | EVTCHN_FIFO_LINK_MASK), false,
        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
    return old;
}

/*
 * One upcall's worth, as Linux's __evtchn_fifo_handle_events(): the
 * ports of the pending, unmasked events taken, at most max (further ones
 * are taken but not reported; the programs have far fewer). Bounded even
 * if xhv linked a cycle.
 */
static unsigned int fifo_take(struct sim_vcpu *sv, struct fifo_state *fs,
                              uint32_t *out, unsigned int max)
{
    struct xen_vcpu_info *vi = sim_gpa(sv, FIFO_VI_GFN << 12, sizeof(*vi));
    struct evtchn_fifo_control_block *cb =
        sim_gpa(sv, FIFO_CB_GFN << 12, sizeof(*cb));
    event_word_t *words = sim_gpa(sv, FIFO_ARRAY_GFN << 12, SIM_PROG_PAGE_SIZE);
    unsigned int n = 0, guard;
    uint32_t ready;

    if (!vi || !cb || !words)
        return 0;
    __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    for (guard = 0; ready && guard < 4 * FIFO_WORDS; guard++) {
        unsigned int q = (unsigned int)__builtin_ctz(ready);
        uint32_t port = fs->local_head[q];
        event_word_t old;

        if (!port)
            port = __atomic_load_n(&cb->head[q], __ATOMIC_SEQ_CST);
        if (!port || port >= FIFO_WORDS) {
            fs->local_head[q] = 0;
            ready &= ~(1u << q);
            continue;
        }
        old = clear_linked(&words[port]);
        fs->local_head[q] = old & EVTCHN_FIFO_LINK_MASK;
        if (!fs->local_head[q])
            ready &= ~(1u << q);
        if ((old & W_PENDING) && !(old & W_MASKED) &&
            (__atomic_fetch_and(&words[port], ~W_PENDING, __ATOMIC_SEQ_CST) &
             W_PENDING) &&
            n < max)
            out[n++] = port;
        ready |= __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    }
    return n;
}

/* --- fifo-ping / fifo-echo ------------------------------------------------ */

int64_t sim_fifo_ping_step(struct sim_vcpu *sv)
{
    const struct sim_start_info *si = sim_prog_start_info(sv);
    struct prog_state *st = sim_prog_setup(sv, false);
    struct fifo_state *fs = fstate(sv);
    uint32_t got[FIFO_MAX_TAKE], port;
    unsigned int n, i, hits = 0;

    if (!st || !si || !fs)
        return -EINVAL;
    port = si->peer_port;
    if (!port || port >= FIFO_WORDS)
        return sim_prog_fail(sv, st, "fifo-ping: FAIL no peer port (peer=)");
    if (fifo_setup(sv, st, fs, "fifo-ping"))
        return sim_prog_fail(sv, st, "fifo-ping: FAIL");
    n = fifo_take(sv, fs, got, FIFO_MAX_TAKE);
    for (i = 0; i < n; i++) {
        if (got[i] != port) {
            sayf(sv, st, "fifo-ping: FAIL event on port %u", got[i]);
            return sim_prog_fail(sv, st, "fifo-ping: FAIL");
        }
        hits++;
    }
    if (fs->sent == fs->received) {
        /* Binding left the port pending (2-level then: carried into the
         * FIFO array by expand_array): expected once, before the first
         * send. */
        if (hits && fs->sent != 0)
            return sim_prog_fail(sv, st,
                                 "fifo-ping: FAIL event with none in flight");
        if (fifo_send(sv, fs, port)) {
            sayf(sv, st, "fifo-ping: FAIL send on port %u", port);
            return sim_prog_fail(sv, st, "fifo-ping: FAIL");
        }
        if (fs->sent == 0)
            sayf(sv, st, "fifo-ping: started on port %u", port);
        fs->sent++;
        return SIM_PROG_IDLE_NS;
    }
    if (!hits)
        return SIM_PROG_IDLE_NS;
    fs->received++;
    if ((fs->received & (fs->received - 1)) == 0 || fs->received % 1000 == 0)
        sayf(sv, st, "fifo-ping: %llu round trips",
             (unsigned long long)fs->received);
    return 0;
}

int64_t sim_fifo_echo_step(struct sim_vcpu *sv)
{
    struct prog_state *st = sim_prog_setup(sv, false);
    struct fifo_state *fs = fstate(sv);
    uint32_t got[FIFO_MAX_TAKE];
    unsigned int n, i;

    if (!st || !fs)
        return -EINVAL;
    if (fs->magic != FIFO_MAGIC) {
        if (fifo_setup(sv, st, fs, "fifo-echo"))
            return sim_prog_fail(sv, st, "fifo-echo: FAIL");
        sim_prog_puts(sv, st, "fifo-echo: started");
    }
    n = fifo_take(sv, fs, got, FIFO_MAX_TAKE);
    for (i = 0; i < n; i++)
        if (fifo_send(sv, fs, got[i]) == 0)
            fs->echoed++;
    return SIM_PROG_IDLE_NS;
}

/* --- fifo-sink ------------------------------------------------------------ */

static uint8_t sink_prio(uint32_t i)
{
    return i % 2 ? SINK_PRIO_ODD : EVTCHN_FIFO_PRIORITY_DEFAULT;
}

/* Ports wired+1 .. wired+N, offered to the sender, odd ones at another
 * priority. Contiguous, or a test could not know them. */
static int sink_offer(struct sim_vcpu *sv, struct prog_state *st,
                      struct fifo_state *fs)
{
    uint32_t i;

    for (i = 0; i < fs->nports; i++) {
        fs->au = (struct evtchn_alloc_unbound){
            .dom = DOMID_SELF, .remote_dom = (xen_domid_t)fs->peer};
        if (evop(sv, EVTCHNOP_alloc_unbound, FSTATE_GPA(au)) ||
            fs->au.port != fs->wired + 1 + i) {
            sayf(sv, st, "fifo-sink: FAIL port %u is %u, not %u", i,
                 fs->au.port, fs->wired + 1 + i);
            return -EIO;
        }
        fs->sp = (struct evtchn_set_priority){.port = fs->au.port,
                                              .priority = sink_prio(i)};
        if (evop(sv, EVTCHNOP_set_priority, FSTATE_GPA(sp))) {
            sayf(sv, st, "fifo-sink: FAIL set_priority on %u", fs->au.port);
            return -EIO;
        }
    }
    return 0;
}

/* Queue q as the sender filled it: the ports of priority q in sending
 * order, then (default queue) the wired port's "done". */
static int sink_check_queue(struct fifo_state *fs,
                            const struct evtchn_fifo_control_block *cb,
                            const event_word_t *words, unsigned int q,
                            unsigned int *seen, char *why, size_t len)
{
    uint32_t port = __atomic_load_n(&cb->head[q], __ATOMIC_SEQ_CST);
    uint32_t i, want;

    if (!(__atomic_load_n(&cb->ready, __ATOMIC_SEQ_CST) & (1u << q)))
        return snprintf(why, len, "queue %u is not READY", q), -1;
    for (i = 0; i <= fs->nports; i++) {
        event_word_t w;

        if (i < fs->nports && sink_prio(i) != q)
            continue;
        if (i == fs->nports && q != EVTCHN_FIFO_PRIORITY_DEFAULT)
            break;
        want = i < fs->nports ? fs->wired + 1 + i : fs->wired;
        if (port != want)
            return snprintf(why, len, "queue %u: port %u where %u was due", q,
                            port, want),
                   -1;
        w = __atomic_load_n(&words[port], __ATOMIC_SEQ_CST);
        if ((w & (W_PENDING | W_LINKED | W_MASKED)) != (W_PENDING | W_LINKED))
            return snprintf(why, len, "port %u: event word %#x", port, w), -1;
        port = w & EVTCHN_FIFO_LINK_MASK;
        (*seen)++;
    }
    if (port)
        return snprintf(why, len, "queue %u: port %u after the last", q, port),
               -1;
    return 0;
}

/* Reading only: the sink never consumes. */
static int sink_check(struct sim_vcpu *sv, struct fifo_state *fs,
                      unsigned int *seen, char *why, size_t len)
{
    const struct xen_vcpu_info *vi =
        sim_gpa_ro(sv, FIFO_VI_GFN << 12, sizeof(*vi));
    const struct evtchn_fifo_control_block *cb =
        sim_gpa_ro(sv, FIFO_CB_GFN << 12, sizeof(*cb));
    const event_word_t *words =
        sim_gpa_ro(sv, FIFO_ARRAY_GFN << 12, SIM_PROG_PAGE_SIZE);
    uint32_t ready, want = (1u << EVTCHN_FIFO_PRIORITY_DEFAULT) |
                           (fs->nports > 1 ? 1u << SINK_PRIO_ODD : 0);

    if (!vi || !cb || !words)
        return snprintf(why, len, "its pages are gone"), -1;
    if (!__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST))
        return snprintf(why, len, "no upcall pending"), -1;
    ready = __atomic_load_n(&cb->ready, __ATOMIC_SEQ_CST);
    if (ready != want)
        return snprintf(why, len, "READY %#x, not %#x", ready, want), -1;
    if (sink_check_queue(fs, cb, words, EVTCHN_FIFO_PRIORITY_DEFAULT, seen, why,
                         len))
        return -1;
    if (fs->nports > 1 &&
        sink_check_queue(fs, cb, words, SINK_PRIO_ODD, seen, why, len))
        return -1;
    return 0;
}

/* The port xhvd wired when the sender was created (peer=SINK). */
static int sink_find_wired(struct sim_vcpu *sv, struct fifo_state *fs)
{
    uint32_t port;
    long peer;

    for (port = 1; port < 64; port++) {
        peer = fifo_peer(sv, fs, port, NULL);
        if (peer >= 0) {
            fs->peer = (uint32_t)peer;
            fs->wired = port;
            return 0;
        }
    }
    return -1;
}

static int64_t sink_wait_bound(struct sim_vcpu *sv, struct prog_state *st,
                               struct fifo_state *fs)
{
    uint32_t i;

    for (i = 0; i < fs->nports; i++)
        if (fifo_peer(sv, fs, fs->wired + 1 + i, NULL) < 0)
            return 10 * SIM_PROG_IDLE_NS;
    if (fifo_send(sv, fs, fs->wired))
        return sim_prog_fail(sv, st, "fifo-sink: FAIL cannot say go");
    sayf(sv, st, "fifo-sink: d%u bound all %u ports; go", fs->peer, fs->nports);
    fs->phase = 3;
    return 10 * SIM_PROG_IDLE_NS;
}

int64_t sim_fifo_sink_step(struct sim_vcpu *sv)
{
    const struct sim_start_info *si = sim_prog_start_info(sv);
    struct prog_state *st = sim_prog_setup(sv, false);
    struct fifo_state *fs = fstate(sv);
    const event_word_t *words;
    unsigned int seen = 0;
    char why[160];

    if (!st || !si || !fs)
        return -EINVAL;
    if (fifo_setup(sv, st, fs, "fifo-sink"))
        return sim_prog_fail(sv, st, "fifo-sink: FAIL");
    switch (fs->phase) {
    case 0: /* wait for the sender to wire itself to us */
        if (sink_find_wired(sv, fs))
            return 10 * SIM_PROG_IDLE_NS;
        fs->nports = (uint32_t)sim_prog_cmdline_u64(si, "ports", SINK_PORTS);
        if (fs->nports == 0 || fs->nports > SINK_MAX_PORTS ||
            fs->wired + fs->nports >= FIFO_WORDS)
            return sim_prog_fail(sv, st, "fifo-sink: FAIL ports=1..64");
        if (sink_offer(sv, st, fs))
            return sim_prog_fail(sv, st, "fifo-sink: FAIL");
        /* Nothing is queued yet; the upcall registering vcpu_info
         * raised is acknowledged, and from now on the sink writes none
         * of its event pages. */
        fifo_take(sv, fs, NULL, 0);
        sayf(sv, st, "fifo-sink: ports %u..%u offered to d%u", fs->wired + 1,
             fs->wired + fs->nports, fs->peer);
        fs->phase = 2;
        return 10 * SIM_PROG_IDLE_NS;
    case 2: /* all bound: go */
        return sink_wait_bound(sv, st, fs);
    case 3: /* the sender's "done" on the wired port */
        words = sim_gpa_ro(sv, FIFO_ARRAY_GFN << 12, SIM_PROG_PAGE_SIZE);
        if (!words ||
            !(__atomic_load_n(&words[fs->wired], __ATOMIC_SEQ_CST) & W_PENDING))
            return 10 * SIM_PROG_IDLE_NS;
        fs->phase = 4;
        if (sink_check(sv, fs, &seen, why, sizeof(why))) {
            sayf(sv, st, "fifo-sink: FAIL %s", why);
            return sim_prog_fail(sv, st, "fifo-sink: FAIL");
        }
        sayf(sv, st,
             "fifo-sink: PASS %u events on 2 queues, each pending and linked "
             "in order",
             seen);
        return 100 * SIM_PROG_IDLE_NS;
    default:
        return 100 * SIM_PROG_IDLE_NS;
    }
}

/* --- fifo-send ------------------------------------------------------------ */

static uint32_t time_version(struct sim_vcpu *sv)
{
    const struct xen_shared_info *sh = sim_gpa_ro(
        sv, (uint64_t)SIM_SHINFO_GFN << 12, sizeof(struct xen_shared_info));

    return sh ? __atomic_load_n(&sh->vcpu_info[0].time.version,
                                __ATOMIC_SEQ_CST)
              : 0;
}

static bool take_2l(struct sim_vcpu *sv, uint32_t port)
{
    struct xen_shared_info *sh = sim_gpa(sv, (uint64_t)SIM_SHINFO_GFN << 12,
                                         sizeof(struct xen_shared_info));
    uint64_t bit = 1ULL << (port % 64);

    return sh && (__atomic_fetch_and(&sh->evtchn_pending[port / 64], ~bit,
                                     __ATOMIC_SEQ_CST) &
                  bit);
}

/* Binds the sink's ports as it offers them; -EINVAL means not yet. */
static int64_t send_bind(struct sim_vcpu *sv, struct prog_state *st,
                         struct fifo_state *fs)
{
    uint32_t rport;

    while (fs->next < fs->nports) {
        rport = fs->wired + 1 + fs->next;
        fs->bi = (struct evtchn_bind_interdomain){
            .remote_dom = (xen_domid_t)fs->peer, .remote_port = rport};
        if (evop(sv, EVTCHNOP_bind_interdomain, FSTATE_GPA(bi)))
            return 10 * SIM_PROG_IDLE_NS;
        fs->local[fs->next++] = fs->bi.local_port;
    }
    sayf(sv, st, "fifo-send: bound %u ports of d%u", fs->nports, fs->peer);
    fs->next = 0;
    fs->phase = 2;
    return SIM_PROG_IDLE_NS;
}

static int64_t send_one(struct sim_vcpu *sv, struct prog_state *st,
                        struct fifo_state *fs, const struct sim_start_info *si)
{
    uint64_t split = sim_prog_cmdline_u64(si, "split", fs->nports);
    uint64_t every = sim_prog_cmdline_u64(si, "every", 1);

    if (fs->wait) {
        fs->wait--;
        return SIM_PROG_IDLE_NS;
    }
    if (fifo_send(sv, fs, fs->local[fs->next]))
        return sim_prog_fail(sv, st, "fifo-send: FAIL send");
    fs->next++;
    fs->wait = every > 1 && every < 1000000 ? (uint32_t)every - 1 : 0;
    if (fs->next == fs->nports) {
        if (fifo_send(sv, fs, si->peer_port))
            return sim_prog_fail(sv, st, "fifo-send: FAIL send done");
        sayf(sv, st, "fifo-send: sent %u events, done", fs->nports);
        fs->phase = 5;
    } else if (fs->next == split) {
        fs->version = time_version(sv);
        sayf(sv, st, "fifo-send: sent %u events, waiting to be restored",
             fs->next);
        fs->phase = 4;
    }
    return SIM_PROG_IDLE_NS;
}

int64_t sim_fifo_send_step(struct sim_vcpu *sv)
{
    const struct sim_start_info *si = sim_prog_start_info(sv);
    struct prog_state *st = sim_prog_setup(sv, true);
    struct fifo_state *fs = fstate(sv);
    long peer;

    if (!st || !si || !fs)
        return -EINVAL;
    if (fs->magic != FIFO_MAGIC) {
        memset(fs, 0, sizeof(*fs));
        fs->magic = FIFO_MAGIC;
    }
    switch (fs->phase) {
    case 0: /* our wired port was left pending by its bind: not "go" */
        (void)take_2l(sv, si->peer_port);
        peer =
            si->peer_port ? fifo_peer(sv, fs, si->peer_port, &fs->wired) : -1;
        fs->nports = (uint32_t)sim_prog_cmdline_u64(si, "ports", SINK_PORTS);
        if (peer < 0 || fs->nports == 0 || fs->nports > SINK_MAX_PORTS)
            return sim_prog_fail(sv, st,
                                 "fifo-send: FAIL peer=SINK ports=1..64");
        fs->peer = (uint32_t)peer;
        fs->phase = 1;
        return SIM_PROG_IDLE_NS;
    case 1:
        return send_bind(sv, st, fs);
    case 2: /* the sink's go */
        if (!take_2l(sv, si->peer_port))
            return 10 * SIM_PROG_IDLE_NS;
        fs->phase = 3;
        return SIM_PROG_IDLE_NS;
    case 3:
        return send_one(sv, st, fs, si);
    case 4: /* xhv rewrites the time record when it restores a domain */
        if (time_version(sv) == fs->version)
            return 10 * SIM_PROG_IDLE_NS;
        sim_prog_puts(sv, st, "fifo-send: restored, sending the rest");
        fs->phase = 3;
        return SIM_PROG_IDLE_NS;
    default:
        return 100 * SIM_PROG_IDLE_NS;
    }
}
