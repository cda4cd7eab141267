/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sending side: one image per domain.
 *
 *   XHV_DOMAIN, XHV_CONFIG, X86_CPUID_POLICY, X86_MSR_POLICY,
 *   STATIC_DATA_END
 *   PAGE_DATA ...           round 0: every RAM page; live rounds: the
 *                           pages that changed since they were sent
 *   (the domain is parked)
 *   PAGE_DATA ...           the final round: what changed since
 *   X86_TSC_INFO, HVM_CONTEXT (cpu.c), HVM_PARAMS, XHV_EXTRA_PAGE
 *   (shared_info), XHV_VCPU per vCPU, XHV_EVTCHN, PAGE_DATA (the event
 *   pages again) and XHV_EVTCHN_FIFO (evtchn.c), XHV_CONSOLE, END
 *
 * Dirty tracking is the P2M's log-dirty bitmap (src/p2m/dirty.c), started
 * before the first round: the backend logs the guest's own writes (the
 * sim backend by hand, KVM from its dirty log), and xhv logs its own
 * writes into guest memory as it makes them (hypercall results through
 * p2m_copy(), grant copies, mapping changes) or, for the pages it keeps
 * mapped and writes whenever an event arrives (vcpu_info, FIFO control
 * blocks and event arrays), at every harvest. Only what the log names is
 * read and sent after the first round, so an idle guest's final round is
 * a few pages, not all of its memory.
 *
 * Pages are read with p2m_read_ram() under the p2m lock, so a page the
 * guest gives back meanwhile is never read after it was freed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backend/sim/sim.h"
#include "gnttab/gnttab.h"
#include "lib/alloc.h"
#include "lib/log.h"
#include "migrate/private.h"
#include "time/time.h"

#define PARK_TIMEOUT_MS 5000

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int pinned(void *ctx, const struct gnttab_grant_info *g)
{
    (void)ctx;
    return g->pins ? 1 : 0;
}

int migrate_check(struct domain *d, char *err, size_t errlen)
{
    uint64_t extra = mm_owner_extra_pages(&d->mm);

    if (domain_get_state(d) >= DOMAIN_DYING) {
        snprintf(err, errlen, "d%u is being destroyed", d->domid);
        return -EBUSY;
    }
    if (!sim_domain_is(d)) {
        snprintf(err, errlen,
                 "d%u runs on the %s backend: saving and migrating its vCPU "
                 "state is not supported yet (sim guests only)",
                 d->domid, d->backend ? d->backend->name : "no");
        return -EOPNOTSUPP;
    }
    if (migrate_evtchn_check(d, err, errlen))
        return -EOPNOTSUPP;
    (void)extra;
    /* Grant frames travel; mappings cannot: the other end of each stays
     * on this host. As with Xen, they must be undone first. */
    if (gnttab_nr_maps(d)) {
        snprintf(err, errlen,
                 "d%u maps %u grants of other domains: unmap them before "
                 "saving or migrating it",
                 d->domid, gnttab_nr_maps(d));
        return -EBUSY;
    }
    if (gnttab_for_each_grant(d, pinned, NULL)) {
        snprintf(err, errlen,
                 "d%u's grants are mapped by other domains: they must unmap "
                 "them before d%u is saved or migrated",
                 d->domid, d->domid);
        return -EBUSY;
    }
    return 0;
}

/* ---- the pages ------------------------------------------------------------
 */

/*
 * The gfns to send in the next round, as a bitmap over the P2M window:
 * every RAM gfn for the first round, then what the P2M's dirty log
 * collected since the previous harvest.
 */
struct pages {
    uint64_t *todo;
    uint64_t words;
    bool first;
};

static int add_extent(void *opaque, gfn_t gfn, mfn_t mfn, uint64_t nr,
                      enum p2m_type t)
{
    struct pages *p = opaque;
    uint64_t k;

    (void)mfn;
    if (t != p2m_ram_rw && t != p2m_ram_ro)
        return 0; /* special pages travel in their own records */
    for (k = gfn; k < gfn + nr; k++)
        p->todo[k / 64] |= 1ULL << (k % 64);
    return 0;
}

/*
 * Pages xhv keeps mapped and writes behind the guest's back (event
 * delivery sets bits in vcpu_info whenever it likes): no log sees those
 * writes, so they count as written at every harvest. A handful of pages
 * per vCPU, sent again each round.
 */
