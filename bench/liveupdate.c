/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench/liveupdate: guest downtime of `xhv live-update` (transfer mode) on
 * a private xhvd running sim guests, per phase, for the shapes issue 9
 * names: one 1 GiB guest with 1 vCPU; the same at 64 GiB (sparse: the
 * memfd costs nothing until touched); 1, 4 and 16 vCPUs; 1, 8 and 32
 * domains.
 *
 * Baseline, same run: memcpy bandwidth, turned into what copying each
 * case's guest RAM would cost. downtime/copy is the ratio to watch: live
 * update never copies guest memory, so it should stay far below 1 and
 * not grow with RAM.
 *
 * Output: "name value unit" lines on stdout; notes on stderr. Each case
 * runs ROUNDS updates and reports the median of each phase.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl.h"

#ifndef XHVD_PATH
#error "XHVD_PATH must name the xhvd binary"
#endif

#define MAX_ROUNDS 16

static const char *const phases[] = {"pause", "write",   "handover",
                                     "parse", "rebuild", "resume"};
#define NR_PHASES (sizeof(phases) / sizeof(phases[0]))

struct lu_case {
    const char *name;
    unsigned int mem_gib; /* machine memory */
    unsigned int scratch_mib;
    unsigned int domains;
    unsigned int dom_mib;
    unsigned int vcpus;
};

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

/* Baseline: memcpy bandwidth over 256 MiB, best of 3, in bytes/s. */
static double memcpy_bw(void)
{
    size_t len = 256u << 20;
    char *a = malloc(len), *b = malloc(len);
    double best = 0;
    int i;

    if (!a || !b) {
        free(a);
        free(b);
        return 0;
    }
    memset(a, 1, len);
    memset(b, 2, len);
    for (i = 0; i < 3; i++) {
        uint64_t t0 = now_ns(), dt;

        memcpy(b, a, len);
        dt = now_ns() - t0;
        if (dt && (double)len * 1e9 / (double)dt > best)
            best = (double)len * 1e9 / (double)dt;
    }
    /* Keep the copy from being optimised away. */
    if (b[len / 2] != 1)
        best = 0;
    free(a);
    free(b);
    return best;
}

static int call(const char *rundir, const char *cmd, struct json_object *args,
                struct json_object **res)
{
    char err[512];
    int fd, rc;

    rc = ctl_connect(rundir, &fd, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "liveupdate: %s\n", err);
        json_object_put(args);
        return rc;
    }
    rc = ctl_call(fd, cmd, args, res, err, sizeof(err));
    close(fd);
    if (rc)
        fprintf(stderr, "liveupdate: %s: %s\n", cmd, err);
    return rc;
}

static int start_xhvd(const struct lu_case *c, const char *rundir)
{
    char mem[32], scratch[32];
    int status;
    pid_t pid;

    snprintf(mem, sizeof(mem), "%uG", c->mem_gib);
    snprintf(scratch, sizeof(scratch), "%uM", c->scratch_mib);
    pid = fork();
    if (pid == 0) {
        execl(XHVD_PATH, XHVD_PATH, "--rundir", rundir, "--mem", mem,
              "--lu-scratch", scratch, "--log-level", "warn", (char *)NULL);
        _exit(127);
    }
    /* xhvd daemonises: its parent exits once the child listens. */
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -EIO;
    return 0;
}

/* pid: the newest xhvd as the last update named it, or 0 for the one
 * the pidfile names (no update ran). */
static void stop_xhvd(const char *rundir, int pid)
{
    char path[512];
    FILE *f;
    int i;

    snprintf(path, sizeof(path), "%s/xhvd.pid", rundir);
    f = pid ? NULL : fopen(path, "r");
    if (f) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    /* Bounded: 20 s for a daemon destroying every domain. */
    for (i = 0; i < 2000 && kill(pid, 0) == 0; i++)
        usleep(10000);
    if (kill(pid, 0) == 0)
        kill(pid, SIGKILL);
}

static int create_domains(const struct lu_case *c, const char *rundir)
{
    unsigned int i;
    int rc = 0;

    for (i = 0; i < c->domains && !rc; i++) {
        struct json_object *cfg = ctl_obj(), *args = ctl_obj(), *res = NULL;
        char name[32];

        snprintf(name, sizeof(name), "bench%u", i);
        if (!cfg || !args || ctl_add(cfg, "name", ctl_str(name)) ||
            ctl_add(cfg, "type", ctl_str("sim")) ||
            ctl_add(cfg, "kernel", ctl_str("idle")) ||
            ctl_add(cfg, "memory_mib", ctl_u64(c->dom_mib)) ||
            ctl_add(cfg, "maxmem_mib", ctl_u64(c->dom_mib)) ||
            ctl_add(cfg, "vcpus", ctl_u64(c->vcpus)) ||
            ctl_add(args, "config", cfg)) {
            json_object_put(args);
            return -ENOMEM;
        }
        rc = call(rundir, "create", args, &res);
        json_object_put(res);
    }
    return rc;
}

