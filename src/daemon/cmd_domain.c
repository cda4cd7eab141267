/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain commands: create, list, pause, unpause, shutdown, destroy, dump.
 *
 * The domain configuration arrives as JSON built by the CLI from an
 * xl.cfg file, but xhvd trusts nothing it is sent: every field is checked
 * here again, unknown fields are refused, and nothing is created unless
 * the whole configuration is good.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ctl/ctl.h"
#include "daemon/daemon.h"
#include "domain/domain.h"
#include "gnttab/gnttab.h"
#include "lib/alloc.h"
#include "lib/fault.h"
#include "lib/log.h"

#define MAX_MEMORY_MIB (1024ULL * 1024) /* 1 TiB */

int daemon_find_domain(struct json_object *args, struct domain **d, char *err,
                       size_t errlen)
{
    const char *id;

    if (ctl_get_str(args, "domain", &id)) {
        snprintf(err, errlen, "missing argument 'domain' (a name or id)");
        return -EINVAL;
    }
    *d = domain_lookup(id);
    if (!*d) {
        snprintf(err, errlen, "no domain '%.64s'", id);
        return -ENOENT;
    }
    return 0;
}

static const char *const cfg_fields[] = {
    "name",
    "type",
    "memory_mib",
    "maxmem_mib",
    "vcpus",
    "kernel",
    "ramdisk",
    "cmdline",
    "on_poweroff",
    "on_reboot",
    "on_crash",
    "max_grant_frames",
    "max_maptrack_frames",
};

static int parse_action(struct json_object *cfg, const char *key,
                        enum shutdown_action dflt, enum shutdown_action *out,
                        char *err, size_t errlen)
{
    const char *s;
    unsigned int a;
    int rc = ctl_get_str(cfg, key, &s);

    *out = dflt;
    if (rc == -ENOENT)
        return 0;
    if (rc == 0)
        for (a = ACTION_DESTROY; a <= ACTION_SOFT_RESET; a++)
            if (strcmp(s, shutdown_action_name(a)) == 0) {
                *out = a;
                return 0;
            }
    snprintf(err, errlen,
             "%s must be one of destroy, restart, preserve, "
             "rename-restart, coredump-destroy, "
             "coredump-restart, soft-reset",
             key);
    return -EINVAL;
}

static int check_file(const char *what, const char *path, char *err,
                      size_t errlen)
{
    struct stat st;

    if (path[0] != '/') {
        snprintf(err, errlen, "%s path '%.200s' must be absolute", what, path);
        return -EINVAL;
    }
    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "%s '%.200s': %s", what, path, strerror(errno));
        return -ENOENT;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s '%.200s' is not a regular file", what, path);
        return -EINVAL;
    }
    return 0;
}

static int check_fields(struct json_object *cfg, char *err, size_t errlen)
{
    struct json_object_iter it;
    size_t i;

    json_object_object_foreachC(cfg, it)
    {
        for (i = 0; i < ARRAY_SIZE(cfg_fields); i++)
            if (strcmp(it.key, cfg_fields[i]) == 0)
                break;
        if (i == ARRAY_SIZE(cfg_fields)) {
            snprintf(err, errlen, "unknown config field '%.64s'", it.key);
            return -EINVAL;
        }
    }
    return 0;
}

static int check_paths(struct json_object *cfg, char *err, size_t errlen)
{
    const char *s;
    int rc;

    if (ctl_get_str(cfg, "kernel", &s)) {
        snprintf(err, errlen, "config needs a string 'kernel'");
        return -EINVAL;
    }
    rc = check_file("kernel", s, err, errlen);
    if (rc)
        return rc;
    rc = ctl_get_str(cfg, "ramdisk", &s);
    if (rc == 0)
        return check_file("ramdisk", s, err, errlen);
    if (rc == -EINVAL) {
        snprintf(err, errlen, "ramdisk must be a string");
        return rc;
    }
    rc = ctl_get_str(cfg, "cmdline", &s);
    if (rc == -EINVAL || (rc == 0 && strlen(s) >= 4096)) {
        snprintf(err, errlen, "cmdline must be a string under 4096 bytes");
        return -EINVAL;
    }
    return 0;
}

