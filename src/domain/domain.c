/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain lifecycle: creation, pause and unpause, shutdown actions, and the
 * fixed teardown order of domain_kill() (see domain.h).
 *
 * A domain under construction is torn down by the same domain_kill() as
 * a finished one, so every failure path of domain_create() is the real
 * teardown path: each step of kill copes with the steps of create that
 * never happened.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "domain/domain.h"
#include "gnttab/gnttab.h"
#include "lib/alloc.h"
#include "lib/deadline.h"
#include "lib/assert.h"
#include "lib/log.h"
#include "time/time.h"

/* Guest-physical layout: RAM from 0, with the MMIO hole below 4 GiB
 * (Xen's default, 0xf0000000-0xffffffff) skipped for large guests. */
#define LOWMEM_END_GFN 0xf0000ULL
#define HIGHMEM_GFN    0x100000ULL
#define SPECIAL_GFNS   0x40000ULL /* 1 GiB above RAM for guest-placed pages */

void domain_lock(struct domain *d)
{
    pthread_mutex_lock(&d->lock);
    d->lock_holder = pthread_self();
    d->locked = true;
}

void domain_unlock(struct domain *d)
{
    d->locked = false;
    pthread_mutex_unlock(&d->lock);
}

void domain_assert_locked(struct domain *d)
{
    XHV_ASSERT(d->locked && pthread_equal(d->lock_holder, pthread_self()));
}

static const char *const state_names[] = {
    [DOMAIN_CREATED] = "created", [DOMAIN_RUNNING] = "running",
    [DOMAIN_PAUSED] = "paused",   [DOMAIN_DYING] = "dying",
    [DOMAIN_DEAD] = "dead",
};

const char *domain_state_name(enum domain_state s)
{
    return (unsigned int)s < ARRAY_SIZE(state_names) ? state_names[s] : "?";
}

static const char *const action_names[] = {
    [ACTION_DESTROY] = "destroy",
    [ACTION_RESTART] = "restart",
    [ACTION_PRESERVE] = "preserve",
    [ACTION_RENAME_RESTART] = "rename-restart",
    [ACTION_COREDUMP_DESTROY] = "coredump-destroy",
    [ACTION_COREDUMP_RESTART] = "coredump-restart",
    [ACTION_SOFT_RESET] = "soft-reset",
};

const char *shutdown_action_name(enum shutdown_action a)
{
    return (unsigned int)a < ARRAY_SIZE(action_names) ? action_names[a] : "?";
}

const char *shutdown_reason_name(enum shutdown_reason r)
{
    switch (r) {
    case SHUTDOWN_POWEROFF:
        return "poweroff";
    case SHUTDOWN_REBOOT:
        return "reboot";
    case SHUTDOWN_SUSPEND:
        return "suspend";
    case SHUTDOWN_CRASH:
        return "crash";
    case SHUTDOWN_WATCHDOG:
        return "watchdog";
    default:
        return "none";
    }
}

enum domain_state domain_get_state(struct domain *d)
{
    enum domain_state s;

    domain_lock(d);
    s = d->state;
    domain_unlock(d);
    return s;
}

static uint64_t ram_end_gfn(uint64_t pages)
{
    if (pages <= LOWMEM_END_GFN)
        return pages;
    return HIGHMEM_GFN + (pages - LOWMEM_END_GFN);
}

static int check_params(const struct domain_params *p)
{
    if (!domain_name_valid(p->name))
        return -EINVAL;
    if (p->vcpus == 0 || p->vcpus > DOMAIN_MAX_VCPUS)
        return -EINVAL;
    if (p->memory_pages == 0 || p->max_pages < p->memory_pages ||
        ram_end_gfn(p->max_pages) + SPECIAL_GFNS > P2M_MAX_GFN)
        return -EINVAL;
    return 0;
}

unsigned int domain_ram_ranges(const struct domain *d,
                               struct domain_ram_range out[])
{
    uint64_t pages = d->params.memory_pages;
    uint64_t low = pages < LOWMEM_END_GFN ? pages : LOWMEM_END_GFN;

