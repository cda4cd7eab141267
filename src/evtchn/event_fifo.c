/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The FIFO ABI (docs/event-channels.md).
 *
 * Objects. Each port has a 32-bit event word in the guest's event array:
 * PENDING, MASKED, LINKED and BUSY at the top, LINK (the next port on the
 * same queue) at the bottom. The array is made of guest pages added one
 * at a time by EVTCHNOP_expand_array, at most EVTCHN_FIFO_MAX_ARRAY_PAGES
 * (the domain's 4096 ports, four pages). Each vCPU has a control block in
 * a guest page (EVTCHNOP_init_control): a READY bit and a head port for
 * each of its 16 priority queues. xhv keeps, per queue, only its tail
 * port; the guest consumes from the head.
 *
 * Ownership. Every guest page in use here is held by a general and a
 * writable type reference from the call that added it until
 * evtchn_fifo_free(): on EVTCHNOP_reset, or from evtchn_destroy() when
 * the domain is killed, which is before domain_relinquish_resources().
 * xhv writes the pages through the machine memory's direct map, never
 * through the guest's window, so a guest that balloons a page out or
 * maps something else at its gfn only stops seeing its own events: the
 * page stays the domain's until the reference goes.
 *
 * The bit protocol, as in Xen. Delivering port p to queue q: set
 * PENDING; if MASKED is clear and LINKED was clear, set LINKED, then link
 * p after q's tail by a compare-and-swap on the tail's LINK field that
 * succeeds only while the tail is still LINKED; if there is no tail, or
 * the guest has already consumed it (LINKED clear), q was empty: write p
 * to q's head and set q's READY bit, and if READY was clear raise the
 * vCPU's upcall (evtchn_upcall_pending 0 -> 1). So the upcall happens
 * exactly when a queue goes from empty to non-empty.
 *
 * A hostile guest. The guest may rewrite any word at any time. xhv
 * never follows LINK, so a cycle or a wild LINK costs it nothing; it
 * touches only the word of the port it delivers, the tail word of one
 * queue, a head and the READY word, each with one atomic operation or a
 * bounded compare-and-swap loop. A well-behaved guest may only set or
 * clear MASKED, clear PENDING or clear LINKED (and LINK) on a linked
 * word; setting BUSY on the tail word stops it unmasking, so after BUSY
 * is set the compare-and-swap can fail at most four times. A guest that
 * does anything else gets at most five tries and then loses the event,
 * as in Xen. q->tail always names a port the array covers (the array
 * never shrinks while the state lives), so no guest value is ever used
 * as an index.
 *
 * Concurrency. Everything here runs with the domain's event-channel
 * lock held, which also serialises two vCPUs (or two domains) sending to
 * one queue: where Xen has a lock per queue, xhv has the lock it already
 * takes for every delivery. A port remembers the queue it was last
 * linked on (last_vcpu, last_priority); when it is linked on another
 * queue, the old queue forgets it as its tail, so a later event on the
 * old queue cannot be chained behind a port that now lives elsewhere.
 * For the same reason a closed port still LINKED is not handed out
 * again (is_busy).
 *
 * Saving. What lives outside guest memory is small: where each page is
 * (the gfns the guest gave, kept as the pages are taken), each queue's
 * tail, each port's priority and held event, and last_vcpu/priority,
 * which matter only for a port some queue's tail names. fifo_save.c
 * carries them (the objects are in fifo.h). While a live update's save
 * has the state frozen, an event is held in its port like one for a port
 * the array does not cover yet, and nothing here writes guest memory.
 */
#include <errno.h>
#include <stddef.h>

#include "evtchn/fifo.h"
#include "lib/alloc.h"
#include "lib/assert.h"
#include "lib/log.h"

#define BIT(n) ((event_word_t)1 << (n))

_Static_assert(DOMAIN_MAX_VCPUS <= 256, "last_vcpu is 8 bits");
_Static_assert(EVTCHN_FIFO_WORDS_PER_PAGE * sizeof(event_word_t) == PAGE_SIZE,
               "a page of event words");
_Static_assert(EVTCHN_2L_NR_CHANNELS <= EVTCHN_FIFO_NR_CHANNELS,
               "every port fits in LINK");

static size_t fifo_bytes(unsigned int nr_vcpus)
{
    return sizeof(struct evtchn_fifo_domain) +
           nr_vcpus * sizeof(struct evtchn_fifo_vcpu);
}

static void account(struct domain *d, int64_t delta)
{
    __atomic_add_fetch(&d->overhead_bytes, (uint64_t)delta, __ATOMIC_RELAXED);
}

static struct evtchn_fifo_domain *fifo_of(struct domain *d)
{
    evtchn_assert_locked(dom_evtchn(d));
    return dom_evtchn(d)->fifo;
}

/* The port's event word, or NULL when the array does not cover it. */
static event_word_t *fifo_word(struct evtchn_fifo_domain *fd,
                               evtchn_port_t port)
{
    if (port >= fd->nr_words)
        return NULL;
    return fd->array[port / EVTCHN_FIFO_WORDS_PER_PAGE] +
           port % EVTCHN_FIFO_WORDS_PER_PAGE;
}

static bool word_test(const event_word_t *w, unsigned int bit)
{
    return __atomic_load_n(w, __ATOMIC_SEQ_CST) & BIT(bit);
}

/* Sets bit and says whether it was set already. */
static bool word_test_and_set(event_word_t *w, unsigned int bit)
{
    return __atomic_fetch_or(w, BIT(bit), __ATOMIC_SEQ_CST) & BIT(bit);
}

static void word_clear(event_word_t *w, unsigned int bit)
{
    __atomic_fetch_and(w, ~BIT(bit), __ATOMIC_SEQ_CST);
}

/*
 * One attempt to point *word's LINK at link, only while it is LINKED
 * (*w holds what we believe the word is): 1 done, 0 not linked (the
 * guest consumed it), -EAGAIN the guest changed the word meanwhile (*w
 * now holds what it changed it to). BUSY goes with the same swap.
 */
static int try_set_link(event_word_t *word, event_word_t *w, uint32_t link)
{
    event_word_t new;

    if (!(*w & BIT(EVTCHN_FIFO_LINKED)))
        return 0;
    new = (*w & ~(BIT(EVTCHN_FIFO_BUSY) | EVTCHN_FIFO_LINK_MASK)) | link;
    if (__atomic_compare_exchange_n(word, w, new, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST))
        return 1;
    return -EAGAIN;
}

/*
 * Links the tail word to link if the tail is still LINKED; true when it
 * did (or gave up: see the top of the file), false when the queue turned
 * out empty. One try, then BUSY to keep a well-behaved guest from
 * unmasking, then at most four more (see the top of the file for why
 * four is enough).
 */
static bool fifo_set_link(struct domain *d, event_word_t *word, uint32_t link)
{
    event_word_t w = __atomic_load_n(word, __ATOMIC_SEQ_CST);
    unsigned int try;
    int rc;

    rc = try_set_link(word, &w, link);
    if (rc >= 0)
        return rc;
    word_test_and_set(word, EVTCHN_FIFO_BUSY);
    w = __atomic_load_n(word, __ATOMIC_SEQ_CST);
    for (try = 0; try < 4; try++) {
        rc = try_set_link(word, &w, link);
        if (rc >= 0) {
            if (rc == 0)
                word_clear(word, EVTCHN_FIFO_BUSY);
            return rc;
        }
    }
    word_clear(word, EVTCHN_FIFO_BUSY);
    log_warn("evtchn", "d%u: port %u lost: a queue's tail word kept changing",
             d->domid, link);
    return true;
}

/* Puts port on vCPU vcpu's queue for its priority (LINKED just set). */
static void fifo_link(struct domain *d, struct evtchn_fifo_domain *fd,
                      uint32_t vcpu, evtchn_port_t port, struct evtchn *chn)
{
    struct evtchn_fifo_vcpu *fv = &fd->vcpu[vcpu];
    struct evtchn_fifo_queue *q = &fv->queue[chn->priority];
    struct evtchn_fifo_queue *old_q =
        &fd->vcpu[chn->last_vcpu].queue[chn->last_priority];
    bool linked = false;

    /* If the port was the old queue's tail, that queue is empty now (the
     * guest consumed the port, or it could not be LINKED again): nothing
     * may be chained behind it there any more. */
    if (old_q->tail == port)
        old_q->tail = 0;
    chn->last_vcpu = (uint8_t)vcpu;
    chn->last_priority = q->priority;
    if (q->tail) {
        event_word_t *tail = fifo_word(fd, q->tail);

        XHV_ASSERT(tail); /* tails are covered: the array never shrinks */
        linked = fifo_set_link(d, tail, port);
    }
    if (!linked)
        __atomic_store_n(q->head, port, __ATOMIC_SEQ_CST);
    q->tail = port;
    /* The head before READY (both sequentially consistent): a guest that
     * sees READY finds the head. */
    if (!linked && !(__atomic_fetch_or(&fv->cb->ready, 1u << q->priority,
                                       __ATOMIC_SEQ_CST) &
                     (1u << q->priority)))
        evtchn_vcpu_mark_pending(d->vcpus[vcpu]);
}

static void fifo_set_pending(struct domain *d, uint32_t vcpu,
                             evtchn_port_t port)
{
    struct evtchn_fifo_domain *fd = fifo_of(d);
    struct evtchn *chn = evtchn_port(d, port);
    event_word_t *word;
    bool was_pending;

    XHV_ASSERT(chn && vcpu < fd->nr_vcpus);
    if (dom_evtchn(d)->dying)
        return;
    word = fifo_word(fd, port);
    if (!word || fd->frozen) {
        /* Raised when expand_array brings the port's page, or when a
         * live update that froze the state is rolled back (or by the
         * next xhvd, which the port's record tells). */
        chn->fifo_pending = true;
        return;
    }
    /* The guest must not unmask an event before the vCPU's control
     * block exists, so one that arrives earlier is dropped, as in Xen. */
    if (!fd->vcpu[vcpu].cb)
        return;
    was_pending = word_test_and_set(word, EVTCHN_FIFO_PENDING);
    if (!word_test(word, EVTCHN_FIFO_MASKED) &&
        !word_test_and_set(word, EVTCHN_FIFO_LINKED))
        fifo_link(d, fd, vcpu, port, chn);
    if (!was_pending)
        evtchn_check_pollers(d, port);
}

/* Only PENDING: the guest unlinks events it finds not pending. */
static void fifo_clear_pending(struct domain *d, evtchn_port_t port)
{
    event_word_t *word = fifo_word(fifo_of(d), port);
    struct evtchn *chn = evtchn_port(d, port);

    if (chn)
        chn->fifo_pending = false;
    if (word)
        word_clear(word, EVTCHN_FIFO_PENDING);
}

static void fifo_unmask(struct domain *d, uint32_t vcpu, evtchn_port_t port)
{
    event_word_t *word = fifo_word(fifo_of(d), port);

    if (!word || dom_evtchn(d)->dying)
        return;
    word_clear(word, EVTCHN_FIFO_MASKED);
    if (word_test(word, EVTCHN_FIFO_PENDING))
        fifo_set_pending(d, vcpu, port);
}

static bool fifo_is_pending(struct domain *d, evtchn_port_t port)
{
    event_word_t *word = fifo_word(fifo_of(d), port);

    return word && word_test(word, EVTCHN_FIFO_PENDING);
}

static bool fifo_is_masked(struct domain *d, evtchn_port_t port)
{
    event_word_t *word = fifo_word(fifo_of(d), port);

    return !word || word_test(word, EVTCHN_FIFO_MASKED);
}

static bool fifo_is_busy(struct domain *d, evtchn_port_t port)
{
    event_word_t *word = fifo_word(fifo_of(d), port);

    return word && word_test(word, EVTCHN_FIFO_LINKED);
}

const struct evtchn_port_ops evtchn_port_ops_fifo = {
    .set_pending = fifo_set_pending,
    .clear_pending = fifo_clear_pending,
    .unmask = fifo_unmask,
    .is_pending = fifo_is_pending,
    .is_masked = fifo_is_masked,
    .is_busy = fifo_is_busy,
};

void evtchn_fifo_port_info(struct domain *d, evtchn_port_t port,
                           struct evtchn_port_info *info)
{
    struct evtchn_fifo_domain *fd = fifo_of(d);
    event_word_t *word = fifo_word(fd, port);
    struct evtchn *chn = evtchn_port(d, port);

    info->fifo = true;
    info->priority = chn ? chn->priority : 0;
    info->has_word = word != NULL;
    if (word) {
        info->linked = word_test(word, EVTCHN_FIFO_LINKED);
        info->busy = word_test(word, EVTCHN_FIFO_BUSY);
    }
}

/*
 * Between the P2M lookup and get_page() the guest could balloon the gfn
 * out: get_page() then fails, or succeeds on a page the guest still
 * owns, which hurts only it.
 */
int evtchn_fifo_get_page(struct domain *d, uint64_t gfn, struct page_info **pg,
                         void **virt)
{
    enum p2m_type t;
    mfn_t mfn;
    int rc = -EINVAL;

    if (p2m_lookup(&d->p2m, gfn, &mfn, &t) || t != p2m_ram_rw)
        goto out;
    *pg = mfn_to_page(mfn);
    if (get_page(*pg, &d->mm))
        goto out;
    if (get_page_type(*pg, PGT_writable_page)) {
        put_page(*pg);
        goto out;
    }
    *virt = mfn_to_virt(mfn);
    rc = 0;
out:
    return rc;
}

struct evtchn_fifo_domain *evtchn_fifo_alloc(struct domain *d)
{
    struct evtchn_fifo_domain *fd = xhv_calloc(1, fifo_bytes(d->nr_vcpus));
    unsigned int v, q;

    if (!fd)
        return NULL;
    account(d, (int64_t)fifo_bytes(d->nr_vcpus));
    fd->nr_vcpus = d->nr_vcpus;
    for (v = 0; v < fd->nr_vcpus; v++)
        for (q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++)
            fd->vcpu[v].queue[q].priority = (uint8_t)q;
    return fd;
}

/*
 * The switch from 2-level: every port gets the default priority, and one
 * pending in shared_info stays pending, raised once expand_array covers
 * it (the array is empty now). Lock held, ed->fifo not yet set.
 */
static void fifo_setup_ports(struct domain *d)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    evtchn_port_t port;

    for (port = 1; port < ed->nr_ports; port++) {
        struct evtchn *chn = evtchn_port(d, port);

        chn->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
        chn->fifo_pending =
            chn->state != ECS_FREE && evtchn_port_ops_2l.is_pending(d, port);
    }
}