/* Optional; 0 (absent) leaves xl's defaults to the grant-table code. */
static int get_gnttab_limits(struct json_object *cfg, struct domain_params *p,
                             char *err, size_t errlen)
{
    uint64_t frames = 0, maptrack = 0;
    int rc;

    rc = ctl_get_u64(cfg, "max_grant_frames", &frames);
    if ((rc && rc != -ENOENT) || frames > GNTTAB_MAX_FRAMES_LIMIT ||
        (rc == 0 && frames == 0)) {
        snprintf(err, errlen, "max_grant_frames must be 1..%u",
                 GNTTAB_MAX_FRAMES_LIMIT);
        return -EINVAL;
    }
    rc = ctl_get_u64(cfg, "max_maptrack_frames", &maptrack);
    if ((rc && rc != -ENOENT) || maptrack > GNTTAB_MAX_MAPTRACK_LIMIT ||
        (rc == 0 && maptrack == 0)) {
        snprintf(err, errlen, "max_maptrack_frames must be 1..%u",
                 GNTTAB_MAX_MAPTRACK_LIMIT);
        return -EINVAL;
    }
    p->max_grant_frames = (unsigned int)frames;
    p->max_maptrack_frames = (unsigned int)maptrack;
    return 0;
}

static int get_sizes(struct json_object *cfg, struct domain_params *p,
                     char *err, size_t errlen)
{
    uint64_t mem, maxmem, vcpus = 1;
    int rc;

    if (ctl_get_u64(cfg, "memory_mib", &mem) || mem == 0 ||
        mem > MAX_MEMORY_MIB) {
        snprintf(err, errlen, "memory_mib must be 1..%llu",
                 (unsigned long long)MAX_MEMORY_MIB);
        return -EINVAL;
    }
    maxmem = mem;
    rc = ctl_get_u64(cfg, "maxmem_mib", &maxmem);
    if ((rc && rc != -ENOENT) || maxmem < mem || maxmem > MAX_MEMORY_MIB) {
        snprintf(err, errlen, "maxmem_mib must be memory_mib..%llu",
                 (unsigned long long)MAX_MEMORY_MIB);
        return -EINVAL;
    }
    rc = ctl_get_u64(cfg, "vcpus", &vcpus);
    if ((rc && rc != -ENOENT) || vcpus == 0 || vcpus > DOMAIN_MAX_VCPUS) {
        snprintf(err, errlen, "vcpus must be 1..%u", DOMAIN_MAX_VCPUS);
        return -EINVAL;
    }
    p->memory_pages = mem << 8;
    p->max_pages = maxmem << 8;
    p->vcpus = (unsigned int)vcpus;
    return get_gnttab_limits(cfg, p, err, errlen);
}

/* Turns a configuration object into domain parameters, or says why not. */
static int config_to_params(struct json_object *cfg, struct domain_params *p,
                            char *err, size_t errlen)
{
    const char *name, *type = "pvh";
    int rc;

    memset(p, 0, sizeof(*p));
    rc = check_fields(cfg, err, errlen);
    if (rc)
        return rc;
    if (ctl_get_str(cfg, "name", &name) || !domain_name_valid(name)) {
        snprintf(err, errlen,
                 "name must be 1-63 characters of A-Z a-z 0-9 "
                 "_ . - and not all digits");
        return -EINVAL;
    }
    strcpy(p->name, name);
    rc = ctl_get_str(cfg, "type", &type);
    if (rc == -EINVAL ||
        (strcmp(type, "pvh") != 0 && strcmp(type, "sim") != 0)) {
        snprintf(err, errlen,
                 "type '%.16s' is not supported (\"pvh\" or \"sim\")",
                 rc == -EINVAL ? "?" : type);
        return -EINVAL;
    }
    rc = get_sizes(cfg, p, err, errlen);
    if (!rc)
        rc = parse_action(cfg, "on_poweroff", ACTION_DESTROY, &p->on_poweroff,
                          err, errlen);
    if (!rc)
        rc = parse_action(cfg, "on_reboot", ACTION_RESTART, &p->on_reboot, err,
                          errlen);
    if (!rc)
        rc = parse_action(cfg, "on_crash", ACTION_DESTROY, &p->on_crash, err,
                          errlen);
    if (!rc && strcmp(type, "sim") == 0)
        rc = daemon_check_sim_config(cfg, err, errlen);
    else if (!rc)
        rc = check_paths(cfg, err, errlen);
    return rc;
}

