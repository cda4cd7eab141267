/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench/alloc: what the xenheap and domheap allocators cost, and whether
 * that cost grows with machine memory.
 *
 * A nanosecond figure means little on its own: it moves with the host, its
 * clock and its caches. So every figure is printed next to baselines taken
 * in the same run on the same host, and the ratios are what to compare
 * between runs: a plain free-list pop and push over as many entries as the
 * machine has pages (the least any page allocator can do), and a memset of
 * 4 KiB and of 2 MiB (what zeroing a page, or a 2 MiB chunk, by hand
 * costs). Domheap allocation must scrub what a domain dirtied, so domheap
 * figures are also given against free list + memset.
 *
 * Each memory size gets a fresh machine: mm_init (timed), then NR_HOLD
 * pages held, spread evenly over memory, so the free lists of every order
 * up to 9 hold the same number of chunks at every size; then the
 * measurements; then everything is freed and audited. The ratio of the
 * large size's figure to the 1 GiB one shows whether an operation's cost
 * grows with machine memory; it should stay near 1.
 *
 * A measurement is the best of several samples taken after a warm-up, and
 * of two passes over the sizes, alternating; a sample allocates a batch,
 * frees it, and repeats. Output is one "name value unit" line per figure
 * on stdout; notes go to stderr.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "lib/alloc.h"
#include "lib/compiler.h"
#include "mm/mm.h"

#define NR_HOLD      256  /* pages held to fragment the heap */
#define MIN_SLOT     10   /* each held page's slot must leave order-9 chunks */
#define BATCH_O0     1024 /* order-0 allocations held at once */
#define BATCH_O9     32   /* order-9 allocations held at once */
#define BATCH_TOUCH  8    /* order-9 allocations the domain writes to */
#define MAX_BATCH    BATCH_O0
#define NR_SAMPLES   9
#define NR_PASSES    2 /* over all sizes, alternating */
#define SPREAD_GROUP (BATCH_O0 / NR_HOLD)
#define FL_NULL      UINT32_MAX
#define BUF_BYTES    ((size_t)BATCH_O9 * (PAGE_SIZE << 9))

#define bench_barrier() __asm__ volatile("" ::: "memory")

enum op {
    OP_FREELIST,
    OP_MEMSET_4K,
    OP_MEMSET_2M,
    OP_MEMSET_SPREAD,
    OP_XEN_O0,
    OP_XEN_O9,
    OP_DOM_O0,
    OP_DOM_O9,
    OP_DOM_O9_PUTREF,
    OP_DOM_O9_DIRTY,
    OP_DOM_O9_REFAULT,
    NR_OPS,
};

#define OPF_PUTREF     (1U << 0) /* free by put_page_alloc_ref on each page */
#define OPF_TOUCH      (1U << 1) /* the domain writes every page it got */
#define OPF_TIME_TOUCH (1U << 2) /* time those writes, not alloc and free */
#define OPF_SPREAD     (1U << 3) /* memset pages spread over machine size */

struct bench_ctx;

struct op_desc {
    const char *name;
    enum op base;  /* "_ratio" against this, or NR_OPS for none */
    enum op scrub; /* "_ratio_vs_scrub" against base + this, or NR_OPS */
    unsigned int order;
    unsigned int batch; /* allocations held at once */
    unsigned int reps;  /* batches per sample */
    unsigned int warm;  /* batches to warm up with; 0: reps */
    unsigned int flags;
    int (*run)(struct bench_ctx *c, const struct op_desc *op, unsigned int reps,
               uint64_t *ns);
};

struct bench_ctx {
    bool quick;
    unsigned int samples;
    uint32_t *fl_next; /* the baseline free list: one entry per page */
    uint32_t fl_head;
    uint32_t idx[MAX_BATCH];
    uint8_t *buf;    /* what the memset baselines write */
    uint8_t *spread; /* a sparse region the size of machine memory */
    uint64_t spread_bytes;
    void *va[MAX_BATCH];
    struct page_info *pg[MAX_BATCH];
    struct mm_owner owner;
    bool owner_live;
    void **hold; /* NR_HOLD held pages, then their slots' chunks */
    unsigned int slot_order;
};

struct size_result {
    uint64_t mem_bytes;
    char tag[16];
    double mm_init_ms, audit_ms;
    double ns[NR_OPS];
    bool audit_clean;
};

static int run_freelist(struct bench_ctx *c, const struct op_desc *op,
                        unsigned int reps, uint64_t *ns);
