/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `xhv live-update`: replacing xhvd under running guests (DESIGN.md §7).
 *
 * transfer mode, the old xhvd's side (cmd_live_update):
 *   prepare   start the new binary with --lu-fd; send it HELLO with the
 *             machine memfd, the listening socket and the pidfile (whose
 *             lock it thereby shares); it boots in the other scratch half
 *             and answers READY. Guests run all the while.
 *   pause     park every guest at a step boundary (the blackout begins)
 *   write     lu_save(): the records, in pages of the LU system owner
 *   handover  send the descriptor (MFNs, length, CRC)
 *   ...       the new one parses, rebuilds, resumes and says DONE with its
 *             times; the old one answers the CLI and exits at once,
 *             touching nothing: every page it had is the new one's now.
 * Any failure, a FAIL message, EOF or the timeout before DONE: the new
 * process is killed and reaped first (so it can never run a guest beside
 * us), then the record pages are freed and every guest unparked: rollback.
 *
 * exec mode: pause and write as above, then execve() in place with the
 * descriptor in a memfd; same PID, no rollback once execve() succeeded.
 * The new image answers the CLI on the connection it inherits.
 *
 * The socket protocol between the two binaries is itself an ABI between
 * versions: fixed little-endian messages, a version in HELLO.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/sim/sim.h"
#include "ctl/ctl.h"
#include "daemon/daemon.h"
#include "daemon/lu_exec.h"
#include "daemon/lu_proto.h"
#include "lib/alloc.h"
#include "lib/fault.h"
#include "lib/log.h"
#include "liveupdate/lu.h"
#include "stream/stream.h"
#include "time/time.h"

#define PARK_TIMEOUT_MS 5000

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- parking every guest ------------------------------------------------ */

/* Parks every sim domain; on failure unparks those it parked. */
static int park_all(struct domain ***doms, unsigned int *n, char *err,
                    size_t errlen)
{
    unsigned int i;
    int rc;

    rc = domlist_snapshot(doms, n);
    if (rc) {
        snprintf(err, errlen, "cannot list domains: %s", strerror(-rc));
        return rc;
    }
    /* Every domain is told first, then waited for: the blackout's pause
     * is the slowest vCPU's, not the sum of them all. */
    for (i = 0; i < *n; i++)
        if (sim_domain_is((*doms)[i]))
            sim_domain_hold((*doms)[i]);
    for (i = 0; i < *n; i++) {
        if (!sim_domain_is((*doms)[i]))
            continue;
        rc = sim_domain_park((*doms)[i], PARK_TIMEOUT_MS);
        if (rc) {
            snprintf(err, errlen, "d%u did not stop within %d ms",
                     (*doms)[i]->domid, PARK_TIMEOUT_MS);
            /* Every one was told to stop: every one goes on. */
            for (i = 0; i < *n; i++) {
                sim_domain_unpark((*doms)[i]);
                put_domain((*doms)[i]);
            }
            xhv_free(*doms);
            *doms = NULL;
            *n = 0;
            return rc;
        }
    }
    return 0;
}

static void unpark_all(struct domain **doms, unsigned int n)
{
    unsigned int i;

    for (i = 0; i < n; i++) {
        sim_domain_unpark(doms[i]);
        put_domain(doms[i]);
    }
    xhv_free(doms);
}

/* ---- the new process ---------------------------------------------------- */

struct lu_child {
    pid_t pid;
    int sock;
};

static void child_kill(struct lu_child *c)
{
    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
    }
    if (c->sock >= 0)
        close(c->sock);
    c->pid = -1;
    c->sock = -1;
}