    out[0] = (struct domain_ram_range){0, low};
    if (pages == low)
        return 1;
    out[1] = (struct domain_ram_range){HIGHMEM_GFN, pages - low};
    return 2;
}

uint64_t domain_max_pages(struct domain *d)
{
    uint64_t n;

    /* max_pages belongs to mm, under its page_alloc_lock. */
    pthread_mutex_lock(&d->mm.page_alloc_lock);
    n = d->mm.max_pages;
    pthread_mutex_unlock(&d->mm.page_alloc_lock);
    return n;
}

static int populate_ram(struct domain *d)
{
    struct domain_ram_range r[DOMAIN_MAX_RAM_RANGES];
    unsigned int i, n = domain_ram_ranges(d, r);
    int rc = 0;

    for (i = 0; i < n && !rc; i++)
        rc = p2m_populate_ram(&d->p2m, &d->mm, r[i].gfn, r[i].nr);
    return rc;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void time_update_wallclock(struct domain *d)
{
    domain_lock(d);
    if (d->shared_info.virt)
        time_wallclock_write(d->shared_info.virt);
    domain_unlock(d);
}

/* The guest finds valid time in shared_info from its first instruction. */
static void domain_time_init(struct domain *d)
{
    unsigned int i;

    time_update_wallclock(d);
    for (i = 0; i < d->nr_vcpus; i++)
        time_update_vcpu(d->vcpus[i]);
}

static int domain_build(struct domain *d)
{
    int rc;

    rc = domain_console_init(d);
    if (rc)
        return rc;
    rc = alloc_shared_info(d);
    if (rc)
        return rc;
    rc = gnttab_domain_init(d, d->params.max_grant_frames,
                            d->params.max_maptrack_frames);
    if (rc)
        return rc;
    rc = p2m_init(&d->p2m, ram_end_gfn(d->params.max_pages) + SPECIAL_GFNS);
    if (rc)
        return rc;
    rc = vcpus_create(d, d->params.vcpus);
    if (rc)
        return rc;
    domain_time_init(d);
    return populate_ram(d);
}

/*
 * A new domain's shell, listed under domid (0: a fresh id) and owning
 * nothing yet, or -errno with nothing left behind.
 */
static int domain_alloc(const struct domain_params *p, uint32_t domid,
                        struct domain **out)
{
    struct domain *d;
    int rc;

    rc = check_params(p);
    if (rc)
        return rc;
    d = xhv_calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->shutdown_cond, NULL);
    evtchn_domain_init(&d->evtchn);
    d->params = *p;
    strcpy(d->name, p->name);
    d->refcnt = 1; /* the domain list's */
    d->state = DOMAIN_CREATED;
    d->pause_count = 1;
    d->shutdown_reason = SHUTDOWN_NONE;
    d->shared_info.gfn = INVALID_GFN;
    d->created_ns = now_ns();
    d->overhead_bytes = sizeof(*d);
    list_init(&d->link);

    rc = domid ? domlist_insert_id(d, domid) : domlist_insert(d);
    if (rc) {
        evtchn_domain_fini(&d->evtchn);
        pthread_cond_destroy(&d->shutdown_cond);
        pthread_mutex_destroy(&d->lock);
        xhv_free(d);
        return rc;
    }
    mm_owner_init(&d->mm, d->domid, p->max_pages);
    *out = d;
    return 0;
}

int domain_create(const struct domain_params *p, struct domain **out)
{
    struct domain *d;
    int rc;

    rc = domain_alloc(p, 0, &d);
    if (rc)
        return rc;
    rc = domain_build(d);
    if (rc) {
        log_warn("domain", "d%u: creation failed: %s", d->domid, strerror(-rc));
        domain_kill(d);
        return rc;
    }
    get_domain(d);
    *out = d;
    log_info("domain", "d%u (%s) created: %llu pages, %u vcpus", d->domid,
             d->name, (unsigned long long)p->memory_pages, p->vcpus);
    return 0;
}

