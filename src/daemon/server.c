/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xhvd's control socket and event loop.
 *
 * One epoll loop serves the listening socket, a signalfd (SIGTERM, SIGINT,
 * SIGHUP) and every client. Clients are read without blocking: a request
 * arriving in pieces waits in its client's buffer while other clients are
 * served. Each complete frame is handled at once and its answer written
 * with a bounded wait, so one client that stops reading cannot hold the
 * daemon for long: after ANSWER_TIMEOUT_MS it is dropped.
 *
 * A frame length of 0 or over CTL_MAX_MSG cannot be skipped safely (the
 * stream has lost its framing), so that client gets an EMSGSIZE answer
 * and is disconnected; nothing else is affected.
 *
 * A client may pass one file descriptor with a request (SCM_RIGHTS on any
 * byte of its frame; docs/control-protocol.md): `xhv migrate` hands over
 * the connection to the target that way. Every read is a recvmsg() so
 * that no descriptor is ever dropped unseen; the first one of a frame is
 * kept in the client (c->passed_fd) and lent to that frame's handler,
 * which takes it with server_take_passed_fd(); any others, and one the
 * handler did not take, are closed. So a descriptor lives at most as long
 * as the request it came with, and one that came unasked is never used.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "daemon/daemon.h"
#include "lib/alloc.h"
#include "lib/log.h"

#define MAX_CLIENTS       64
#define ANSWER_TIMEOUT_MS 5000
/* A connection that sends nothing for this long is closed, so idle or
 * stalled clients cannot hold all MAX_CLIENTS places for ever. */
#define IDLE_TIMEOUT_MS 60000
#define SWEEP_EVERY_MS  5000

struct client {
    int fd;
    uint64_t last_active_ms; /* CLOCK_MONOTONIC */
    uint8_t hdr[4];
    size_t hdr_got;
    char *msg; /* allocated once the length is known */
    size_t len, got;
    int passed_fd; /* came with the frame being read, or -1 */
};

static struct client *clients[MAX_CLIENTS];

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
/* epoll tags for the two non-client descriptors. */
static char tag_listen, tag_signal, tag_guest;
static int guest_event_fd = -1; /* written by vCPU threads */

/* Called on a vCPU thread when its guest shuts down: wake the loop. */
static void notify_guest_shutdown(struct domain *d)
{
    uint64_t one = 1;
    ssize_t w;

    (void)d;
    w = write(guest_event_fd, &one, sizeof(one));
    (void)w; /* a full counter already means "look" */
}

/* Both only set while handle_frame() runs a handler (loop thread). */
static int listen_fd = -1, current_client_fd = -1, current_passed_fd = -1;

int server_listen_fd(void)
{
    return listen_fd;
}

int server_current_client_fd(void)
{
    return current_client_fd;
}

int server_take_passed_fd(void)
{
    int fd = current_passed_fd;

    current_passed_fd = -1;
    return fd;
}

static int listen_socket(const char *rundir, int *out)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    mode_t old;
    int fd, rc;

    /* After a live update: the same socket, never closed, so clients that
     * connected during the blackout are answered by the new xhvd. */
    if (xhvd.inherited_listen_fd >= 0) {
        fcntl(xhvd.inherited_listen_fd, F_SETFL, O_NONBLOCK);
        *out = xhvd.inherited_listen_fd;
        return 0;
    }

    rc = ctl_socket_path(rundir, sa.sun_path, sizeof(sa.sun_path));
    if (rc)
        return rc;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    unlink(sa.sun_path); /* stale: we hold the pidfile lock */
    old = umask(0177);   /* born 0600: no window for others to connect */
    rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc == 0)
        rc = chmod(sa.sun_path, 0600);
    if (rc == 0)
        rc = listen(fd, 16);
    if (rc) {
        rc = -errno;
        close(fd);
        return rc;
    }
    *out = fd;
    return 0;
}

static void client_close(struct client *c)
{
    int i;

    for (i = 0; i < MAX_CLIENTS; i++)
        if (clients[i] == c)
            clients[i] = NULL;
    close(c->fd);
    if (c->passed_fd >= 0)
        close(c->passed_fd);
    xhv_free(c->msg);
    xhv_free(c);
}

static int send_all(int fd, const char *buf, size_t len)
{
    while (len) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n > 0) {
            buf += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -errno;
        if (poll(&pfd, 1, ANSWER_TIMEOUT_MS) <= 0)
            return -ETIMEDOUT;
    }
    return 0;
}