static void mark_xhv_pages(struct domain *d)
{
    unsigned int i;

    for (i = 0; i < d->nr_vcpus; i++) {
        gfn_t gfn;

        domain_lock(d);
        gfn = d->vcpus[i]->vcpu_info_gfn;
        domain_unlock(d);
        if (gfn != INVALID_GFN)
            p2m_mark_dirty(&d->p2m, gfn);
    }
    evtchn_mark_guest_pages_dirty(d); /* FIFO control blocks, arrays */
}

/* Fills p->todo for the next round; *n: how many gfns it holds. */
static int collect(struct domain *d, struct pages *p, uint64_t *n)
{
    uint64_t i;
    int rc = 0;

    *n = 0;
    if (p->first) {
        p->first = false;
        p2m_for_each_extent(&d->p2m, add_extent, p); /* cannot fail */
    } else {
        /* The backend's log of the guest's writes (KVM's) into the
         * P2M's first, then the P2M's into ours. */
        if (d->backend && d->backend->harvest_dirty)
            rc = d->backend->harvest_dirty(d);
        mark_xhv_pages(d);
        p2m_log_dirty_harvest(&d->p2m, p->todo, p->words);
    }
    for (i = 0; i < p->words; i++)
        *n += (uint64_t)__builtin_popcountll(p->todo[i]);
    return rc;
}

static bool page_is_zero(const uint64_t *w)
{
    size_t i;

    for (i = 0; i < MIG_PAGE_SIZE / 8; i++)
        if (w[i])
            return false;
    return true;
}

/* A PAGE_DATA batch being filled. */
struct batch {
    uint64_t pfn[MIG_PAGE_BATCH];
    uint8_t *data; /* MIG_PAGE_BATCH pages */
    uint32_t count, nr_data;
};

static int batch_flush(struct mig_writer *w, struct batch *b)
{
    int rc = 0;

    if (b->count)
        rc = mig_write_page_data(w, b->pfn, b->count, b->data,
                                 (size_t)b->nr_data * MIG_PAGE_SIZE);
    b->count = b->nr_data = 0;
    return rc;
}

/*
 * One round: sends every gfn in p->todo and empties it. A gfn that is no
 * longer RAM goes as XTAB, so the receiver drops a page the guest gave
 * back meanwhile; one that is special now (shared_info, a grant frame)
 * travels in its own record. Each page is copied out under the P2M lock
 * (p2m_read_ram()): one the guest writes meanwhile is logged again and
 * sent in the next round. *sent counts the pages sent.
 */
static int send_round(struct domain *d, struct mig_writer *w, struct pages *p,
                      struct batch *b, uint64_t *sent, uint64_t *zero)
{
    uint64_t i;
    int rc = 0;

    *sent = 0;
    for (i = 0; i < p->words && !rc; i++) {
        uint64_t bits = p->todo[i];

        p->todo[i] = 0;
        while (bits && !rc) {
            gfn_t gfn = i * 64 + (uint64_t)__builtin_ctzll(bits);
            uint8_t *slot = b->data + (size_t)b->nr_data * MIG_PAGE_SIZE;

            bits &= bits - 1;
            rc = p2m_read_ram(&d->p2m, gfn, slot);
            if (rc == -EPERM) {
                rc = 0;
                continue;
            }
            if (rc == -ENOENT) {
                rc = 0;
                b->pfn[b->count++] = gfn | MIG_PFN_TYPE_XTAB;
            } else if (rc) {
                break;
            } else if (page_is_zero((const uint64_t *)slot)) {
                b->pfn[b->count++] = gfn | MIG_PFN_TYPE_XALLOC;
                (*zero)++;
            } else {
                b->pfn[b->count++] = gfn;
                b->nr_data++;
            }
            (*sent)++;
            if (b->count == MIG_PAGE_BATCH)
                rc = batch_flush(w, b);
        }
    }
    if (!rc)
        rc = batch_flush(w, b);
    return rc;
}

/* ---- the state records ------------------------------------------------------
 */

