/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xhv create: an xl.cfg file plus KEY=VALUE overrides, checked here (with
 * FILE:LINE:COL errors) and sent to xhvd as JSON, which checks it again.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ctl/ctl.h"
#include "ctl/xlcfg.h"

/* Makes path absolute against the current directory; reports where in
 * the file the setting was if the file does not exist. */
static int resolve(const struct xlcfg *cfg, const char *file, const char *key,
                   const char *path, char *out)
{
    unsigned int line = 0, col = 0;

    if (realpath(path, out))
        return 0;
    xlcfg_position(cfg, key, &line, &col);
    if (line)
        fprintf(stderr, "%s:%u:%u: %s '%s': %s\n", file, line, col, key, path,
                strerror(errno));
    else
        fprintf(stderr, "xhv create: %s '%s': %s\n", key, path,
                strerror(errno));
    return -errno;
}

#define ADD(key, val)                                                          \
    do {                                                                       \
        if (!rc)                                                               \
            rc = ctl_add(j, key, val);                                         \
    } while (0)

static struct json_object *config_json(const struct xhv_domain_config *dc,
                                       const char *kernel, const char *ramdisk)
{
    struct json_object *j = ctl_obj();
    int rc = j ? 0 : -ENOMEM;

    ADD("name", ctl_str(dc->name));
    ADD("type", ctl_str(dc->type));
    ADD("memory_mib", ctl_u64(dc->memory_mib));
    ADD("maxmem_mib", ctl_u64(dc->maxmem_mib));
    ADD("vcpus", ctl_u64(dc->vcpus));
    ADD("max_grant_frames", ctl_u64(dc->max_grant_frames));
    ADD("max_maptrack_frames", ctl_u64(dc->max_maptrack_frames));
    ADD("kernel", ctl_str(kernel));
    if (ramdisk[0])
        ADD("ramdisk", ctl_str(ramdisk));
    if (dc->cmdline[0])
        ADD("cmdline", ctl_str(dc->cmdline));
    ADD("on_poweroff", ctl_str(xlcfg_action_name(dc->on_poweroff)));
    ADD("on_reboot", ctl_str(xlcfg_action_name(dc->on_reboot)));
    ADD("on_crash", ctl_str(xlcfg_action_name(dc->on_crash)));
    if (rc) {
        json_object_put(j);
        return NULL;
    }
    return j;
}

static int load(const char *file, int nover, char **over,
                struct xhv_domain_config *dc, struct xlcfg **cfgp)
{
    struct xlcfg_error e = {0};
    char msg[600];
    int i, rc;

    rc = xlcfg_parse_file(file, cfgp, &e);
    for (i = 0; !rc && i < nover; i++)
        rc = xlcfg_apply_override(*cfgp, over[i], &e);
    if (!rc)
        rc = xlcfg_to_domain_config(*cfgp, dc, &e);
    if (rc) {
        xlcfg_error_format(&e, msg, sizeof(msg));
        fprintf(stderr, "%s\n",
                rc == -ENOMEM ? "xhv create: out of memory" : msg);
    }
    return rc;
}

int cmd_create(int argc, char **argv)
{
    const struct cli_cmd *c = cli_find("create");
    static struct xhv_domain_config dc;
    static char kernel[PATH_MAX], ramdisk[PATH_MAX];
    bool paused = false, dry = false, quiet = false;
    struct json_object *args = NULL, *cfgj, *r;
    struct xlcfg *cfg = NULL;
    int opt, rc = 1;

    while ((opt = getopt(argc, argv, "+pnq")) != -1) {
        if (opt == 'p')
            paused = true;
        else if (opt == 'n')
            dry = true;
        else if (opt == 'q')
            quiet = true;
        else {
            cli_usage_error(c, "unknown option");
            return 2;
        }
    }
    if (optind >= argc) {
        cli_usage_error(c, "missing the configuration file");
        return 2;
    }
    for (opt = optind + 1; opt < argc; opt++) {
        if (argv[opt][0] == '-') {
            cli_usage_error(c, "options go before CONFIG ('%s')", argv[opt]);
            return 2;
        }
    }
    if (!quiet)
        fprintf(stderr, "Parsing config from %s\n", argv[optind]);
    if (load(argv[optind], argc - optind - 1, argv + optind + 1, &dc, &cfg))
        goto out;
    ramdisk[0] = '\0';
    /* A sim guest's kernel names a built-in program, not a file. */
    if (strcmp(dc.type, "sim") == 0)
        snprintf(kernel, sizeof(kernel), "%s", dc.kernel);
    else if (resolve(cfg, argv[optind], "kernel", dc.kernel, kernel) ||
             (dc.ramdisk[0] &&
              resolve(cfg, argv[optind], "ramdisk", dc.ramdisk, ramdisk)))
        goto out;
    cfgj = config_json(&dc, kernel, ramdisk);
    if (!cfgj) {
        fprintf(stderr, "xhv create: out of memory\n");
        goto out;
    }
    if (dry) {
        printf("%s\n", json_object_to_json_string_ext(
                           cfgj, JSON_C_TO_STRING_PRETTY |
                                     JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(cfgj);
        rc = 0;
        goto out;
    }
    args = ctl_obj();
    if (!args)
        json_object_put(cfgj);
    if (!args || ctl_add(args, "config", cfgj) ||
        ctl_add(args, "paused", ctl_bool(paused))) {
        json_object_put(args);
        fprintf(stderr, "xhv create: out of memory\n");
        goto out;
    }
    rc = cli_call("create", args, &r);
    if (rc)
        goto out;
    if (!quiet)
        printf("Domain %llu (%s) created, %s\n", ju64(r, "domid"),
               jstr(r, "name"), paused ? "paused" : "running");
    json_object_put(r);
out:
    xlcfg_free(cfg);
    return rc;
}
