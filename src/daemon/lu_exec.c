/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * exec-mode live update (DESIGN.md §7, "exec mode"): xhvd execve()s the
 * new binary in place, same PID, like kexec.
 *
 * The old image (liveupdate.c drives it): probe the binary before the
 * blackout (lu_exec_probe), park the guests and write the records exactly
 * as transfer mode does, then lu_exec_into(): a memfd holding struct
 * lu_exec_state and the hand-over descriptor, FD_CLOEXEC cleared on the
 * five descriptors the new image needs (machine memfd, listening socket,
 * pidfile, the CLI's connection, that memfd), and execve(). If execve()
 * fails, the flags are put back and the caller rolls back. Once it has
 * succeeded there is no old process left to roll back to: that is the
 * price of exec mode, and why the probe refuses anything that does not
 * say it is an xhvd speaking this LU_EXEC_VERSION.
 *
 * The new image (lu_exec_main, from `xhvd --lu-exec-fd N`): no pidfile to
 * take (the lock came with the descriptor), no daemonising (same process,
 * same session, same log). It boots its allocator in the scratch half the
 * old image reserved, as a transfer-mode new xhvd would, and reserves the
 * old image's half for the next generation. DESIGN.md allows an exec
 * image all of scratch; using one half only keeps the "other half is
 * untouched" invariant that a later transfer-mode update relies on, and
 * the half is as large as a transfer-mode boot gets. Then it restores,
 * resumes and, with nobody to wait for, completes at once (every page
 * neither preserved nor its own goes to the heap, after the guests run).
 * It answers `xhv live-update` on the inherited connection with the same
 * JSON as transfer mode, and serves on the inherited listening socket.
 *
 * A failure in the new image cannot be rolled back: it answers the CLI
 * with the error, logs it, and exits; the guests are lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "daemon/daemon.h"
#include "daemon/lu_exec.h"
#include "lib/alloc.h"
#include "lib/fault.h"
#include "lib/log.h"
#include "mm/mm.h"
#include "stream/stream.h"
#include "time/time.h"

/* The probe is `xhvd --lu-exec-check`: it prints a line and exits. */
#define PROBE_TIMEOUT_MS 5000
/* The CLI reads its answer at once; this only bounds a stuck client. */
#define ANSWER_TIMEOUT_MS 5000

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- the old image ------------------------------------------------------ */

/* Reads the child's output until EOF, at most size - 1 bytes, by deadline. */
static int read_until_eof(int fd, char *buf, size_t size, uint64_t deadline)
{
    size_t got = 0;

    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        uint64_t now = mono_ns();
        ssize_t n;

        if (now >= deadline ||
            poll(&pfd, 1, (int)((deadline - now) / 1000000) + 1) <= 0)
            return -ETIMEDOUT;
        n = read(fd, buf + got, size - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || (got += (size_t)n) == size - 1)
            break;
    }
    buf[got] = '\0';
    return 0;
}