static int run_memset(struct bench_ctx *c, const struct op_desc *op,
                      unsigned int reps, uint64_t *ns);
static int run_xenheap(struct bench_ctx *c, const struct op_desc *op,
                       unsigned int reps, uint64_t *ns);
static int run_domheap(struct bench_ctx *c, const struct op_desc *op,
                       unsigned int reps, uint64_t *ns);

/*
 * The domain-dirty op warms up over a whole cycle of the order-9 free list
 * (NR_HOLD chunks, taken in FIFO order), so every chunk it allocates while
 * measured holds resident pages the scrub must punch out.
 */
static const struct op_desc ops[NR_OPS] = {
    [OP_FREELIST] = {.name = "baseline_freelist",
                     .base = NR_OPS,
                     .scrub = NR_OPS,
                     .order = 0,
                     .batch = BATCH_O0,
                     .reps = 256,
                     .run = run_freelist},
    [OP_MEMSET_4K] = {.name = "baseline_memset_4k",
                      .base = NR_OPS,
                      .scrub = NR_OPS,
                      .order = 0,
                      .batch = BATCH_O0,
                      .reps = 16,
                      .run = run_memset},
    [OP_MEMSET_2M] = {.name = "baseline_memset_2m",
                      .base = NR_OPS,
                      .scrub = NR_OPS,
                      .order = 9,
                      .batch = BATCH_O9,
                      .reps = 2,
                      .run = run_memset},
    [OP_MEMSET_SPREAD] = {.name = "baseline_memset_4k_spread",
                          .base = NR_OPS,
                          .scrub = NR_OPS,
                          .order = 0,
                          .batch = BATCH_O0,
                          .reps = 16,
                          .flags = OPF_SPREAD,
                          .run = run_memset},
    [OP_XEN_O0] = {.name = "xenheap_o0",
                   .base = OP_FREELIST,
                   .scrub = NR_OPS,
                   .order = 0,
                   .batch = BATCH_O0,
                   .reps = 16,
                   .run = run_xenheap},
    [OP_XEN_O9] = {.name = "xenheap_o9",
                   .base = OP_FREELIST,
                   .scrub = NR_OPS,
                   .order = 9,
                   .batch = BATCH_O9,
                   .reps = 4,
                   .run = run_xenheap},
    [OP_DOM_O0] = {.name = "domheap_o0",
                   .base = OP_FREELIST,
                   .scrub = OP_MEMSET_4K,
                   .order = 0,
                   .batch = BATCH_O0,
                   .reps = 16,
                   .run = run_domheap},
    [OP_DOM_O9] = {.name = "domheap_o9",
                   .base = OP_FREELIST,
                   .scrub = OP_MEMSET_2M,
                   .order = 9,
                   .batch = BATCH_O9,
                   .reps = 4,
                   .run = run_domheap},
    [OP_DOM_O9_PUTREF] = {.name = "domheap_o9_putref",
                          .base = OP_FREELIST,
                          .scrub = OP_MEMSET_2M,
                          .order = 9,
                          .batch = BATCH_O9,
                          .reps = 2,
                          .flags = OPF_PUTREF,
                          .run = run_domheap},
    [OP_DOM_O9_DIRTY] = {.name = "domheap_o9_dirty",
                         .base = OP_FREELIST,
                         .scrub = OP_MEMSET_2M,
                         .order = 9,
                         .batch = BATCH_TOUCH,
                         .reps = 1,
                         .warm = NR_HOLD / BATCH_TOUCH,
                         .flags = OPF_TOUCH,
                         .run = run_domheap},
    [OP_DOM_O9_REFAULT] = {.name = "domheap_o9_refault",
                           .base = OP_MEMSET_2M,
                           .scrub = NR_OPS,
                           .order = 9,
                           .batch = BATCH_TOUCH,
                           .reps = 1,
                           .flags = OPF_TOUCH | OPF_TIME_TOUCH,
                           .run = run_domheap},
};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Pops a batch off a LIFO list of page indices and pushes it back. */
static int run_freelist(struct bench_ctx *c, const struct op_desc *op,
                        unsigned int reps, uint64_t *ns)
{
    uint32_t *next = c->fl_next, head = c->fl_head;
    uint64_t t0 = now_ns();
    unsigned int r, i;

    for (r = 0; r < reps; r++) {
        for (i = 0; i < op->batch; i++) {
            if (head == FL_NULL)
                return -ENOMEM;
            c->idx[i] = head;
            head = next[head];
        }
        bench_barrier();
        for (i = op->batch; i-- > 0;) {
            next[c->idx[i]] = head;
            head = c->idx[i];
        }
        bench_barrier();
    }
    *ns = now_ns() - t0;
    c->fl_head = head;
    return 0;
}

