/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The new xhvd's side of a transfer-mode live update (xhvd --lu-fd N):
 * boot in the other scratch half while the old xhvd's guests run, then
 * take the records, rebuild, resume, and only once the old process has
 * gone give its pages to the heap. Any failure before DONE is reported as
 * FAIL and ends this process without tearing anything down: the guests'
 * pages still belong to the old xhvd, which rolls back.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/lu_proto.h"
#include "lib/alloc.h"
#include "lib/fault.h"
#include "lib/log.h"
#include "liveupdate/lu.h"
#include "mm/mm.h"
#include "stream/stream.h"
#include "time/time.h"

/* How long the old xhvd may take to exit once it has its DONE. */
#define OLD_EXIT_TIMEOUT_MS 30000
/* How long to spin for the hand-over before sleeping for it. */
#define SPIN_NS (50 * 1000000ULL)
/* How long to wait for the records: the old side's timeout is shorter. */
#define HANDOVER_WAIT_MS 3600000

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void say_fail(int sock, const char *why)
{
    char buf[sizeof(struct lu_msg_head) + 512];
    struct lu_msg_head *h = (struct lu_msg_head *)buf;
    size_t n = strnlen(why, 512);

    log_err("xhvd", "live update (new side): %s", why);
    h->type = LU_MSG_FAIL;
    h->len = (uint32_t)(sizeof(*h) + n);
    memcpy(h + 1, why, n);
    (void)send(sock, buf, h->len, MSG_NOSIGNAL);
}

static int recv_hello(int sock, struct lu_msg_hello *m, int fds[3])
{
    char cbuf[CMSG_SPACE(3 * sizeof(int))];
    struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = cbuf,
                         .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *cm;
    ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

    if (n != (ssize_t)sizeof(*m) || m->head.type != LU_MSG_HELLO ||
        m->head.len != sizeof(*m))
        return -EPROTO;
    if (m->version != LU_PROTO_VERSION || m->new_half > 1)
        return -EPROTONOSUPPORT;
    cm = CMSG_FIRSTHDR(&msg);
    if (!cm || cm->cmsg_type != SCM_RIGHTS ||
        cm->cmsg_len != CMSG_LEN(3 * sizeof(int)))
        return -EPROTO;
    memcpy(fds, CMSG_DATA(cm), 3 * sizeof(int));
    return 0;
}

static int boot(const struct daemon_opts *o, const struct lu_msg_hello *m,
                int memfd)
{
    struct mm_config cfg = {
        .mem_bytes = o->mem_bytes,
        .scratch_bytes = o->scratch_bytes,
        .scratch_half = m->new_half,
        .memfd = memfd,
        .defer_heap = true,
    };
    mfn_t start;
    uint64_t nr;
    int rc;

    if (fault_fire("lu_new_boot"))
        return -ENOMEM;
    rc = time_system_base_inherit(m->system_time_base);
    if (rc)
        return rc;
    rc = mm_init(&cfg);
    if (rc)
        return rc;
    /* Our own half only: every other page may still be the old one's. */
    mm_scratch_own_half(&start, &nr);
    if (!init_heap_pages(start, nr, MM_INIT_DIRTY))
        return -ENOMEM;
    /* Faulting in the frame table takes ~0.1 s per 64 GiB: here. */
    mm_populate_frame_table();
    /* Calibrating the TSC takes tens of ms: here, not in the blackout. */
    (void)time_tsc();
    return 0;
}

static int wait_readable(int sock, int timeout_ms)
{
    struct pollfd pfd = {.fd = sock, .events = POLLIN};
    int n = poll(&pfd, 1, timeout_ms);

    return n > 0 ? 0 : n == 0 ? -ETIMEDOUT : -errno;
}

/* One descriptor message of the given type: decoded into hd and mfns
 * (which point into buf); *when, if not NULL, is when it arrived. */
static int recv_descriptor(int sock, uint32_t type, uint8_t *buf, size_t size,
                           struct lu_handover *hd, const uint64_t **mfns,
                           uint64_t *when, char *err, size_t errlen)
{
    struct lu_msg_head *h = (struct lu_msg_head *)buf;
    ssize_t n = -1;
    int rc;

    /*
     * The hand-over comes a millisecond or so after STAGED, inside the
     * blackout: waiting for it spinning, for a bounded while, spares the
     * wake-up from poll(), which was seen to take over a millisecond for
     * a process mapping 64 GiB. The staging descriptor is simply waited
     * for.
     */
    if (when) {
        uint64_t until = mono_ns() + SPIN_NS;

        /* Yielding: the old xhvd's vCPU threads are parking meanwhile,
         * and on a small host they need the CPU this loop would hold. */
        while ((n = recv(sock, buf, size, MSG_DONTWAIT)) < 0 &&
               errno == EAGAIN && mono_ns() < until)
            sched_yield();
    }
    if (n < 0 && (!when || errno == EAGAIN)) {
        rc = wait_readable(sock, HANDOVER_WAIT_MS);
        if (!rc)
            n = recv(sock, buf, size, 0);
    }
    if (when)
        *when = mono_ns();
    if (n < (ssize_t)sizeof(*h) || h->type != type || h->len != (uint32_t)n) {
        snprintf(err, errlen, "no %s descriptor came",
                 type == LU_MSG_PRESTAGE ? "staging" : "hand-over");
        return -EPROTO;
    }
    return lu_handover_decode(h + 1, (size_t)n - sizeof(*h), hd, mfns, err,
                              errlen);
}

