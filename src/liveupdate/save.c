/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The old xhvd's side: every domain, held still, written as live-update
 * records into pages of the live-update system owner.
 *
 * Stream order, which the reader relies on: HEADER; every DOMAIN; the
 * PAGE_RANGEs (each naming a declared domain); then per domain its P2M,
 * HVM_PARAMS, VCPUs, EVTCHN_PORTs, EVTCHN_FIFO (a FIFO domain: evtchn.c)
 * and CONSOLE; END. HEADER sets LU_FEAT_EVTCHN_FIFO when a domain uses
 * FIFO.
 *
 * RAM ranges come from the P2M (every page a domain counts in tot_pages
 * is mapped in its physmap: anything else is refused, not guessed at);
 * extra pages come from the owner's extra-page list with their kind.
 * Grant tables: gnttab.c (GNTTAB and MAPTRACK in the STATE part, after
 * every domain's other state).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/sim/sim.h"
#include "domain/domain.h"
#include "gnttab/gnttab.h"
#include "lib/alloc.h"
#include "lib/log.h"
#include "liveupdate/lu.h"
#include "liveupdate/private.h"
#include "stream/stream.h"
#include "time/time.h"

/* ---- record pages ------------------------------------------------------ */

static int next_page(void *opaque, void **page)
{
    struct lu_image *img = opaque;
    struct page_info *pg;
    int rc;

    if (img->nr == img->cap) {
        size_t cap = img->cap ? img->cap * 2 : 64;
        uint64_t *m = xhv_realloc(img->mfns, cap * sizeof(*m));

        if (!m)
            return -ENOMEM;
        img->mfns = m;
        img->cap = cap;
    }
    if (img->pool_n) { /* reserved before the blackout */
        img->mfns[img->nr] = img->pool[--img->pool_n];
        *page = mfn_to_virt(img->mfns[img->nr++]);
        return 0;
    }
    rc = alloc_domheap_pages(
        &img->owner, 0, MEMF_extra(PAGE_KIND_LU_RECORD, img->nr & 0xfff), &pg);
    if (rc)
        return rc;
    img->mfns[img->nr++] = page_to_mfn(pg);
    *page = mfn_to_virt(page_to_mfn(pg));
    return 0;
}

void lu_image_release(struct lu_image *img)
{
    size_t i;

    for (i = 0; i < img->nr; i++)
        put_page_alloc_ref(mfn_to_page(img->mfns[i]));
    for (i = 0; i < img->pool_n; i++)
        put_page_alloc_ref(mfn_to_page(img->pool[i]));
    xhv_free(img->pool);
    if (img->owner_ready) {
        mm_owner_set_dying(&img->owner);
        mm_owner_fini(&img->owner);
    }
    xhv_free(img->mfns);
    memset(img, 0, sizeof(*img));
}

/* ---- what cannot be carried yet ---------------------------------------- */

int lu_check(char *err, size_t errlen)
{
    struct domain **doms = NULL;
    unsigned int i, n = 0;
    int rc;

    rc = domlist_snapshot(&doms, &n);
    if (rc) {
        snprintf(err, errlen, "cannot list domains: %s", strerror(-rc));
        return rc;
    }
    for (i = 0; i < n && !rc; i++) {
        struct domain *d = doms[i];

        if (domain_get_state(d) >= DOMAIN_DYING) {
            snprintf(err, errlen, "d%u is being destroyed; try again",
                     d->domid);
            rc = -EBUSY;
        } else if (d->backend && !sim_domain_is(d)) {
            snprintf(err, errlen,
                     "d%u runs on the %s backend, whose vCPU state live "
                     "update does not carry yet",
                     d->domid, d->backend->name);
            rc = -EOPNOTSUPP;
        } else {
            rc = lu_evtchn_check(d, err, errlen);
            if (!rc)
                rc = lu_gnttab_check(d, err, errlen);
        }
    }
    for (i = 0; i < n; i++)
        put_domain(doms[i]);
    xhv_free(doms);
    return rc;
}

/* ---- one domain --------------------------------------------------------- */

static uint8_t lu_state(struct domain *d)
{
    if (d->is_shut_down)
        return LU_DOM_SHUTDOWN;
    return d->state == DOMAIN_RUNNING ? LU_DOM_RUNNING : LU_DOM_PAUSED;
}

static int write_domain(struct lu_writer *w, struct domain *d)
{
    struct lu_rec_domain r = {
        .domid = (uint16_t)d->domid,
        .memory_pages = d->params.memory_pages,
        .max_pages = domain_max_pages(d),
        .tot_pages = mm_owner_tot_pages(&d->mm),
        .extra_pages = mm_owner_extra_pages(&d->mm),
        .nr_vcpus = d->nr_vcpus,
        .on_poweroff = (uint8_t)d->params.on_poweroff,
        .on_reboot = (uint8_t)d->params.on_reboot,
        .on_crash = (uint8_t)d->params.on_crash,
        .backend = LU_BACKEND_SIM,
        .created_ns = d->created_ns,
        .max_ports = EVTCHN_2L_NR_CHANNELS,
        .evtchn_abi = evtchn_is_fifo(d) ? LU_EVTCHN_FIFO : LU_EVTCHN_2L,
    };

    gnttab_limits(d, &r.max_grant_frames, &r.max_maptrack_frames);
    snprintf(r.name, sizeof(r.name), "%s", d->name);
    snprintf(r.backend_prog, sizeof(r.backend_prog), "%s",
             sim_domain_program(d));
    domain_lock(d);
    r.state = lu_state(d);
    r.shutdown_reason =
        d->is_shut_down ? (uint8_t)d->shutdown_reason : LU_SHUTDOWN_NONE;
    r.pause_count = d->state == DOMAIN_PAUSED ? 1 : 0;
    r.shared_info_gfn =
        d->shared_info.gfn == INVALID_GFN ? LU_GFN_NONE : d->shared_info.gfn;
    domain_unlock(d);
    return lu_write_domain(w, &r);
}

/* A growable array of wire entries. */
struct vec {
    void *v;
    size_t n, cap, size;
};

static void *vec_push(struct vec *a)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        void *p = xhv_realloc(a->v, cap * a->size);

        if (!p)
            return NULL;
        a->v = p;
        a->cap = cap;
    }
    return (char *)a->v + a->n++ * a->size;
}