static int create_from(struct json_object *cfg, bool paused,
                       struct domain **out, char *err, size_t errlen)
{
    struct domain_params p;
    struct domain *d;
    int rc;

    rc = config_to_params(cfg, &p, err, errlen);
    if (rc)
        return rc;
    rc = domain_create(&p, &d);
    if (rc) {
        if (rc == -EEXIST)
            snprintf(err, errlen, "a domain named '%s' already exists", p.name);
        else if (rc == -ENOMEM || rc == -E2BIG)
            snprintf(err, errlen, "not enough free memory for %llu MiB",
                     (unsigned long long)(p.memory_pages >> 8));
        else if (rc == -EINVAL) /* all else was checked: the size */
            snprintf(err, errlen,
                     "maxmem of %llu MiB is more than a "
                     "domain's address space holds",
                     (unsigned long long)(p.max_pages >> 8));
        return rc;
    }
    rc = domcfg_remember(d->domid, cfg);
    if (!rc)
        rc = daemon_boot_domain(d, cfg, paused, err, errlen);
    if (!rc && !paused)
        rc = domain_unpause(d);
    if (rc) {
        if (!err[0])
            snprintf(err, errlen, "domain setup failed: %s", strerror(-rc));
        domcfg_forget(d->domid);
        domain_kill(d);
        put_domain(d);
        return rc;
    }
    *out = d;
    return 0;
}

int cmd_create(struct json_object *args, struct json_object **result, char *err,
               size_t errlen)
{
    struct json_object *cfg, *r;
    struct domain *d;
    bool paused = false;
    int rc;

    if (ctl_get_obj(args, "config", &cfg)) {
        snprintf(err, errlen, "missing object argument 'config'");
        return -EINVAL;
    }
    rc = ctl_get_bool(args, "paused", &paused);
    if (rc == -EINVAL) {
        snprintf(err, errlen, "'paused' must be true or false");
        return rc;
    }
    rc = create_from(cfg, paused, &d, err, errlen);
    if (rc)
        return rc;
    /* The domain exists whatever happens now: a failure below only
     * shortens the answer, so it is benign. */
    fault_benign_begin();
    r = ctl_obj();
    rc = r ? 0 : -ENOMEM;
    if (!rc)
        rc = ctl_add(r, "domid", ctl_u64(d->domid));
    if (!rc)
        rc = ctl_add(r, "name", ctl_str(d->name));
    if (!rc)
        rc = ctl_add(r, "state",
                     ctl_str(domain_state_name(domain_get_state(d))));
    fault_benign_end();
    put_domain(d);
    if (rc) {
        json_object_put(r);
        r = NULL;
    }
    *result = r;
    return 0;
}

/* xl's state column: r(unning) b(locked) p(aused) s(hutdown) c(rashed)
 * d(ying). */