static int write_domain(struct mig_writer *w, struct domain *d,
                        const struct migrate_opts *o)
{
    struct mig_xhv_domain r = {
        .domid = (uint16_t)d->domid,
        .backend = MIG_BACKEND_SIM,
        .nr_vcpus = d->nr_vcpus,
        .memory_pages = d->params.memory_pages,
        .max_pages = domain_max_pages(d),
        .tot_pages = mm_owner_tot_pages(&d->mm),
        .on_poweroff = (uint8_t)d->params.on_poweroff,
        .on_reboot = (uint8_t)d->params.on_reboot,
        .on_crash = (uint8_t)d->params.on_crash,
        .max_grant_frames = d->params.max_grant_frames,
        .max_maptrack_frames = d->params.max_maptrack_frames,
        .gnttab_version = gnttab_get_version(d),
        .evtchn_abi =
            evtchn_is_fifo(d) ? MIG_EVTCHN_ABI_FIFO : MIG_EVTCHN_ABI_2L,
    };
    struct mig_iov iov = {&r, sizeof(r)};
    const char *cfg =
        o->config_of ? o->config_of(d->domid, o->config_opaque) : NULL;
    int rc;

    snprintf(r.name, sizeof(r.name), "%s", d->name);
    snprintf(r.backend_prog, sizeof(r.backend_prog), "%s",
             sim_domain_program(d));
    domain_lock(d);
    r.state = d->state == DOMAIN_RUNNING ? MIG_STATE_RUNNING : MIG_STATE_PAUSED;
    domain_unlock(d);
    rc = mig_write_record(w, MIG_REC_XHV_DOMAIN, &iov, 1);
    if (!rc && cfg && cfg[0] && strlen(cfg) <= MIG_CONFIG_MAX) {
        struct mig_iov c = {cfg, strlen(cfg)};

        rc = mig_write_record(w, MIG_REC_XHV_CONFIG, &c, 1);
    }
    if (!rc)
        rc = migrate_write_policies(w, d);
    if (!rc)
        rc = mig_write_record(w, MIG_REC_STATIC_DATA_END, NULL, 0);
    return rc;
}

static int write_vcpu(struct mig_writer *w, struct vcpu *v)
{
    struct domain *d = v->domain;
    struct mig_xhv_vcpu r = {.vcpu_id = v->id, .vcpu_info_gfn = MIG_GFN_NONE};
    struct mig_iov iov = {&r, sizeof(r)};
    mfn_t mfn = INVALID_MFN;
    unsigned int i;

    domain_lock(d);
    r.online = v->online;
    r.upcall_vector = v->upcall_vector;
    r.singleshot_armed = v->singleshot_armed;
    r.runstate_gva = v->runstate_gva;
    r.runstate_state = (uint32_t)v->runstate.state;
    r.runstate_entry_ns = v->runstate.state_entry_time;
    for (i = 0; i < 4; i++)
        r.runstate_time[i] = v->runstate.time[i];
    r.periodic_ns = v->periodic_ns;
    r.singleshot_ns = v->singleshot_deadline;
    if (v->vcpu_info_page) {
        mfn = page_to_mfn(v->vcpu_info_page);
        r.vcpu_info_offset =
            (uint32_t)((uintptr_t)v->vcpu_info & (PAGE_SIZE - 1));
    }
    domain_unlock(d);
    if (mfn != INVALID_MFN) {
        r.vcpu_info_gfn = p2m_find_gfn(&d->p2m, mfn);
        if (r.vcpu_info_gfn == INVALID_GFN)
            return -ENOENT;
    }
    return mig_write_record(w, MIG_REC_XHV_VCPU, &iov, 1);
}

static int write_params(struct mig_writer *w, struct domain *d)
{
    struct mig_hvm_param p[HVM_NR_PARAMS];
    struct mig_hvm_params_hdr h = {0};
    struct mig_iov iov[2];
    unsigned int i;

    _Static_assert(HVM_NR_PARAMS <= MIG_HVM_NR_PARAMS, "params fit");
    domain_lock(d);
    for (i = 0; i < HVM_NR_PARAMS; i++)
        if (d->hvm_params[i])
            p[h.count++] =
                (struct mig_hvm_param){.index = i, .value = d->hvm_params[i]};
    domain_unlock(d);
    iov[0] = (struct mig_iov){&h, sizeof(h)};
    iov[1] = (struct mig_iov){p, h.count * sizeof(p[0])};
    return mig_write_record(w, MIG_REC_HVM_PARAMS, iov, 2);
}

