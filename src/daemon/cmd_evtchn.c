/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `xhv evtchn DOMAIN`: a domain's event channels, as `xl debug-keys e`
 * would show them: port, type, remote end or VIRQ, notified vCPU, and the
 * pending and masked bits the guest sees (in shared_info for 2-level, in
 * the event word for FIFO, with the port's priority and whether it is
 * still LINKED on a queue).
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

static struct json_object *channel_json(struct domain *d,
                                        const struct evtchn_status *st)
{
    struct json_object *o = ctl_obj();
    struct evtchn_port_info info;
    int rc = o ? 0 : -ENOMEM;

    /* All false once the domain is dying. */
    (void)evtchn_port_info(d, st->port, &info);
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
    CMD_ADD(o, "pending", ctl_bool(info.pending));
    CMD_ADD(o, "masked", ctl_bool(info.masked));
    if (info.fifo) {
        CMD_ADD(o, "priority", ctl_u64(info.priority));
        CMD_ADD(o, "linked", ctl_bool(info.linked));
    }
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
