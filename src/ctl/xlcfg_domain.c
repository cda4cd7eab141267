/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xhv's domain configuration on top of the generic parser: the action
 * names, xlcfg_to_domain_config(), the tables of known keys (with the
 * rule that checks each) and of xl keys xhv does not support yet, and the
 * "did you mean" suggestion for an unknown key.
 *
 * Objects: a struct xlcfg_dc lives on the stack of one
 * xlcfg_to_domain_config() call. It reads the struct xlcfg, which it never
 * changes, and holds pointers to settings in it for the checks that need
 * every setting seen; those pointers do not outlive the call. The result
 * is built in the struct xlcfg_dc and copied out only on success, so the
 * caller's struct xhv_domain_config is never half written.
 *
 * The settings are walked in file order and the first bad one is the error
 * reported; each error points at the setting's key, or at the command line
 * when an override set it. Nothing here is shared between threads.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl/private.h"
#include "ctl/xlcfg.h"
#include "lib/compiler.h"
#include "lib/log.h"

/* ---- xhv's domain configuration ---- */

static const char *const xlcfg_action_names[] = {
    [XLCFG_ACT_DESTROY] = "destroy",
    [XLCFG_ACT_RESTART] = "restart",
    [XLCFG_ACT_PRESERVE] = "preserve",
    [XLCFG_ACT_RENAME_RESTART] = "rename-restart",
    [XLCFG_ACT_COREDUMP_DESTROY] = "coredump-destroy",
    [XLCFG_ACT_COREDUMP_RESTART] = "coredump-restart",
    [XLCFG_ACT_SOFT_RESET] = "soft-reset",
};

const char *xlcfg_action_name(enum xlcfg_action a)
{
    if ((unsigned int)a >= ARRAY_SIZE(xlcfg_action_names))
        return "unknown";
    return xlcfg_action_names[a];
}

/* Exact names only, as xl matches them. */
int xlcfg_action_parse(const char *s, enum xlcfg_action *out)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(xlcfg_action_names); i++) {
        if (strcmp(s, xlcfg_action_names[i]) == 0) {
            *out = (enum xlcfg_action)i;
            return 0;
        }
    }
    return -EINVAL;
}

/* The state of one xlcfg_to_domain_config() call. */
struct xlcfg_dc {
    const struct xlcfg *cfg;
    struct xlcfg_error *err;
    struct xhv_domain_config dc;
    /* Settings checked after the walk, NULL while absent. */
    const struct xlcfg_setting *name, *memory, *maxmem, *kernel;
    const struct xlcfg_setting *cmdline, *root, *extra;
};

static int dc_fail(struct xlcfg_dc *c, const struct xlcfg_setting *s,
                   const char *fmt, ...) XHV_PRINTF(3, 4);

/* Fails at setting s, or without a position when s is NULL. */
static int dc_fail(struct xlcfg_dc *c, const struct xlcfg_setting *s,
                   const char *fmt, ...)
{
    char msg[sizeof(((struct xlcfg_error *)0)->msg)];
    const char *file = c->cfg->filename;
    va_list ap;

    if (s && s->from_cmdline)
        file = XLCFG_CMDLINE_FILE;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return xlcfg_fail(c->err, file, s ? s->line : 0, s ? s->col : 0, "%s", msg);
}

static int dc_string(struct xlcfg_dc *c, const struct xlcfg_setting *s,
                     const char **out)
{
    if (s->v.kind == XLCFG_LIST)
        return dc_fail(c, s, "'%s' must be a string, not a list", s->key);
    *out = s->v.text;
    return 0;
}

/* Copies the string value into dst; too long is an error, never cut. */
static int dc_copy(struct xlcfg_dc *c, const struct xlcfg_setting *s, char *dst,
                   size_t size)
{
    const char *str = NULL;
    size_t len;
    int rc;

    rc = dc_string(c, s, &str);
    if (rc)
        return rc;
    len = strlen(str);
    if (len >= size)
        return dc_fail(c, s, "'%s' is too long (%zu bytes, at most %zu)",
                       s->key, len, size - 1);
    memcpy(dst, str, len + 1);
    return 0;
}

