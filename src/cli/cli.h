/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xhv, the command-line tool, in the style of Xen's xl. It talks to xhvd
 * only through the control protocol (src/ctl/ctl.h).
 */
#ifndef XHV_CLI_CLI_H
#define XHV_CLI_CLI_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctl/ctl.h"

struct cli_cmd {
    const char *name;
    const char *args;    /* usage after the command name */
    const char *summary; /* one line for `xhv help` */
    const char *help;    /* the rest of `xhv help CMD` */
    int (*fn)(int argc, char **argv);
};

extern const char *cli_rundir;

const struct cli_cmd *cli_find(const char *name);
void cli_usage_error(const struct cli_cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* True (and help printed) when argv holds -h or --help. */
bool cli_wants_help(const struct cli_cmd *c, int argc, char **argv);
void cli_print_help(const struct cli_cmd *c);

/*
 * One request to xhvd. On success returns 0 with *result set (caller
 * puts it). On failure prints "xhv: CMD: message (ENAME)" and returns the
 * exit status to use (1).
 */
int cli_call(const char *cmd, struct json_object *args,
             struct json_object **result);
/* The same, passing each progress frame before the answer to progress. */
int cli_call_progress(const char *cmd, struct json_object *args,
                      ctl_progress_fn progress, void *opaque,
                      struct json_object **result);

/* JSON getters for printing: missing fields read as 0 / "". */
const char *jstr(struct json_object *o, const char *key);
unsigned long long ju64(struct json_object *o, const char *key);
double jdouble(struct json_object *o, const char *key);
bool jbool(struct json_object *o, const char *key);

int cmd_create(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_dmesg(int argc, char **argv);
int cmd_debug_keys(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_evtchn(int argc, char **argv);
int cmd_grants(int argc, char **argv);
int cmd_live_update(int argc, char **argv);
/* migrate.c, migrate_receive.c */
int cmd_save(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_migrate_receive(int argc, char **argv);

/* tls.c: GnuTLS for migration over TCP (docs/migration.md). */
struct cli_tls_opts {
    const char *psk;             /* --tls-psk FILE: "identity:hexkey" */
    const char *cert, *key, *ca; /* --tls-cert, --tls-key, --tls-ca */
    const char *name;            /* --tls-name: the receiver's name */
};
struct cli_tls;
/* True when any TLS option was given. */
bool cli_tls_wanted(const struct cli_tls_opts *o);
/* One kind of credentials, complete; --tls-name only for a sender. */
int cli_tls_check_opts(const struct cli_tls_opts *o, bool sender, char *err,
                       size_t errlen);
/* Reads and checks the files (a secret must be mode 0600 or stricter)
 * and makes a session; nothing is connected yet. */
int cli_tls_new(const struct cli_tls_opts *o, bool server, struct cli_tls **out,
                char *err, size_t errlen);
/* The handshake on connected socket fd: 0 once the peer is
 * authenticated. host: the name the receiver's certificate must carry
 * when no --tls-name was given (sender). */
int cli_tls_handshake(struct cli_tls *t, int fd, const char *host, char *err,
                      size_t errlen);
/* "TLS1.3, pre-shared key 'id'" or "TLS1.3, peer certificate DN". */
void cli_tls_describe(struct cli_tls *t, char *buf, size_t len);
/* Non-blocking record I/O: bytes, 0 at the peer's close_notify, -EAGAIN,
 * or -EPROTO with the reason in err. */
ssize_t cli_tls_recv(struct cli_tls *t, void *buf, size_t len, char *err,
                     size_t errlen);
ssize_t cli_tls_send(struct cli_tls *t, const void *buf, size_t len, char *err,
                     size_t errlen);
/* Decrypted bytes are waiting (the socket itself may be quiet). */
bool cli_tls_pending(struct cli_tls *t);
/* Sends close_notify (our end of the stream); -EAGAIN: call again. */
int cli_tls_bye(struct cli_tls *t);
void cli_tls_free(struct cli_tls *t);

/* relay.c: copies both ways between two ends until both ways end. */
struct cli_end {
    int rfd, wfd;        /* one socket, or stdin and stdout */
    struct cli_tls *tls; /* if set, bytes go through it (on rfd) */
    const char *what;    /* for messages: "the receiver", "xhvd" */
};
/* stop_fd (or -1): once readable, what is left has a short time to end.
 * Returns 0, or the first error with its message in err. */
int cli_relay(struct cli_end *a, struct cli_end *b, int stop_fd, char *err,
              size_t errlen);

/* migrate_dest.c: the connection to a migration's DEST. */
struct cli_mig_opts {
    struct cli_tls_opts tls;
    bool insecure;
    const char *ssh_cmd;       /* -s: "ssh" */
    const char *remote_xhv;    /* --remote-xhv: "xhv" */
    const char *remote_rundir; /* --remote-rundir, or NULL */
};
/*
 * Sends the migrate request (args consumed) to the local xhvd with the
 * connection to dest: a tcp: one (TLS, or plaintext with --insecure) or
 * an ssh: one, passed with the request; or, for a rundir, its path.
 * Progress frames go to progress. Returns the exit status (0, or 1 with
 * the reason printed).
 */
int cli_migrate_call(const char *dest, const struct cli_mig_opts *o,
                     struct json_object *args, ctl_progress_fn progress,
                     struct json_object **result);
/* An ssh: DEST's host and the words added to ssh's command line: what
 * the remote shell will not split or expand, no option for ssh. */
int cli_migrate_check_ssh(const char *host, const struct cli_mig_opts *o,
                          char *err, size_t errlen);

#endif /* XHV_CLI_CLI_H */
