/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pass 1's semantic checks, one function per record type, and the
 * cross-record checks run once END has been reached.
 *
 * Within a record: lengths agree with counts exactly, padding and flags
 * outside the known bits are zero, enumerations are in range, strings are
 * NUL-terminated, and ranges neither overflow nor leave machine memory.
 * Across records: the domain a record names has been declared by an
 * earlier DOMAIN record (and only once); vCPU ids are below that
 * domain's nr_vcpus and appear once; preserved page ranges never overlap
 * each other or the scratch region; each domain's P2M extents never
 * overlap and only map pages the domain owns; ports and maptrack handles
 * are unique per domain. The interval checks collect every interval
 * first and sort once, so they cost O(n log n) for the whole stream.
 *
 * Nothing here changes anything outside the reader.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/alloc.h"
#include "stream/private.h"

#define PAGE_MASK_BYTES (LU_PAGE_SIZE - 1)

void lu_reader_reset_state(struct lu_reader *r)
{
    size_t i;

    for (i = 0; i < r->nr_doms; i++)
        xhv_free(r->doms[i].vcpu_seen);
    xhv_free(r->doms);
    xhv_free(r->dom_slot);
    xhv_free(r->ranges.v);
    xhv_free(r->p2m.v);
    xhv_free(r->ports.v);
    xhv_free(r->maptrack.v);
    r->doms = NULL;
    r->dom_slot = NULL;
    r->nr_doms = r->cap_doms = 0;
    memset(&r->ranges, 0, sizeof(r->ranges));
    memset(&r->p2m, 0, sizeof(r->p2m));
    memset(&r->ports, 0, sizeof(r->ports));
    memset(&r->maptrack, 0, sizeof(r->maptrack));
}

static int ival_add(struct lu_reader *r, struct lu_ivals *s,
                    const struct lu_rec *rec, const struct lu_ival *iv)
{
    struct lu_ival *v;
    size_t cap;

    if (s->n == s->cap) {
        cap = s->cap ? s->cap * 2 : 64;
        v = xhv_realloc(s->v, cap * sizeof(*v));
        if (!v)
            return lu_fail(r, -ENOMEM, rec, "out of memory");
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n] = *iv;
    s->v[s->n].rec = rec->index;
    s->v[s->n].offset = rec->offset;
    s->n++;
    return 0;
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;

    while (n--)
        if (*b++)
            return false;
    return true;
}

static struct lu_dom *dom_find(struct lu_reader *r, uint32_t domid)
{
    if (domid >= LU_DOMID_FIRST_RESERVED || !r->dom_slot[domid])
        return NULL;
    return &r->doms[r->dom_slot[domid] - 1];
}

/* The domain a per-domain record names; it must already be declared. */
static int need_dom(struct lu_reader *r, const struct lu_rec *rec,
                    uint32_t domid, struct lu_dom **d)
{
    *d = dom_find(r, domid);
    if (*d)
        return 0;
    return lu_fail(r, -EINVAL, rec, "domain %u has no DOMAIN record before it",
                   domid);
}

/* A { domid or count; pad; count } prefix, then count entries: the
 * length must be exactly that. */
static int array_len(struct lu_reader *r, const struct lu_rec *rec,
                     size_t prefix, size_t esize, uint32_t count)
{
    if ((uint64_t)rec->len != prefix + (uint64_t)count * esize)
        return lu_fail(r, -EINVAL, rec,
                       "length %u does not match %u entries of %zu bytes",
                       rec->len, count, esize);
    return 0;
}

/* Common prefix of the per-domain arrays: { u16 domid; u16 pad; u32 n }. */
static int dom_array(struct lu_reader *r, const struct lu_rec *rec,
                     size_t esize, struct lu_dom **d, uint32_t *n,
                     const void **entries)
{
    const struct lu_rec_p2m *h = rec->body; /* same prefix shape */
    int rc;

    if (rec->len < sizeof(*h))
        return lu_fail(r, -EINVAL, rec, "length %u too short", rec->len);
    if (h->_pad)
        return lu_fail(r, -EINVAL, rec, "non-zero reserved field");
    rc = array_len(r, rec, sizeof(*h), esize, h->count);
    if (!rc)
        rc = need_dom(r, rec, h->domid, d);
    *n = h->count;
    *entries = h + 1;
    return rc;
}