static int dc_number(struct xlcfg_dc *c, const struct xlcfg_setting *s,
                     uint64_t lo, uint64_t hi, const char *unit, uint64_t *out)
{
    char shown[48];
    int rc;

    if (s->v.kind == XLCFG_LIST)
        return dc_fail(c, s, "'%s' must be a number, not a list", s->key);
    rc = xlcfg_number_parse(s->v.text, strlen(s->v.text), out);
    xlcfg_printable(shown, sizeof(shown), s->v.text, strlen(s->v.text));
    if (rc == -EINVAL)
        return dc_fail(c, s, "'%s' must be a number%s, not '%s'", s->key, unit,
                       shown);
    if (rc || *out < lo || *out > hi)
        return dc_fail(c, s, "'%s' must be between %llu and %llu%s, not %s",
                       s->key, (unsigned long long)lo, (unsigned long long)hi,
                       unit, shown);
    return 0;
}

static bool dc_name_char(char ch)
{
    return xlcfg_is_ident(ch) || ch == '.' || ch == '-';
}

/* 1..63 of [A-Za-z0-9_.-], not all digits: "xhv destroy 12" must mean
 * domain id 12, never a domain named "12". */
static int dc_name(struct xlcfg_dc *c, const struct xlcfg_setting *s)
{
    const char *n = c->dc.name;
    size_t i, digits = 0;
    int rc;

    if (s->v.kind != XLCFG_LIST && strlen(s->v.text) >= sizeof(c->dc.name))
        return dc_fail(c, s, "name is %zu characters long (at most %zu)",
                       strlen(s->v.text), sizeof(c->dc.name) - 1);
    rc = dc_copy(c, s, c->dc.name, sizeof(c->dc.name));
    if (rc)
        return rc;
    if (!n[0])
        return dc_fail(c, s, "name must not be empty");
    for (i = 0; n[i]; i++) {
        if (!dc_name_char(n[i]) && n[i] >= 0x20 && n[i] < 0x7f)
            return dc_fail(c, s,
                           "name contains '%c' (allowed: letters, "
                           "digits, '_', '.' and '-')",
                           n[i]);
        if (!dc_name_char(n[i]))
            return dc_fail(c, s,
                           "name contains byte 0x%02x (allowed: "
                           "letters, digits, '_', '.' and '-')",
                           (unsigned char)n[i]);
        digits += xlcfg_is_digit(n[i]);
    }
    if (digits == i)
        return dc_fail(c, s,
                       "name '%s' is all digits, which would read as "
                       "a domain id",
                       n);
    c->name = s;
    return 0;
}

static int dc_type(struct xlcfg_dc *c, const struct xlcfg_setting *s)
{
    const char *t = NULL;
    char shown[48];
    int rc;

    rc = dc_string(c, s, &t);
    if (rc)
        return rc;
    if (strcmp(t, "pvh") == 0 || strcmp(t, "sim") == 0) {
        /* sim: kernel names a built-in sim guest program (xhv only). */
        snprintf(c->dc.type, sizeof(c->dc.type), "%s", t);
        return 0;
    }
    xlcfg_printable(shown, sizeof(shown), t, strlen(t));
    if (strcmp(t, "pv") == 0 || strcmp(t, "hvm") == 0)
        return dc_fail(c, s,
                       "type \"%s\" is not supported: xhv runs only "
                       "PVH guests (type = \"pvh\")",
                       shown);
    return dc_fail(c, s,
                   "unknown type \"%s\" (xhv supports \"pvh\", and \"sim\" "
                   "for its built-in test guests)",
                   shown);
}

#define XLCFG_MEMORY_MAX_MIB 1048576 /* 1 TiB */
#define XLCFG_VCPUS_MAX      128

static int dc_memory(struct xlcfg_dc *c, const struct xlcfg_setting *s)
{
    bool max = strcmp(s->key, "maxmem") == 0;
    int rc;

    rc = dc_number(c, s, 1, XLCFG_MEMORY_MAX_MIB, " (MiB)",
                   max ? &c->dc.maxmem_mib : &c->dc.memory_mib);
    if (rc)
        return rc;
    if (max)
        c->maxmem = s;
    else
        c->memory = s;
    return 0;
}

static int dc_vcpus(struct xlcfg_dc *c, const struct xlcfg_setting *s)
{
    uint64_t v;
    int rc;

    rc = dc_number(c, s, 1, XLCFG_VCPUS_MAX, "", &v);
    if (!rc)
        c->dc.vcpus = (unsigned int)v;
    return rc;
}

/* Bounds as xhv's grant tables accept them (src/gnttab/gnttab.h). */
#define XLCFG_GRANT_FRAMES_MAX    4096
#define XLCFG_MAPTRACK_FRAMES_MAX 65536

