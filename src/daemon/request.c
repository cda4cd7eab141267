/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Request handling: parse, check the envelope, dispatch, answer.
 *
 * The envelope is checked completely before any command runs: a message
 * that is not one JSON object with a string "cmd" and, if present, an
 * object "args" is answered with EINVAL and nothing else happens. Each
 * command then checks its own arguments before it changes anything.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"
#include "daemon/daemon.h"
#include "lib/alloc.h"
#include "lib/fault.h"

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_ARGS   ((const char *const[]){NULL})

static const struct daemon_cmd commands[] = {
    {"hello", cmd_hello, NO_ARGS},
    {"info", cmd_info, NO_ARGS},
    {"create", cmd_create, ARGS("config", "paused")},
    {"list", cmd_list, ARGS("long")},
    {"pause", cmd_pause, ARGS("domain")},
    {"unpause", cmd_unpause, ARGS("domain")},
    {"shutdown", cmd_shutdown, ARGS("domain", "reason")},
    {"destroy", cmd_destroy, ARGS("domain")},
    {"dump", cmd_dump, ARGS("domain")},
    {"dmesg", cmd_dmesg, ARGS("clear")},
    {"debug-keys", cmd_debug_keys, ARGS("keys")},
    {"audit", cmd_audit, NO_ARGS},
    {"console", cmd_console, ARGS("domain", "offset")},
    {"evtchn", cmd_evtchn, ARGS("domain")},
    {"grants", cmd_grants, ARGS("domain")},
    {"save", cmd_save, ARGS("domain", "file", "keep", "fault")},
    {"restore", cmd_restore, ARGS("file", "name", "paused", "fault")},
    {"migrate", cmd_migrate,
     ARGS("domain", "dest", "live", "max_downtime_ms", "max_rounds", "fault",
          "target_fault", "progress")},
    {"migrate-receive", cmd_migrate_receive, ARGS("count", "fault")},
    {"live-update", cmd_live_update,
     ARGS("binary", "mode", "timeout", "fault", "corrupt")},
};

/* An argument the command does not take is an error, not ignored: a
 * misspelt option must not silently fall back to a default. */
static int check_args(const struct daemon_cmd *c, struct json_object *args,
                      char *err, size_t errlen)
{
    struct json_object_iter it;
    size_t i;

    if (!args)
        return 0;
    json_object_object_foreachC(args, it)
    {
        for (i = 0; c->args[i]; i++)
            if (strcmp(it.key, c->args[i]) == 0)
                break;
        if (!c->args[i]) {
            snprintf(err, errlen, "%s takes no argument '%.64s'", c->name,
                     it.key);
            return -EINVAL;
        }
    }
    return 0;
}

const struct daemon_cmd *daemon_find_cmd(const char *name)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int cmd_finish(struct json_object *r, int rc, struct json_object **result)
{
    if (rc) {
        json_object_put(r);
        return rc;
    }
    *result = r;
    return 0;
}

static int check_envelope(struct json_object *req, const char **cmd,
                          struct json_object **args, char *err, size_t errlen)
{
    struct json_object_iter it;
    int rc;

    json_object_object_foreachC(req, it)
    {
        if (strcmp(it.key, "cmd") && strcmp(it.key, "args")) {
            snprintf(err, errlen, "unknown request field '%.64s'", it.key);
            return -EINVAL;
        }
    }
    if (ctl_get_str(req, "cmd", cmd)) {
        snprintf(err, errlen, "request needs a string field 'cmd'");
        return -EINVAL;
    }
    *args = NULL;
    rc = ctl_get_obj(req, "args", args);
    if (rc == -EINVAL) {
        snprintf(err, errlen, "'args' must be an object");
        return rc;
    }
    return 0;
}

