/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The receiving side: each image builds a new domain, then the group is
 * tied together and started.
 *
 * XHV_DOMAIN creates the domain as `xhv create` would (domain_create():
 * fresh RAM from gfn 0, shared_info, vCPUs; paused), under the image's
 * name (or the one asked for) and a domid this xhvd picks. PAGE_DATA is
 * copied into its RAM: a pfn that is not RAM of the new domain is refused
 * (the stream names memory the domain it describes cannot have).
 * XHV_EXTRA_PAGE puts shared_info's contents into the new domain's own
 * extra page and maps it where the guest had it; it never becomes RAM
 * and is never counted in tot_pages. At END the domain's tot_pages must
 * equal the sender's.
 *
 * Nothing runs until every image has been read: on any error each domain
 * built so far is destroyed (domain_kill), so the receiver is left as it
 * was. The sim programs start last, in resume().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backend/sim/sim.h"
#include "gnttab/gnttab.h"
#include "lib/alloc.h"
#include "lib/log.h"
#include "migrate/private.h"
#include "time/time.h"
#include "xhv/public/memory.h"

/* One domain being built. */
struct rdom {
    struct domain *d;
    uint16_t old_domid;
    uint8_t state;
    uint8_t backend; /* the image's: what its CPU records describe */
    uint64_t tot_pages;
    uint64_t extra_pages; /* the sender's, when XHV_PAGES said */
    bool have_extra_count;
    bool have_shinfo;
    char prog[32];
    /* A bit per gfn this stream has put bytes in. A page it has not is
     * still as the heap gave it, zeroed (src/mm/scrub.c), so an all-zero
     * page (XALLOC) for it needs no write: an idle guest's RAM arrives
     * without touching it. */
    uint64_t *written;
};

/* The group being restored: file-scope because evtchn_lu_link()'s
 * lookup takes no context. Only the loop thread restores, one at a time. */
static struct {
    struct rdom dom[MIGRATE_MAX_DOMAINS];
    unsigned int nr;
} grp;

static struct domain *lookup_old(uint32_t domid)
{
    unsigned int i;

    for (i = 0; i < grp.nr; i++)
        if (grp.dom[i].old_domid == domid)
            return grp.dom[i].d;
    return NULL;
}