static int send_answer(struct client *c, const char *text, size_t len)
{
    uint8_t hdr[4];
    int rc;

    ctl_frame_hdr(hdr, (uint32_t)len);
    rc = send_all(c->fd, (const char *)hdr, sizeof(hdr));
    return rc ? rc : send_all(c->fd, text, len);
}

int server_send_frame(const char *text, size_t len)
{
    uint8_t hdr[4];
    int rc;

    if (current_client_fd < 0)
        return -ENOTCONN;
    ctl_frame_hdr(hdr, (uint32_t)len);
    rc = send_all(current_client_fd, (const char *)hdr, sizeof(hdr));
    return rc ? rc : send_all(current_client_fd, text, len);
}

static void send_error_and_drop(struct client *c, const char *text)
{
    send_answer(c, text, strlen(text));
    client_close(c);
}

static int handle_frame(struct client *c)
{
    char *answer;
    size_t alen;
    int rc;

    current_client_fd = c->fd;
    current_passed_fd = c->passed_fd;
    c->passed_fd = -1;
    rc = daemon_handle_request(c->msg, c->len, &answer, &alen);
    current_client_fd = -1;
    /* Not taken: it came unasked, or the request was refused first. */
    if (current_passed_fd >= 0)
        close(current_passed_fd);
    current_passed_fd = -1;
    xhv_free(c->msg);
    c->msg = NULL;
    c->hdr_got = 0;
    c->got = 0;
    if (rc)
        return rc;
    rc = send_answer(c, answer, alen);
    xhv_free(answer);
    if (xhvd.lu_handed_over) {
        /* Every page, guest and socket is the new xhvd's: touch nothing,
         * not even the pidfile or the socket path. */
        log_info("xhvd", "exiting after live update");
        _exit(0);
    }
    return rc;
}

/* Keeps the first descriptor of a frame; closes any other. The kernel
 * closes those that did not fit in the buffer (MSG_CTRUNC). */
static void keep_passed_fds(struct client *c, struct msghdr *mh)
{
    struct cmsghdr *cm;

    for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
        size_t i, n;

        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (i = 0; i < n; i++) {
            int fd;

            memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
            if (c->passed_fd < 0)
                c->passed_fd = fd;
            else
                close(fd);
        }
    }
}

/* recv() that also collects descriptors passed with the bytes. */
static ssize_t client_recv(struct client *c, void *buf, size_t len)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(4 * sizeof(int))];
    } ctrl;
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    struct msghdr mh = {.msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = ctrl.buf,
                        .msg_controllen = sizeof(ctrl.buf)};
    ssize_t n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

    if (n >= 0)
        keep_passed_fds(c, &mh);
    return n;
}

/* Reads what is there; returns <0 when the client must go. */
static int client_read(struct client *c)
{
    for (;;) {
        ssize_t n;

        if (c->hdr_got < sizeof(c->hdr)) {
            n = client_recv(c, c->hdr + c->hdr_got,
                            sizeof(c->hdr) - c->hdr_got);
        } else {
            n = client_recv(c, c->msg + c->got, c->len - c->got);
        }
        if (n == 0)
            return -ECONNRESET;
        if (n < 0)
            return (errno == EAGAIN || errno == EINTR) ? 0 : -errno;
        if (c->hdr_got < sizeof(c->hdr)) {
            c->hdr_got += (size_t)n;
            if (c->hdr_got < sizeof(c->hdr))
                continue;
            c->len = ctl_frame_len(c->hdr);
            if (c->len == 0 || c->len > CTL_MAX_MSG) {
                send_error_and_drop(
                    c, "{\"ok\":false,\"error\":\"EMSGSIZE\",\"errno\":90,"
                       "\"message\":\"frame length out of range; closing\"}");
                return 1; /* already closed */
            }
            c->msg = xhv_malloc(c->len + 1);
            if (!c->msg)
                return -ENOMEM;
            c->got = 0;
            continue;
        }
        c->got += (size_t)n;
        if (c->got == c->len && handle_frame(c))
            return -EIO;
    }
}

static bool peer_allowed(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return false;
    return cred.uid == 0 || cred.uid == geteuid();
}