int evtchn_fifo_init_control(struct domain *d, struct evtchn_init_control *ic)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    struct evtchn_fifo_domain *fresh = NULL;
    struct evtchn_fifo_control_block *cb;
    struct evtchn_fifo_vcpu *fv;
    struct page_info *pg = NULL;
    void *virt;
    unsigned int q;
    int rc;

    ic->link_bits = EVTCHN_FIFO_LINK_BITS;
    if (ic->vcpu >= d->nr_vcpus)
        return -ENOENT;
    /* Inside the page, and 8-byte aligned. */
    if (ic->offset > PAGE_SIZE - sizeof(*cb) || (ic->offset & 7))
        return -EINVAL;
    rc = evtchn_fifo_get_page(d, ic->control_gfn, &pg, &virt);
    if (rc)
        return rc;
    cb = (struct evtchn_fifo_control_block *)((uint8_t *)virt + ic->offset);

    evtchn_lock(ed);
    if (ed->dying) {
        rc = -ESRCH; /* evtchn_destroy() may have run: take nothing */
        goto out;
    }
    if (!ed->fifo) {
        fresh = evtchn_fifo_alloc(d);
        if (!fresh) {
            rc = -ENOMEM;
            goto out;
        }
    }
    fv = &(ed->fifo ? ed->fifo : fresh)->vcpu[ic->vcpu];
    if (fv->cb) {
        rc = -EINVAL; /* once per vCPU until EVTCHNOP_reset */
        goto out;
    }
    for (q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++)
        fv->queue[q].head = &cb->head[q];
    fv->cb = cb;
    fv->cb_page = pg;
    fv->cb_gfn = ic->control_gfn;
    pg = NULL;
    if (fresh) {
        fifo_setup_ports(d);
        ed->fifo = fresh;
        fresh = NULL;
        log_info("evtchn", "d%u: FIFO event channels", d->domid);
    }
