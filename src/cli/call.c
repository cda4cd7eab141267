/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One request to xhvd per call, and small JSON readers for printing.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ctl/ctl.h"

int cli_call_progress(const char *cmd, struct json_object *args,
                      ctl_progress_fn progress, void *opaque,
                      struct json_object **result)
{
    char err[1024] = "";
    int fd, rc;

    rc = ctl_connect(cli_rundir, &fd, err, sizeof(err));
    if (rc) {
        json_object_put(args);
        fprintf(stderr, "xhv: %s\n", err);
        return 1;
    }
    rc = ctl_call_progress(fd, cmd, args, progress, opaque, result, err,
                           sizeof(err));
    close(fd);
    if (rc) {
        fprintf(stderr, "xhv: %s: %s (%s)\n", cmd, err, ctl_errno_name(rc));
        return 1;
    }
    return 0;
}

int cli_call(const char *cmd, struct json_object *args,
             struct json_object **result)
{
    return cli_call_progress(cmd, args, NULL, NULL, result);
}

static struct json_object *field(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;

    if (!o || !json_object_object_get_ex(o, key, &v))
        return NULL;
    return v;
}

const char *jstr(struct json_object *o, const char *key)
{
    struct json_object *v = field(o, key);

    return v && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : "";
}

unsigned long long ju64(struct json_object *o, const char *key)
{
    struct json_object *v = field(o, key);

    return v ? (unsigned long long)json_object_get_uint64(v) : 0;
}

double jdouble(struct json_object *o, const char *key)
{
    struct json_object *v = field(o, key);

    return v ? json_object_get_double(v) : 0.0;
}

bool jbool(struct json_object *o, const char *key)
{
    struct json_object *v = field(o, key);

    return v ? json_object_get_boolean(v) : false;
}