/*
 * Grant frames and status frames: extra pages like shared_info, so never
 * in PAGE_DATA; each travels with its number and where the guest mapped
 * it. The contents are guest memory the guest writes (entries) and xhv
 * writes (status bits): copied with the guest held still.
 */
static int write_grant_frames(struct mig_writer *w, struct domain *d)
{
    struct mig_xhv_extra_page h;
    struct mig_iov iov[2] = {{&h, sizeof(h)}, {NULL, MIG_PAGE_SIZE}};
    uint8_t *page = xhv_malloc(MIG_PAGE_SIZE);
    unsigned int pass, idx;
    int rc = page ? 0 : -ENOMEM;

    iov[1].base = page;
    for (pass = 0; pass < 2 && !rc; pass++) {
        bool status = pass == 1;

        for (idx = 0; !rc; idx++) {
            struct page_info *pg = NULL, *p;
            gfn_t gfn;
            uint32_t k;

            if (gnttab_frame_gfn(d, status, idx, &gfn))
                break; /* no such frame: the last was idx - 1 */
            pthread_mutex_lock(&d->mm.page_alloc_lock);
            page_list_for_each(p, &d->mm.extra_page_list)
            {
                enum page_kind kind = page_get_kind(p, &k);

                if (k == idx && kind == (status ? PAGE_KIND_GRANT_STATUS
                                                : PAGE_KIND_GRANT_FRAME)) {
                    pg = p;
                    break;
                }
            }
            if (pg)
                memcpy(page, mfn_to_virt(page_to_mfn(pg)), MIG_PAGE_SIZE);
            pthread_mutex_unlock(&d->mm.page_alloc_lock);
            if (!pg) {
                rc = -ENOENT;
                break;
            }
            h = (struct mig_xhv_extra_page){
                .kind = status ? MIG_EXTRA_GRANT_STATUS : MIG_EXTRA_GRANT_FRAME,
                .index = idx,
                .gfn = gfn == INVALID_GFN ? MIG_GFN_NONE : gfn,
            };
            rc = mig_write_record(w, MIG_REC_XHV_EXTRA_PAGE, iov, 2);
        }
    }
    xhv_free(page);
    return rc;
}

static int write_shared_info(struct mig_writer *w, struct domain *d)
{
    struct mig_xhv_extra_page h = {.kind = MIG_EXTRA_SHARED_INFO};
    uint8_t *page = xhv_malloc(MIG_PAGE_SIZE);
    struct mig_iov iov[2] = {{&h, sizeof(h)}, {page, MIG_PAGE_SIZE}};
    int rc;

    if (!page)
        return -ENOMEM;
    /* The 2-level pending and mask bits and the vcpu_info of the first
     * 32 vCPUs are in here: guest-visible state xhv writes. */
    domain_lock(d);
    h.gfn =
        d->shared_info.gfn == INVALID_GFN ? MIG_GFN_NONE : d->shared_info.gfn;
    evtchn_lock(&d->evtchn);
    memcpy(page, domain_shared_info(d), MIG_PAGE_SIZE);
    evtchn_unlock(&d->evtchn);
    domain_unlock(d);
    rc = mig_write_record(w, MIG_REC_XHV_EXTRA_PAGE, iov, 2);
    xhv_free(page);
    return rc;
}

static int write_ports(struct mig_writer *w, struct domain *d)
{
    size_t max = evtchn_lu_count(d), n = 0;
    struct mig_xhv_evtchn_hdr h = {0};
    struct lu_evtchn_port *p;
    int rc;

    if (!max)
        return 0;
    p = xhv_calloc(max, sizeof(*p));
    if (!p)
        return -ENOMEM;
    rc = evtchn_lu_save(d, p, max, &n);
    if (!rc && n) {
        struct mig_iov iov[2] = {{&h, sizeof(h)}, {p, n * sizeof(*p)}};

        h.count = (uint32_t)n;
        rc = mig_write_record(w, MIG_REC_XHV_EVTCHN, iov, 2);
    }
    xhv_free(p);
    return rc;
}