out:
    evtchn_unlock(ed);
    if (fresh) {
        account(d, -(int64_t)fifo_bytes(d->nr_vcpus));
        xhv_free(fresh);
    }
    if (pg)
        put_page_and_type(pg);
    return rc;
}

void evtchn_fifo_raise_saved(struct domain *d, evtchn_port_t from,
                             evtchn_port_t to)
{
    evtchn_port_t port;

    for (port = from; port < to && port < dom_evtchn(d)->nr_ports; port++) {
        struct evtchn *chn = evtchn_port(d, port);

        if (chn->fifo_pending) {
            chn->fifo_pending = false;
            fifo_set_pending(d, chn->notify_vcpu, port);
        }
    }
}

int evtchn_fifo_expand_array(struct domain *d, uint64_t array_gfn)
{
    struct evtchn_domain *ed = dom_evtchn(d);
    struct evtchn_fifo_domain *fd;
    struct page_info *pg = NULL;
    unsigned int slot;
    void *virt;
    int rc;

    rc = evtchn_fifo_get_page(d, array_gfn, &pg, &virt);
    if (rc)
        return rc;
    evtchn_lock(ed);
    fd = ed->fifo;
    if (ed->dying) {
        rc = -ESRCH;
    } else if (!fd) {
        rc = -EOPNOTSUPP; /* init_control first, as in Xen */
    } else if ((slot = fd->nr_words / EVTCHN_FIFO_WORDS_PER_PAGE) >=
               EVTCHN_FIFO_MAX_ARRAY_PAGES) {
        rc = -ENOSPC; /* the per-domain bound: every port is covered */
    } else {
        fd->array[slot] = virt;
        fd->array_page[slot] = pg;
        pg = NULL;
        fd->nr_words += EVTCHN_FIFO_WORDS_PER_PAGE;
        fd->array_gfn[slot] = array_gfn;
        evtchn_fifo_raise_saved(d, fd->nr_words - EVTCHN_FIFO_WORDS_PER_PAGE,
                                fd->nr_words);
    }
    evtchn_unlock(ed);
    if (pg)
        put_page_and_type(pg);
    return rc;
}

