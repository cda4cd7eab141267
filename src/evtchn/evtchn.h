/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event channels, 2-level ABI (docs/event-channels.md).
 *
 * Each domain has a table of up to EVTCHN_2L_NR_CHANNELS ports, built of
 * buckets of EVTCHN_BUCKET_PORTS allocated as ports are first needed; each
 * port is free, unbound (waiting for a peer), interdomain, virq or ipi.
 * A port's pending and mask bits live in the guest's shared_info page, its
 * binding in xhv's memory. Port 0 is reserved, as in Xen.
 *
 * Teardown (DESIGN.md §3): domain_kill() marks the domain dying (then no
 * port is allocated and nothing is delivered), then evtchn_destroy() closes
 * every port, so interdomain peers see their end become unbound, and frees
 * the table. It runs before domain_relinquish_resources(): closing clears
 * pending bits in shared_info, so shared_info must still exist, which it
 * asserts.
 *
 * Locking: ed->lock, the event-channel lock, comes after d->lock. Two
 * domains' event-channel locks are taken by ascending domain id. Nothing
 * that holds an event-channel lock takes a domain lock, the domain list
 * lock, or drops a domain's last reference. The choice of each vCPU's
 * vcpu_info is changed with both d->lock and ed->lock held, so it is
 * stable under either.
 */
#ifndef XHV_EVTCHN_EVTCHN_H
#define XHV_EVTCHN_EVTCHN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "xhv/public/event_channel.h"
#include "xhv/public/xen.h"

#define EVTCHN_BUCKET_PORTS 64
#define EVTCHN_NR_BUCKETS   (EVTCHN_2L_NR_CHANNELS / EVTCHN_BUCKET_PORTS)

struct domain;
struct evtchn;
struct evtchn_fifo_domain;
struct vcpu;

struct evtchn_domain {
    pthread_mutex_t lock;  /* the event-channel lock */
    pthread_t lock_holder; /* valid while locked */
    bool locked;
    /* Ports [0, nr_ports) are in allocated buckets: buckets fill in
     * order, as in Xen, so a port is valid exactly when it is below
     * nr_ports. Protected by the event-channel lock. */
    struct evtchn *buckets[EVTCHN_NR_BUCKETS];
    unsigned int nr_ports;
    /* Set by domain_kill() through evtchn_domain_set_dying(): no port is
     * allocated or delivered to from then on. Event-channel lock. */
    bool dying;
    /* Set once by evtchn_destroy(), with d->lock and the event-channel
     * lock held, so it may be read under either. */
    bool destroyed;
    /* The FIFO ABI's state (event_fifo.c) once the guest has called
     * init_control; NULL while the domain uses 2-level. Event-channel
     * lock. */
    struct evtchn_fifo_domain *fifo;
    /* SCHEDOP_poll (poll.c): vCPUs blocked in evtchn_poll() wait on
     * poll_cond with the event-channel lock as its mutex; nr_pollers
     * counts them so a delivery with nobody polling signals nothing.
     * Event-channel lock. */
    pthread_cond_t poll_cond;
    unsigned int nr_pollers;
};

/* Per vCPU: the port each VIRQ is bound to (0: none). Global VIRQs use
 * vCPU 0's table. Protected by the domain's event-channel lock. */
struct evtchn_vcpu {
    evtchn_port_t virq_to_port[NR_VIRQS];
    /* While the vCPU is in evtchn_poll(): its ports (NULL otherwise), and
     * whether an upcall was raised for it since it began (Xen wakes a
     * polling vCPU on any upcall too). Event-channel lock. */
    const evtchn_port_t *poll_ports;
    unsigned int poll_nr;
    bool poll_kicked;
};

/*
 * Live update (lu.c), and migration. save writes d's bound ports into out
 * (at most max; -ENOSPC beyond), with a FIFO domain's priorities and
 * held events; count bounds how many there can be. restore binds one
 * port of a rebuilt domain as the record says; link then ties its
 * interdomain ports to their peers, once every domain exists, and
 * check_peer verifies each peer names it back.
 */
struct lu_evtchn_port;
int evtchn_lu_save(struct domain *d, struct lu_evtchn_port *out, size_t max,
                   size_t *n);
