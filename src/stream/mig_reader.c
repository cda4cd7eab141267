/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Migration stream reader: one pass, record by record, as bytes arrive
 * (mig.h). Nothing read is trusted: every length is bounded before it is
 * used to read or to index, padding and reserved fields must be zero, and
 * each record's place in its image is checked against what came before.
 * The only state is the reader's own; the caller applies what it is
 * given and undoes it all on an error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "lib/alloc.h"
#include "stream/mig.h"

struct rec {
    uint32_t type, len;
    const uint8_t *body;
};

static int fail(struct mig_reader *r, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct mig_reader *r, int rc, const char *fmt, ...)
{
    va_list ap;

    if (!r->err[0]) {
        va_start(ap, fmt);
        vsnprintf(r->err, sizeof(r->err), fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* "record 3 (PAGE_DATA) at offset 4120: " in front of every body error. */
#define RFAIL(r, t, rc, fmt, ...)                                              \
    fail(r, rc, "record %u (%s) at offset %llu: " fmt, (r)->index,             \
         mig_record_name(t), (unsigned long long)rec_off, ##__VA_ARGS__)

const char *mig_record_name(uint32_t type)
{
    switch (type) {
    case MIG_REC_END:
        return "END";
    case MIG_REC_PAGE_DATA:
        return "PAGE_DATA";
    case MIG_REC_X86_TSC_INFO:
        return "X86_TSC_INFO";
    case MIG_REC_HVM_CONTEXT:
        return "HVM_CONTEXT";
    case MIG_REC_HVM_PARAMS:
        return "HVM_PARAMS";
    case MIG_REC_STATIC_DATA_END:
        return "STATIC_DATA_END";
    case MIG_REC_X86_CPUID_POLICY:
        return "X86_CPUID_POLICY";
    case MIG_REC_X86_MSR_POLICY:
        return "X86_MSR_POLICY";
    case MIG_REC_XHV_DOMAIN:
        return "XHV_DOMAIN";
    case MIG_REC_XHV_EXTRA_PAGE:
        return "XHV_EXTRA_PAGE";
    case MIG_REC_XHV_VCPU:
        return "XHV_VCPU";
    case MIG_REC_XHV_EVTCHN:
        return "XHV_EVTCHN";
    case MIG_REC_XHV_CONSOLE:
        return "XHV_CONSOLE";
    case MIG_REC_XHV_CONFIG:
        return "XHV_CONFIG";
    case MIG_REC_XHV_KVM_VCPU:
        return "XHV_KVM_VCPU";
    case MIG_REC_XHV_PAGES:
        return "XHV_PAGES";
    case MIG_REC_XHV_EVTCHN_FIFO:
        return "XHV_EVTCHN_FIFO";
    default:
        return "unknown";
    }
}

void mig_reader_init(struct mig_reader *r, mig_io_fn read, void *opaque)
{
    memset(r, 0, sizeof(*r));
    r->read = read;
    r->opaque = opaque;
}

void mig_reader_fini(struct mig_reader *r)
{
    xhv_free(r->body);
    xhv_free(r->hvm);
    r->body = NULL;
    r->hvm = NULL;
    r->cap = 0;
}

const char *mig_error(const struct mig_reader *r)
{
    return r->err;
}

static int get(struct mig_reader *r, void *buf, size_t len, const char *what)
{
    int rc = r->read(r->opaque, buf, len);

    if (rc == -ENODATA && r->in_image)
        rc = -EPIPE; /* inside an image, any end is a truncation */
    if (rc == -EPIPE)
        return fail(r, rc,
                    "the stream ends at offset %llu, inside %s (record %u)",
                    (unsigned long long)r->offset, what, r->index);
    if (rc && rc != -ENODATA)
        return fail(r, rc, "reading %s at offset %llu: %s", what,
                    (unsigned long long)r->offset, strerror(-rc));
    if (!rc)
        r->offset += len;
    return rc;
}

int mig_read_headers(struct mig_reader *r)
{
    struct mig_ihdr ih;
    struct mig_dhdr dh;
    uint8_t *keep_body = r->body;
    struct mig_hvm_ctx *keep_hvm = r->hvm;
    size_t keep_cap = r->cap;
    int rc;

    /* A new image starts with a clean order state. */
    memset((char *)r + offsetof(struct mig_reader, index), 0,
           offsetof(struct mig_reader, err) -
               offsetof(struct mig_reader, index));
    r->body = keep_body;
    r->hvm = keep_hvm;
    r->cap = keep_cap;
    r->err[0] = '\0';
    r->img_start = r->offset;
    rc = get(r, &ih, sizeof(ih), "the image header");
    if (rc == -ENODATA)
        return fail(r, rc, "no image at offset %llu (end of input)",
                    (unsigned long long)r->offset);
    if (rc)
        return rc;
    r->in_image = true;
    if (ih.marker != MIG_IHDR_MARKER || __builtin_bswap32(ih.id) != MIG_IHDR_ID)
        return fail(r, -EINVAL,
                    "image header at offset %llu: not a Xen migration "
                    "stream v2 image (wrong marker or id)",
                    (unsigned long long)r->img_start);
    r->version = __builtin_bswap32(ih.version);
    if (r->version != 2 && r->version != 3)
        return fail(r, -EPROTONOSUPPORT,
                    "image header at offset %llu: version %u (this reader "
                    "takes 2 and 3)",
                    (unsigned long long)r->img_start, r->version);
    if (__builtin_bswap16(ih.options) != 0 || ih._res1 || ih._res2)
        return fail(r, -EPROTONOSUPPORT,
                    "image header at offset %llu: options %#x (only "
                    "little-endian, no reserved bits)",
                    (unsigned long long)r->img_start,
                    __builtin_bswap16(ih.options));
    rc = get(r, &dh, sizeof(dh), "the domain header");
    if (rc)
        return rc;
    if (dh.type != MIG_DHDR_TYPE_X86_HVM)
        return fail(r, -EPROTONOSUPPORT,
                    "domain header at offset %llu: domain type %u (xhv "
                    "takes x86 HVM, 2)",
                    (unsigned long long)(r->img_start + sizeof(ih)), dh.type);
    if (dh.page_shift != MIG_PAGE_SHIFT || dh._res1)
        return fail(r, -EINVAL,
                    "domain header at offset %llu: page shift %u (4 KiB "
                    "pages only)",
                    (unsigned long long)(r->img_start + sizeof(ih)),
                    dh.page_shift);
    return 0;
}

/* ---- per-record bodies -----------------------------------------------------
 */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static int page_data(struct mig_reader *r, const struct rec *c,
                     uint64_t rec_off, struct mig_item *it)
{
    const struct mig_page_data_hdr *h = (const void *)c->body;
    uint64_t sorted[MIG_PAGE_BATCH];
    const uint64_t *pfn;
    uint32_t i, nr_data = 0;

    if (c->len < sizeof(*h))
        return RFAIL(r, c->type, -EINVAL, "%u bytes, shorter than its header",
                     c->len);
    if (h->count == 0 || h->count > MIG_PAGE_BATCH || h->_res1)
        return RFAIL(r, c->type, -EINVAL, "count %u (1..%u, reserved zero)",
                     h->count, MIG_PAGE_BATCH);
    if (c->len < sizeof(*h) + (uint64_t)h->count * 8)
        return RFAIL(r, c->type, -EINVAL, "%u bytes cannot hold %u pfns",
                     c->len, h->count);
    pfn = (const uint64_t *)(c->body + sizeof(*h));
    for (i = 0; i < h->count; i++) {
        uint64_t t = pfn[i] & MIG_PFN_TYPE_MASK;

        if (pfn[i] & MIG_PFN_RES_MASK)
            return RFAIL(r, c->type, -EINVAL,
                         "pfn entry %u (%#llx) has reserved bits set", i,
                         (unsigned long long)pfn[i]);
        if (t == MIG_PFN_TYPE_NOTAB)
            nr_data++;
        else if (t != MIG_PFN_TYPE_XALLOC && t != MIG_PFN_TYPE_XTAB)
            return RFAIL(r, c->type, -EPROTONOSUPPORT,
                         "pfn %#llx has type %#llx (xhv takes normal, "
                         "XALLOC and XTAB pages)",
                         (unsigned long long)(pfn[i] & MIG_PFN_MASK),
                         (unsigned long long)(t >> 60));
        sorted[i] = pfn[i] & MIG_PFN_MASK;
    }
    if (c->len !=
        sizeof(*h) + (uint64_t)h->count * 8 + (uint64_t)nr_data * MIG_PAGE_SIZE)
        return RFAIL(r, c->type, -EINVAL,
                     "%u bytes, but %u pfns with %u pages of data make "
                     "%llu",
                     c->len, h->count, nr_data,
                     (unsigned long long)(sizeof(*h) + h->count * 8ULL +
                                          nr_data * (uint64_t)MIG_PAGE_SIZE));
    qsort(sorted, h->count, sizeof(*sorted), cmp_u64);
    for (i = 1; i < h->count; i++)
        if (sorted[i] == sorted[i - 1])
            return RFAIL(r, c->type, -EINVAL, "pfn %#llx appears twice",
                         (unsigned long long)sorted[i]);
    r->seen_pages = true;
    it->u.pages.count = h->count;
    it->u.pages.nr_data = nr_data;
    it->u.pages.pfns = pfn;
    it->u.pages.data = c->body + sizeof(*h) + h->count * 8ULL;
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

static bool str_ok(const char *s, size_t size)
{
    size_t n = strnlen(s, size);

    return n > 0 && n < size && all_zero(s + n, size - n);
}

static int xhv_domain(struct mig_reader *r, const struct rec *c,
                      uint64_t rec_off, struct mig_item *it)
{
    const struct mig_xhv_domain *d = (const void *)c->body;

    if (c->len != sizeof(*d))
        return RFAIL(r, c->type, -EINVAL, "%u bytes, not %zu", c->len,
                     sizeof(*d));
    if (d->nr_vcpus == 0 || d->nr_vcpus > MIG_MAX_VCPUS)
        return RFAIL(r, c->type, -EINVAL, "%u vCPUs (1..%u)", d->nr_vcpus,
                     MIG_MAX_VCPUS);
    if (d->memory_pages == 0 || d->memory_pages > d->max_pages ||
        d->tot_pages > d->max_pages)
        return RFAIL(r, c->type, -EINVAL,
                     "memory %llu, tot %llu and max %llu pages do not fit",
                     (unsigned long long)d->memory_pages,
                     (unsigned long long)d->tot_pages,
                     (unsigned long long)d->max_pages);
    if (d->state > MIG_STATE_PAUSED || d->evtchn_abi > MIG_EVTCHN_ABI_FIFO ||
        d->gnttab_version > 2 || d->on_poweroff > 6 || d->on_reboot > 6 ||
        d->on_crash > 6)
        return RFAIL(r, c->type, -EINVAL,
                     "state %u, event-channel ABI %u, grant-table version "
                     "%u or an on_* action out of range",
                     d->state, d->evtchn_abi, d->gnttab_version);
    if (!str_ok(d->name, sizeof(d->name)))
        return RFAIL(r, c->type, -EINVAL, "the name is empty or unterminated");
    if (strnlen(d->backend_prog, sizeof(d->backend_prog)) ==
            sizeof(d->backend_prog) ||
        !all_zero(d->backend_prog + strlen(d->backend_prog),
                  sizeof(d->backend_prog) - strlen(d->backend_prog)))
        return RFAIL(r, c->type, -EINVAL, "the program name is unterminated");
    if (d->backend != MIG_BACKEND_SIM)
        return RFAIL(r, c->type, -EPROTONOSUPPORT,
                     "backend %u (only sim guests, 1, can be restored yet)",
                     d->backend);
    r->nr_vcpus = d->nr_vcpus;
    r->backend = d->backend;
    it->u.domain = d;
    return 0;
}

static int extra_page(struct mig_reader *r, const struct rec *c,
                      uint64_t rec_off, struct mig_item *it)
{
    const struct mig_xhv_extra_page *h = (const void *)c->body;

    if (c->len != sizeof(*h) + MIG_PAGE_SIZE)
        return RFAIL(r, c->type, -EINVAL, "%u bytes, not %zu", c->len,
                     sizeof(*h) + MIG_PAGE_SIZE);
    if (h->kind == MIG_EXTRA_GRANT_FRAME || h->kind == MIG_EXTRA_GRANT_STATUS) {
        /* Which frames a table may have is the restorer's to check
         * against the domain's limit; here only the bound. */
        if (h->index >= MIG_MAX_GRANT_FRAMES)
            return RFAIL(r, c->type, -EINVAL, "grant frame %u out of range",
                         h->index);
    } else if (h->kind != MIG_EXTRA_SHARED_INFO || h->index != 0) {
        return RFAIL(r, c->type, -EPROTONOSUPPORT,
                     "extra page kind %u index %u (shared_info 1/0, grant "
                     "frame 2/N, grant status frame 3/N)",
                     h->kind, h->index);
    } else if (r->seen_shinfo) {
        return RFAIL(r, c->type, -EINVAL, "shared_info given twice");
    }
    if (h->gfn != MIG_GFN_NONE && h->gfn > MIG_PFN_MASK)
        return RFAIL(r, c->type, -EINVAL, "gfn %#llx out of range",
                     (unsigned long long)h->gfn);
    if (h->kind == MIG_EXTRA_SHARED_INFO)
        r->seen_shinfo = true;
    it->u.extra.hdr = h;
    it->u.extra.contents = c->body + sizeof(*h);
    return 0;
}

/* What every per-vCPU record must be: its size, for a vCPU the domain
 * has, once (seen: that record kind's bitmap; the caller sets the bit).
 * Its vCPU id is the u32 at id_off. */
static int vcpu_record(struct mig_reader *r, const struct rec *c,
                       uint64_t rec_off, size_t size, size_t id_off,
                       const uint8_t *seen)
{
    uint32_t vcpu_id;

    if (c->len != size)
        return RFAIL(r, c->type, -EINVAL, "%u bytes, not %zu", c->len, size);
    memcpy(&vcpu_id, c->body + id_off, sizeof(vcpu_id));
    if (vcpu_id >= r->nr_vcpus)
        return RFAIL(r, c->type, -EINVAL, "vCPU %u of a %u-vCPU domain",
                     vcpu_id, r->nr_vcpus);
    if (seen[vcpu_id / 8] & (1u << (vcpu_id % 8)))
        return RFAIL(r, c->type, -EINVAL, "vCPU %u given twice", vcpu_id);
    return 0;
}

static int xhv_vcpu(struct mig_reader *r, const struct rec *c, uint64_t rec_off,
                    struct mig_item *it)
{
    const struct mig_xhv_vcpu *v = (const void *)c->body;
    int rc = vcpu_record(r, c, rec_off, sizeof(*v),
                         offsetof(struct mig_xhv_vcpu, vcpu_id), r->vcpu_seen);

    if (rc)
        return rc;
    if (v->_res1 || v->online > 1 || v->singleshot_armed > 1 ||
        v->runstate_state > 3)
        return RFAIL(r, c->type, -EINVAL, "vCPU %u: a flag out of range",
                     v->vcpu_id);
    if (v->vcpu_info_gfn == MIG_GFN_NONE
            ? v->vcpu_info_offset != 0
            : (v->vcpu_info_gfn > MIG_PFN_MASK ||
               v->vcpu_info_offset > MIG_PAGE_SIZE - 64))
        return RFAIL(r, c->type, -EINVAL,
                     "vCPU %u: vcpu_info at gfn %#llx offset %u", v->vcpu_id,
                     (unsigned long long)v->vcpu_info_gfn, v->vcpu_info_offset);
    r->vcpu_seen[v->vcpu_id / 8] |= (uint8_t)(1u << (v->vcpu_id % 8));
    it->u.vcpu = v;
    return 0;
}

static int port_ok(const struct lu_evtchn_port *p, uint32_t nr_vcpus)
{
    if (p->port == 0 || p->port >= MIG_EVTCHN_MAX_PORTS ||
        p->notify_vcpu >= nr_vcpus || p->priority > LU_EVTCHN_MAX_PRIORITY ||
        (p->flags & ~LU_EVTCHN_F_KNOWN))
        return 0;
    switch (p->state) {
    case LU_EVTCHN_UNBOUND:
        return !p->remote_port && !p->virq;
    case LU_EVTCHN_INTERDOMAIN:
        return p->remote_port && p->remote_port < MIG_EVTCHN_MAX_PORTS &&
               !p->virq;
    case LU_EVTCHN_VIRQ:
        return p->virq < LU_NR_VIRQS && !p->remote_port && !p->remote_domid;
    case LU_EVTCHN_IPI:
        return !p->virq && !p->remote_port && !p->remote_domid;
    default:
        return 0;
    }
}

static int xhv_evtchn(struct mig_reader *r, const struct rec *c,
                      uint64_t rec_off, struct mig_item *it)
{
    const struct mig_xhv_evtchn_hdr *h = (const void *)c->body;
    const struct lu_evtchn_port *p;
    uint32_t i;

    if (c->len < sizeof(*h) || h->_res1 || h->count == 0 ||
        h->count >= MIG_EVTCHN_MAX_PORTS ||
        c->len != sizeof(*h) + (uint64_t)h->count * MIG_EVTCHN_ENTRY_SIZE)
        return RFAIL(r, c->type, -EINVAL,
                     "%u bytes do not hold the %u ports it counts", c->len,
                     c->len >= sizeof(*h) ? h->count : 0);
    p = (const void *)(c->body + sizeof(*h));
    for (i = 0; i < h->count; i++) {
        if (!port_ok(&p[i], r->nr_vcpus))
            return RFAIL(r, c->type, -EINVAL,
                         "entry %u (port %u, state %u) is malformed", i,
                         p[i].port, p[i].state);
        if (r->port_seen[p[i].port / 8] & (1u << (p[i].port % 8)))
            return RFAIL(r, c->type, -EINVAL, "port %u given twice", p[i].port);
        r->port_seen[p[i].port / 8] |= (uint8_t)(1u << (p[i].port % 8));
    }
    it->u.evtchn.count = h->count;
    it->u.evtchn.ports = p;
    return 0;
}

/* The form of each entry; what it means for the domain (vCPU given
 * twice, a tail outside the array, gfns that are not its RAM) is the
 * restorer's to check (evtchn_fifo_restore()). */
static int xhv_evtchn_fifo(struct mig_reader *r, const struct rec *c,
                           uint64_t rec_off, struct mig_item *it)
{
    const struct mig_xhv_evtchn_fifo_hdr *h = (const void *)c->body;
    const struct lu_fifo_control *e;
    const uint64_t *gfn;
    uint32_t i, q;

    _Static_assert(sizeof(*e) == MIG_FIFO_CONTROL_SIZE, "control entry");
    if (c->len < sizeof(*h) || h->nr_control == 0 ||
        h->nr_control > r->nr_vcpus || h->nr_array > MIG_FIFO_MAX_ARRAY_PAGES ||
        c->len != sizeof(*h) + (uint64_t)h->nr_control * sizeof(*e) +
                      (uint64_t)h->nr_array * sizeof(*gfn))
        return RFAIL(r, c->type, -EINVAL,
                     "%u bytes do not hold 1..%u control blocks and at most "
                     "%u array pages",
                     c->len, r->nr_vcpus, MIG_FIFO_MAX_ARRAY_PAGES);
    if (r->seen_fifo)
        return RFAIL(r, c->type, -EINVAL, "given twice");
    e = (const void *)(c->body + sizeof(*h));
    gfn = (const void *)(e + h->nr_control);
    for (i = 0; i < h->nr_control; i++) {
        if (e[i].vcpu_id >= r->nr_vcpus || e[i].gfn > MIG_PFN_MASK ||
            e[i].offset > MIG_PAGE_SIZE - LU_FIFO_CONTROL_SIZE ||
            (e[i].offset & 7))
            return RFAIL(r, c->type, -EINVAL,
                         "control block %u: vCPU %u, gfn %#llx, offset %u "
                         "out of range",
                         i, e[i].vcpu_id, (unsigned long long)e[i].gfn,
                         e[i].offset);
        for (q = 0; q < LU_FIFO_MAX_QUEUES; q++)
            if (e[i].tail[q] >= MIG_EVTCHN_MAX_PORTS)
                return RFAIL(r, c->type, -EINVAL,
                             "control block %u: queue %u's tail %u is not a "
                             "port",
                             i, q, e[i].tail[q]);
    }
    for (i = 0; i < h->nr_array; i++)
        if (gfn[i] > MIG_PFN_MASK)
            return RFAIL(r, c->type, -EINVAL, "array page %u: gfn %#llx", i,
                         (unsigned long long)gfn[i]);
    r->seen_fifo = true;
    it->u.fifo.nr_control = h->nr_control;
    it->u.fifo.nr_array = h->nr_array;
    it->u.fifo.control = e;
    it->u.fifo.array_gfn = gfn;
    return 0;
}

static int xhv_console(struct mig_reader *r, const struct rec *c,
                       uint64_t rec_off, struct mig_item *it)
{
    const struct mig_xhv_console *h = (const void *)c->body;

    if (c->len < sizeof(*h) || h->_res1 || h->ring_len > MIG_CONSOLE_MAX ||
        c->len != sizeof(*h) + h->ring_len || h->ring_len > h->total_written)
        return RFAIL(r, c->type, -EINVAL, "malformed (%u bytes)", c->len);
    if (r->seen_console)
        return RFAIL(r, c->type, -EINVAL, "given twice");
    r->seen_console = true;
    it->u.console.hdr = h;
    it->u.console.ring = (const char *)(c->body + sizeof(*h));
    return 0;
}

static int xhv_pages(struct mig_reader *r, const struct rec *c,
                     uint64_t rec_off, struct mig_item *it)
{
    const struct mig_xhv_pages *p = (const void *)c->body;

    if (c->len != sizeof(*p))
        return RFAIL(r, c->type, -EINVAL, "has %u bytes, not %zu", c->len,
                     sizeof(*p));
    if (!r->seen_static_end)
        return RFAIL(r, c->type, -EINVAL, "comes before STATIC_DATA_END");
    if (r->seen_pages_end)
        return RFAIL(r, c->type, -EINVAL, "given twice");
    if (p->tot_pages > p->max_pages)
        return RFAIL(
            r, c->type, -EINVAL, "says %llu pages, more than its maximum %llu",
            (unsigned long long)p->tot_pages, (unsigned long long)p->max_pages);
    r->seen_pages_end = true;
    it->u.pages_end = p;
    return 0;
}

static int hvm_params(struct mig_reader *r, const struct rec *c,
                      uint64_t rec_off, struct mig_item *it)
{
    const struct mig_hvm_params_hdr *h = (const void *)c->body;
    const struct mig_hvm_param *p;
    uint32_t i;

    if (c->len < sizeof(*h) || h->_res1 || h->count > MIG_HVM_NR_PARAMS ||
        c->len != sizeof(*h) + (uint64_t)h->count * sizeof(*p))
        return RFAIL(r, c->type, -EINVAL, "malformed (%u bytes)", c->len);
    p = (const void *)(c->body + sizeof(*h));
    for (i = 0; i < h->count; i++)
        if (p[i].index >= MIG_HVM_NR_PARAMS)
            return RFAIL(r, c->type, -EINVAL, "param %llu out of range",
                         (unsigned long long)p[i].index);
    it->u.params.count = h->count;
    it->u.params.p = p;
    return 0;
}

static int hvm_context(struct mig_reader *r, const struct rec *c,
                       uint64_t rec_off, struct mig_item *it)
{
    char why[MIG_ERR_MAX - 64];
    int rc;

    if (r->seen_context)
        return RFAIL(r, c->type, -EINVAL, "given twice");
    if (!r->hvm) {
        r->hvm = xhv_malloc(sizeof(*r->hvm));
        if (!r->hvm)
            return RFAIL(r, c->type, -ENOMEM, "no memory to decode it");
    }
    /* Which records each vCPU must have depends on what ran it. */
    rc = mig_hvm_context_decode(
        c->body, c->len, r->nr_vcpus,
        r->backend == MIG_BACKEND_SIM ? MIG_HVM_NEED_SIM : MIG_HVM_NEED_KVM,
        r->hvm, why, sizeof(why));
    if (rc)
        return RFAIL(r, c->type, rc, "%s", why);
    r->seen_context = true;
    it->u.hvm = r->hvm;
    return 0;
}

/* X86_CPUID_POLICY and X86_MSR_POLICY: static data, so after XHV_DOMAIN
 * and before STATIC_DATA_END (or, in v2, the first PAGE_DATA). */
static int policy(struct mig_reader *r, const struct rec *c, uint64_t rec_off,
                  struct mig_item *it)
{
    bool cpuid = c->type == MIG_REC_X86_CPUID_POLICY;
    size_t esz =
        cpuid ? sizeof(struct mig_cpuid_leaf) : sizeof(struct mig_msr_entry);
    char why[MIG_ERR_MAX - 64];
    uint32_t n = c->len / (uint32_t)esz;
    int rc;

    if (r->seen_static_end || r->seen_pages)
        return RFAIL(r, c->type, -EINVAL,
                     "comes after STATIC_DATA_END or PAGE_DATA");
    if (cpuid ? r->seen_cpuid : r->seen_msr)
        return RFAIL(r, c->type, -EINVAL, "given twice");
    if (c->len % esz)
        return RFAIL(r, c->type, -EINVAL, "%u bytes, not a multiple of %zu",
                     c->len, esz);
    rc =
        cpuid
            ? mig_cpuid_policy_check((const void *)c->body, n, why, sizeof(why))
            : mig_msr_policy_check((const void *)c->body, n, why, sizeof(why));
    if (rc)
        return RFAIL(r, c->type, rc, "%s", why);
    if (cpuid) {
        r->seen_cpuid = true;
        it->u.cpuid.count = n;
        it->u.cpuid.leaves = (const void *)c->body;
    } else {
        r->seen_msr = true;
        it->u.msr.count = n;
        it->u.msr.msrs = (const void *)c->body;
    }
    return 0;
}

static int kvm_vcpu(struct mig_reader *r, const struct rec *c, uint64_t rec_off,
                    struct mig_item *it)
{
    const struct mig_xhv_kvm_vcpu *v = (const void *)c->body;
    int rc = vcpu_record(r, c, rec_off, sizeof(*v),
                         offsetof(struct mig_xhv_kvm_vcpu, vcpu_id),
                         r->kvm_vcpu_seen);

    if (rc)
        return rc;
    if (v->_res1 || v->mp_state > MIG_KVM_MP_STATE_MAX || v->nmi_pending > 1 ||
        v->nmi_masked > 1 || v->interrupt_shadow > 3)
        return RFAIL(r, c->type, -EINVAL, "vCPU %u: a field out of range",
                     v->vcpu_id);
    r->kvm_vcpu_seen[v->vcpu_id / 8] |= (uint8_t)(1u << (v->vcpu_id % 8));
    it->u.kvm_vcpu = v;
    return 0;
}

static int config(struct mig_reader *r, const struct rec *c, uint64_t rec_off,
                  struct mig_item *it)
{
    if (c->len == 0 || c->len > MIG_CONFIG_MAX || memchr(c->body, '\0', c->len))
        return RFAIL(r, c->type, -EINVAL, "%u bytes of text expected", c->len);
    if (r->seen_config)
        return RFAIL(r, c->type, -EINVAL, "given twice");
    r->seen_config = true;
    it->u.config.text = (const char *)c->body;
    it->u.config.len = c->len;
    return 0;
}

/* ---- order ------------------------------------------------------------------
 */

static int check_order(struct mig_reader *r, const struct rec *c,
                       uint64_t rec_off)
{
    if (c->type == MIG_REC_XHV_DOMAIN) {
        if (r->seen_domain || r->seen_static_end)
            return RFAIL(r, c->type, -EINVAL,
                         "must come once, before STATIC_DATA_END");
        return 0;
    }
    if (!r->seen_domain && c->type != MIG_REC_END &&
        c->type != MIG_REC_STATIC_DATA_END)
        return RFAIL(r, c->type, -EINVAL,
                     "comes before XHV_DOMAIN, which xhv needs first");
    if (c->type == MIG_REC_STATIC_DATA_END && r->seen_static_end)
        return RFAIL(r, c->type, -EINVAL, "given twice");
    if (c->type == MIG_REC_PAGE_DATA && r->version >= 3 && !r->seen_static_end)
        return RFAIL(r, c->type, -EINVAL, "comes before STATIC_DATA_END");
    if (c->type == MIG_REC_END && !r->seen_domain)
        return RFAIL(r, c->type, -EINVAL, "an image without XHV_DOMAIN");
    if (c->type == MIG_REC_END && !r->seen_context)
        return RFAIL(r, c->type, -EINVAL, "an HVM image without HVM_CONTEXT");
    return 0;
}

static int decode(struct mig_reader *r, const struct rec *c, uint64_t rec_off,
                  struct mig_item *it)
{
    int rc = check_order(r, c, rec_off);

    if (rc)
        return rc;
    switch (c->type) {
    case MIG_REC_END:
    case MIG_REC_STATIC_DATA_END:
        if (c->len)
            return RFAIL(r, c->type, -EINVAL, "has a %u-byte body", c->len);
        if (c->type == MIG_REC_END)
            r->seen_end = true, r->in_image = false;
        else
            r->seen_static_end = true;
        return 0;
    case MIG_REC_PAGE_DATA:
        return page_data(r, c, rec_off, it);
    case MIG_REC_X86_TSC_INFO:
        if (c->len != sizeof(struct mig_tsc_info) ||
            ((const struct mig_tsc_info *)c->body)->_res1 || r->seen_tsc)
            return RFAIL(r, c->type, -EINVAL, "malformed or repeated");
        r->seen_tsc = true;
        it->u.tsc = (const void *)c->body;
        return 0;
    case MIG_REC_HVM_CONTEXT:
        return hvm_context(r, c, rec_off, it);
    case MIG_REC_X86_CPUID_POLICY:
    case MIG_REC_X86_MSR_POLICY:
        return policy(r, c, rec_off, it);
    case MIG_REC_XHV_KVM_VCPU:
        return kvm_vcpu(r, c, rec_off, it);
    case MIG_REC_HVM_PARAMS:
        return hvm_params(r, c, rec_off, it);
    case MIG_REC_XHV_DOMAIN:
        rc = xhv_domain(r, c, rec_off, it);
        if (!rc)
            r->seen_domain = true;
        return rc;
    case MIG_REC_XHV_EXTRA_PAGE:
        return extra_page(r, c, rec_off, it);
    case MIG_REC_XHV_VCPU:
        return xhv_vcpu(r, c, rec_off, it);
    case MIG_REC_XHV_EVTCHN:
        return xhv_evtchn(r, c, rec_off, it);
    case MIG_REC_XHV_CONSOLE:
        return xhv_console(r, c, rec_off, it);
    case MIG_REC_XHV_PAGES:
        return xhv_pages(r, c, rec_off, it);
    case MIG_REC_XHV_CONFIG:
        return config(r, c, rec_off, it);
    case MIG_REC_XHV_EVTCHN_FIFO:
        return xhv_evtchn_fifo(r, c, rec_off, it);
    default:
        return RFAIL(r, c->type, -EPROTONOSUPPORT,
                     "type %#x is mandatory and unknown to this reader",
                     c->type);
    }
}

static bool known(uint32_t type)
{
    return strcmp(mig_record_name(type), "unknown") != 0;
}

static int read_body(struct mig_reader *r, uint32_t len, uint64_t rec_off,
                     uint32_t type)
{
    uint32_t pad = (MIG_REC_ALIGN - len % MIG_REC_ALIGN) % MIG_REC_ALIGN;
    size_t need = (size_t)len + pad;
    int rc;

    if (need > r->cap) {
        /* Grow to what this record needs, never to what a header claims
         * beyond MIG_REC_LENGTH_MAX (checked by the caller). */
        uint8_t *b = xhv_realloc(r->body, need);

        if (!b)
            return RFAIL(r, type, -ENOMEM, "no memory for %u bytes", len);
        r->body = b;
        r->cap = need;
    }
    rc = need ? get(r, r->body, need, "a record body") : 0;
    /* No padding, no body needed: r->body may still be NULL here. */
    if (!rc && pad && !all_zero(r->body + len, pad))
        return RFAIL(r, type, -EINVAL, "non-zero padding");
    return rc;
}

int mig_read_next(struct mig_reader *r, struct mig_item *it)
{
    struct mig_rhdr h;
    struct rec c;
    uint64_t rec_off;
    int rc;

    for (;;) {
        if (!r->in_image)
            return fail(r, -EINVAL, "no image is open (END was read)");
        rec_off = r->offset;
        rc = get(r, &h, sizeof(h), "a record header");
        if (rc)
            return rc;
        if (h.length > MIG_REC_LENGTH_MAX)
            return RFAIL(r, h.type, -EINVAL,
                         "length %u is over the %u-byte limit", h.length,
                         MIG_REC_LENGTH_MAX);
        if (!(h.type & MIG_REC_OPTIONAL) && !known(h.type))
            return RFAIL(r, h.type, -EPROTONOSUPPORT,
                         "type %#x is mandatory and unknown to this reader",
                         h.type);
        rc = read_body(r, h.length, rec_off, h.type);
        if (rc)
            return rc;
        if (!known(h.type)) { /* optional and unknown: skipped */
            r->nr_skipped++;
            r->index++;
            continue;
        }
        c = (struct rec){.type = h.type, .len = h.length, .body = r->body};
        memset(it, 0, sizeof(*it));
        it->type = h.type;
        it->index = r->index;
        it->offset = rec_off;
        rc = decode(r, &c, rec_off, it);
        r->index++;
        return rc;
    }
}