static void state_flags(struct domain *d, char out[7])
{
    enum domain_state s;
    enum shutdown_reason why;

    domain_lock(d);
    s = d->state;
    why = d->shutdown_reason;
    domain_unlock(d);
    memcpy(out, "------", 7);
    if (s == DOMAIN_RUNNING)
        out[0] = 'r';
    if (s == DOMAIN_PAUSED || s == DOMAIN_CREATED)
        out[2] = 'p';
    if (why != SHUTDOWN_NONE && why != SHUTDOWN_CRASH)
        out[3] = 's';
    if (why == SHUTDOWN_CRASH)
        out[4] = 'c';
    if (s >= DOMAIN_DYING)
        out[5] = 'd';
}

static struct json_object *domain_summary(struct domain *d, bool longform)
{
    struct json_object *o = ctl_obj();
    char flags[7];
    int rc;

    if (!o)
        return NULL;
    state_flags(d, flags);
    rc = 0;
    CMD_ADD(o, "domid", ctl_u64(d->domid));
    CMD_ADD(o, "name", ctl_str(d->name));
    CMD_ADD(o, "mem_mib", ctl_u64(mm_owner_tot_pages(&d->mm) >> 8));
    CMD_ADD(o, "maxmem_mib", ctl_u64(d->params.max_pages >> 8));
    CMD_ADD(o, "vcpus", ctl_u64(d->nr_vcpus));
    CMD_ADD(o, "state", ctl_str(domain_state_name(domain_get_state(d))));
    CMD_ADD(o, "flags", ctl_str(flags));
    CMD_ADD(o, "cpu_time_s", ctl_double(0.0));
    CMD_ADD(o, "shutdown_reason",
            ctl_str(shutdown_reason_name(d->shutdown_reason)));
    if (!rc && longform) {
        struct json_object *cfg = domcfg_get(d->domid);

        rc = cfg ? ctl_add(o, "config", json_object_get(cfg)) : 0;
    }
    if (rc) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

int cmd_list(struct json_object *args, struct json_object **result, char *err,
             size_t errlen)
{
    struct json_object *r = ctl_obj(), *arr = ctl_arr();
    struct domain **doms = NULL;
    bool longform = false;
    unsigned int n = 0, i;
    int rc;

    (void)err;
    (void)errlen;
    if (ctl_get_bool(args, "long", &longform) == -EINVAL) {
        snprintf(err, errlen, "'long' must be true or false");
        rc = -EINVAL;
        goto out;
    }
    rc = (r && arr) ? domlist_snapshot(&doms, &n) : -ENOMEM;
    for (i = 0; i < n; i++) {
        if (!rc)
            rc = ctl_append(arr, domain_summary(doms[i], longform));
        put_domain(doms[i]);
    }
    xhv_free(doms);
    if (!rc) {
        rc = ctl_add(r, "domains", arr);
        arr = NULL;
    }
out:
    json_object_put(arr);
    return cmd_finish(r, rc, result);
}

int cmd_pause(struct json_object *args, struct json_object **result, char *err,
              size_t errlen)
{
    struct domain *d;
    int rc = daemon_find_domain(args, &d, err, errlen);

    (void)result;
    if (rc)
        return rc;
    rc = domain_pause(d);
    if (rc)
        snprintf(err, errlen, "domain %u cannot be paused: %s", d->domid,
                 rc == -EOVERFLOW ? "pause count at its limit" : "dying");
    put_domain(d);
    return rc;
}

int cmd_unpause(struct json_object *args, struct json_object **result,
                char *err, size_t errlen)
{
    struct domain *d;
    int rc = daemon_find_domain(args, &d, err, errlen);

    (void)result;
    if (rc)
        return rc;
    rc = domain_unpause(d);
    if (rc)
        snprintf(err, errlen, "domain %u is not paused", d->domid);
    else if (domain_get_state(d) == DOMAIN_RUNNING)
        rc = daemon_domain_resume(d);
    put_domain(d);
    return rc;
}

static int restart_domain(uint32_t old_domid, struct json_object *cfg,
                          struct json_object *r, char *err, size_t errlen)
{
    struct domain *nd;
    int rc;

