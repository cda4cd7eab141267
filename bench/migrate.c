/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench/migrate: live migration of a sim guest between two private
 * xhvds (docs/migration.md), over a unix socket (the target's rundir)
 * and over TCP loopback (through an `xhv migrate-receive --insecure`
 * relay, the connection made here and passed to xhvd), for an
 * idle guest, a busy one (memcheck rewriting its pages all the time)
 * and a full one (memcheck once=1: 1 GiB of data that never changes,
 * the case that measures the pipeline rather than convergence).
 *
 * Baseline, same run, same transport: a plain socket copy of the same
 * number of bytes the migration stream carried (a forked writer, a
 * reader that discards). stream_ratio = stream bytes / migration total
 * time, over the copy's rate: how close pre-copy gets to the wire
 * (goal >= 0.8). ram_ratio does the same with the guest's RAM size as
 * the byte count (all-zero pages travel as 8-byte entries, so an idle
 * guest "moves" its RAM far faster than a copy could). Downtime is from
 * the parking of the guest to the target's answer that it runs (goal for
 * the idle 1 GiB guest: <= 30 ms).
 *
 * A second baseline, fresh_fill, writes the RAM's size into memory this
 * process never touched, 4 KiB at a time, as a receiver fills a new
 * domain; fill_ratio is the migration's rate over it. On a host where
 * first touches are dear (a VM with shadow paging: see
 * docs/migration.md) it, not the wire, bounds the full case.
 *
 * Output: "name value unit" lines on stdout; notes (and each migration's
 * rounds) on stderr. Each case runs ROUNDS migrations, the guest going
 * A -> B -> A ..., and reports medians. The audits of both xhvds must be
 * clean at the end, or the run fails.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl.h"

#ifndef XHVD_PATH
#error "XHVD_PATH must name the xhvd binary"
#endif
#ifndef XHV_PATH
#error "XHV_PATH must name the xhv binary"
#endif

#define MAX_ROUNDS 9

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, unsigned int n)
{
    qsort(v, n, sizeof(*v), cmp_u64);
    return v[n / 2];
}

/* One request; pass_fd (if >= 0) goes with it (SCM_RIGHTS). */
static int call_fd(const char *rundir, const char *cmd,
                   struct json_object *args, int pass_fd,
                   struct json_object **res)
{
    char err[512];
    int fd, rc;

    *res = NULL;
    rc = ctl_connect(rundir, &fd, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "migrate: %s\n", err);
        json_object_put(args);
        return rc;
    }
    rc = ctl_call_progress_fd(fd, cmd, args, pass_fd, NULL, NULL, res, err,
                              sizeof(err));
    close(fd);
    if (rc)
        fprintf(stderr, "migrate: %s: %s\n", cmd, err);
    return rc;
}

static int call(const char *rundir, const char *cmd, struct json_object *args,
                struct json_object **res)
{
    return call_fd(rundir, cmd, args, -1, res);
}

/* As `xhv migrate --insecure` does: the connection to the relay is made
 * here and handed to xhvd with the request ("dest": "fd"). */
static int connect_relay(unsigned int port, int *out)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
        int rc = -errno;

        if (s >= 0)
            close(s);
        return rc;
    }
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    *out = s;
    return 0;
}

static uint64_t get_u64(struct json_object *o, const char *key)
{
    uint64_t v = 0;

    ctl_get_u64(o, key, &v);
    return v;
}

/* ---- the two xhvds
 * ------------------------------------------------------------ */

struct xhvd {
    char rundir[64];
};

static int start_xhvd(struct xhvd *x, const char *mem)
{
    int status;
    pid_t pid;

    snprintf(x->rundir, sizeof(x->rundir), "/tmp/xhv-bench-mig.XXXXXX");
    if (!mkdtemp(x->rundir)) {
        x->rundir[0] = '\0';
        return -errno;
    }
    pid = fork();
    if (pid == 0) {
        execl(XHVD_PATH, XHVD_PATH, "--rundir", x->rundir, "--mem", mem,
              "--log-level", "warn", (char *)NULL);
        _exit(127);
    }
    /* xhvd daemonises: its parent exits once the child listens. */
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -EIO;
    return 0;
}