static int check_header_body(struct lu_reader *r, const struct lu_rec *rec)
{
    const struct lu_rec_header *h = rec->body;
    int rc = -EINVAL;

    if (!memchr(h->xhv_version, 0, sizeof(h->xhv_version)))
        lu_fail(r, rc, rec, "xhv_version is not NUL-terminated");
    else if (h->_pad0 || h->_pad1)
        lu_fail(r, rc, rec, "non-zero reserved field");
    else if (h->machine_pages == 0 || h->machine_pages > LU_P2M_MAX_GFN)
        lu_fail(r, rc, rec, "machine_pages %llu out of range",
                (unsigned long long)h->machine_pages);
    else if (h->scratch_start > h->machine_pages ||
             h->scratch_pages > h->machine_pages - h->scratch_start)
        lu_fail(r, rc, rec, "scratch [%#llx+%llu] outside machine memory",
                (unsigned long long)h->scratch_start,
                (unsigned long long)h->scratch_pages);
    else if (h->scratch_half > LU_SCRATCH_HALF_ALL)
        lu_fail(r, rc, rec, "scratch_half %u unknown", h->scratch_half);
    else
        rc = 0;
    if (!rc)
        r->sum.header = *h;
    return rc;
}

static int check_range(struct lu_reader *r, const struct lu_rec *rec,
                       uint32_t i, const struct lu_page_range *e)
{
    const struct lu_rec_header *h = &r->sum.header;
    uint64_t s_end = h->scratch_start + h->scratch_pages;
    struct lu_ival iv = {
        .start = e->start_mfn, .nr = e->nr, .entry = i, .owner = e->owner};
    int rc = -EINVAL;

    if (e->nr == 0 || e->start_mfn >= h->machine_pages ||
        e->nr > h->machine_pages - e->start_mfn)
        lu_fail(r, rc, rec,
                "entry %u [mfn %#llx+%llu] outside machine memory (%llu "
                "pages)",
                i, (unsigned long long)e->start_mfn, (unsigned long long)e->nr,
                (unsigned long long)h->machine_pages);
    else if (h->scratch_pages && e->start_mfn < s_end &&
             h->scratch_start < e->start_mfn + e->nr)
        lu_fail(r, rc, rec, "entry %u [mfn %#llx+%llu] lies in scratch", i,
                (unsigned long long)e->start_mfn, (unsigned long long)e->nr);
    else if (e->kind >= LU_PAGE_KIND_NR || (e->flags & ~LU_PAGE_F_KNOWN))
        lu_fail(r, rc, rec, "entry %u: kind %u flags %#x unknown", i, e->kind,
                e->flags);
    else if (e->kind == LU_PAGE_LU_RECORD ? e->owner != LU_DOMID_LU
                                          : !dom_find(r, e->owner))
        lu_fail(r, rc, rec, "entry %u: owner %u is not declared", i, e->owner);
    else
        rc = ival_add(r, &r->ranges, rec, &iv);
    if (!rc) {
        r->sum.nr_page_ranges++;
        r->sum.preserved_pages += e->nr;
    }
    return rc;
}

static int check_page_range(struct lu_reader *r, const struct lu_rec *rec)
{
    const struct lu_rec_page_range *h = rec->body;
    const struct lu_page_range *e = (const void *)(h + 1);
    uint32_t i;
    int rc;

    if (rec->len < sizeof(*h))
        return lu_fail(r, -EINVAL, rec, "length %u too short", rec->len);
    if (h->_pad)
        return lu_fail(r, -EINVAL, rec, "non-zero reserved field");
    rc = array_len(r, rec, sizeof(*h), sizeof(*e), h->count);
    for (i = 0; !rc && i < h->count; i++)
        rc = check_range(r, rec, i, &e[i]);
    return rc;
}

static bool name_ok(const char *s, size_t size)
{
    return s[0] != '\0' && memchr(s, 0, size) != NULL;
}