int evtchn_set_priority(struct domain *d, evtchn_port_t port, uint32_t priority)
{
    struct evtchn *chn;
    int rc = 0;

    evtchn_lock(dom_evtchn(d));
    chn = evtchn_port(d, port);
    if (!dom_evtchn(d)->fifo)
        rc = -ENOSYS; /* 2-level has no priorities */
    else if (!chn || priority > EVTCHN_FIFO_PRIORITY_MIN)
        rc = -EINVAL;
    else
        /* Only later events go to the new queue; one already linked
         * stays where it is (last_priority remembers where). */
        chn->priority = (uint8_t)priority;
    evtchn_unlock(dom_evtchn(d));
    return rc;
}

struct evtchn_fifo_domain *evtchn_fifo_detach(struct domain *d)
{
    struct evtchn_fifo_domain *fd = fifo_of(d);

    dom_evtchn(d)->fifo = NULL;
    return fd;
}

void evtchn_fifo_free(struct domain *d, struct evtchn_fifo_domain *fd)
{
    unsigned int i;

    if (!fd)
        return;
    /* Nothing points into the pages any more (the state is detached), so
     * each reference may be the page's last one. */
    for (i = 0; i < fd->nr_vcpus; i++)
        if (fd->vcpu[i].cb_page)
            put_page_and_type(fd->vcpu[i].cb_page);
    for (i = 0; i < EVTCHN_FIFO_MAX_ARRAY_PAGES; i++)
        if (fd->array_page[i])
            put_page_and_type(fd->array_page[i]);
    account(d, -(int64_t)fifo_bytes(fd->nr_vcpus));
    xhv_free(fd);
}