static int spawn(const struct lu_request *req, struct lu_child *c, char *err,
                 size_t errlen)
{
    char fdarg[16], mem[32], scratch[32], level[16];
    int sv[2];
    pid_t pid;

    if (fault_fire("lu_spawn") ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(err, errlen, "cannot make the hand-over socket");
        return -ENOMEM;
    }
    snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
    snprintf(mem, sizeof(mem), "%lluK",
             (unsigned long long)(xhvd.opts.mem_bytes >> 10));
    snprintf(scratch, sizeof(scratch), "%lluK",
             (unsigned long long)(xhvd.opts.scratch_bytes >> 10));
    snprintf(level, sizeof(level), "%s", log_level_name(xhvd.opts.log_level));
    pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        snprintf(err, errlen, "cannot fork: %s", strerror(errno));
        return -errno;
    }
    if (pid == 0) {
        char *argv[] = {(char *)req->binary,
                        "--lu-fd",
                        fdarg,
                        "--mem",
                        mem,
                        "--lu-scratch",
                        scratch,
                        "--rundir",
                        xhvd.opts.rundir,
                        "--log-level",
                        level,
                        NULL};

        fcntl(sv[1], F_SETFD, 0);
        if (req->fault[0])
            setenv("XHV_FAULT", req->fault, 1);
        else
            unsetenv("XHV_FAULT");
        execv(req->binary, argv);
        fprintf(stderr, "xhvd: live update: cannot run %s: %s\n", req->binary,
                strerror(errno));
        _exit(127);
    }
    close(sv[1]);
    c->pid = pid;
    c->sock = sv[0];
    return 0;
}

/* Waits for one message of type want (or FAIL) until deadline; copies
 * at most size bytes of it to out, and its whole length to *got. */
static int expect(struct lu_child *c, uint32_t want, uint64_t deadline,
                  void *out, size_t size, size_t *got, char *err, size_t errlen)
{
    uint64_t buf[128]; /* 1 KiB: DONE, READY or a FAIL's text */
    struct lu_msg_head *h = (struct lu_msg_head *)buf;
    struct pollfd pfd = {.fd = c->sock, .events = POLLIN};
    uint64_t now = mono_ns();
    ssize_t n;
    int left;

    left = now >= deadline ? 0 : (int)((deadline - now) / 1000000) + 1;
    if (poll(&pfd, 1, left) <= 0) {
        snprintf(err, errlen, "the new xhvd did not answer in time");
        return -ETIMEDOUT;
    }
    n = recv(c->sock, buf, sizeof(buf), MSG_TRUNC);
    if (n <= 0) {
        snprintf(err, errlen, "the new xhvd exited (see the log)");
        return -EPIPE;
    }
    if ((size_t)n < sizeof(*h) || (size_t)n > sizeof(buf) ||
        h->len != (uint32_t)n) {
        snprintf(err, errlen, "the new xhvd sent a malformed message");
        return -EPROTO;
    }
    if (h->type == LU_MSG_FAIL) {
        snprintf(err, errlen, "the new xhvd failed: %.*s",
                 (int)((size_t)n - sizeof(*h)), (char *)(h + 1));
        return -ECANCELED;
    }
    if (h->type != want) {
        snprintf(err, errlen, "the new xhvd sent message %u, not %u", h->type,
                 want);
        return -EPROTO;
    }
    memcpy(out, buf, (size_t)n < size ? (size_t)n : size);
    *got = (size_t)n;
    return 0;
}

static int send_hello(struct lu_child *c, char *err, size_t errlen)
{
    struct lu_msg_hello m = {
        .head = {.type = LU_MSG_HELLO, .len = sizeof(m)},
        .version = LU_PROTO_VERSION,
        .generation = xhvd.generation,
        .new_half = xhvd.scratch_half ^ 1,
        .system_time_base = time_system_base(),
    };
    int fds[3] = {mm_memfd(), server_listen_fd(), xhvd.pidfd};
    char cbuf[CMSG_SPACE(sizeof(fds))];
    struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = cbuf,
                         .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *cm;

    memset(cbuf, 0, sizeof(cbuf));
    cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(fds));
    memcpy(CMSG_DATA(cm), fds, sizeof(fds));
    if (sendmsg(c->sock, &msg, MSG_NOSIGNAL) != (ssize_t)sizeof(m)) {
        snprintf(err, errlen, "cannot reach the new xhvd: %s", strerror(errno));
        return -EPIPE;
    }
    return 0;
}