size_t evtchn_lu_count(struct domain *d);
int evtchn_lu_restore(struct domain *d, const struct lu_evtchn_port *p);
int evtchn_lu_link(struct domain *d, struct domain *(*lookup)(uint32_t domid));
int evtchn_lu_check_peer(struct domain *d);
/* Migration (mig.c): before evtchn_lu_link(), every interdomain port
 * whose peer lookup() does not find becomes unbound (to DOMID_INVALID),
 * as if the peer had closed it. Returns how many. */
unsigned int evtchn_mig_orphan(struct domain *d,
                               struct domain *(*lookup)(uint32_t domid));

/* Lifecycle, driven by domain.c. */
void evtchn_domain_init(struct evtchn_domain *ed);
void evtchn_domain_set_dying(struct evtchn_domain *ed);
/* Closes every channel. Must run while shared_info still exists. */
void evtchn_destroy(struct evtchn_domain *ed);
bool evtchn_is_destroyed(const struct evtchn_domain *ed);
/* On the domain's last reference. */
void evtchn_domain_fini(struct evtchn_domain *ed);

void evtchn_lock(struct evtchn_domain *ed);
void evtchn_unlock(struct evtchn_domain *ed);
void evtchn_assert_locked(struct evtchn_domain *ed);

/*
 * The operations, as Xen returns them to a domU (0 or -errno); domains
 * are already looked up and permission-checked by the caller. Out
 * parameters are written only on success.
 */
int evtchn_alloc_unbound(struct domain *d, xen_domid_t remote_dom,
                         evtchn_port_t *port);
int evtchn_bind_interdomain(struct domain *ld, struct domain *rd,
                            evtchn_port_t rport, evtchn_port_t *lport);
int evtchn_bind_virq(struct domain *d, uint32_t virq, uint32_t vcpu,
                     evtchn_port_t *port);
int evtchn_bind_ipi(struct domain *d, uint32_t vcpu, evtchn_port_t *port);
int evtchn_close(struct domain *d, evtchn_port_t port);
int evtchn_send(struct domain *d, evtchn_port_t port);
/* Fills everything but st->dom and st->port, which it reads. */
int evtchn_status(struct domain *d, struct evtchn_status *st);
int evtchn_bind_vcpu(struct domain *d, evtchn_port_t port, uint32_t vcpu);
int evtchn_unmask(struct domain *d, evtchn_port_t port);
/* Closes every port of d. */
int evtchn_reset(struct domain *d);

/*
 * Raises virq for d from xhv itself (VIRQ_DEBUG from `xhv debug-keys`,
 * VIRQ_CONSOLE). vcpu matters only for per-vCPU VIRQs. 0 when delivered
 * (or the domain is dying), -ENOENT when no port is bound, -EINVAL for a
 * bad virq or vcpu.
 */
int evtchn_send_virq(struct domain *d, unsigned int vcpu, unsigned int virq);

/*
 * The FIFO ABI (event_fifo.c), for the calling domain d. init_control
 * maps vCPU ic->vcpu's control block and, the first time, switches d
 * from 2-level to FIFO; it fills ic->link_bits. expand_array adds one
 * page of event words, at most EVTCHN_FIFO_MAX_ARRAY_PAGES in all.
 * evtchn_reset() goes back to 2-level and releases every page.
 */
#define EVTCHN_FIFO_WORDS_PER_PAGE 1024 /* PAGE_SIZE / sizeof(event_word_t) */
#define EVTCHN_FIFO_MAX_ARRAY_PAGES                                            \
    (EVTCHN_2L_NR_CHANNELS / EVTCHN_FIFO_WORDS_PER_PAGE)
int evtchn_fifo_init_control(struct domain *d, struct evtchn_init_control *ic);
int evtchn_fifo_expand_array(struct domain *d, uint64_t array_gfn);
int evtchn_set_priority(struct domain *d, evtchn_port_t port,
                        uint32_t priority);
bool evtchn_is_fifo(struct domain *d);

/*
 * The FIFO state across a live update or a migration (fifo_save.c). The
 * event words, control blocks and vcpu_info are guest memory and travel
 * with it; what is xhv's own travels in wire form (the live-update
 * stream's struct lu_fifo_control, also used by the migration stream):
 * per vCPU with a control block its gfn, offset and queue tails, and the
 * event-array pages' gfns in order. Per port, priority and a held event
 * travel in the port records (evtchn_lu_save()).
 */