static int check_domain(struct lu_reader *r, const struct lu_rec *rec)
{
    const struct lu_rec_domain *d = rec->body;
    struct lu_dom *nd;
    int rc = -EINVAL;

    if (rec->len != sizeof(*d))
        lu_fail(r, rc, rec, "length %u, expected %zu", rec->len, sizeof(*d));
    else if (d->domid >= LU_DOMID_FIRST_RESERVED)
        lu_fail(r, rc, rec, "domid %u is reserved", d->domid);
    else if (dom_find(r, d->domid))
        lu_fail(r, rc, rec, "domain %u appears twice", d->domid);
    else if (!name_ok(d->name, sizeof(d->name)) ||
             !memchr(d->backend_prog, 0, sizeof(d->backend_prog)))
        lu_fail(r, rc, rec, "domain %u: name or backend_prog not a string",
                d->domid);
    else if (d->state >= LU_DOM_STATE_NR ||
             (d->shutdown_reason > 4 && d->shutdown_reason != 255) ||
             d->on_poweroff >= LU_ACTION_NR || d->on_reboot >= LU_ACTION_NR ||
             d->on_crash >= LU_ACTION_NR ||
             (d->backend != LU_BACKEND_SIM && d->backend != LU_BACKEND_KVM) ||
             d->evtchn_abi > LU_EVTCHN_FIFO ||
             !all_zero(d->_pad0, sizeof(d->_pad0)))
        lu_fail(r, rc, rec, "domain %u: a field is out of range", d->domid);
    else if (d->nr_vcpus == 0 || d->nr_vcpus > LU_MAX_VCPUS ||
             d->memory_pages > d->max_pages || d->max_ports == 0)
        lu_fail(r, rc, rec,
                "domain %u: nr_vcpus %u, memory %llu > max %llu or no ports",
                d->domid, d->nr_vcpus, (unsigned long long)d->memory_pages,
                (unsigned long long)d->max_pages);
    else
        rc = 0;
    if (rc)
        goto out;
    if (r->nr_doms == r->cap_doms) {
        size_t cap = r->cap_doms ? r->cap_doms * 2 : 8;
        struct lu_dom *v = xhv_realloc(r->doms, cap * sizeof(*v));

        if (!v) {
            rc = lu_fail(r, -ENOMEM, rec, "out of memory");
            goto out;
        }
        r->doms = v;
        r->cap_doms = cap;
    }
    nd = &r->doms[r->nr_doms];
    memset(nd, 0, sizeof(*nd));
    nd->vcpu_seen = xhv_calloc((d->nr_vcpus + 7) / 8, 1);
    if (!nd->vcpu_seen) {
        rc = lu_fail(r, -ENOMEM, rec, "out of memory");
        goto out;
    }
    nd->domid = d->domid;
    nd->backend = d->backend;
    nd->nr_vcpus = d->nr_vcpus;
    nd->max_ports = d->max_ports;
    nd->max_grant_frames = d->max_grant_frames;
    nd->has_fifo = d->evtchn_abi == LU_EVTCHN_FIFO; /* FIFO record allowed */
    nd->fifo_abi = nd->has_fifo;
    r->dom_slot[d->domid] = (uint16_t)++r->nr_doms;
    r->sum.nr_domains++;
out:
    return rc;
}

static int check_p2m(struct lu_reader *r, const struct lu_rec *rec)
{
    const struct lu_p2m_extent *e;
    const struct lu_rec_p2m *h = rec->body;
    struct lu_dom *d;
    uint64_t mp = r->sum.header.machine_pages;
    uint32_t i, n;
    int rc = dom_array(r, rec, sizeof(*e), &d, &n, (const void **)&e);

    for (i = 0; !rc && i < n; i++, e++) {
        struct lu_ival iv = {.key = h->domid,
                             .start = e->gfn,
                             .nr = e->nr,
                             .entry = i,
                             .aux = e->mfn};

        if (e->nr == 0 || e->gfn >= LU_P2M_MAX_GFN ||
            e->nr > LU_P2M_MAX_GFN - e->gfn || e->mfn >= mp ||
            e->nr > mp - e->mfn)
            rc = lu_fail(r, -EINVAL, rec,
                         "extent %u [gfn %#llx mfn %#llx +%llu] out of range",
                         i, (unsigned long long)e->gfn,
                         (unsigned long long)e->mfn, (unsigned long long)e->nr);
        else if (e->type == 0 || e->type >= LU_P2M_TYPE_NR || e->flags)
            rc = lu_fail(r, -EINVAL, rec, "extent %u: type %u flags %#x", i,
                         e->type, e->flags);
        else
            rc = ival_add(r, &r->p2m, rec, &iv);
    }
    r->sum.nr_p2m_extents += n;
    return rc;
}

static int check_hvm_params(struct lu_reader *r, const struct lu_rec *rec)
{
    const struct lu_hvm_param *p;
    struct lu_dom *d;
    uint32_t i, n;
    int rc = dom_array(r, rec, sizeof(*p), &d, &n, (const void **)&p);

    for (i = 0; !rc && i < n; i++)
        if (p[i].index >= LU_HVM_MAX_PARAM)
            rc = lu_fail(r, -EINVAL, rec, "param %u: index %llu too large", i,
                         (unsigned long long)p[i].index);
    r->sum.nr_hvm_params += n;
    return rc;
}