int lu_exec_probe(const char *binary, uint64_t deadline_ns, char *err,
                  size_t errlen)
{
    uint64_t deadline = mono_ns() + PROBE_TIMEOUT_MS * 1000000ULL;
    char out[256], version[64];
    unsigned int proto = 0;
    int p[2], status = 0, rc;
    pid_t pid;

    if (deadline_ns < deadline)
        deadline = deadline_ns;
    if (pipe2(p, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot check '%.200s': %s", binary,
                 strerror(errno));
        return -errno;
    }
    pid = fork();
    if (pid == 0) {
        char *argv[] = {(char *)binary, "--lu-exec-check", NULL};

        dup2(p[1], STDOUT_FILENO);
        execv(binary, argv);
        _exit(127);
    }
    close(p[1]);
    rc = pid < 0 ? -errno : read_until_eof(p[0], out, sizeof(out), deadline);
    close(p[0]);
    if (pid > 0) {
        if (rc)
            kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    if (rc) {
        snprintf(err, errlen, "'%.200s --lu-exec-check' %s", binary,
                 rc == -ETIMEDOUT ? "did not answer in time"
                                  : "could not be run");
        return rc;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        sscanf(out, "xhvd %63s lu-exec %u", version, &proto) != 2) {
        snprintf(err, errlen,
                 "'%.200s' is not an xhvd that can take over by exec "
                 "(--lu-exec-check said no); nothing was changed",
                 binary);
        return -ENOEXEC;
    }
    if (proto != LU_EXEC_VERSION) {
        snprintf(err, errlen,
                 "'%.200s' (xhvd %s) reads exec hand-over version %u, "
                 "this xhvd writes %u; use --mode transfer",
                 binary, version, proto, LU_EXEC_VERSION);
        return -EPROTONOSUPPORT;
    }
    return 0;
}

/* The state block and the descriptor, in a memfd the new image reads. */
static int write_state(const struct lu_exec_state *st,
                       const struct lu_image *img, int *out, char *err,
                       size_t errlen)
{
    size_t len = 0, size = sizeof(*st) + LU_HANDOVER_MAX_BYTES;
    struct lu_exec_state *buf = xhv_malloc(size);
    int fd = -1, rc;

    if (!buf)
        return -ENOMEM;
    *buf = *st;
    rc = lu_handover_encode(buf + 1, LU_HANDOVER_MAX_BYTES, &len,
                            LU_HANDOVER_F_EXEC, img->len, img->crc, img->mfns,
                            (uint32_t)img->nr);
    if (rc) {
        snprintf(err, errlen,
                 "the records need %zu pages, more than a "
                 "descriptor lists",
                 img->nr);
        goto out;
    }
    buf->handover_len = (uint32_t)len;
    fd = memfd_create("xhv-lu-exec", MFD_CLOEXEC);
    if (fd < 0 || fault_fire("lu_exec_state") ||
        pwrite(fd, buf, sizeof(*st) + len, 0) != (ssize_t)(sizeof(*st) + len)) {
        rc = fd < 0 ? -errno : -EIO;
        snprintf(err, errlen, "cannot write the exec hand-over: %s",
                 strerror(-rc));
        goto out;
    }
    *out = fd;
    fd = -1;
out:
    if (fd >= 0)
        close(fd);
    xhv_free(buf);
    return rc;
}

#define NR_PASSED 5

int lu_exec_into(const char *binary, struct lu_exec_state *st,
                 const struct lu_image *img, char *err, size_t errlen)
{
    char statearg[16], mem[32], scratch[32], level[16];
    int fds[NR_PASSED], flags[NR_PASSED], state_fd = -1, i, rc;

    rc = write_state(st, img, &state_fd, err, errlen);
    if (rc)
        return rc;
    fds[0] = st->memfd;
    fds[1] = st->listen_fd;
    fds[2] = st->pid_fd;
    fds[3] = st->client_fd;
    fds[4] = state_fd;
    for (i = 0; i < NR_PASSED; i++) {
        flags[i] = fcntl(fds[i], F_GETFD);
        if (flags[i] >= 0)
            fcntl(fds[i], F_SETFD, flags[i] & ~FD_CLOEXEC);
    }
    snprintf(statearg, sizeof(statearg), "%d", state_fd);
    snprintf(mem, sizeof(mem), "%lluK",
             (unsigned long long)(xhvd.opts.mem_bytes >> 10));
    snprintf(scratch, sizeof(scratch), "%lluK",
             (unsigned long long)(xhvd.opts.scratch_bytes >> 10));
    snprintf(level, sizeof(level), "%s", log_level_name(xhvd.opts.log_level));
    char *argv[] = {(char *)binary, "--lu-exec-fd", statearg, "--mem", mem,
                    "--lu-scratch", scratch, "--rundir", xhvd.opts.rundir,
                    "--log-level", level,
                    /* Keeps stderr logging as it was; no daemonising. */
                    xhvd.opts.foreground ? "--foreground" : NULL, NULL};

    /* No fault rule crosses into the new image: a failure there cannot
     * be rolled back (in exec mode, --fault arms the old image). */
    unsetenv("XHV_FAULT");
    log_info("xhvd", "live update: exec %s (generation %llu)", binary,
             (unsigned long long)(st->generation + 1));
    st->exec_ns = mono_ns();
    if (pwrite(state_fd, &st->exec_ns, sizeof(st->exec_ns),
               offsetof(struct lu_exec_state, exec_ns)) !=
        sizeof(st->exec_ns)) {
        rc = -EIO;
    } else if (fault_fire("lu_exec")) {
        rc = -ENOEXEC; /* tests: execve() failing, after everything else */
    } else {
        execv(binary, argv);
        rc = -errno;
    }
    /* Still here: nothing happened. Put every descriptor back. */
    snprintf(err, errlen, "cannot exec '%.200s': %s", binary, strerror(-rc));
    for (i = 0; i < NR_PASSED; i++)
        if (flags[i] >= 0)
            fcntl(fds[i], F_SETFD, flags[i]);
    close(state_fd);
    return rc;
}

/* ---- the new image ------------------------------------------------------ */

/* The state block and descriptor; buf is LU_HANDOVER_MAX_BYTES long. */
static int read_state(int fd, struct lu_exec_state *st, void *buf, char *err,
                      size_t errlen)
{
    ssize_t n = pread(fd, st, sizeof(*st), 0);

    if (n != (ssize_t)sizeof(*st) || st->magic != LU_EXEC_MAGIC ||
        st->version != LU_EXEC_VERSION || st->pad || st->pad2 ||
        st->handover_len > LU_HANDOVER_MAX_BYTES || st->new_half > 1 ||
        st->memfd < 0 || st->listen_fd < 0 || st->pid_fd < 0) {
        snprintf(err, errlen, "bad exec hand-over state (version %u)",
                 n == (ssize_t)sizeof(*st) ? st->version : 0);
        /* Not even ours to read: no descriptor number in it is trusted,
         * so nobody is answered on a stranger's connection. */
        if (n != (ssize_t)sizeof(*st) || st->magic != LU_EXEC_MAGIC ||
            st->version != LU_EXEC_VERSION)
            st->client_fd = -1;
        return -EPROTO;
    }
    n = pread(fd, buf, st->handover_len, sizeof(*st));
    if (n != (ssize_t)st->handover_len) {
        snprintf(err, errlen, "the exec hand-over descriptor is truncated");
        return -EPROTO;
    }
    return 0;
}

/* The inherited descriptors go back to close-on-exec, so nothing leaks
 * into a later update's new binary. */
static void own_fds(const struct lu_exec_state *st)
{
    const int fds[] = {st->memfd, st->listen_fd, st->pid_fd, st->client_fd};
    size_t i;

    for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
        if (fds[i] >= 0)
            fcntl(fds[i], F_SETFD, FD_CLOEXEC);
}

static int boot(const struct daemon_opts *o, const struct lu_exec_state *st)
{
    struct mm_config cfg = {
        .mem_bytes = o->mem_bytes,
        .scratch_bytes = o->scratch_bytes,
        .scratch_half = st->new_half,
        .memfd = st->memfd,
        .defer_heap = true,
    };
    mfn_t start;
    uint64_t nr;
    int rc;

    rc = time_system_base_inherit(st->system_time_base);
    if (!rc && st->tsc_hz)
        rc = time_tsc_inherit(st->tsc_hz, st->tsc_stable != 0);
    if (!rc)
        rc = mm_init(&cfg);
    if (rc)
        return rc;
    /* Our half of scratch: the other one stays reserved for the next
     * generation, exactly as after a transfer-mode update. */
    mm_scratch_own_half(&start, &nr);
    if (nr && !init_heap_pages(start, nr, MM_INIT_DIRTY))
        return -ENOMEM;
    return 0;
}

/* Writes one framed answer on the inherited connection and closes it. */
static void answer(int fd, int rc, struct json_object *result, const char *err)
{
    uint64_t deadline = mono_ns() + ANSWER_TIMEOUT_MS * 1000000ULL;
    char *text = NULL, *p;
    size_t len = 0, left;
    uint8_t hdr[4];

    if (daemon_answer(rc, result, err, &text, &len) == 0 && fd >= 0) {
        ctl_frame_hdr(hdr, (uint32_t)len);
        if (send(fd, hdr, sizeof(hdr), MSG_NOSIGNAL) == sizeof(hdr)) {
            for (p = text, left = len; left && mono_ns() < deadline;) {
                struct pollfd pfd = {.fd = fd, .events = POLLOUT};
                ssize_t n = send(fd, p, left, MSG_NOSIGNAL | MSG_DONTWAIT);

                if (n > 0) {
                    p += n;
                    left -= (size_t)n;
                } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                    break;
                } else {
                    poll(&pfd, 1, ANSWER_TIMEOUT_MS);
                }
            }
        }
    }
    xhv_free(text);
    if (fd >= 0)
        close(fd);
}

