/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The connection to a migration's DEST, made by the CLI and handed to
 * xhvd with the migrate request ("dest": "fd", the descriptor passed as
 * SCM_RIGHTS; docs/control-protocol.md). xhvd writes the stream on it and
 * reads the target's answer from it, exactly as on a rundir's socket.
 *
 *  - tcp: with --insecure: the TCP socket itself.
 *  - tcp: with TLS: after the handshake has authenticated the receiver,
 *    one end of a socketpair; a relay thread copies between the other
 *    end and the TLS session while this thread reads the progress frames
 *    and the answer from the control connection. The thread owns the
 *    session and the TCP socket until it is joined.
 *  - ssh:[USER@]HOST: one end of a socketpair whose other end is the
 *    stdin and stdout of `CMD HOST XHV [--rundir DIR] migrate-receive
 *    --stdio` (CMD is -s, split on spaces as xl does; its stderr is ours).
 *    The child is always reaped: after the answer it has a bounded time
 *    to exit, then it is terminated.
 *
 * Whatever fails, xhvd sees the connection end and unparks the domains;
 * the source never destroys a domain the target has not confirmed.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ctl/ctl.h"

#define SSH_EXIT_WAIT_MS 30000
#define SSH_ARGS_MAX     32

static int call_xhvd(int ctl, struct json_object *args, int pass_fd,
                     ctl_progress_fn progress, struct json_object **result)
{
    char err[1024] = "";
    int rc = ctl_call_progress_fd(ctl, "migrate", args, pass_fd, progress, NULL,
                                  result, err, sizeof(err));

    if (rc)
        fprintf(stderr, "xhv: migrate: %s (%s)\n", err, ctl_errno_name(rc));
    return rc;
}

static int connect_local(int *ctl, struct json_object *args)
{
    char err[512] = "";

    if (ctl_connect(cli_rundir, ctl, err, sizeof(err)) == 0)
        return 0;
    json_object_put(args);
    fprintf(stderr, "xhv: %s\n", err);
    return -1;
}

/* ---- tcp:HOST:PORT --------------------------------------------------- */

static int split_host_port(const char *spec, char *host, size_t hlen,
                           const char **port)
{
    const char *colon = strrchr(spec, ':');
    size_t n;

    if (!colon || colon == spec || !colon[1])
        return -EINVAL;
    n = (size_t)(colon - spec);
    /* [v6]:port */
    if (spec[0] == '[' && spec[n - 1] == ']') {
        spec++;
        n -= 2;
    }
    if (n == 0 || n >= hlen)
        return -EINVAL;
    memcpy(host, spec, n);
    host[n] = '\0';
    *port = colon + 1;
    return 0;
}

static int tcp_connect(const char *host, const char *port, int *out)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL, *a;
    int s = -1, rc, one = 1;

    rc = getaddrinfo(host, port, &hints, &ai);
    if (rc) {
        fprintf(stderr, "xhv migrate: %s:%s: %s\n", host, port,
                gai_strerror(rc));
        return -EHOSTUNREACH;
    }
    for (a = ai; a; a = a->ai_next) {
        s = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (s >= 0 && connect(s, a->ai_addr, a->ai_addrlen) == 0)
            break;
        rc = errno;
        if (s >= 0)
            close(s);
        s = -1;
    }
    freeaddrinfo(ai);
    if (s < 0) {
        fprintf(stderr, "xhv migrate: cannot connect to %s:%s: %s\n", host,
                port, strerror(rc));
        return -rc;
    }
    /* The last records and the answer are small: Nagle's algorithm with
     * the peer's delayed ACK would add up to 200 ms of downtime. */
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    *out = s;
    return 0;
}

struct tls_pump {
    struct cli_end net, local;
    int stop_fd;
    int rc;
    char err[512];
};

static void *pump_main(void *opaque)
{
    struct tls_pump *p = opaque;

    p->rc = cli_relay(&p->net, &p->local, p->stop_fd, p->err, sizeof(p->err));
    /* A broken session: xhvd must notice at once, not at its timeout. */
    if (p->rc)
        shutdown(p->local.rfd, SHUT_RDWR);
    return NULL;
}

