/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `xhv grants DOMAIN`: a domain's grant table as it stands: the entries
 * its guest filled in (with the reading/writing bits xhv set and the pin
 * counts), and the mappings it holds of other domains' grants.
 */
#include <errno.h>

#include "ctl/ctl.h"
#include "daemon/daemon.h"
#include "gnttab/gnttab.h"

static int grant_json(void *ctx, const struct gnttab_grant_info *g)
{
    struct json_object *o = ctl_obj();
    int rc = o ? 0 : -ENOMEM;

    CMD_ADD(o, "ref", ctl_u64(g->ref));
    CMD_ADD(o, "flags", ctl_u64(g->flags));
    CMD_ADD(o, "domid", ctl_u64(g->domid));
    CMD_ADD(o, "frame", ctl_u64(g->frame));
    CMD_ADD(o, "pins", ctl_u64(g->pins));
    if (rc) {
        json_object_put(o);
        return rc;
    }
    return ctl_append(ctx, o);
}

static int map_json(void *ctx, const struct gnttab_map_info *m)
{
    struct json_object *o = ctl_obj();
    int rc = o ? 0 : -ENOMEM;

    CMD_ADD(o, "handle", ctl_u64(m->handle));
    CMD_ADD(o, "granter", ctl_u64(m->granter));
    CMD_ADD(o, "ref", ctl_u64(m->ref));
    CMD_ADD(o, "gfn", ctl_u64(m->gfn));
    CMD_ADD(o, "readonly", ctl_bool(m->readonly));
    if (rc) {
        json_object_put(o);
        return rc;
    }
    return ctl_append(ctx, o);
}

int cmd_grants(struct json_object *args, struct json_object **result, char *err,
               size_t errlen)
{
    struct json_object *r, *grants, *maps;
    struct domain *d;
    int rc;

    rc = daemon_find_domain(args, &d, err, errlen);
    if (rc)
        return rc;
    r = ctl_obj();
    grants = ctl_arr();
    maps = ctl_arr();
    rc = r && grants && maps ? 0 : -ENOMEM;
    if (!rc)
        rc = gnttab_for_each_grant(d, grant_json, grants);
    if (!rc)
        rc = gnttab_for_each_map(d, map_json, maps);
    put_domain(d);
    if (!rc) {
        rc = ctl_add(r, "grants", grants);
        grants = NULL;
    }
    if (!rc) {
        rc = ctl_add(r, "mappings", maps);
        maps = NULL;
    }
    json_object_put(grants);
    json_object_put(maps);
    return cmd_finish(r, rc, result);
}