struct extent_ctx {
    struct domain *d;
    struct vec *p2m, *ranges;
    uint64_t ram_pages;
};

static int add_range(struct vec *ranges, uint64_t mfn, uint64_t nr,
                     uint16_t owner, uint8_t kind, uint32_t idx)
{
    struct lu_page_range *last =
        ranges->n ? (struct lu_page_range *)ranges->v + ranges->n - 1 : NULL;
    struct lu_page_range *r;

    /* Coalesce: RAM runs of one domain, extra pages with running idx. */
    if (last && last->owner == owner && last->kind == kind &&
        last->start_mfn + last->nr == mfn &&
        (kind == LU_PAGE_RAM || last->kind_index + last->nr == idx)) {
        last->nr += nr;
        return 0;
    }
    r = vec_push(ranges);
    if (!r)
        return -ENOMEM;
    *r = (struct lu_page_range){.start_mfn = mfn,
                                .nr = nr,
                                .owner = owner,
                                .kind = kind,
                                .kind_index = idx};
    return 0;
}

static int one_extent(void *opaque, gfn_t gfn, mfn_t mfn, uint64_t nr,
                      enum p2m_type t)
{
    struct extent_ctx *c = opaque;
    struct lu_p2m_extent *e;

    /* The granter's page, not the mapper's: a MAPTRACK entry carries it
     * (gnttab.c), and the reader allows a domain only its own pages. */
    if (p2m_is_grant(t))
        return 0;
    e = vec_push(c->p2m);
    if (!e)
        return -ENOMEM;
    *e = (struct lu_p2m_extent){.gfn = gfn, .mfn = mfn, .nr = nr};
    switch (t) {
    case p2m_ram_rw:
    case p2m_ram_ro:
        e->type = t == p2m_ram_rw ? LU_P2M_RAM_RW : LU_P2M_RAM_RO;
        c->ram_pages += nr;
        return add_range(c->ranges, mfn, nr, (uint16_t)c->d->domid, LU_PAGE_RAM,
                         0);
    case p2m_special:
        e->type = LU_P2M_SPECIAL; /* its page is listed from the extras */
        return 0;
    default:
        return -EINVAL;
    }
}

