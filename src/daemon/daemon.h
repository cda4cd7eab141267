/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xhvd: the daemon. One per host: it owns machine memory and every domain,
 * and answers the control protocol (src/ctl/ctl.h) on one epoll loop.
 *
 * Requests are handled one at a time on the loop thread, so a command
 * never races another command; vCPU threads (a later backend) are the only
 * other threads, and they enter through the hypercall layer.
 */
#ifndef XHV_DAEMON_DAEMON_H
#define XHV_DAEMON_DAEMON_H

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/domain.h"
#include "lib/log.h"

struct daemon_opts {
    uint64_t mem_bytes;
    uint64_t scratch_bytes;
    char rundir[PATH_MAX];
    bool foreground;
    enum log_level log_level;
    int lu_fd;      /* --lu-fd: a live update's new xhvd, or -1 */
    int lu_exec_fd; /* --lu-exec-fd: an exec-mode update's new image, or -1 */
};

struct daemon_state {
    struct daemon_opts opts;
    uint64_t started_ns;
    bool stopping;
    /* Live update. generation counts the xhvd processes since the first
     * (0); scratch_half is the half this one boots its xenheap in. */
    uint64_t generation;
    unsigned int scratch_half;
    int pidfd;                /* the locked pidfile */
    int inherited_listen_fd;  /* from the old xhvd, or -1 */
    char self_path[PATH_MAX]; /* the binary, for live-update's default */
    bool lu_handed_over;      /* answer the command, then _exit(0) */
};

extern struct daemon_state xhvd;

/*
 * Handles one request message and produces the answer text (an
 * xhv_malloc'd string). Never fails to answer: a malformed request gets
 * an error answer and changes nothing. Returns -ENOMEM only when even the
 * answer cannot be built.
 */
int daemon_handle_request(const char *msg, size_t len, char **answer,
                          size_t *answer_len);

/* A command handler: args may be NULL; on error fills err and returns
 * -errno; on success sets *result (may stay NULL for "{}"). */
typedef int (*cmd_fn)(struct json_object *args, struct json_object **result,
                      char *err, size_t errlen);

struct daemon_cmd {
    const char *name;
    cmd_fn fn;
    const char *const *args; /* the argument names it takes; NULL-ended */
};

const struct daemon_cmd *daemon_find_cmd(const char *name);

/* The answer text for a command's outcome, as daemon_handle_request()
 * builds it: {"ok":true,"result":...} or the structured error. Takes
 * result (may be NULL). Used by an exec-mode live update's new image to
 * answer the command that the old image received. */
int daemon_answer(int rc, struct json_object *result, const char *err,
                  char **out, size_t *out_len);

/* The domain named by args' "domain" (a name or an id), with a reference;
 * -EINVAL without the argument, -ENOENT without such a domain. */
struct domain;
int daemon_find_domain(struct json_object *args, struct domain **d, char *err,
                       size_t errlen);

/* Ends a handler: on rc == 0 hands r over as the result, else drops it. */
int cmd_finish(struct json_object *r, int rc, struct json_object **result);

/* Adds a field while rc is 0; val is not even built once rc is set. */
#define CMD_ADD(o, key, val)                                                   \
    do {                                                                       \
        if (!rc)                                                               \
            rc = ctl_add(o, key, val);                                         \
    } while (0)

/* cmd_domain.c / cmd_host.c */
int cmd_create(struct json_object *, struct json_object **, char *, size_t);
int cmd_list(struct json_object *, struct json_object **, char *, size_t);
int cmd_pause(struct json_object *, struct json_object **, char *, size_t);
int cmd_unpause(struct json_object *, struct json_object **, char *, size_t);
int cmd_shutdown(struct json_object *, struct json_object **, char *, size_t);
int cmd_destroy(struct json_object *, struct json_object **, char *, size_t);
int cmd_dump(struct json_object *, struct json_object **, char *, size_t);
int cmd_hello(struct json_object *, struct json_object **, char *, size_t);
int cmd_info(struct json_object *, struct json_object **, char *, size_t);
int cmd_dmesg(struct json_object *, struct json_object **, char *, size_t);
int cmd_debug_keys(struct json_object *, struct json_object **, char *, size_t);
int cmd_audit(struct json_object *, struct json_object **, char *, size_t);
int cmd_console(struct json_object *, struct json_object **, char *, size_t);
int cmd_evtchn(struct json_object *, struct json_object **, char *, size_t);
int cmd_grants(struct json_object *, struct json_object **, char *, size_t);

/* domcfg.c: the configuration each domain was created from, kept for
 * restarts and `list -l`. */
int domcfg_remember(uint32_t domid, struct json_object *cfg);
struct json_object *domcfg_get(uint32_t domid);
void domcfg_forget(uint32_t domid);
void domcfg_forget_all(void);

/* boot.c: load the kernel into a new domain and, with KVM, run it. */
struct domain;
int daemon_boot_domain(struct domain *d, struct json_object *cfg, bool paused,
                       char *err, size_t errlen);
/* boot_sim.c: sim guests (type "sim"), the built-in test programs. */
int daemon_check_sim_config(struct json_object *cfg, char *err, size_t errlen);
int daemon_boot_sim(struct domain *d, struct json_object *cfg, char *err,
                    size_t errlen);
/* Starts the vCPUs of a domain created paused, if not running yet. */
int daemon_domain_resume(struct domain *d);

/* Applies d's on_poweroff/on_reboot/on_crash action for why; r (may be
 * NULL) receives "domid" and, after a restart, "restarted_domid". */
int daemon_apply_shutdown(struct domain *d, enum shutdown_reason why,
                          struct json_object *r, char *err, size_t errlen);
/* Applies the action of every guest that shut itself down (loop thread). */
void daemon_handle_guest_shutdowns(void);
/* True the first time it is asked about domid's shutdown, then false. */
bool domcfg_take_shutdown(uint32_t domid);

/* Destroys every domain (daemon shutdown). */
void daemon_destroy_all_domains(void);

/* server.c */
int server_run(const char *rundir, int ready_fd);
int server_listen_fd(void);
/* The connection whose request is being handled, or -1. */
int server_current_client_fd(void);
/* The descriptor passed with that request (SCM_RIGHTS), now the caller's
 * to close; -1 when none came (or it was taken already). */
int server_take_passed_fd(void);
/* Writes one extra frame to that connection before its answer (a
 * migration's progress, docs/control-protocol.md), with the answer's
 * bounded wait. */
int server_send_frame(const char *text, size_t len);

/* cmd_migrate.c: save, restore, migrate (docs/migration.md) */
int cmd_save(struct json_object *, struct json_object **, char *, size_t);
int cmd_restore(struct json_object *, struct json_object **, char *, size_t);
int cmd_migrate(struct json_object *, struct json_object **, char *, size_t);
int cmd_migrate_receive(struct json_object *, struct json_object **, char *,
                        size_t);

/* liveupdate.c, lu_new.c */
int cmd_live_update(struct json_object *, struct json_object **, char *,
                    size_t);
int lu_new_main(int sock, const struct daemon_opts *o);
/* Lets live update carry each domain's configuration (domcfg). */
void daemon_lu_hooks_init(void);
/* Writes this process's pid into the (locked) pidfile fd. */
void daemon_write_pid(int fd);
/* lu_exec.c: the new image of an exec-mode update (--lu-exec-fd). */
int lu_exec_main(int state_fd, const struct daemon_opts *o);

#endif /* XHV_DAEMON_DAEMON_H */
