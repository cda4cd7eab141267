/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control protocol between xhv (the CLI) and xhvd, shared by both.
 *
 * Transport: a unix stream socket, $XHV_RUNDIR/xhvd.sock (default
 * /run/xhv), mode 0600; xhvd accepts only root or its own uid
 * (SO_PEERCRED).
 *
 * Framing: each message is a 4-byte big-endian length N, 1 <= N <= 1 MiB,
 * then N bytes of JSON holding one object. A client sends requests
 *   {"cmd": "list", "args": {...}}
 * and gets exactly one answer per request, in order:
 *   {"ok": true, "result": {...}}
 *   {"ok": false, "error": "ENOENT", "errno": 2, "message": "..."}
 * A malformed message gets an error answer and changes nothing; a frame
 * whose length is out of range cannot be resynchronised, so xhvd answers
 * and then closes that connection. The full command list is in
 * docs/control-protocol.md.
 *
 * A request may carry one file descriptor (SCM_RIGHTS with its frame):
 * `migrate` with "dest": "fd" sends the stream on it. xhvd closes any
 * descriptor its request did not ask for, and refuses a request that asks
 * for one that did not come.
 *
 * json-c allocates for itself; every call here that makes JSON is a fault
 * site of its caller's name, so fault injection reaches those paths.
 */
#ifndef XHV_CTL_CTL_H
#define XHV_CTL_CTL_H

#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

#define CTL_PROTOCOL_VERSION 1
#define CTL_MAX_MSG          (1U << 20)
#define CTL_MAX_DEPTH        16
#define CTL_SOCKET_NAME      "xhvd.sock"
#define CTL_DEFAULT_RUNDIR   "/run/xhv"

/* errno <-> "ENOENT"; unknown numbers map to "EIO" and back. */
const char *ctl_errno_name(int err);
int ctl_errno_from_name(const char *name);

/* $XHV_RUNDIR, or /run/xhv. */
const char *ctl_default_rundir(void);
int ctl_socket_path(const char *rundir, char *buf, size_t len);

/* Sizes: "512" (MiB), "512M", "4G", "1T", "4096K". */
int ctl_parse_size(const char *s, uint64_t *bytes);

/* Frames on a blocking socket. ctl_read_msg returns an xhv_malloc'd,
 * NUL-terminated buffer; -ETIMEDOUT after timeout_ms (-1: wait forever),
 * -ECONNRESET when the peer closed. */
int ctl_write_msg(int fd, const char *buf, size_t len);
int ctl_read_msg(int fd, char **buf, size_t *len, int timeout_ms);
uint32_t ctl_frame_len(const uint8_t hdr[4]);
void ctl_frame_hdr(uint8_t hdr[4], uint32_t len);
/* The same, passing pass_fd (if >= 0) with the frame as SCM_RIGHTS on a
 * unix socket; the caller keeps its own copy to close. */
int ctl_write_msg_fd(int fd, const char *buf, size_t len, int pass_fd);

/* JSON: parse one object (depth-limited); NULL with a message in err. */
#define ctl_json_parse(buf, len, err, errlen)                                  \
    ctl_json_parse_at(__func__, buf, len, err, errlen)
struct json_object *ctl_json_parse_at(const char *site, const char *buf,
                                      size_t len, char *err, size_t errlen);
#define ctl_obj()     ctl_obj_at(__func__)
#define ctl_arr()     ctl_arr_at(__func__)
#define ctl_str(s)    ctl_str_at(__func__, s)
#define ctl_u64(v)    ctl_u64_at(__func__, v)
#define ctl_i64(v)    ctl_i64_at(__func__, v)
#define ctl_bool(v)   ctl_bool_at(__func__, v)
#define ctl_double(v) ctl_double_at(__func__, v)
struct json_object *ctl_obj_at(const char *site);
struct json_object *ctl_arr_at(const char *site);
struct json_object *ctl_str_at(const char *site, const char *s);
struct json_object *ctl_u64_at(const char *site, uint64_t v);
struct json_object *ctl_i64_at(const char *site, int64_t v);
struct json_object *ctl_bool_at(const char *site, bool v);
struct json_object *ctl_double_at(const char *site, double v);
/* Adds val (consumed even on failure) under key; -ENOMEM if val is NULL. */
int ctl_add(struct json_object *obj, const char *key, struct json_object *val);
int ctl_append(struct json_object *arr, struct json_object *val);

/* Typed argument access: -ENOENT when absent (and !required is then fine:
 * the caller keeps its default), -EINVAL when of the wrong type. */
int ctl_get_str(struct json_object *o, const char *key, const char **out);
int ctl_get_u64(struct json_object *o, const char *key, uint64_t *out);
int ctl_get_bool(struct json_object *o, const char *key, bool *out);
int ctl_get_obj(struct json_object *o, const char *key,
                struct json_object **out);

/* Client side (client.c). */
int ctl_connect(const char *rundir, int *fd, char *err, size_t errlen);
/*
 * Sends {"cmd", "args"} (args consumed, may be NULL) and waits for the
 * answer. On success *result is the result object (caller puts it); on an
 * error answer returns -errno and copies the message into err.
 */
int ctl_call(int fd, const char *cmd, struct json_object *args,
             struct json_object **result, char *err, size_t errlen);
/* The same, for a request that may send progress frames before its
 * answer ({"progress": {...}}): progress is called with each one's
 * object (borrowed). */
typedef void (*ctl_progress_fn)(struct json_object *progress, void *opaque);
int ctl_call_progress(int fd, const char *cmd, struct json_object *args,
                      ctl_progress_fn progress, void *opaque,
                      struct json_object **result, char *err, size_t errlen);
/* The same, passing pass_fd (if >= 0) with the request frame. */
int ctl_call_progress_fd(int fd, const char *cmd, struct json_object *args,
                         int pass_fd, ctl_progress_fn progress, void *opaque,
                         struct json_object **result, char *err, size_t errlen);

#endif /* XHV_CTL_CTL_H */