static int send_handover(int sock, uint32_t type, const struct lu_image *img,
                         uint32_t flags, char *err, size_t errlen)
{
    size_t len = 0, size = LU_HANDOVER_MAX_BYTES + sizeof(struct lu_msg_head);
    struct lu_msg_head *h = xhv_malloc(size);
    int rc;

    if (!h)
        return -ENOMEM;
    rc = lu_handover_encode(h + 1, size - sizeof(*h), &len, flags, img->len,
                            img->crc, img->mfns, (uint32_t)img->nr);
    if (rc) {
        snprintf(err, errlen,
                 "the records need %zu pages, more than a "
                 "descriptor lists",
                 img->nr);
    } else {
        h->type = type;
        h->len = (uint32_t)(sizeof(*h) + len);
        if (send(sock, h, h->len, MSG_NOSIGNAL) != (ssize_t)h->len) {
            snprintf(err, errlen, "cannot send the descriptor: %s",
                     strerror(errno));
            rc = -EPIPE;
        }
    }
    xhv_free(h);
    return rc;
}

int lu_add_times(struct json_object *r, const struct lu_times *t)
{
    struct json_object *p = ctl_obj();
    int rc = p ? 0 : -ENOMEM;

#define T(name) CMD_ADD(p, #name "_ns", ctl_u64(t->name))
    T(prepare);
    T(pause);
    T(write);
    T(handover);
    T(parse);
    T(rebuild);
    T(resume);
#undef T
    if (rc) {
        json_object_put(p);
        return rc;
    }
    rc = ctl_add(r, "phases", p);
    CMD_ADD(r, "downtime_ns", ctl_u64(t->downtime));
    return rc;
}

/*
 * Tests only (`--corrupt`, undocumented for users): spoils the written
 * stream the way a broken or hostile writer would, so the new xhvd's
 * refusal and the rollback can be exercised end to end. The CRC is made
 * right again where the point is to get past it.
 */
static void recrc(struct lu_image *img)
{
    uint64_t left = img->len;
    uint32_t crc = 0;
    size_t i;

    for (i = 0; i < img->nr && left; i++) {
        uint64_t n = left < LU_PAGE_SIZE ? left : LU_PAGE_SIZE;

        crc = crc32c(crc, mfn_to_virt(img->mfns[i]), (size_t)n);
        left -= n;
    }
    img->crc = crc;
}

static int corrupt(struct lu_image *img, const char *how)
{
    uint8_t *first = mfn_to_virt(img->mfns[0]);
    uint64_t end = img->len - sizeof(struct lu_rec_hdr);
    struct lu_rec_hdr *last =
        (struct lu_rec_hdr *)((uint8_t *)mfn_to_virt(
                                  img->mfns[end / LU_PAGE_SIZE]) +
                              end % LU_PAGE_SIZE);

    if (strcmp(how, "crc") == 0) {
        img->crc ^= 1;
    } else if (strcmp(how, "truncate") == 0) {
        img->len -= 8;
    } else if (strcmp(how, "version") == 0) {
        /* The header record's body starts after its 8-byte head. */
        ((struct lu_rec_header *)(first + sizeof(struct lu_rec_hdr)))->version =
            LU_STREAM_VERSION + 1;
        recrc(img);
    } else if (strcmp(how, "mandatory") == 0) {
        last->type = 0x0001ffffu; /* END becomes an unknown mandatory */
        recrc(img);
    } else {
        return -EINVAL;
    }
    return 0;
}

/* Stages the memory part in the new xhvd while guests run; *gen is the
 * memory generation it describes. */