int domain_lu_create(const struct domain_params *p, uint32_t domid,
                     struct domain **out)
{
    struct domain *d;
    int rc;

    if (domid == 0)
        return -EINVAL;
    rc = domain_alloc(p, domid, &d);
    if (rc)
        return rc;
    rc = domain_console_init(d);
    /* An empty table: its frames come back with domain_lu_adopt(). */
    if (!rc)
        rc = gnttab_domain_init(d, d->params.max_grant_frames,
                                d->params.max_maptrack_frames);
    if (!rc)
        rc = p2m_init(&d->p2m, ram_end_gfn(d->params.max_pages) + SPECIAL_GFNS);
    if (rc) {
        /* Nothing adopted yet: the kill frees only xhv's own memory. */
        domain_kill(d);
        return rc;
    }
    get_domain(d);
    *out = d;
    return 0;
}

/* The largest order of an aligned chunk at mfn within nr pages. */
static unsigned int chunk_order(mfn_t mfn, uint64_t nr)
{
    unsigned int o = 0;

    while (o < MAX_ORDER && !(mfn & (1ULL << o)) && (2ULL << o) <= nr)
        o++;
    return o;
}

static int adopt_shared_info(struct domain *d, mfn_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);
    int rc;

    if (d->shared_info.page)
        return -EEXIST;
    rc = get_page_and_type(pg, &d->mm, PGT_writable_page);
    if (rc)
        return rc;
    domain_lock(d);
    d->shared_info.page = pg;
    d->shared_info.virt = mfn_to_virt(mfn);
    domain_unlock(d);
    return 0;
}

int domain_lu_adopt(struct domain *d, mfn_t mfn, uint64_t nr,
                    enum page_kind kind, uint32_t idx)
{
    unsigned int o;
    uint64_t i;
    int rc = 0;

    /* RAM goes back in the largest aligned chunks the extent allows, so
     * the cost follows the number of extents more than their size. */
    while (kind == PAGE_KIND_NONE && nr && !rc) {
        o = chunk_order(mfn, nr);
        rc = assign_pages(&d->mm, mfn_to_page(mfn), o, 0);
        mfn += 1ULL << o;
        nr -= 1ULL << o;
    }
    for (i = 0; kind != PAGE_KIND_NONE && i < nr && !rc; i++) {
        rc = assign_pages(&d->mm, mfn_to_page(mfn + i), 0,
                          MEMF_extra(kind, idx + i));
        if (!rc && kind == PAGE_KIND_SHARED_INFO)
            rc = adopt_shared_info(d, mfn + i);
        else if (!rc && (kind == PAGE_KIND_GRANT_FRAME ||
                         kind == PAGE_KIND_GRANT_STATUS))
            rc = gnttab_lu_adopt_frame(d, kind, idx + (uint32_t)i,
                                       mfn_to_page(mfn + i));
    }
    return rc;
}

int domain_lu_finish(struct domain *d, gfn_t shared_info_gfn)
{
    int rc;

    if (!d->shared_info.page)
        return -ENOENT;
    domain_lock(d);
    d->shared_info.gfn = shared_info_gfn;
    domain_unlock(d);
    rc = vcpus_create(d, d->params.vcpus);
    if (!rc)
        domain_time_init(d);
    return rc;
}

int domain_pause(struct domain *d)
{
    int rc = 0;

    domain_lock(d);
    if (d->state >= DOMAIN_DYING)
        rc = -EINVAL;
    else if (d->pause_count == UINT32_MAX)
        rc = -EOVERFLOW;
    else if (d->pause_count++ == 0)
        d->state = DOMAIN_PAUSED;
    domain_unlock(d);
    return rc;
}

int domain_unpause(struct domain *d)
{
    int rc = 0;

    domain_lock(d);
    if (d->state >= DOMAIN_DYING || d->pause_count == 0)
        rc = -EINVAL;
    else if (--d->pause_count == 0)
        d->state = DOMAIN_RUNNING;
    domain_unlock(d);
    return rc;
}