    rc = create_from(cfg, false, &nd, err, errlen);
    if (rc) {
        log_err("xhvd", "restart of domain %u failed: %s", old_domid, err);
        return rc;
    }
    log_info("xhvd", "domain %u restarted as %u", old_domid, nd->domid);
    rc = r ? ctl_add(r, "restarted_domid", ctl_u64(nd->domid)) : 0;
    put_domain(nd);
    return rc;
}

int daemon_apply_shutdown(struct domain *d, enum shutdown_reason why,
                          struct json_object *r, char *err, size_t errlen)
{
    uint32_t domid = d->domid;
    struct json_object *cfg = json_object_get(domcfg_get(domid));
    struct domain *still;
    bool restart;
    int rc;

    rc = domain_shutdown(d, why, &restart);
    if (rc) {
        snprintf(err, errlen, "domain %u is already dying", domid);
        goto out;
    }
    if (r)
        rc = ctl_add(r, "domid", ctl_u64(domid));
    still = domain_lookup_id(domid);
    if (still) {
        put_domain(still); /* preserved: it stays, paused */
    } else {
        domcfg_forget(domid);
        if (!rc && restart && cfg)
            rc = restart_domain(domid, cfg, r, err, errlen);
    }
out:
    json_object_put(cfg);
    return rc;
}

int cmd_shutdown(struct json_object *args, struct json_object **result,
                 char *err, size_t errlen)
{
    enum shutdown_reason why = SHUTDOWN_POWEROFF;
    const char *reason = "poweroff";
    struct json_object *r;
    struct domain *d;
    int rc;

    rc = ctl_get_str(args, "reason", &reason);
    if (rc == -EINVAL ||
        (strcmp(reason, "poweroff") && strcmp(reason, "reboot"))) {
        snprintf(err, errlen, "reason must be \"poweroff\" or \"reboot\"");
        return -EINVAL;
    }
    if (strcmp(reason, "reboot") == 0)
        why = SHUTDOWN_REBOOT;
    rc = daemon_find_domain(args, &d, err, errlen);
    if (rc)
        return rc;
    r = ctl_obj();
    rc = r ? daemon_apply_shutdown(d, why, r, err, errlen) : -ENOMEM;
    put_domain(d);
    return cmd_finish(r, rc, result);
}

/*
 * Guests that shut themselves down (SCHEDOP_shutdown, a triple fault) are
 * only marked and paused on their vCPU thread; here, on the loop thread,
 * each gets its on_* action once.
 */
void daemon_handle_guest_shutdowns(void)
{
    struct domain **doms;
    unsigned int n, i;
    char err[256];

    if (domlist_snapshot(&doms, &n))
        return;
    for (i = 0; i < n; i++) {
        struct domain *d = doms[i];
        enum shutdown_reason why;
        bool down;

        domain_lock(d);
        down = d->is_shut_down && d->state < DOMAIN_DYING;
        why = d->shutdown_reason;
        domain_unlock(d);
        if (down && domcfg_take_shutdown(d->domid))
            daemon_apply_shutdown(d, why, NULL, err, sizeof(err));
        put_domain(d);
    }
    xhv_free(doms);
}

int cmd_destroy(struct json_object *args, struct json_object **result,
                char *err, size_t errlen)
{
    struct domain *d;
    uint32_t domid;
    int rc = daemon_find_domain(args, &d, err, errlen);

    (void)result;
    if (rc)
        return rc;
    domid = d->domid;
    rc = domain_kill(d);
    put_domain(d);
    if (rc) {
        snprintf(err, errlen, "domain %u is already being destroyed", domid);
        return rc;
    }
    domcfg_forget(domid);
    return 0;
}

void daemon_destroy_all_domains(void)
{
    struct domain **doms;
    unsigned int n, i;

    if (domlist_snapshot(&doms, &n))
        return;
    for (i = 0; i < n; i++) {
        domain_kill(doms[i]);
        put_domain(doms[i]);
    }
    xhv_free(doms);
    domcfg_forget_all();
}