static int result(struct json_object **out, const struct lu_times *t,
                  unsigned int nr_domains)
{
    struct json_object *r = ctl_obj();
    int rc = r ? 0 : -ENOMEM;

    CMD_ADD(r, "pid", ctl_u64((uint64_t)getpid()));
    CMD_ADD(r, "mode", ctl_str("exec"));
    CMD_ADD(r, "generation", ctl_u64(xhvd.generation));
    CMD_ADD(r, "domains", ctl_u64(nr_domains));
    if (!rc)
        rc = lu_add_times(r, t);
    if (rc) {
        json_object_put(r);
        r = NULL;
    }
    *out = r;
    return rc;
}

/* The blackout's second half: descriptor, records, rebuild, resume. */
static int take_over(const struct lu_exec_state *st, const void *desc,
                     struct lu_restored *restored, struct lu_times *t,
                     char *err, size_t errlen)
{
    const uint64_t *mfns = NULL;
    struct lu_handover hd;
    uint64_t t0, resumed;
    int rc;

    rc = lu_handover_decode(desc, st->handover_len, &hd, &mfns, err, errlen);
    if (!rc && !(hd.flags & LU_HANDOVER_F_EXEC)) {
        snprintf(err, errlen, "the descriptor is not an exec hand-over");
        rc = -EPROTO;
    }
    t0 = mono_ns();
    if (!rc)
        rc = lu_restore(LU_SAVE_MEMORY | LU_SAVE_STATE, mfns, hd.nr_pages,
                        hd.stream_len, hd.stream_crc, restored, t, err, errlen);
    if (!rc)
        rc = lu_resume(err, errlen);
    if (rc) {
        if (!err[0])
            snprintf(err, errlen, "cannot restore: %s", strerror(-rc));
        return rc;
    }
    /* From execve() to the records about to be read: exec, the loader and
     * booting the allocator. */
    t->prepare = st->prepare_ns;
    t->pause = st->pause_ns;
    t->write = st->write_ns;
    t->handover = t0 > st->exec_ns ? t0 - st->exec_ns : 0;
    resumed = mono_ns();
    t->resume = resumed - t0 - t->parse - t->rebuild;
    t->downtime = resumed - st->pause_start_ns;
    return 0;
}

