/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The FIFO ABI's state across a live update or a migration, and its
 * pages for a migration's dirty log (evtchn.h).
 *
 * What travels. The event words, the control blocks (READY bits and
 * heads) and vcpu_info are guest memory: a live update keeps them in
 * place, a migration copies them with the rest of RAM. xhv's own part
 * goes in wire form (struct lu_fifo_control): per vCPU with a control
 * block, its gfn, offset and the 16 queue tails; the event-array pages'
 * gfns in order. Per port, its priority and an event held for it go in
 * the port records (lu.c). last_vcpu and last_priority do not travel:
 * they matter only for a port that is its last queue's tail (fifo_link()
 * then makes that queue forget it), and a port is a queue's tail only if
 * it was last linked there, so restore sets them from the tails. Other
 * ports may keep whatever they have.
 *
 * One moment. A save holds the domain lock and then the event-channel
 * lock (docs/locking.md) while it reads the tails and hands the caller
 * each page event delivery writes. Every delivery holds the event-channel
 * lock, so the pages as the caller copies them and the tails are one
 * instant. A migration copies them then: its rounds read them earlier,
 * and an event from a domain outside the group or from a timer may have
 * been linked since. A live update keeps memory in place, so it freezes
 * the state instead (EVTCHN_SAVE_FREEZE, see fifo.h): xhv's timers run on
 * in the blackout, and an event linked after the tails were read would be
 * linked again by the next xhvd behind the old tail, cutting the queue.
 * A frozen event is held in its port; the port records, written after
 * the freeze, carry it.
 *
 * Restore is checked whole before anything changes, then takes each page
 * as init_control and expand_array do (evtchn_fifo_get_page()), then
 * installs the state in one hold of the lock; on any failure every page
 * taken so far is given back and the domain stays 2-level.
 *
 * Concurrency: everything runs under the locks above; save, saveable,
 * thaw and mark_dirty on running domains, restore on one that does not
 * run yet.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "evtchn/fifo.h"
#include "lib/assert.h"
#include "xhv/public/liveupdate.h"

#define WORDS_PER_PAGE EVTCHN_FIFO_WORDS_PER_PAGE

_Static_assert(LU_FIFO_MAX_QUEUES == EVTCHN_FIFO_MAX_QUEUES, "16 queues");
_Static_assert(LU_FIFO_CONTROL_SIZE == sizeof(struct evtchn_fifo_control_block),
               "the control block's size");
_Static_assert(EVTCHN_FIFO_MAX_ARRAY_PAGES <= LU_FIFO_MAX_ARRAY_PAGES,
               "every array page fits a record");

/* ---- save ---------------------------------------------------------------- */

/* Whether gfn still maps pg, so that the gfn kept names the page xhv
 * writes. The p2m lock comes after the event-channel lock. */
static bool page_at(struct domain *d, uint64_t gfn, struct page_info *pg)
{
    enum p2m_type t;
    mfn_t mfn;

    return p2m_lookup(&d->p2m, gfn, &mfn, &t) == 0 && mfn == page_to_mfn(pg);
}

static int fifo_in_place(struct domain *d, struct evtchn_fifo_domain *fd)
{
    unsigned int i;

    for (i = 0; i < fd->nr_vcpus; i++)
        if (fd->vcpu[i].cb &&
            !page_at(d, fd->vcpu[i].cb_gfn, fd->vcpu[i].cb_page))
            return -ESTALE;
    for (i = 0; i < fd->nr_words / WORDS_PER_PAGE; i++)
        if (!page_at(d, fd->array_gfn[i], fd->array_page[i]))
            return -ESTALE;
    return 0;
}

static void fifo_fill(struct evtchn_fifo_domain *fd,
                      struct evtchn_fifo_image *img)
{
    unsigned int v, q;