static int check_vcpu_fields(struct lu_reader *r, const struct lu_rec *rec,
                             const struct lu_rec_vcpu *v, struct lu_dom *d)
{
    int rc = -EINVAL;

    if (v->vcpu_id >= d->nr_vcpus)
        lu_fail(r, rc, rec, "vcpu %u of domain %u, which has %u", v->vcpu_id,
                v->domid, d->nr_vcpus);
    else if (d->vcpu_seen[v->vcpu_id / 8] & (1u << (v->vcpu_id % 8)))
        lu_fail(r, rc, rec, "vcpu %u of domain %u appears twice", v->vcpu_id,
                v->domid);
    else if (v->online > 1 || v->singleshot_armed > 1 || v->_pad0 || v->_pad1 ||
             v->_pad2 || v->runstate_state > 3)
        lu_fail(r, rc, rec, "vcpu %u: a field is out of range", v->vcpu_id);
    else if (v->vcpu_info_gfn == LU_GFN_NONE
                 ? v->vcpu_info_offset != 0
                 : (v->vcpu_info_gfn >= LU_P2M_MAX_GFN ||
                    v->vcpu_info_offset > LU_PAGE_SIZE - LU_VCPU_INFO_SIZE))
        lu_fail(r, rc, rec, "vcpu %u: vcpu_info at gfn %#llx offset %u",
                v->vcpu_id, (unsigned long long)v->vcpu_info_gfn,
                v->vcpu_info_offset);
    else if (v->blob_type == LU_VCPU_BLOB_NONE ? v->blob_len != 0
                                               : v->blob_type != d->backend)
        lu_fail(r, rc, rec, "vcpu %u: blob type %u for backend %u", v->vcpu_id,
                v->blob_type, d->backend);
    else
        rc = 0;
    return rc;
}

static int check_vcpu(struct lu_reader *r, const struct lu_rec *rec)
{
    const struct lu_rec_vcpu *v = rec->body;
    struct lu_dom *d;
    int rc = -EINVAL;

    if (rec->len < sizeof(*v) ||
        (uint64_t)rec->len != sizeof(*v) + (uint64_t)v->blob_len) {
        lu_fail(r, rc, rec, "length %u does not match the blob", rec->len);
        goto out;
    }
    rc = need_dom(r, rec, v->domid, &d);
    if (!rc)
        rc = check_vcpu_fields(r, rec, v, d);
    if (rc)
        goto out;
    d->vcpu_seen[v->vcpu_id / 8] |= (uint8_t)(1u << (v->vcpu_id % 8));
    r->sum.nr_vcpus++;
out:
    return rc;
}

static int check_port(struct lu_reader *r, const struct lu_rec *rec,
                      struct lu_dom *d, uint32_t i,
                      const struct lu_evtchn_port *p)
{
    struct lu_ival iv = {
        .key = d->domid, .start = p->port, .nr = 1, .entry = i};
    bool remote =
        p->state == LU_EVTCHN_INTERDOMAIN || p->state == LU_EVTCHN_UNBOUND;
    int rc = -EINVAL;

    if (p->port == 0 || p->port >= d->max_ports)
        lu_fail(r, rc, rec, "port %u outside 1..%u", p->port, d->max_ports - 1);
    else if (p->state != LU_EVTCHN_UNBOUND &&
             p->state != LU_EVTCHN_INTERDOMAIN && p->state != LU_EVTCHN_VIRQ &&
             p->state != LU_EVTCHN_IPI)
        lu_fail(r, rc, rec, "port %u: state %u unknown", p->port, p->state);
    else if (p->notify_vcpu >= d->nr_vcpus ||
             p->priority > LU_EVTCHN_MAX_PRIORITY ||
             (p->flags & ~LU_EVTCHN_F_KNOWN))
        lu_fail(r, rc, rec, "port %u: vcpu %u priority %u flags %#x", p->port,
                p->notify_vcpu, p->priority, p->flags);
    else if ((p->flags & LU_EVTCHN_F_FIFO_SAVED) && !d->fifo_abi)
        lu_fail(r, rc, rec, "port %u: a held FIFO event on a 2-level domain",
                p->port);
    else if (p->state == LU_EVTCHN_VIRQ ? p->virq >= LU_NR_VIRQS : p->virq)
        lu_fail(r, rc, rec, "port %u: virq %u", p->port, p->virq);
    else if (remote ? p->remote_domid >= LU_DOMID_FIRST_RESERVED
                    : p->remote_domid || p->remote_port)
        lu_fail(r, rc, rec, "port %u: remote %u:%u", p->port, p->remote_domid,
                p->remote_port);
    else if (p->state == LU_EVTCHN_INTERDOMAIN ? p->remote_port == 0
                                               : p->remote_port != 0)
        lu_fail(r, rc, rec, "port %u: remote port %u", p->port, p->remote_port);
    else
        rc = ival_add(r, &r->ports, rec, &iv);
    return rc;
}

