/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xhvd's entry point: options, the run directory and its pidfile lock,
 * daemonising, machine memory, the server loop, and an orderly shutdown
 * (every domain destroyed, a final audit logged).
 *
 * When it daemonises, the parent exits only once the child is listening
 * (or has failed, with its reason on stderr), so `xhvd && xhv list` works.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "daemon/daemon.h"
#include "daemon/lu_exec.h"
#include "domain/domain.h"
#include "lib/fault.h"
#include "mm/mm.h"

struct daemon_state xhvd;

static const char usage[] =
    "Usage: xhvd [OPTION]...\n"
    "Run the xhv hypervisor daemon: it owns machine memory and every\n"
    "domain, and answers the xhv command-line tool on a unix socket.\n"
    "\n"
    "  -m, --mem SIZE          machine memory (default 1G); sparse, so a\n"
    "                          large size costs nothing until used\n"
    "  -s, --lu-scratch SIZE   live-update scratch region inside machine\n"
    "                          memory (default 64M; 0 disables live update)\n"
    "  -r, --rundir DIR        socket, pidfile and log directory\n"
    "                          (default $XHV_RUNDIR or /run/xhv)\n"
    "  -f, --foreground        stay in the foreground, log to stderr\n"
    "  -l, --log-level LEVEL   err, warn, info or debug (default info)\n"
    "  -h, --help              show this help\n"
    "  -V, --version           show the version\n"
    "\n"
    "SIZE is a number of MiB or takes a K, M, G or T suffix; memory and\n"
    "scratch must be multiples of 2 MiB and scratch at most half of memory.\n"
    "Environment: XHV_FAULT=SITE:N[+] arms fault injection (tests only).\n";

static int parse_opts(int argc, char **argv, struct daemon_opts *o)
{
    static const struct option longopts[] = {
        {"mem", required_argument, NULL, 'm'},
        {"lu-scratch", required_argument, NULL, 's'},
        {"rundir", required_argument, NULL, 'r'},
        {"foreground", no_argument, NULL, 'f'},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        /* Internal: started by an older xhvd for a live update. */
        {"lu-fd", required_argument, NULL, 'U'},
        /* Internal: exec-mode live update (the state memfd), and the
         * probe an older xhvd runs before it execs this binary. */
        {"lu-exec-fd", required_argument, NULL, 'E'},
        {"lu-exec-check", no_argument, NULL, 'C'},
        {NULL, 0, NULL, 0},
    };
    int c;

    o->lu_fd = -1;
    o->lu_exec_fd = -1;
    o->mem_bytes = 1ULL << 30;
    o->scratch_bytes = 64ULL << 20;
    o->log_level = LOG_INFO;
    snprintf(o->rundir, sizeof(o->rundir), "%s", ctl_default_rundir());
    while ((c = getopt_long(argc, argv, "m:s:r:fl:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (ctl_parse_size(optarg, &o->mem_bytes)) {
                fprintf(stderr, "xhvd: bad --mem size '%s'\n", optarg);
                return -EINVAL;
            }
            break;
        case 's':
            if (ctl_parse_size(optarg, &o->scratch_bytes)) {
                fprintf(stderr, "xhvd: bad --lu-scratch size '%s'\n", optarg);
                return -EINVAL;
            }
            break;
        case 'r':
            if (strlen(optarg) >= sizeof(o->rundir) - 16) {
                fprintf(stderr, "xhvd: --rundir path is too long\n");
                return -EINVAL;
            }
            snprintf(o->rundir, sizeof(o->rundir), "%s", optarg);
            break;
        case 'f':
            o->foreground = true;
            break;
        case 'l':
            if (log_parse_level(optarg, &o->log_level)) {
                fprintf(stderr, "xhvd: --log-level must be err, warn, info "
                                "or debug\n");
                return -EINVAL;
            }
            break;
        case 'h':
            fputs(usage, stdout);
            exit(0);
        case 'V':
            printf("xhvd %s\n", XHV_VERSION);
            exit(0);
        case 'U':
        case 'E': {
            char *end;
            long fd = strtol(optarg, &end, 10);

            if (*end || fd < 3 || fd > 65535) {
                fprintf(stderr, "xhvd: bad --%s '%s'\n",
                        c == 'U' ? "lu-fd" : "lu-exec-fd", optarg);
                return -EINVAL;
            }
            *(c == 'U' ? &o->lu_fd : &o->lu_exec_fd) = (int)fd;
            break;
        }
        case 'C':
            printf(LU_EXEC_CHECK_FMT, XHV_VERSION, LU_EXEC_VERSION);
            exit(0);
        default:
            fputs("Try 'xhvd --help'.\n", stderr);
            return -EINVAL;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "xhvd: unexpected argument '%s'\n", argv[optind]);
        return -EINVAL;
    }
    if (o->lu_fd >= 0 && o->lu_exec_fd >= 0) {
        fprintf(stderr, "xhvd: --lu-fd and --lu-exec-fd exclude each other\n");
        return -EINVAL;
    }
    /* mm_init checks these too, but by then a daemon's stderr is its log:
     * say it here, where the user sees it. */
    if (o->mem_bytes == 0 || o->mem_bytes % (2ULL << 20)) {
        fprintf(stderr, "xhvd: --mem must be a positive multiple of 2 MiB\n");
        return -EINVAL;
    }
    if (o->scratch_bytes % (2ULL << 20) ||
        o->scratch_bytes > o->mem_bytes / 2) {
        fprintf(stderr, "xhvd: --lu-scratch must be a multiple of 2 MiB and "
                        "at most half of --mem\n");
        return -EINVAL;
    }
    return 0;
}

