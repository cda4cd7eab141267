/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HVM_CONTEXT: Xen's HVM save records (include/xhv/public/hvm_save.h)
 * written from and decoded into per-vCPU structured state (struct
 * mig_hvm_ctx in mig.h). Pure: no domain, no KVM; src/migrate/ and the
 * KVM backend fill and apply the structs.
 *
 * The writer follows Xen's order: HEADER, then each typecode in turn for
 * every vCPU (all CPU records, then all LAPIC records, ...), then END.
 * The decoder takes any order between HEADER and END, as Xen's loader
 * does, but trusts nothing: each descriptor's length must be exactly the
 * record's (CPU_XSAVE and CPU_MSR: within bounds and consistent with their
 * own counts), instance must name a vCPU, no (typecode, instance) twice,
 * reserved fields zero, and after END every vCPU must have each record of
 * the caller's need set. A typecode Xen knows but xhv does not carry (PIC,
 * IOAPIC, ...) is refused like an unknown one: it would be state this
 * receiver silently drops.
 *
 * Every record is a multiple of 8 bytes and the body starts 8-aligned, so
 * the pointers handed out are aligned for their structs; a CPU_XSAVE of
 * another length is refused for that reason.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/alloc.h"
#include "stream/mig.h"

/* Fixed record lengths, 0 for variable ones; -1: not carried. */
static long fixed_len(uint16_t t)
{
    switch (t) {
    case MIG_HVM_SAVE_END:
        return 0;
    case MIG_HVM_SAVE_HEADER:
        return sizeof(struct mig_hvm_save_header);
    case MIG_HVM_SAVE_CPU:
        return sizeof(struct mig_hvm_cpu);
    case MIG_HVM_SAVE_LAPIC:
        return sizeof(struct mig_hvm_lapic);
    case MIG_HVM_SAVE_LAPIC_REGS:
        return sizeof(struct mig_hvm_lapic_regs);
    case MIG_HVM_SAVE_MTRR:
        return sizeof(struct mig_hvm_mtrr);
    case MIG_HVM_SAVE_CPU_XSAVE:
    case MIG_HVM_SAVE_CPU_MSR:
        return 0;
    default:
        return -1;
    }
}

