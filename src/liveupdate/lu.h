/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live update: xhvd's state as a record stream (src/stream/) and back.
 *
 * The old xhvd, with every guest held still, calls lu_save(): it writes
 * the stream into fresh domheap pages owned by the live-update system
 * owner (LU_DOMID_LU, never in scratch) and returns their MFNs, length
 * and CRC for the hand-over descriptor. If the update is abandoned,
 * lu_image_release() frees those pages again (rollback).
 *
 * The new xhvd, its allocator booted in the other scratch half with every
 * other page still unmanaged, calls lu_restore(): it checks and parses the
 * stream (nothing changes on a bad one), marks every preserved range in
 * use, and rebuilds each domain around the pages it owns: P2M windows are
 * mmaps of the same memfd, so guest memory is never copied. The domains
 * come back paused; lu_resume() lets them go. Once the old xhvd is gone,
 * lu_complete() gives the record pages and every page neither preserved
 * nor this xhvd's own to the heap.
 *
 * A failure in the new xhvd is not undone piece by piece: the new process
 * exits, and the old one, which never stopped owning anything, resumes its
 * guests. So lu_restore() may leave state behind on error, and the caller
 * must not tear it down (that would scrub guest pages the old one owns).
 */
#ifndef XHV_LIVEUPDATE_LU_H
#define XHV_LIVEUPDATE_LU_H

#include <stddef.h>
#include <stdint.h>

#include "mm/mm.h"

struct lu_image {
    struct mm_owner owner; /* LU_DOMID_LU: owns the record pages */
    bool owner_ready;
    uint64_t *mfns;
    size_t nr, cap;
    uint64_t len;
    uint32_t crc;
    uint64_t *pool; /* pages reserved for the writer, not yet used */
    size_t pool_n;
};

/*
 * The toolstack's configuration of each domain (xhvd's, for restarts and
 * `xhv list -l`) rides along as an optional DOMCFG record: get gives a
 * domain's config as text (or NULL), put takes a restored domain's (a
 * non-zero return refuses the stream). Set once by xhvd at start.
 */
struct lu_config_hooks {
    const char *(*get)(uint32_t domid, void *opaque);
    int (*put)(uint32_t domid, const char *text, size_t len, void *opaque);
    void *opaque;
};
void lu_set_config_hooks(const struct lu_config_hooks *h);

/* Per-phase times, ns, as `xhv live-update` prints them. */
struct lu_times {
    uint64_t prepare, pause, write, handover, parse, rebuild, resume;
    uint64_t downtime; /* pause start to every guest running again */
};

/* What lu_save() needs to know of the machine and the writer. */
struct lu_save_info {
    uint64_t generation;
    unsigned int scratch_half; /* LU_SCRATCH_HALF_* */
};

/*
 * Refuses (-EBUSY, -EOPNOTSUPP, with a reason in err) a machine it cannot
 * carry yet: a dying domain, a KVM guest, FIFO event channels, a grant
 * mapping of a dying granter's page.
 * Callable while guests run, so the refusal costs no downtime.
 */
int lu_check(char *err, size_t errlen);

/*
 * Writes the records of parts: MEMORY (every preserved page range and
 * each domain's P2M: the bulk, which grows with RAM) and STATE (vCPUs,
 * event channels, HVM params, consoles). DOMAIN records go in either.
 * transfer mode writes MEMORY while guests run, for the new xhvd to stage
 * before the blackout, and STATE in it; lu_memory_gen() taken before the
 * first and again in the blackout tells whether the staged memory is
 * still right (a guest that ballooned meanwhile: the update is redone).
 * On error, nothing is left allocated.
 */
#define LU_SAVE_MEMORY (1U << 0)
#define LU_SAVE_STATE  (1U << 1)
int lu_save(const struct lu_save_info *si, unsigned int parts,
            struct lu_image *img, char *err, size_t errlen);
uint64_t lu_memory_gen(void);
/*
 * Before the blackout: reserves (and faults in) the record pages a
 * lu_save() of parts would take now, plus a margin, so that the blackout
 * only writes them. img must be zeroed first; lu_save() then uses it,
 * and lu_image_release() frees what is left. On error what was reserved
 * stays in img (lu_save allocates the rest as it goes).
 */
int lu_image_reserve(struct lu_image *img, const struct lu_save_info *si,
                     unsigned int parts, char *err, size_t errlen);
void lu_image_release(struct lu_image *img);

/* What the daemon learns from lu_restore(). */
struct lu_restored {
    uint64_t generation;
    unsigned int nr_domains;
};

/*
 * New side: record_mfns[nr] hold len bytes of stream with CRC crc. Marks
 * the record pages and every preserved range in use, then rebuilds.
 * times->parse and ->rebuild are filled in.
 */
int lu_restore(unsigned int part, const uint64_t *record_mfns, size_t nr,
               uint64_t len, uint32_t crc, struct lu_restored *out,
               struct lu_times *times, char *err, size_t errlen);
/* Lets every rebuilt domain run as it was; sim programs start again. */
int lu_resume(char *err, size_t errlen);
/* The old xhvd has exited: its pages and the records go to the heap. */
uint64_t lu_complete(struct lu_restored *r);

#endif /* XHV_LIVEUPDATE_LU_H */
