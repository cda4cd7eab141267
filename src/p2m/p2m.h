/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The physical-to-machine map of a domain: gfn -> mfn.
 *
 * Two views are kept in step under the p2m lock:
 *   - a radix tree of xenheap pages (three levels of 512 entries, so gfns
 *     below 2^27, 512 GiB of guest-physical space), which is the truth;
 *   - the guest window: a reservation of host virtual memory, one page per
 *     gfn, in which every mapped gfn is an mmap of its MFN from the machine
 *     memfd (MAP_SHARED|MAP_FIXED). The guest (and KVM) see contiguous
 *     guest-physical memory while MFNs may be scattered; unmapped gfns are
 *     PROT_NONE.
 *
 * The P2M holds no page references of its own: a RAM page is kept alive by
 * its allocation reference, an extra page by its owner. Removing RAM from
 * the physmap gives up the allocation reference (Xen's guest_remove_page).
 */
#ifndef XHV_P2M_P2M_H
#define XHV_P2M_P2M_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/mm.h"

typedef uint64_t gfn_t;
#define INVALID_GFN (~(gfn_t)0)
#define P2M_MAX_GFN (1ULL << 27)

enum p2m_type {
    p2m_invalid = 0,  /* nothing mapped */
    p2m_ram_rw,       /* ordinary RAM */
    p2m_ram_ro,       /* RAM the guest may only read */
    p2m_special,      /* an extra page: shared_info, grant frames */
    p2m_grant_map_rw, /* another domain's page, mapped through a grant */
    p2m_grant_map_ro, /* the same, read-only */
};

/* Grant mappings hold references of their own (src/gnttab/): only the
 * grant code may add or remove them, never a physmap change. */
static inline bool p2m_is_grant(enum p2m_type t)
{
    return t == p2m_grant_map_rw || t == p2m_grant_map_ro;
}

/* Entries the guest may read but not write. */
static inline bool p2m_is_readonly(enum p2m_type t)
{
    return t == p2m_ram_ro || t == p2m_grant_map_ro;
}

struct p2m {
    pthread_mutex_t lock;
    uint64_t *root;     /* top-level table (xenheap); p2m lock */
    uint8_t *window;    /* guest-physical window, nr_gfns pages */
    uint64_t nr_gfns;   /* size of the window, in pages */
    uint64_t nr_tables; /* xenheap pages in the tree; p2m lock */
    uint64_t nr_mapped; /* gfns mapped; p2m lock */
    gfn_t max_mapped;   /* highest gfn ever mapped, 0 if none; p2m lock */
    /* Bumped (atomically, under the p2m lock) by every change of an
     * entry: live update tells from it whether the physmap it staged
     * before the blackout is still the physmap. */
    uint64_t gen;
    /* Log-dirty (dirty.c): a bit per gfn of the window, allocated with
     * the P2M and kept until teardown, so a writer that saw logging on
     * never writes into freed memory. */
    uint64_t *dirty;
    bool logging; /* atomic */
};

int p2m_init(struct p2m *p, uint64_t nr_gfns);
/* Takes the guest window away (the tree stays, for a final walk). */
void p2m_close_window(struct p2m *p);
/* Unmaps the window and frees the tree; the pages themselves are the
 * owner's business. */
void p2m_teardown(struct p2m *p);

/* Maps [gfn, gfn + nr) to [mfn, mfn + nr); every gfn must be unmapped. */
int p2m_map(struct p2m *p, gfn_t gfn, mfn_t mfn, uint64_t nr, enum p2m_type t);
/*
 * Maps gfn to mfn whatever was there, except that a special page is only
 * replaced by itself and a grant mapping never is (-EBUSY otherwise). What was
 * there comes back through prev_mfn/prev_t (p2m_invalid for nothing); the
 * caller deals with it.
 */
int p2m_set_entry(struct p2m *p, gfn_t gfn, mfn_t mfn, enum p2m_type t,
                  mfn_t *prev_mfn, enum p2m_type *prev_t);
/* Unmaps gfn; returns what was there through mfn/t (either may be NULL). */
int p2m_unmap(struct p2m *p, gfn_t gfn, mfn_t *mfn, enum p2m_type *t);
int p2m_lookup(struct p2m *p, gfn_t gfn, mfn_t *mfn, enum p2m_type *t);
/* The gfn at which mfn is mapped, or INVALID_GFN (a scan: dumps only). */
gfn_t p2m_find_gfn(struct p2m *p, mfn_t mfn);
/*
 * The highest gfn that has ever been mapped (0 if none), as Xen reports
 * it through XENMEM_maximum_gpfn: unmapping never lowers it.
 */
gfn_t p2m_max_mapped_gfn(struct p2m *p);

/*
 * Copies len bytes between buf and guest-physical address gpa, all inside
 * one page, under the p2m lock so the page cannot be unmapped meanwhile.
 * -EFAULT when the page is not mapped, or is read-only and to_guest.
 */
int p2m_copy(struct p2m *p, uint64_t gpa, void *buf, size_t len, bool to_guest);

/* Copies the page at gfn out if it is the domain's RAM (p2m_ram_rw or
 * _ro), under the p2m lock: -ENOENT when nothing is mapped there, -EPERM
 * for any other kind of page. For a migration's rounds. */
int p2m_read_ram(struct p2m *p, gfn_t gfn, void *buf);

/*
 * Writes a whole page into the domain's RAM at gfn (p2m_ram_rw only:
 * -EFAULT otherwise), through the machine memfd rather than the window,
 * under the p2m lock. For a restore filling a domain that does not run
 * yet: the kernel writes the page directly, where a store through the
 * window would first fault the page into this process's page tables,
 * which costs more than the copy (above all in a VM with shadow paging).
 */
int p2m_write_ram(struct p2m *p, gfn_t gfn, const void *buf);

/* Host address of guest-physical gfn in the window, or NULL if unmapped.
 * Only valid until the gfn is unmapped. */
void *p2m_gfn_to_virt(struct p2m *p, gfn_t gfn);

/*
 * Calls fn for each run of gfns mapped to consecutive mfns with one type,
 * in gfn order, with the p2m lock held. Stops at the first non-zero return.
 */
typedef int (*p2m_extent_fn)(void *ctx, gfn_t gfn, mfn_t mfn, uint64_t nr,
                             enum p2m_type t);
int p2m_for_each_extent(struct p2m *p, p2m_extent_fn fn, void *ctx);

/*
 * Allocates RAM for d at [gfn, gfn + nr) and maps it: 2 MiB-aligned
 * order-9 extents where the range allows and memory has them, 4 KiB pages
 * otherwise. On failure everything it allocated is released again.
 */
int p2m_populate_ram(struct p2m *p, struct mm_owner *d, gfn_t gfn, uint64_t nr);

/*
 * Removes the RAM page at gfn from the physmap and gives up its
 * allocation reference (ballooning, or making room for a special page).
 */
int p2m_remove_ram(struct p2m *p, gfn_t gfn);

/*
 * Maps the extra page mfn at gfn (XENMAPSPACE_shared_info and friends).
 * old_gfn is where the caller has it mapped now (INVALID_GFN for nowhere):
 * that mapping goes. RAM at gfn is removed as by p2m_remove_ram(); another
 * special page at gfn is -EBUSY. Never allocates a page.
 */
int p2m_map_special(struct p2m *p, gfn_t gfn, mfn_t mfn, gfn_t old_gfn);

/*
 * Moves the ordinary RAM page at gfn from to gfn to (XENMAPSPACE_gmfn).
 * from must be p2m_ram_rw (-EACCES otherwise); RAM already at to is given
 * up as by p2m_remove_ram(); a special page at to is -EBUSY; from == to
 * is a successful no-op. On failure nothing has changed (unless undoing
 * a half-done move fails too, which is logged). The caller serialises
 * physmap changes (the domain lock), so the checks still hold when the
 * change is made.
 */
int p2m_move_ram(struct p2m *p, gfn_t from, gfn_t to);

/*
 * Log-dirty (dirty.c), what a live migration needs to send a page again:
 * which gfns were written since the log was last harvested. Writers mark
 * what they write: the backend for the guest's own writes (the sim
 * backend by hand, KVM from its dirty log), and xhv for its own writes
 * into guest memory (p2m_copy() to the guest, grant copies, and the
 * pages xhv keeps mapped for writing: vcpu_info, FIFO control blocks and
 * event arrays, which the migration code marks at every harvest). A
 * mapping change marks the gfn too, so a page that comes or goes during
 * a migration is sent (or sent as gone). Marking is a load and a branch
 * when nobody logs.
 */
int p2m_log_dirty_start(struct p2m *p); /* clears the log; cannot fail */
void p2m_log_dirty_stop(struct p2m *p);
bool p2m_log_dirty_on(const struct p2m *p);
void p2m_mark_dirty(struct p2m *p, gfn_t gfn);
/* The same for a host address inside the window (NULL or outside it:
 * nothing). */
void p2m_mark_dirty_va(struct p2m *p, const void *va);
/* Every gfn of the window. */
void p2m_mark_dirty_all(struct p2m *p);
/*
 * Moves the log into out (ORed in; nwords 64-bit words, bit g for gfn g)
 * and clears it; returns how many bits it moved. A write racing with the
 * harvest lands either in this harvest or in the next, never in neither.
 */
uint64_t p2m_log_dirty_harvest(struct p2m *p, uint64_t *out, uint64_t nwords);
/* Words a harvest bitmap needs for this window. */
uint64_t p2m_log_dirty_words(const struct p2m *p);

#endif /* XHV_P2M_P2M_H */
