/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xhv, the command-line tool, in the style of Xen's xl. It talks to xhvd
 * only through the control protocol (src/ctl/ctl.h).
 */
#ifndef XHV_CLI_CLI_H
#define XHV_CLI_CLI_H

#include <json-c/json.h>
#include <stdbool.h>

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
/* migrate.c */
int cmd_save(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_migrate_receive(int argc, char **argv);

#endif /* XHV_CLI_CLI_H */
