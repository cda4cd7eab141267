/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the xl.cfg parser and the domain-config layer.
 *
 * An input is CONFIG, or CONFIG NUL OVERRIDE: the config text is parsed,
 * every setting is read back through every getter, the override (the
 * bytes after the first NUL, up to the next) is applied as a command-line
 * "key=value", and the result is converted to a domain config. Beyond the
 * sanitizers, it checks the API's promises: an error always says where and
 * what, a failed parse returns nothing, a converted config holds only
 * in-range values, and nothing allocated is left behind.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/xlcfg.h"
#include "lib/alloc.h"
#include "lib/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_xlcfg: check failed: %s (line %d)\n", #cond, \
                    __LINE__);                                                 \
            abort();                                                           \
        }                                                                      \
    } while (0)

static void check_error(int rc, const struct xlcfg_error *err)
{
    char buf[600];

    CHECK(rc < 0);
    CHECK(err->msg[0] != '\0');
    CHECK(err->line == 0 || err->col >= 1);
    xlcfg_error_format(err, buf, sizeof(buf));
    CHECK(strlen(buf) < sizeof(buf));
}

/* Every getter on every key must answer consistently with the others. */
static void read_back(const struct xlcfg *cfg)
{
    size_t i, n;

    for (i = 0; i < xlcfg_count(cfg); i++) {
        const char *key = xlcfg_key(cfg, i), *s;
        const char *const *items;
        unsigned int line, col;
        uint64_t v;
        int rs, rl;

        CHECK(key != NULL);
        CHECK(xlcfg_times_set(cfg, key) >= 1);
        CHECK(xlcfg_position(cfg, key, &line, &col) == 0);
        rs = xlcfg_get_string(cfg, key, &s);
        rl = xlcfg_get_list(cfg, key, &items, &n);
        CHECK((rs == 0) != (rl == 0));
        if (rs == 0)
            CHECK(strlen(s) <= XLCFG_MAX_VALUE);
        else
            CHECK(n <= XLCFG_MAX_ITEMS && (n == 0 || items[n - 1]));
        rs = xlcfg_get_u64(cfg, key, &v);
        CHECK(rs == 0 || rs == -EINVAL || rs == -ERANGE);
    }
    CHECK(xlcfg_key(cfg, xlcfg_count(cfg)) == NULL);
}

static void check_domain_config(const struct xhv_domain_config *dc)
{
    CHECK(strnlen(dc->name, sizeof(dc->name)) < sizeof(dc->name));
    CHECK(dc->name[0] != '\0');
    CHECK(strcmp(dc->type, "pvh") == 0);
    CHECK(dc->memory_mib >= 1 && dc->memory_mib <= dc->maxmem_mib);
    CHECK(dc->maxmem_mib <= 1048576);
    CHECK(dc->vcpus >= 1 && dc->vcpus <= 128);
    CHECK(dc->kernel[0] != '\0');
    CHECK(strnlen(dc->kernel, sizeof(dc->kernel)) < sizeof(dc->kernel));
    CHECK(strnlen(dc->ramdisk, sizeof(dc->ramdisk)) < sizeof(dc->ramdisk));
    CHECK(strnlen(dc->cmdline, sizeof(dc->cmdline)) < sizeof(dc->cmdline));
    CHECK(strcmp(xlcfg_action_name(dc->on_crash), "unknown") != 0);
}

/* The bytes after the first NUL, up to the next, as a C string. */
static char *override_of(const uint8_t *data, size_t size, size_t text_len)
{
    size_t off = text_len + 1, len;
    char *kv;

    if (text_len >= size)
        return NULL;
    len = strnlen((const char *)data + off, size - off);
    kv = malloc(len + 1);
    if (kv) {
        memcpy(kv, data + off, len);
        kv[len] = '\0';
    }
    return kv;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xhv_domain_config dc;
    const char *text = (const char *)data;
    long live = xhv_alloc_live();
    struct xlcfg *cfg = (struct xlcfg *)&dc;
    struct xlcfg_error err;
    size_t text_len = strnlen(text, size);
    char *kv;
    int rc;

    log_set_stderr_level(LOG_ERR);
    if (text_len < size) {
        /* With the NUL left in, the whole input must be refused. */
        rc = xlcfg_parse(text, size, "fuzz.cfg", &cfg, &err);
        CHECK(rc == -EINVAL || rc == -EFBIG);
        CHECK(cfg == NULL);
    }
    rc = xlcfg_parse(text, text_len, "fuzz.cfg", &cfg, &err);
    if (rc) {
        check_error(rc, &err);
        CHECK(cfg == NULL);
        goto out;
    }
    read_back(cfg);
    kv = override_of(data, size, text_len);
    if (kv) {
        rc = xlcfg_apply_override(cfg, kv, &err);
        if (rc)
            check_error(rc, &err);
        else
            read_back(cfg);
        free(kv);
    }
    rc = xlcfg_to_domain_config(cfg, &dc, &err);
    if (rc)
        check_error(rc, &err);
    else
        check_domain_config(&dc);
    xlcfg_free(cfg);
out:
    CHECK(xhv_alloc_live() == live);
    return 0;
}
