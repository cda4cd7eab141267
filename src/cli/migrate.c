/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `xhv save`, `xhv restore` and `xhv migrate` (docs/migration.md): their
 * command lines, requests to xhvd and reports. The connection a migration
 * travels on is migrate_dest.c's; the receiving end, `xhv
 * migrate-receive`, is migrate_receive.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ctl/ctl.h"

static int add_or_fail(struct json_object *args, const char *key,
                       struct json_object *v)
{
    if (ctl_add(args, key, v)) {
        fprintf(stderr, "xhv: out of memory\n");
        return 1;
    }
    return 0;
}

static void print_stats(struct json_object *r)
{
    struct json_object *doms = NULL;
    size_t i, k;

    json_object_object_get_ex(r, "domains", &doms);
    for (i = 0; doms && i < json_object_array_length(doms); i++) {
        struct json_object *d = json_object_array_get_idx(doms, i), *p = NULL;

        json_object_object_get_ex(d, "pages_per_round", &p);
        printf("  d%llu: %llu round(s), pages per round:", ju64(d, "domid"),
               ju64(d, "rounds"));
        for (k = 0; p && k < json_object_array_length(p); k++)
            printf(" %llu", (unsigned long long)json_object_get_uint64(
                                json_object_array_get_idx(p, k)));
        printf(" (%llu all-zero, sent without data)\n", ju64(d, "zero_pages"));
    }
    printf("  %.1f MiB sent\n", ju64(r, "bytes") / 1048576.0);
}

/* ---- save
 * ---------------------------------------------------------------------- */

int cmd_save(int argc, char **argv)
{
    const struct cli_cmd *c = cli_find("save");
    struct json_object *args, *r = NULL;
    static const struct option longopts[] = {
        {"fault", required_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    const char *keep = NULL, *fault = NULL;
    char path[4096];
    int opt, rc;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "cp", longopts, NULL)) != -1) {
        if (opt == 'c')
            keep = "running";
        else if (opt == 'p')
            keep = "paused";
        else if (opt == 'F') /* tests: arm a fault in xhvd for the save */
            fault = optarg;
        else {
            cli_usage_error(c, "unknown option");
            return 2;
        }
    }
    if (argc - optind != 2) {
        cli_usage_error(c, "DOMAIN and FILE expected");
        return 2;
    }
    /* xhvd writes the file: give it a path that does not depend on our
     * directory. */
    if (argv[optind + 1][0] == '/')
        snprintf(path, sizeof(path), "%s", argv[optind + 1]);
    else if (!getcwd(path, sizeof(path) - 256) ||
             strlen(argv[optind + 1]) > 255) {
        fprintf(stderr, "xhv save: cannot make '%s' absolute\n",
                argv[optind + 1]);
        return 1;
    } else {
        strcat(path, "/");
        strcat(path, argv[optind + 1]);
    }
    args = ctl_obj();
    if (!args || add_or_fail(args, "domain", ctl_str(argv[optind])) ||
        add_or_fail(args, "file", ctl_str(path)) ||
        (keep && add_or_fail(args, "keep", ctl_str(keep))) ||
        (fault && add_or_fail(args, "fault", ctl_str(fault)))) {
        json_object_put(args);
        return 1;
    }
    rc = cli_call("save", args, &r);
    if (rc)
        return rc;
    printf("Saved %s to %s%s\n", argv[optind], path,
           keep ? (keep[0] == 'r' ? " (left running)" : " (left paused)") : "");
    print_stats(r);
    json_object_put(r);
    return 0;
}

/* ---- restore
 * -------------------------------------------------------------------- */

static void print_domains(const char *what, struct json_object *r)
{
    struct json_object *doms = NULL;
    size_t i;

    json_object_object_get_ex(r, "domains", &doms);
    for (i = 0; doms && i < json_object_array_length(doms); i++) {
        struct json_object *d = json_object_array_get_idx(doms, i);

        printf("%s %s as domain %llu\n", what, jstr(d, "name"),
               ju64(d, "domid"));
    }
}

int cmd_restore(int argc, char **argv)
{
    const struct cli_cmd *c = cli_find("restore");
    struct json_object *args, *r = NULL;
    static const struct option longopts[] = {
        {"fault", required_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    const char *fault = NULL;
    bool paused = false;
    char path[4096];
    int opt, rc, i;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "p", longopts, NULL)) != -1) {
        if (opt == 'F') { /* tests: arm a fault in xhvd for the restore */
            fault = optarg;
            continue;
        }
        if (opt != 'p') {
            cli_usage_error(c, "unknown option");
            return 2;
        }
        paused = true;
    }
    if (optind >= argc) {
        cli_usage_error(c, "FILE expected");
        return 2;
    }
    if (!realpath(argv[optind], path)) {
        fprintf(stderr, "xhv restore: %s: %s\n", argv[optind], strerror(errno));
        return 1;
    }
    args = ctl_obj();
    if (!args || add_or_fail(args, "file", ctl_str(path)) ||
        (paused && add_or_fail(args, "paused", ctl_bool(true))) ||
        (fault && add_or_fail(args, "fault", ctl_str(fault)))) {
        json_object_put(args);
        return 1;
    }
    for (i = optind + 1; i < argc; i++) {
        if (strncmp(argv[i], "name=", 5) != 0 || !argv[i][5]) {
            cli_usage_error(c, "only name=NEW can be changed, not '%s'",
                            argv[i]);
            json_object_put(args);
            return 2;
        }
        if (add_or_fail(args, "name", ctl_str(argv[i] + 5))) {
            json_object_put(args);
            return 1;
        }
    }
    rc = cli_call("restore", args, &r);
    if (rc)
        return rc;
    print_domains("Restored", r);
    json_object_put(r);
    return 0;
}

/* ---- migrate
 * ------------------------------------------------------------------- */

static int parse_u64(const char *s, unsigned long long *v)
{
    char *end;

    errno = 0;
    *v = strtoull(s, &end, 10);
    return errno || !*s || *end ? -1 : 0;
}

/* One line per round as xhvd ends it (docs/migration.md): the figures
 * an operator watches to see whether the pre-copy converges. */
static void print_progress(struct json_object *p, void *opaque)
{
    double secs = ju64(p, "round_ns") / 1e9;
    bool final = jbool(p, "final");

    (void)opaque;
    printf("  d%llu round %llu%s: %.2f MB in %.1f ms, %.1f MB/s; "
           "%llu dirty pages",
           ju64(p, "domid"), ju64(p, "round"), final ? " (final, paused)" : "",
           ju64(p, "bytes") / 1e6, secs * 1e3, ju64(p, "rate_bps") / 1e6,
           ju64(p, "pages"));
    if (ju64(p, "round") > 1)
        printf(" (%llu pages/s)", ju64(p, "dirty_pps"));
    printf("; est. downtime %.1f ms; %.2f MB sent in all\n",
           ju64(p, "est_downtime_ns") / 1e6, ju64(p, "total_bytes") / 1e6);
    /* Piped output (tests, logs) sees each round as it ends. */
    fflush(stdout);
}

/* Which options go with which DEST: TLS and --insecure with tcp:, the
 * ssh options with ssh:, none with a rundir. 0, or 2 with the reason. */
static int check_dest(const struct cli_cmd *c, const char *dest,
                      const struct cli_mig_opts *o, bool ssh_opts)
{
    bool tcp = strncmp(dest, "tcp:", 4) == 0;
    bool ssh = strncmp(dest, "ssh:", 4) == 0;
    bool tls = cli_tls_wanted(&o->tls);
    char err[256];

    if (cli_tls_check_opts(&o->tls, true, err, sizeof(err))) {
        cli_usage_error(c, "%s", err);
        return 2;
    }
    if ((tls || o->insecure) && !tcp) {
        cli_usage_error(c, "TLS options and --insecure are for a tcp: DEST");
        return 2;
    }
    if (ssh_opts && !ssh) {
        cli_usage_error(c, "-s, --remote-xhv and --remote-rundir are for an "
                           "ssh: DEST");
        return 2;
    }
    if (tls && o->insecure) {
        cli_usage_error(c, "--insecure and TLS options exclude each other");
        return 2;
    }
    if (ssh && cli_migrate_check_ssh(dest + 4, o, err, sizeof(err))) {
        cli_usage_error(c, "%s", err);
        return 2;
    }
    if (tcp && !tls && !o->insecure) {
        fprintf(stderr,
                "xhv migrate: %s: refusing to send guest memory over TCP "
                "unauthenticated and in the clear. Secure it with "
                "--tls-psk FILE (a key made by psktool) or --tls-cert, "
                "--tls-key and --tls-ca (X.509), the receiver running "
                "`xhv migrate-receive` with the matching options; or use "
                "ssh:HOST; or pass --insecure on a network you trust\n",
                dest);
        return 2;
    }
    if (o->insecure)
        fprintf(stderr,
                "xhv migrate: warning: sending in the clear to %s, "
                "to whoever answers there\n",
                dest);
    return 0;
}

static int parse_opt(const struct cli_cmd *c, int opt, struct json_object *args,
                     struct cli_mig_opts *o, bool *ssh_opts)
{
    unsigned long long v;

    switch (opt) {
    case 'l':
    case 'L':
        return add_or_fail(args, "live", ctl_bool(opt == 'l'));
    case 'd':
    case 'r':
        if (parse_u64(optarg, &v)) {
            cli_usage_error(c, "--%s takes a number",
                            opt == 'd' ? "max-downtime" : "max-rounds");
            return 2;
        }
        return add_or_fail(args, opt == 'd' ? "max_downtime_ms" : "max_rounds",
                           ctl_u64(v));
    case 'i':
        o->insecure = true;
        return 0;
    case 'F': /* tests: arm a fault in the sending xhvd */
        return add_or_fail(args, "fault", ctl_str(optarg));
    case 'T': /* tests: arm a fault in the receiving xhvd */
        return add_or_fail(args, "target_fault", ctl_str(optarg));
    case 'P':
        o->tls.psk = optarg;
        return 0;
    case 'C':
        o->tls.cert = optarg;
        return 0;
    case 'K':
        o->tls.key = optarg;
        return 0;
    case 'A':
        o->tls.ca = optarg;
        return 0;
    case 'N':
        o->tls.name = optarg;
        return 0;
    case 's':
        o->ssh_cmd = optarg;
        break;
    case 'X':
        o->remote_xhv = optarg;
        break;
    case 'R':
        o->remote_rundir = optarg;
        break;
    default:
        cli_usage_error(c, "unknown option");
        return 2;
    }
    *ssh_opts = true;
    return 0;
}

int cmd_migrate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"live", no_argument, NULL, 'l'},
        {"no-live", no_argument, NULL, 'L'},
        {"max-downtime", required_argument, NULL, 'd'},
        {"max-rounds", required_argument, NULL, 'r'},
        {"insecure", no_argument, NULL, 'i'},
        {"fault", required_argument, NULL, 'F'},
        {"target-fault", required_argument, NULL, 'T'},
        {"tls-psk", required_argument, NULL, 'P'},
        {"tls-cert", required_argument, NULL, 'C'},
        {"tls-key", required_argument, NULL, 'K'},
        {"tls-ca", required_argument, NULL, 'A'},
        {"tls-name", required_argument, NULL, 'N'},
        {"ssh-command", required_argument, NULL, 's'},
        {"remote-xhv", required_argument, NULL, 'X'},
        {"remote-rundir", required_argument, NULL, 'R'},
        {NULL, 0, NULL, 0},
    };
    const struct cli_cmd *c = cli_find("migrate");
    struct cli_mig_opts o = {.ssh_cmd = "ssh", .remote_xhv = "xhv"};
    struct json_object *args = ctl_obj(), *r = NULL, *t = NULL;
    bool ssh_opts = false;
    const char *dest;
    char rundir[4096];
    int opt, rc = 0;

    if (!args)
        return 1;
    optind = 1;
    while (!rc && (opt = getopt_long(argc, argv, "s:", longopts, NULL)) != -1)
        rc = parse_opt(c, opt, args, &o, &ssh_opts);
    if (!rc && argc - optind != 2) {
        cli_usage_error(c, "DOMAIN and DEST expected");
        rc = 2;
    }
    if (!rc)
        rc = check_dest(c, argv[optind + 1], &o, ssh_opts);
    if (rc) {
        json_object_put(args);
        return rc;
    }
    dest = argv[optind + 1];
    if (strncmp(dest, "tcp:", 4) && strncmp(dest, "ssh:", 4) &&
        strncmp(dest, "unix:", 5)) {
        /* A rundir: absolute, since xhvd connects from its own cwd. */
        if (!realpath(dest, rundir)) {
            fprintf(stderr, "xhv migrate: %s: %s\n", dest, strerror(errno));
            json_object_put(args);
            return 1;
        }
        dest = rundir;
    }
    if (add_or_fail(args, "domain", ctl_str(argv[optind])) ||
        add_or_fail(args, "progress", ctl_bool(true))) {
        json_object_put(args);
        return 1;
    }
    printf("Migrating %s to %s\n", argv[optind], dest);
    fflush(stdout);
    rc = cli_migrate_call(dest, &o, args, print_progress, &r);
    if (rc)
        return rc;
    json_object_object_get_ex(r, "target", &t);
    printf("Migrated %s to %s\n", argv[optind], dest);
    print_domains("  running there:", t);
    print_stats(r);
    printf("  downtime %.3f ms, total %.3f ms, %llu bytes\n",
           ju64(r, "downtime_ns") / 1e6, ju64(r, "total_ns") / 1e6,
           ju64(r, "bytes"));
    json_object_put(r);
    return 0;
}