static int write_console(struct mig_writer *w, struct domain *d)
{
    struct mig_xhv_console h = {0};
    char *buf = xhv_malloc(DOMAIN_CONSOLE_RING);
    uint64_t next = 0;
    size_t n;
    int rc;

    _Static_assert(DOMAIN_CONSOLE_RING <= MIG_CONSOLE_MAX, "console fits");
    if (!buf)
        return -ENOMEM;
    n = domain_console_read_from(d, 0, buf, DOMAIN_CONSOLE_RING, &next);
    h.total_written = next;
    h.ring_len = (uint32_t)n;
    {
        struct mig_iov iov[2] = {{&h, sizeof(h)}, {buf, n}};

        rc = mig_write_record(w, MIG_REC_XHV_CONSOLE, iov, 2);
    }
    xhv_free(buf);
    return rc;
}

/* The counts as they are now, the domain parked: XHV_DOMAIN's are from
 * before the rounds, and the guest may have given pages back since. */
static int write_page_counts(struct mig_writer *w, struct domain *d)
{
    struct mig_xhv_pages p = {
        .tot_pages = mm_owner_tot_pages(&d->mm),
        .max_pages = domain_max_pages(d),
        .extra_pages = mm_owner_extra_pages(&d->mm),
    };
    struct mig_iov iov = {&p, sizeof(p)};

    return mig_write_record(w, MIG_REC_XHV_PAGES, &iov, 1);
}

static int write_state(struct mig_writer *w, struct domain *d)
{
    struct mig_tsc_info tsc = {.nsec = time_system_ns()};
    struct mig_iov iov = {&tsc, sizeof(tsc)};
    unsigned int i;
    int rc;

    rc = mig_write_record(w, MIG_REC_X86_TSC_INFO, &iov, 1);
    if (!rc)
        rc = migrate_write_cpu_state(w, d);
    if (!rc)
        rc = write_params(w, d);
    if (!rc)
        rc = write_shared_info(w, d);
    if (!rc)
        rc = write_grant_frames(w, d);
    for (i = 0; !rc && i < d->nr_vcpus; i++)
        rc = write_vcpu(w, d->vcpus[i]);
    if (!rc)
        rc = write_ports(w, d);
    if (!rc)
        rc = migrate_evtchn_write(w, d);
    if (!rc)
        rc = write_console(w, d);
    if (!rc)
        rc = write_page_counts(w, d);
    if (!rc)
        rc = mig_write_record(w, MIG_REC_END, NULL, 0);
    return rc;
}

/* ---- one domain
 * ---------------------------------------------------------------- */

/*
 * The whole group is parked together, when the first domain reaches its
 * final round: a ping parked while its echo still runs could miss a reply
 * sent after its shared_info was written. So only the first domain of a
 * group has live rounds; the others are copied whole while parked.
 */
static int park_group(struct domain **doms, unsigned int n, bool *parked,
                      struct migrate_stats *st)
{
    unsigned int j;
    int rc = 0;

    for (j = 0; j < n && !rc; j++) {
        if (parked[j])
            continue;
        rc = sim_domain_park(doms[j], PARK_TIMEOUT_MS);
        if (!rc) {
            parked[j] = true;
            st->dom[j].parked_ns = mono_ns();
        }
    }
    return rc;
}

/* Reports a round that just ended. The dirty rate is the pages this
 * round found changed over the time since the previous round began (the
 * window in which they changed); unknown (0) for a domain's first round. */
static void report(const struct migrate_opts *o, const struct domain *d,
                   const struct migrate_dom_stats *s, bool final,
                   uint64_t bytes, uint64_t total, uint64_t dt,
                   uint64_t window_ns)
{
    struct migrate_progress p = {
        .domid = d->domid,
        .round = s->rounds,
        .final = final,
        .pages = s->pages[s->rounds - 1],
        .bytes = bytes,
        .total_bytes = total,
        .round_ns = dt,
    };

    if (!o->progress)
        return;
    if (dt)
        p.rate_bps = bytes * 1000000000ULL / dt;
    if (window_ns && s->rounds > 1)
        p.dirty_pps = p.pages * 1000000000ULL / window_ns;
    /* A final round that finds as much to send as this one did takes
     * about as long: the downtime if we paused now and the guest kept
     * dirtying at this pace. */
    p.est_downtime_ns = dt;
    o->progress(&p, o->progress_opaque);
}

static int save_one(struct domain **doms, unsigned int n, unsigned int i,
                    struct mig_writer *w, const struct migrate_opts *o,
                    struct migrate_stats *st, struct batch *b, bool *parked)
{
    struct domain *d = doms[i];
    struct migrate_dom_stats *s = &st->dom[i];
    struct pages p = {.first = true, .words = p2m_log_dirty_words(&d->p2m)};
    uint64_t t0, dt, bytes0, sent, pending, rate = 0, prev_t0 = 0;
    bool backend_logs = false;
    int rc;