static enum shutdown_action action_for(struct domain *d, enum shutdown_reason r)
{
    switch (r) {
    case SHUTDOWN_POWEROFF:
        return d->params.on_poweroff;
    case SHUTDOWN_REBOOT:
        return d->params.on_reboot;
    case SHUTDOWN_SUSPEND:
        return ACTION_PRESERVE;
    default:
        return d->params.on_crash;
    }
}

static void (*shutdown_notifier)(struct domain *d);

void domain_set_shutdown_notifier(void (*fn)(struct domain *d))
{
    shutdown_notifier = fn;
}

/* Sets is_shut_down; true if this call set it. */
static bool mark_shut_down(struct domain *d)
{
    bool first;

    domain_lock(d);
    first = !d->is_shut_down;
    d->is_shut_down = true;
    pthread_cond_broadcast(&d->shutdown_cond);
    domain_unlock(d);
    return first;
}

int domain_guest_shutdown(struct domain *d, enum shutdown_reason reason)
{
    domain_lock(d);
    if (d->state >= DOMAIN_DYING || d->is_shut_down) {
        domain_unlock(d);
        return -EINVAL;
    }
    /* Reason and flag in one step: a second vCPU asking too fails. */
    d->shutdown_reason = reason;
    d->is_shut_down = true;
    pthread_cond_broadcast(&d->shutdown_cond);
    domain_unlock(d);
    domain_pause(d);
    log_info("domain", "d%u: guest asked for shutdown (%s)", d->domid,
             shutdown_reason_name(reason));
    if (shutdown_notifier)
        shutdown_notifier(d);
    return 0;
}

int domain_wait_shutdown(struct domain *d, int timeout_ms)
{
    struct timespec ts;
    int rc = 0;

    xhv_deadline_ms(&ts, timeout_ms);
    domain_lock(d);
    while (!d->is_shut_down && rc == 0) {
        d->locked = false;
        rc = pthread_cond_timedwait(&d->shutdown_cond, &d->lock, &ts);
        d->lock_holder = pthread_self();
        d->locked = true;
    }
    domain_unlock(d);
    return rc ? -ETIMEDOUT : 0;
}

int domain_shutdown(struct domain *d, enum shutdown_reason reason,
                    bool *restart)
{
    enum shutdown_action a = action_for(d, reason);

    *restart = false;
    domain_lock(d);
    if (d->state >= DOMAIN_DYING) {
        domain_unlock(d);
        return -EINVAL;
    }
    if (d->shutdown_reason == SHUTDOWN_NONE || !d->is_shut_down)
        d->shutdown_reason = reason;
    domain_unlock(d);
    log_info("domain", "d%u: shutdown (%s), action %s", d->domid,
             shutdown_reason_name(reason), shutdown_action_name(a));

    switch (a) {
    case ACTION_PRESERVE:
        return mark_shut_down(d) ? domain_pause(d) : 0;
    case ACTION_COREDUMP_DESTROY:
    case ACTION_COREDUMP_RESTART:
        log_warn("domain", "d%u: core dumps are not supported; skipped",
                 d->domid);
        break;
    default:
        break;
    }
    *restart = a == ACTION_RESTART || a == ACTION_RENAME_RESTART ||
               a == ACTION_COREDUMP_RESTART || a == ACTION_SOFT_RESET;
    return domain_kill(d);
}

struct release_ctx {
    uint64_t released;
};

static int release_extent(void *ctx, gfn_t gfn, mfn_t mfn, uint64_t nr,
                          enum p2m_type t)
{
    struct release_ctx *r = ctx;
    uint64_t i;

    (void)gfn;
    if (t != p2m_ram_rw && t != p2m_ram_ro)
        return 0; /* extra pages go with their owner below */
    for (i = 0; i < nr; i++)
        put_page_alloc_ref(mfn_to_page(mfn + i));
    r->released += nr;
    return 0;
}