static void accept_client(int lfd, int epfd)
{
    struct epoll_event ev = {.events = EPOLLIN};
    struct client *c;
    int fd, i;

    fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (!peer_allowed(fd)) {
        log_warn("xhvd", "refused a control connection from another user");
        close(fd);
        return;
    }
    for (i = 0; i < MAX_CLIENTS && clients[i]; i++)
        ;
    c = i < MAX_CLIENTS ? xhv_calloc(1, sizeof(*c)) : NULL;
    if (!c) {
        log_warn("xhvd", "too many control connections; refused one");
        close(fd);
        return;
    }
    c->fd = fd;
    c->passed_fd = -1;
    ev.data.ptr = c;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        close(fd);
        xhv_free(c);
        return;
    }
    c->last_active_ms = now_ms();
    clients[i] = c;
}

static int signal_fd(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -errno;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void sweep_idle(void)
{
    uint64_t now = now_ms();
    int i;

    for (i = 0; i < MAX_CLIENTS; i++) {
        if (clients[i] && now - clients[i]->last_active_ms > IDLE_TIMEOUT_MS) {
            log_info("xhvd", "closing a control connection idle for %d s",
                     IDLE_TIMEOUT_MS / 1000);
            client_close(clients[i]);
        }
    }
}

static void loop(int epfd, int lfd, int sfd)
{
    struct epoll_event evs[16];

    while (!xhvd.stopping) {
        int n = epoll_wait(epfd, evs, 16, SWEEP_EVERY_MS), i;

        sweep_idle();
        if (n < 0 && errno == EINTR)
            continue;
        for (i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;

            if (p == &tag_listen) {
                accept_client(lfd, epfd);
            } else if (p == &tag_guest) {
                uint64_t count;

                if (read(guest_event_fd, &count, sizeof(count)) ==
                    sizeof(count))
                    daemon_handle_guest_shutdowns();
            } else if (p == &tag_signal) {
                struct signalfd_siginfo si;

                if (read(sfd, &si, sizeof(si)) != sizeof(si))
                    continue;
                /* xhvd has no configuration to reload: a hangup (a
                 * closed terminal, a reload request) changes nothing. */
                if (si.ssi_signo == SIGHUP) {
                    log_info("xhvd", "SIGHUP ignored");
                    continue;
                }
                log_info("xhvd", "signal %u: shutting down", si.ssi_signo);
                xhvd.stopping = true;
            } else {
                int rc;

                ((struct client *)p)->last_active_ms = now_ms();
                rc = client_read(p);

                if (rc < 0)
                    client_close(p);
            }
        }
    }
}

int server_run(const char *rundir, int ready_fd)
{
    struct epoll_event ev = {.events = EPOLLIN};
    int lfd = -1, sfd = -1, epfd = -1, rc, i;
    char path[PATH_MAX];

    rc = listen_socket(rundir, &lfd);
    listen_fd = lfd;
    if (rc) {
        log_err("xhvd", "cannot listen on %s/%s: %s", rundir, CTL_SOCKET_NAME,
                strerror(-rc));
        return rc;
    }
    sfd = signal_fd();
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (sfd < 0 || epfd < 0) {
        rc = -errno;
        goto out;
    }
    ev.data.ptr = &tag_listen;
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
    guest_event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (guest_event_fd < 0) {
        rc = -errno;
        goto out;
    }
    ev.data.ptr = &tag_guest;
    epoll_ctl(epfd, EPOLL_CTL_ADD, guest_event_fd, &ev);
    domain_set_shutdown_notifier(notify_guest_shutdown);
    ev.data.ptr = &tag_signal;
    epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
    log_info("xhvd", "listening on %s/%s", rundir, CTL_SOCKET_NAME);
    if (ready_fd >= 0) {
        ssize_t w = write(ready_fd, "R", 1);

        (void)w;
        close(ready_fd);
    }
    loop(epfd, lfd, sfd);
    rc = 0;
out:
    domain_set_shutdown_notifier(NULL);
    if (guest_event_fd >= 0)
        close(guest_event_fd);
    guest_event_fd = -1;
    for (i = 0; i < MAX_CLIENTS; i++)
        if (clients[i])
            client_close(clients[i]);
    if (epfd >= 0)
        close(epfd);
    if (sfd >= 0)
        close(sfd);
    close(lfd);
    if (ctl_socket_path(rundir, path, sizeof(path)) == 0)
        unlink(path);
    return rc;
}
