/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `xhv save`, `xhv restore`, `xhv migrate` and `xhv migrate-receive`
 * (docs/migration.md). The first three are requests to xhvd. The last is
 * a relay: it listens on TCP, takes one connection, connects to the local
 * xhvd's control socket and copies bytes both ways until both ends are
 * done, so the sending xhvd talks to this host's xhvd as if over its unix
 * socket. It is plaintext: it refuses to run without --insecure.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
    const char *keep = NULL;
    char path[4096];
    int opt, rc;

    optind = 1;
    while ((opt = getopt(argc, argv, "cp")) != -1) {
        if (opt == 'c')
            keep = "running";
        else if (opt == 'p')
            keep = "paused";
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
        (keep && add_or_fail(args, "keep", ctl_str(keep)))) {
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
    bool paused = false;
    char path[4096];
    int opt, rc, i;

    optind = 1;
    while ((opt = getopt(argc, argv, "p")) != -1) {
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
        (paused && add_or_fail(args, "paused", ctl_bool(true)))) {
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

int cmd_migrate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"live", no_argument, NULL, 'l'},
        {"no-live", no_argument, NULL, 'L'},
        {"max-downtime", required_argument, NULL, 'd'},
        {"max-rounds", required_argument, NULL, 'r'},
        {"insecure", no_argument, NULL, 'i'},
        {"fault", required_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    const struct cli_cmd *c = cli_find("migrate");
    struct json_object *args = ctl_obj(), *r = NULL, *t = NULL;
    bool insecure = false;
    unsigned long long v;
    const char *dest;
    char rundir[4096];
    int opt, rc = 0;

    if (!args)
        return 1;
    optind = 1;
    while (!rc && (opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 'l':
        case 'L':
            rc = add_or_fail(args, "live", ctl_bool(opt == 'l'));
            break;
        case 'd':
        case 'r':
            if (parse_u64(optarg, &v)) {
                cli_usage_error(c, "--%s takes a number",
                                opt == 'd' ? "max-downtime" : "max-rounds");
                rc = 2;
            } else {
                rc = add_or_fail(args,
                                 opt == 'd' ? "max_downtime_ms" : "max_rounds",
                                 ctl_u64(v));
            }
            break;
        case 'i':
            insecure = true;
            break;
        case 'F': /* tests: arm a fault in the sending xhvd */
            rc = add_or_fail(args, "fault", ctl_str(optarg));
            break;
        default:
            cli_usage_error(c, "unknown option");
            rc = 2;
        }
    }
    if (!rc && argc - optind != 2) {
        cli_usage_error(c, "DOMAIN and DEST expected");
        rc = 2;
    }
    if (rc) {
        json_object_put(args);
        return rc;
    }
    dest = argv[optind + 1];
    if (strncmp(dest, "tcp:", 4) == 0) {
        if (!insecure) {
            fprintf(stderr,
                    "xhv migrate: %s: TCP migration is plaintext and "
                    "unauthenticated; pass --insecure to use it on a "
                    "network you trust\n",
                    dest);
            json_object_put(args);
            return 2;
        }
        fprintf(stderr, "xhv migrate: warning: sending %s in the clear\n",
                argv[optind]);
    } else if (strncmp(dest, "unix:", 5) != 0) {
        /* A rundir: absolute, since xhvd connects from its own cwd. */
        if (!realpath(dest, rundir)) {
            fprintf(stderr, "xhv migrate: %s: %s\n", dest, strerror(errno));
            json_object_put(args);
            return 1;
        }
        dest = rundir;
    }
    if (add_or_fail(args, "domain", ctl_str(argv[optind])) ||
        add_or_fail(args, "dest", ctl_str(dest))) {
        json_object_put(args);
        return 1;
    }
    if (add_or_fail(args, "progress", ctl_bool(true))) {
        json_object_put(args);
        return 1;
    }
    printf("Migrating %s to %s\n", argv[optind], dest);
    fflush(stdout);
    rc = cli_call_progress("migrate", args, print_progress, NULL, &r);
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

/* ---- migrate-receive: TCP relay to the local xhvd
 * -------------------------------- */

static int listen_on(const char *spec, int *out)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE},
                    *ai = NULL;
    char host[256];
    const char *colon = strrchr(spec, ':');
    int s, one = 1;

    if (!colon || (size_t)(colon - spec) >= sizeof(host))
        return -EINVAL;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    if (getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai))
        return -EINVAL;
    s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
        bind(s, ai->ai_addr, ai->ai_addrlen) || listen(s, 1)) {
        int rc = -errno;

        if (s >= 0)
            close(s);
        freeaddrinfo(ai);
        return rc;
    }
    freeaddrinfo(ai);
    *out = s;
    return 0;
}