struct lu_fifo_control;
struct evtchn_fifo_image {
    bool fifo;                       /* false: d uses 2-level, nothing else */
    uint32_t nr_control;             /* entries filled in control[] */
    uint32_t nr_array;               /* event-array pages */
    struct lu_fifo_control *control; /* the caller's: room for nr_vcpus */
    uint64_t array_gfn[EVTCHN_FIFO_MAX_ARRAY_PAGES];
};
/* Live update: from the save on, events are held in their ports (which
 * the port records carry) rather than linked, so guest memory and the
 * saved tails stay one; evtchn_fifo_thaw() delivers them if the update
 * is rolled back. */
#define EVTCHN_SAVE_FREEZE 0x1u
/* Called with the domain's and its event-channel lock held, once per gfn,
 * for each guest page event delivery writes (registered vcpu_info pages,
 * control blocks, event-array pages), with xhv's mapping of the page. */
typedef int (*evtchn_page_fn)(void *ctx, uint64_t gfn, const void *page);
/* Fills img (and calls page, if not NULL) in one hold of the locks, so
 * what page sees and the tails in img are one moment. -ESTALE when a
 * FIFO page is no longer where the guest said (it moved it: the gfn kept
 * would name the wrong page); page's own error otherwise. */
int evtchn_fifo_save(struct domain *d, struct evtchn_fifo_image *img,
                     unsigned int flags, evtchn_page_fn page, void *ctx);
/* 0, or -ESTALE as evtchn_fifo_save() would return it; changes nothing. */
int evtchn_fifo_saveable(struct domain *d);
/* Undoes EVTCHN_SAVE_FREEZE, delivering what was held meanwhile. */
void evtchn_fifo_thaw(struct domain *d);
/*
 * Makes a freshly restored d (2-level, its ports already restored, not
 * running) use FIFO as the record says: every field checked first (vCPU
 * ids, offsets, gfns inside the domain, at most
 * EVTCHN_FIFO_MAX_ARRAY_PAGES pages, each tail a port the array covers
 * and the tail of one queue only), then the pages taken as init_control
 * and expand_array take them, then the state installed. On failure why
 * says what was wrong and d is as it was. -EINVAL, -EEXIST (d already
 * uses FIFO), -ESRCH (dying), -ENOMEM.
 */
int evtchn_fifo_restore(struct domain *d, const struct lu_fifo_control *c,
                        uint32_t nr_control, const uint64_t *array_gfn,
                        uint32_t nr_array, char *why, size_t whylen);
/*
 * For a live migration's dirty log: marks (p2m_mark_dirty()) every guest
 * RAM page the event-channel code keeps mapped for writing, that is each
 * vCPU's FIFO control block and each event-array page, whose writes no
 * log sees. Takes the event-channel lock; safe while the guest runs.
 */
void evtchn_mark_guest_pages_dirty(struct domain *d);

/* What `xhv evtchn DOM` shows of a port beyond its status. */
struct evtchn_port_info {
    bool pending, masked;
    bool fifo;         /* the rest only then */
    bool linked, busy; /* from the event word */
    uint8_t priority;
    bool has_word; /* the event array covers the port */
};
int evtchn_port_info(struct domain *d, evtchn_port_t port,
                     struct evtchn_port_info *info);

/*
 * SCHEDOP_poll: blocks v until one of ports[0, nr) is pending, an upcall
 * is raised for v, the domain is dying, or CLOCK_REALTIME passes
 * deadline (NULL: no deadline). 0, or -EINVAL for a port at or past
 * EVTCHN_2L_NR_CHANNELS. v must be the calling vCPU.
 */
int evtchn_poll(struct vcpu *v, const evtchn_port_t *ports, unsigned int nr,
                const struct timespec *deadline);

/* VIRQ_TIMER and VIRQ_DEBUG (and two Xen-only ones) are per vCPU. */
bool evtchn_virq_is_per_vcpu(unsigned int virq);

#endif /* XHV_EVTCHN_EVTCHN_H */