/*
 * Where run_memset writes chunk i: one after the other in buf or, spread,
 * in groups of SPREAD_GROUP pages NR_HOLD slots apart, the way the order-0
 * allocations of a batch land in the fragmented heap.
 */
static uint8_t *memset_target(const struct bench_ctx *c,
                              const struct op_desc *op, unsigned int i)
{
    uint64_t slot = c->spread_bytes / NR_HOLD;

    if (!(op->flags & OPF_SPREAD))
        return c->buf + ((size_t)i * PAGE_SIZE << op->order);
    return c->spread + (i / SPREAD_GROUP) % NR_HOLD * slot +
           (i % SPREAD_GROUP) * PAGE_SIZE;
}

/* Zeroes a batch of distinct chunks, as many as the allocators hold. */
static int run_memset(struct bench_ctx *c, const struct op_desc *op,
                      unsigned int reps, uint64_t *ns)
{
    size_t len = PAGE_SIZE << op->order;
    uint64_t t0 = now_ns();
    unsigned int r, i;

    for (r = 0; r < reps; r++) {
        for (i = 0; i < op->batch; i++)
            memset(memset_target(c, op, i), 0, len);
        bench_barrier();
    }
    *ns = now_ns() - t0;
    return 0;
}

static int xen_free_batch(struct bench_ctx *c, unsigned int order,
                          unsigned int n)
{
    unsigned int i;
    int rc = 0;

    for (i = 0; i < n; i++) {
        int err = free_xenheap_pages(c->va[i], order);

        if (err && !rc)
            rc = err;
    }
    return rc;
}

static int run_xenheap(struct bench_ctx *c, const struct op_desc *op,
                       unsigned int reps, uint64_t *ns)
{
    uint64_t t0 = now_ns();
    unsigned int r, i;
    int rc;

    for (r = 0; r < reps; r++) {
        for (i = 0; i < op->batch; i++) {
            rc = alloc_xenheap_pages(op->order, 0, &c->va[i]);
            if (rc) {
                xen_free_batch(c, op->order, i);
                return rc;
            }
        }
        rc = xen_free_batch(c, op->order, op->batch);
        if (rc)
            return rc;
    }
    *ns = now_ns() - t0;
    return 0;
}

/* Gives up the allocation references; the last one frees the chunk. */
static void dom_free_batch(struct bench_ctx *c, const struct op_desc *op,
                           unsigned int n)
{
    uint64_t nr = 1ULL << op->order, k;
    unsigned int i;

    for (i = 0; i < n; i++) {
        mfn_t mfn = page_to_mfn(c->pg[i]);

        if (op->order == 0 || (op->flags & OPF_PUTREF)) {
            for (k = 0; k < nr; k++)
                put_page_alloc_ref(mfn_to_page(mfn + k));
        } else {
            free_domheap_pages(c->pg[i], op->order);
        }
    }
}

/* What a domain does with its memory: writes a byte to every page. */
static void dom_touch_batch(struct bench_ctx *c, const struct op_desc *op)
{
    uint64_t nr = 1ULL << op->order, k;
    unsigned int i;

    for (i = 0; i < op->batch; i++) {
        mfn_t mfn = page_to_mfn(c->pg[i]);

        for (k = 0; k < nr; k++)
            *(volatile uint8_t *)mfn_to_virt(mfn + k) = 1;
    }
}

static int run_domheap(struct bench_ctx *c, const struct op_desc *op,
                       unsigned int reps, uint64_t *ns)
{
    uint64_t t[4], spent = 0;
    unsigned int r, i;
    int rc;

    for (r = 0; r < reps; r++) {
        t[0] = now_ns();
        for (i = 0; i < op->batch; i++) {
            rc = alloc_domheap_pages(&c->owner, op->order, 0, &c->pg[i]);
            if (rc) {
                dom_free_batch(c, op, i);
                return rc;
            }
        }
        t[1] = now_ns();
        if (op->flags & OPF_TOUCH)
            dom_touch_batch(c, op);
        t[2] = now_ns();
        dom_free_batch(c, op, op->batch);
        t[3] = now_ns();
        if (op->flags & OPF_TIME_TOUCH)
            spent += t[2] - t[1];
        else
            spent += (t[1] - t[0]) + (t[3] - t[2]);
    }
    *ns = spent;
    return 0;
}

