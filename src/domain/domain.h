/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domains and vCPUs.
 *
 * A domain owns its pages through the struct mm_owner embedded in it, its
 * physmap through its P2M, and one extra page, shared_info, allocated at
 * creation as a PGC_extra domheap page (the seed thread's patch) and freed
 * in domain_relinquish_resources(), not in domain_destroy().
 *
 * Lifecycle: created -> running <-> paused -> dying -> dead.
 *   created  built, never run; pause count 1
 *   running  pause count 0
 *   paused   pause count > 0 (each pause is undone by one unpause)
 *   dying    domain_kill() began: no new pages, channels closed, pages
 *            being given back
 *   dead     everything relinquished; the struct goes on the last put
 *
 * domain_kill() order is fixed and asserted (DESIGN.md §3): mark dying
 * under the domain lock -> stop the vCPUs -> kill every vCPU timer (none
 * is armed again, none fires after) -> every vcpu_info back to its dummy,
 * registered vcpu_info pages released -> evtchn_destroy() -> relinquish (RAM,
 * then extra pages including shared_info) -> last reference ->
 * domain_destroy().
 *
 * Locking: d->lock is the domain lock. Lock order: domain list lock ->
 * d->lock (by ascending domid when several) -> d->evtchn.lock (by
 * ascending domid when several) -> p2m lock -> page_alloc_lock -> heap
 * lock.
 */
#ifndef XHV_DOMAIN_DOMAIN_H
#define XHV_DOMAIN_DOMAIN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "evtchn/evtchn.h"
#include "lib/list.h"
#include "mm/mm.h"
#include "p2m/p2m.h"
#include "time/timer.h"
#include "xhv/public/hvm.h"
#include "xhv/public/vcpu.h"
#include "xhv/public/xen.h"

#define DOMAIN_NAME_MAX  64
#define DOMAIN_MAX_VCPUS 128
#define DOMID_MAX_NORMAL (DOMID_FIRST_RESERVED - 1)

enum domain_state {
    DOMAIN_CREATED,
    DOMAIN_RUNNING,
    DOMAIN_PAUSED,
    DOMAIN_DYING,
    DOMAIN_DEAD,
};

enum shutdown_action {
    ACTION_DESTROY,
    ACTION_RESTART,
    ACTION_PRESERVE,
    ACTION_RENAME_RESTART,
    ACTION_COREDUMP_DESTROY,
    ACTION_COREDUMP_RESTART,
    ACTION_SOFT_RESET,
};

/* Xen's SHUTDOWN_* reasons. */
enum shutdown_reason {
    SHUTDOWN_POWEROFF = 0,
    SHUTDOWN_REBOOT = 1,
    SHUTDOWN_SUSPEND = 2,
    SHUTDOWN_CRASH = 3,
    SHUTDOWN_WATCHDOG = 4,
    SHUTDOWN_NONE = 255,
};

/* What a domain is built from: checked by domain_create(). */
struct domain_params {
    char name[DOMAIN_NAME_MAX];
    uint64_t memory_pages; /* RAM populated at creation */
    uint64_t max_pages;    /* ceiling for ballooning; >= memory_pages */
    unsigned int vcpus;
    enum shutdown_action on_poweroff, on_reboot, on_crash;
    /* Grant-table limits (xl's max_grant_frames, max_maptrack_frames);
     * 0 for xl's defaults, 64 and 1024. */
    unsigned int max_grant_frames, max_maptrack_frames;
};

struct domain;
struct vcpu;
struct gnttab;

/*
 * What a vCPU backend (kvm, sim) provides to the domain layer, which knows
 * no backend by name. A domain without a backend has vCPUs that never run.
 */
struct domain_backend {
    const char *name;
    /* Guest-virtual to guest-physical, for v's current paging mode. */
    int (*translate)(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa);
    /* Stops every vCPU and waits until none runs. Called by
     * domain_kill() before anything is torn down; never from a vCPU. */
    void (*stop)(struct domain *d);
    /* Frees the backend's state, on the domain's last reference. */
    void (*destroy)(struct domain *d);
    /* Tells v that evtchn_upcall_pending went from 0 to 1 (a LAPIC
     * vector on KVM). Called with the domain's event-channel lock held,
     * from any thread; must not take a domain lock. NULL: none. */
    void (*upcall)(struct vcpu *v);
    /* A migration's log of the guest's own writes (KVM's dirty log):
     * turned on and off, and harvested into the P2M's log
     * (p2m_mark_dirty). NULL where the backend logs into the P2M as the
     * guest writes (sim). */
    int (*log_dirty)(struct domain *d, bool on);
    int (*harvest_dirty)(struct domain *d);
};

struct vcpu {
#ifdef XHV_LAYOUT_VARIANT /* see struct page_info */
    uint64_t layout_pad[3];
    struct domain *domain;
    unsigned int id;
#else
    unsigned int id;
    struct domain *domain;
#endif
    /* Into shared_info for vCPUs below 32 while the domain lives, else
     * dummy_vcpu_info, or into the guest's page once it registered one:
     * chosen by vcpu_info_reset() and VCPUOP_register_vcpu_info with the
     * domain lock and the event-channel lock held, so stable under
     * either (event delivery holds only the latter). */
    struct xen_vcpu_info *vcpu_info;
    struct xen_vcpu_info dummy_vcpu_info;
    /* The registered page, held by a general and a writable type
     * reference until vcpu_info_reset() (d->lock); NULL when none. */
    struct page_info *vcpu_info_page;
    /* Where the guest has that page (d->lock; INVALID_GFN for none): xhv
     * writes it behind the guest's back, so a migration logs it dirty at
     * every harvest. */
    gfn_t vcpu_info_gfn;
    bool online;           /* d->lock */
    uint8_t upcall_vector; /* d->lock: HVMOP_set_evtchn_upcall_vector */
    /* d->lock: state and times, with time[state] not yet counting the
     * time since state_entry_time. */
    struct vcpu_runstate_info runstate;
    uint64_t runstate_gva; /* d->lock: registered area, 0 for none */
    /* Timers as the guest set them (d->lock); system time in ns.
     * singleshot_armed stays set after the timer fired: it records the
     * guest's last call, not the timer's state. */
    uint64_t periodic_ns; /* 0: stopped */
    uint64_t singleshot_deadline;
    bool singleshot_armed;
    /* What fires them (VIRQ_TIMER on this vCPU): armed and stopped with
     * d->lock held, never armed once the domain is dying, killed by
     * domain_kill() before evtchn_destroy(). */
    struct timer singleshot_timer;
    struct timer periodic_timer;
    struct evtchn_vcpu evtchn; /* d->evtchn.lock: VIRQ bindings */
};

struct domain {
#ifdef XHV_LAYOUT_VARIANT /* see struct page_info */
    uint64_t layout_pad[7];
#endif
    struct mm_owner mm; /* pages and their accounting */
    uint32_t domid;
    char name[DOMAIN_NAME_MAX]; /* protected by the domain list lock */

    pthread_mutex_t lock;  /* the domain lock */
    pthread_t lock_holder; /* valid while locked */
    bool locked;
    enum domain_state state;              /* d->lock */
    unsigned int pause_count;             /* d->lock */
    enum shutdown_reason shutdown_reason; /* d->lock */
    bool is_shut_down;            /* d->lock: the guest asked, or preserve */
    pthread_cond_t shutdown_cond; /* signalled when is_shut_down is set */
    unsigned int refcnt;          /* atomic */

    /* shared_info: its page, xhv's mapping and where the guest has put it.
     * virt is cleared, under d->lock, when the page is freed. */
    struct {
        struct page_info *page;
        struct xen_shared_info *virt;
        gfn_t gfn; /* d->lock */
    } shared_info;

    const struct domain_backend *backend; /* set once, before vCPUs run */
    void *backend_priv;

    /* The guest's console output, as `xhv console --log` shows it. */
    struct domain_console *console;

    struct p2m p2m;
    struct evtchn_domain evtchn;
    /* Grant table (src/gnttab/): set at creation, freed on the last put;
     * NULL before then. */
    struct gnttab *gnttab;
    struct domain_params params;
    uint64_t hvm_params[HVM_NR_PARAMS]; /* d->lock */
    unsigned int nr_vcpus;
    struct vcpu **vcpus;
    uint64_t created_ns;     /* CLOCK_MONOTONIC at creation */
    uint64_t overhead_bytes; /* xhv heap bytes held for this domain */

    struct list_head link; /* in the domain list */
};

/* Lifecycle (domain.c). */
int domain_create(const struct domain_params *p, struct domain **out);

/*
 * Live update (src/liveupdate/): a domain rebuilt around pages it already
 * owns. domain_lu_create() makes the shell under the old domid, paused,
 * with no RAM and no shared_info; domain_lu_adopt() gives it each of its
 * preserved pages (marked in use by mm_mark_in_use() first), extra pages
 * with their kind and index; domain_lu_finish() creates the vCPUs once
 * shared_info is back, so their vcpu_info points into it.
 */
int domain_lu_create(const struct domain_params *p, uint32_t domid,
                     struct domain **out);
int domain_lu_adopt(struct domain *d, mfn_t mfn, uint64_t nr,
                    enum page_kind kind, uint32_t idx);
int domain_lu_finish(struct domain *d, gfn_t shared_info_gfn);
int domain_pause(struct domain *d);
int domain_unpause(struct domain *d);
/* Acts on reason per the domain's on_* setting; *restart is set when the
 * domain must be built again from its params (restart actions). */
int domain_shutdown(struct domain *d, enum shutdown_reason reason,
                    bool *restart);
int domain_kill(struct domain *d);
/*
 * SCHEDOP_shutdown: the guest asks to be shut down. Records the reason,
 * pauses the domain and tells the toolstack (the notifier below); the
 * action itself is applied later by domain_shutdown() on the toolstack's
 * thread, never on the vCPU's. -EINVAL if already dying or shut down.
 */
int domain_guest_shutdown(struct domain *d, enum shutdown_reason reason);
/* Who hears of guest shutdowns (xhvd wakes its loop); NULL for nobody. */
void domain_set_shutdown_notifier(void (*fn)(struct domain *d));
/* Waits until the domain is shut down: 0, or -ETIMEDOUT. */
int domain_wait_shutdown(struct domain *d, int timeout_ms);
void domain_relinquish_resources(struct domain *d);
void get_domain(struct domain *d);
void put_domain(struct domain *d);
enum domain_state domain_get_state(struct domain *d);
const char *domain_state_name(enum domain_state s);
const char *shutdown_action_name(enum shutdown_action a);
const char *shutdown_reason_name(enum shutdown_reason r);

void domain_lock(struct domain *d);
void domain_unlock(struct domain *d);
void domain_assert_locked(struct domain *d);

/*
 * Where a domain's RAM lies in its physmap as built from its params: from
 * gfn 0 up to the MMIO hole below 4 GiB, the rest from 4 GiB. Fills out[]
 * and returns how many ranges there are (1 or 2). The e820 map guests
 * read through XENMEM_memory_map comes from here.
 */
struct domain_ram_range {
    gfn_t gfn;
    uint64_t nr;
};
#define DOMAIN_MAX_RAM_RANGES 2
unsigned int domain_ram_ranges(const struct domain *d,
                               struct domain_ram_range out[]);
/* The domain's page ceiling (XENMEM_maximum_reservation). */
uint64_t domain_max_pages(struct domain *d);

/* shared_info (shared_info.c). */
int alloc_shared_info(struct domain *d);
void free_shared_info(struct domain *d);
/* The domain's shared_info; asserts it has not been relinquished. */
struct xen_shared_info *domain_shared_info(struct domain *d);
/* XENMAPSPACE_shared_info: map the existing page at gfn (idx must be 0). */
int domain_map_shared_info(struct domain *d, uint64_t idx, gfn_t gfn);
/*
 * XENMEM_remove_from_physmap of shared_info: unmaps it if it is at gfn
 * (-ENOENT if it is not). The page itself stays, as in Xen; the guest can
 * map it again.
 */
int domain_unmap_shared_info(struct domain *d, gfn_t gfn);

/* Console output (console.c): a ring of the newest bytes. */
#define DOMAIN_CONSOLE_RING (64 * 1024)
int domain_console_init(struct domain *d);
void domain_console_free(struct domain *d);
/* Appends guest output; complete lines also go to xhv's log. */
void domain_console_write(struct domain *d, const char *buf, size_t len);
/* Copies the retained output, oldest first; returns the bytes held. */
size_t domain_console_read(struct domain *d, char *buf, size_t len);
/* Live update: the ring holds buf (its newest len bytes) and total bytes
 * were ever written. */
int domain_console_restore(struct domain *d, uint64_t total, const char *buf,
                           size_t len);
/* Reads output from byte offset from (counted since the domain was
 * created; older bytes already overwritten are skipped) and sets *next to
 * the offset after what was copied. */
size_t domain_console_read_from(struct domain *d, uint64_t from, char *buf,
                                size_t len, uint64_t *next);

/* vCPUs (vcpu.c). */
int vcpus_create(struct domain *d, unsigned int n);
void vcpus_destroy(struct domain *d);
/* Points v->vcpu_info back at its default, giving up a registered page
 * (Xen's unmap of the vcpu_info area). Domain lock held. */
void vcpu_info_reset(struct vcpu *v);
/* Live update and restore: v's vcpu_info is at offset in the page at gfn,
 * whose contents already are a vcpu_info (nothing is copied or set); a
 * general and a writable type reference are taken on it. */
int vcpu_info_adopt(struct vcpu *v, gfn_t gfn, uint32_t offset);
/*
 * Arms or stops v's timers from what the guest set (singleshot_*,
 * periodic_ns): nothing is armed once the domain is dying. now is the
 * system time the period counts from. Domain lock held. 0 or -errno.
 */
int vcpu_singleshot_update(struct vcpu *v);
int vcpu_periodic_update(struct vcpu *v, uint64_t now);
/* Stops v's timers and waits out a callback under way (domain_kill()). */
void vcpu_timers_kill(struct vcpu *v);
bool vcpu_timers_idle(struct vcpu *v);
/* Moves v's runstate to state at system time now. Domain lock held. */
void vcpu_runstate_set(struct vcpu *v, int state, uint64_t now);

/*
 * Guest time (src/time/ does the writing): the wallclock in shared_info
 * and v's pvclock record, rewritten under the domain lock so the record
 * cannot be freed meanwhile. Done at creation and when a vcpu_info moves.
 */
void time_update_wallclock(struct domain *d);
void time_update_vcpu(struct vcpu *v);

/* The domain list (domlist.c). Lookups return a reference. */
struct domain *domain_lookup_id(uint32_t domid);
struct domain *domain_lookup_name(const char *name);
/* "3" or "web1": a name that is all digits is never allowed, so this is
 * unambiguous. */
struct domain *domain_lookup(const char *id_or_name);
int domlist_insert(struct domain *d);
int domlist_insert_id(struct domain *d, uint32_t domid);
void domlist_remove(struct domain *d);
unsigned int domlist_count(void);
/* References to every domain, by ascending domid; caller puts each and
 * frees the array with xhv_free(). */
int domlist_snapshot(struct domain ***out, unsigned int *n);
bool domain_name_valid(const char *name);

/* Dumps (dump.c): pages by purpose, found from the frame table. */
struct domain_special_page {
    enum page_kind kind;
    uint32_t index;
    mfn_t mfn;
    gfn_t gfn; /* INVALID_GFN when not in the physmap */
};

#define DOMAIN_DUMP_MAX_SPECIAL 64

struct domain_dump {
    uint64_t ram_pages, ram_extents, ram_extents_2m, extra_pages;
    uint64_t tot_pages, max_pages;
    uint64_t p2m_tables, p2m_mapped;
    uint64_t overhead_bytes;
    unsigned int nr_special; /* capped at DOMAIN_DUMP_MAX_SPECIAL */
    uint64_t nr_special_total;
    struct domain_special_page special[DOMAIN_DUMP_MAX_SPECIAL];
};

int domain_dump(struct domain *d, struct domain_dump *out);

#endif /* XHV_DOMAIN_DOMAIN_H */
