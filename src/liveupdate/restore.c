/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The new xhvd's side: the stream checked whole (lu_reader_validate,
 * nothing changes on a bad one), then applied record by record.
 *
 * The reader has already proved the cross-record rules: ranges do not
 * overlap, lie in machine memory and outside scratch, name declared
 * owners; P2M extents map only their own domain's ranges. Here mm adds
 * its own proof: mm_mark_in_use() refuses any page this xhvd already uses
 * (its scratch half, the record pages), and assign_pages() any page in
 * scratch or already owned.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backend/sim/sim.h"
#include "domain/domain.h"
#include "gnttab/gnttab.h"
#include "lib/alloc.h"
#include "lib/log.h"
#include "liveupdate/lu.h"
#include "liveupdate/private.h"
#include "stream/stream.h"
#include "time/time.h"

/* What resume needs of each rebuilt domain. */
struct rdom {
    struct domain *d;
    bool finished; /* vCPUs created (domain_lu_finish) */
    bool run;      /* it was running */
    bool fifo;     /* its (last) DOMAIN record says FIFO event channels */
    uint64_t shared_info_gfn;
    char prog[32];
};

static struct {
    struct rdom *doms;
    unsigned int nr, cap;
    bool state_stage;   /* applying the STATE part: domains exist already */
    uint64_t *rec_mfns; /* every record page read, for lu_complete() */
    size_t nr_rec;
    char *err;
    size_t errlen;
} rs;

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct rdom *find(uint16_t domid)
{
    unsigned int i;

    for (i = 0; i < rs.nr; i++)
        if (rs.doms[i].d->domid == domid)
            return &rs.doms[i];
    return NULL;
}