int lu_exec_main(int state_fd, const struct daemon_opts *o)
{
    static struct lu_restored restored;
    struct lu_exec_state st = {.client_fd = -1};
    struct lu_times t = {0};
    struct json_object *r = NULL;
    uint64_t *buf = NULL, pages;
    char err[512] = "";
    int rc;

    buf = xhv_malloc(LU_HANDOVER_MAX_BYTES);
    rc = buf ? read_state(state_fd, &st, buf, err, sizeof(err)) : -ENOMEM;
    close(state_fd);
    if (rc)
        goto fail;
    own_fds(&st);
    xhvd.generation = st.generation + 1;
    xhvd.scratch_half = st.new_half;
    xhvd.pidfd = st.pid_fd;
    xhvd.inherited_listen_fd = st.listen_fd;
    log_info("xhvd",
             "live update (exec): generation %llu booting in scratch "
             "half %c",
             (unsigned long long)xhvd.generation, st.new_half ? 'B' : 'A');
    rc = boot(o, &st);
    if (rc) {
        snprintf(err, sizeof(err), "cannot boot machine memory: %s",
                 strerror(-rc));
        goto fail;
    }
    rc = take_over(&st, buf, &restored, &t, err, sizeof(err));
    if (rc)
        goto fail;
    /* Nobody to wait for: the old image is gone, and so is every use of
     * its pages. After the guests run, like transfer mode's step 4. */
    pages = lu_complete(&restored);
    log_info("xhvd",
             "live update (exec) done: downtime %llu us (pause %llu, write "
             "%llu, exec %llu, parse %llu, rebuild %llu, resume %llu us); "
             "%llu pages returned to the heap",
             (unsigned long long)(t.downtime / 1000),
             (unsigned long long)(t.pause / 1000),
             (unsigned long long)(t.write / 1000),
             (unsigned long long)(t.handover / 1000),
             (unsigned long long)(t.parse / 1000),
             (unsigned long long)(t.rebuild / 1000),
             (unsigned long long)(t.resume / 1000), (unsigned long long)pages);
    rc = result(&r, &t, restored.nr_domains);
    /* The update is done whether or not the answer can be built. */
    answer(st.client_fd, rc, r, rc ? "out of memory building the answer" : "");
    xhv_free(buf);
    return 0;

fail:
    log_err("xhvd",
            "live update (exec) failed in the new image: %s; there "
            "is no old xhvd to roll back to, the guests are lost",
            err);
    answer(st.client_fd, rc, NULL, err);
    xhv_free(buf);
    return rc;
}