static int dc_gnttab(struct xlcfg_dc *c, const struct xlcfg_setting *s)
{
    bool maptrack = strcmp(s->key, "max_maptrack_frames") == 0;
    uint64_t v;
    int rc;

    rc = dc_number(
        c, s, 1, maptrack ? XLCFG_MAPTRACK_FRAMES_MAX : XLCFG_GRANT_FRAMES_MAX,
        "", &v);
    if (rc)
        return rc;
    if (maptrack)
        c->dc.max_maptrack_frames = (unsigned int)v;
    else
        c->dc.max_grant_frames = (unsigned int)v;
    return 0;
}

static int dc_kernel(struct xlcfg_dc *c, const struct xlcfg_setting *s)
{
    int rc = dc_copy(c, s, c->dc.kernel, sizeof(c->dc.kernel));

    if (rc)
        return rc;
    if (!c->dc.kernel[0])
        return dc_fail(c, s, "kernel must not be empty");
    c->kernel = s;
    return 0;
}

static int dc_ramdisk(struct xlcfg_dc *c, const struct xlcfg_setting *s)
{
    return dc_copy(c, s, c->dc.ramdisk, sizeof(c->dc.ramdisk));
}

/* cmdline, root and extra combine only once all are known. */
static int dc_cmdline_part(struct xlcfg_dc *c, const struct xlcfg_setting *s)
{
    const char *str = NULL;
    int rc = dc_string(c, s, &str);

    if (rc)
        return rc;
    if (s->key[0] == 'c')
        c->cmdline = s;
    else if (s->key[0] == 'r')
        c->root = s;
    else
        c->extra = s;
    return 0;
}

static int dc_action(struct xlcfg_dc *c, const struct xlcfg_setting *s)
{
    enum xlcfg_action *a = &c->dc.on_crash;
    const char *str = NULL;
    char shown[48];
    int rc;

    if (strcmp(s->key, "on_poweroff") == 0)
        a = &c->dc.on_poweroff;
    else if (strcmp(s->key, "on_reboot") == 0)
        a = &c->dc.on_reboot;
    rc = dc_string(c, s, &str);
    if (rc || xlcfg_action_parse(str, a) == 0)
        return rc;
    return dc_fail(c, s,
                   "unknown action '%s' for %s (one of destroy, "
                   "restart, preserve, rename-restart, "
                   "coredump-destroy, coredump-restart, soft-reset)",
                   xlcfg_printable(shown, sizeof(shown), str, strlen(str)),
                   s->key);
}

typedef int (*xlcfg_rule_fn)(struct xlcfg_dc *c, const struct xlcfg_setting *s);

static const struct xlcfg_rule {
    const char *key;
    xlcfg_rule_fn apply;
} xlcfg_rules[] = {
    {"name", dc_name},
    {"type", dc_type},
    {"memory", dc_memory},
    {"maxmem", dc_memory},
    {"vcpus", dc_vcpus},
    {"kernel", dc_kernel},
    {"ramdisk", dc_ramdisk},
    {"cmdline", dc_cmdline_part},
    {"root", dc_cmdline_part},
    {"extra", dc_cmdline_part},
    {"on_poweroff", dc_action},
    {"on_reboot", dc_action},
    {"on_crash", dc_action},
    {"max_grant_frames", dc_gnttab},
    {"max_maptrack_frames", dc_gnttab},
};

/* xl keys xhv does not implement yet: a clearer error than "unknown". */
static const char *const xlcfg_unsupported[] = {
    "builder",       "maxvcpus", "cpus",       "cpus_soft", "pool",
    "cpu_weight",    "cap",      "vnuma",      "disk",      "vif",
    "pci",           "vfb",      "vkb",        "usbdev",    "channel",
    "serial",        "uuid",     "bootloader", "firmware",  "on_watchdog",
    "on_soft_reset", "seclabel", "vtpm",       "p9",        "pvshim",
};

/* Levenshtein distance, or 3 (more than any suggestion may be) early. */
static unsigned int xlcfg_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j;
    unsigned int row[32], diag, up;

    if (la > lb + 2 || lb > la + 2 || lb >= ARRAY_SIZE(row))
        return 3;
    for (j = 0; j <= lb; j++)
        row[j] = (unsigned int)j;
    for (i = 1; i <= la; i++) {
        diag = row[0];
        row[0] = (unsigned int)i;
        for (j = 1; j <= lb; j++) {
            up = row[j];
            row[j] = XHV_MIN(XHV_MIN(up, row[j - 1]) + 1,
                             diag + (a[i - 1] != b[j - 1]));
            diag = up;
        }
    }
    return row[lb];
}

