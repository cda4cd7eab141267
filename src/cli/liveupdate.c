/* SPDX-License-Identifier: GPL-2.0-only */
/* `xhv live-update`: replace xhvd under running guests. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "ctl/ctl.h"

static void print_phases(struct json_object *r)
{
    static const char *const names[] = {
        "prepare", "pause", "write", "handover", "parse", "rebuild", "resume"};
    struct json_object *p = NULL;
    char key[32];
    size_t i;

    json_object_object_get_ex(r, "phases", &p);
    printf("Live update done: xhvd pid %llu, generation %llu, %llu "
           "domain(s)\n",
           ju64(r, "pid"), ju64(r, "generation"), ju64(r, "domains"));
    printf("  %-10s %12.3f ms  (before the blackout: guests running)\n",
           "prepare", ju64(p, "prepare_ns") / 1e6);
    for (i = 1; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(key, sizeof(key), "%s_ns", names[i]);
        printf("  %-10s %12.3f ms\n", names[i], ju64(p, key) / 1e6);
    }
    printf("  %-10s %12.3f ms  (guests stopped: pause to resume)\n", "downtime",
           ju64(r, "downtime_ns") / 1e6);
}

int cmd_live_update(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"binary", required_argument, NULL, 'b'},
        {"mode", required_argument, NULL, 'm'},
        {"timeout", required_argument, NULL, 't'},
        {"fault", required_argument, NULL, 'F'},
        {"corrupt", required_argument, NULL, 'C'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    const struct cli_cmd *c = cli_find("live-update");
    struct json_object *args = ctl_obj(), *r = NULL;
    char path[4096];
    bool json = false;
    int opt, rc = 0;

    if (!args) {
        fprintf(stderr, "xhv: out of memory\n");
        return 1;
    }
    optind = 1;
    while ((opt = getopt_long(argc, argv, "b:m:t:j", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b':
            /* xhvd runs it from its own directory: make it absolute. */
            if (!realpath(optarg, path)) {
                fprintf(stderr, "xhv live-update: --binary '%s': %m\n", optarg);
                rc = 1;
            } else {
                rc = ctl_add(args, "binary", ctl_str(path)) ? 1 : 0;
            }
            break;
        case 'm':
            rc = ctl_add(args, "mode", ctl_str(optarg)) ? 1 : 0;
            break;
        case 't': {
            char *end;
            unsigned long long s = strtoull(optarg, &end, 10);

            if (*end || !s) {
                cli_usage_error(c, "--timeout takes a number of seconds");
                json_object_put(args);
                return 2;
            }
            rc = ctl_add(args, "timeout", ctl_u64(s)) ? 1 : 0;
            break;
        }
        case 'F':
            rc = ctl_add(args, "fault", ctl_str(optarg)) ? 1 : 0;
            break;
        case 'C': /* tests: crc, truncate, version, mandatory */
            rc = ctl_add(args, "corrupt", ctl_str(optarg)) ? 1 : 0;
            break;
        case 'j':
            json = true;
            break;
        default:
            cli_usage_error(c, "unknown option");
            json_object_put(args);
            return 2;
        }
        if (rc) {
            json_object_put(args);
            return rc;
        }
    }
    if (optind < argc) {
        cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
        json_object_put(args);
        return 2;
    }
    rc = cli_call("live-update", args, &r);
    if (rc)
        return rc;
    if (json)
        printf("%s\n",
               json_object_to_json_string_ext(r, JSON_C_TO_STRING_PRETTY));
    else
        print_phases(r);
    json_object_put(r);
    return 0;
}