static int lu_kind(enum page_kind k, uint8_t *out)
{
    switch (k) {
    case PAGE_KIND_SHARED_INFO:
        *out = LU_PAGE_SHARED_INFO;
        return 0;
    case PAGE_KIND_GRANT_FRAME:
        *out = LU_PAGE_GRANT_FRAME;
        return 0;
    case PAGE_KIND_GRANT_STATUS:
        *out = LU_PAGE_GRANT_STATUS;
        return 0;
    default:
        return -EOPNOTSUPP;
    }
}

static int extra_ranges(struct domain *d, struct vec *ranges)
{
    struct page_info *pg;
    int rc = 0;

    pthread_mutex_lock(&d->mm.page_alloc_lock);
    page_list_for_each(pg, &d->mm.extra_page_list)
    {
        uint32_t idx;
        uint8_t kind;

        rc = lu_kind(page_get_kind(pg, &idx), &kind);
        if (!rc)
            rc = add_range(ranges, page_to_mfn(pg), 1, (uint16_t)d->domid, kind,
                           idx);
        if (rc)
            break;
    }
    pthread_mutex_unlock(&d->mm.page_alloc_lock);
    return rc;
}

static int write_vcpu(struct lu_writer *w, struct vcpu *v)
{
    struct domain *d = v->domain;
    struct lu_rec_vcpu r = {
        .domid = (uint16_t)d->domid,
        .vcpu_id = v->id,
        .vcpu_info_gfn = LU_GFN_NONE,
        .blob_type = LU_VCPU_BLOB_NONE,
    };
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
    /* A scan, but only for vCPUs that moved their vcpu_info. */
    if (mfn != INVALID_MFN) {
        r.vcpu_info_gfn = p2m_find_gfn(&d->p2m, mfn);
        if (r.vcpu_info_gfn == INVALID_GFN)
            return -ENOENT;
    }
    return lu_write_vcpu(w, &r, NULL);
}

static int write_hvm_params(struct lu_writer *w, struct domain *d)
{
    struct lu_hvm_param p[HVM_NR_PARAMS];
    size_t n = 0;
    unsigned int i;

    domain_lock(d);
    for (i = 0; i < HVM_NR_PARAMS; i++)
        if (d->hvm_params[i])
            p[n++] =
                (struct lu_hvm_param){.index = i, .value = d->hvm_params[i]};
    domain_unlock(d);
    return n ? lu_write_hvm_params(w, (uint16_t)d->domid, p, n) : 0;
}

static int write_console(struct lu_writer *w, struct domain *d)
{
    char *buf = xhv_malloc(DOMAIN_CONSOLE_RING);
    uint64_t total = 0, next;
    size_t n;
    int rc;

    if (!buf)
        return -ENOMEM;
    /* Everything still held, oldest first; total is where it ends. */
    n = domain_console_read_from(d, 0, buf, DOMAIN_CONSOLE_RING, &next);
    total = next;
    rc = lu_write_console(w, (uint16_t)d->domid, total, buf, (uint32_t)n);
    xhv_free(buf);
    return rc;
}

/* ---- the stream --------------------------------------------------------- */

static int write_header(struct lu_writer *w, const struct lu_save_info *si,
                        uint64_t features)
{
    struct lu_rec_header h = {
        .magic = LU_STREAM_MAGIC,
        .version = LU_STREAM_VERSION,
        .features = features,
        .machine_pages = mm_nr_pages(),
        .scratch_half = si->scratch_half,
        .generation = si->generation,
    };
    mfn_t other;
    uint64_t nr;

    snprintf(h.xhv_version, sizeof(h.xhv_version), "%s", XHV_VERSION);
    mm_scratch_other_half(&other, &nr);
    h.scratch_pages = nr * 2;
    h.scratch_start = mm_nr_pages() - h.scratch_pages;
    h.host_mono_ns = time_system_base() + time_system_ns();
    h.system_time_off = -(int64_t)time_system_base();
    return lu_write_header(w, &h);
}