static void stop_xhvd(struct xhvd *x)
{
    static const char *const files[] = {"xhvd.log", "xhvd.sock", "xhvd.pid"};
    char path[512];
    int pid = 0, i;
    FILE *f;

    if (!x->rundir[0])
        return;
    snprintf(path, sizeof(path), "%s/xhvd.pid", x->rundir);
    f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    if (pid > 0) {
        kill(pid, SIGTERM);
        /* Bounded: 20 s for a daemon destroying every domain. */
        for (i = 0; i < 2000 && kill(pid, 0) == 0; i++)
            usleep(10000);
        if (kill(pid, 0) == 0)
            kill(pid, SIGKILL);
    }
    for (i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", x->rundir, files[i]);
        unlink(path);
    }
    rmdir(x->rundir);
}

static bool audit_clean(struct xhvd *x)
{
    struct json_object *r = NULL;
    bool clean = false;

    if (call(x->rundir, "audit", NULL, &r) == 0)
        ctl_get_bool(r, "clean", &clean);
    json_object_put(r);
    return clean;
}

static int create_guest(struct xhvd *x, const char *prog, unsigned int mib,
                        const char *cmdline)
{
    struct json_object *cfg = ctl_obj(), *args = ctl_obj(), *res = NULL;
    int rc;

    if (!cfg || !args || ctl_add(cfg, "name", ctl_str("bench")) ||
        ctl_add(cfg, "type", ctl_str("sim")) ||
        ctl_add(cfg, "kernel", ctl_str(prog)) ||
        ctl_add(cfg, "memory_mib", ctl_u64(mib)) ||
        ctl_add(cfg, "maxmem_mib", ctl_u64(mib)) ||
        (cmdline && ctl_add(cfg, "cmdline", ctl_str(cmdline))) ||
        ctl_add(args, "config", cfg)) {
        json_object_put(cfg);
        json_object_put(args);
        return -ENOMEM;
    }
    rc = call(x->rundir, "create", args, &res);
    json_object_put(res);
    return rc;
}

static void destroy_guest(struct xhvd *x)
{
    struct json_object *args = ctl_obj(), *res = NULL;

    if (args && !ctl_add(args, "domain", ctl_str("bench")))
        call(x->rundir, "destroy", args, &res);
    else
        json_object_put(args);
    json_object_put(res);
}

/* Waits (bounded, on the guest's own console) until memcheck has been
 * through its pages once, so the busy guest's memory is written, not
 * zero. */
static int wait_pass(struct xhvd *x, const char *phrase, unsigned int secs)
{
    uint64_t end = now_ns() + secs * 1000000000ULL;
    int rc = -ETIMEDOUT;

    while (rc == -ETIMEDOUT && now_ns() < end) {
        struct json_object *args = ctl_obj(), *res = NULL;
        const char *data = "";

        if (!args || ctl_add(args, "domain", ctl_str("bench")))
            return -ENOMEM;
        if (call(x->rundir, "console", args, &res)) {
            json_object_put(res);
            return -EIO;
        }
        ctl_get_str(res, "data", &data);
        if (strstr(data, phrase))
            rc = 0;
        json_object_put(res);
        if (rc)
            usleep(20000); /* polling a bench guest, not a test */
    }
    return rc;
}

/* ---- transports
 * --------------------------------------------------------------- */

/* `xhv migrate-receive` relaying to the xhvd of rundir; *port from its
 * "listening on" line. */