const char *mig_hvm_save_name(uint16_t t)
{
    static const char *const names[] = {
        [0] = "END",        [1] = "HEADER",      [2] = "CPU",
        [3] = "PIC",        [4] = "IOAPIC",      [5] = "LAPIC",
        [6] = "LAPIC_REGS", [7] = "PCI_IRQ",     [8] = "ISA_IRQ",
        [9] = "PCI_LINK",   [10] = "PIT",        [11] = "RTC",
        [12] = "HPET",      [13] = "PMTIMER",    [14] = "MTRR",
        [15] = "VIRIDIAN",  [16] = "CPU_XSAVE",  [17] = "VIRIDIAN_VCPU",
        [18] = "VMCE_VCPU", [19] = "TSC_ADJUST", [20] = "CPU_MSR",
    };

    return t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

void mig_hvm_cpu_reset(struct mig_hvm_cpu *c)
{
    /* The architectural RESET state (Intel SDM vol. 3, 10.1.1): real
     * mode, CS base 0xffff0000 and IP 0xfff0, data segments at 0 with a
     * 64 KiB limit, CR0 = CD|NW|ET. The FPU is left to the loader's own
     * reset (flags without FPU_INITIALISED, as Xen reads it). */
    memset(c, 0, sizeof(*c));
    c->rip = 0xfff0;
    c->rflags = 0x2;
    c->cr0 = 0x60000010;
    c->dr6 = 0xffff0ff0;
    c->dr7 = 0x400;
    c->cs_sel = 0xf000;
    c->cs_base = 0xffff0000;
    /* Present, S set, code execute/read or data read/write, accessed; a
     * present busy 32-bit TSS; a present LDT. */
    c->cs_arbytes = 0x9b;
    c->ds_arbytes = c->es_arbytes = c->fs_arbytes = c->gs_arbytes =
        c->ss_arbytes = 0x93;
    c->tr_arbytes = 0x8b;
    c->ldtr_arbytes = 0x82;
    c->cs_limit = c->ds_limit = c->es_limit = c->fs_limit = c->gs_limit =
        c->ss_limit = c->tr_limit = c->ldtr_limit = c->idtr_limit =
            c->gdtr_limit = 0xffff;
}

/* ---- writer ----------------------------------------------------------------
 */

struct out {
    uint8_t *p;
    size_t len;
};

/* One record from two pieces (CPU_MSR's count and entries); sizes only
 * while o->p is NULL. */
static void put(struct out *o, uint16_t t, uint16_t inst, const void *a,
                uint32_t alen, const void *b, uint32_t blen)
{
    struct mig_hvm_save_desc d = {
        .typecode = t, .instance = inst, .length = alen + blen};

    if (o->p) {
        memcpy(o->p + o->len, &d, sizeof(d));
        if (alen)
            memcpy(o->p + o->len + sizeof(d), a, alen);
        if (blen)
            memcpy(o->p + o->len + sizeof(d) + alen, b, blen);
    }
    o->len += sizeof(d) + alen + blen;
}

/* The body of vCPU i's record of type t, or NULL if it has none. */
static const void *rec_of(const struct mig_hvm_vcpu *v, uint16_t t,
                          uint32_t *len)
{
    switch (t) {
    case MIG_HVM_SAVE_CPU:
        *len = sizeof(*v->cpu);
        return v->cpu;
    case MIG_HVM_SAVE_LAPIC:
        *len = sizeof(*v->lapic);
        return v->lapic;
    case MIG_HVM_SAVE_LAPIC_REGS:
        *len = sizeof(*v->lapic_regs);
        return v->lapic_regs;
    case MIG_HVM_SAVE_MTRR:
        *len = sizeof(*v->mtrr);
        return v->mtrr;
    case MIG_HVM_SAVE_CPU_XSAVE:
        *len = v->xsave_len;
        return v->xsave;
    default:
        return NULL;
    }
}

static void emit(const struct mig_hvm_ctx *c, struct out *o)
{
    static const uint16_t order[] = {
        MIG_HVM_SAVE_CPU,  MIG_HVM_SAVE_LAPIC,     MIG_HVM_SAVE_LAPIC_REGS,
        MIG_HVM_SAVE_MTRR, MIG_HVM_SAVE_CPU_XSAVE, MIG_HVM_SAVE_CPU_MSR,
    };
    unsigned int k;
    uint32_t i, len;

    put(o, MIG_HVM_SAVE_HEADER, 0, &c->hdr, sizeof(c->hdr), NULL, 0);
    for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
        for (i = 0; i < c->nr_vcpus; i++) {
            const struct mig_hvm_vcpu *v = &c->vcpu[i];
            struct mig_hvm_msr_hdr h = {.count = v->nr_msrs};
            const void *b;

            /* Xen leaves CPU_MSR out when it has no MSRs to send. */
            if (order[k] == MIG_HVM_SAVE_CPU_MSR && v->nr_msrs)
                put(o, order[k], (uint16_t)i, &h, sizeof(h), v->msrs,
                    v->nr_msrs * (uint32_t)sizeof(*v->msrs));
            b = rec_of(v, order[k], &len);
            if (b)
                put(o, order[k], (uint16_t)i, b, len, NULL, 0);
        }
    }
    put(o, MIG_HVM_SAVE_END, 0, NULL, 0, NULL, 0);
}

int mig_hvm_context_encode(const struct mig_hvm_ctx *c, uint8_t **buf,
                           size_t *len)
{
    struct out o = {0};
    uint32_t i;

    if (c->nr_vcpus == 0 || c->nr_vcpus > MIG_MAX_VCPUS)
        return -EINVAL;
    for (i = 0; i < c->nr_vcpus; i++) {
        const struct mig_hvm_vcpu *v = &c->vcpu[i];

        if (!v->cpu || (v->lapic == NULL) != (v->lapic_regs == NULL) ||
            (v->xsave &&
             (v->xsave_len < sizeof(*v->xsave) || v->xsave_len % 8 ||
              v->xsave_len - 24 > MIG_HVM_XSAVE_AREA_MAX)) ||
            v->nr_msrs > MIG_HVM_MSR_MAX)
            return -EINVAL;
    }
    emit(c, &o); /* sizing pass */
    o.p = xhv_malloc(o.len);
    if (!o.p)
        return -ENOMEM;
    *len = o.len;
    o.len = 0;
    emit(c, &o);
    *buf = o.p;
    return 0;
}