static uint64_t get_ns(struct json_object *o, const char *key)
{
    uint64_t v = 0;

    ctl_get_u64(o, key, &v);
    return v;
}

static int run_case(const struct lu_case *c, unsigned int rounds, double bw)
{
    uint64_t ph[NR_PHASES][MAX_ROUNDS], down[MAX_ROUNDS], prep[MAX_ROUNDS];
    char rundir[] = "/tmp/xhv-bench-lu.XXXXXX";
    unsigned int r, p;
    int pid = 0;
    double copy_ns;
    int rc;

    if (!mkdtemp(rundir))
        return -errno;
    rc = start_xhvd(c, rundir);
    if (!rc)
        rc = create_domains(c, rundir);
    for (r = 0; r < rounds && !rc; r++) {
        struct json_object *res = NULL, *phs = NULL;
        char key[32];

        rc = call(rundir, "live-update", ctl_obj(), &res);
        if (rc)
            break;
        ctl_get_obj(res, "phases", &phs);
        for (p = 0; p < NR_PHASES; p++) {
            snprintf(key, sizeof(key), "%s_ns", phases[p]);
            ph[p][r] = get_ns(phs, key);
        }
        prep[r] = get_ns(phs, "prepare_ns");
        down[r] = get_ns(res, "downtime_ns");
        pid = (int)get_ns(res, "pid");
        json_object_put(res);
    }
    stop_xhvd(rundir, pid);
    {
        static const char *const files[] = {"xhvd.log", "xhvd.sock",
                                            "xhvd.pid"};
        char path[512];
        size_t i;

        for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
            snprintf(path, sizeof(path), "%s/%s", rundir, files[i]);
            unlink(path);
        }
        rmdir(rundir);
    }
    if (rc) {
        fprintf(stderr, "liveupdate: case %s failed: %s\n", c->name,
                strerror(-rc));
        return rc;
    }
    for (p = 0; p < NR_PHASES; p++)
        printf("lu_%s_%s %.3f ms\n", c->name, phases[p],
               median(ph[p], rounds) / 1e6);
    printf("lu_%s_prepare %.3f ms\n", c->name, median(prep, rounds) / 1e6);
    printf("lu_%s_downtime %.3f ms\n", c->name, median(down, rounds) / 1e6);
    copy_ns =
        bw > 0 ? (double)c->domains * c->dom_mib * 1048576.0 / bw * 1e9 : 0;
    if (copy_ns > 0)
        printf("lu_%s_downtime_vs_copy %.4f ratio\n", c->name,
               (double)median(down, rounds) / copy_ns);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct lu_case full[] = {
        {"1g_1vcpu", 2, 64, 1, 1024, 1}, {"64g_1vcpu", 66, 512, 1, 65536, 1},
        {"1g_4vcpu", 2, 64, 1, 1024, 4}, {"1g_16vcpu", 2, 64, 1, 1024, 16},
        {"8dom", 2, 64, 8, 64, 1},       {"32dom", 4, 128, 32, 64, 1},
    };
    static const struct lu_case quick[] = {
        {"quick", 1, 32, 2, 64, 2},
    };
    const struct lu_case *cases = full;
    unsigned int n = sizeof(full) / sizeof(full[0]), rounds = 7, i;
    double bw;
    int rc = 0;

    if (argc > 1 && strcmp(argv[1], "--quick") == 0) {
        cases = quick;
        n = 1;
        rounds = 3;
    } else if (argc > 1 &&
               (strcmp(argv[1], "--help") == 0 || argv[1][0] == '-')) {
        printf("usage: liveupdate [--quick] [CASE...]\n"
               "Guest downtime of live updates, per phase (median of %u), "
               "against\nthe time a memcpy of the guest RAM would take. "
               "CASEs:",
               rounds);
        for (i = 0; i < n; i++)
            printf(" %s", full[i].name);
        printf("\n");
        return strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    signal(SIGPIPE, SIG_IGN);
    bw = memcpy_bw();
    printf("baseline_memcpy %.2f GB/s\n", bw / 1e9);
    for (i = 0; i < n; i++) {
        int k, picked = argc <= 1 || cases == quick;

        for (k = 1; k < argc && !picked; k++)
            picked = strcmp(argv[k], cases[i].name) == 0;
        if (!picked)
            continue;
        fprintf(stderr, "liveupdate: case %s (%u x %u MiB, %u vCPUs)\n",
                cases[i].name, cases[i].domains, cases[i].dom_mib,
                cases[i].vcpus);
        if (run_case(&cases[i], rounds, bw))
            rc = 1;
    }
    return rc;
}
