/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The configuration each live domain was created from, by domid: what a
 * restart rebuilds from and what `xhv list -l` shows. Only the daemon's
 * loop thread touches it.
 */
#include <errno.h>

#include "daemon/daemon.h"
#include "lib/alloc.h"
#include "lib/list.h"

struct domcfg {
    struct list_head link;
    uint32_t domid;
    struct json_object *cfg;
    bool shutdown_taken;
};

static struct list_head domcfgs = LIST_HEAD_INIT(domcfgs);

static struct domcfg *find(uint32_t domid)
{
    struct list_head *pos;

    list_for_each(pos, &domcfgs)
    {
        struct domcfg *c = list_entry(pos, struct domcfg, link);

        if (c->domid == domid)
            return c;
    }
    return NULL;
}

int domcfg_remember(uint32_t domid, struct json_object *cfg)
{
    struct domcfg *c = xhv_malloc(sizeof(*c));

    if (!c)
        return -ENOMEM;
    c->domid = domid;
    c->cfg = json_object_get(cfg);
    c->shutdown_taken = false;
    list_add_tail(&c->link, &domcfgs);
    return 0;
}

struct json_object *domcfg_get(uint32_t domid)
{
    struct domcfg *c = find(domid);

    return c ? c->cfg : NULL;
}

bool domcfg_take_shutdown(uint32_t domid)
{
    struct domcfg *c = find(domid);

    if (!c || c->shutdown_taken)
        return false;
    c->shutdown_taken = true;
    return true;
}

static void drop(struct domcfg *c)
{
    list_del(&c->link);
    json_object_put(c->cfg);
    xhv_free(c);
}

void domcfg_forget(uint32_t domid)
{
    struct domcfg *c = find(domid);

    if (c)
        drop(c);
}

void domcfg_forget_all(void)
{
    while (!list_empty(&domcfgs))
        drop(list_entry(domcfgs.next, struct domcfg, link));
}