/*
 * Gives back guest RAM, then the extra pages, shared_info last. Called by
 * domain_kill() with the domain lock held, after evtchn_destroy().
 */
void domain_relinquish_resources(struct domain *d)
{
    struct release_ctx r = {0};
    unsigned int i;

    domain_assert_locked(d);
    XHV_ASSERT(d->state == DOMAIN_DYING);
    /* The ordering point: nothing may use shared_info after this. */
    XHV_ASSERT(!d->shared_info.page || evtchn_is_destroyed(&d->evtchn));
    /* Nor may a vcpu_info still hold a guest page: its reference would
     * keep the page owned after the domain is gone. */
    for (i = 0; i < d->nr_vcpus; i++)
        XHV_ASSERT(!d->vcpus[i]->vcpu_info_page);
    /* The grant mappings d holds leave its P2M while it still exists,
     * and nobody pins d's own grants from here on. */
    gnttab_release_mappings(d);
    if (d->p2m.root) {
        p2m_close_window(&d->p2m);
        p2m_for_each_extent(&d->p2m, release_extent, &r);
        p2m_teardown(&d->p2m);
    }
    /* Grant frames are extra pages like shared_info: freed here, once no
     * physmap shows them. Pages d granted and others still map stay
     * (owned, dying) until the last mapping goes. */
    gnttab_relinquish(d);
    free_shared_info(d);
    if (mm_owner_tot_pages(&d->mm) || mm_owner_extra_pages(&d->mm))
        log_warn("domain",
                 "d%u: %llu pages still referenced after "
                 "relinquish",
                 d->domid,
                 (unsigned long long)(mm_owner_tot_pages(&d->mm) +
                                      mm_owner_extra_pages(&d->mm)));
}

int domain_kill(struct domain *d)
{
    unsigned int i;

    domain_lock(d);
    if (d->state >= DOMAIN_DYING) {
        domain_unlock(d);
        return -EALREADY;
    }
    d->state = DOMAIN_DYING;
    mm_owner_set_dying(&d->mm);
    /* From here no event is delivered to d and no port allocated. */
    evtchn_domain_set_dying(&d->evtchn);
    domain_unlock(d);
    /* Without the lock: a vCPU may be waiting for it to finish a
     * hypercall, and stop() waits for every vCPU. */
    if (d->backend && d->backend->stop)
        d->backend->stop(d);
    /* No timer is armed from here (the domain is dying), and once this
     * returns none fires: a VIRQ_TIMER callback must not outlive the
     * channels, nor the vCPU it points at. */
    for (i = 0; i < d->nr_vcpus; i++)
        vcpu_timers_kill(d->vcpus[i]);

    domain_lock(d);
    for (i = 0; i < d->nr_vcpus; i++) {
        XHV_ASSERT(vcpu_timers_idle(d->vcpus[i]));
        vcpu_info_reset(d->vcpus[i]);
    }
    if (d->shared_info.page)
        evtchn_destroy(&d->evtchn);
    domain_relinquish_resources(d);
    d->state = DOMAIN_DEAD;
    domain_unlock(d);
    log_info("domain", "d%u (%s) destroyed", d->domid, d->name);
    domlist_remove(d);
    return 0;
}

void get_domain(struct domain *d)
{
    __atomic_add_fetch(&d->refcnt, 1, __ATOMIC_RELAXED);
}

/* The last reference: only now does the struct go. */
static void domain_destroy(struct domain *d)
{
    XHV_ASSERT(d->state == DOMAIN_DEAD);
    if (d->backend && d->backend->destroy)
        d->backend->destroy(d);
    domain_console_free(d);
    pthread_cond_destroy(&d->shutdown_cond);
    vcpus_destroy(d);
    evtchn_domain_fini(&d->evtchn);
    gnttab_domain_destroy(d);
    mm_owner_fini(&d->mm);
    pthread_mutex_destroy(&d->lock);
    xhv_free(d);
}

void put_domain(struct domain *d)
{
    if (__atomic_sub_fetch(&d->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
        domain_destroy(d);
}