/* Creates the run directory and takes the pidfile lock: one xhvd each. */
static int take_rundir(const char *rundir, int *pidfd)
{
    char path[PATH_MAX + 16], buf[32];
    int fd, n;

    if (mkdir(rundir, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "xhvd: cannot create %s: %s\n", rundir,
                strerror(errno));
        return -errno;
    }
    snprintf(path, sizeof(path), "%s/xhvd.pid", rundir);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "xhvd: cannot open %s: %s\n", path, strerror(errno));
        return -errno;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        n = (int)read(fd, buf, sizeof(buf) - 1);
        buf[n > 0 ? n : 0] = '\0';
        fprintf(stderr,
                "xhvd: another xhvd (pid %s) is running with run "
                "directory %s\n",
                strtok(buf, "\n") ? buf : "?", rundir);
        close(fd);
        return -EBUSY;
    }
    *pidfd = fd;
    return 0;
}

void daemon_write_pid(int fd)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

    if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)n, 0) == n)
        return;
    log_warn("xhvd", "cannot write the pidfile");
}

/* Forks; the parent waits on a pipe until the child is ready or dead. */
static int daemonise(const char *rundir, int *ready_fd)
{
    int p[2];
    pid_t pid;
    char c;

    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    pid = fork();
    if (pid < 0)
        return -errno;
    if (pid > 0) {
        close(p[1]);
        if (read(p[0], &c, 1) == 1)
            exit(0);
        /* The child's stderr was its log by the time it failed. */
        fprintf(stderr, "xhvd: failed to start; see %s/xhvd.log\n", rundir);
        exit(1);
    }
    close(p[0]);
    setsid();
    *ready_fd = p[1];
    return 0;
}

