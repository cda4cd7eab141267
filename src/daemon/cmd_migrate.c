/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * save, restore, migrate and migrate-receive (docs/migration.md).
 *
 * Files are opened by xhvd itself (the CLI makes paths absolute). A
 * migration is a control connection to the target xhvd: the source sends
 * one ordinary request frame, {"cmd":"migrate-receive","args":{"count":N}},
 * then N stream images as raw bytes on the same socket; the target's
 * handler reads them straight off its client socket, builds and starts the
 * domains, and its ordinary answer frame is the "resumed" message. Only
 * then does the source destroy its domains; on any failure (a refusal, a
 * dropped connection, a timeout) it unparks them and they run on. The
 * target socket is a unix socket (the target's rundir) or a connection
 * the CLI made and passed with the request ("dest": "fd"): a TCP socket,
 * one end of a socketpair that the CLI relays into a TLS session, or one
 * whose other end is an ssh child's stdin and stdout. At the far end an
 * `xhv migrate-receive` relay forwards the bytes to its own xhvd
 * unchanged.
 *
 * Both sides block xhvd's loop for the duration, as live update does:
 * commands are handled one at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "daemon/daemon.h"
#include "lib/alloc.h"
#include "lib/fault.h"
#include "migrate/migrate.h"

#define IO_TIMEOUT_MS     30000
#define ANSWER_TIMEOUT_MS 60000

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- I/O: fault sites mig_io_read / mig_io_write ------------------------- */

struct fdio {
    int fd;
};

static int wait_fd(int fd, short ev)
{
    struct pollfd p = {.fd = fd, .events = ev};
    int n;

    do
        n = poll(&p, 1, IO_TIMEOUT_MS);
    while (n < 0 && errno == EINTR);
    return n > 0 ? 0 : n == 0 ? -ETIMEDOUT : -errno;
}

static int fd_write(void *opaque, void *buf, size_t len)
{
    struct fdio *io = opaque;
    const uint8_t *p = buf;

    if (fault_fire("mig_io_write"))
        return -EIO;
    while (len) {
        ssize_t n = send(io->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0 && errno == ENOTSOCK)
            n = write(io->fd, p, len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            int rc = wait_fd(io->fd, POLLOUT);

            if (rc)
                return rc;
            continue;
        }
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int fd_read(void *opaque, void *buf, size_t len)
{
    struct fdio *io = opaque;
    uint8_t *p = buf;
    size_t got = 0;

    if (fault_fire("mig_io_read"))
        return -EIO;
    while (got < len) {
        ssize_t n = recv(io->fd, p + got, len - got, MSG_DONTWAIT);

        if (n < 0 && errno == ENOTSOCK)
            n = read(io->fd, p + got, len - got);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            int rc = wait_fd(io->fd, POLLIN);

            if (rc)
                return rc;
            continue;
        }
        if (n < 0)
            return -errno;
        if (n == 0)
            return got ? -EPIPE : -ENODATA;
        got += (size_t)n;
    }
    return 0;
}

/* ---- helpers ----------------------------------------------------------------
 */

/* "a,b" or "3": references to each; refuses duplicates. */
static int find_domains(struct json_object *args, struct domain **doms,
                        unsigned int *n, char *err, size_t errlen)
{
    const char *list;
    char buf[512], *save = NULL, *tok;
    unsigned int i;
    int rc = 0;

    *n = 0;
    if (ctl_get_str(args, "domain", &list) || strlen(list) >= sizeof(buf)) {
        snprintf(err, errlen, "missing string argument 'domain'");
        return -EINVAL;
    }
    strcpy(buf, list);
    for (tok = strtok_r(buf, ",", &save); tok && !rc;
         tok = strtok_r(NULL, ",", &save)) {
        struct domain *d = domain_lookup(tok);

        if (!d) {
            snprintf(err, errlen, "no domain '%.64s'", tok);
            rc = -ENOENT;
        } else if (*n == MIGRATE_MAX_DOMAINS) {
            snprintf(err, errlen, "at most %d domains at once",
                     MIGRATE_MAX_DOMAINS);
            put_domain(d);
            rc = -E2BIG;
        } else {
            for (i = 0; i < *n; i++)
                if (doms[i] == d)
                    rc = -EINVAL;
            doms[(*n)++] = d;
            if (rc)
                snprintf(err, errlen, "'%.64s' named twice", tok);
        }
    }
    if (!rc && !*n) {
        snprintf(err, errlen, "no domain named");
        rc = -EINVAL;
    }
    for (i = 0; rc && i < *n; i++)
        put_domain(doms[i]);
    if (rc)
        *n = 0;
    return rc;
}

static void put_all(struct domain **doms, unsigned int n)
{
    unsigned int i;

    for (i = 0; i < n; i++)
        put_domain(doms[i]);
}

static const char *config_of(uint32_t domid, void *opaque)
{
    struct json_object *cfg = domcfg_get(domid);

    (void)opaque;
    return cfg ? json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PLAIN)
               : NULL;
}

static void kill_all(struct domain **doms, unsigned int n)
{
    unsigned int i;

    for (i = 0; i < n; i++) {
        uint32_t domid = doms[i]->domid;

        domain_kill(doms[i]);
        domcfg_forget(domid);
    }
}

static int stats_json(const struct migrate_stats *st, struct json_object *r)
{
    struct json_object *arr = ctl_arr();
    unsigned int i, k;
    int rc = arr ? 0 : -ENOMEM;

    for (i = 0; i < st->nr && !rc; i++) {
        struct json_object *o = ctl_obj(), *pages = ctl_arr();

        rc = o && pages ? 0 : -ENOMEM;
        for (k = 0; k < st->dom[i].rounds && !rc; k++)
            rc = ctl_append(pages, ctl_u64(st->dom[i].pages[k]));
        if (rc) {
            json_object_put(o);
            json_object_put(pages);
            break;
        }
        CMD_ADD(o, "domid", ctl_u64(st->dom[i].domid));
        CMD_ADD(o, "rounds", ctl_u64(st->dom[i].rounds));
        CMD_ADD(o, "pages_per_round", pages);
        CMD_ADD(o, "zero_pages", ctl_u64(st->dom[i].zero_pages));
        if (!rc)
            rc = ctl_append(arr, o);
        else
            json_object_put(o);
    }
    if (!rc)
        rc = ctl_add(r, "domains", arr);
    else
        json_object_put(arr);
    CMD_ADD(r, "bytes", ctl_u64(st->bytes));
    return rc;
}

/* ---- save -------------------------------------------------------------------
 */

/*
 * Tests' hook, as for migrate and live-update: "fault": "SITE:N" arms
 * that failure point for this one command (lib/fault.h), so a test can
 * fail each allocation and I/O of a save, a restore or the receiving end
 * of a migration in turn through the real daemon.
 */
typedef int (*cmd_fn)(struct json_object *args, struct json_object **result,
                      char *err, size_t errlen);

static int with_fault(cmd_fn fn, struct json_object *args,
                      struct json_object **result, char *err, size_t errlen)
{
    const char *spec = "";
    int rc;

    if (ctl_get_str(args, "fault", &spec) == -EINVAL ||
        (spec[0] && fault_arm_spec(spec))) {
        snprintf(err, errlen, "bad fault rule: SITE:N or SITE:N+ expected");
        return -EINVAL;
    }
    rc = fn(args, result, err, errlen);
    if (spec[0])
        fault_disarm();
    return rc;
}

static int save(struct json_object *args, struct json_object **result,
                char *err, size_t errlen)
{
    struct migrate_opts o = {.config_of = config_of};
    struct domain *doms[MIGRATE_MAX_DOMAINS];
    struct migrate_stats st;
    struct mig_writer w;
    struct fdio io = {.fd = -1};
    const char *path, *keep = "";
    struct json_object *r = NULL;
    unsigned int n = 0;
    int rc;

    if (ctl_get_str(args, "file", &path) || path[0] != '/') {
        snprintf(err, errlen, "'file' must be an absolute path");
        return -EINVAL;
    }
    if (ctl_get_str(args, "keep", &keep) == -EINVAL ||
        (keep[0] && strcmp(keep, "running") && strcmp(keep, "paused"))) {
        snprintf(err, errlen, "'keep' is \"running\" or \"paused\"");
        return -EINVAL;
    }
    rc = find_domains(args, doms, &n, err, errlen);
    if (rc)
        return rc;
    io.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (io.fd < 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot create %.256s: %s", path, strerror(-rc));
        goto out;
    }
    mig_writer_init(&w, fd_write, &io);
    rc = migrate_save(doms, n, &w, &o, &st, err, errlen);
    /* On disk before any domain goes. */
    if (!rc && (fault_fire("mig_fsync") || fsync(io.fd) < 0)) {
        rc = -EIO;
        snprintf(err, errlen, "cannot write %.256s to disk", path);
        migrate_unpark(doms, n);
    }
    if (rc) {
        unlink(path); /* no half-written image left to restore from */
        goto out;
    }
    if (!keep[0]) {
        kill_all(doms, n);
    } else {
        migrate_unpark(doms, n);
        for (unsigned int i = 0; keep[0] == 'p' && i < n; i++)
            domain_pause(doms[i]);
    }
    /* Saved: the answer is only a report, so failing to build it is
     * benign. */
    fault_benign_begin();
    r = ctl_obj();
    if (r && stats_json(&st, r)) {
        json_object_put(r);
        r = NULL;
    }
    fault_benign_end();
    *result = r;
out:
    if (io.fd >= 0)
        close(io.fd);
    put_all(doms, n);
    return rc;
}

/* ---- restore and migrate-receive --------------------------------------------
 */

/*
 * The receiving end's half of the hand-over (docs/migration.md): the
 * domains are built and paused; the source hears "ready", and only its
 * "go" starts them. Without it (a dropped connection, a timeout, a
 * source that failed after all) they are destroyed, so a guest never
 * runs on both hosts, and never on neither unless the source's final
 * answer is lost after "go" (then the source keeps its copy paused).
 */
#define GO_TIMEOUT_MS 30000
static int hand_over(int fd, const struct migrate_restored *out, char *err,
                     size_t errlen)
{
    char msg[64], *buf = NULL, perr[64];
    struct json_object *a;
    size_t len = 0;
    bool go = false;
    unsigned int i;
    int rc, n;

    n = snprintf(msg, sizeof(msg), "{\"ready\":{\"domains\":%u}}", out->nr);
    if (fault_fire("mig_ready") || server_send_frame(msg, (size_t)n)) {
        snprintf(err, errlen, "cannot tell the source the domains are ready");
        return -EPIPE;
    }
    rc = ctl_read_msg(fd, &buf, &len, GO_TIMEOUT_MS);
    if (rc) {
        snprintf(err, errlen, "the source did not say go (%s)", strerror(-rc));
        return rc;
    }
    a = ctl_json_parse(buf, len, perr, sizeof(perr));
    xhv_free(buf);
    if (!a || ctl_get_bool(a, "go", &go) || !go) {
        json_object_put(a);
        snprintf(err, errlen, "the source sent something else than go");
        return -EPROTO;
    }
    json_object_put(a);
    for (i = 0; i < out->nr && !rc; i++)
        if (out->running[i])
            rc = domain_unpause(out->dom[i]);
    if (rc)
        snprintf(err, errlen, "cannot start d%u: %s", out->dom[i - 1]->domid,
                 strerror(-rc));
    return rc;
}

static int restore_from(int fd, const struct migrate_restore_opts *o,
                        bool handshake, struct json_object **result, char *err,
                        size_t errlen)
{
    struct migrate_restore_opts ro = *o;
    struct migrate_restored out;
    struct mig_reader rd;
    struct fdio io = {.fd = fd};
    struct json_object *r = NULL, *arr = NULL;
    unsigned int i;
    int rc;

    if (handshake)
        ro.paused = true; /* until the source says go */
    mig_reader_init(&rd, fd_read, &io);
    rc = migrate_restore(&rd, &ro, &out, err, errlen);
    mig_reader_fini(&rd);
    if (rc)
        return rc;
    if (handshake) {
        rc = hand_over(fd, &out, err, errlen);
        if (rc) {
            for (i = 0; i < out.nr; i++)
                domain_kill(out.dom[i]);
            migrate_restored_release(&out);
            return rc;
        }
    }
    for (i = 0; i < out.nr; i++) {
        char perr[64];
        /* Untrusted text: the control protocol's depth-limited parser. */
        struct json_object *cfg =
            out.config[i] ? ctl_json_parse(out.config[i], strlen(out.config[i]),
                                           perr, sizeof(perr))
                          : NULL;

        /* The configuration is for restarts and `list -l`; a domain runs
         * without one, as a restored Xen domain runs without xl's. */
        if (cfg)
            domcfg_remember(out.dom[i]->domid, cfg); /* takes its own ref */
        json_object_put(cfg);
    }
    fault_benign_begin();
    r = ctl_obj();
    arr = ctl_arr();
    for (i = 0; r && arr && i < out.nr; i++) {
        struct json_object *o2 = ctl_obj();

        if (!o2 || ctl_add(o2, "domid", ctl_u64(out.dom[i]->domid)) ||
            ctl_add(o2, "name", ctl_str(out.dom[i]->name)) ||
            ctl_append(arr, o2)) {
            json_object_put(o2);
            break;
        }
    }
    if (r && arr && !ctl_add(r, "domains", arr))
        arr = NULL;
    json_object_put(arr);
    fault_benign_end();
    migrate_restored_release(&out);
    *result = r;
    return 0;
}

int cmd_save(struct json_object *args, struct json_object **result, char *err,
             size_t errlen)
{
    return with_fault(save, args, result, err, errlen);
}

static int restore(struct json_object *args, struct json_object **result,
                   char *err, size_t errlen)
{
    struct migrate_restore_opts o = {0};
    const char *path;
    int fd, rc;

    if (ctl_get_str(args, "file", &path) || path[0] != '/') {
        snprintf(err, errlen, "'file' must be an absolute path");
        return -EINVAL;
    }
    if (ctl_get_str(args, "name", &o.name) == -EINVAL ||
        ctl_get_bool(args, "paused", &o.paused) == -EINVAL) {
        snprintf(err, errlen, "'name' is a string, 'paused' a boolean");
        return -EINVAL;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot open %.256s: %s", path, strerror(-rc));
        return rc;
    }
    rc = restore_from(fd, &o, false, result, err, errlen);
    close(fd);
    return rc;
}

int cmd_restore(struct json_object *args, struct json_object **result,
                char *err, size_t errlen)
{
    return with_fault(restore, args, result, err, errlen);
}

static int receive(struct json_object *args, struct json_object **result,
                   char *err, size_t errlen)
{
    struct migrate_restore_opts o = {0};
    uint64_t count = 0;
    int fd = server_current_client_fd();

    if (ctl_get_u64(args, "count", &count) || count == 0 ||
        count > MIGRATE_MAX_DOMAINS) {
        snprintf(err, errlen, "'count' must be 1..%d", MIGRATE_MAX_DOMAINS);
        return -EINVAL;
    }
    if (fd < 0) {
        snprintf(err, errlen, "no connection to receive on");
        return -EINVAL;
    }
    o.count = (unsigned int)count;
    return restore_from(fd, &o, true, result, err, errlen);
}

int cmd_migrate_receive(struct json_object *args, struct json_object **result,
                        char *err, size_t errlen)
{
    return with_fault(receive, args, result, err, errlen);
}

/* ---- migrate
 * ------------------------------------------------------------------ */

/*
 * The connection to the target: its rundir's socket, or "fd", the
 * descriptor the client passed with the request. xhvd opens no network
 * connection of its own: TCP, TLS and ssh are the CLI's business
 * (docs/migration.md), so the daemon never links a TLS library and never
 * resolves a host name.
 */
static int take_passed_dest(int *fd, char *err, size_t errlen)
{
    struct stat st;
    int pfd = server_take_passed_fd();

    if (pfd < 0) {
        snprintf(err, errlen,
                 "'dest' is \"fd\" but no descriptor came with the request "
                 "(SCM_RIGHTS)");
        return -EBADF;
    }
    if (fstat(pfd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen,
                 "the descriptor passed for 'dest' is not a "
                 "socket");
        close(pfd);
        return -EINVAL;
    }
    *fd = pfd;
    return 0;
}

static int connect_dest(const char *dest, int *fd, char *err, size_t errlen)
{
    if (strcmp(dest, "fd") == 0)
        return take_passed_dest(fd, err, errlen);
    if (strncmp(dest, "unix:", 5) == 0)
        dest += 5;
    if (dest[0] != '/') {
        snprintf(err, errlen,
                 "destination '%.64s' is neither \"fd\" (a connection "
                 "passed with the request) nor an absolute rundir",
                 dest);
        return -EINVAL;
    }
    return ctl_connect(dest, fd, err, errlen);
}

/* Sends the request frame that turns the connection into a receiver;
 * fault (tests, "" for none) is armed in the target for its part. */
static int send_hello(int fd, unsigned int n, const char *fault)
{
    char msg[160];
    int len = snprintf(
        msg, sizeof(msg),
        "{\"cmd\":\"migrate-receive\",\"args\":{\"count\":%u%s%.64s%s}}", n,
        fault[0] ? ",\"fault\":\"" : "", fault, fault[0] ? "\"" : "");

    return ctl_write_msg(fd, msg, (size_t)len);
}

/* The target's answer: 0 when it says the domains run. */
static int read_answer_within(int fd, struct json_object **ans, char *err,
                              size_t errlen, int timeout_ms)
{
    char *buf = NULL, perr[128] = "";
    size_t len = 0;
    struct json_object *a;
    bool ok = false;
    int rc;

    rc = ctl_read_msg(fd, &buf, &len, timeout_ms);
    if (rc) {
        snprintf(err, errlen,
                 "the target did not confirm (%s): the domains resume here",
                 strerror(-rc));
        return rc;
    }
    a = ctl_json_parse(buf, len, perr, sizeof(perr));
    xhv_free(buf);
    if (!a) {
        /* Not a refusal: an answer we could not read says nothing of
         * what the target did. */
        snprintf(err, errlen, "the target's answer cannot be read (%s)", perr);
        return -EBADMSG;
    }
    if (ctl_get_bool(a, "ok", &ok) || !ok) {
        const char *msg = "malformed answer";

        ctl_get_str(a, "message", &msg);
        snprintf(err, errlen, "the target refused: %.400s", msg);
        json_object_put(a);
        return -ECONNABORTED;
    }
    *ans = a;
    return 0;
}

/* The target's "ready": 0, or its refusal, or why it never came. */
static int read_ready(int fd, char *err, size_t errlen)
{
    char *buf = NULL, perr[128] = "";
    struct json_object *a, *ready = NULL;
    const char *msg = "malformed answer";
    size_t len = 0;
    int rc;

    rc = ctl_read_msg(fd, &buf, &len, ANSWER_TIMEOUT_MS);
    if (rc) {
        snprintf(err, errlen,
                 "the target did not say it was ready (%s): the domains "
                 "resume here",
                 strerror(-rc));
        return rc;
    }
    a = ctl_json_parse(buf, len, perr, sizeof(perr));
    xhv_free(buf);
    if (a && json_object_object_get_ex(a, "ready", &ready)) {
        json_object_put(a);
        return 0;
    }
    if (a)
        ctl_get_str(a, "message", &msg);
    snprintf(err, errlen, "the target refused: %.400s", msg);
    json_object_put(a);
    return -ECONNABORTED;
}

static int read_answer(int fd, struct json_object **ans, char *err,
                       size_t errlen)
{
    return read_answer_within(fd, ans, err, errlen, ANSWER_TIMEOUT_MS);
}

/* Sends a round's figures to the client as an extra frame before the
 * answer. Formatted on the stack: a report must not add an allocation
 * (a fault site) to the migration. A client that stopped reading gets
 * no more of them; the migration goes on. */
static void send_progress(const struct migrate_progress *p, void *opaque)
{
    bool *broken = opaque;
    char msg[512];
    int len;

    if (*broken)
        return;
    len = snprintf(
        msg, sizeof(msg),
        "{\"progress\":{\"domid\":%u,\"round\":%u,\"final\":%s,"
        "\"pages\":%llu,\"bytes\":%llu,\"total_bytes\":%llu,"
        "\"round_ns\":%llu,\"rate_bps\":%llu,\"dirty_pps\":%llu,"
        "\"est_downtime_ns\":%llu}}",
        p->domid, p->round, p->final ? "true" : "false",
        (unsigned long long)p->pages, (unsigned long long)p->bytes,
        (unsigned long long)p->total_bytes, (unsigned long long)p->round_ns,
        (unsigned long long)p->rate_bps, (unsigned long long)p->dirty_pps,
        (unsigned long long)p->est_downtime_ns);
    if (len > 0 && (size_t)len < sizeof(msg) &&
        server_send_frame(msg, (size_t)len))
        *broken = true;
}

struct mig_args {
    const char *dest, *fault, *target_fault;
    bool live, progress;
    uint64_t max_downtime_ms, max_rounds;
};

static int migrate_args(struct json_object *args, struct mig_args *m, char *err,
                        size_t errlen)
{
    int rc = 0;

    *m = (struct mig_args){.live = true,
                           .max_downtime_ms = 50,
                           .max_rounds = 10,
                           .fault = "",
                           .target_fault = ""};
    if (ctl_get_str(args, "dest", &m->dest)) {
        snprintf(err, errlen, "missing string argument 'dest'");
        return -EINVAL;
    }
    if (ctl_get_bool(args, "live", &m->live) == -EINVAL ||
        ctl_get_u64(args, "max_downtime_ms", &m->max_downtime_ms) == -EINVAL ||
        ctl_get_u64(args, "max_rounds", &m->max_rounds) == -EINVAL ||
        ctl_get_str(args, "fault", &m->fault) == -EINVAL ||
        ctl_get_str(args, "target_fault", &m->target_fault) == -EINVAL ||
        strspn(m->target_fault, "abcdefghijklmnopqrstuvwxyz_*:+0123456789") !=
            strlen(m->target_fault) ||
        ctl_get_bool(args, "progress", &m->progress) == -EINVAL ||
        m->max_rounds == 0 || m->max_rounds > MIGRATE_MAX_ROUNDS) {
        snprintf(err, errlen,
                 "bad argument: live is a boolean, max_rounds 1..%d, "
                 "max_downtime_ms a number, fault and target_fault "
                 "SITE:N, progress a boolean",
                 MIGRATE_MAX_ROUNDS);
        return -EINVAL;
    }
    if (m->fault[0] && fault_arm_spec(m->fault)) {
        snprintf(err, errlen, "bad fault rule '%.64s'", m->fault);
        rc = -EINVAL;
    }
    return rc;
}

int cmd_migrate(struct json_object *args, struct json_object **result,
                char *err, size_t errlen)
{
    struct domain *doms[MIGRATE_MAX_DOMAINS];
    struct json_object *ans = NULL, *r = NULL;
    struct migrate_opts o = {.config_of = config_of};
    struct migrate_stats st;
    struct mig_writer w;
    struct mig_args m;
    struct fdio io = {.fd = -1};
    uint64_t t0 = mono_ns(), t_end;
    unsigned int n = 0;
    bool progress_broken = false;
    int rc;

    rc = migrate_args(args, &m, err, errlen);
    /* A passed descriptor first: it is closed on every refusal below. */
    if (!rc && strcmp(m.dest, "fd") == 0)
        rc = connect_dest(m.dest, &io.fd, err, errlen);
    if (!rc)
        rc = find_domains(args, doms, &n, err, errlen);
    if (!rc && io.fd < 0)
        rc = connect_dest(m.dest, &io.fd, err, errlen);
    if (!rc &&
        (fault_fire("mig_connect") || send_hello(io.fd, n, m.target_fault))) {
        snprintf(err, errlen, "cannot talk to the target");
        rc = -EPIPE;
    }
    if (rc)
        goto out;
    o.live = m.live;
    o.max_rounds = (unsigned int)m.max_rounds;
    o.max_downtime_ns = m.max_downtime_ms * 1000000ULL;
    if (m.progress) {
        o.progress = send_progress;
        o.progress_opaque = &progress_broken;
    }
    mig_writer_init(&w, fd_write, &io);
    rc = migrate_save(doms, n, &w, &o, &st, err, errlen);
    if (rc) {
        /* A target that refused the stream answered, then dropped the
         * connection: its reason, if it is there, beats our EPIPE. Any
         * other failure is ours, and the target has nothing to say. */
        char why[512] = "";

        if ((rc == -EPIPE || rc == -ECONNRESET) &&
            read_answer_within(io.fd, &ans, why, sizeof(why), 1000) ==
                -ECONNABORTED)
            snprintf(err, errlen, "%s", why);
        goto out; /* migrate_save unparked them */
    }
    /* The hand-over (hand_over() is the other half): "ready" from the
     * target, which holds the domains paused; our "go"; its answer. */
    rc = read_ready(io.fd, err, errlen);
    if (!rc &&
        (fault_fire("mig_go") || ctl_write_msg(io.fd, "{\"go\":true}", 11))) {
        /* Not sent whole: the target sees no go and destroys its copy. */
        snprintf(err, errlen,
                 "cannot tell the target to start the domains: they resume "
                 "here");
        rc = -EPIPE;
    }
    if (rc) {
        migrate_unpark(doms, n);
        goto out;
    }
    rc = read_answer(io.fd, &ans, err, errlen);
    t_end = mono_ns();
    if (rc == -ECONNABORTED) {
        migrate_unpark(doms, n); /* it could not start them: destroyed */
        goto out;
    }
    if (rc) {
        /* Told to go, but no word after: they may run there. Neither
         * running them here (twice) nor destroying them (never) is safe;
         * the operator decides, as after xl's lost confirmation. */
        unsigned int i;

        migrate_unpark(doms, n);
        for (i = 0; i < n; i++)
            domain_pause(doms[i]);
        snprintf(err, errlen,
                 "the target was told to start the domains, but its answer "
                 "was lost (%s): they are left paused here. If they run on "
                 "the target, destroy them here; else unpause them here",
                 strerror(-rc));
        rc = -EPROTO;
        goto out;
    }
    /* The target runs them: ours go. */
    kill_all(doms, n);
    fault_benign_begin();
    r = ctl_obj();
    if (r) {
        struct json_object *res = NULL;
        int frc = stats_json(&st, r);

        if (!frc)
            frc =
                ctl_add(r, "downtime_ns", ctl_u64(t_end - st.dom[0].parked_ns));
        if (!frc)
            frc = ctl_add(r, "total_ns", ctl_u64(t_end - t0));
        if (!frc && json_object_object_get_ex(ans, "result", &res))
            frc = ctl_add(r, "target", json_object_get(res));
        if (frc) {
            json_object_put(r);
            r = NULL;
        }
    }
    fault_benign_end();
    *result = r;
out:
    json_object_put(ans);
    if (io.fd >= 0)
        close(io.fd);
    put_all(doms, n);
    if (m.fault && m.fault[0])
        fault_disarm();
    return rc;
}