int mig_write_hvm_context(struct mig_writer *w, const struct mig_hvm_ctx *c)
{
    struct mig_iov iov;
    uint8_t *buf;
    size_t len;
    int rc = mig_hvm_context_encode(c, &buf, &len);

    if (rc)
        return rc;
    iov = (struct mig_iov){buf, len};
    rc = mig_write_record(w, MIG_REC_HVM_CONTEXT, &iov, 1);
    xhv_free(buf);
    return rc;
}

/* ---- decoder ----------------------------------------------------------------
 */

struct dec {
    uint32_t n;   /* records so far */
    uint32_t at;  /* where record n's descriptor is */
    uint32_t off; /* where its body is */
    const struct mig_hvm_save_desc *d;
    char *err;
    size_t errlen;
};

static int bad(struct dec *s, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(struct dec *s, int rc, const char *fmt, ...)
{
    int k = 0;
    va_list ap;

    if (s->d)
        k = snprintf(s->err, s->errlen,
                     "save record %u (%s, instance %u) "
                     "at +%u: ",
                     s->n, mig_hvm_save_name(s->d->typecode), s->d->instance,
                     s->at);
    else
        k = snprintf(s->err, s->errlen, "save record %u at +%u: ", s->n, s->at);
    if (k < 0 || (size_t)k >= s->errlen)
        return rc;
    va_start(ap, fmt);
    vsnprintf(s->err + k, s->errlen - (size_t)k, fmt, ap);
    va_end(ap);
    return rc;
}

static bool zero(const void *p, size_t n)
{
    const uint8_t *b = p;

    while (n--)
        if (*b++)
            return false;
    return true;
}

static int check_cpu(struct dec *s, const struct mig_hvm_cpu *c)
{
    uint32_t t =
        (c->pending_event & MIG_HVM_EV_TYPE_MASK) >> MIG_HVM_EV_TYPE_SHIFT;

    if (c->pad0 || (c->flags & ~MIG_HVM_CPU_FPU_INITIALISED))
        return bad(s, -EINVAL, "flags %#x or padding not zero", c->flags);
    /* The checks Xen's loader makes that need no policy: CR0.ET set, no
     * paging without protection, 32-bit DR6/DR7 and TSC_AUX. */
    if (!(c->cr0 & 0x10) || (c->cr0 >> 32) ||
        (c->cr0 & 0x80000001) == 0x80000000)
        return bad(s, -EINVAL, "CR0 %#llx is not a valid CR0",
                   (unsigned long long)c->cr0);
    if ((c->dr6 >> 32) || (c->dr7 >> 32) || (c->msr_tsc_aux >> 32))
        return bad(s, -EINVAL, "DR6, DR7 or TSC_AUX beyond 32 bits");
    if ((c->pending_event & MIG_HVM_EV_VALID) &&
        ((c->pending_event & MIG_HVM_EV_RESERVED) || t == 1 || t == 7))
        return bad(s, -EINVAL, "pending event %#x is malformed",
                   c->pending_event);
    return 0;
}

static int check_xsave(struct dec *s, const struct mig_hvm_xsave *x,
                       uint32_t len)
{
    if (len < sizeof(*x) || len - 24 > MIG_HVM_XSAVE_AREA_MAX || len % 8)
        return bad(s, -EINVAL,
                   "%u bytes (24 + an area of 576..%u bytes, a multiple of "
                   "8)",
                   len, MIG_HVM_XSAVE_AREA_MAX);
    if (!(x->xcr0 & 1) || (x->xcr0 & ~x->xcr0_accum) ||
        (x->xstate_bv & ~x->xcr0_accum))
        return bad(s, -EINVAL,
                   "XCR0 %#llx, accumulated %#llx and XSTATE_BV %#llx do not "
                   "agree",
                   (unsigned long long)x->xcr0,
                   (unsigned long long)x->xcr0_accum,
                   (unsigned long long)x->xstate_bv);
    if (x->xcomp_bv || !zero(x->reserved, sizeof(x->reserved)))
        return bad(s, -EINVAL,
                   "a compacted area or reserved header bits (only the "
                   "standard form is carried)");
    return 0;
}

static int check_msrs(struct dec *s, const uint8_t *b, uint32_t len,
                      struct mig_hvm_vcpu *v)
{
    const struct mig_hvm_msr_hdr *h = (const void *)b;
    const struct mig_hvm_msr *m = (const void *)(h + 1);
    uint32_t i, j;

    if (len < sizeof(*h) || h->_pad || h->count > MIG_HVM_MSR_MAX ||
        len != sizeof(*h) + h->count * sizeof(*m))
        return bad(s, -EINVAL, "%u bytes do not hold the %u MSRs it counts",
                   len, len >= sizeof(*h) ? h->count : 0);
    for (i = 0; i < h->count; i++) {
        if (m[i]._rsvd)
            return bad(s, -EINVAL, "MSR %#x: reserved field not zero",
                       m[i].index);
        for (j = 0; j < i; j++)
            if (m[j].index == m[i].index)
                return bad(s, -EINVAL, "MSR %#x given twice", m[i].index);
    }
    v->nr_msrs = h->count;
    v->msrs = m;
    return 0;
}

/* Checks one per-vCPU record's body and hangs it on its vCPU. */
static int take(struct dec *s, const uint8_t *b, struct mig_hvm_vcpu *v)
{
    uint32_t len = s->d->length;
    int rc = 0;

    switch (s->d->typecode) {
    case MIG_HVM_SAVE_CPU:
        rc = check_cpu(s, (const void *)b);
        v->cpu = (const void *)b;
        break;
    case MIG_HVM_SAVE_LAPIC: {
        const struct mig_hvm_lapic *l = (const void *)b;

        if (l->_pad || (l->disabled & ~3u))
            rc = bad(s, -EINVAL, "disabled %#x or padding not zero",
                     l->disabled);
        v->lapic = l;
        break;
    }
    case MIG_HVM_SAVE_LAPIC_REGS:
        v->lapic_regs = (const void *)b;
        break;
    case MIG_HVM_SAVE_MTRR: {
        const struct mig_hvm_mtrr *m = (const void *)b;

        if ((m->msr_mtrr_cap & 0xff) > MIG_HVM_MTRR_VCNT)
            rc = bad(s, -EINVAL, "%u variable MTRRs (at most %u)",
                     (unsigned int)(m->msr_mtrr_cap & 0xff), MIG_HVM_MTRR_VCNT);
        v->mtrr = m;
        break;
    }
    case MIG_HVM_SAVE_CPU_XSAVE:
        rc = check_xsave(s, (const void *)b, len);
        v->xsave = (const void *)b;
        v->xsave_len = len;
        break;
    case MIG_HVM_SAVE_CPU_MSR:
        rc = check_msrs(s, b, len, v);
        break;
    }
    return rc;
}

static int check_desc(struct dec *s, uint32_t left, uint32_t nr_vcpus,
                      const uint8_t *seen)
{
    const struct mig_hvm_save_desc *d = s->d;
    long want = fixed_len(d->typecode);
    bool per_vcpu =
        d->typecode != MIG_HVM_SAVE_HEADER && d->typecode != MIG_HVM_SAVE_END;

    if (want < 0)
        return bad(s, -EPROTONOSUPPORT,
                   "typecode %u is not a record xhv carries", d->typecode);
    if (d->length > left)
        return bad(s, -EINVAL,
                   "length %u runs past the context's end (%u "
                   "bytes left)",
                   d->length, left);
    if (want > 0 && d->length != (uint32_t)want)
        return bad(s, -EINVAL, "length %u, not %ld", d->length, want);
    if (!per_vcpu && d->instance)
        return bad(s, -EINVAL, "a domain-wide record with an instance");
    if (per_vcpu && d->instance >= nr_vcpus)
        return bad(s, -EINVAL, "instance %u, but the domain has %u vCPUs",
                   d->instance, nr_vcpus);
    if (seen[d->typecode * (MIG_MAX_VCPUS / 8) + d->instance / 8] &
        (1u << (d->instance % 8)))
        return bad(s, -EINVAL, "given twice");
    return 0;
}

/* After END: every vCPU has every record of need, and LAPIC comes with
 * LAPIC_REGS. */
static int check_complete(struct dec *s, const struct mig_hvm_ctx *c,
                          uint32_t need)
{
    static const uint16_t kinds[] = {MIG_HVM_SAVE_CPU, MIG_HVM_SAVE_LAPIC,
                                     MIG_HVM_SAVE_LAPIC_REGS,
                                     MIG_HVM_SAVE_MTRR};
    uint32_t i, k, len;

    s->d = NULL;
    s->at = s->off;
    for (i = 0; i < c->nr_vcpus; i++) {
        const struct mig_hvm_vcpu *v = &c->vcpu[i];

        for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
            if ((need & MIG_HVM_NEED(kinds[k])) && !rec_of(v, kinds[k], &len))
                return bad(s, -EINVAL, "vCPU %u has no %s record", i,
                           mig_hvm_save_name(kinds[k]));
        if ((v->lapic == NULL) != (v->lapic_regs == NULL))
            return bad(s, -EINVAL,
                       "vCPU %u has one of LAPIC and LAPIC_REGS "
                       "without the other",
                       i);
    }
    return 0;
}

int mig_hvm_context_decode(const void *body, uint32_t len, uint32_t nr_vcpus,
                           uint32_t need, struct mig_hvm_ctx *out, char *err,
                           size_t errlen)
{
    /* One bit per (typecode, vCPU): 21 x 128 bits. */
    uint8_t seen[(MIG_HVM_SAVE_CODE_MAX + 1) * (MIG_MAX_VCPUS / 8)] = {0};
    const uint8_t *b = body;
    struct dec s = {.err = err, .errlen = errlen};
    int rc;

    memset(out, 0, sizeof(*out));
    if (nr_vcpus == 0 || nr_vcpus > MIG_MAX_VCPUS)
        return bad(&s, -EINVAL, "%u vCPUs", nr_vcpus);
    out->nr_vcpus = nr_vcpus;
    for (;; s.n++) {
        s.d = NULL;
        s.at = s.off;
        if (len - s.off < sizeof(*s.d))
            return bad(&s, -EINVAL, "the context ends without an END record");
        s.d = (const void *)(b + s.off);
        s.off += sizeof(*s.d);
        rc = check_desc(&s, len - s.off, nr_vcpus, seen);
        if (rc)
            return rc;
        if (s.n == 0 && s.d->typecode != MIG_HVM_SAVE_HEADER)
            return bad(&s, -EINVAL, "the first record is not HEADER");
        seen[s.d->typecode * (MIG_MAX_VCPUS / 8) + s.d->instance / 8] |=
            (uint8_t)(1u << (s.d->instance % 8));
        if (s.d->typecode == MIG_HVM_SAVE_END)
            break;
        if (s.d->typecode == MIG_HVM_SAVE_HEADER) {
            memcpy(&out->hdr, b + s.off, sizeof(out->hdr));
            if (out->hdr.magic != MIG_HVM_FILE_MAGIC ||
                out->hdr.version != MIG_HVM_FILE_VERSION)
                return bad(&s, -EINVAL, "magic %#x version %u (want %#x, %u)",
                           out->hdr.magic, out->hdr.version, MIG_HVM_FILE_MAGIC,
                           MIG_HVM_FILE_VERSION);
        } else {
            rc = take(&s, b + s.off, &out->vcpu[s.d->instance]);
            if (rc)
                return rc;
        }
        s.off += s.d->length;
    }
    if (s.off != len) {
        s.d = NULL;
        s.at = s.off;
        return bad(&s, -EINVAL, "%u bytes follow END", len - s.off);
    }
    return check_complete(&s, out, need);
}