static int check_evtchn_port(struct lu_reader *r, const struct lu_rec *rec)
{
    const struct lu_evtchn_port *p;
    struct lu_dom *d;
    uint32_t i, n;
    int rc = dom_array(r, rec, sizeof(*p), &d, &n, (const void **)&p);

    for (i = 0; !rc && i < n; i++)
        rc = check_port(r, rec, d, i, &p[i]);
    r->sum.nr_ports += n;
    return rc;
}

static int check_fifo_entries(struct lu_reader *r, const struct lu_rec *rec,
                              const struct lu_rec_evtchn_fifo *f,
                              struct lu_dom *d)
{
    const struct lu_fifo_control *c = (const void *)(f + 1);
    const uint64_t *gfn = (const void *)(c + f->nr_control);
    uint8_t seen[LU_MAX_VCPUS / 8] = {0};
    uint32_t i, q;

    for (i = 0; i < f->nr_control; i++, c++) {
        if (c->vcpu_id >= d->nr_vcpus ||
            (seen[c->vcpu_id / 8] & (1u << (c->vcpu_id % 8))))
            return lu_fail(r, -EINVAL, rec, "control %u: vcpu %u bad or twice",
                           i, c->vcpu_id);
        seen[c->vcpu_id / 8] |= (uint8_t)(1u << (c->vcpu_id % 8));
        if (c->gfn >= LU_P2M_MAX_GFN ||
            c->offset > LU_PAGE_SIZE - LU_FIFO_CONTROL_SIZE || (c->offset & 7))
            return lu_fail(r, -EINVAL, rec, "control %u: gfn %#llx offset %u",
                           i, (unsigned long long)c->gfn, c->offset);
        for (q = 0; q < LU_FIFO_MAX_QUEUES; q++)
            if (c->tail[q] >= d->max_ports)
                return lu_fail(r, -EINVAL, rec, "control %u: tail %u = %u", i,
                               q, c->tail[q]);
    }
    for (i = 0; i < f->nr_array; i++)
        if (gfn[i] >= LU_P2M_MAX_GFN)
            return lu_fail(r, -EINVAL, rec, "array page %u: gfn %#llx", i,
                           (unsigned long long)gfn[i]);
    return 0;
}

static int check_evtchn_fifo(struct lu_reader *r, const struct lu_rec *rec)
{
    const struct lu_rec_evtchn_fifo *f = rec->body;
    struct lu_dom *d;
    int rc = -EINVAL;

    if (rec->len < sizeof(*f) || f->_pad0 || f->_pad1 ||
        f->nr_array > LU_FIFO_MAX_ARRAY_PAGES || f->nr_control > LU_MAX_VCPUS ||
        (uint64_t)rec->len !=
            sizeof(*f) +
                (uint64_t)f->nr_control * sizeof(struct lu_fifo_control) +
                (uint64_t)f->nr_array * sizeof(uint64_t)) {
        lu_fail(r, rc, rec, "length %u does not match its counts", rec->len);
        goto out;
    }
    rc = need_dom(r, rec, f->domid, &d);
    if (rc)
        goto out;
    if (!d->has_fifo) {
        rc = lu_fail(r, -EINVAL, rec,
                     "domain %u: not using FIFO, or a second FIFO record",
                     f->domid);
        goto out;
    }
    rc = check_fifo_entries(r, rec, f, d);
    if (!rc) {
        d->has_fifo = false; /* one per domain */
        r->sum.nr_fifo++;
    }
out:
    return rc;
}