static struct json_object *make_answer(int rc, struct json_object *result,
                                       const char *err)
{
    struct json_object *ans = ctl_obj();

    if (!ans) {
        json_object_put(result);
        return NULL;
    }
    if (rc == 0) {
        if (ctl_add(ans, "ok", ctl_bool(true))) {
            json_object_put(result); /* never handed to ans */
            goto fail;
        }
        if (ctl_add(ans, "result", result ? result : ctl_obj()))
            goto fail;
        return ans;
    }
    json_object_put(result);
    if (ctl_add(ans, "ok", ctl_bool(false)) ||
        ctl_add(ans, "error", ctl_str(ctl_errno_name(rc))) ||
        ctl_add(ans, "errno", ctl_i64(-rc)) ||
        ctl_add(ans, "message", ctl_str(err[0] ? err : strerror(-rc))))
        goto fail;
    return ans;
fail:
    json_object_put(ans);
    return NULL;
}

/*
 * Answers are JSON, so UTF-8, but a message can quote a request's string
 * cut short ("'%.64s'") in the middle of a character, and a log line can
 * be cut the same way. Each byte that does not start a valid sequence
 * becomes '?'; JSON's own syntax is ASCII, so the text stays JSON.
 */
static void utf8_scrub(char *s, size_t len)
{
    size_t i = 0, n, k;

    while (i < len) {
        unsigned char c = (unsigned char)s[i], c1;

        if (c < 0x80)
            n = 1;
        else if (c < 0xc2 || c > 0xf4)
            n = 0;
        else
            n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        for (k = 1; k < n; k++)
            if (i + k >= len || ((unsigned char)s[i + k] & 0xc0) != 0x80)
                n = 0;
        c1 = n > 1 ? (unsigned char)s[i + 1] : 0;
        /* Overlong forms, UTF-16 surrogates, beyond U+10FFFF. */
        if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0) ||
            (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 >= 0x90))
            n = 0;
        if (n == 0) {
            s[i++] = '?';
            continue;
        }
        i += n;
    }
}

/* The answer of last resort, built without allocating JSON. */
static const char oom_answer[] =
    "{\"ok\":false,\"error\":\"ENOMEM\",\"errno\":12,"
    "\"message\":\"xhvd is out of memory\"}";

int daemon_handle_request(const char *msg, size_t len, char **out,
                          size_t *out_len)
{
    struct json_object *req, *args = NULL, *result = NULL;
    const struct daemon_cmd *c;
    const char *cmd;
    char err[512] = "";
    int rc;

    req = ctl_json_parse(msg, len, err, sizeof(err));
    rc = req ? check_envelope(req, &cmd, &args, err, sizeof(err)) : -EINVAL;
    if (!rc) {
        c = daemon_find_cmd(cmd);
        if (!c) {
            snprintf(err, sizeof(err), "unknown command '%.64s'", cmd);
            rc = -ENOSYS;
        } else {
            rc = check_args(c, args, err, sizeof(err));
            if (!rc)
                rc = c->fn(args, &result, err, sizeof(err));
        }
    }
    rc = daemon_answer(rc, result, err, out, out_len);
    json_object_put(req);
    return rc;
}

int daemon_answer(int rc, struct json_object *result, const char *err,
                  char **out, size_t *out_len)
{
    struct json_object *ans;
    const char *text;
    size_t tlen;

    /* The command has run: failing to build its answer changes nothing
     * more, so these failure points are benign (the client gets a short
     * answer, or none if even that cannot be allocated). */
    fault_benign_begin();
    ans = make_answer(rc, result, err);
    text = ans ? json_object_to_json_string_length(ans, JSON_C_TO_STRING_PLAIN,
                                                   &tlen)
               : NULL;
    if (!text) {
        text = oom_answer;
        tlen = sizeof(oom_answer) - 1;
    }
    *out = xhv_malloc(tlen + 1);
    if (*out) {
        memcpy(*out, text, tlen + 1);
        utf8_scrub(*out, tlen);
        *out_len = tlen;
    }
    json_object_put(ans);
    fault_benign_end();
    return *out ? 0 : -ENOMEM;
}
