/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `xhv evtchn DOMAIN`: a domain's event channels, as `xl debug-keys e`
 * would show them: port, type, remote end or VIRQ, notified vCPU, and the
 * pending and masked bits the guest sees in shared_info.
 */
#include <errno.h>
#include <stdio.h>

#include "ctl/ctl.h"
#include "daemon/daemon.h"
#include "evtchn/evtchn.h"
#include "xhv/public/event_channel.h"

#define EVTCHN_2L_PORTS 4096

static const char *const type_names[] = {
    [EVTCHNSTAT_closed] = "closed",
    [EVTCHNSTAT_unbound] = "unbound",
    [EVTCHNSTAT_interdomain] = "interdomain",
    [EVTCHNSTAT_pirq] = "pirq",
    [EVTCHNSTAT_virq] = "virq",
    [EVTCHNSTAT_ipi] = "ipi",
};

/* The guest-visible bits; 0 for both once the domain is dying. */
static void bits(struct domain *d, evtchn_port_t port, bool *pending,
                 bool *masked)
{
    uint64_t bit = 1ULL << (port % 64);

    *pending = *masked = false;
    domain_lock(d);
    if (d->state < DOMAIN_DYING && d->shared_info.virt) {
        struct xen_shared_info *si = domain_shared_info(d);

        *pending =
            __atomic_load_n(&si->evtchn_pending[port / 64], __ATOMIC_RELAXED) &
            bit;
        *masked =
            __atomic_load_n(&si->evtchn_mask[port / 64], __ATOMIC_RELAXED) &
            bit;
    }
    domain_unlock(d);
}

static struct json_object *channel_json(struct domain *d,
                                        const struct evtchn_status *st)
{
    struct json_object *o = ctl_obj();
    bool pending, masked;
    int rc = o ? 0 : -ENOMEM;

    bits(d, st->port, &pending, &masked);
    CMD_ADD(o, "port", ctl_u64(st->port));
    CMD_ADD(o, "type", ctl_str(st->status < 6 ? type_names[st->status] : "?"));
    CMD_ADD(o, "vcpu", ctl_u64(st->vcpu));
    if (st->status == EVTCHNSTAT_unbound)
        CMD_ADD(o, "remote_domid", ctl_u64(st->u.unbound.dom));
    if (st->status == EVTCHNSTAT_interdomain) {
        CMD_ADD(o, "remote_domid", ctl_u64(st->u.interdomain.dom));
        CMD_ADD(o, "remote_port", ctl_u64(st->u.interdomain.port));
    }
    if (st->status == EVTCHNSTAT_virq)
        CMD_ADD(o, "virq", ctl_u64(st->u.virq));
    CMD_ADD(o, "pending", ctl_bool(pending));
    CMD_ADD(o, "masked", ctl_bool(masked));
    if (rc) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

int cmd_evtchn(struct json_object *args, struct json_object **result, char *err,
               size_t errlen)
{
    struct json_object *r = NULL, *arr = NULL;
    struct evtchn_status st;
    struct domain *d;
    evtchn_port_t p;
    int rc;

    rc = daemon_find_domain(args, &d, err, errlen);
    if (rc)
        return rc;
    r = ctl_obj();
    arr = ctl_arr();
    rc = r && arr ? 0 : -ENOMEM;
    /* Port 0 is never used; ports past the allocated buckets are closed. */
    for (p = 1; !rc && p < EVTCHN_2L_PORTS; p++) {
        st = (struct evtchn_status){.dom = DOMID_SELF, .port = p};
        if (evtchn_status(d, &st) || st.status == EVTCHNSTAT_closed)
            continue;
        rc = ctl_append(arr, channel_json(d, &st));
    }
    put_domain(d);
    if (!rc) {
        rc = ctl_add(r, "channels", arr);
        arr = NULL;
    }
    json_object_put(arr);
    return cmd_finish(r, rc, result);
}