    img->fifo = true;
    for (v = 0; v < fd->nr_vcpus; v++) {
        const struct evtchn_fifo_vcpu *fv = &fd->vcpu[v];
        struct lu_fifo_control *c;

        if (!fv->cb)
            continue;
        c = &img->control[img->nr_control++];
        memset(c, 0, sizeof(*c));
        c->vcpu_id = v;
        c->offset = (uint32_t)((uintptr_t)fv->cb & (PAGE_SIZE - 1));
        c->gfn = fv->cb_gfn;
        for (q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++)
            c->tail[q] = fv->queue[q].tail;
    }
    img->nr_array = fd->nr_words / WORDS_PER_PAGE;
    memcpy(img->array_gfn, fd->array_gfn, sizeof(img->array_gfn));
}

/* The caller's page function, once per gfn. */
struct visit {
    evtchn_page_fn fn;
    void *ctx;
    unsigned int n;
    uint64_t seen[2 * DOMAIN_MAX_VCPUS + EVTCHN_FIFO_MAX_ARRAY_PAGES];
};

static int visit(struct visit *vs, uint64_t gfn, struct page_info *pg)
{
    unsigned int i;

    for (i = 0; i < vs->n; i++)
        if (vs->seen[i] == gfn)
            return 0;
    XHV_ASSERT(vs->n < sizeof(vs->seen) / sizeof(vs->seen[0]));
    vs->seen[vs->n++] = gfn;
    return vs->fn(vs->ctx, gfn, mfn_to_virt(page_to_mfn(pg)));
}

/* vcpu_info pages (where the guest still has them), then the FIFO's. */
static int visit_all(struct domain *d, struct evtchn_fifo_domain *fd,
                     struct visit *vs)
{
    unsigned int i;
    int rc = 0;

    for (i = 0; !rc && i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];

        if (v->vcpu_info_page && v->vcpu_info_gfn != INVALID_GFN &&
            page_at(d, v->vcpu_info_gfn, v->vcpu_info_page))
            rc = visit(vs, v->vcpu_info_gfn, v->vcpu_info_page);
    }
    for (i = 0; !rc && fd && i < fd->nr_vcpus; i++)
        if (fd->vcpu[i].cb)
            rc = visit(vs, fd->vcpu[i].cb_gfn, fd->vcpu[i].cb_page);
    for (i = 0; !rc && fd && i < fd->nr_words / WORDS_PER_PAGE; i++)
        rc = visit(vs, fd->array_gfn[i], fd->array_page[i]);
    return rc;
}

int evtchn_fifo_save(struct domain *d, struct evtchn_fifo_image *img,
                     unsigned int flags, evtchn_page_fn page, void *ctx)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    struct visit vs = {.fn = page, .ctx = ctx};
    struct evtchn_fifo_domain *fd;
    int rc = 0;

    img->fifo = false;
    img->nr_control = img->nr_array = 0;
    domain_lock(d); /* for each vCPU's vcpu_info_gfn */
    evtchn_lock(ed);
    fd = ed->fifo;
    if (fd)
        rc = fifo_in_place(d, fd);
    if (!rc && fd) {
        fifo_fill(fd, img);
        if (flags & EVTCHN_SAVE_FREEZE)
            fd->frozen = true;
    }
    if (!rc && page)
        rc = visit_all(d, fd, &vs);
    evtchn_unlock(ed);
    domain_unlock(d);
    return rc;
}

int evtchn_fifo_saveable(struct domain *d)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    int rc;

    evtchn_lock(ed);
    rc = ed->fifo ? fifo_in_place(d, ed->fifo) : 0;
    evtchn_unlock(ed);
    return rc;
}

void evtchn_fifo_thaw(struct domain *d)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    struct evtchn_fifo_domain *fd;

    evtchn_lock(ed);
    fd = ed->fifo;
    if (fd && fd->frozen) {
        fd->frozen = false;
        evtchn_fifo_raise_saved(d, 1, fd->nr_words);
    }
    evtchn_unlock(ed);
}

void evtchn_mark_guest_pages_dirty(struct domain *d)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    struct evtchn_fifo_domain *fd;
    unsigned int i;

    /* The lock keeps the pages (and their gfns) from going meanwhile; a
     * gfn the guest has since given away is marked all the same, which
     * costs one page sent again. */
    evtchn_lock(ed);
    fd = ed->fifo;
    for (i = 0; fd && i < fd->nr_vcpus; i++)
        if (fd->vcpu[i].cb)
            p2m_mark_dirty(&d->p2m, fd->vcpu[i].cb_gfn);
    for (i = 0; fd && i < fd->nr_words / WORDS_PER_PAGE; i++)
        p2m_mark_dirty(&d->p2m, fd->array_gfn[i]);
    evtchn_unlock(ed);
}