/* Copies between a and b until both directions have ended. */
static int relay(int a, int b)
{
    struct pollfd p[2] = {{.fd = a, .events = POLLIN},
                          {.fd = b, .events = POLLIN}};
    char buf[65536];
    bool open_[2] = {true, true};

    while (open_[0] || open_[1]) {
        int i;

        if (poll(p, 2, -1) < 0 && errno != EINTR)
            return -errno;
        for (i = 0; i < 2; i++) {
            ssize_t n, w = 0, k;

            if (!open_[i] || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            n = read(p[i].fd, buf, sizeof(buf));
            if (n <= 0) {
                /* Pass the end on: the other side sees EOF too. */
                open_[i] = false;
                p[i].fd = -1;
                shutdown(i ? a : b, SHUT_WR);
                continue;
            }
            while (w < n) {
                k = write(i ? a : b, buf + w, (size_t)(n - w));
                if (k <= 0)
                    return -EPIPE;
                w += k;
            }
        }
    }
    return 0;
}

int cmd_migrate_receive(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"insecure", no_argument, NULL, 'i'},
        {NULL, 0, NULL, 0},
    };
    const struct cli_cmd *c = cli_find("migrate-receive");
    const char *spec = NULL;
    char err[512] = "";
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    bool insecure = false;
    int opt, ls = -1, peer = -1, local = -1, rc;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (opt == 'l')
            spec = optarg;
        else if (opt == 'i')
            insecure = true;
        else {
            cli_usage_error(c, "unknown option");
            return 2;
        }
    }
    if (!spec || optind != argc) {
        cli_usage_error(c, "--listen [ADDR]:PORT expected");
        return 2;
    }
    if (!insecure) {
        fprintf(stderr, "xhv migrate-receive: the TCP receiver is plaintext "
                        "and unauthenticated (TLS is not implemented yet); "
                        "pass --insecure to run it on a network you trust\n");
        return 2;
    }
    rc = listen_on(spec, &ls);
    if (rc) {
        fprintf(stderr, "xhv migrate-receive: cannot listen on %s: %s\n", spec,
                strerror(-rc));
        return 1;
    }
    if (getsockname(ls, (struct sockaddr *)&ss, &sl) == 0) {
        char h[NI_MAXHOST], p[NI_MAXSERV];

        if (!getnameinfo((struct sockaddr *)&ss, sl, h, sizeof(h), p, sizeof(p),
                         NI_NUMERICHOST | NI_NUMERICSERV))
            printf("xhv migrate-receive: warning: plaintext; listening on "
                   "%s:%s\n",
                   h, p);
        fflush(stdout);
    }
    peer = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    close(ls);
    rc = peer < 0 ? -errno : ctl_connect(cli_rundir, &local, err, sizeof(err));
    if (!rc)
        rc = relay(peer, local);
    if (rc)
        fprintf(stderr, "xhv migrate-receive: %s\n",
                err[0] ? err : strerror(-rc));
    if (peer >= 0)
        close(peer);
    if (local >= 0)
        close(local);
    return rc ? 1 : 0;
}