static int say(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int say(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;

    if (!err[0]) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* ---- records ----------------------------------------------------------------
 */

static int on_domain(const struct mig_xhv_domain *r,
                     const struct migrate_restore_opts *o, struct rdom *rd,
                     char *err, size_t errlen)
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
    struct domain *other;
    int rc;

    snprintf(p.name, sizeof(p.name), "%s", o->name ? o->name : r->name);
    if (!domain_name_valid(p.name))
        return say(err, errlen, -EINVAL, "'%s' is not a valid domain name",
                   p.name);
    if (r->backend_prog[0] && !sim_program_find(r->backend_prog))
        return say(err, errlen, -ENOENT, "this xhvd has no sim program '%s'",
                   r->backend_prog);
    if (lookup_old(r->domid))
        return say(err, errlen, -EINVAL,
                   "two images describe the same domain d%u", r->domid);
    other = domain_lookup_name(p.name);
    if (other) {
        put_domain(other);
        return say(err, errlen, -EEXIST, "a domain named '%s' already exists",
                   p.name);
    }
    rc = domain_create(&p, &rd->d);
    if (rc == -ENOMEM || rc == -E2BIG)
        return say(err, errlen, rc,
                   "not enough free memory for '%s' (%llu MiB)", p.name,
                   (unsigned long long)(p.memory_pages >> 8));
    if (rc)
        return say(err, errlen, rc, "cannot create '%s': %s", p.name,
                   strerror(-rc));
    if (r->gnttab_version == 2) {
        uint32_t v;

        rc = gnttab_set_version(rd->d, 2, &v);
        if (rc)
            return say(err, errlen, rc,
                       "'%s': cannot switch to grant tables v2: %s", p.name,
                       strerror(-rc));
    }
    rd->old_domid = r->domid;
    rd->state = r->state;
    rd->backend = r->backend;
    rd->tot_pages = r->tot_pages;
    memcpy(rd->prog, r->backend_prog, sizeof(rd->prog));
    return 0;
}

/*
 * A RAM gfn the domain does not have yet: the guest populated it on the
 * sender after the domain was built from memory_pages. Allocated here,
 * within the domain's max_pages, as Xen's receiver populates pfns as they
 * arrive.
 */
static int populate(struct rdom *rd, gfn_t gfn)
{
    struct domain *d = rd->d;

    if (p2m_lookup(&d->p2m, gfn, NULL, NULL) != -ENOENT)
        return -EFAULT; /* there, but not writable RAM */
    if (mm_owner_tot_pages(&d->mm) >= domain_max_pages(d))
        return -ENOSPC;
    return p2m_populate_ram(&d->p2m, &d->mm, gfn, 1);
}

static int on_pages(struct rdom *rd, const struct mig_item *it, char *err,
                    size_t errlen)
{
    static const uint8_t zero[MIG_PAGE_SIZE];
    const uint8_t *data = it->u.pages.data;
    uint32_t i;
    int rc = 0;

    for (i = 0; i < it->u.pages.count && !rc; i++) {
        uint64_t type = it->u.pages.pfns[i] & MIG_PFN_TYPE_MASK;
        gfn_t gfn = it->u.pages.pfns[i] & MIG_PFN_MASK;
        const void *src = zero;
        enum p2m_type t;

        if (gfn >= rd->d->p2m.nr_gfns)
            return say(err, errlen, -EINVAL,
                       "record %u (PAGE_DATA) at offset %llu: pfn %#llx is "
                       "beyond the domain's physical space (%llu pages)",
                       it->index, (unsigned long long)it->offset,
                       (unsigned long long)gfn,
                       (unsigned long long)rd->d->p2m.nr_gfns);
        if (!rd->written) {
            rd->written = xhv_calloc(p2m_log_dirty_words(&rd->d->p2m),
                                     sizeof(*rd->written));
            if (!rd->written)
                return say(err, errlen, -ENOMEM, "out of memory restoring d%u",
                           rd->d->domid);
        }
        if (type == MIG_PFN_TYPE_XTAB) {
            rd->written[gfn / 64] &= ~(1ULL << (gfn % 64));
            /* Gone on the sender (given back while it was migrating):
             * gone here too, so tot_pages ends up the same. */
            if (p2m_lookup(&rd->d->p2m, gfn, NULL, &t) == 0 && t == p2m_ram_rw)
                rc = p2m_remove_ram(&rd->d->p2m, gfn);
            continue;
        }
        if (type == MIG_PFN_TYPE_NOTAB) {
            src = data;
            data += MIG_PAGE_SIZE;
        } else if (!(rd->written[gfn / 64] & (1ULL << (gfn % 64))) &&
                   p2m_lookup(&rd->d->p2m, gfn, NULL, &t) == 0 &&
                   t == p2m_ram_rw) {
            continue; /* zero since the heap scrubbed it */
        }
        rd->written[gfn / 64] |= 1ULL << (gfn % 64);
        /* Only pages of the new domain's own RAM: p2m_write_ram()
         * refuses anything special or read-only. */
        rc = p2m_write_ram(&rd->d->p2m, gfn, src);
        if (rc == -EFAULT) {
            rc = populate(rd, gfn);
            if (rc == -ENOSPC)
                return say(err, errlen, -EINVAL,
                           "record %u (PAGE_DATA) at offset %llu: pfn %#llx "
                           "would take the domain past its %llu pages",
                           it->index, (unsigned long long)it->offset,
                           (unsigned long long)gfn,
                           (unsigned long long)domain_max_pages(rd->d));
            if (rc == -ENOMEM)
                return say(err, errlen, rc, "out of memory placing pfn %#llx",
                           (unsigned long long)gfn);
            if (!rc)
                rc = p2m_write_ram(&rd->d->p2m, gfn, src);
        }
        if (rc)
            return say(err, errlen, -EINVAL,
                       "record %u (PAGE_DATA) at offset %llu: pfn %#llx is "
                       "not RAM of the domain (%llu pages)",
                       it->index, (unsigned long long)it->offset,
                       (unsigned long long)gfn,
                       (unsigned long long)rd->d->params.memory_pages);
    }
    return rc;
}

static int on_params(struct rdom *rd, const struct mig_item *it)
{
    uint32_t i;

    domain_lock(rd->d);
    for (i = 0; i < it->u.params.count; i++)
        if (it->u.params.p[i].index < HVM_NR_PARAMS)
            rd->d->hvm_params[it->u.params.p[i].index] =
                it->u.params.p[i].value;
    domain_unlock(rd->d);
    return 0;
}

static int on_shinfo(struct rdom *rd, const struct mig_item *it, char *err,
                     size_t errlen)
{
    struct domain *d = rd->d;
    gfn_t gfn = it->u.extra.hdr->gfn;
    int rc = 0;

    /* The page is the new domain's own extra page: only its contents
     * travel. Nothing can deliver an event to d yet (no peer is tied), so
     * the copy races with nobody; the locks are for the rules' sake. */
    domain_lock(d);
    evtchn_lock(&d->evtchn);
    memcpy(domain_shared_info(d), it->u.extra.contents, MIG_PAGE_SIZE);
    evtchn_unlock(&d->evtchn);
    domain_unlock(d);
    if (gfn != MIG_GFN_NONE)
        rc = gfn < P2M_MAX_GFN ? domain_map_shared_info(d, 0, gfn) : -EINVAL;
    if (rc)
        return say(err, errlen, rc,
                   "record %u (XHV_EXTRA_PAGE): cannot map shared_info at "
                   "gfn %#llx: %s",
                   it->index, (unsigned long long)gfn, strerror(-rc));
    rd->have_shinfo = true;
    return 0;
}

/*
 * A grant frame: the table grows to hold it (status frames come with the
 * shared frames under v2), takes its contents, and is mapped where the
 * guest had it. Frames beyond the domain's limit are refused by the grow.
 */
static int on_grant_frame(struct rdom *rd, const struct mig_item *it, char *err,
                          size_t errlen)
{
    const struct mig_xhv_extra_page *h = it->u.extra.hdr;
    bool status = h->kind == MIG_EXTRA_GRANT_STATUS;
    enum page_kind want =
        status ? PAGE_KIND_GRANT_STATUS : PAGE_KIND_GRANT_FRAME;
    struct domain *d = rd->d;
    struct page_info *p;
    bool found = false;
    uint32_t k;
    int rc = status ? 0 : gnttab_grow(d, h->index + 1);

    if (rc)
        return say(err, errlen, rc,
                   "record %u (XHV_EXTRA_PAGE): grant frame %u: %s", it->index,
                   h->index, strerror(-rc));
    pthread_mutex_lock(&d->mm.page_alloc_lock);
    page_list_for_each(p, &d->mm.extra_page_list)
    {
        if (page_get_kind(p, &k) == want && k == h->index) {
            memcpy(mfn_to_virt(page_to_mfn(p)), it->u.extra.contents,
                   MIG_PAGE_SIZE);
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&d->mm.page_alloc_lock);
    if (!found)
        return say(err, errlen, -EINVAL,
                   "record %u (XHV_EXTRA_PAGE): %sgrant frame %u that the "
                   "table does not have",
                   it->index, status ? "status " : "", h->index);
    if (h->gfn != MIG_GFN_NONE) {
        domain_lock(d);
        rc =
            h->gfn < P2M_MAX_GFN
                ? gnttab_map_frame(
                      d, h->index | (status ? XENMAPIDX_grant_table_status : 0),
                      h->gfn)
                : -EINVAL;
        domain_unlock(d);
        if (rc)
            return say(err, errlen, rc,
                       "record %u (XHV_EXTRA_PAGE): cannot map grant frame "
                       "%u at gfn %#llx: %s",
                       it->index, h->index, (unsigned long long)h->gfn,
                       strerror(-rc));
    }
    return 0;
}

static int on_vcpu(struct rdom *rd, const struct mig_item *it, char *err,
                   size_t errlen)
{
    const struct mig_xhv_vcpu *r = it->u.vcpu;
    struct vcpu *v = rd->d->vcpus[r->vcpu_id]; /* id checked by the reader */
    unsigned int i;
    int rc = 0;

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
    if (r->vcpu_info_gfn != MIG_GFN_NONE) {
        rc = vcpu_info_adopt(v, r->vcpu_info_gfn, r->vcpu_info_offset);
        if (rc)
            return say(err, errlen, rc,
                       "record %u (XHV_VCPU): v%u's vcpu_info at gfn %#llx: "
                       "%s",
                       it->index, r->vcpu_id,
                       (unsigned long long)r->vcpu_info_gfn, strerror(-rc));
    }
    return 0;
}

static int on_ports(struct rdom *rd, const struct mig_item *it, char *err,
                    size_t errlen)
{
    uint32_t i;
    int rc = 0;

    for (i = 0; i < it->u.evtchn.count && !rc; i++) {
        rc = evtchn_lu_restore(rd->d, &it->u.evtchn.ports[i]);
        if (rc)
            return say(err, errlen, rc, "record %u (XHV_EVTCHN): port %u: %s",
                       it->index, it->u.evtchn.ports[i].port, strerror(-rc));
    }
    return rc;
}

static int on_console(struct rdom *rd, const struct mig_item *it)
{
    const char *buf = it->u.console.ring;
    uint32_t keep = it->u.console.hdr->ring_len;

    if (keep > DOMAIN_CONSOLE_RING) { /* a bigger ring: keep the newest */
        buf += keep - DOMAIN_CONSOLE_RING;
        keep = DOMAIN_CONSOLE_RING;
    }
    return domain_console_restore(rd->d, it->u.console.hdr->total_written, buf,
                                  keep);
}

static int on_end(struct rdom *rd, const struct mig_item *it, char *err,
                  size_t errlen)
{
    uint64_t tot = mm_owner_tot_pages(&rd->d->mm);

    if (!rd->have_shinfo)
        return say(err, errlen, -EINVAL,
                   "record %u (END): the image has no shared_info "
                   "(XHV_EXTRA_PAGE)",
                   it->index);
    if (tot != rd->tot_pages)
        return say(err, errlen, -EINVAL,
                   "record %u (END): the domain has %llu pages, the sender's "
                   "had %llu",
                   it->index, (unsigned long long)tot,
                   (unsigned long long)rd->tot_pages);
    if (rd->have_extra_count &&
        mm_owner_extra_pages(&rd->d->mm) != rd->extra_pages)
        return say(err, errlen, -EINVAL,
                   "record %u (END): the domain has %llu extra pages, the "
                   "sender's had %llu",
                   it->index,
                   (unsigned long long)mm_owner_extra_pages(&rd->d->mm),
                   (unsigned long long)rd->extra_pages);
    return 0;
}

/* ---- one image --------------------------------------------------------------
 */

static int apply(struct rdom *rd, const struct mig_item *it,
                 const struct migrate_restore_opts *o, char **config, char *err,
                 size_t errlen)
{
    switch (it->type) {
    case MIG_REC_XHV_DOMAIN:
        return on_domain(it->u.domain, o, rd, err, errlen);
    case MIG_REC_XHV_CONFIG:
        *config = xhv_malloc(it->u.config.len + 1);
        if (!*config)
            return -ENOMEM;
        memcpy(*config, it->u.config.text, it->u.config.len);
        (*config)[it->u.config.len] = '\0';
        return 0;
    case MIG_REC_PAGE_DATA:
        return on_pages(rd, it, err, errlen);
    case MIG_REC_HVM_PARAMS:
        return on_params(rd, it);
    case MIG_REC_XHV_EXTRA_PAGE:
        if (it->u.extra.hdr->kind != MIG_EXTRA_SHARED_INFO)
            return on_grant_frame(rd, it, err, errlen);
        return on_shinfo(rd, it, err, errlen);
    case MIG_REC_XHV_VCPU:
        return on_vcpu(rd, it, err, errlen);
    case MIG_REC_XHV_EVTCHN:
        return on_ports(rd, it, err, errlen);
    case MIG_REC_XHV_EVTCHN_FIFO:
        return migrate_evtchn_fifo_restore(rd->d, it, err, errlen);
    case MIG_REC_XHV_CONSOLE:
        return on_console(rd, it);
    case MIG_REC_XHV_PAGES:
        /* The sender's counts at the end, what END checks against. */
        rd->tot_pages = it->u.pages_end->tot_pages;
        rd->extra_pages = it->u.pages_end->extra_pages;
        rd->have_extra_count = true;
        return 0;
    case MIG_REC_END:
        return on_end(rd, it, err, errlen);
    case MIG_REC_X86_CPUID_POLICY:
        return migrate_check_cpu_policy(rd->backend, it, err, errlen);
    default: /* TSC_INFO, HVM_CONTEXT (a sim guest's has no state),
              * X86_MSR_POLICY, STATIC_DATA_END: checked by the reader */
        return 0;
    }
}

static int read_image(struct mig_reader *r,
                      const struct migrate_restore_opts *o, struct rdom *rd,
                      char **config, char *err, size_t errlen)
{
    struct mig_item it;
    int rc;

    do {
        rc = mig_read_next(r, &it);
        if (rc)
            return say(err, errlen, rc, "%s", mig_error(r));
        rc = apply(rd, &it, o, config, err, errlen);
        if (rc)
            return say(err, errlen, rc, "record %u (%s): %s", it.index,
                       mig_record_name(it.type), strerror(-rc));
    } while (it.type != MIG_REC_END);
    return 0;
}

/* ---- the group
 * ---------------------------------------------------------------- */

static int link_group(char *err, size_t errlen)
{
    unsigned int i, closed;
    int rc = 0;

    for (i = 0; i < grp.nr && !rc; i++) {
        closed = evtchn_mig_orphan(grp.dom[i].d, lookup_old);
        if (closed)
            log_info("migrate",
                     "d%u: %u interdomain port(s) to domains not restored "
                     "with it closed",
                     grp.dom[i].d->domid, closed);
        rc = evtchn_lu_link(grp.dom[i].d, lookup_old);
    }
    for (i = 0; i < grp.nr && !rc; i++)
        rc = evtchn_lu_check_peer(grp.dom[i].d);
    if (rc)
        say(err, errlen, rc,
            "the images' interdomain ports do not name each other back");
    return rc;
}

static int resume(struct rdom *rd, bool paused, char *err, size_t errlen)
{
    const struct sim_program *prog =
        rd->prog[0] ? sim_program_find(rd->prog) : NULL;
    struct domain *d = rd->d;
    unsigned int k;
    int rc;

    time_update_wallclock(d); /* both take the domain lock */
    for (k = 0; k < d->nr_vcpus; k++)
        time_update_vcpu(d->vcpus[k]);
    domain_lock(d);
    for (k = 0; k < d->nr_vcpus; k++) {
        /* Timers as the guest set them, in this host's system time: a
         * deadline already past fires at once (a spurious VIRQ_TIMER
         * rather than a lost one). */
        vcpu_singleshot_update(d->vcpus[k]);
        vcpu_periodic_update(d->vcpus[k], time_system_ns());
    }
    domain_unlock(d);
    rc = domain_unpause(d);
    if (!rc && (paused || rd->state == MIG_STATE_PAUSED))
        rc = domain_pause(d);
    if (!rc && prog) {
        rc = sim_domain_attach(d);
        if (!rc)
            rc = sim_vcpu_start(d, 0, sim_program_loop, (void *)prog);
    }
    if (rc)
        say(err, errlen, rc, "d%u: cannot start: %s", d->domid, strerror(-rc));
    return rc;
}

static void free_written(void)
{
    unsigned int i;

    for (i = 0; i < grp.nr; i++) {
        xhv_free(grp.dom[i].written);
        grp.dom[i].written = NULL;
    }
}

static void undo(struct migrate_restored *out)
{
    unsigned int i;

    free_written();
    for (i = 0; i < grp.nr; i++) {
        if (grp.dom[i].d) {
            domain_kill(grp.dom[i].d);
            put_domain(grp.dom[i].d);
        }
        xhv_free(out->config[i]);
    }
    memset(out, 0, sizeof(*out));
    memset(&grp, 0, sizeof(grp));
}

int migrate_restore(struct mig_reader *r, const struct migrate_restore_opts *o,
                    struct migrate_restored *out, char *err, size_t errlen)
{
    unsigned int i;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    memset(&grp, 0, sizeof(grp));
    for (;;) {
        if (o->count && grp.nr == o->count)
            break;
        rc = mig_read_headers(r);
        if (rc == -ENODATA && !o->count && grp.nr > 0) {
            rc = 0; /* a file holds as many images as it holds */
            break;
        }
        if (rc) {
            say(err, errlen, rc, "%s", mig_error(r));
            break;
        }
        if (grp.nr == MIGRATE_MAX_DOMAINS || (o->name && grp.nr == 1)) {
            rc = o->name ? say(err, errlen, -E2BIG,
                               "a new name is for a stream of one domain")
                         : say(err, errlen, -E2BIG,
                               "more than %u images in one stream",
                               MIGRATE_MAX_DOMAINS);
            break;
        }
        grp.nr++;
        rc = read_image(r, o, &grp.dom[grp.nr - 1], &out->config[grp.nr - 1],
                        err, errlen);
        if (!grp.dom[grp.nr - 1].d)
            grp.nr--; /* refused before anything was built */
        if (rc)
            break;
    }
    if (!rc)
        rc = link_group(err, errlen);
    for (i = 0; i < grp.nr && !rc; i++)
        rc = resume(&grp.dom[i], o->paused, err, errlen);
    if (rc) {
        undo(out);
        return rc;
    }
    free_written();
    out->nr = grp.nr;
    for (i = 0; i < grp.nr; i++)
        out->running[i] = grp.dom[i].state == MIG_STATE_RUNNING;
    for (i = 0; i < grp.nr; i++)
        out->dom[i] = grp.dom[i].d; /* the creation reference, handed on */
    memset(&grp, 0, sizeof(grp));
    return 0;
}

void migrate_restored_release(struct migrate_restored *out)
{
    unsigned int i;

    for (i = 0; i < out->nr; i++) {
        put_domain(out->dom[i]);
        xhv_free(out->config[i]);
    }
    memset(out, 0, sizeof(*out));
}
