/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xhv console: a domain's console output. --log prints what xhvd retains
 * (the newest 64 KiB) and exits; otherwise the output is followed until
 * Ctrl-] is pressed or the domain goes away. Input to the guest is not
 * forwarded yet.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ctl/ctl.h"

#define POLL_MS 100
/* A follower rides through a live update: the request it had in flight
 * when the old xhvd exited fails with the connection, and the next one
 * reaches the new xhvd. So connection failures are retried, this many
 * times in a row (POLL_MS apart) before the follower gives up. */
#define RETRIES  50
#define CTRL_RSB 0x1d /* Ctrl-] */

static bool transient(int rc)
{
    return rc == -ECONNRESET || rc == -EPIPE || rc == -ECONNREFUSED ||
           rc == -ETIMEDOUT;
}

/* One read from offset *off; returns 1 if the domain is gone, 2 if
 * stdout's reader is. quiet:
 * connection failures are not reported (the caller retries them). */
static int fetch(const char *dom, unsigned long long *off, bool quiet_gone,
                 bool quiet)
{
    struct json_object *args = ctl_obj(), *r;
    char err[512];
    int fd, rc;

    if (!args || ctl_add(args, "domain", ctl_str(dom)) ||
        ctl_add(args, "offset", ctl_u64(*off)))
        return -ENOMEM;
    rc = ctl_connect(cli_rundir, &fd, err, sizeof(err));
    if (rc) {
        json_object_put(args);
        if (!quiet || !transient(rc))
            fprintf(stderr, "xhv: %s\n", err);
        return rc;
    }
    rc = ctl_call(fd, "console", args, &r, err, sizeof(err));
    close(fd);
    if (rc == -ENOENT && quiet_gone)
        return 1;
    if (rc) {
        if (!quiet || !transient(rc))
            fprintf(stderr, "xhv: console: %s (%s)\n", err, ctl_errno_name(rc));
        return rc;
    }
    fputs(jstr(r, "data"), stdout);
    *off = ju64(r, "next");
    json_object_put(r);
    /* SIGPIPE is ignored (main.c), so a failed flush is how a follower
     * learns that its reader went away (`xhv console d | grep -m1 x`):
     * 2, not a connection error to retry. */
    return fflush(stdout) == EOF ? 2 : 0;
}

static int follow(const char *dom, unsigned long long off)
{
    struct termios saved, raw;
    bool tty = isatty(STDIN_FILENO);
    int rc = 0, tries = 0;

    if (tty && tcgetattr(STDIN_FILENO, &saved) == 0) {
        raw = saved;
        raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
        tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    fprintf(stderr, "[connected to %s's console; Ctrl-] to detach]\n", dom);
    for (;;) {
        struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
        char c;

        if (tty && poll(&p, 1, POLL_MS) > 0 && read(STDIN_FILENO, &c, 1) == 1 &&
            c == CTRL_RSB)
            break;
        if (!tty)
            poll(NULL, 0, POLL_MS);
        rc = fetch(dom, &off, true, tries + 1 < RETRIES);
        if (rc < 0 && transient(rc) && ++tries < RETRIES)
            continue;
        tries = 0;
        if (rc) {
            if (rc == 1)
                fprintf(stderr, "\n[domain %s is gone]\n", dom);
            rc = rc == 1 || rc == 2 ? 0 : 1;
            break;
        }
    }
    if (tty)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    return rc;
}

int cmd_console(int argc, char **argv)
{
    const struct cli_cmd *c = cli_find("console");
    unsigned long long off = 0;
    bool log_only = false;
    int i, rc;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--log") == 0 || strcmp(argv[i], "-l") == 0) {
            log_only = true;
        } else {
            cli_usage_error(c, "unknown option '%s'", argv[i]);
            return 2;
        }
    }
    if (i != argc - 1) {
        cli_usage_error(c, "need one DOMAIN");
        return 2;
    }
    rc = fetch(argv[i], &off, false, false);
    if (rc)
        return 1;
    return log_only ? 0 : follow(argv[i], off);
}
