/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The live-update record types on both sides of the wire: one write
 * helper per type (wire structure in, framed record out, arrays split
 * into records of at most LU_WRITE_MAX_ENTRIES entries) and the pass-2
 * dispatch that hands a validated record to the caller's callback.
 *
 * The record layouts are in include/xhv/public/liveupdate.h; the checks
 * that make a record acceptable are in lu_check.c. Nothing here checks
 * semantics: dispatch runs only on a stream pass 1 has accepted.
 */
#include <errno.h>
#include <string.h>

#include "stream/private.h"

static const struct {
    uint32_t type;
    const char *name;
} rec_names[] = {
    {LU_REC_END, "END"},
    {LU_REC_HEADER, "HEADER"},
    {LU_REC_PAGE_RANGE, "PAGE_RANGE"},
    {LU_REC_DOMAIN, "DOMAIN"},
    {LU_REC_P2M, "P2M"},
    {LU_REC_HVM_PARAMS, "HVM_PARAMS"},
    {LU_REC_VCPU, "VCPU"},
    {LU_REC_EVTCHN_PORT, "EVTCHN_PORT"},
    {LU_REC_EVTCHN_FIFO, "EVTCHN_FIFO"},
    {LU_REC_CONSOLE, "CONSOLE"},
    {LU_REC_GNTTAB, "GNTTAB"},
    {LU_REC_MAPTRACK, "MAPTRACK"},
    {LU_REC_DOMCFG, "DOMCFG"},
};

const char *lu_record_name(uint32_t type)
{
    size_t i;

    for (i = 0; i < sizeof(rec_names) / sizeof(rec_names[0]); i++)
        if (rec_names[i].type == type)
            return rec_names[i].name;
    return "unknown";
}

bool lu_rec_known(uint32_t type)
{
    return strcmp(lu_record_name(type), "unknown") != 0;
}

/* ---- Writing ------------------------------------------------------------ */

static int write_one(struct lu_writer *w, uint32_t type, const void *body,
                     size_t len)
{
    struct lu_iov iov = {body, len};

    return lu_record_write(w, type, &iov, 1);
}

/*
 * Writes { domid; pad; count } + entries, in as many records as needed.
 * All the array records but PAGE_RANGE share this 8-byte prefix shape;
 * PAGE_RANGE's { count; pad } is written with domid_first false.
 */
static int write_array(struct lu_writer *w, uint32_t type, bool domid_first,
                       uint16_t domid, const void *entries, size_t esize,
                       size_t n)
{
    const uint8_t *e = entries;
    uint8_t prefix[8] = {0};
    struct lu_iov iov[2];
    uint32_t chunk;
    int rc = 0;

    while (n && !rc) {
        chunk = n > LU_WRITE_MAX_ENTRIES ? LU_WRITE_MAX_ENTRIES : (uint32_t)n;
        if (domid_first) {
            memcpy(prefix, &domid, 2);
            memcpy(prefix + 4, &chunk, 4);
        } else {
            memcpy(prefix, &chunk, 4);
        }
        iov[0] = (struct lu_iov){prefix, sizeof(prefix)};
        iov[1] = (struct lu_iov){e, (size_t)chunk * esize};
        rc = lu_record_write(w, type, iov, 2);
        e += (size_t)chunk * esize;
        n -= chunk;
    }
    return rc;
}

int lu_write_header(struct lu_writer *w, const struct lu_rec_header *h)
{
    return write_one(w, LU_REC_HEADER, h, sizeof(*h));
}

int lu_write_page_ranges(struct lu_writer *w, const struct lu_page_range *r,
                         size_t n)
{
    return write_array(w, LU_REC_PAGE_RANGE, false, 0, r, sizeof(*r), n);
}

int lu_write_domain(struct lu_writer *w, const struct lu_rec_domain *d)
{
    return write_one(w, LU_REC_DOMAIN, d, sizeof(*d));
}

int lu_write_p2m(struct lu_writer *w, uint16_t domid,
                 const struct lu_p2m_extent *e, size_t n)
{
    return write_array(w, LU_REC_P2M, true, domid, e, sizeof(*e), n);
}

int lu_write_hvm_params(struct lu_writer *w, uint16_t domid,
                        const struct lu_hvm_param *p, size_t n)
{
    return write_array(w, LU_REC_HVM_PARAMS, true, domid, p, sizeof(*p), n);
}

int lu_write_vcpu(struct lu_writer *w, const struct lu_rec_vcpu *v,
                  const void *blob)
{
    struct lu_iov iov[2] = {{v, sizeof(*v)}, {blob, v->blob_len}};

    return lu_record_write(w, LU_REC_VCPU, iov, v->blob_len ? 2 : 1);
}

int lu_write_evtchn_ports(struct lu_writer *w, uint16_t domid,
                          const struct lu_evtchn_port *p, size_t n)
{
    return write_array(w, LU_REC_EVTCHN_PORT, true, domid, p, sizeof(*p), n);
}