/* ---- restore ------------------------------------------------------------- */

static int why_fail(char *why, size_t len, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int why_fail(char *why, size_t len, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return rc;
}

/* One control block's fields; vseen and tseen collect vCPUs and tails. */
static int check_control(struct domain *d, const struct lu_fifo_control *c,
                         uint32_t words, uint8_t *vseen, uint8_t *tseen,
                         char *why, size_t len)
{
    unsigned int q;

    if (c->vcpu_id >= d->nr_vcpus ||
        (vseen[c->vcpu_id / 8] >> c->vcpu_id % 8) & 1)
        return why_fail(why, len, -EINVAL,
                        "vCPU %u does not exist (%u vCPUs) or has two "
                        "control blocks",
                        c->vcpu_id, d->nr_vcpus);
    vseen[c->vcpu_id / 8] |= (uint8_t)(1u << c->vcpu_id % 8);
    if (c->offset > PAGE_SIZE - sizeof(struct evtchn_fifo_control_block) ||
        (c->offset & 7))
        return why_fail(why, len, -EINVAL,
                        "vCPU %u: a control block at offset %u is not "
                        "8-byte aligned inside its page",
                        c->vcpu_id, c->offset);
    if (c->gfn >= d->p2m.nr_gfns)
        return why_fail(why, len, -EINVAL,
                        "vCPU %u: control block gfn %#llx is outside the "
                        "domain (%llu pages)",
                        c->vcpu_id, (unsigned long long)c->gfn,
                        (unsigned long long)d->p2m.nr_gfns);
    for (q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++) {
        uint32_t t = c->tail[q];

        if (!t)
            continue;
        if (t >= words)
            return why_fail(why, len, -EINVAL,
                            "vCPU %u queue %u: tail port %u is not in the "
                            "event array (%u ports)",
                            c->vcpu_id, q, t, words);
        if ((tseen[t / 8] >> t % 8) & 1)
            return why_fail(why, len, -EINVAL,
                            "port %u is the tail of two queues", t);
        tseen[t / 8] |= (uint8_t)(1u << t % 8);
    }
    return 0;
}

static int check_image(struct domain *d, const struct lu_fifo_control *c,
                       uint32_t nr_control, const uint64_t *gfn,
                       uint32_t nr_array, char *why, size_t len)
{
    uint8_t vseen[DOMAIN_MAX_VCPUS / 8] = {0};
    uint8_t tseen[EVTCHN_2L_NR_CHANNELS / 8] = {0};
    uint32_t i;
    int rc = 0;

    if (nr_control == 0 || nr_control > d->nr_vcpus)
        return why_fail(why, len, -EINVAL,
                        "%u control blocks for a domain with %u vCPUs",
                        nr_control, d->nr_vcpus);
    if (nr_array > EVTCHN_FIFO_MAX_ARRAY_PAGES)
        return why_fail(why, len, -EINVAL, "%u event-array pages (at most %u)",
                        nr_array, (unsigned int)EVTCHN_FIFO_MAX_ARRAY_PAGES);
    for (i = 0; i < nr_array; i++)
        if (gfn[i] >= d->p2m.nr_gfns)
            return why_fail(why, len, -EINVAL,
                            "event-array page %u: gfn %#llx is outside the "
                            "domain (%llu pages)",
                            i, (unsigned long long)gfn[i],
                            (unsigned long long)d->p2m.nr_gfns);
    for (i = 0; !rc && i < nr_control; i++)
        rc = check_control(d, &c[i], nr_array * WORDS_PER_PAGE, vseen, tseen,
                           why, len);
    return rc;
}

/* Each page as init_control and expand_array take it, into fd. */
static int take_pages(struct domain *d, struct evtchn_fifo_domain *fd,
                      const struct lu_fifo_control *c, uint32_t nr_control,
                      const uint64_t *gfn, uint32_t nr_array, char *why,
                      size_t len)
{
    unsigned int i, q;
    void *virt;
    int rc;

    for (i = 0; i < nr_control; i++) {
        struct evtchn_fifo_vcpu *fv = &fd->vcpu[c[i].vcpu_id];

        rc = evtchn_fifo_get_page(d, c[i].gfn, &fv->cb_page, &virt);
        if (rc) {
            fv->cb_page = NULL;
            return why_fail(why, len, rc,
                            "vCPU %u: control block gfn %#llx is not RAM "
                            "the domain can write",
                            c[i].vcpu_id, (unsigned long long)c[i].gfn);
        }
        fv->cb =
            (struct evtchn_fifo_control_block *)((uint8_t *)virt + c[i].offset);
        fv->cb_gfn = c[i].gfn;
        for (q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++) {
            fv->queue[q].head = &fv->cb->head[q];
            fv->queue[q].tail = c[i].tail[q];
        }
    }
    for (i = 0; i < nr_array; i++) {
        rc = evtchn_fifo_get_page(d, gfn[i], &fd->array_page[i], &virt);
        if (rc) {
            fd->array_page[i] = NULL;
            return why_fail(why, len, rc,
                            "event-array page %u: gfn %#llx is not RAM the "
                            "domain can write",
                            i, (unsigned long long)gfn[i]);
        }
        fd->array[i] = virt;
        fd->array_gfn[i] = gfn[i];
        fd->nr_words += WORDS_PER_PAGE;
    }
    return 0;
}

/* Each tail's port was last linked on that queue. Lock held. */
static int set_last_queues(struct domain *d, struct evtchn_fifo_domain *fd)
{
    unsigned int v, q;
    int rc = 0;

    for (v = 0; !rc && v < fd->nr_vcpus; v++) {
        for (q = 0; !rc && q < EVTCHN_FIFO_MAX_QUEUES; q++) {
            evtchn_port_t t = fd->vcpu[v].queue[q].tail;
            struct evtchn *chn;

            if (!t)
                continue;
            /* A tail may be a port closed since, still LINKED: its
             * bucket must exist to remember the queue. */
            rc = evtchn_ports_cover(d, t);
            if (rc)
                break;
            chn = evtchn_port(d, t);
            chn->last_vcpu = (uint8_t)v;
            chn->last_priority = (uint8_t)q;
        }
    }
    return rc;
}

static int install(struct domain *d, struct evtchn_fifo_domain *fd, char *why,
                   size_t len)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    int rc = 0;

    evtchn_lock(ed);
    if (ed->dying)
        rc = why_fail(why, len, -ESRCH, "the domain is being destroyed");
    else if (ed->fifo)
        rc = why_fail(why, len, -EEXIST, "the domain uses FIFO already");
    else if (set_last_queues(d, fd))
        rc = why_fail(why, len, -ENOMEM, "out of memory for its ports");
    if (!rc) {
        ed->fifo = fd;
        /* Events held for ports the array covers (a live update's
         * frozen ones): delivered now, before the guest runs. */
        evtchn_fifo_raise_saved(d, 1, fd->nr_words);
    }
    evtchn_unlock(ed);
    return rc;
}

int evtchn_fifo_restore(struct domain *d, const struct lu_fifo_control *c,
                        uint32_t nr_control, const uint64_t *array_gfn,
                        uint32_t nr_array, char *why, size_t whylen)
{
    struct evtchn_fifo_domain *fd;
    int rc;

    rc = check_image(d, c, nr_control, array_gfn, nr_array, why, whylen);
    if (rc)
        return rc;
    fd = evtchn_fifo_alloc(d);
    if (!fd)
        return why_fail(why, whylen, -ENOMEM, "out of memory");
    rc = take_pages(d, fd, c, nr_control, array_gfn, nr_array, why, whylen);
    if (!rc)
        rc = install(d, fd, why, whylen);
    if (rc)
        evtchn_fifo_free(d, fd); /* gives back every page taken */
    return rc;
}