uint64_t lu_memory_gen(void)
{
    struct domain **doms = NULL;
    unsigned int i, n = 0;
    uint64_t g = 0;

    if (domlist_snapshot(&doms, &n))
        return UINT64_MAX; /* never matches: the update is retried */
    for (i = 0; i < n; i++) {
        /* Which domains, and how far each one's memory has changed. */
        g = g * 31 + doms[i]->domid;
        g = g * 31 + __atomic_load_n(&doms[i]->p2m.gen, __ATOMIC_RELAXED);
        g = g * 31 + __atomic_load_n(&doms[i]->mm.gen, __ATOMIC_RELAXED);
        put_domain(doms[i]);
    }
    xhv_free(doms);
    return g;
}

static int write_memory(struct lu_writer *w, struct domain **doms,
                        unsigned int n, char *err, size_t errlen)
{
    struct vec ranges = {.size = sizeof(struct lu_page_range)};
    struct vec *p2m = xhv_calloc(n ? n : 1, sizeof(*p2m));
    unsigned int i;
    int rc = p2m ? 0 : -ENOMEM;

    for (i = 0; !rc && i < n; i++) {
        struct extent_ctx c = {.d = doms[i], .p2m = &p2m[i], .ranges = &ranges};

        p2m[i].size = sizeof(struct lu_p2m_extent);
        rc = p2m_for_each_extent(&doms[i]->p2m, one_extent, &c);
        if (rc == -EINVAL)
            snprintf(err, errlen,
                     "d%u has P2M entries of a type live update does not "
                     "carry",
                     doms[i]->domid);
        if (!rc && c.ram_pages != mm_owner_tot_pages(&doms[i]->mm)) {
            snprintf(err, errlen,
                     "d%u owns %llu pages but maps %llu: a page outside "
                     "its physmap cannot be carried",
                     doms[i]->domid,
                     (unsigned long long)mm_owner_tot_pages(&doms[i]->mm),
                     (unsigned long long)c.ram_pages);
            rc = -EOPNOTSUPP;
        }
        if (!rc)
            rc = extra_ranges(doms[i], &ranges);
    }
    if (!rc)
        rc = lu_write_page_ranges(w, ranges.v, ranges.n);
    for (i = 0; !rc && i < n; i++)
        rc = lu_write_p2m(w, (uint16_t)doms[i]->domid, p2m[i].v, p2m[i].n);
    for (i = 0; p2m && i < n; i++)
        xhv_free(p2m[i].v);
    xhv_free(p2m);
    xhv_free(ranges.v);
    return rc;
}

static struct lu_config_hooks config_hooks;

void lu_set_config_hooks(const struct lu_config_hooks *h)
{
    config_hooks = *h;
}

/* The restore side reads these through lu_config_put(). */
int lu_config_put(uint32_t domid, const char *text, size_t len)
{
    return config_hooks.put
               ? config_hooks.put(domid, text, len, config_hooks.opaque)
               : 0;
}

static int write_domcfg(struct lu_writer *w, struct domain *d)
{
    const char *text = config_hooks.get
                           ? config_hooks.get(d->domid, config_hooks.opaque)
                           : NULL;

    if (!text)
        return 0;
    return lu_write_domcfg(w, (uint16_t)d->domid, text,
                           (uint32_t)strnlen(text, LU_DOMCFG_MAX + 1));
}

static int write_state(struct lu_writer *w, struct domain *d, bool final,
                       char *err, size_t errlen)
{
    unsigned int i;
    int rc;

    rc = write_domcfg(w, d);
    if (!rc)
        rc = write_hvm_params(w, d);
    for (i = 0; !rc && i < d->nr_vcpus; i++)
        rc = write_vcpu(w, d->vcpus[i]);
    if (!rc)
        rc = lu_evtchn_write(w, d, final, err, errlen);
    if (!rc)
        rc = write_console(w, d);
    return rc;
}

