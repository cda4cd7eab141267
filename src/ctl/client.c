/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The client end of the control protocol, used by the xhv CLI and by
 * tests: connect to xhvd's socket, send one request (with, at most, one
 * descriptor passed along), read its answer.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "lib/alloc.h"

#define CTL_CALL_TIMEOUT_MS (120 * 1000)

int ctl_connect(const char *rundir, int *out, char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd, rc;

    rc = ctl_socket_path(rundir, sa.sun_path, sizeof(sa.sun_path));
    if (rc) {
        snprintf(err, errlen, "run directory path '%s' is too long", rundir);
        return rc;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        rc = -errno;
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return rc;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        rc = -errno;
        if (rc == -ENOENT || rc == -ECONNREFUSED)
            snprintf(err, errlen,
                     "xhvd is not running (nothing listening at %s); "
                     "start it with 'xhvd' or set XHV_RUNDIR",
                     sa.sun_path);
        else
            snprintf(err, errlen, "cannot connect to %s: %s", sa.sun_path,
                     strerror(-rc));
        close(fd);
        return rc;
    }
    *out = fd;
    return 0;
}

static int send_request(int fd, const char *cmd, struct json_object *args,
                        int pass_fd)
{
    struct json_object *req = ctl_obj();
    const char *text;
    size_t len;
    int rc;

    if (!req) {
        json_object_put(args);
        return -ENOMEM;
    }
    rc = ctl_add(req, "cmd", ctl_str(cmd));
    if (!rc && args)
        rc = ctl_add(req, "args", args);
    else
        json_object_put(args);
    if (!rc) {
        text = json_object_to_json_string_length(req, JSON_C_TO_STRING_PLAIN,
                                                 &len);
        rc = text ? ctl_write_msg_fd(fd, text, len, pass_fd) : -ENOMEM;
    }
    json_object_put(req);
    return rc;
}

static int parse_answer(struct json_object *ans, struct json_object **result,
                        char *err, size_t errlen)
{
    const char *name = "EIO", *msg = "malformed answer from xhvd";
    bool ok = false;
    struct json_object *r;

    if (ctl_get_bool(ans, "ok", &ok) == 0 && ok) {
        if (ctl_get_obj(ans, "result", &r))
            r = NULL;
        *result = r ? json_object_get(r) : ctl_obj();
        return *result ? 0 : -ENOMEM;
    }
    ctl_get_str(ans, "error", &name);
    ctl_get_str(ans, "message", &msg);
    snprintf(err, errlen, "%s", msg);
    return -ctl_errno_from_name(name);
}

int ctl_call_progress_fd(int fd, const char *cmd, struct json_object *args,
                         int pass_fd, ctl_progress_fn progress, void *opaque,
                         struct json_object **result, char *err, size_t errlen)
{
    struct json_object *ans = NULL, *p;
    char *buf = NULL;
    size_t len;
    int rc;

    *result = NULL;
    rc = send_request(fd, cmd, args, pass_fd);
    if (rc) {
        snprintf(err, errlen, "sending request: %s", strerror(-rc));
        return rc;
    }
    /* Progress frames ({"progress": {...}}, only for a request that asked
     * for them) come before the answer; each one restarts the wait. */
    for (;;) {
        rc = ctl_read_msg(fd, &buf, &len, CTL_CALL_TIMEOUT_MS);
        if (rc) {
            snprintf(err, errlen, "reading answer from xhvd: %s",
                     rc == -ECONNRESET ? "connection closed" : strerror(-rc));
            return rc;
        }
        ans = ctl_json_parse(buf, len, err, errlen);
        xhv_free(buf);
        buf = NULL;
        if (!ans)
            return -EPROTO;
        if (!progress || !json_object_object_get_ex(ans, "progress", &p))
            break;
        progress(p, opaque);
        json_object_put(ans);
        ans = NULL;
    }
    rc = parse_answer(ans, result, err, errlen);
    json_object_put(ans);
    return rc;
}

int ctl_call_progress(int fd, const char *cmd, struct json_object *args,
                      ctl_progress_fn progress, void *opaque,
                      struct json_object **result, char *err, size_t errlen)
{
    return ctl_call_progress_fd(fd, cmd, args, -1, progress, opaque, result,
                                err, errlen);
}

int ctl_call(int fd, const char *cmd, struct json_object *args,
             struct json_object **result, char *err, size_t errlen)
{
    return ctl_call_progress(fd, cmd, args, NULL, NULL, result, err, errlen);
}
