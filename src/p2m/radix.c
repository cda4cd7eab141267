/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The P2M radix tree and its guest window (see p2m.h).
 *
 * Entries are 64-bit: bit 63 says present; in a leaf, bits 62:60 hold the
 * p2m type and bits 51:0 the MFN; in an inner level, bits 51:0 are the MFN
 * of the next table, a xenheap page. Tables are only ever added, never
 * freed before teardown, so a lookup needs no more than the p2m lock.
 *
 * Window and tree change together: p2m_map() maps the window first and
 * writes entries only once that worked; p2m_unmap() takes the window
 * mapping away first and clears the entry only once that worked. So the
 * tree never names a page the window does not show, and a page the tree
 * no longer names is never still visible to the guest.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/alloc.h"
#include "lib/assert.h"
#include "lib/fault.h"
#include "lib/log.h"
#include "p2m/p2m.h"

#define P2M_PRESENT    (1ULL << 63)
#define P2M_TYPE_SHIFT 60
#define P2M_TYPE_MASK  (7ULL << P2M_TYPE_SHIFT)
#define P2M_MFN_MASK   ((1ULL << 52) - 1)
#define P2M_BITS       9
#define P2M_ENTRIES    (1U << P2M_BITS)
#define P2M_LEVELS     3

static uint64_t *table_of(uint64_t e)
{
    return mfn_to_virt(e & P2M_MFN_MASK);
}

static int table_alloc(uint64_t **t)
{
    void *va;
    int rc = alloc_xenheap_pages(0, 0, &va);

    if (rc)
        return rc;
    memset(va, 0, PAGE_SIZE);
    *t = va;
    return 0;
}

static unsigned int level_index(gfn_t gfn, unsigned int level)
{
    return (unsigned int)(gfn >> (P2M_BITS * level)) & (P2M_ENTRIES - 1);
}

/* The leaf entry for gfn, allocating tables on the way if alloc. */
static int leaf_entry(struct p2m *p, gfn_t gfn, bool alloc, uint64_t **out)
{
    uint64_t *t = p->root;
    unsigned int level;

    for (level = P2M_LEVELS - 1; level > 0; level--) {
        uint64_t *e = &t[level_index(gfn, level)];

        if (!(*e & P2M_PRESENT)) {
            uint64_t *nt;
            int rc;

            if (!alloc)
                return -ENOENT;
            rc = table_alloc(&nt);
            if (rc)
                return rc;
            p->nr_tables++;
            *e = P2M_PRESENT | virt_to_mfn(nt);
        }
        t = table_of(*e);
    }
    *out = &t[level_index(gfn, 0)];
    return 0;
}

