/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Control protocol framing, JSON helpers and errno names (see ctl.h).
 * Everything here treats its input as hostile: lengths are checked before
 * anything is allocated, JSON is parsed with a depth limit, and a wrong
 * type is an error, never a guess.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "lib/alloc.h"
#include "lib/fault.h"

static const struct {
    int err;
    const char *name;
} errno_names[] = {
    {EPERM, "EPERM"},           {ENOENT, "ENOENT"},
    {ESRCH, "ESRCH"},           {EIO, "EIO"},
    {E2BIG, "E2BIG"},           {ENOEXEC, "ENOEXEC"},
    {EBADF, "EBADF"},           {EAGAIN, "EAGAIN"},
    {ENOMEM, "ENOMEM"},         {EACCES, "EACCES"},
    {EFAULT, "EFAULT"},         {EBUSY, "EBUSY"},
    {EEXIST, "EEXIST"},         {ENODEV, "ENODEV"},
    {EISDIR, "EISDIR"},         {EINVAL, "EINVAL"},
    {ENOSPC, "ENOSPC"},         {ERANGE, "ERANGE"},
    {ENOSYS, "ENOSYS"},         {ENOTEMPTY, "ENOTEMPTY"},
    {EMSGSIZE, "EMSGSIZE"},     {EPROTO, "EPROTO"},
    {EOVERFLOW, "EOVERFLOW"},   {EALREADY, "EALREADY"},
    {ETIMEDOUT, "ETIMEDOUT"},   {ECONNREFUSED, "ECONNREFUSED"},
    {ECONNRESET, "ECONNRESET"}, {EUCLEAN, "EUCLEAN"},
    {EOPNOTSUPP, "EOPNOTSUPP"}, {ENAMETOOLONG, "ENAMETOOLONG"},
};

const char *ctl_errno_name(int err)
{
    size_t i;

    if (err < 0)
        err = -err;
    for (i = 0; i < ARRAY_SIZE(errno_names); i++)
        if (errno_names[i].err == err)
            return errno_names[i].name;
    return "EIO";
}

int ctl_errno_from_name(const char *name)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(errno_names); i++)
        if (strcmp(errno_names[i].name, name) == 0)
            return errno_names[i].err;
    return EIO;
}

const char *ctl_default_rundir(void)
{
    const char *r = getenv("XHV_RUNDIR");

    return r && *r ? r : CTL_DEFAULT_RUNDIR;
}

int ctl_socket_path(const char *rundir, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s/%s", rundir, CTL_SOCKET_NAME);

    /* sun_path is 108 bytes: say so rather than truncate. */
    if (n < 0 || (size_t)n >= len || n >= 108)
        return -ENAMETOOLONG;
    return 0;
}

int ctl_parse_size(const char *s, uint64_t *bytes)
{
    unsigned long long v;
    unsigned int shift = 20;
    char *end;

    if (!s || *s < '0' || *s > '9')
        return -EINVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno)
        return -ERANGE;
    switch (*end) {
    case '\0':
        break;
    case 'k':
    case 'K':
        shift = 10;
        end++;
        break;
    case 'm':
    case 'M':
        end++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end++;
        break;
    case 't':
    case 'T':
        shift = 40;
        end++;
        break;
    default:
        return -EINVAL;
    }
    if (*end == 'i' || *end == 'B' || *end == 'b') /* "4GiB", "4GB" */
        end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
    if (*end != '\0')
        return -EINVAL;
    if (v > (UINT64_MAX >> shift))
        return -ERANGE;
    *bytes = (uint64_t)v << shift;
    return 0;
}