static int check_console(struct lu_reader *r, const struct lu_rec *rec)
{
    const struct lu_rec_console *c = rec->body;
    struct lu_dom *d;
    int rc = -EINVAL;

    if (rec->len < sizeof(*c) || c->_pad || c->ring_len > LU_CONSOLE_MAX_RING ||
        rec->len != sizeof(*c) + c->ring_len ||
        c->ring_len > c->total_written) {
        lu_fail(r, rc, rec, "length %u does not match ring_len", rec->len);
        goto out;
    }
    rc = need_dom(r, rec, c->domid, &d);
    if (!rc && d->has_console)
        rc = lu_fail(r, -EINVAL, rec, "a second console for domain %u",
                     c->domid);
    if (!rc) {
        d->has_console = true;
        r->sum.nr_consoles++;
    }
out:
    return rc;
}

static int check_domcfg(struct lu_reader *r, const struct lu_rec *rec)
{
    const struct lu_rec_domcfg *c = rec->body;
    struct lu_dom *d;
    int rc = -EINVAL;

    if (rec->len < sizeof(*c) || c->_pad || c->len > LU_DOMCFG_MAX ||
        rec->len != sizeof(*c) + c->len) {
        lu_fail(r, rc, rec, "length %u does not match len", rec->len);
        goto out;
    }
    rc = need_dom(r, rec, c->domid, &d);
    if (!rc && d->has_domcfg)
        rc =
            lu_fail(r, -EINVAL, rec, "a second config for domain %u", c->domid);
    if (!rc)
        d->has_domcfg = true;
out:
    return rc;
}

static int check_gnttab(struct lu_reader *r, const struct lu_rec *rec)
{
    const struct lu_rec_gnttab *g = rec->body;
    struct lu_dom *d;
    int rc = -EINVAL;

    if (rec->len != sizeof(*g) || g->_pad0) {
        lu_fail(r, rc, rec, "length %u, expected %zu", rec->len, sizeof(*g));
        goto out;
    }
    rc = need_dom(r, rec, g->domid, &d);
    if (rc)
        goto out;
    if (d->has_gnttab || (g->version != 1 && g->version != 2) ||
        g->nr_frames > d->max_grant_frames ||
        (g->version == 1 && g->nr_status_frames)) {
        rc = lu_fail(r, -EINVAL, rec,
                     "domain %u: version %u, %u frames (max %u), %u status "
                     "frames, or a second GNTTAB",
                     g->domid, g->version, g->nr_frames, d->max_grant_frames,
                     g->nr_status_frames);
        goto out;
    }
    d->has_gnttab = true;
    r->sum.nr_gnttab++;
out:
    return rc;
}

static int check_maptrack(struct lu_reader *r, const struct lu_rec *rec)
{
    const struct lu_maptrack_entry *e;
    struct lu_dom *d;
    uint32_t i, n;
    int rc = dom_array(r, rec, sizeof(*e), &d, &n, (const void **)&e);

    for (i = 0; !rc && i < n; i++, e++) {
        struct lu_ival iv = {
            .key = d->domid, .start = e->handle, .nr = 1, .entry = i};

        if (e->granter >= LU_DOMID_FIRST_RESERVED ||
            (e->flags & ~LU_MAPTRACK_F_KNOWN) || e->_pad ||
            e->gfn >= LU_P2M_MAX_GFN)
            rc = lu_fail(r, -EINVAL, rec, "handle %u: a field is out of range",
                         e->handle);
        else
            rc = ival_add(r, &r->maptrack, rec, &iv);
    }
    r->sum.nr_maptrack += n;
    return rc;
}

int lu_rec_check(struct lu_reader *r, const struct lu_rec *rec)
{
    switch (rec->type) {
    case LU_REC_HEADER:
        return check_header_body(r, rec);
    case LU_REC_PAGE_RANGE:
        return check_page_range(r, rec);
    case LU_REC_DOMAIN:
        return check_domain(r, rec);
    case LU_REC_P2M:
        return check_p2m(r, rec);
    case LU_REC_HVM_PARAMS:
        return check_hvm_params(r, rec);
    case LU_REC_VCPU:
        return check_vcpu(r, rec);
    case LU_REC_EVTCHN_PORT:
        return check_evtchn_port(r, rec);
    case LU_REC_EVTCHN_FIFO:
        return check_evtchn_fifo(r, rec);
    case LU_REC_CONSOLE:
        return check_console(r, rec);
    case LU_REC_GNTTAB:
        return check_gnttab(r, rec);
    case LU_REC_MAPTRACK:
        return check_maptrack(r, rec);
    case LU_REC_DOMCFG:
        return check_domcfg(r, rec);
    case LU_REC_END:
        return rec->len ? lu_fail(r, -EINVAL, rec, "END must be empty") : 0;
    default:
        return lu_fail(r, -EINVAL, rec, "not a record type this reader knows");
    }
}