/*
 * The best of c->samples samples, after a warm-up, in ns per op. The best
 * rather than the median: on a shared host the slow samples measure the
 * neighbours, and the best is what repeats from run to run.
 */
static int measure(struct bench_ctx *c, const struct op_desc *op, double *out)
{
    unsigned int reps = c->quick ? 1 : op->reps, i;
    unsigned int warm = c->quick || !op->warm ? reps : op->warm;
    uint64_t ns, best = UINT64_MAX;
    int rc;

    rc = op->run(c, op, warm, &ns);
    for (i = 0; !rc && i < c->samples; i++) {
        rc = op->run(c, op, reps, &ns);
        best = XHV_MIN(best, ns);
    }
    if (rc)
        return rc;
    *out = (double)best / ((double)reps * op->batch);
    return 0;
}

/* The largest s with NR_HOLD slots of 2^s pages fitting in memory. */
static unsigned int slot_order(uint64_t nr_pages)
{
    unsigned int s = 0;

    while (s < MAX_ORDER && ((uint64_t)NR_HOLD << (s + 1)) <= nr_pages)
        s++;
    return s;
}

/*
 * Fragments the heap. Each round takes one page and then one chunk of each
 * order below s: from a heap whose lists below order s are empty, the buddy
 * allocator hands these out as one aligned slot of 2^s pages, the page at
 * its start. Holding the pages and freeing the chunks leaves NR_HOLD free
 * chunks of every order below s, none of which can merge, whatever the
 * memory size. hold[] holds the page of round i at i * (s + 1), its
 * chunks after it.
 */
static int heap_fragment(struct bench_ctx *c)
{
    unsigned int s = c->slot_order, i, o;
    void **h;
    int rc = 0;

    for (i = 0; i < NR_HOLD && !rc; i++) {
        h = &c->hold[i * (s + 1)];
        rc = alloc_xenheap_pages(0, 0, &h[0]);
        for (o = 0; o < s && !rc; o++)
            rc = alloc_xenheap_pages(o, 0, &h[o + 1]);
    }
    for (i = 0; i < NR_HOLD; i++) {
        h = &c->hold[i * (s + 1)];
        for (o = 0; o < s; o++) {
            free_xenheap_pages(h[o + 1], o);
            h[o + 1] = NULL;
        }
    }
    return rc;
}

static void heap_unfragment(struct bench_ctx *c)
{
    unsigned int i, s = c->slot_order;

    for (i = 0; i < NR_HOLD; i++) {
        free_xenheap_pages(c->hold[i * (s + 1)], 0);
        c->hold[i * (s + 1)] = NULL;
    }
}

/* Notes on stderr how far apart the held pages ended up. */
static void note_spread(const struct bench_ctx *c)
{
    mfn_t lo = INVALID_MFN, hi = 0, m;
    unsigned int i;

    for (i = 0; i < NR_HOLD; i++) {
        m = virt_to_mfn(c->hold[i * (c->slot_order + 1)]);
        lo = XHV_MIN(lo, m);
        hi = XHV_MAX(hi, m);
    }
    fprintf(stderr,
            "alloc: held %u pages in slots of 2^%u pages, mfn %#llx..%#llx\n",
            NR_HOLD, c->slot_order, (unsigned long long)lo,
            (unsigned long long)hi);
}

