/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event channels in a migration image, beyond the port records (save.c's
 * XHV_EVTCHN): the FIFO state, and the guest pages event delivery writes.
 *
 * The sender's rounds read guest memory before the image's state is
 * written, and the domain, though parked, still receives events meanwhile
 * (a timer, a domain outside the group): each lands in a page already
 * sent and, for FIFO, moves a queue's tail. So the pages xhv writes on
 * delivery (registered vcpu_info pages, FIFO control blocks and event
 * arrays) are copied again, in the same hold of the event-channel lock as
 * the FIFO tails are read (evtchn_fifo_save()), and sent as one PAGE_DATA
 * record just before XHV_EVTCHN_FIFO: the receiver gets words, heads,
 * READY bits, upcall flags and tails from one instant. An event after
 * that instant is lost with the source domain, as it would be under
 * 2-level once shared_info is written.
 *
 * The receiver rebuilds the FIFO state with evtchn_fifo_restore(), which
 * checks the record against the domain it was built into and takes the
 * pages as EVTCHNOP_init_control and expand_array do.
 *
 * Runs on xhvd's loop thread, as the rest of src/migrate/.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/alloc.h"
#include "migrate/private.h"

/* Pages copied in the instant, at most one per vCPU (vcpu_info) and per
 * control block, and the array's. */
struct event_pages {
    uint64_t pfn[2 * MIG_MAX_VCPUS + EVTCHN_FIFO_MAX_ARRAY_PAGES];
    uint8_t *data;
    uint32_t n, cap;
};

_Static_assert(2 * MIG_MAX_VCPUS + EVTCHN_FIFO_MAX_ARRAY_PAGES <=
                   MIG_PAGE_BATCH,
               "the event pages fit one PAGE_DATA record");

/* evtchn_page_fn: called with the domain's locks held. */
static int copy_page(void *ctx, uint64_t gfn, const void *page)
{
    struct event_pages *ep = ctx;

    if (ep->n == ep->cap)
        return -E2BIG; /* cannot happen: cap is the most there can be */
    memcpy(ep->data + (size_t)ep->n * MIG_PAGE_SIZE, page, MIG_PAGE_SIZE);
    ep->pfn[ep->n++] = gfn;
    return 0;
}

static int write_fifo(struct mig_writer *w, const struct evtchn_fifo_image *img)
{
    struct mig_xhv_evtchn_fifo_hdr h = {.nr_control = img->nr_control,
                                        .nr_array = img->nr_array};
    struct mig_iov iov[3] = {
        {&h, sizeof(h)},
        {img->control, (size_t)img->nr_control * sizeof(*img->control)},
        {img->array_gfn, (size_t)img->nr_array * sizeof(img->array_gfn[0])},
    };

    return mig_write_record(w, MIG_REC_XHV_EVTCHN_FIFO, iov, 3);
}

int migrate_evtchn_write(struct mig_writer *w, struct domain *d)
{
    struct evtchn_fifo_image img = {0};
    struct event_pages *ep = xhv_calloc(1, sizeof(*ep));
    int rc = ep ? 0 : -ENOMEM;

    if (!rc) {
        ep->cap = 2 * d->nr_vcpus + EVTCHN_FIFO_MAX_ARRAY_PAGES;
        ep->data = xhv_malloc((size_t)ep->cap * MIG_PAGE_SIZE);
        img.control = xhv_calloc(d->nr_vcpus, sizeof(*img.control));
        rc = ep->data && img.control ? 0 : -ENOMEM;
    }
    if (!rc)
        rc = evtchn_fifo_save(d, &img, 0, copy_page, ep);
    if (!rc && ep->n)
        rc = mig_write_page_data(w, ep->pfn, ep->n, ep->data,
                                 (size_t)ep->n * MIG_PAGE_SIZE);
    if (!rc && img.fifo)
        rc = write_fifo(w, &img);
    xhv_free(img.control);
    if (ep)
        xhv_free(ep->data);
    xhv_free(ep);
    return rc;
}

int migrate_evtchn_check(struct domain *d, char *err, size_t errlen)
{
    int rc = evtchn_fifo_saveable(d);

    if (rc)
        snprintf(err, errlen,
                 "d%u moved a FIFO control block or event-array page away "
                 "from the gfn it gave xhv: its event channels cannot be "
                 "carried",
                 d->domid);
    return rc;
}

int migrate_evtchn_fifo_restore(struct domain *d, const struct mig_item *it,
                                char *err, size_t errlen)
{
    char why[160];
    int rc;

    rc = evtchn_fifo_restore(d, it->u.fifo.control, it->u.fifo.nr_control,
                             it->u.fifo.array_gfn, it->u.fifo.nr_array, why,
                             sizeof(why));
    if (rc)
        snprintf(err, errlen, "record %u (XHV_EVTCHN_FIFO) at offset %llu: %s",
                 it->index, (unsigned long long)it->offset, why);
    return rc;
}
