/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xhv commands other than create: each parses its arguments, makes one
 * request and prints the answer the way xl would.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ctl/ctl.h"

/* Commands that take exactly one DOMAIN and print nothing on success. */
static int one_domain(const char *name, int argc, char **argv,
                      struct json_object **result)
{
    const struct cli_cmd *c = cli_find(name);
    struct json_object *args, *r = NULL;
    int rc;

    if (argc != 2 || argv[1][0] == '-') {
        cli_usage_error(c, argc < 2 ? "missing DOMAIN" : "unexpected '%s'",
                        argc < 2 ? "" : argv[argc > 2 ? 2 : 1]);
        return 2;
    }
    args = ctl_obj();
    if (!args || ctl_add(args, "domain", ctl_str(argv[1]))) {
        json_object_put(args);
        fprintf(stderr, "xhv: out of memory\n");
        return 1;
    }
    rc = cli_call(name, args, &r);
    if (result)
        *result = r;
    else
        json_object_put(r);
    return rc;
}

int cmd_pause(int argc, char **argv)
{
    return one_domain("pause", argc, argv, NULL);
}

int cmd_unpause(int argc, char **argv)
{
    return one_domain("unpause", argc, argv, NULL);
}

int cmd_destroy(int argc, char **argv)
{
    return one_domain("destroy", argc, argv, NULL);
}

static void print_list_row(struct json_object *d)
{
    printf("%-40s %5llu %5llu %5llu     %s %10.1f\n", jstr(d, "name"),
           ju64(d, "domid"), ju64(d, "mem_mib"), ju64(d, "vcpus"),
           jstr(d, "flags"), jdouble(d, "cpu_time_s"));
}

static bool wanted(struct json_object *d, int n, char **names, bool *seen)
{
    char id[16];
    int i;

    if (n == 0)
        return true;
    snprintf(id, sizeof(id), "%llu", ju64(d, "domid"));
    for (i = 0; i < n; i++)
        if (strcmp(names[i], jstr(d, "name")) == 0 || strcmp(names[i], id) == 0)
            return seen[i] = true;
    return false;
}

int cmd_list(int argc, char **argv)
{
    const struct cli_cmd *c = cli_find("list");
    struct json_object *args, *r, *doms, *out;
    bool longform = false, seen[64] = {false};
    int opt, rc, i, n;
    size_t k;

    while ((opt = getopt(argc, argv, "+l")) != -1) {
        if (opt != 'l') {
            cli_usage_error(c, "unknown option");
            return 2;
        }
        longform = true;
    }
    n = argc - optind;
    if (n > 64) {
        cli_usage_error(c, "at most 64 domains at a time");
        return 2;
    }
    args = ctl_obj();
    if (!args || ctl_add(args, "long", ctl_bool(longform)))
        return 1;
    rc = cli_call("list", args, &r);
    if (rc)
        return rc;
    json_object_object_get_ex(r, "domains", &doms);
    out = json_object_new_array();
    if (!longform)
        printf("%-40s %5s %5s %5s     %-6s %10s\n", "Name", "ID", "Mem",
               "VCPUs", "State", "Time(s)");
    for (k = 0; doms && k < json_object_array_length(doms); k++) {
        struct json_object *d = json_object_array_get_idx(doms, k);

        if (!wanted(d, n, argv + optind, seen))
            continue;
        if (longform)
            json_object_array_add(out, json_object_get(d));
        else
            print_list_row(d);
    }
    if (longform)
        printf("%s\n", json_object_to_json_string_ext(
                           out, JSON_C_TO_STRING_PRETTY |
                                    JSON_C_TO_STRING_NOSLASHESCAPE));
    for (i = 0; i < n; i++)
        if (!seen[i]) {
            fprintf(stderr, "xhv: list: no domain '%s' (ENOENT)\n",
                    argv[optind + i]);
            rc = 1;
        }
    json_object_put(out);
    json_object_put(r);
    return rc;
}

int cmd_info(int argc, char **argv)
{
    struct json_object *r;
    int rc;

    if (argc > 1) {
        cli_usage_error(cli_find("info"), "unexpected '%s'", argv[1]);
        return 2;
    }
    rc = cli_call("info", NULL, &r);
    if (rc)
        return rc;
    json_object_object_foreach(r, key, val)
    {
        printf("%-20s : %s\n", key,
               json_object_is_type(val, json_type_string)
                   ? json_object_get_string(val)
                   : json_object_to_json_string(val));
    }
    json_object_put(r);
    return 0;
}