static int stage(struct lu_child *c, uint64_t deadline, struct lu_image *img,
                 uint64_t *gen, char *err, size_t errlen)
{
    const struct lu_save_info si = {.generation = xhvd.generation,
                                    .scratch_half = xhvd.scratch_half};
    struct lu_msg_head staged;
    size_t got;
    int rc;

    *gen = lu_memory_gen();
    rc = lu_save(&si, LU_SAVE_MEMORY, img, err, errlen);
    if (!rc)
        rc = send_handover(c->sock, LU_MSG_PRESTAGE, img, 0, err, errlen);
    if (!rc)
        rc = expect(c, LU_MSG_STAGED, deadline, &staged, sizeof(staged), &got,
                    err, errlen);
    return rc;
}

static int transfer_once(const struct lu_request *req, struct json_object *r,
                         char *err, size_t errlen)
{
    const struct lu_save_info si = {.generation = xhvd.generation,
                                    .scratch_half = xhvd.scratch_half};
    struct lu_child c = {.pid = -1, .sock = -1};
    struct lu_image mem = {0}, img = {0};
    struct lu_times t = {0};
    struct lu_msg_done done;
    struct domain **doms = NULL;
    unsigned int n = 0;
    uint64_t t0 = mono_ns(), deadline = t0 + req->timeout_ns, tp, tw, th, gen;
    struct lu_msg_head ready[4];
    size_t got;
    int rc;

    rc = spawn(req, &c, err, errlen);
    if (!rc)
        rc = send_hello(&c, err, errlen);
    if (!rc)
        rc = expect(&c, LU_MSG_READY, deadline, ready, sizeof(ready), &got, err,
                    errlen);
    /* Everything that grows with RAM happens here, guests running. */
    if (!rc)
        rc = stage(&c, deadline, &mem, &gen, err, errlen);
    /* The state part's pages too: the blackout then only fills them. A
     * failure here only costs the blackout the allocations. */
    if (!rc && lu_image_reserve(&img, &si, LU_SAVE_STATE, err, errlen))
        err[0] = '\0';
    if (rc)
        goto fail_early;
    tp = mono_ns();
    t.prepare = tp - t0;
    /* The blackout begins. */
    rc = park_all(&doms, &n, err, errlen);
    if (rc)
        goto fail_early;
    tw = mono_ns();
    t.pause = tw - tp;
    if (lu_memory_gen() != gen) {
        snprintf(err, errlen,
                 "a guest changed its memory while it was "
                 "being staged");
        rc = -ESTALE;
    }
    if (!rc)
        rc = lu_save(&si, LU_SAVE_STATE, &img, err, errlen);
    th = mono_ns();
    t.write = th - tw;
    if (!rc && req->corrupt[0] && corrupt(&img, req->corrupt)) {
        snprintf(err, errlen, "unknown corruption '%s'", req->corrupt);
        rc = -EINVAL;
    }
    if (!rc)
        rc = send_handover(c.sock, LU_MSG_HANDOVER, &img, 0, err, errlen);
    if (!rc)
        rc = expect(&c, LU_MSG_DONE, deadline, &done, sizeof(done), &got, err,
                    errlen);
    if (!rc && got != sizeof(done)) {
        snprintf(err, errlen, "the new xhvd sent a short DONE");
        rc = -EPROTO;
    }
    if (rc) {
        /* Rollback: the new one is dead before any guest moves again. */
        child_kill(&c);
        lu_image_release(&img);
        lu_image_release(&mem);
        unpark_all(doms, n);
        log_warn("xhvd", "live update rolled back: %s", err);
        return rc;
    }
    t.handover = done.received_ns > th ? done.received_ns - th : 0;
    t.parse = done.parse_ns;
    t.rebuild = done.rebuild_ns;
    t.resume = done.resume_ns;
    t.downtime = done.resumed_ns > tp ? done.resumed_ns - tp : 0;
    log_info("xhvd",
             "live update to pid %d done: downtime %llu us (pause %llu, "
             "write %llu, hand-over %llu, parse %llu, rebuild %llu, resume "
             "%llu us); exiting",
             (int)c.pid, (unsigned long long)(t.downtime / 1000),
             (unsigned long long)(t.pause / 1000),
             (unsigned long long)(t.write / 1000),
             (unsigned long long)(t.handover / 1000),
             (unsigned long long)(t.parse / 1000),
             (unsigned long long)(t.rebuild / 1000),
             (unsigned long long)(t.resume / 1000));
    /* Everything is the new xhvd's now: answer, then leave untouched. */
    xhvd.lu_handed_over = true;
    rc = ctl_add(r, "pid", ctl_u64((uint64_t)c.pid));
    CMD_ADD(r, "mode", ctl_str("transfer"));
    CMD_ADD(r, "generation", ctl_u64(xhvd.generation + 1));
    CMD_ADD(r, "domains", ctl_u64(n));
    if (!rc)
        rc = lu_add_times(r, &t);
    /* The domain references are the old process's own memory: dropping
     * them could only free things. It exits instead. */
    return 0;

fail_early:
    child_kill(&c);
    lu_image_release(&img);
    lu_image_release(&mem);
    log_warn("xhvd", "live update abandoned before the blackout: %s", err);
    return rc;
}