static int start_relay(const char *rundir, pid_t *pid, unsigned int *port)
{
    int pfd[2];
    char line[256];
    FILE *f;
    int rc = -EIO;

    if (pipe(pfd))
        return -errno;
    *pid = fork();
    if (*pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        execl(XHV_PATH, XHV_PATH, "--rundir", rundir, "migrate-receive",
              "--listen", "127.0.0.1:0", "--insecure", (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    f = fdopen(pfd[0], "r");
    if (!f) {
        close(pfd[0]);
        return -errno;
    }
    while (rc && fgets(line, sizeof(line), f)) {
        char *p = strstr(line, "listening on 127.0.0.1:");

        if (p && sscanf(p + 23, "%u", port) == 1)
            rc = 0;
    }
    fclose(f);
    return rc;
}

static int transport_pair(bool tcp, const char *dir, int *ls, int *port)
{
    int s = socket(tcp ? AF_INET : AF_UNIX, SOCK_STREAM, 0), rc;

    if (s < 0)
        return -errno;
    if (tcp) {
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t l = sizeof(a);

        rc = bind(s, (struct sockaddr *)&a, sizeof(a)) ||
                     getsockname(s, (struct sockaddr *)&a, &l)
                 ? -errno
                 : 0;
        *port = ntohs(a.sin_port);
    } else {
        struct sockaddr_un a = {.sun_family = AF_UNIX};

        snprintf(a.sun_path, sizeof(a.sun_path), "%s/copy.sock", dir);
        unlink(a.sun_path);
        rc = bind(s, (struct sockaddr *)&a, sizeof(a)) ? -errno : 0;
    }
    if (!rc && listen(s, 1))
        rc = -errno;
    if (rc)
        close(s);
    else
        *ls = s;
    return rc;
}

/* Baseline: a plain copy of len bytes over a fresh connection of the same
 * kind, in 64 KiB writes (the stream writer's batches are 4 MiB, so this
 * favours neither). Returns bytes/s, 0 on failure. */
static double socket_copy(bool tcp, const char *dir, uint64_t len)
{
    static char buf[65536];
    int ls = -1, port = 0, c, s;
    uint64_t t0, got = 0;
    double bps = 0;
    pid_t pid;

    if (transport_pair(tcp, dir, &ls, &port))
        return 0;
    t0 = now_ns();
    pid = fork();
    if (pid == 0) {
        uint64_t sent = 0;

        c = socket(tcp ? AF_INET : AF_UNIX, SOCK_STREAM, 0);
        if (tcp) {
            struct sockaddr_in a = {.sin_family = AF_INET,
                                    .sin_port = htons((uint16_t)port),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

            if (connect(c, (struct sockaddr *)&a, sizeof(a)))
                _exit(1);
        } else {
            struct sockaddr_un a = {.sun_family = AF_UNIX};

            snprintf(a.sun_path, sizeof(a.sun_path), "%s/copy.sock", dir);
            if (connect(c, (struct sockaddr *)&a, sizeof(a)))
                _exit(1);
        }
        memset(buf, 0x5a, sizeof(buf));
        while (sent < len) {
            size_t n = len - sent < sizeof(buf) ? len - sent : sizeof(buf);
            ssize_t w = write(c, buf, n);

            if (w <= 0)
                _exit(1);
            sent += (uint64_t)w;
        }
        _exit(0);
    }
    s = pid > 0 ? accept(ls, NULL, NULL) : -1;
    while (s >= 0) {
        ssize_t n = read(s, buf, sizeof(buf));

        if (n <= 0)
            break;
        got += (uint64_t)n;
    }
    if (got == len)
        bps = (double)len * 1e9 / (double)(now_ns() - t0);
    if (s >= 0)
        close(s);
    close(ls);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    if (!tcp) {
        char path[128];

        snprintf(path, sizeof(path), "%s/copy.sock", dir);
        unlink(path);
    }
    return bps;
}

/* ---- one migration
 * ------------------------------------------------------------ */

struct result {
    uint64_t total_ns, downtime_ns, bytes;
    unsigned int rounds;
};

static int migrate_once(struct xhvd *from, struct xhvd *to, bool tcp,
                        struct result *out)
{
    struct json_object *args = ctl_obj(), *res = NULL, *doms = NULL;
    pid_t relay = -1;
    unsigned int port = 0;
    char dest[128];
    int rc = args ? 0 : -ENOMEM, conn = -1;

    if (!rc && tcp) {
        rc = start_relay(to->rundir, &relay, &port);
        if (!rc)
            rc = connect_relay(port, &conn);
        snprintf(dest, sizeof(dest), "fd");
    } else {
        snprintf(dest, sizeof(dest), "%s", to->rundir);
    }
    if (!rc && (ctl_add(args, "domain", ctl_str("bench")) ||
                ctl_add(args, "dest", ctl_str(dest))))
        rc = -ENOMEM;
    if (!rc) {
        rc = call_fd(from->rundir, "migrate", args, conn, &res);
        args = NULL;
    }
    json_object_put(args);
    if (conn >= 0)
        close(conn);
    if (!rc) {
        out->total_ns = get_u64(res, "total_ns");
        out->downtime_ns = get_u64(res, "downtime_ns");
        out->bytes = get_u64(res, "bytes");
        json_object_object_get_ex(res, "domains", &doms);
        out->rounds = doms ? (unsigned int)get_u64(
                                 json_object_array_get_idx(doms, 0), "rounds")
                           : 0;
        fprintf(stderr,
                "migrate:   %u rounds, %.1f MB, %.1f ms, down %.1f ms\n",
                out->rounds, out->bytes / 1e6, out->total_ns / 1e6,
                out->downtime_ns / 1e6);
    }
    json_object_put(res);
    if (relay > 0) {
        /* The relay exits once its one connection ends (both ways). */
        if (rc)
            kill(relay, SIGTERM);
        waitpid(relay, NULL, 0);
    }
    return rc;
}

struct mcase {
    const char *name;
    const char *prog, *cmdline;
    const char *ready; /* console phrase once the guest is in its stride */
};

/*
 * Second baseline, same run: filling memory this process has never
 * touched, 4 KiB at a time, through a new memfd, as the receiver fills a
 * new domain. Where the host makes first touches dear (a VM with shadow
 * paging), this and not the wire bounds how fast a guest can arrive.
 */
static double fresh_fill(uint64_t len)
{
    static char page[4096];
    int fd = memfd_create("bench-fill", MFD_CLOEXEC);
    uint64_t t0, off;
    double bps = 0;

    if (fd < 0 || ftruncate(fd, (off_t)len) < 0)
        goto out;
    memset(page, 0x5a, sizeof(page));
    t0 = now_ns();
    for (off = 0; off < len; off += sizeof(page))
        if (pwrite(fd, page, sizeof(page), (off_t)off) != sizeof(page))
            goto out;
    bps = (double)len * 1e9 / (double)(now_ns() - t0);
out:
    if (fd >= 0)
        close(fd);
    return bps;
}

static int run_case(struct xhvd *a, struct xhvd *b, const struct mcase *c,
                    bool tcp, unsigned int mib, unsigned int rounds)
{
    uint64_t tot[MAX_ROUNDS], down[MAX_ROUNDS], bytes[MAX_ROUNDS];
    struct xhvd *from = a, *to = b, *t;
    const char *tr = tcp ? "tcp" : "unix";
    struct result r = {0};
    double bps, ram_bps, fill_bps;
    uint64_t mb, ram = (uint64_t)mib << 20;
    unsigned int i;
    int rc;

    rc = create_guest(a, c->prog, mib, c->cmdline);
    if (!rc && c->ready)
        rc = wait_pass(a, c->ready, 120);
    for (i = 0; i < rounds && !rc; i++) {
        rc = migrate_once(from, to, tcp, &r);
        tot[i] = r.total_ns;
        down[i] = r.downtime_ns;
        bytes[i] = r.bytes;
        t = from;
        from = to;
        to = t;
    }
    destroy_guest(from);
    if (rc) {
        fprintf(stderr, "migrate: case %s_%s failed: %s\n", tr, c->name,
                strerror(-rc));
        return rc;
    }
    mb = median(bytes, rounds);
    bps = socket_copy(tcp, a->rundir, mb);
    ram_bps = socket_copy(tcp, a->rundir, ram);
    printf("mig_%s_%s_total %.3f ms\n", tr, c->name, median(tot, rounds) / 1e6);
    printf("mig_%s_%s_downtime %.3f ms\n", tr, c->name,
           median(down, rounds) / 1e6);
    printf("mig_%s_%s_stream %.2f MB\n", tr, c->name, mb / 1e6);
    printf("mig_%s_%s_rate %.1f MB/s\n", tr, c->name,
           (double)mb * 1e3 / (double)median(tot, rounds));
    printf("baseline_%s_copy_%s %.1f MB/s\n", tr, c->name, bps / 1e6);
    if (bps > 0)
        printf("mig_%s_%s_stream_ratio %.3f ratio\n", tr, c->name,
               (double)mb * 1e9 / (double)median(tot, rounds) / bps);
    if (ram_bps > 0)
        printf("mig_%s_%s_ram_ratio %.3f ratio\n", tr, c->name,
               (double)ram * 1e9 / (double)median(tot, rounds) / ram_bps);
    fill_bps = fresh_fill(ram);
    printf("baseline_fresh_fill_%s_%s %.1f MB/s\n", tr, c->name,
           fill_bps / 1e6);
    if (fill_bps > 0)
        printf("mig_%s_%s_fill_ratio %.3f ratio\n", tr, c->name,
               (double)mb * 1e9 / (double)median(tot, rounds) / fill_bps);
    fflush(stdout);
    return bps > 0 && ram_bps > 0 ? 0 : -EIO;
}

static void usage(FILE *f, unsigned int mib, unsigned int rounds)
{
    fprintf(f,
            "usage: migrate [--quick] [--mib N] [--rounds N] [--case "
            "idle,busy,full]\n"
            "               [--transport unix|tcp|both]\n"
            "Live migration of sim guests between two private xhvds, "
            "against a plain\nsocket copy of the same bytes over the same "
            "transport and a fill of fresh\nmemory (medians of --rounds, "
            "default %u; --mib default %u).\n"
            "  idle  a guest that does nothing\n"
            "  busy  memcheck, rewriting all of its memory all the time\n"
            "  full  memcheck once=1: memory full of data that never "
            "changes\n"
            "--quick: 32 MiB, one round, every case, both transports.\n",
            rounds, mib);
}

int main(int argc, char **argv)
{
    static const struct mcase cases[] = {
        {"idle", "idle", NULL, NULL},
        {"busy", "memcheck", NULL, "pass 1 ok"},
        {"full", "memcheck", "once=1", "check 1 ok"},
    };
    struct xhvd a = {{0}}, b = {{0}};
    unsigned int mib = 1024, rounds = 5, i, k, kfrom = 0, kto = 2;
    const char *only = NULL;
    char mem[32];
    int rc = 0, ai;

    for (ai = 1; ai < argc; ai++) {
        const char *v = ai + 1 < argc ? argv[ai + 1] : NULL;

        if (strcmp(argv[ai], "--quick") == 0) {
            mib = 32;
            rounds = 1;
        } else if (strcmp(argv[ai], "--mib") == 0 && v) {
            mib = (unsigned int)strtoul(v, NULL, 0);
            ai++;
        } else if (strcmp(argv[ai], "--rounds") == 0 && v) {
            rounds = (unsigned int)strtoul(v, NULL, 0);
            ai++;
        } else if (strcmp(argv[ai], "--case") == 0 && v) {
            only = v;
            ai++;
        } else if (strcmp(argv[ai], "--transport") == 0 && v &&
                   (!strcmp(v, "unix") || !strcmp(v, "tcp") ||
                    !strcmp(v, "both"))) {
            kfrom = strcmp(v, "tcp") == 0;
            kto = strcmp(v, "unix") == 0 ? 1 : 2;
            ai++;
        } else {
            usage(strcmp(argv[ai], "--help") ? stderr : stdout, mib, rounds);
            return strcmp(argv[ai], "--help") == 0 ? 0 : 2;
        }
    }
    if (mib < 8 || mib > 65536 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "migrate: --mib 8..65536, --rounds 1..%d\n",
                MAX_ROUNDS);
        return 2;
    }
    /* Room for the guest and its own migrating back in, and at least
     * twice xhvd's default live-update scratch (64 MiB). */
    snprintf(mem, sizeof(mem), "%uM",
             mib + mib / 2 + 64 < 128 ? 128 : (mib + mib / 2 + 64 + 1) & ~1U);
    signal(SIGPIPE, SIG_IGN);
    rc = start_xhvd(&a, mem);
    if (!rc)
        rc = start_xhvd(&b, mem);
    for (k = kfrom; k < kto && !rc; k++)
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]) && !rc; i++) {
            if (only && !strstr(only, cases[i].name))
                continue;
            fprintf(stderr, "migrate: %s %s guest, %u MiB, over %s\n",
                    cases[i].name, cases[i].prog, mib, k ? "tcp" : "unix");
            rc = run_case(&a, &b, &cases[i], k == 1, mib, rounds);
        }
    if (!rc && (!audit_clean(&a) || !audit_clean(&b))) {
        fprintf(stderr, "migrate: an audit is not clean\n");
        rc = -EIO;
    }
    stop_xhvd(&a);
    stop_xhvd(&b);
    return rc ? 1 : 0;
}