static int shutdown_one(const char *dom, bool reboot)
{
    struct json_object *args = ctl_obj(), *r;
    int rc;

    if (!args || ctl_add(args, "domain", ctl_str(dom)) ||
        ctl_add(args, "reason", ctl_str(reboot ? "reboot" : "poweroff"))) {
        json_object_put(args);
        return 1;
    }
    printf("Shutting down domain %s\n", dom);
    rc = cli_call("shutdown", args, &r);
    if (rc)
        return rc;
    if (ju64(r, "restarted_domid"))
        printf("Domain %s restarted as domain %llu\n", dom,
               ju64(r, "restarted_domid"));
    json_object_put(r);
    return 0;
}

static int shutdown_all(bool reboot)
{
    struct json_object *r, *doms;
    char id[16];
    size_t k;
    int rc;

    rc = cli_call("list", NULL, &r);
    if (rc)
        return rc;
    json_object_object_get_ex(r, "domains", &doms);
    for (k = 0; doms && k < json_object_array_length(doms); k++) {
        snprintf(id, sizeof(id), "%llu",
                 ju64(json_object_array_get_idx(doms, k), "domid"));
        rc |= shutdown_one(id, reboot);
    }
    json_object_put(r);
    return rc;
}

int cmd_shutdown(int argc, char **argv)
{
    const struct cli_cmd *c = cli_find("shutdown");
    bool reboot = false, all = false;
    int opt;

    while ((opt = getopt(argc, argv, "+ra")) != -1) {
        if (opt == 'r')
            reboot = true;
        else if (opt == 'a')
            all = true;
        else {
            cli_usage_error(c, "unknown option");
            return 2;
        }
    }
    if (all != (optind == argc) || argc - optind > 1) {
        cli_usage_error(c, all ? "-a takes no DOMAIN" : "need one DOMAIN");
        return 2;
    }
    return all ? shutdown_all(reboot) : shutdown_one(argv[optind], reboot);
}

static void print_dump(struct json_object *r)
{
    struct json_object *sp;
    size_t k;

    printf("Domain %llu (%s): %s\n", ju64(r, "domid"), jstr(r, "name"),
           jstr(r, "state"));
    printf("  pages      tot %llu / max %llu, extra %llu\n",
           ju64(r, "tot_pages"), ju64(r, "max_pages"), ju64(r, "extra_pages"));
    printf("  ram        %llu pages in %llu extents, %llu aligned 2 MiB "
           "blocks\n",
           ju64(r, "ram_pages"), ju64(r, "ram_extents"),
           ju64(r, "ram_2m_blocks"));
    printf("  p2m        %llu gfns mapped, %llu table pages\n",
           ju64(r, "p2m_mapped"), ju64(r, "p2m_table_pages"));
    printf("  vcpus      %llu\n", ju64(r, "vcpus"));
    printf("  overhead   %llu bytes of xhv memory\n",
           ju64(r, "overhead_bytes"));
    printf("  special pages (%llu):\n", ju64(r, "special_total"));
    json_object_object_get_ex(r, "special", &sp);
    for (k = 0; sp && k < json_object_array_length(sp); k++) {
        struct json_object *e = json_object_array_get_idx(sp, k);
        struct json_object *g;
        char gfn[32] = "not mapped";

        if (json_object_object_get_ex(e, "gfn", &g))
            snprintf(gfn, sizeof(gfn), "gfn %#llx", ju64(e, "gfn"));
        char name[48];

        /* "grant frame 3"; a kind with one page needs no number. */
        if (strcmp(jstr(e, "kind"), "shared_info") == 0)
            snprintf(name, sizeof(name), "%s", jstr(e, "kind"));
        else
            snprintf(name, sizeof(name), "%s %llu", jstr(e, "kind"),
                     ju64(e, "index"));
        printf("    %-24s mfn %#-10llx %s\n", name, ju64(e, "mfn"), gfn);
    }
    if (ju64(r, "special_total") > (sp ? json_object_array_length(sp) : 0))
        printf("    ... and %llu more\n",
               ju64(r, "special_total") - json_object_array_length(sp));
}

int cmd_dump(int argc, char **argv)
{
    struct json_object *r;
    int rc = one_domain("dump", argc, argv, &r);

    if (rc)
        return rc;
    print_dump(r);
    json_object_put(r);
    return 0;
}

int cmd_dmesg(int argc, char **argv)
{
    struct json_object *args, *r;
    bool clear = false;
    int opt, rc;

    while ((opt = getopt(argc, argv, "+c")) != -1) {
        if (opt != 'c') {
            cli_usage_error(cli_find("dmesg"), "unknown option");
            return 2;
        }
        clear = true;
    }
    args = ctl_obj();
    if (!args || ctl_add(args, "clear", ctl_bool(clear)))
        return 1;
    rc = cli_call("dmesg", args, &r);
    if (rc)
        return rc;
    fputs(jstr(r, "log"), stdout);
    json_object_put(r);
    return 0;
}