    s->domid = d->domid;
    p.todo = xhv_calloc(p.words, sizeof(*p.todo));
    rc = p.todo ? 0 : -ENOMEM;
    /* Before anything is read: a write from now on is logged. */
    if (!rc)
        rc = p2m_log_dirty_start(&d->p2m);
    if (!rc && d->backend && d->backend->log_dirty) {
        rc = d->backend->log_dirty(d, true);
        backend_logs = !rc;
    }
    if (!rc)
        rc = write_domain(w, d, o);
    /* Live rounds, while the guest runs. */
    while (!rc && o->live && i == 0 && s->rounds < o->max_rounds) {
        rc = collect(d, &p, &pending);
        if (rc)
            break;
        /* What the log holds now is what a final round would send at
         * least: stop once sending it fits the downtime asked for. */
        if (s->rounds > 0 && rate &&
            pending * MIG_PAGE_SIZE * 1000000ULL / rate <= o->max_downtime_ns)
            break;
        t0 = mono_ns();
        bytes0 = w->bytes;
        rc = send_round(d, w, &p, b, &sent, &s->zero_pages);
        dt = mono_ns() - t0;
        s->pages[s->rounds++] = sent;
        if (rc)
            break;
        report(o, d, s, false, w->bytes - bytes0, w->bytes, dt,
               prev_t0 ? t0 + dt - prev_t0 : 0);
        prev_t0 = t0;
        /* Bytes per ms, for the estimate above. */
        if (dt)
            rate = (w->bytes - bytes0) * 1000000ULL / dt;
        if (!rate)
            rate = 1;
    }
    if (!rc)
        rc = park_group(doms, n, parked, st);
    if (!rc) {
        t0 = mono_ns();
        bytes0 = w->bytes;
        rc = collect(d, &p, &pending);
        if (!rc)
            rc = send_round(d, w, &p, b, &sent, &s->zero_pages);
        dt = mono_ns() - t0;
        s->pages[s->rounds++] = sent;
        if (!rc)
            report(o, d, s, true, w->bytes - bytes0, w->bytes, dt,
                   prev_t0 ? t0 + dt - prev_t0 : 0);
    }
    if (!rc)
        rc = write_state(w, d);
    if (backend_logs)
        d->backend->log_dirty(d, false);
    p2m_log_dirty_stop(&d->p2m);
    xhv_free(p.todo);
    return rc;
}

void migrate_unpark(struct domain **doms, unsigned int n)
{
    unsigned int i;

    for (i = 0; i < n; i++)
        sim_domain_unpark(doms[i]);
}

int migrate_save(struct domain **doms, unsigned int n, struct mig_writer *w,
                 const struct migrate_opts *o, struct migrate_stats *st,
                 char *err, size_t errlen)
{
    struct batch b = {0};
    bool parked[MIGRATE_MAX_DOMAINS] = {false};
    unsigned int i;
    int rc = 0;

    memset(st, 0, sizeof(*st));
    if (n == 0 || n > MIGRATE_MAX_DOMAINS || o->max_rounds > MIGRATE_MAX_ROUNDS)
        return -EINVAL;
    for (i = 0; i < n && !rc; i++)
        rc = migrate_check(doms[i], err, errlen);
    if (!rc) {
        b.data = xhv_malloc((size_t)MIG_PAGE_BATCH * MIG_PAGE_SIZE);
        rc = b.data ? 0 : -ENOMEM;
    }
    for (i = 0; i < n && !rc; i++) {
        rc = mig_write_headers(w);
        if (!rc)
            rc = save_one(doms, n, i, w, o, st, &b, parked);
        st->nr = i + 1;
        if (rc && !err[0])
            snprintf(err, errlen, "saving d%u: %s", doms[i]->domid,
                     rc == -ETIMEDOUT ? "its guest did not stop in time"
                                      : strerror(-rc));
    }
    st->bytes = w->bytes;
    if (rc)
        for (i = 0; i < n; i++)
            if (parked[i])
                sim_domain_unpark(doms[i]);
    xhv_free(b.data);
    return rc;
}
