/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Save, restore and migration of domains (docs/migration.md): domains to
 * migration stream images (include/xhv/public/migration.h) and back,
 * through the pure wire library in src/stream/mig.h. This folder is the
 * "save/restore, migrate" part of src/stream/ in DESIGN.md section 9,
 * kept apart because src/stream/ is pure and this code works on domains.
 *
 * A group of domains (ping and its echo) travels as one image per domain,
 * back to back on one connection or in one file; interdomain channels
 * between members of the group are tied again on the receiver, channels
 * to a domain outside it are closed (evtchn_mig_orphan()).
 *
 * Only sim-backend guests can be carried yet (their whole state is guest
 * memory plus what xhv keeps); KVM guests are refused by migrate_check().
 *
 * All of it runs on xhvd's loop thread, one operation at a time.
 */
#ifndef XHV_MIGRATE_MIGRATE_H
#define XHV_MIGRATE_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/domain.h"
#include "stream/mig.h"

#define MIGRATE_MAX_DOMAINS 16
#define MIGRATE_MAX_ROUNDS  64

/* Refuses (with a message) what cannot be carried: a KVM guest, FIFO
 * pages the guest moved away from the gfns it gave, a dying domain.
 * Changes nothing. */
int migrate_check(struct domain *d, char *err, size_t errlen);

/* One round of one domain, as it ends (for `xhv migrate`'s progress). */
struct migrate_progress {
    uint32_t domid;
    unsigned int round;       /* 1-based, the final round included */
    bool final;               /* sent while the group was parked */
    uint64_t pages;           /* sent in this round (changed since sent) */
    uint64_t bytes;           /* stream bytes of this round */
    uint64_t total_bytes;     /* stream bytes so far, all domains */
    uint64_t round_ns;        /* time the round took */
    uint64_t rate_bps;        /* bytes/s over this round */
    uint64_t dirty_pps;       /* pages/s changed during the last round */
    uint64_t est_downtime_ns; /* a final round like this one: round_ns */
};

struct migrate_opts {
    bool live;                /* iterative pre-copy before the pause */
    uint64_t max_downtime_ns; /* stop iterating once the rest fits */
    unsigned int max_rounds;  /* live rounds before the final one */
    /* The configuration text to carry for domid (for restarts and
     * `xhv list -l`), or NULL; the returned string stays the caller's. */
    const char *(*config_of)(uint32_t domid, void *opaque);
    void *config_opaque;
    /* Called after each round, or NULL. A report only: it cannot fail
     * the migration. */
    void (*progress)(const struct migrate_progress *p, void *opaque);
    void *progress_opaque;
};

struct migrate_dom_stats {
    uint32_t domid;
    unsigned int rounds;                    /* including the final one */
    uint64_t pages[MIGRATE_MAX_ROUNDS + 1]; /* sent in each round */
    uint64_t zero_pages;                    /* sent as XALLOC, no data */
    uint64_t parked_ns;                     /* CLOCK_MONOTONIC when parked */
};

struct migrate_stats {
    unsigned int nr;
    struct migrate_dom_stats dom[MIGRATE_MAX_DOMAINS];
    uint64_t bytes;
};

/*
 * Writes one image per domain to w. Each domain is parked (sim guests
 * stop at a step boundary) for its final round; on success every domain
 * is left parked: the caller destroys them or unparks them
 * (migrate_unpark). On failure every domain is unparked again.
 */
int migrate_save(struct domain **doms, unsigned int n, struct mig_writer *w,
                 const struct migrate_opts *o, struct migrate_stats *st,
                 char *err, size_t errlen);
void migrate_unpark(struct domain **doms, unsigned int n);

struct migrate_restored {
    unsigned int nr;
    struct domain *dom[MIGRATE_MAX_DOMAINS]; /* referenced */
    char *config[MIGRATE_MAX_DOMAINS];       /* xhv_malloc'd text or NULL */
    bool running[MIGRATE_MAX_DOMAINS]; /* running on the sender, not paused */
};

struct migrate_restore_opts {
    unsigned int count; /* images to read; 0: until the input ends */
    const char *name;   /* new name for a single domain, or NULL */
    bool paused;        /* leave every domain paused */
};

/*
 * Reads images from r, builds a new domain from each (fresh pages, the
 * contents copied in, new domids), ties their channels, and starts them.
 * On failure every domain it built is destroyed again and *out is empty.
 */
int migrate_restore(struct mig_reader *r, const struct migrate_restore_opts *o,
                    struct migrate_restored *out, char *err, size_t errlen);
/* Drops the references and strings of a successful restore. */
void migrate_restored_release(struct migrate_restored *out);

#endif /* XHV_MIGRATE_MIGRATE_H */