/* The TLS case: handshake, then the relay thread around the call. */
static int call_over_tls(int ctl, int tcp, const char *host, const char *spec,
                         struct cli_tls *tls, struct json_object *args,
                         ctl_progress_fn progress, struct json_object **result)
{
    struct tls_pump p = {.stop_fd = -1};
    pthread_t th;
    uint64_t one = 1;
    char err[512], desc[256];
    int sp[2] = {-1, -1}, rc;

    rc = cli_tls_handshake(tls, tcp, host, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "xhv migrate: TLS handshake with %s failed: %s\n", spec,
                err);
        json_object_put(args);
        return rc;
    }
    cli_tls_describe(tls, desc, sizeof(desc));
    /* TLS 1.3: the receiver checks our certificate after this, so it may
     * still refuse, at the first bytes of the stream. */
    printf("  TLS to %s: %s\n", spec, desc);
    fflush(stdout);
    p.stop_fd = eventfd(0, EFD_CLOEXEC);
    if (p.stop_fd < 0 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
        rc = -errno;
        fprintf(stderr, "xhv migrate: %s\n", strerror(-rc));
        json_object_put(args);
        goto out;
    }
    p.net = (struct cli_end){tcp, tcp, tls, "the receiver"};
    p.local = (struct cli_end){sp[1], sp[1], NULL, "xhvd"};
    rc = -pthread_create(&th, NULL, pump_main, &p);
    if (rc) {
        fprintf(stderr, "xhv migrate: relay thread: %s\n", strerror(-rc));
        json_object_put(args);
        goto out;
    }
    rc = call_xhvd(ctl, args, sp[0], progress, result);
    /* xhvd has closed its copy: with ours gone the relay sees the end. */
    close(sp[0]);
    sp[0] = -1;
    if (write(p.stop_fd, &one, sizeof(one)) < 0)
        perror("xhv migrate: eventfd");
    pthread_join(th, NULL);
    if (p.rc && rc)
        fprintf(stderr, "xhv migrate: the TLS connection to %s: %s\n", spec,
                p.err);
out:
    if (sp[0] >= 0)
        close(sp[0]);
    if (sp[1] >= 0)
        close(sp[1]);
    if (p.stop_fd >= 0)
        close(p.stop_fd);
    return rc;
}

static int call_tcp(const char *spec, const struct cli_mig_opts *o,
                    struct json_object *args, ctl_progress_fn progress,
                    struct json_object **result)
{
    struct cli_tls *tls = NULL;
    char host[256], err[512];
    const char *port;
    int ctl = -1, tcp = -1, rc;

    if (split_host_port(spec, host, sizeof(host), &port)) {
        fprintf(stderr, "xhv migrate: tcp:HOST:PORT expected, not 'tcp:%s'\n",
                spec);
        json_object_put(args);
        return 1;
    }
    /* Every file is checked before anything is connected. */
    if (!o->insecure && cli_tls_new(&o->tls, false, &tls, err, sizeof(err))) {
        fprintf(stderr, "xhv migrate: %s\n", err);
        json_object_put(args);
        return 1;
    }
    rc = connect_local(&ctl, args);
    if (!rc) {
        rc = tcp_connect(host, port, &tcp);
        if (rc)
            json_object_put(args);
    }
    if (!rc && tls)
        rc = call_over_tls(ctl, tcp, host, spec, tls, args, progress, result);
    else if (!rc)
        rc = call_xhvd(ctl, args, tcp, progress, result);
    if (tcp >= 0)
        close(tcp);
    if (ctl >= 0)
        close(ctl);
    cli_tls_free(tls);
    return rc ? 1 : 0;
}

/* ---- ssh:[USER@]HOST ------------------------------------------------- */

/*
 * ssh hands the words after HOST to the remote shell as one line, so a
 * word that the shell would split or expand could run something else
 * there: only plain path characters are allowed in what we add. A HOST
 * starting with '-' would be an option to ssh.
 */
static bool shell_safe(const char *s)
{
    return s[0] && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
                             "QRSTUVWXYZ0123456789/._+,:@%=-") == strlen(s);
}

int cli_migrate_check_ssh(const char *host, const struct cli_mig_opts *o,
                          char *err, size_t errlen)
{
    char words[1024], *save = NULL, *w;
    int n = 0;

    if (!shell_safe(host) || host[0] == '-' || !shell_safe(o->remote_xhv) ||
        (o->remote_rundir && !shell_safe(o->remote_rundir))) {
        snprintf(err, errlen,
                 "the ssh host, --remote-xhv and --remote-rundir may hold "
                 "only letters, digits and /._+,:@%%=- (and the host may "
                 "not start with '-')");
        return -EINVAL;
    }
    snprintf(words, sizeof(words), "%s", o->ssh_cmd);
    for (w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save))
        n++;
    if (n == 0 || n > SSH_ARGS_MAX - 8 || strlen(o->ssh_cmd) >= sizeof(words)) {
        snprintf(err, errlen, "-s: %s",
                 n ? "too many words" : "an empty command");
        return -EINVAL;
    }
    return 0;
}