/* A guest that balloons while its memory is staged makes the staging
 * stale: the update is rolled back and simply tried again. */
#define STALE_RETRIES 3
static int transfer(const struct lu_request *req, struct json_object *r,
                    char *err, size_t errlen)
{
    int rc, i;

    for (i = 0;; i++) {
        rc = transfer_once(req, r, err, errlen);
        if (rc != -ESTALE || i == STALE_RETRIES)
            return rc;
        err[0] = '\0';
    }
}

/* ---- exec mode ----------------------------------------------------------- */

/*
 * Returns only on failure, rolled back: guests unparked, records freed.
 * On success the process is the new image, which answers the command on
 * the connection it inherits (lu_exec.c).
 */
static int exec_mode(const struct lu_request *req, char *err, size_t errlen)
{
    struct lu_exec_state st = {
        .magic = LU_EXEC_MAGIC,
        .version = LU_EXEC_VERSION,
        .generation = xhvd.generation,
        .new_half = xhvd.scratch_half ^ 1,
        .memfd = mm_memfd(),
        .listen_fd = server_listen_fd(),
        .pid_fd = xhvd.pidfd,
        .client_fd = server_current_client_fd(),
        .system_time_base = time_system_base(),
    };
    struct lu_image img = {0};
    struct domain **doms = NULL;
    unsigned int n = 0;
    uint64_t t0 = mono_ns(), tw;
    int rc;

    rc = lu_exec_probe(req->binary, t0 + req->timeout_ns, err, errlen);
    if (rc)
        return rc;
    /* In exec mode a fault rule is for this image: the steps up to a
     * failed execve() are the only ones that can still roll back. */
    if (req->fault[0] && fault_arm_spec(req->fault)) {
        snprintf(err, errlen, "bad fault rule '%s'", req->fault);
        return -EINVAL;
    }
    /* Measured here if never before, outside the blackout. */
    st.tsc_hz = time_tsc()->hz;
    st.tsc_stable = time_tsc()->stable;
    st.pause_start_ns = mono_ns();
    st.prepare_ns = st.pause_start_ns - t0;
    /* The blackout begins. */
    rc = park_all(&doms, &n, err, errlen);
    if (rc)
        goto out;
    tw = mono_ns();
    st.pause_ns = tw - st.pause_start_ns;
    rc = lu_save(&(struct lu_save_info){.generation = xhvd.generation,
                                        .scratch_half = xhvd.scratch_half},
                 LU_SAVE_MEMORY | LU_SAVE_STATE, &img, err, errlen);
    st.write_ns = mono_ns() - tw;
    if (!rc)
        rc = lu_exec_into(req->binary, &st, &img, err, errlen);
    /* Still here: execve() did not happen. Roll back. */
    lu_image_release(&img);
    unpark_all(doms, n);
    log_warn("xhvd", "live update (exec) rolled back: %s", err);
out:
    if (req->fault[0])
        fault_disarm();
    return rc;
}