static int redirect_output(const char *rundir)
{
    char path[PATH_MAX + 16];
    int fd, null;

    snprintf(path, sizeof(path), "%s/xhvd.log", rundir);
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    null = open("/dev/null", O_RDONLY);
    if (fd < 0 || null < 0)
        return -errno;
    dup2(null, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    close(null);
    return 0;
}

static int start_machine(const struct daemon_opts *o)
{
    struct mm_config cfg = {
        .mem_bytes = o->mem_bytes,
        .scratch_bytes = o->scratch_bytes,
        .memfd = -1,
    };
    int rc = mm_init(&cfg);

    if (rc)
        log_err("xhvd", "cannot set up %llu MiB of machine memory: %s",
                (unsigned long long)(o->mem_bytes >> 20), strerror(-rc));
    return rc;
}

static void shutdown_machine(void)
{
    static struct mm_audit_report r;
    static char text[8192];

    daemon_destroy_all_domains();
    mm_audit(&r, 0);
    mm_audit_format(&r, text, sizeof(text));
    if (r.nr_violations)
        log_err("xhvd", "final audit: %s", text);
    else
        log_info("xhvd", "final audit clean");
    mm_fini();
}

/* The running binary, for `xhv live-update` without --binary. */
static void find_self(const char *argv0)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    const char *deleted = " (deleted)";
    size_t dl = strlen(deleted);

    if (n <= 0) {
        snprintf(xhvd.self_path, sizeof(xhvd.self_path), "%s", argv0);
        return;
    }
    buf[n] = '\0';
    /* Replaced on disk (reinstalled): the path names the new one. */
    if ((size_t)n > dl && strcmp(buf + n - dl, deleted) == 0)
        buf[n - dl] = '\0';
    snprintf(xhvd.self_path, sizeof(xhvd.self_path), "%s", buf);
}

/* The new xhvd of a live update: no pidfile to take (the old one's lock
 * is ours through the inherited descriptor), no daemonising (we are born
 * in its session, or are its very process after exec, with its log as
 * stderr). */
static int lu_main(void)
{
    struct timespec ts;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    xhvd.started_ns =
        (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    log_info("xhvd", "xhvd %s starting for a live update (%s), pid %d",
             XHV_VERSION, xhvd.opts.lu_fd >= 0 ? "transfer" : "exec",
             (int)getpid());
    if (xhvd.opts.lu_fd >= 0)
        rc = lu_new_main(xhvd.opts.lu_fd, &xhvd.opts);
    else
        rc = lu_exec_main(xhvd.opts.lu_exec_fd, &xhvd.opts);
    if (rc)
        return 1;
    daemon_write_pid(xhvd.pidfd);
    rc = server_run(xhvd.opts.rundir, -1);
    shutdown_machine();
    if (!rc) {
        char path[PATH_MAX + 16];

        snprintf(path, sizeof(path), "%s/xhvd.pid", xhvd.opts.rundir);
        unlink(path);
    }
    log_info("xhvd", "exiting");
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct timespec ts;
    int pidfd = -1, ready_fd = -1, rc;

    xhvd.pidfd = -1;
    xhvd.inherited_listen_fd = -1;
    if (parse_opts(argc, argv, &xhvd.opts))
        return 2;
    find_self(argv[0]);
    daemon_lu_hooks_init();
    log_set_stderr_level(xhvd.opts.log_level);
    if (fault_arm_from_env()) {
        fprintf(stderr, "xhvd: XHV_FAULT must be SITE:N or SITE:N+\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (xhvd.opts.lu_fd >= 0 || xhvd.opts.lu_exec_fd >= 0)
        return lu_main();
    if (take_rundir(xhvd.opts.rundir, &pidfd))
        return 1;
    xhvd.pidfd = pidfd;
    if (!xhvd.opts.foreground && (daemonise(xhvd.opts.rundir, &ready_fd) ||
                                  redirect_output(xhvd.opts.rundir)))
        return 1;
    daemon_write_pid(pidfd);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    xhvd.started_ns =
        (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    log_info("xhvd", "xhvd %s starting, pid %d", XHV_VERSION, (int)getpid());
    rc = start_machine(&xhvd.opts);
    if (!rc) {
        rc = server_run(xhvd.opts.rundir, ready_fd);
        shutdown_machine();
    }
    if (!rc) {
        char path[PATH_MAX + 16];

        snprintf(path, sizeof(path), "%s/xhvd.pid", xhvd.opts.rundir);
        unlink(path); /* still locked by us: nobody else can own it */
    }
    log_info("xhvd", "exiting");
    return rc ? 1 : 0;
}
