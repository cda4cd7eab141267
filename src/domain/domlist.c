/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The list of domains, kept in domid order, and domid allocation.
 *
 * The list holds one reference to each domain on it. Lookups return a new
 * reference taken under the list lock, so a domain found cannot be freed
 * under its finder. Domids are handed out upwards from 1 (0 is dom0's in
 * Xen, and xhv has none), wrapping below DOMID_FIRST_RESERVED and skipping
 * ids in use, as xl does.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "domain/domain.h"
#include "lib/alloc.h"

static pthread_mutex_t domlist_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list_head domlist = LIST_HEAD_INIT(domlist); /* domlist_lock */
static uint32_t next_domid = 1;                            /* domlist_lock */
static unsigned int nr_domains;                            /* domlist_lock */

bool domain_name_valid(const char *name)
{
    size_t i, len = strnlen(name, DOMAIN_NAME_MAX);
    bool all_digits = true;

    if (len == 0 || len >= DOMAIN_NAME_MAX)
        return false;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];

        if (!isalnum(c) && c != '_' && c != '.' && c != '-')
            return false;
        if (!isdigit(c))
            all_digits = false;
    }
    return !all_digits;
}

static struct domain *find_id(uint32_t domid)
{
    struct list_head *pos;

    list_for_each(pos, &domlist)
    {
        struct domain *d = list_entry(pos, struct domain, link);

        if (d->domid == domid)
            return d;
    }
    return NULL;
}

static struct domain *find_name(const char *name)
{
    struct list_head *pos;

    list_for_each(pos, &domlist)
    {
        struct domain *d = list_entry(pos, struct domain, link);

        if (strcmp(d->name, name) == 0)
            return d;
    }
    return NULL;
}

static int alloc_domid(uint32_t *out)
{
    uint32_t id = next_domid, tries;

    for (tries = 0; tries < DOMID_MAX_NORMAL; tries++) {
        if (id == 0 || id > DOMID_MAX_NORMAL)
            id = 1;
        if (!find_id(id)) {
            *out = id;
            next_domid = id + 1;
            return 0;
        }
        id++;
    }
    return -ENOSPC;
}

/* Links d in domid order; domlist_lock held. */
static void link_sorted(struct domain *d)
{
    struct list_head *pos;

    list_for_each(pos,
                  &domlist) if (list_entry(pos, struct domain, link)->domid >
                                d->domid) break;
    list_add_tail(&d->link, pos);
    nr_domains++;
}

int domlist_insert(struct domain *d)
{
    int rc;

    pthread_mutex_lock(&domlist_lock);
    if (find_name(d->name))
        rc = -EEXIST;
    else
        rc = alloc_domid(&d->domid);
    if (!rc)
        link_sorted(d);
    pthread_mutex_unlock(&domlist_lock);
    return rc;
}

/* Live update: d comes back under the id it had in the old xhvd. */
int domlist_insert_id(struct domain *d, uint32_t domid)
{
    int rc = 0;

    if (domid == 0 || domid > DOMID_MAX_NORMAL)
        return -EINVAL;
    pthread_mutex_lock(&domlist_lock);
    if (find_name(d->name) || find_id(domid)) {
        rc = -EEXIST;
    } else {
        d->domid = domid;
        if (next_domid <= domid)
            next_domid = domid + 1;
        link_sorted(d);
    }
    pthread_mutex_unlock(&domlist_lock);
    return rc;
}

void domlist_remove(struct domain *d)
{
    pthread_mutex_lock(&domlist_lock);
    list_del(&d->link);
    nr_domains--;
    pthread_mutex_unlock(&domlist_lock);
    put_domain(d);
}

unsigned int domlist_count(void)
{
    unsigned int n;

    pthread_mutex_lock(&domlist_lock);
    n = nr_domains;
    pthread_mutex_unlock(&domlist_lock);
    return n;
}

struct domain *domain_lookup_id(uint32_t domid)
{
    struct domain *d;

    pthread_mutex_lock(&domlist_lock);
    d = find_id(domid);
    if (d)
        get_domain(d);
    pthread_mutex_unlock(&domlist_lock);
    return d;
}

struct domain *domain_lookup_name(const char *name)
{
    struct domain *d;

    pthread_mutex_lock(&domlist_lock);
    d = find_name(name);
    if (d)
        get_domain(d);
    pthread_mutex_unlock(&domlist_lock);
    return d;
}

struct domain *domain_lookup(const char *id_or_name)
{
    char *end;
    unsigned long id;

    if (!*id_or_name)
        return NULL;
    if (isdigit((unsigned char)*id_or_name)) {
        id = strtoul(id_or_name, &end, 10);
        if (*end == '\0')
            return id <= DOMID_MAX_NORMAL ? domain_lookup_id((uint32_t)id)
                                          : NULL;
    }
    return domain_lookup_name(id_or_name);
}

int domlist_snapshot(struct domain ***out, unsigned int *n)
{
    struct list_head *pos;
    struct domain **v;
    unsigned int i = 0;

    pthread_mutex_lock(&domlist_lock);
    v = xhv_calloc(nr_domains ? nr_domains : 1, sizeof(*v));
    if (!v) {
        pthread_mutex_unlock(&domlist_lock);
        return -ENOMEM;
    }
    list_for_each(pos, &domlist)
    {
        v[i] = list_entry(pos, struct domain, link);
        get_domain(v[i++]);
    }
    pthread_mutex_unlock(&domlist_lock);
    *out = v;
    *n = i;
    return 0;
}