static int ctx_init(struct bench_ctx *c)
{
    uint64_t nr = mm_nr_pages(), i;
    void *p;

    c->slot_order = slot_order(nr);
    if (c->slot_order < MIN_SLOT || nr >= FL_NULL)
        return -EINVAL;
    c->hold =
        xhv_calloc((size_t)NR_HOLD * (c->slot_order + 1), sizeof(*c->hold));
    c->fl_next = xhv_calloc(nr, sizeof(*c->fl_next));
    if (!c->hold || !c->fl_next)
        return -ENOMEM;
    for (i = 0; i < nr; i++)
        c->fl_next[i] = i + 1 < nr ? (uint32_t)(i + 1) : FL_NULL;
    c->fl_head = 0;
    /* A shared mapping, like machine memory, so the memsets compare. */
    p = mmap(NULL, BUF_BYTES, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -errno;
    c->buf = p;
    c->spread_bytes = nr << PAGE_SHIFT;
    p = mmap(NULL, c->spread_bytes, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return -errno;
    c->spread = p;
    mm_owner_init(&c->owner, 1, nr);
    c->owner_live = true;
    return 0;
}

static void ctx_fini(struct bench_ctx *c)
{
    if (c->owner_live)
        mm_owner_fini(&c->owner);
    c->owner_live = false;
    if (c->buf)
        munmap(c->buf, BUF_BYTES);
    c->buf = NULL;
    if (c->spread)
        munmap(c->spread, c->spread_bytes);
    c->spread = NULL;
    xhv_free(c->fl_next);
    xhv_free(c->hold);
    c->fl_next = NULL;
    c->hold = NULL;
}

/* Audits the heap; prints the report to stderr when it is not clean. */
static bool audit_heap(struct size_result *res)
{
    static struct mm_audit_report rep;
    static char text[16384];
    uint64_t t0 = now_ns();
    int rc = mm_audit(&rep, 0);

    res->audit_ms = (double)(now_ns() - t0) / 1e6;
    if (rc) {
        mm_audit_format(&rep, text, sizeof(text));
        fprintf(stderr, "alloc: %s audit:\n%s", res->tag, text);
    }
    return rc == 0;
}

static int run_ops(struct bench_ctx *c, struct size_result *res)
{
    unsigned int i;
    int rc;

    for (i = 0; i < NR_OPS; i++) {
        rc = measure(c, &ops[i], &res->ns[i]);
        if (rc) {
            fprintf(stderr, "alloc: %s %s: %s\n", res->tag, ops[i].name,
                    strerror(-rc));
            return rc;
        }
    }
    return 0;
}

static int bench_size(struct bench_ctx *c, struct size_result *res)
{
    struct mm_config cfg = {.mem_bytes = res->mem_bytes, .memfd = -1};
    uint64_t t0 = now_ns();
    int rc;

    rc = mm_init(&cfg);
    res->mm_init_ms = (double)(now_ns() - t0) / 1e6;
    if (rc)
        return rc;
    rc = ctx_init(c);
    if (!rc)
        rc = heap_fragment(c);
    if (!rc) {
        note_spread(c);
        rc = run_ops(c, res);
    }
    if (c->hold)
        heap_unfragment(c);
    ctx_fini(c);
    res->audit_clean = audit_heap(res);
    mm_fini();
    return rc;
}

static void print_line(const char *name, const char *tag, const char *suffix,
                       double v, const char *unit)
{
    printf("alloc.%s_%s%s %.*f %s\n", name, tag, suffix, v < 10 ? 3 : 1, v,
           unit);
}

static void print_size(const struct size_result *r)
{
    const struct op_desc *op;
    double base;
    unsigned int i;

    print_line("mm_init_ms", r->tag, "", r->mm_init_ms, "ms");
    printf("alloc.frametable_bytes_%s %llu B\n", r->tag,
           (unsigned long long)((r->mem_bytes >> PAGE_SHIFT) *
                                sizeof(struct page_info)));
    for (i = 0; i < NR_OPS; i++) {
        op = &ops[i];
        print_line(op->name, r->tag, "", r->ns[i], "ns/op");
        if (op->base == NR_OPS)
            continue;
        print_line(op->name, r->tag, "_ratio", r->ns[i] / r->ns[op->base], "x");
        if (op->scrub == NR_OPS)
            continue;
        base = r->ns[op->base] + r->ns[op->scrub];
        print_line(op->name, r->tag, "_ratio_vs_scrub", r->ns[i] / base, "x");
    }
    print_line("audit_ms", r->tag, "", r->audit_ms, "ms");
    printf("alloc.audit_clean_%s %d bool\n", r->tag, r->audit_clean);
    fflush(stdout);
}

static void print_scaling(const struct size_result *lo,
                          const struct size_result *hi)
{
    char tag[40];
    unsigned int i;

    snprintf(tag, sizeof(tag), "_%s_vs_%s", hi->tag, lo->tag);
    for (i = 0; i < NR_OPS; i++)
        print_line(ops[i].name, "ratio", tag, hi->ns[i] / lo->ns[i], "x");
    print_line("mm_init_ms", "ratio", tag, hi->mm_init_ms / lo->mm_init_ms,
               "x");
    print_line("audit_ms", "ratio", tag, hi->audit_ms / lo->audit_ms, "x");
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: alloc [--quick] [--help]\n"
        "\n"
        "Measures the xhv page allocators against baselines taken in the\n"
        "same run, at 1 GiB and 64 GiB of machine memory (--quick: 1 and\n"
        "2 GiB, one short sample each, as a smoke test). Prints one\n"
        "'name value unit' line per figure on stdout; notes go to stderr.\n"
        "<size> is 1g, 64g (or 2g); ns/op is per alloc+free pair.\n"
        "\n"
        "  baseline_freelist_<size>   pop + push on a free list of page\n"
        "                             indices, one entry per machine page\n"
        "  baseline_memset_4k/2m_<size>  zeroing a 4 KiB / 2 MiB chunk\n"
        "  baseline_memset_4k_spread_<size>  zeroing 4 KiB pages spread\n"
        "                             over a region as large as machine\n"
        "                             memory, as the heap hands them out\n"
        "  xenheap_o0/o9_<size>       alloc_xenheap_pages + free\n"
        "  domheap_o0/o9_<size>       alloc_domheap_pages + free (order 0\n"
        "                             by put_page_alloc_ref, order 9 by\n"
        "                             free_domheap_pages); both scrub\n"
        "  domheap_o9_putref_<size>   order 9 freed by put_page_alloc_ref\n"
        "                             on each of its 512 pages\n"
        "  domheap_o9_dirty_<size>    order 9 when the domain wrote every\n"
        "                             page before freeing (scrub punches\n"
        "                             resident memory)\n"
        "  domheap_o9_refault_<size>  the domain's writes to a punched\n"
        "                             2 MiB chunk (not alloc/free time)\n"
        "  ..._ratio                  against baseline_freelist (refault:\n"
        "                             against baseline_memset_2m)\n"
        "  ..._ratio_vs_scrub         against freelist + memset of the\n"
        "                             same size\n"
        "  <op>_ratio_64g_vs_1g       growth with memory; ~1 is flat\n"
        "  mm_init_ms_<size>, audit_ms_<size>, frametable_bytes_<size>,\n"
        "  frametable_bytes_per_page, audit_clean_<size> (1 = clean)\n"
        "\n"
        "Exit status: 0 when every run succeeded and every audit was clean.\n");
}

/* Keeps the best of two passes' figures; the audit must pass in both. */
static void size_result_merge(struct size_result *res,
                              const struct size_result *r)
{
    unsigned int i;

    res->mm_init_ms = XHV_MIN(res->mm_init_ms, r->mm_init_ms);
    res->audit_ms = XHV_MIN(res->audit_ms, r->audit_ms);
    for (i = 0; i < NR_OPS; i++)
        res->ns[i] = XHV_MIN(res->ns[i], r->ns[i]);
    res->audit_clean = res->audit_clean && r->audit_clean;
}

/*
 * Runs every size NR_PASSES times, alternating, so that a stretch of
 * interference from the host's other tenants cannot slow one size's whole
 * run and pass for a growth with memory size.
 */
static int bench_all(struct bench_ctx *c, struct size_result *res,
                     unsigned int nr_sizes, unsigned int passes)
{
    struct size_result r;
    unsigned int p, i;
    int rc;

    for (p = 0; p < passes; p++) {
        for (i = 0; i < nr_sizes; i++) {
            r = res[i];
            fprintf(stderr, "alloc: pass %u, %s of machine memory\n", p + 1,
                    r.tag);
            rc = bench_size(c, &r);
            if (rc) {
                fprintf(stderr, "alloc: %s: %s\n", r.tag, strerror(-rc));
                return rc;
            }
            if (p == 0)
                res[i] = r;
            else
                size_result_merge(&res[i], &r);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct bench_ctx ctx;
    struct size_result res[2] = {{.mem_bytes = 1ULL << 30},
                                 {.mem_bytes = 64ULL << 30}};
    unsigned int i;

    for (i = 1; i < (unsigned int)argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            ctx.quick = true;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "alloc: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (ctx.quick)
        res[1].mem_bytes = 2ULL << 30;
    ctx.samples = ctx.quick ? 1 : NR_SAMPLES;
    for (i = 0; i < ARRAY_SIZE(res); i++)
        snprintf(res[i].tag, sizeof(res[i].tag), "%llug",
                 (unsigned long long)(res[i].mem_bytes >> 30));
#ifdef XHV_ASSERTIONS
    fprintf(stderr, "alloc: XHV_ASSERT checks are on in this build\n");
#endif
    if (bench_all(&ctx, res, ARRAY_SIZE(res), ctx.quick ? 1 : NR_PASSES))
        exit(1);
    printf("alloc.frametable_bytes_per_page %zu B\n", sizeof(struct page_info));
    for (i = 0; i < ARRAY_SIZE(res); i++)
        print_size(&res[i]);
    print_scaling(&res[0], &res[1]);
    return res[0].audit_clean && res[1].audit_clean ? 0 : 1;
}