/* ---- the command -------------------------------------------------------- */

int cmd_live_update(struct json_object *args, struct json_object **result,
                    char *err, size_t errlen)
{
    struct lu_request req = {.timeout_ns = 30ULL * 1000000000ULL};
    const char *s = NULL, *mode = "transfer";
    struct json_object *r;
    uint64_t secs = 0;
    int rc;

    snprintf(req.binary, sizeof(req.binary), "%s", xhvd.self_path);
    if (ctl_get_str(args, "binary", &s) == 0)
        snprintf(req.binary, sizeof(req.binary), "%s", s);
    if (ctl_get_str(args, "fault", &s) == 0)
        snprintf(req.fault, sizeof(req.fault), "%s", s);
    if (ctl_get_str(args, "corrupt", &s) == 0)
        snprintf(req.corrupt, sizeof(req.corrupt), "%s", s);
    rc = ctl_get_str(args, "mode", &mode);
    if (rc == -EINVAL ||
        (strcmp(mode, "transfer") != 0 && strcmp(mode, "exec") != 0)) {
        snprintf(err, errlen, "mode must be \"transfer\" or \"exec\"");
        return -EINVAL;
    }
    rc = ctl_get_u64(args, "timeout", &secs);
    if (rc == -EINVAL || (rc == 0 && (secs == 0 || secs > 3600))) {
        snprintf(err, errlen, "timeout must be 1 to 3600 seconds");
        return -EINVAL;
    }
    if (rc == 0)
        req.timeout_ns = secs * 1000000000ULL;
    if (access(req.binary, X_OK) != 0) {
        snprintf(err, errlen, "cannot run '%.200s': %s", req.binary,
                 strerror(errno));
        return -ENOENT;
    }
    /* Both modes boot the new allocator in a scratch half: without one
     * an exec-mode image would have no page to rebuild with. */
    if (xhvd.opts.scratch_bytes == 0) {
        snprintf(err, errlen,
                 "this xhvd has no live-update scratch region "
                 "(--lu-scratch 0)");
        return -EINVAL;
    }
    /* exec mode cannot roll back a new image that refuses the stream. */
    if (req.corrupt[0] && strcmp(mode, "exec") == 0) {
        snprintf(err, errlen, "--corrupt is for transfer mode only");
        return -EINVAL;
    }
    rc = lu_check(err, errlen);
    if (rc)
        return rc;
    r = ctl_obj();
    if (!r)
        return -ENOMEM;
    if (strcmp(mode, "exec") == 0)
        rc = exec_mode(&req, err, errlen);
    else
        rc = transfer(&req, r, err, errlen);
    return cmd_finish(r, rc, result);
}

/* ---- domain configurations across an update ------------------------------ */

static const char *config_get(uint32_t domid, void *opaque)
{
    struct json_object *cfg = domcfg_get(domid);

    (void)opaque;
    return cfg ? json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PLAIN)
               : NULL;
}

static int config_put(uint32_t domid, const char *text, size_t len,
                      void *opaque)
{
    struct json_object *cfg;
    char err[128];
    int rc;

    (void)opaque;
    cfg = ctl_json_parse(text, len, err, sizeof(err));
    if (!cfg || !json_object_is_type(cfg, json_type_object)) {
        json_object_put(cfg);
        return -EINVAL;
    }
    rc = domcfg_remember(domid, cfg);
    json_object_put(cfg); /* domcfg holds its own reference */
    return rc;
}

void daemon_lu_hooks_init(void)
{
    static const struct lu_config_hooks hooks = {.get = config_get,
                                                 .put = config_put};

    lu_set_config_hooks(&hooks);
}