int lu_write_evtchn_fifo(struct lu_writer *w, uint16_t domid,
                         const struct lu_fifo_control *c, uint32_t nr_control,
                         const uint64_t *array_gfn, uint32_t nr_array)
{
    struct lu_rec_evtchn_fifo f = {
        .domid = domid, .nr_control = nr_control, .nr_array = nr_array};
    struct lu_iov iov[3] = {
        {&f, sizeof(f)},
        {c, (size_t)nr_control * sizeof(*c)},
        {array_gfn, (size_t)nr_array * sizeof(*array_gfn)},
    };

    return lu_record_write(w, LU_REC_EVTCHN_FIFO, iov, 3);
}

int lu_write_console(struct lu_writer *w, uint16_t domid,
                     uint64_t total_written, const void *ring,
                     uint32_t ring_len)
{
    struct lu_rec_console c = {
        .domid = domid, .ring_len = ring_len, .total_written = total_written};
    struct lu_iov iov[2] = {{&c, sizeof(c)}, {ring, ring_len}};

    return lu_record_write(w, LU_REC_CONSOLE, iov, 2);
}

int lu_write_gnttab(struct lu_writer *w, const struct lu_rec_gnttab *g)
{
    return write_one(w, LU_REC_GNTTAB, g, sizeof(*g));
}

int lu_write_domcfg(struct lu_writer *w, uint16_t domid, const char *text,
                    uint32_t len)
{
    struct lu_rec_domcfg c = {.domid = domid, .len = len};
    struct lu_iov iov[2] = {{&c, sizeof(c)}, {text, len}};

    if (len > LU_DOMCFG_MAX)
        return -EFBIG;
    return lu_record_write(w, LU_REC_DOMCFG, iov, 2);
}

int lu_write_maptrack(struct lu_writer *w, uint16_t domid,
                      const struct lu_maptrack_entry *e, size_t n)
{
    return write_array(w, LU_REC_MAPTRACK, true, domid, e, sizeof(*e), n);
}

int lu_write_end(struct lu_writer *w)
{
    return lu_record_write(w, LU_REC_END, NULL, 0);
}

/* ---- Pass-2 dispatch ---------------------------------------------------- */

/* The array that follows an 8-byte { domid; pad; count } prefix. */
static void array_of(const struct lu_rec *rec, uint16_t *domid, uint32_t *count,
                     const void **entries)
{
    const uint8_t *b = rec->body;

    memcpy(domid, b, 2);
    memcpy(count, b + 4, 4);
    *entries = b + 8;
}

static int apply_fifo(const struct lu_rec *rec, const struct lu_apply_ops *ops,
                      void *opaque)
{
    const struct lu_rec_evtchn_fifo *f = rec->body;
    const struct lu_fifo_control *c = (const void *)(f + 1);

    return ops->evtchn_fifo(opaque, f->domid, c, f->nr_control,
                            (const uint64_t *)(c + f->nr_control), f->nr_array);
}

int lu_rec_apply(const struct lu_rec *rec, const struct lu_apply_ops *ops,
                 void *opaque)
{
    const uint8_t *b = rec->body;
    const void *e = NULL;
    uint16_t domid = 0;
    uint32_t n = 0;
    int rc = 0;

    /* Pass 1 has checked every length this relies on. */
    if (rec->type == LU_REC_PAGE_RANGE) {
        memcpy(&n, b, 4);
        e = b + 8;
    } else if (rec->len >= 8)
        array_of(rec, &domid, &n, &e);
    switch (rec->type) {
    case LU_REC_HEADER:
        if (ops->header)
            rc = ops->header(opaque, rec->body);
        break;
    case LU_REC_PAGE_RANGE:
        if (ops->page_ranges)
            rc = ops->page_ranges(opaque, e, n);
        break;
    case LU_REC_DOMAIN:
        if (ops->domain)
            rc = ops->domain(opaque, rec->body);
        break;
    case LU_REC_P2M:
        if (ops->p2m)
            rc = ops->p2m(opaque, domid, e, n);
        break;
    case LU_REC_HVM_PARAMS:
        if (ops->hvm_params)
            rc = ops->hvm_params(opaque, domid, e, n);
        break;
    case LU_REC_VCPU:
        if (ops->vcpu)
            rc = ops->vcpu(opaque, rec->body, b + sizeof(struct lu_rec_vcpu));
        break;
    case LU_REC_EVTCHN_PORT:
        if (ops->evtchn_ports)
            rc = ops->evtchn_ports(opaque, domid, e, n);
        break;
    case LU_REC_EVTCHN_FIFO:
        if (ops->evtchn_fifo)
            rc = apply_fifo(rec, ops, opaque);
        break;
    case LU_REC_CONSOLE:
        if (ops->console)
            rc = ops->console(opaque, rec->body,
                              b + sizeof(struct lu_rec_console));
        break;
    case LU_REC_GNTTAB:
        if (ops->gnttab)
            rc = ops->gnttab(opaque, rec->body);
        break;
    case LU_REC_MAPTRACK:
        if (ops->maptrack)
            rc = ops->maptrack(opaque, domid, e, n);
        break;
    case LU_REC_DOMCFG:
        if (ops->domcfg)
            rc = ops->domcfg(opaque, ((const struct lu_rec_domcfg *)b)->domid,
                             (const char *)b + sizeof(struct lu_rec_domcfg),
                             ((const struct lu_rec_domcfg *)b)->len);
        break;
    case LU_REC_END:
        if (ops->end)
            rc = ops->end(opaque);
        break;
    default:
        break; /* an unknown optional record: skipped */
    }
    return rc;
}
