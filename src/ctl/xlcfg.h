/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain configuration files in Xen's xl.cfg syntax.
 *
 * Two layers. The first (xlcfg_parse*, xlcfg_get_*) knows only the syntax:
 * it turns untrusted text into a list of KEY = VALUE settings, in file
 * order, where a VALUE is a number (kept as its source text, as xl does), a
 * string or a flat list of numbers and strings. The second
 * (xlcfg_to_domain_config) knows xhv's keys and turns the settings into a
 * struct xhv_domain_config, rejecting unknown keys and bad values with an
 * error that points at the offending setting.
 *
 * Every function returns 0 or a negative errno. Errors that come from the
 * input are -EINVAL (-EFBIG for an input over XLCFG_MAX_INPUT) and fill in
 * the struct xlcfg_error when one is given; allocation failures are
 * -ENOMEM. On any error nothing is returned and nothing is left allocated.
 * docs/config.md is the user-facing reference.
 */
#ifndef XHV_CTL_XLCFG_H
#define XHV_CTL_XLCFG_H

#include <stddef.h>
#include <stdint.h>

/* Limits on untrusted input; each is checked, never assumed. */
#define XLCFG_MAX_INPUT    (1u << 20) /* bytes of one file or string */
#define XLCFG_MAX_SETTINGS 4096       /* distinct keys */
#define XLCFG_MAX_ITEMS    1024       /* items in one list */
#define XLCFG_MAX_VALUE    65536      /* bytes of one (decoded) value */
#define XLCFG_MAX_KEY      128        /* bytes of one key */

/* The file name used in errors about command-line overrides. */
#define XLCFG_CMDLINE_FILE "<command line>"

struct xlcfg;

/*
 * Where and what went wrong. line and col are 1-based and point at the
 * offending character; line 0 means the error has no position (a missing
 * setting, an unreadable file, a setting made by an override).
 */
struct xlcfg_error {
    char file[256];
    unsigned int line, col;
    char msg[200];
};

int xlcfg_parse(const char *text, size_t len, const char *filename,
                struct xlcfg **out, struct xlcfg_error *err);
/* Reads path (at most XLCFG_MAX_INPUT bytes) and parses it. */
int xlcfg_parse_file(const char *path, struct xlcfg **out,
                     struct xlcfg_error *err);
/*
 * Applies one "key=value" command-line argument as if it had been the last
 * line of the file. A value that is not quoted, not a list and not a
 * number is a bare string: name=web1. On error cfg is unchanged.
 */
int xlcfg_apply_override(struct xlcfg *cfg, const char *kv,
                         struct xlcfg_error *err);
void xlcfg_free(struct xlcfg *cfg);

/*
 * Typed getters. A number reads as its source text through get_string and
 * a string of digits reads as a number through get_u64, as in xl. All
 * return -ENOENT when the key is absent and -EINVAL when the value has the
 * wrong shape; get_u64 returns -ERANGE when the number does not fit. The
 * pointers stay valid until the key is set again or cfg is freed. items
 * may be NULL when *n is 0.
 */
int xlcfg_get_string(const struct xlcfg *cfg, const char *key,
                     const char **out);
int xlcfg_get_u64(const struct xlcfg *cfg, const char *key, uint64_t *out);
int xlcfg_get_list(const struct xlcfg *cfg, const char *key,
                   const char *const **items, size_t *n);

/*
 * Keys in the order they first appeared. A key set again (later in the
 * file or by an override) keeps its place and takes the new value, as the
 * last assignment wins in xl.
 */
size_t xlcfg_count(const struct xlcfg *cfg);
const char *xlcfg_key(const struct xlcfg *cfg, size_t i);
/* How many times key was assigned (0 when absent, >1 when overridden). */
unsigned int xlcfg_times_set(const struct xlcfg *cfg, const char *key);
/* Position of the key of the assignment that won; 0:0 for an override. */
int xlcfg_position(const struct xlcfg *cfg, const char *key, unsigned int *line,
                   unsigned int *col);

/* "file:line:col: msg", or "file: msg" when the error has no position. */
void xlcfg_error_format(const struct xlcfg_error *e, char *buf, size_t len);

/* What to do when a guest powers off, reboots or crashes (xl's names). */
enum xlcfg_action {
    XLCFG_ACT_DESTROY,
    XLCFG_ACT_RESTART,
    XLCFG_ACT_PRESERVE,
    XLCFG_ACT_RENAME_RESTART,
    XLCFG_ACT_COREDUMP_DESTROY,
    XLCFG_ACT_COREDUMP_RESTART,
    XLCFG_ACT_SOFT_RESET,
};

/* A validated domain configuration; every string is NUL-terminated. */
struct xhv_domain_config {
    char name[64];
    char type[8];
    uint64_t memory_mib, maxmem_mib;
    unsigned int vcpus;
    /* Grant-table limits, xl's defaults (64, 1024) unless set. */
    unsigned int max_grant_frames, max_maptrack_frames;
    char kernel[4096], ramdisk[4096], cmdline[4096];
    enum xlcfg_action on_poweroff, on_reboot, on_crash;
};

/* Validates cfg against xhv's keys; dc is written only on success. */
int xlcfg_to_domain_config(const struct xlcfg *cfg,
                           struct xhv_domain_config *dc,
                           struct xlcfg_error *err);

/* "destroy", "rename-restart", ...; "unknown" for a value out of range. */
const char *xlcfg_action_name(enum xlcfg_action a);
int xlcfg_action_parse(const char *s, enum xlcfg_action *out);

#endif /* XHV_CTL_XLCFG_H */