int p2m_init(struct p2m *p, uint64_t nr_gfns)
{
    void *w;
    int rc;

    memset(p, 0, sizeof(*p));
    if (nr_gfns == 0 || nr_gfns > P2M_MAX_GFN)
        return -EINVAL;
    rc = table_alloc(&p->root);
    if (rc)
        return rc;
    if (fault_fire("p2m_init")) {
        w = MAP_FAILED;
        errno = ENOMEM;
    } else {
        w = mmap(NULL, nr_gfns << PAGE_SHIFT, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    }
    if (w == MAP_FAILED) {
        rc = -errno;
        free_xenheap_pages(p->root, 0);
        p->root = NULL;
        return rc;
    }
    /* The log-dirty bitmap (dirty.c) now, not when a migration starts: a
     * bit per gfn (32 KiB per GiB), and a migration then never fails for
     * want of it. */
    p->dirty = xhv_calloc((nr_gfns + 63) / 64, sizeof(*p->dirty));
    if (!p->dirty) {
        munmap(w, nr_gfns << PAGE_SHIFT);
        free_xenheap_pages(p->root, 0);
        p->root = NULL;
        return -ENOMEM;
    }
    p->window = w;
    p->nr_gfns = nr_gfns;
    p->nr_tables = 1;
    pthread_mutex_init(&p->lock, NULL);
    return 0;
}

static void free_tables(uint64_t *t, unsigned int level)
{
    unsigned int i;

    if (level > 0)
        for (i = 0; i < P2M_ENTRIES; i++)
            if (t[i] & P2M_PRESENT)
                free_tables(table_of(t[i]), level - 1);
    free_xenheap_pages(t, 0);
}

void p2m_close_window(struct p2m *p)
{
    pthread_mutex_lock(&p->lock);
    if (p->window)
        munmap(p->window, p->nr_gfns << PAGE_SHIFT);
    p->window = NULL;
    pthread_mutex_unlock(&p->lock);
}

void p2m_teardown(struct p2m *p)
{
    if (!p->root)
        return;
    if (p->window)
        munmap(p->window, p->nr_gfns << PAGE_SHIFT);
    free_tables(p->root, P2M_LEVELS - 1);
    xhv_free(p->dirty);
    pthread_mutex_destroy(&p->lock);
    memset(p, 0, sizeof(*p));
}

static int window_map(struct p2m *p, gfn_t gfn, mfn_t mfn, uint64_t nr,
                      enum p2m_type t)
{
    int prot = p2m_is_readonly(t) ? PROT_READ : PROT_READ | PROT_WRITE;
    void *va;

    if (!p->window)
        return -ESRCH; /* the domain is going away */
    if (fault_fire("p2m_window_map"))
        return -ENOMEM;
    va = mmap(p->window + (gfn << PAGE_SHIFT), nr << PAGE_SHIFT, prot,
              MAP_SHARED | MAP_FIXED, mm_memfd(), (off_t)(mfn << PAGE_SHIFT));
    return va == MAP_FAILED ? -errno : 0;
}

/*
 * Not a fault site: unmapping runs on error paths, and a real failure
 * (the host's mapping-count limit) leaves the page mapped and owned, which
 * is safe: it goes at teardown.
 */
static int window_unmap(struct p2m *p, gfn_t gfn, uint64_t nr)
{
    void *va;

    if (!p->window)
        return 0;
    va = mmap(p->window + (gfn << PAGE_SHIFT), nr << PAGE_SHIFT, PROT_NONE,
              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    return va == MAP_FAILED ? -errno : 0;
}

/* Xen's max_mapped_pfn: only ever rises. p2m lock held. */
static void note_mapped(struct p2m *p, gfn_t last)
{
    if (last > p->max_mapped)
        p->max_mapped = last;
}

int p2m_map(struct p2m *p, gfn_t gfn, mfn_t mfn, uint64_t nr, enum p2m_type t)
{
    uint64_t i, *e;
    int rc = 0;

    if (t == p2m_invalid || nr == 0 || gfn >= p->nr_gfns ||
        nr > p->nr_gfns - gfn || !mfn_valid(mfn) || nr > mm_nr_pages() - mfn)
        return -EINVAL;
    pthread_mutex_lock(&p->lock);
    /* Build every table first: once the window is mapped nothing fails. */
    for (i = 0; i < nr; i++) {
        rc = leaf_entry(p, gfn + i, true, &e);
        if (rc)
            goto out;
        if (*e & P2M_PRESENT) {
            rc = -EEXIST;
            goto out;
        }
    }
    rc = window_map(p, gfn, mfn, nr, t);
    if (rc)
        goto out;
    for (i = 0; i < nr; i++) {
        leaf_entry(p, gfn + i, false, &e);
        *e = P2M_PRESENT | ((uint64_t)t << P2M_TYPE_SHIFT) | (mfn + i);
    }
    p->nr_mapped += nr;
    __atomic_add_fetch(&p->gen, 1, __ATOMIC_RELAXED);
    for (i = 0; i < nr; i++)
        p2m_mark_dirty(p, gfn + i);
    note_mapped(p, gfn + nr - 1);
out:
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int p2m_set_entry(struct p2m *p, gfn_t gfn, mfn_t mfn, enum p2m_type t,
                  mfn_t *prev_mfn, enum p2m_type *prev_t)
{
    enum p2m_type old_t = p2m_invalid;
    mfn_t old_mfn = INVALID_MFN;
    uint64_t *e;
    int rc;

    if (t == p2m_invalid || gfn >= p->nr_gfns || !mfn_valid(mfn))
        return -EINVAL;
    pthread_mutex_lock(&p->lock);
    rc = leaf_entry(p, gfn, true, &e);
    if (rc)
        goto out;
    if (*e & P2M_PRESENT) {
        old_mfn = *e & P2M_MFN_MASK;
        old_t = (enum p2m_type)((*e & P2M_TYPE_MASK) >> P2M_TYPE_SHIFT);
        if ((old_t == p2m_special && old_mfn != mfn) || p2m_is_grant(old_t)) {
            rc = -EBUSY;
            goto out;
        }
    }
    /* MAP_FIXED replaces the old page in one step: the guest sees either
     * the old page or the new one, never a hole. */
    rc = window_map(p, gfn, mfn, 1, t);
    if (rc)
        goto out;
    if (!(*e & P2M_PRESENT))
        p->nr_mapped++;
    *e = P2M_PRESENT | ((uint64_t)t << P2M_TYPE_SHIFT) | mfn;
    __atomic_add_fetch(&p->gen, 1, __ATOMIC_RELAXED);
    p2m_mark_dirty(p, gfn);
    note_mapped(p, gfn);
out:
    pthread_mutex_unlock(&p->lock);
    if (prev_mfn)
        *prev_mfn = rc ? INVALID_MFN : old_mfn;
    if (prev_t)
        *prev_t = rc ? p2m_invalid : old_t;
    return rc;
}

int p2m_lookup(struct p2m *p, gfn_t gfn, mfn_t *mfn, enum p2m_type *t)
{
    uint64_t *e;
    int rc = -ENOENT;

    if (gfn >= p->nr_gfns)
        return -EINVAL;
    pthread_mutex_lock(&p->lock);
    if (leaf_entry(p, gfn, false, &e) == 0 && (*e & P2M_PRESENT)) {
        if (mfn)
            *mfn = *e & P2M_MFN_MASK;
        if (t)
            *t = (enum p2m_type)((*e & P2M_TYPE_MASK) >> P2M_TYPE_SHIFT);
        rc = 0;
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int p2m_unmap(struct p2m *p, gfn_t gfn, mfn_t *mfn, enum p2m_type *t)
{
    uint64_t *e;
    int rc;

    if (gfn >= p->nr_gfns)
        return -EINVAL;
    pthread_mutex_lock(&p->lock);
    rc = leaf_entry(p, gfn, false, &e);
    if (rc || !(*e & P2M_PRESENT)) {
        rc = -ENOENT;
        goto out;
    }
    rc = window_unmap(p, gfn, 1);
    if (rc)
        goto out;
    if (mfn)
        *mfn = *e & P2M_MFN_MASK;
    if (t)
        *t = (enum p2m_type)((*e & P2M_TYPE_MASK) >> P2M_TYPE_SHIFT);
    *e = 0;
    p->nr_mapped--;
    __atomic_add_fetch(&p->gen, 1, __ATOMIC_RELAXED);
    p2m_mark_dirty(p, gfn);
out:
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int p2m_copy(struct p2m *p, uint64_t gpa, void *buf, size_t len, bool to_guest)
{
    gfn_t gfn = gpa >> PAGE_SHIFT;
    uint8_t *hva;
    uint64_t *e;
    int rc = -EFAULT;

    if (len == 0)
        return 0;
    if (gfn >= p->nr_gfns || (gpa & (PAGE_SIZE - 1)) + len > PAGE_SIZE)
        return -EFAULT;
    pthread_mutex_lock(&p->lock);
    if (!p->window || leaf_entry(p, gfn, false, &e) || !(*e & P2M_PRESENT))
        goto out;
    if (to_guest && p2m_is_readonly((enum p2m_type)((*e & P2M_TYPE_MASK) >>
                                                    P2M_TYPE_SHIFT)))
        goto out;
    hva = p->window + gpa;
    if (to_guest) {
        memcpy(hva, buf, len);
        p2m_mark_dirty(p, gfn);
    } else {
        memcpy(buf, hva, len);
    }
    rc = 0;
out:
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int p2m_read_ram(struct p2m *p, gfn_t gfn, void *buf)
{
    enum p2m_type t;
    uint64_t *e;
    ssize_t n;
    int rc = -ENOENT;

    if (gfn >= p->nr_gfns)
        return -ENOENT;
    pthread_mutex_lock(&p->lock);
    if (!p->window) {
        rc = -ESRCH;
        goto out;
    }
    if (leaf_entry(p, gfn, false, &e) || !(*e & P2M_PRESENT))
        goto out;
    t = (enum p2m_type)((*e & P2M_TYPE_MASK) >> P2M_TYPE_SHIFT);
    rc = -EPERM;
    if (t != p2m_ram_rw && t != p2m_ram_ro)
        goto out;
    /* Through the memfd, not the window: a page the guest never touched
     * is a hole there, read as zeros without being allocated or faulted
     * into this process (p2m_write_ram() says why that matters). */
    n = pread(mm_memfd(), buf, PAGE_SIZE,
              (off_t)((*e & P2M_MFN_MASK) << PAGE_SHIFT));
    rc = n == PAGE_SIZE ? 0 : n < 0 ? -errno : -EIO;
out:
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int p2m_write_ram(struct p2m *p, gfn_t gfn, const void *buf)
{
    uint64_t *e;
    ssize_t n;
    int rc = -EFAULT;

    if (gfn >= p->nr_gfns)
        return -EFAULT;
    pthread_mutex_lock(&p->lock);
    if (!p->window || leaf_entry(p, gfn, false, &e) || !(*e & P2M_PRESENT) ||
        (enum p2m_type)((*e & P2M_TYPE_MASK) >> P2M_TYPE_SHIFT) != p2m_ram_rw)
        goto out;
    n = pwrite(mm_memfd(), buf, PAGE_SIZE,
               (off_t)((*e & P2M_MFN_MASK) << PAGE_SHIFT));
    rc = n == PAGE_SIZE ? 0 : n < 0 ? -errno : -EIO;
    if (!rc)
        p2m_mark_dirty(p, gfn);
out:
    pthread_mutex_unlock(&p->lock);
    return rc;
}

void *p2m_gfn_to_virt(struct p2m *p, gfn_t gfn)
{
    if (p2m_lookup(p, gfn, NULL, NULL))
        return NULL;
    return p->window + (gfn << PAGE_SHIFT);
}

struct extent {
    gfn_t gfn;
    mfn_t mfn;
    uint64_t nr;
    enum p2m_type t;
};

/* Depth-first walk in gfn order, coalescing runs into ext. */
static int walk(uint64_t *t, unsigned int level, gfn_t base, struct extent *ext,
                p2m_extent_fn fn, void *ctx)
{
    unsigned int i;
    int rc;

    for (i = 0; i < P2M_ENTRIES; i++) {
        gfn_t gfn = base | ((gfn_t)i << (P2M_BITS * level));
        uint64_t e = t[i];
        enum p2m_type ty;
        mfn_t mfn;

        if (!(e & P2M_PRESENT))
            continue;
        if (level > 0) {
            rc = walk(table_of(e), level - 1, gfn, ext, fn, ctx);
            if (rc)
                return rc;
            continue;
        }
        mfn = e & P2M_MFN_MASK;
        ty = (enum p2m_type)((e & P2M_TYPE_MASK) >> P2M_TYPE_SHIFT);
        if (ext->nr && ext->gfn + ext->nr == gfn && ext->mfn + ext->nr == mfn &&
            ext->t == ty) {
            ext->nr++;
            continue;
        }
        if (ext->nr) {
            rc = fn(ctx, ext->gfn, ext->mfn, ext->nr, ext->t);
            if (rc)
                return rc;
        }
        *ext = (struct extent){gfn, mfn, 1, ty};
    }
    return 0;
}

int p2m_for_each_extent(struct p2m *p, p2m_extent_fn fn, void *ctx)
{
    struct extent ext = {0};
    int rc;

    pthread_mutex_lock(&p->lock);
    rc = walk(p->root, P2M_LEVELS - 1, 0, &ext, fn, ctx);
    if (!rc && ext.nr)
        rc = fn(ctx, ext.gfn, ext.mfn, ext.nr, ext.t);
    pthread_mutex_unlock(&p->lock);
    return rc;
}

struct find_ctx {
    mfn_t mfn;
    gfn_t gfn;
};

static int find_fn(void *ctx, gfn_t gfn, mfn_t mfn, uint64_t nr,
                   enum p2m_type t)
{
    struct find_ctx *f = ctx;

    (void)t;
    if (f->mfn >= mfn && f->mfn - mfn < nr) {
        f->gfn = gfn + (f->mfn - mfn);
        return 1;
    }
    return 0;
}

gfn_t p2m_find_gfn(struct p2m *p, mfn_t mfn)
{
    struct find_ctx f = {mfn, INVALID_GFN};

    p2m_for_each_extent(p, find_fn, &f);
    return f.gfn;
}

gfn_t p2m_max_mapped_gfn(struct p2m *p)
{
    gfn_t g;

    pthread_mutex_lock(&p->lock);
    g = p->max_mapped;
    pthread_mutex_unlock(&p->lock);
    return g;
}