int cmd_debug_keys(int argc, char **argv)
{
    struct json_object *args, *r;
    int rc;

    if (argc != 2) {
        cli_usage_error(cli_find("debug-keys"), "need one KEYS argument");
        return 2;
    }
    args = ctl_obj();
    if (!args || ctl_add(args, "keys", ctl_str(argv[1])))
        return 1;
    rc = cli_call("debug-keys", args, &r);
    if (rc)
        return rc;
    fputs(jstr(r, "output"), stdout);
    json_object_put(r);
    return 0;
}

int cmd_audit(int argc, char **argv)
{
    struct json_object *r;
    int rc;

    if (argc > 1) {
        cli_usage_error(cli_find("audit"), "unexpected '%s'", argv[1]);
        return 2;
    }
    rc = cli_call("audit", NULL, &r);
    if (rc)
        return rc;
    fputs(jstr(r, "report"), stdout);
    rc = jbool(r, "clean") ? 0 : 1;
    json_object_put(r);
    return rc;
}

/* Xen's GTF_* names, type first. */
static void grant_flags(unsigned int f, char *buf, size_t len)
{
    static const char *const types[] = {"invalid", "permit", "transfer",
                                        "transitive"};

    snprintf(buf, len, "%s%s%s%s%s", types[f & 3], f & 4 ? ",ro" : "",
             f & 8 ? ",reading" : "", f & 16 ? ",writing" : "",
             f & 256 ? ",sub_page" : "");
}

int cmd_grants(int argc, char **argv)
{
    struct json_object *r, *g, *m;
    char flags[64];
    size_t k;
    int rc = one_domain("grants", argc, argv, &r);

    if (rc)
        return rc;
    json_object_object_get_ex(r, "grants", &g);
    json_object_object_get_ex(r, "mappings", &m);
    printf("Grants:\n%6s  %-28s %5s %12s %5s\n", "Ref", "Flags", "Dom", "Frame",
           "Pins");
    for (k = 0; g && k < json_object_array_length(g); k++) {
        struct json_object *e = json_object_array_get_idx(g, k);

        grant_flags((unsigned int)ju64(e, "flags"), flags, sizeof(flags));
        printf("%6llu  %-28s %5llu %#12llx %5llu\n", ju64(e, "ref"), flags,
               ju64(e, "domid"), ju64(e, "frame"), ju64(e, "pins"));
    }
    printf("Mappings:\n%6s  %7s %6s %12s  %s\n", "Handle", "Granter", "Ref",
           "GFN", "Access");
    for (k = 0; m && k < json_object_array_length(m); k++) {
        struct json_object *e = json_object_array_get_idx(m, k);

        printf("%6llu  %7llu %6llu %#12llx  %s\n", ju64(e, "handle"),
               ju64(e, "granter"), ju64(e, "ref"), ju64(e, "gfn"),
               jbool(e, "readonly") ? "ro" : "rw");
    }
    json_object_put(r);
    return 0;
}

int cmd_evtchn(int argc, char **argv)
{
    struct json_object *r, *chans;
    size_t k;
    int rc = one_domain("evtchn", argc, argv, &r);

    if (rc)
        return rc;
    json_object_object_get_ex(r, "channels", &chans);
    printf("%5s  %-11s %-16s %4s  %s\n", "Port", "Type", "Remote/VIRQ", "vCPU",
           "State");
    for (k = 0; chans && k < json_object_array_length(chans); k++) {
        struct json_object *c = json_object_array_get_idx(chans, k);
        const char *type = jstr(c, "type");
        char what[32] = "-";

        if (strcmp(type, "interdomain") == 0)
            snprintf(what, sizeof(what), "d%llu:%llu", ju64(c, "remote_domid"),
                     ju64(c, "remote_port"));
        else if (strcmp(type, "unbound") == 0)
            snprintf(what, sizeof(what), "for d%llu", ju64(c, "remote_domid"));
        else if (strcmp(type, "virq") == 0)
            snprintf(what, sizeof(what), "virq %llu", ju64(c, "virq"));
        printf("%5llu  %-11s %-16s %4llu  %s%s\n", ju64(c, "port"), type, what,
               ju64(c, "vcpu"), jbool(c, "pending") ? "pending" : "-",
               jbool(c, "masked") ? " masked" : "");
    }
    json_object_put(r);
    return 0;
}