uint32_t ctl_frame_len(const uint8_t hdr[4])
{
    return (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
           (uint32_t)hdr[2] << 8 | hdr[3];
}

void ctl_frame_hdr(uint8_t hdr[4], uint32_t len)
{
    hdr[0] = (uint8_t)(len >> 24);
    hdr[1] = (uint8_t)(len >> 16);
    hdr[2] = (uint8_t)(len >> 8);
    hdr[3] = (uint8_t)len;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int ctl_write_msg(int fd, const char *buf, size_t len)
{
    uint8_t hdr[4];
    int rc;

    if (len == 0 || len > CTL_MAX_MSG)
        return -EMSGSIZE;
    ctl_frame_hdr(hdr, (uint32_t)len);
    rc = write_all(fd, hdr, sizeof(hdr));
    return rc ? rc : write_all(fd, buf, len);
}

int ctl_write_msg_fd(int fd, const char *buf, size_t len, int pass_fd)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctrl;
    uint8_t hdr[4];
    struct iovec iov[2] = {{.iov_base = hdr, .iov_len = sizeof(hdr)},
                           {.iov_base = (char *)buf, .iov_len = len}};
    struct msghdr mh = {.msg_iov = iov,
                        .msg_iovlen = 2,
                        .msg_control = ctrl.buf,
                        .msg_controllen = sizeof(ctrl.buf)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    ssize_t n;
    size_t sent;

    if (pass_fd < 0)
        return ctl_write_msg(fd, buf, len);
    if (len == 0 || len > CTL_MAX_MSG)
        return -EMSGSIZE;
    ctl_frame_hdr(hdr, (uint32_t)len);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
    /* The descriptor rides on the first byte of the header; whatever the
     * first call does not send goes after it as plain bytes. */
    do
        n = sendmsg(fd, &mh, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    sent = (size_t)n;
    if (sent < sizeof(hdr)) {
        int rc = write_all(fd, hdr + sent, sizeof(hdr) - sent);

        return rc ? rc : write_all(fd, buf, len);
    }
    sent -= sizeof(hdr);
    return sent < len ? write_all(fd, buf + sent, len - sent) : 0;
}

static int read_all(int fd, void *buf, size_t len, int timeout_ms)
{
    char *p = buf;

    while (len) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t n;
        int r = poll(&pfd, 1, timeout_ms);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            return -ETIMEDOUT;
        n = read(fd, p, len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -ECONNRESET;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int ctl_read_msg(int fd, char **out, size_t *len, int timeout_ms)
{
    uint8_t hdr[4];
    uint32_t n;
    char *buf;
    int rc;

    rc = read_all(fd, hdr, sizeof(hdr), timeout_ms);
    if (rc)
        return rc;
    n = ctl_frame_len(hdr);
    if (n == 0 || n > CTL_MAX_MSG)
        return -EMSGSIZE;
    buf = xhv_malloc((size_t)n + 1);
    if (!buf)
        return -ENOMEM;
    rc = read_all(fd, buf, n, timeout_ms);
    if (rc) {
        xhv_free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

struct json_object *ctl_json_parse_at(const char *site, const char *buf,
                                      size_t len, char *err, size_t errlen)
{
    struct json_tokener *tok;
    struct json_object *o = NULL;
    enum json_tokener_error jerr;

    if (len > CTL_MAX_MSG || len > INT32_MAX) {
        snprintf(err, errlen, "message of %zu bytes is too long", len);
        return NULL;
    }
    if (memchr(buf, '\0', len)) {
        snprintf(err, errlen, "message contains a NUL byte");
        return NULL;
    }
    if (fault_fire(site) || !(tok = json_tokener_new_ex(CTL_MAX_DEPTH))) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* JSON as RFC 8259 has it: UTF-8, no 'single quotes' or other
     * json-c leniencies. */
    json_tokener_set_flags(tok,
                           JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    o = json_tokener_parse_ex(tok, buf, (int)len);
    jerr = json_tokener_get_error(tok);
    if (!o || jerr != json_tokener_success) {
        snprintf(err, errlen, "malformed JSON at byte %zu: %s",
                 json_tokener_get_parse_end(tok),
                 jerr == json_tokener_continue ? "unexpected end of message"
                                               : json_tokener_error_desc(jerr));
        json_object_put(o);
        o = NULL;
    } else if (json_tokener_get_parse_end(tok) != len) {
        snprintf(err, errlen, "trailing bytes after the JSON object");
        json_object_put(o);
        o = NULL;
    } else if (!json_object_is_type(o, json_type_object)) {
        snprintf(err, errlen, "message is not a JSON object");
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

struct json_object *ctl_obj_at(const char *site)
{
    return fault_fire(site) ? NULL : json_object_new_object();
}

struct json_object *ctl_arr_at(const char *site)
{
    return fault_fire(site) ? NULL : json_object_new_array();
}

struct json_object *ctl_str_at(const char *site, const char *s)
{
    return fault_fire(site) ? NULL : json_object_new_string(s ? s : "");
}

struct json_object *ctl_u64_at(const char *site, uint64_t v)
{
    return fault_fire(site) ? NULL : json_object_new_uint64(v);
}

struct json_object *ctl_i64_at(const char *site, int64_t v)
{
    return fault_fire(site) ? NULL : json_object_new_int64(v);
}

struct json_object *ctl_bool_at(const char *site, bool v)
{
    return fault_fire(site) ? NULL : json_object_new_boolean(v);
}

struct json_object *ctl_double_at(const char *site, double v)
{
    return fault_fire(site) ? NULL : json_object_new_double(v);
}

int ctl_add(struct json_object *obj, const char *key, struct json_object *val)
{
    if (!val)
        return -ENOMEM;
    if (json_object_object_add(obj, key, val)) {
        json_object_put(val);
        return -ENOMEM;
    }
    return 0;
}

int ctl_append(struct json_object *arr, struct json_object *val)
{
    if (!val)
        return -ENOMEM;
    if (json_object_array_add(arr, val)) {
        json_object_put(val);
        return -ENOMEM;
    }
    return 0;
}

int ctl_get_str(struct json_object *o, const char *key, const char **out)
{
    struct json_object *v;

    if (!o || !json_object_object_get_ex(o, key, &v) || !v)
        return -ENOENT;
    if (!json_object_is_type(v, json_type_string))
        return -EINVAL;
    *out = json_object_get_string(v);
    /* "web1\u0000x" must not read as "web1". */
    if (strlen(*out) != (size_t)json_object_get_string_len(v))
        return -EINVAL;
    return 0;
}

int ctl_get_u64(struct json_object *o, const char *key, uint64_t *out)
{
    struct json_object *v;
    int64_t i;

    if (!o || !json_object_object_get_ex(o, key, &v) || !v)
        return -ENOENT;
    if (!json_object_is_type(v, json_type_int))
        return -EINVAL;
    /* json-c keeps large values unsigned; a negative one is refused. */
    i = json_object_get_int64(v);
    if (i < 0)
        return -ERANGE;
    *out = i == INT64_MAX ? json_object_get_uint64(v) : (uint64_t)i;
    return 0;
}

int ctl_get_bool(struct json_object *o, const char *key, bool *out)
{
    struct json_object *v;

    if (!o || !json_object_object_get_ex(o, key, &v) || !v)
        return -ENOENT;
    if (!json_object_is_type(v, json_type_boolean))
        return -EINVAL;
    *out = json_object_get_boolean(v);
    return 0;
}

int ctl_get_obj(struct json_object *o, const char *key,
                struct json_object **out)
{
    struct json_object *v;

    if (!o || !json_object_object_get_ex(o, key, &v) || !v)
        return -ENOENT;
    if (!json_object_is_type(v, json_type_object))
        return -EINVAL;
    *out = v;
    return 0;
}