/* Mandatory features: only those the stream needs, so that an older
 * reader refuses only what it would get wrong. */
static uint64_t features_of(struct domain **doms, unsigned int n)
{
    unsigned int i;

    for (i = 0; i < n; i++)
        if (evtchn_is_fifo(doms[i]))
            return LU_FEAT_EVTCHN_FIFO;
    return 0;
}

/* The records of parts into w; the caller opens and closes w. final: the
 * blackout's write, not a rehearsal (event channels are frozen). */
static int write_stream(struct lu_writer *w, const struct lu_save_info *si,
                        unsigned int parts, bool final, char *err,
                        size_t errlen)
{
    struct domain **doms = NULL;
    unsigned int i, n = 0;
    int rc;

    rc = domlist_snapshot(&doms, &n);
    if (!rc)
        rc = write_header(w, si, features_of(doms, n));
    for (i = 0; !rc && i < n; i++)
        rc = write_domain(w, doms[i]);
    if (!rc && (parts & LU_SAVE_MEMORY))
        rc = write_memory(w, doms, n, err, errlen);
    for (i = 0; !rc && (parts & LU_SAVE_STATE) && i < n; i++)
        rc = write_state(w, doms[i], final, err, errlen);
    for (i = 0; !rc && (parts & LU_SAVE_STATE) && i < n; i++)
        rc = lu_gnttab_write(w, doms[i], err, errlen);
    if (!rc)
        rc = lu_write_end(w);
    for (i = 0; i < n; i++)
        put_domain(doms[i]);
    xhv_free(doms);
    return rc;
}

static void image_init(struct lu_image *img)
{
    if (img->owner_ready)
        return; /* pages reserved already */
    memset(img, 0, sizeof(*img));
    mm_owner_init(&img->owner, LU_DOMID_LU, 0);
    img->owner_ready = true;
}

int lu_image_reserve(struct lu_image *img, const struct lu_save_info *si,
                     unsigned int parts, char *err, size_t errlen)
{
    struct lu_writer *w = NULL;
    struct page_info *pg;
    size_t want, len = 0;
    int rc;

    image_init(img);
    /* A rehearsal into memory says how many pages the real one needs;
     * a quarter more and four pages cover what changes meanwhile. */
    rc = lu_writer_open_mem(&w);
    if (!rc)
        rc = write_stream(w, si, parts, false, err, errlen);
    if (!rc)
        lu_writer_mem(w, &len);
    lu_writer_free(w);
    want = (len + LU_PAGE_SIZE - 1) / LU_PAGE_SIZE;
    want += want / 4 + 4;
    if (!rc) {
        img->pool = xhv_calloc(want, sizeof(*img->pool));
        rc = img->pool ? 0 : -ENOMEM;
    }
    while (!rc && img->pool_n < want) {
        rc = alloc_domheap_pages(
            &img->owner, 0,
            MEMF_extra(PAGE_KIND_LU_RECORD, img->pool_n & 0xfff), &pg);
        if (rc)
            break;
        /* Faulted in now, not when the blackout writes it. */
        memset(mfn_to_virt(page_to_mfn(pg)), 0, PAGE_SIZE);
        img->pool[img->pool_n++] = page_to_mfn(pg);
    }
    return rc; /* what was reserved stays, for lu_save or release */
}

int lu_save(const struct lu_save_info *si, unsigned int parts,
            struct lu_image *img, char *err, size_t errlen)
{
    struct lu_writer *w = NULL;
    int rc;

    image_init(img);
    rc = lu_writer_open_pages(&w, next_page, img);
    if (!rc)
        rc = write_stream(w, si, parts, true, err, errlen);
    if (!rc) {
        img->len = lu_writer_length(w);
        img->crc = lu_writer_crc(w);
    }
    if (rc && !err[0])
        snprintf(err, errlen, "cannot write the live-update records: %s",
                 strerror(-rc));
    lu_writer_free(w);
    if (rc)
        lu_image_release(img);
    return rc;
}