static int fail(int rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(int rc, const char *fmt, ...)
{
    va_list ap;

    if (!rs.err[0]) {
        va_start(ap, fmt);
        vsnprintf(rs.err, rs.errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static int on_header(void *opaque, const struct lu_rec_header *h)
{
    mfn_t other;
    uint64_t nr;
    int rc;

    (void)opaque;
    mm_scratch_other_half(&other, &nr);
    if (h->machine_pages != mm_nr_pages() || h->scratch_pages != nr * 2 ||
        h->scratch_start != mm_nr_pages() - nr * 2)
        return fail(-EINVAL,
                    "the stream describes %llu pages with %llu of scratch; "
                    "this xhvd has %llu with %llu",
                    (unsigned long long)h->machine_pages,
                    (unsigned long long)h->scratch_pages,
                    (unsigned long long)mm_nr_pages(),
                    (unsigned long long)(nr * 2));
    rc = time_system_base_inherit((uint64_t)(-h->system_time_off));
    if (rc)
        return fail(rc, "cannot carry on system time from base %lld: %s",
                    (long long)-h->system_time_off, strerror(-rc));
    return 0;
}

static int on_domain(void *opaque, const struct lu_rec_domain *r)
{
    struct domain_params p = {
        .memory_pages = r->memory_pages,
        .max_pages = r->max_pages,
        .vcpus = r->nr_vcpus,
        .on_poweroff = r->on_poweroff,
        .on_reboot = r->on_reboot,
        .on_crash = r->on_crash,
        .max_grant_frames = r->max_grant_frames,
        .max_maptrack_frames = r->max_maptrack_frames,
    };
    struct rdom *rd;
    int rc;

    (void)opaque;
    rd = find(r->domid);
    if (rs.state_stage) {
        /* The domain was staged with the memory; now its state. */
        if (!rd || strcmp(rd->d->name, r->name) != 0)
            return fail(-EINVAL,
                        "d%u (%s) was not staged before the "
                        "blackout",
                        r->domid, r->name);
        rd->run = r->state == LU_DOM_RUNNING;
        rd->fifo = r->evtchn_abi == LU_EVTCHN_FIFO;
        memcpy(rd->prog, r->backend_prog, sizeof(rd->prog));
        goto state;
    }
    if (rd)
        return fail(-EEXIST, "d%u is in the stream twice", r->domid);
    if (r->backend != LU_BACKEND_SIM)
        return fail(-EOPNOTSUPP, "d%u: backend %u cannot be rebuilt yet",
                    r->domid, r->backend);
    if (rs.nr == rs.cap) {
        unsigned int cap = rs.cap ? rs.cap * 2 : 16;
        struct rdom *n = xhv_realloc(rs.doms, cap * sizeof(*n));

        if (!n)
            return -ENOMEM;
        rs.doms = n;
        rs.cap = cap;
    }
    snprintf(p.name, sizeof(p.name), "%s", r->name);
    rd = &rs.doms[rs.nr];
    memset(rd, 0, sizeof(*rd));
    rc = domain_lu_create(&p, r->domid, &rd->d);
    if (rc)
        return fail(rc, "d%u (%s): cannot rebuild: %s", r->domid, r->name,
                    strerror(-rc));
    put_domain(rd->d); /* the domain list keeps it */
    rs.nr++;
    rd->run = r->state == LU_DOM_RUNNING;
    rd->fifo = r->evtchn_abi == LU_EVTCHN_FIFO;
    rd->shared_info_gfn = r->shared_info_gfn;
    memcpy(rd->prog, r->backend_prog, sizeof(rd->prog));
state:
    if (r->state == LU_DOM_SHUTDOWN) {
        domain_lock(rd->d);
        rd->d->is_shut_down = true;
        rd->d->shutdown_reason = r->shutdown_reason;
        domain_unlock(rd->d);
    }
    return 0;
}

static enum page_kind mm_kind(uint8_t kind)
{
    switch (kind) {
    case LU_PAGE_SHARED_INFO:
        return PAGE_KIND_SHARED_INFO;
    case LU_PAGE_GRANT_FRAME:
        return PAGE_KIND_GRANT_FRAME;
    case LU_PAGE_GRANT_STATUS:
        return PAGE_KIND_GRANT_STATUS;
    default:
        return PAGE_KIND_NONE;
    }
}

static int on_ranges(void *opaque, const struct lu_page_range *r, uint32_t n)
{
    uint32_t i;
    int rc;

    (void)opaque;
    for (i = 0; i < n; i++) {
        struct rdom *rd = find(r[i].owner);

        if (r[i].kind == LU_PAGE_LU_RECORD)
            continue; /* ours to read, marked from the descriptor */
        if (!rd || r[i].kind == LU_PAGE_EXTRA)
            return fail(-EOPNOTSUPP,
                        "range %u: owner %u kind %u cannot be "
                        "carried",
                        i, r[i].owner, r[i].kind);
        rc = mm_mark_in_use(r[i].start_mfn, r[i].nr);
        if (rc)
            return fail(rc,
                        "range [mfn %#llx+%llu] of d%u overlaps pages this "
                        "xhvd uses",
                        (unsigned long long)r[i].start_mfn,
                        (unsigned long long)r[i].nr, r[i].owner);
        rc = domain_lu_adopt(rd->d, r[i].start_mfn, r[i].nr, mm_kind(r[i].kind),
                             r[i].kind_index);
        if (rc)
            return fail(rc, "d%u cannot take back [mfn %#llx+%llu]: %s",
                        r[i].owner, (unsigned long long)r[i].start_mfn,
                        (unsigned long long)r[i].nr, strerror(-rc));
    }
    return 0;
}

/*
 * The vCPUs come once every page is back (their vcpu_info needs it). A
 * sim program's thread is started here too, before the blackout, held at
 * its first checkpoint: resuming it is then one wake-up, not a thread
 * creation.
 */
static int finish(struct rdom *rd)
{
    const struct sim_program *prog = NULL;
    int rc;

    if (rd->finished)
        return 0;
    if (rd->prog[0] && !(prog = sim_program_find(rd->prog)))
        return fail(-ENOENT, "d%u: this xhvd has no sim program '%s'",
                    rd->d->domid, rd->prog);
    rc = domain_lu_finish(rd->d, rd->shared_info_gfn == LU_GFN_NONE
                                     ? INVALID_GFN
                                     : rd->shared_info_gfn);
    if (!rc && prog) {
        rc = sim_domain_attach(rd->d);
        if (!rc) {
            sim_domain_hold(rd->d);
            rc = sim_vcpu_start(rd->d, 0, sim_program_loop, (void *)prog);
        }
    }
    if (rc)
        return fail(rc, "d%u: cannot rebuild its vCPUs: %s", rd->d->domid,
                    strerror(-rc));
    rd->finished = true;
    return 0;
}

static int on_p2m(void *opaque, uint16_t domid, const struct lu_p2m_extent *e,
                  uint32_t n)
{
    struct rdom *rd = find(domid);
    uint32_t i;
    uint64_t k;
    int rc;

    (void)opaque;
    if (!rd)
        return -EINVAL;
    rc = finish(rd);
    for (i = 0; !rc && i < n; i++) {
        enum p2m_type t = e[i].type == LU_P2M_RAM_RW   ? p2m_ram_rw
                          : e[i].type == LU_P2M_RAM_RO ? p2m_ram_ro
                                                       : p2m_special;

        /* mm's word on ownership, page by page: cheap, and final. */
        for (k = 0; k < e[i].nr; k++)
            if (page_get_owner(mfn_to_page(e[i].mfn + k)) != &rd->d->mm)
                return fail(-EINVAL,
                            "d%u: P2M extent %u maps mfn %#llx, not its own",
                            domid, i, (unsigned long long)(e[i].mfn + k));
        rc = p2m_map(&rd->d->p2m, e[i].gfn, e[i].mfn, e[i].nr, t);
        if (rc)
            return fail(rc, "d%u: cannot map gfn %#llx+%llu: %s", domid,
                        (unsigned long long)e[i].gfn,
                        (unsigned long long)e[i].nr, strerror(-rc));
        /* A special page may be a grant frame, whose gfn the table keeps
         * (-ENOENT: shared_info or another extra page). */
        for (k = 0; t == p2m_special && k < e[i].nr; k++)
            (void)gnttab_lu_frame_gfn(rd->d, e[i].mfn + k, e[i].gfn + k);
    }
    return rc;
}

static int on_hvm_params(void *opaque, uint16_t domid,
                         const struct lu_hvm_param *p, uint32_t n)
{
    struct rdom *rd = find(domid);
    uint32_t i;

    (void)opaque;
    if (!rd)
        return -EINVAL;
    for (i = 0; i < n; i++)
        if (p[i].index >= HVM_NR_PARAMS)
            return fail(-EINVAL, "d%u: HVM param %llu unknown here", domid,
                        (unsigned long long)p[i].index);
    domain_lock(rd->d);
    for (i = 0; i < n; i++)
        rd->d->hvm_params[p[i].index] = p[i].value;
    domain_unlock(rd->d);
    return 0;
}

static int on_vcpu(void *opaque, const struct lu_rec_vcpu *r, const void *blob)
{
    struct rdom *rd = find(r->domid);
    struct vcpu *v;
    unsigned int i;
    int rc;

    (void)opaque, (void)blob;
    if (!rd)
        return -EINVAL;
    rc = finish(rd);
    if (rc)
        return rc;
    if (r->vcpu_id >= rd->d->nr_vcpus)
        return -EINVAL;
    v = rd->d->vcpus[r->vcpu_id];
    domain_lock(rd->d);
    v->online = r->online;
    v->upcall_vector = r->upcall_vector;
    v->runstate.state = (int)r->runstate_state;
    v->runstate.state_entry_time = r->runstate_entry_ns;
    for (i = 0; i < 4; i++)
        v->runstate.time[i] = r->runstate_time[i];
    v->runstate_gva = r->runstate_gva;
    v->periodic_ns = r->periodic_ns;
    v->singleshot_deadline = r->singleshot_ns;
    v->singleshot_armed = r->singleshot_armed;
    domain_unlock(rd->d);
    if (r->vcpu_info_gfn != LU_GFN_NONE) {
        rc = vcpu_info_adopt(v, r->vcpu_info_gfn, r->vcpu_info_offset);
        if (rc)
            return fail(rc, "d%u v%u: vcpu_info at gfn %#llx: %s", r->domid,
                        r->vcpu_id, (unsigned long long)r->vcpu_info_gfn,
                        strerror(-rc));
    }
    return 0;
}

static int on_ports(void *opaque, uint16_t domid,
                    const struct lu_evtchn_port *p, uint32_t n)
{
    struct rdom *rd = find(domid);
    uint32_t i;
    int rc = 0;

    (void)opaque;
    if (!rd)
        return -EINVAL;
    rc = finish(rd);
    for (i = 0; !rc && i < n; i++) {
        rc = evtchn_lu_restore(rd->d, &p[i]);
        if (rc)
            return fail(rc, "d%u: cannot restore port %u: %s", domid, p[i].port,
                        strerror(-rc));
    }
    return rc;
}

/* After the domain's ports or before them: lu.c takes either order. */
static int on_fifo(void *opaque, uint16_t domid,
                   const struct lu_fifo_control *c, uint32_t nr_control,
                   const uint64_t *array_gfn, uint32_t nr_array)
{
    struct rdom *rd = find(domid);
    int rc;

    (void)opaque;
    if (!rd)
        return -EINVAL;
    rc = finish(rd);
    if (!rc)
        rc = lu_evtchn_fifo_apply(rd->d, c, nr_control, array_gfn, nr_array,
                                  rs.err, rs.errlen);
    return rc;
}

static int on_console(void *opaque, const struct lu_rec_console *c,
                      const void *ring)
{
    struct rdom *rd = find(c->domid);
    uint32_t keep = c->ring_len;
    const char *buf = ring;

    (void)opaque;
    if (!rd)
        return -EINVAL;
    if (keep > DOMAIN_CONSOLE_RING) { /* a bigger ring: keep the newest */
        buf += keep - DOMAIN_CONSOLE_RING;
        keep = DOMAIN_CONSOLE_RING;
    }
    return domain_console_restore(rd->d, c->total_written, buf, keep);
}

/* Grant tables (gnttab.c): the table now, its mappings in link_all(). */
static int on_gnttab(void *opaque, const struct lu_rec_gnttab *g)
{
    struct rdom *rd = find(g->domid);
    int rc;

    (void)opaque;
    if (!rd)
        return -EINVAL;
    rc = gnttab_lu_set_table(rd->d, g->version, g->nr_frames,
                             g->nr_status_frames);
    if (rc)
        return fail(rc,
                    "d%u: grant table v%u with %u frames and %u status "
                    "frames does not match the frame pages it owns",
                    g->domid, g->version, g->nr_frames, g->nr_status_frames);
    return 0;
}

static int on_maptrack(void *opaque, uint16_t domid,
                       const struct lu_maptrack_entry *e, uint32_t n)
{
    (void)opaque;
    if (!find(domid))
        return -EINVAL;
    return lu_gnttab_stash(domid, e, n);
}

static int on_domcfg(void *opaque, uint16_t domid, const char *text,
                     uint32_t len)
{
    struct rdom *rd = find(domid);
    int rc;

    (void)opaque;
    if (!rd)
        return -EINVAL;
    rc = lu_config_put(domid, text, len);
    return rc ? fail(rc, "d%u: its configuration is refused: %s", domid,
                     strerror(-rc))
              : 0;
}

static struct domain *lookup(uint32_t domid)
{
    struct rdom *rd = domid <= UINT16_MAX ? find((uint16_t)domid) : NULL;

    return rd ? rd->d : NULL;
}

static int link_all(void)
{
    unsigned int i;
    int rc = 0;

    for (i = 0; !rc && i < rs.nr; i++) {
        rc = finish(&rs.doms[i]);
        if (!rc)
            rc = evtchn_lu_link(rs.doms[i].d, lookup);
        if (rc)
            return fail(rc,
                        "d%u: an interdomain port names a domain that "
                        "is not in the stream",
                        rs.doms[i].d->domid);
    }
    for (i = 0; !rc && i < rs.nr; i++)
        if (rs.doms[i].fifo != evtchn_is_fifo(rs.doms[i].d))
            return fail(-EINVAL,
                        "d%u: its DOMAIN record says %s event channels, but "
                        "the stream %s",
                        rs.doms[i].d->domid,
                        rs.doms[i].fifo ? "FIFO" : "2-level",
                        rs.doms[i].fifo ? "has no EVTCHN_FIFO record for it"
                                        : "gives it FIFO state");
    for (i = 0; !rc && i < rs.nr; i++) {
        rc = evtchn_lu_check_peer(rs.doms[i].d);
        if (rc)
            return fail(rc,
                        "d%u: an interdomain port's peer does not name "
                        "it back",
                        rs.doms[i].d->domid);
    }
    /* Grant mappings last: every table and its frames are back. */
    for (i = 0; !rc && i < rs.nr; i++)
        rc = lu_gnttab_table_check(rs.doms[i].d, rs.err, rs.errlen);
    if (!rc)
        rc = lu_gnttab_link(lookup, rs.err, rs.errlen);
    return rc;
}

int lu_restore(unsigned int part, const uint64_t *mfns, size_t nr, uint64_t len,
               uint32_t crc, struct lu_restored *out, struct lu_times *times,
               char *err, size_t errlen)
{
    static const struct lu_apply_ops ops = {
        .header = on_header,
        .domain = on_domain,
        .page_ranges = on_ranges,
        .p2m = on_p2m,
        .hvm_params = on_hvm_params,
        .vcpu = on_vcpu,
        .evtchn_ports = on_ports,
        .evtchn_fifo = on_fifo,
        .console = on_console,
        .domcfg = on_domcfg,
        .gnttab = on_gnttab,
        .maptrack = on_maptrack,
    };
    struct lu_reader *r = NULL;
    const void **pages = NULL;
    uint64_t t0 = mono_ns(), t1;
    size_t i;
    int rc = 0;

    uint64_t *rec;

    if (!(part & LU_SAVE_STATE) || !rs.nr) {
        memset(&rs, 0, sizeof(rs)); /* the first (or only) stream */
        lu_gnttab_reset();
    }
    rs.state_stage = !(part & LU_SAVE_MEMORY);
    rs.err = err;
    rs.errlen = errlen;
    err[0] = '\0';
    pages = xhv_calloc(nr ? nr : 1, sizeof(*pages));
    rec = xhv_realloc(rs.rec_mfns, (rs.nr_rec + nr + 1) * sizeof(*rec));
    if (!pages || !rec) {
        xhv_free(pages);
        if (rec)
            rs.rec_mfns = rec;
        return -ENOMEM;
    }
    rs.rec_mfns = rec;
    for (i = 0; i < nr && !rc; i++) {
        if (!mfn_valid(mfns[i]) || mfn_in_scratch(mfns[i]))
            rc = fail(-EINVAL,
                      "record page %zu (mfn %#llx) is not in "
                      "ordinary machine memory",
                      i, (unsigned long long)mfns[i]);
        else if ((rc = mm_mark_in_use(mfns[i], 1)))
            rc = fail(rc, "record page %zu (mfn %#llx) is in use here", i,
                      (unsigned long long)mfns[i]);
        else {
            pages[i] = mfn_to_virt(mfns[i]);
            rs.rec_mfns[rs.nr_rec++] = mfns[i];
        }
    }
    if (!rc)
        rc = lu_reader_open_pages(&r, pages, nr, len);
    if (!rc) {
        rc = lu_reader_validate(r, crc);
        if (rc)
            fail(rc, "%s", lu_stream_error(r));
    }
    t1 = mono_ns();
    times->parse = t1 - t0;
    if (!rc) {
        rc = lu_reader_apply(r, &ops, NULL);
        if (rc && !err[0])
            fail(rc, "%s", lu_stream_error(r));
    }
    if (!rc && (part & LU_SAVE_STATE))
        rc = link_all();
    times->rebuild = mono_ns() - t1;
    if (!rc) {
        out->generation = lu_reader_summary(r)->header.generation + 1;
        out->nr_domains = rs.nr;
    }
    lu_reader_free(r);
    xhv_free(pages);
    return rc;
}

static int resume_one(struct rdom *rd, char *err, size_t errlen)
{
    struct domain *d = rd->d;
    unsigned int k;
    int rc;

    /* The state first, so the program wakes into it: running, or paused
     * as the user left it. */
    rc = domain_unpause(d);
    if (!rc && !rd->run)
        rc = domain_pause(d);
    if (!rc) {
        /* A singleshot timer that fired in the old xhvd is armed again
         * and fires once more: a spurious VIRQ_TIMER, which guests take
         * in their stride, rather than a lost one. */
        domain_lock(d);
        for (k = 0; k < d->nr_vcpus; k++) {
            vcpu_singleshot_update(d->vcpus[k]);
            vcpu_periodic_update(d->vcpus[k], time_system_ns());
        }
        domain_unlock(d);
        sim_domain_unpark(d);
    }
    if (rc)
        snprintf(err, errlen, "d%u: cannot resume: %s", d->domid,
                 strerror(-rc));
    return rc;
}

int lu_resume(char *err, size_t errlen)
{
    unsigned int i;
    int rc = 0;

    for (i = 0; i < rs.nr && !rc; i++)
        rc = resume_one(&rs.doms[i], err, errlen);
    return rc;
}

uint64_t lu_complete(struct lu_restored *r)
{
    uint64_t n;
    size_t i;

    (void)r;
    for (i = 0; i < rs.nr_rec; i++)
        mm_unmark(rs.rec_mfns[i], 1);
    xhv_free(rs.rec_mfns);
    /* The old xhvd's pages and the records; broken pages stay out. */
    n = init_heap_pages(0, mm_nr_pages(), MM_INIT_DIRTY);
    mm_heap_complete();
    xhv_free(rs.doms);
    memset(&rs, 0, sizeof(rs));
    return n;
}