/* argv for the child; checked by cli_migrate_check_ssh() already. */
static void ssh_argv(const char *host, const struct cli_mig_opts *o,
                     char *words, char **argv)
{
    char *save = NULL, *w;
    int n = 0;

    for (w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save))
        argv[n++] = w;
    argv[n++] = (char *)host;
    argv[n++] = (char *)o->remote_xhv;
    if (o->remote_rundir) {
        argv[n++] = "--rundir";
        argv[n++] = (char *)o->remote_rundir;
    }
    argv[n++] = "migrate-receive";
    argv[n++] = "--stdio";
    argv[n] = NULL;
}

static int spawn(char **argv, int sock, pid_t *pid)
{
    *pid = fork();
    if (*pid < 0) {
        perror("xhv migrate: fork");
        return -errno;
    }
    if (*pid == 0) {
        /* dup2 clears close-on-exec on 0 and 1; everything else of ours
         * (the control socket, the other end) is close-on-exec. */
        if (dup2(sock, 0) < 0 || dup2(sock, 1) < 0)
            _exit(127);
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[0], argv);
        fprintf(stderr, "xhv migrate: cannot run '%s': %s\n", argv[0],
                strerror(errno));
        _exit(127);
    }
    return 0;
}

/* Waits (bounded) for the child, then ends it; always reaps it. */
static int reap(pid_t pid, int wait_ms)
{
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0), status = 0;
    struct pollfd p = {.fd = pfd, .events = POLLIN};

    if (pfd >= 0 && poll(&p, 1, wait_ms) == 0) {
        kill(pid, SIGTERM);
        if (poll(&p, 1, 2000) == 0)
            kill(pid, SIGKILL);
    } else if (pfd < 0) {
        kill(pid, SIGTERM); /* no pidfd: do not wait on it unbounded */
    }
    if (pfd >= 0)
        close(pfd);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

static void report_child(const char *cmd, int status, bool failed)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return;
    if (WIFEXITED(status))
        fprintf(stderr, "xhv migrate: '%s' exited with status %d%s\n", cmd,
                WEXITSTATUS(status),
                failed ? " (its messages are above); the domains run on here"
                       : "");
    else
        fprintf(stderr, "xhv migrate: '%s' was killed by signal %d\n", cmd,
                WTERMSIG(status));
}

static int call_ssh(const char *host, const struct cli_mig_opts *o,
                    struct json_object *args, ctl_progress_fn progress,
                    struct json_object **result)
{
    char words[1024], *argv[SSH_ARGS_MAX];
    int ctl = -1, sp[2] = {-1, -1}, rc;
    pid_t pid = -1;

    snprintf(words, sizeof(words), "%s", o->ssh_cmd);
    ssh_argv(host, o, words, argv);
    if (connect_local(&ctl, NULL)) {
        json_object_put(args);
        return 1;
    }
    rc =
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0 ? -errno : 0;
    if (!rc)
        rc = spawn(argv, sp[1], &pid);
    if (sp[1] >= 0)
        close(sp[1]); /* the child's now: its exit is our EOF */
    if (rc) {
        json_object_put(args);
    } else {
        rc = call_xhvd(ctl, args, sp[0], progress, result);
        /* With xhvd's copy gone, this close is the child's EOF. */
        close(sp[0]);
        sp[0] = -1;
        report_child(o->ssh_cmd, reap(pid, SSH_EXIT_WAIT_MS), rc != 0);
    }
    if (sp[0] >= 0)
        close(sp[0]);
    close(ctl);
    return rc ? 1 : 0;
}

int cli_migrate_call(const char *dest, const struct cli_mig_opts *o,
                     struct json_object *args, ctl_progress_fn progress,
                     struct json_object **result)
{
    bool passed =
        strncmp(dest, "tcp:", 4) == 0 || strncmp(dest, "ssh:", 4) == 0;

    if (ctl_add(args, "dest", ctl_str(passed ? "fd" : dest))) {
        json_object_put(args);
        fprintf(stderr, "xhv: out of memory\n");
        return 1;
    }
    if (strncmp(dest, "tcp:", 4) == 0)
        return call_tcp(dest + 4, o, args, progress, result);
    if (strncmp(dest, "ssh:", 4) == 0)
        return call_ssh(dest + 4, o, args, progress, result);
    return cli_call_progress("migrate", args, progress, NULL, result);
}