int lu_new_main(int sock, const struct daemon_opts *o)
{
    static struct lu_restored restored;
    struct lu_msg_hello hello;
    struct lu_msg_done done = {
        .head = {.type = LU_MSG_DONE, .len = sizeof(done)}};
    struct lu_msg_head ready = {.type = LU_MSG_READY, .len = sizeof(ready)};
    struct lu_msg_head staged = {.type = LU_MSG_STAGED, .len = sizeof(staged)};
    struct lu_times t = {0};
    struct lu_handover hd;
    const uint64_t *mfns = NULL;
    size_t size = sizeof(struct lu_msg_head) + LU_HANDOVER_MAX_BYTES;
    uint8_t *buf = NULL;
    char err[512] = "";
    int fds[3] = {-1, -1, -1}, rc;
    uint64_t t0;
    ssize_t n;

    rc = recv_hello(sock, &hello, fds);
    if (rc) {
        snprintf(err, sizeof(err), "bad HELLO from the old xhvd: %s",
                 strerror(-rc));
        goto fail;
    }
    xhvd.generation = hello.generation + 1;
    xhvd.scratch_half = hello.new_half;
    xhvd.pidfd = fds[2];
    xhvd.inherited_listen_fd = fds[1];
    log_info("xhvd", "live update: generation %llu booting in scratch half %c",
             (unsigned long long)xhvd.generation, hello.new_half ? 'B' : 'A');
    rc = boot(o, &hello, fds[0]);
    if (rc) {
        snprintf(err, sizeof(err), "cannot boot machine memory: %s",
                 strerror(-rc));
        goto fail;
    }
    buf = xhv_malloc(size);
    if (!buf) {
        rc = -ENOMEM;
        snprintf(err, sizeof(err), "out of memory");
        goto fail;
    }
    if (send(sock, &ready, sizeof(ready), MSG_NOSIGNAL) != sizeof(ready)) {
        rc = -EPIPE;
        snprintf(err, sizeof(err), "the old xhvd went away");
        goto fail;
    }
    /* Stage the memory: its records come while the guests still run. */
    rc = recv_descriptor(sock, LU_MSG_PRESTAGE, buf, size, &hd, &mfns, NULL,
                         err, sizeof(err));
    if (!rc)
        rc = lu_restore(LU_SAVE_MEMORY, mfns, hd.nr_pages, hd.stream_len,
                        hd.stream_crc, &restored, &t, err, sizeof(err));
    if (!rc && fault_fire("lu_new_stage"))
        rc = -ENOMEM;
    if (!rc &&
        send(sock, &staged, sizeof(staged), MSG_NOSIGNAL) != sizeof(staged)) {
        rc = -EPIPE;
        snprintf(err, sizeof(err), "the old xhvd went away");
    }
    if (rc)
        goto fail;
    /* The blackout: the rest of the state. */
    rc = recv_descriptor(sock, LU_MSG_HANDOVER, buf, size, &hd, &mfns,
                         &done.received_ns, err, sizeof(err));
    if (!rc && fault_fire("lu_new_parse"))
        rc = -ENOMEM;
    if (!rc)
        rc = lu_restore(LU_SAVE_STATE, mfns, hd.nr_pages, hd.stream_len,
                        hd.stream_crc, &restored, &t, err, sizeof(err));
    if (!rc && fault_fire("lu_new_rebuild"))
        rc = -ENOMEM;
    if (rc) {
        if (!err[0])
            snprintf(err, sizeof(err), "cannot restore: %s", strerror(-rc));
        goto fail;
    }
    t0 = mono_ns();
    rc = fault_fire("lu_new_resume") ? -ENOMEM : 0;
    if (!rc)
        rc = lu_resume(err, sizeof(err));
    if (rc) {
        if (!err[0])
            snprintf(err, sizeof(err), "cannot resume: %s", strerror(-rc));
        goto fail;
    }
    done.resumed_ns = mono_ns();
    /* A fault armed for the update (`--fault`, tests) ends with it: the
     * xhvd that goes on serving must not fail some later request. */
    fault_disarm();
    unsetenv("XHV_FAULT");
    done.resume_ns = done.resumed_ns - t0;
    done.parse_ns = t.parse;
    done.rebuild_ns = t.rebuild;
    if (send(sock, &done, sizeof(done), MSG_NOSIGNAL) != sizeof(done))
        log_warn("xhvd", "live update: the old xhvd did not take DONE");
    /* The guests are ours from here on: so is the pidfile, before the
     * old xhvd's pages are reclaimed (seconds, for a large machine). */
    daemon_write_pid(xhvd.pidfd);
    log_info("xhvd",
             "live update: %u domains resumed; waiting for the old "
             "xhvd to exit",
             restored.nr_domains);
    /* EOF: the old process is gone, and so is every use of its pages. */
    rc = wait_readable(sock, OLD_EXIT_TIMEOUT_MS);
    while (rc == 0 && (n = recv(sock, buf, size, 0)) > 0)
        rc = wait_readable(sock, OLD_EXIT_TIMEOUT_MS);
    if (rc) {
        log_err("xhvd", "live update: the old xhvd has not exited; its pages "
                        "stay unused");
    } else {
        uint64_t pages = lu_complete(&restored);

        log_info("xhvd",
                 "live update complete: %llu pages returned to the "
                 "heap",
                 (unsigned long long)pages);
    }
    xhv_free(buf);
    close(sock);
    return 0;

fail:
    say_fail(sock, err);
    /* Nothing is torn down: see the comment at the top. */
    _exit(1);
}
