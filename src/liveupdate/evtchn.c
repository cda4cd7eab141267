/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event channels in the live-update stream: a domain's EVTCHN_PORT
 * records and, for a FIFO domain, its EVTCHN_FIFO record (STATE part),
 * and the FIFO record applied on the new side. The port and FIFO state
 * themselves are src/evtchn/'s (lu.c, fifo_save.c); this is where they
 * meet the stream.
 *
 * Order on the old side: the FIFO state is read (and, in the blackout,
 * frozen: see fifo_save.c) before the ports, so that an event xhv raises
 * between the two is held in its port and the port record carries it.
 * The new side takes the records in either order (lu.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/alloc.h"
#include "liveupdate/private.h"

static int write_ports(struct lu_writer *w, struct domain *d)
{
    size_t max = evtchn_lu_count(d), n = 0;
    struct lu_evtchn_port *p;
    int rc;

    if (!max)
        return 0;
    p = xhv_calloc(max, sizeof(*p));
    if (!p)
        return -ENOMEM;
    rc = evtchn_lu_save(d, p, max, &n);
    if (!rc && n)
        rc = lu_write_evtchn_ports(w, (uint16_t)d->domid, p, n);
    xhv_free(p);
    return rc;
}

int lu_evtchn_write(struct lu_writer *w, struct domain *d, bool freeze,
                    char *err, size_t errlen)
{
    struct evtchn_fifo_image img = {0};
    int rc;

    img.control = xhv_calloc(d->nr_vcpus, sizeof(*img.control));
    if (!img.control)
        return -ENOMEM;
    rc = evtchn_fifo_save(d, &img, freeze ? EVTCHN_SAVE_FREEZE : 0, NULL, NULL);
    if (rc == -ESTALE)
        snprintf(err, errlen,
                 "d%u moved a FIFO control block or event-array page away "
                 "from the gfn it gave xhv",
                 d->domid);
    if (!rc)
        rc = write_ports(w, d);
    if (!rc && img.fifo)
        rc = lu_write_evtchn_fifo(w, (uint16_t)d->domid, img.control,
                                  img.nr_control, img.array_gfn, img.nr_array);
    xhv_free(img.control);
    return rc;
}

int lu_evtchn_check(struct domain *d, char *err, size_t errlen)
{
    int rc = evtchn_fifo_saveable(d);

    if (rc)
        snprintf(err, errlen,
                 "d%u moved a FIFO control block or event-array page away "
                 "from the gfn it gave xhv: it cannot be carried",
                 d->domid);
    return rc;
}

int lu_evtchn_fifo_apply(struct domain *d, const struct lu_fifo_control *c,
                         uint32_t nr_control, const uint64_t *array_gfn,
                         uint32_t nr_array, char *err, size_t errlen)
{
    char why[160];
    int rc;

    rc = evtchn_fifo_restore(d, c, nr_control, array_gfn, nr_array, why,
                             sizeof(why));
    if (rc)
        snprintf(err, errlen, "d%u: its FIFO event channels are refused: %s",
                 d->domid, why);
    return rc;
}