static int dc_unknown(struct xlcfg_dc *c, const struct xlcfg_setting *s)
{
    const char *best = NULL;
    unsigned int d, best_d = 3;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(xlcfg_unsupported); i++)
        if (strcmp(s->key, xlcfg_unsupported[i]) == 0)
            return dc_fail(c, s, "setting '%s' is not supported by xhv yet",
                           s->key);
    for (i = 0; i < ARRAY_SIZE(xlcfg_rules); i++) {
        d = xlcfg_distance(s->key, xlcfg_rules[i].key);
        if (d < best_d) {
            best_d = d;
            best = xlcfg_rules[i].key;
        }
    }
    if (best)
        return dc_fail(c, s, "unknown setting '%.64s' (did you mean '%s'?)",
                       s->key, best);
    return dc_fail(c, s, "unknown setting '%.64s'", s->key);
}

/* xl's rule: cmdline wins; otherwise "root=ROOT EXTRA" from the parts. */
static int dc_build_cmdline(struct xlcfg_dc *c)
{
    const char *root = c->root ? c->root->v.text : NULL;
    const char *extra = c->extra ? c->extra->v.text : NULL;
    size_t size = sizeof(c->dc.cmdline);
    int n = 0;

    if (c->cmdline) {
        if (root || extra)
            log_warn("xlcfg",
                     "%s: ignoring root= and extra= in favour of "
                     "cmdline=",
                     c->cfg->filename);
        return dc_copy(c, c->cmdline, c->dc.cmdline, size);
    }
    if (root && extra)
        n = snprintf(c->dc.cmdline, size, "root=%s %s", root, extra);
    else if (root)
        n = snprintf(c->dc.cmdline, size, "root=%s", root);
    else if (extra)
        n = snprintf(c->dc.cmdline, size, "%s", extra);
    if (n < 0 || (size_t)n >= size)
        return dc_fail(c, c->extra ? c->extra : c->root,
                       "the command line made from root and extra is too "
                       "long (%d bytes, at most %zu)",
                       n, size - 1);
    return 0;
}

/* Checks that need every setting seen: required keys, maxmem, cmdline. */
static int dc_finish(struct xlcfg_dc *c)
{
    static const char *const required[] = {"name", "memory", "kernel"};
    const struct xlcfg_setting *seen[] = {c->name, c->memory, c->kernel};
    size_t i;

    for (i = 0; i < ARRAY_SIZE(required); i++)
        if (!seen[i])
            return dc_fail(c, NULL, "missing required setting '%s'",
                           required[i]);
    if (!c->maxmem)
        c->dc.maxmem_mib = c->dc.memory_mib;
    if (c->dc.maxmem_mib < c->dc.memory_mib)
        return dc_fail(c, c->maxmem,
                       "maxmem (%llu MiB) is less than memory (%llu MiB)",
                       (unsigned long long)c->dc.maxmem_mib,
                       (unsigned long long)c->dc.memory_mib);
    return dc_build_cmdline(c);
}

int xlcfg_to_domain_config(const struct xlcfg *cfg,
                           struct xhv_domain_config *dc,
                           struct xlcfg_error *err)
{
    struct xlcfg_dc c;
    size_t i, r;
    int rc = 0;

    if (err)
        memset(err, 0, sizeof(*err));
    memset(&c, 0, sizeof(c));
    c.cfg = cfg;
    c.err = err;
    snprintf(c.dc.type, sizeof(c.dc.type), "pvh");
    c.dc.vcpus = 1;
    c.dc.max_grant_frames = 64;
    c.dc.max_maptrack_frames = 1024;
    c.dc.on_poweroff = XLCFG_ACT_DESTROY;
    c.dc.on_reboot = XLCFG_ACT_RESTART;
    c.dc.on_crash = XLCFG_ACT_DESTROY;
    for (i = 0; !rc && i < cfg->n; i++) {
        const struct xlcfg_setting *s = &cfg->set[i];

        for (r = 0; r < ARRAY_SIZE(xlcfg_rules); r++)
            if (strcmp(s->key, xlcfg_rules[r].key) == 0)
                break;
        rc = r < ARRAY_SIZE(xlcfg_rules) ? xlcfg_rules[r].apply(&c, s)
                                         : dc_unknown(&c, s);
    }
    if (!rc)
        rc = dc_finish(&c);
    if (!rc)
        *dc = c.dc;
    return rc;
}
