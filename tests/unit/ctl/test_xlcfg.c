/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xl.cfg parser and the domain-config layer: every value kind, the
 * lexical corners (escapes, comments, CRLF, ';'), duplicates, overrides,
 * the limits, malformed input with exact positions, semantic errors, and
 * a fault loop proving every allocation failure is a clean -ENOMEM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/xlcfg.h"
#include "lib/alloc.h"
#include "lib/fault.h"
#include "lib/log.h"
#include "xhv_test.h"

#define FILE_NAME "guest.cfg"

static const char realistic[] =
    "# web1: a PVH guest booted straight into its kernel.\n"
    "name = \"web1\"\n"
    "type = \"pvh\"\n"
    "\n"
    "memory = 1024   # MiB\n"
    "maxmem = 0x800\n"
    "vcpus  = 4\n"
    "\n"
    "kernel  = \"/var/lib/xhv/images/vmlinuz-6.6\"\n"
    "ramdisk = '/var/lib/xhv/images/initrd-6.6.img'\n"
    "cmdline = \"console=hvc0 root=/dev/xvda1 ro quiet\"\n"
    "\n"
    "on_poweroff = \"destroy\"\n"
    "on_reboot   = \"restart\"\n"
    "on_crash    = \"coredump-restart\"\n";

static struct xlcfg *parse_ok(const char *text)
{
    struct xlcfg_error err;
    struct xlcfg *cfg = NULL;
    int rc = xlcfg_parse(text, strlen(text), FILE_NAME, &cfg, &err);

    if (rc)
        fail_msg("parse failed (%d): %s:%u:%u: %s", rc, err.file, err.line,
                 err.col, err.msg);
    assert_non_null(cfg);
    return cfg;
}

/* Which table entry a table-driven test is on, for failure messages. */
static int case_no = -1;

/* The error must sit at line:col, contain msg, and format as
 * "guest.cfg:line:col: ..." (or "guest.cfg: ..." when line is 0). */
static void check_error(const struct xlcfg_error *err, const char *file,
                        unsigned int line, unsigned int col, const char *msg)
{
    char buf[512], prefix[300];

    if (err->line != line || err->col != col || !strstr(err->msg, msg))
        fail_msg("case %d: got %s:%u:%u: '%s'; want %u:%u: '...%s...'", case_no,
                 err->file, err->line, err->col, err->msg, line, col, msg);
    assert_string_equal(err->file, file);
    xlcfg_error_format(err, buf, sizeof(buf));
    if (line)
        snprintf(prefix, sizeof(prefix), "%s:%u:%u: ", file, line, col);
    else
        snprintf(prefix, sizeof(prefix), "%s: ", file);
    assert_memory_equal(buf, prefix, strlen(prefix));
}

static void parse_fails_len(const char *text, size_t len, unsigned int line,
                            unsigned int col, const char *msg)
{
    struct xlcfg *cfg = (struct xlcfg *)1;
    struct xlcfg_error err;
    long live = xhv_alloc_live();

    assert_int_equal(xlcfg_parse(text, len, FILE_NAME, &cfg, &err), -EINVAL);
    assert_null(cfg);
    check_error(&err, FILE_NAME, line, col, msg);
    assert_int_equal(xhv_alloc_live(), live);
}

static void parse_fails(const char *text, unsigned int line, unsigned int col,
                        const char *msg)
{
    parse_fails_len(text, strlen(text), line, col, msg);
}

/* Parses text, which must be valid syntax, and expects the domain layer
 * to reject it at line:col. */
static void dc_fails(const char *text, unsigned int line, unsigned int col,
                     const char *msg)
{
    struct xhv_domain_config dc, before;
    struct xlcfg *cfg = parse_ok(text);
    struct xlcfg_error err;

    memset(&dc, 0xa5, sizeof(dc));
    before = dc;
    assert_int_equal(xlcfg_to_domain_config(cfg, &dc, &err), -EINVAL);
    check_error(&err, FILE_NAME, line, col, msg);
    /* A failed conversion leaves the caller's struct alone. */
    assert_memory_equal(&dc, &before, sizeof(dc));
    xlcfg_free(cfg);
}

static void test_realistic_pvh(void **state)
{
    struct xhv_domain_config dc;
    struct xlcfg_error err;
    struct xlcfg *cfg;
    unsigned int line, col;

    (void)state;
    cfg = parse_ok(realistic);
    assert_int_equal(xlcfg_count(cfg), 11);
    assert_string_equal(xlcfg_key(cfg, 0), "name");
    assert_string_equal(xlcfg_key(cfg, 10), "on_crash");
    assert_null(xlcfg_key(cfg, 11));
    assert_int_equal(xlcfg_position(cfg, "vcpus", &line, &col), 0);
    assert_int_equal(line, 7);
    assert_int_equal(col, 1);
    assert_int_equal(xlcfg_position(cfg, "nope", &line, &col), -ENOENT);

    assert_int_equal(xlcfg_to_domain_config(cfg, &dc, &err), 0);
    assert_string_equal(dc.name, "web1");
    assert_string_equal(dc.type, "pvh");
    assert_int_equal(dc.memory_mib, 1024);
    assert_int_equal(dc.maxmem_mib, 2048);
    assert_int_equal(dc.vcpus, 4);
    assert_string_equal(dc.kernel, "/var/lib/xhv/images/vmlinuz-6.6");
    assert_string_equal(dc.ramdisk, "/var/lib/xhv/images/initrd-6.6.img");
    assert_string_equal(dc.cmdline, "console=hvc0 root=/dev/xvda1 ro quiet");
    assert_int_equal(dc.on_poweroff, XLCFG_ACT_DESTROY);
    assert_int_equal(dc.on_reboot, XLCFG_ACT_RESTART);
    assert_int_equal(dc.on_crash, XLCFG_ACT_COREDUMP_RESTART);
    xlcfg_free(cfg);
}

static void test_defaults(void **state)
{
    struct xhv_domain_config dc;
    struct xlcfg *cfg;

    (void)state;
    cfg = parse_ok("name='a'\nmemory=256\nkernel='/k'");
    assert_int_equal(xlcfg_to_domain_config(cfg, &dc, NULL), 0);
    assert_string_equal(dc.type, "pvh");
    assert_int_equal(dc.memory_mib, 256);
    assert_int_equal(dc.maxmem_mib, 256);
    assert_int_equal(dc.vcpus, 1);
    assert_string_equal(dc.ramdisk, "");
    assert_string_equal(dc.cmdline, "");
    assert_int_equal(dc.on_poweroff, XLCFG_ACT_DESTROY);
    assert_int_equal(dc.on_reboot, XLCFG_ACT_RESTART);
    assert_int_equal(dc.on_crash, XLCFG_ACT_DESTROY);
    xlcfg_free(cfg);
}

static void test_value_kinds(void **state)
{
    const char *const *items;
    const char *s;
    struct xlcfg *cfg;
    uint64_t v;
    size_t n;

    (void)state;
    cfg = parse_ok("dec = 4096\nhex = 0xFFff\nzero = 0\n"
                   "dq = \"double\"\nsq = 'single'\nempty = ''\n"
                   "digits = \"512\"\nbig = 18446744073709551615\n"
                   "huge = 18446744073709551616\n"
                   "list = [ 'a', \"b\", 3, 0x4 ]\nnone = []\n");
    assert_int_equal(xlcfg_get_u64(cfg, "dec", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(xlcfg_get_u64(cfg, "hex", &v), 0);
    assert_int_equal(v, 0xffff);
    assert_int_equal(xlcfg_get_u64(cfg, "zero", &v), 0);
    assert_int_equal(v, 0);
    /* A number keeps its source text, as xl stores it. */
    assert_int_equal(xlcfg_get_string(cfg, "hex", &s), 0);
    assert_string_equal(s, "0xFFff");
    assert_int_equal(xlcfg_get_string(cfg, "dq", &s), 0);
    assert_string_equal(s, "double");
    assert_int_equal(xlcfg_get_string(cfg, "sq", &s), 0);
    assert_string_equal(s, "single");
    assert_int_equal(xlcfg_get_string(cfg, "empty", &s), 0);
    assert_string_equal(s, "");
    /* A string of digits reads as a number, as in xl. */
    assert_int_equal(xlcfg_get_u64(cfg, "digits", &v), 0);
    assert_int_equal(v, 512);
    assert_int_equal(xlcfg_get_u64(cfg, "dq", &v), -EINVAL);
    assert_int_equal(xlcfg_get_u64(cfg, "empty", &v), -EINVAL);
    assert_int_equal(xlcfg_get_u64(cfg, "big", &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(xlcfg_get_u64(cfg, "huge", &v), -ERANGE);

    assert_int_equal(xlcfg_get_list(cfg, "list", &items, &n), 0);
    assert_int_equal(n, 4);
    assert_string_equal(items[0], "a");
    assert_string_equal(items[1], "b");
    assert_string_equal(items[2], "3");
    assert_string_equal(items[3], "0x4");
    assert_int_equal(xlcfg_get_list(cfg, "none", &items, &n), 0);
    assert_int_equal(n, 0);

    assert_int_equal(xlcfg_get_string(cfg, "list", &s), -EINVAL);
    assert_int_equal(xlcfg_get_u64(cfg, "list", &v), -EINVAL);
    assert_int_equal(xlcfg_get_list(cfg, "dq", &items, &n), -EINVAL);
    assert_int_equal(xlcfg_get_string(cfg, "missing", &s), -ENOENT);
    assert_int_equal(xlcfg_get_u64(cfg, "missing", &v), -ENOENT);
    assert_int_equal(xlcfg_get_list(cfg, "missing", &items, &n), -ENOENT);
    assert_int_equal(xlcfg_times_set(cfg, "missing"), 0);
    xlcfg_free(cfg);
}

static void test_escapes(void **state)
{
    struct xlcfg *cfg;
    const char *s;

    (void)state;
    cfg = parse_ok("a = \"t\\tn\\nb\\\\q\\\"s\\'x\\x41\\x7e\"\n"
                   "b = 'it\\'s \"fine\" \\x2A'\n"
                   "c = \"\\a\\b\\f\\r\\v\"\n"
                   "d = \"caf\xc3\xa9 # not a comment\"\n");
    assert_int_equal(xlcfg_get_string(cfg, "a", &s), 0);
    assert_string_equal(s, "t\tn\nb\\q\"s'xA~");
    assert_int_equal(xlcfg_get_string(cfg, "b", &s), 0);
    assert_string_equal(s, "it's \"fine\" *");
    assert_int_equal(xlcfg_get_string(cfg, "c", &s), 0);
    assert_string_equal(s, "\a\b\f\r\v");
    assert_int_equal(xlcfg_get_string(cfg, "d", &s), 0);
    assert_string_equal(s, "caf\xc3\xa9 # not a comment");
    xlcfg_free(cfg);
}

static void test_comments_and_blank_lines(void **state)
{
    struct xlcfg *cfg;
    const char *s;
    uint64_t v;

    (void)state;
    cfg = parse_ok("#!/usr/bin/env xhv\n\n   # indented comment\n"
                   "a = 1 # trailing\n\t\n#last=2\nb='x'#tight");
    assert_int_equal(xlcfg_count(cfg), 2);
    assert_int_equal(xlcfg_get_u64(cfg, "a", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(xlcfg_get_string(cfg, "b", &s), 0);
    assert_string_equal(s, "x");
    assert_int_equal(xlcfg_get_string(cfg, "last", &s), -ENOENT);
    xlcfg_free(cfg);

    cfg = parse_ok("");
    assert_int_equal(xlcfg_count(cfg), 0);
    xlcfg_free(cfg);
    cfg = parse_ok("# only a comment, no newline");
    assert_int_equal(xlcfg_count(cfg), 0);
    xlcfg_free(cfg);
}

static void test_list_across_lines(void **state)
{
    const char *const *items;
    struct xlcfg *cfg;
    size_t n;

    (void)state;
    cfg = parse_ok("disk = [\n"
                   "    'phy:/dev/vg/web1,xvda,w',   # root\n"
                   "\n"
                   "    \"file:/srv/data.img,xvdb,r\",\n"
                   "    # a comment between items\n"
                   "    42\n"
                   "    ,\n"
                   "]\n"
                   "after = [ 1 ,2, ]; x = [\n]\n");
    assert_int_equal(xlcfg_get_list(cfg, "disk", &items, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(items[0], "phy:/dev/vg/web1,xvda,w");
    assert_string_equal(items[1], "file:/srv/data.img,xvdb,r");
    assert_string_equal(items[2], "42");
    assert_int_equal(xlcfg_get_list(cfg, "after", &items, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(items[1], "2");
    assert_int_equal(xlcfg_get_list(cfg, "x", &items, &n), 0);
    assert_int_equal(n, 0);
    xlcfg_free(cfg);
}

static void test_crlf(void **state)
{
    struct xhv_domain_config dc;
    char crlf[sizeof(realistic) * 2];
    struct xlcfg *cfg;
    unsigned int line, col;
    size_t i, n = 0;

    (void)state;
    for (i = 0; realistic[i]; i++) {
        if (realistic[i] == '\n')
            crlf[n++] = '\r';
        crlf[n++] = realistic[i];
    }
    crlf[n] = '\0';
    cfg = parse_ok(crlf);
    assert_int_equal(xlcfg_to_domain_config(cfg, &dc, NULL), 0);
    assert_string_equal(dc.name, "web1");
    assert_string_equal(dc.cmdline, "console=hvc0 root=/dev/xvda1 ro quiet");
    assert_int_equal(xlcfg_position(cfg, "kernel", &line, &col), 0);
    assert_int_equal(line, 9);
    assert_int_equal(col, 1);
    xlcfg_free(cfg);
    /* Positions after CRLF lines count lines the same way. */
    parse_fails("a = 1\r\nb = 2\r\nc 3\r\n", 3, 3, "expected '=' after 'c'");
}

static void test_semicolons(void **state)
{
    struct xlcfg *cfg;
    const char *s;
    uint64_t v;

    (void)state;
    cfg = parse_ok("name=\"h0\"; type=\"pvh\";memory=64;;\n;\nvcpus=2;");
    assert_int_equal(xlcfg_count(cfg), 4);
    assert_int_equal(xlcfg_get_string(cfg, "type", &s), 0);
    assert_string_equal(s, "pvh");
    assert_int_equal(xlcfg_get_u64(cfg, "memory", &v), 0);
    assert_int_equal(v, 64);
    assert_int_equal(xlcfg_get_u64(cfg, "vcpus", &v), 0);
    assert_int_equal(v, 2);
    xlcfg_free(cfg);
}

static void test_duplicate_key_later_wins(void **state)
{
    struct xhv_domain_config dc;
    struct xlcfg *cfg;
    unsigned int line, col;
    uint64_t v;

    (void)state;
    cfg = parse_ok("memory = 512\nname = 'x'\n  memory = [1]\n"
                   "kernel='/k'\n    memory = 768\n");
    assert_int_equal(xlcfg_count(cfg), 3);
    /* The key keeps its first place in the order... */
    assert_string_equal(xlcfg_key(cfg, 0), "memory");
    /* ...but takes the last value and position. */
    assert_int_equal(xlcfg_get_u64(cfg, "memory", &v), 0);
    assert_int_equal(v, 768);
    assert_int_equal(xlcfg_times_set(cfg, "memory"), 3);
    assert_int_equal(xlcfg_times_set(cfg, "name"), 1);
    assert_int_equal(xlcfg_position(cfg, "memory", &line, &col), 0);
    assert_int_equal(line, 5);
    assert_int_equal(col, 5);
    assert_int_equal(xlcfg_to_domain_config(cfg, &dc, NULL), 0);
    assert_int_equal(dc.memory_mib, 768);
    xlcfg_free(cfg);
}

static void test_overrides(void **state)
{
    const char *const *items;
    struct xhv_domain_config dc;
    struct xlcfg_error err;
    struct xlcfg *cfg;
    unsigned int line, col;
    const char *s;
    size_t n;

    (void)state;
    cfg = parse_ok(realistic);
    assert_int_equal(xlcfg_apply_override(cfg, "name=web2", &err), 0);
    assert_int_equal(xlcfg_apply_override(cfg, "memory=512", &err), 0);
    assert_int_equal(
        xlcfg_apply_override(cfg, "cmdline=\"console=hvc0\"", &err), 0);
    assert_int_equal(xlcfg_apply_override(cfg, "extra = ['a', 'b' ,]", &err),
                     0);
    assert_int_equal(xlcfg_apply_override(cfg, "on_crash=preserve", &err), 0);
    assert_int_equal(xlcfg_apply_override(cfg, "maxmem=0x400", &err), 0);
    assert_int_equal(xlcfg_count(cfg), 12);
    assert_string_equal(xlcfg_key(cfg, 11), "extra");
    assert_int_equal(xlcfg_get_list(cfg, "extra", &items, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(items[1], "b");
    assert_int_equal(xlcfg_times_set(cfg, "name"), 2);
    assert_int_equal(xlcfg_position(cfg, "name", &line, &col), 0);
    assert_int_equal(line, 0);
    assert_int_equal(col, 0);
    /* The list was for the test; xhv's extra must be a string. */
    assert_int_equal(xlcfg_apply_override(cfg, "extra=' quiet'", &err), 0);

    assert_int_equal(xlcfg_to_domain_config(cfg, &dc, &err), 0);
    assert_string_equal(dc.name, "web2");
    assert_int_equal(dc.memory_mib, 512);
    assert_int_equal(dc.maxmem_mib, 1024);
    assert_string_equal(dc.cmdline, "console=hvc0");
    assert_int_equal(dc.on_crash, XLCFG_ACT_PRESERVE);

    /* A bare value is taken whole, '=' and spaces included. */
    assert_int_equal(
        xlcfg_apply_override(cfg, "cmdline=console=hvc0 root=/dev/xvda1", &err),
        0);
    assert_int_equal(xlcfg_get_string(cfg, "cmdline", &s), 0);
    assert_string_equal(s, "console=hvc0 root=/dev/xvda1");
    assert_int_equal(xlcfg_apply_override(cfg, "name=  web3  ", &err), 0);
    assert_int_equal(xlcfg_get_string(cfg, "name", &s), 0);
    assert_string_equal(s, "web3");
    assert_int_equal(xlcfg_apply_override(cfg, "memory=512M", &err), 0);
    assert_int_equal(xlcfg_get_string(cfg, "memory", &s), 0);
    assert_string_equal(s, "512M");

    /* A bad value set by an override is reported against the command
     * line, with no file position. */
    assert_int_equal(xlcfg_to_domain_config(cfg, &dc, &err), -EINVAL);
    check_error(&err, XLCFG_CMDLINE_FILE, 0, 0,
                "'memory' must be a number (MiB), not '512M'");
    xlcfg_free(cfg);
}

static void override_fails(const char *kv, unsigned int col, const char *msg)
{
    struct xlcfg *cfg = parse_ok("name = 'keep'\n");
    struct xlcfg_error err;
    long live = xhv_alloc_live();
    const char *s;

    assert_int_equal(xlcfg_apply_override(cfg, kv, &err), -EINVAL);
    check_error(&err, XLCFG_CMDLINE_FILE, 1, col, msg);
    assert_int_equal(xhv_alloc_live(), live);
    /* The config is as it was. */
    assert_int_equal(xlcfg_count(cfg), 1);
    assert_int_equal(xlcfg_times_set(cfg, "name"), 1);
    assert_int_equal(xlcfg_get_string(cfg, "name", &s), 0);
    assert_string_equal(s, "keep");
    xlcfg_free(cfg);
}

static void test_override_errors(void **state)
{
    (void)state;
    override_fails("=web1", 1, "expected key=value, found '='");
    override_fails("name", 5, "expected '=' after 'name', found end of");
    override_fails("name web1", 6, "expected '=' after 'name', found word");
    override_fails("name=", 5, "missing value after '='");
    override_fails("name=   ", 5, "missing value after '='");
    override_fails("name=\"web1", 6, "unterminated string");
    override_fails("name=[1, 2", 6, "unterminated list");
    override_fails("name='a' b", 10, "unexpected word 'b' after the value");
    override_fails("name='a';b=1", 9, "unexpected ';' after the value");
    override_fails("name=a\nb", 7, "control character in value");
    override_fails("na-me=x", 3, "unexpected character '-'");
    override_fails("name=[[1]]", 7, "nested lists are not supported");
}

struct malformed {
    const char *text;
    unsigned int line, col;
    const char *msg;
};

static const struct malformed malformed[] = {
    {"name = \"web1\nmemory = 1\n", 1, 8, "unterminated string (a newline"},
    {"a = 1\nname = 'web1", 2, 8, "unterminated string"},
    {"name = \"ends in backslash\\", 1, 8, "unterminated string"},
    {"name = \"web1\"\nmemory 512\n", 2, 8, "expected '=' after 'memory'"},
    {"a = 1\nmemory\n= 512\n", 2, 7,
     "expected '=' after 'memory', found end of line"},
    {"memory = ", 1, 10, "expected a value for 'memory', found end of input"},
    {"memory =\n512", 1, 9, "expected a value for 'memory', found end of"},
    {"name = web1", 1, 8, "found word 'web1' (strings must be quoted)"},
    {"disk = [ 'a', ['b'] ]", 1, 15, "nested lists are not supported"},
    {"vif = [ 'a',\n  'b'\n", 1, 7, "unterminated list (no closing ']')"},
    {"x = [1 2]", 1, 8, "expected ',' or ']' after a list item, found number"},
    {"x = [,]", 1, 6, "expected a list item or ']', found ','"},
    {"x = [1,,2]", 1, 8, "expected a list item or ']', found ','"},
    {"x = [1; 2]", 1, 7, "expected ',' or ']' after a list item, found ';'"},
    {"memory = 0x", 1, 10, "invalid number '0x'"},
    {"memory = 12ab", 1, 10, "invalid number '12ab'"},
    {"memory = 1.5", 1, 10, "invalid number '1.5'"},
    {"memory = 010", 1, 10, "number '010' has a leading zero"},
    {"memory = -1", 1, 10, "unexpected character '-'"},
    {"memory += 5", 1, 8, "'+=' is not supported"},
    {"memory := 5", 1, 8, "unexpected character ':'"},
    {"name = \"a\\qb\"", 1, 10, "unknown escape '\\q' in string"},
    {"name = 'x\\x4'", 1, 10, "\\x must be followed by two hex digits"},
    {"name = \"\\x4g\"", 1, 9, "\\x must be followed by two hex digits"},
    {"name = \"ab\\x00\"", 1, 11, "\\x00 would put a NUL byte"},
    {"= 2", 1, 1, "expected a setting name, found '='"},
    {"\n\n  123 = 4", 3, 3, "expected a setting name, found number '123'"},
    {"'name' = 4", 1, 1, "expected a setting name, found a string"},
    {"name = \"a\" \"b\"", 1, 12,
     "expected end of line or ';' after the value of 'name', found a string"},
    {"kernel = '/k' extra", 1, 15, "after the value of 'kernel', found word"},
    {"name = 'x'\nmemory = 1 ]", 2, 12, "found ']'"},
    {"a = 1\nb", 2, 2, "expected '=' after 'b', found end of input"},
    {"name = 'a'\n\t\x80 = 1", 2, 2, "unexpected byte 0x80"},
    {"name = 'a'\n\x1b[31m = 1", 2, 1, "unexpected byte 0x1b"},
    {"name = 'a'\rmemory = 1", 1, 12,
     "expected end of line or ';' after the value of 'name', found word"},
    {"a.b = 1", 1, 2, "unexpected character '.'"},
};

static void test_malformed(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        const struct malformed *m = &malformed[i];

        case_no = (int)i;
        parse_fails(m->text, m->line, m->col, m->msg);
    }
    case_no = -1;
}

static void test_nul_byte(void **state)
{
    static const char text[] = "name = 'a'\nker\0nel = '/k'\n";
    static const char in_string[] = "name = 'a\0b'";
    static const char in_comment[] = "# \0\nname = 'a'";

    (void)state;
    parse_fails_len(text, sizeof(text) - 1, 2, 4, "NUL byte in input");
    parse_fails_len(in_string, sizeof(in_string) - 1, 1, 10,
                    "NUL byte in input");
    parse_fails_len(in_comment, sizeof(in_comment) - 1, 1, 3,
                    "NUL byte in input");
}

/* A buffer of n copies of the pattern, NUL-terminated. */
static char *repeat(const char *head, const char *pattern, size_t n,
                    const char *tail)
{
    size_t hl = strlen(head), pl = strlen(pattern), tl = strlen(tail), i;
    char *buf = malloc(hl + pl * n + tl + 1), *p = buf;

    assert_non_null(buf);
    memcpy(p, head, hl);
    p += hl;
    for (i = 0; i < n; i++, p += pl)
        memcpy(p, pattern, pl);
    memcpy(p, tail, tl + 1);
    return buf;
}

static void test_limit_list_items(void **state)
{
    char *text;

    (void)state;
    /* XLCFG_MAX_ITEMS items fit; one more does not. */
    text = repeat("l = [", "1,", XLCFG_MAX_ITEMS, "]");
    xlcfg_free(parse_ok(text));
    free(text);
    text = repeat("l = [", "1,", XLCFG_MAX_ITEMS + 1, "]");
    parse_fails(text, 1, 6 + 2 * XLCFG_MAX_ITEMS,
                "list has more than 1024 items");
    free(text);
}

static void test_limit_value_and_key(void **state)
{
    char key[XLCFG_MAX_KEY + 2];
    char *text;

    (void)state;
    /* XLCFG_MAX_VALUE decoded bytes fit; one more does not, however it
     * is written. */
    text = repeat("s = '", "a", XLCFG_MAX_VALUE, "'");
    xlcfg_free(parse_ok(text));
    free(text);
    text = repeat("s = '", "\\x41", XLCFG_MAX_VALUE + 1, "'");
    parse_fails(text, 1, 5, "string is longer than 65536 bytes");
    free(text);

    memset(key, 'k', sizeof(key));
    key[XLCFG_MAX_KEY] = '\0';
    text = repeat(key, "=1", 1, "");
    xlcfg_free(parse_ok(text));
    free(text);
    key[XLCFG_MAX_KEY] = 'k';
    key[XLCFG_MAX_KEY + 1] = '\0';
    text = repeat("\n  ", key, 1, " = 1");
    parse_fails(text, 2, 3, "is longer than 128 characters");
    free(text);
}

static void test_limit_input_size(void **state)
{
    struct xlcfg_error err;
    struct xlcfg *cfg;
    char *text;

    (void)state;
    text = repeat("", "#", XLCFG_MAX_INPUT + 1, "");
    assert_int_equal(xlcfg_parse(text, strlen(text), FILE_NAME, &cfg, &err),
                     -EFBIG);
    assert_null(cfg);
    check_error(&err, FILE_NAME, 0, 0, "input is larger than");
    text[XLCFG_MAX_INPUT] = '\0';
    xlcfg_free(parse_ok(text));
    free(text);
}

/* Assignments are capped with repeats counted (they bound the key
 * lookups); distinct keys are capped however they arrive. */
static void test_limit_settings(void **state)
{
    struct xlcfg_error err;
    struct xlcfg *cfg;
    char *text, kv[32];
    size_t i, n = 0;

    (void)state;
    text = repeat("", "a = 1\n", XLCFG_MAX_SETTINGS, "");
    cfg = parse_ok(text);
    assert_int_equal(xlcfg_times_set(cfg, "a"), XLCFG_MAX_SETTINGS);
    xlcfg_free(cfg);
    free(text);
    text = repeat("", "a = 1\n", XLCFG_MAX_SETTINGS + 1, "");
    parse_fails(text, XLCFG_MAX_SETTINGS + 1, 1, "more than 4096 settings");
    free(text);

    cfg = parse_ok("");
    for (i = 0; i < XLCFG_MAX_SETTINGS; i++) {
        snprintf(kv, sizeof(kv), "k%zu=1", i);
        n += xlcfg_apply_override(cfg, kv, NULL) == 0;
    }
    assert_int_equal(n, XLCFG_MAX_SETTINGS);
    assert_int_equal(xlcfg_apply_override(cfg, "one_more=1", &err), -EINVAL);
    check_error(&err, XLCFG_CMDLINE_FILE, 0, 0, "more than 4096 settings");
    assert_int_equal(xlcfg_apply_override(cfg, "k7=2", &err), 0);
    xlcfg_free(cfg);
}

static char tmp_path[64];

static void write_tmp(const char *text, size_t len)
{
    int fd;

    snprintf(tmp_path, sizeof(tmp_path), "/tmp/test_xlcfg.XXXXXX");
    fd = mkstemp(tmp_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

static void test_parse_file(void **state)
{
    struct xhv_domain_config dc;
    struct xlcfg_error err;
    struct xlcfg *cfg;
    const char *text;
    char *big;

    (void)state;
    write_tmp(realistic, strlen(realistic));
    assert_int_equal(xlcfg_parse_file(tmp_path, &cfg, &err), 0);
    assert_int_equal(xlcfg_to_domain_config(cfg, &dc, &err), 0);
    assert_string_equal(dc.name, "web1");
    xlcfg_free(cfg);
    unlink(tmp_path);

    /* Errors name the file as it was given. */
    text = "name = 'a'\nmemory = 0\nkernel = '/k'\n";
    write_tmp(text, strlen(text));
    assert_int_equal(xlcfg_parse_file(tmp_path, &cfg, &err), 0);
    assert_int_equal(xlcfg_to_domain_config(cfg, &dc, &err), -EINVAL);
    check_error(&err, tmp_path, 2, 1, "'memory' must be between 1 and");
    xlcfg_free(cfg);
    unlink(tmp_path);

    /* Exactly the limit is fine; one byte more is not. */
    big = repeat("", "#", XLCFG_MAX_INPUT + 1, "");
    write_tmp(big, XLCFG_MAX_INPUT);
    assert_int_equal(xlcfg_parse_file(tmp_path, &cfg, &err), 0);
    xlcfg_free(cfg);
    unlink(tmp_path);
    write_tmp(big, XLCFG_MAX_INPUT + 1);
    free(big);
    assert_int_equal(xlcfg_parse_file(tmp_path, &cfg, &err), -EFBIG);
    assert_null(cfg);
    check_error(&err, tmp_path, 0, 0, "file is larger than 1048576 bytes");
    unlink(tmp_path);

    assert_int_equal(xlcfg_parse_file("/nonexistent/x.cfg", &cfg, &err),
                     -ENOENT);
    assert_null(cfg);
    check_error(&err, "/nonexistent/x.cfg", 0, 0, "cannot open: No such");
    assert_int_equal(xlcfg_parse_file("/tmp", &cfg, &err), -EISDIR);
    check_error(&err, "/tmp", 0, 0, "cannot read");
}

static const struct malformed semantic[] = {
    {"name='a'\nmemroy=1\nkernel='/k'", 2, 1,
     "unknown setting 'memroy' (did you mean 'memory'?)"},
    {"name='a'\nmemory=1\nkernel='/k'\n  vcpu = 2", 4, 3,
     "unknown setting 'vcpu' (did you mean 'vcpus'?)"},
    {"name='a'\nmemory=1\nkernel='/k'\nKernel='/j'", 4, 1,
     "(did you mean 'kernel'?)"},
    {"nmae='a'\nmemory=1\nkernel='/k'", 1, 1, "(did you mean 'name'?)"},
    {"name='a'\nmemory=1\nkernel='/k'\nfrobnicate=1", 4, 1,
     "unknown setting 'frobnicate'"},
    {"name='a'\nmemory=1\nkernel='/k'\nvif=['bridge=br0']", 4, 1,
     "setting 'vif' is not supported by xhv yet"},
    {"name='a'\nmemory=0\nkernel='/k'", 2, 1,
     "'memory' must be between 1 and 1048576 (MiB), not 0"},
    {"name='a'\nmemory=1048577\nkernel='/k'", 2, 1,
     "must be between 1 and 1048576"},
    {"name='a'\nmemory=99999999999999999999\nkernel='/k'", 2, 1,
     "must be between 1 and 1048576 (MiB), not 99999999999999999999"},
    {"name='a'\nmemory='lots'\nkernel='/k'", 2, 1,
     "'memory' must be a number (MiB), not 'lots'"},
    {"name='a'\nmemory=[1]\nkernel='/k'", 2, 1,
     "'memory' must be a number, not a list"},
    {"name='a'\nmemory=512\nmaxmem=256\nkernel='/k'", 3, 1,
     "maxmem (256 MiB) is less than memory (512 MiB)"},
    {"name='a'\nmemory=512\nvcpus=0\nkernel='/k'", 3, 1,
     "'vcpus' must be between 1 and 128, not 0"},
    {"name='a'\nmemory=512\nvcpus=129\nkernel='/k'", 3, 1,
     "'vcpus' must be between 1 and 128, not 129"},
    {"memory=1\nkernel='/k'\nname=''", 3, 1, "name must not be empty"},
    {"memory=1\nkernel='/k'\nname='web 1'", 3, 1, "name contains ' '"},
    {"memory=1\nkernel='/k'\nname='w\\x01'", 3, 1, "name contains byte 0x01"},
    {"memory=1\nkernel='/k'\nname=1234", 3, 1,
     "name '1234' is all digits, which would read as a domain id"},
    {"memory=1\nkernel='/k'\nname=['a']", 3, 1,
     "'name' must be a string, not a list"},
    {"name='a'\nmemory=1\nkernel='/k'\ntype=\"hvm\"", 4, 1,
     "type \"hvm\" is not supported: xhv runs only PVH guests"},
    {"name='a'\nmemory=1\nkernel='/k'\ntype=\"pv\"", 4, 1,
     "type \"pv\" is not supported"},
    {"name='a'\nmemory=1\nkernel='/k'\ntype=\"pvhx\"", 4, 1,
     "unknown type \"pvhx\""},
    {"name='a'\nmemory=1", 0, 0, "missing required setting 'kernel'"},
    {"memory=1\nkernel='/k'", 0, 0, "missing required setting 'name'"},
    {"name='a'\nkernel='/k'", 0, 0, "missing required setting 'memory'"},
    {"name='a'\nmemory=1\nkernel=''", 3, 1, "kernel must not be empty"},
    {"name='a'\nmemory=1\nkernel='/k'\non_crash='explode'", 4, 1,
     "unknown action 'explode' for on_crash"},
    {"name='a'\nmemory=1\nkernel='/k'\non_reboot='Restart'", 4, 1,
     "unknown action 'Restart' for on_reboot"},
    {"name='a'\nmemory=1\nkernel='/k'\non_poweroff=['destroy']", 4, 1,
     "'on_poweroff' must be a string, not a list"},
    {"name='a'\nmemory=1\nkernel='/k'\nramdisk=[]", 4, 1,
     "'ramdisk' must be a string, not a list"},
    {"name='a'\nmemory=1\nkernel='/k'\nextra=[]", 4, 1,
     "'extra' must be a string, not a list"},
};

static void test_semantic_errors(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(semantic) / sizeof(semantic[0]); i++) {
        case_no = (int)i;
        dc_fails(semantic[i].text, semantic[i].line, semantic[i].col,
                 semantic[i].msg);
    }
    case_no = -1;
}

/* Values longer than their field are errors, never cut short. */
static void test_too_long_for_field(void **state)
{
    char *text;

    (void)state;
    text = repeat("memory=1\nkernel='/k'\nname='", "n", 64, "'");
    dc_fails(text, 3, 1, "name is 64 characters long (at most 63)");
    free(text);
    text = repeat("memory=1\nkernel='/k'\nname='", "n", 5000, "'");
    dc_fails(text, 3, 1, "name is 5000 characters long (at most 63)");
    free(text);
    text = repeat("name='a'\nmemory=1\nkernel='", "k", 4095, "'");
    xlcfg_free(parse_ok(text));
    free(text);
    text = repeat("name='a'\nmemory=1\nkernel='", "k", 4096, "'");
    dc_fails(text, 3, 1, "'kernel' is too long (4096 bytes, at most 4095)");
    free(text);
    text = repeat("name='a'\nmemory=1\nkernel='/k'\nramdisk='", "r", 5000, "'");
    dc_fails(text, 4, 1, "'ramdisk' is too long (5000 bytes");
    free(text);
    text = repeat("name='a'\nmemory=1\nkernel='/k'\ncmdline='", "c", 4096, "'");
    dc_fails(text, 4, 1, "'cmdline' is too long");
    free(text);
    /* "root=" + 4090 bytes + " " + "x" is 4097 bytes. */
    text = repeat("name='a'\nmemory=1\nkernel='/k'\nextra='x'\nroot='", "r",
                  4090, "'");
    dc_fails(text, 4, 1, "made from root and extra is too long (4097 bytes");
    free(text);
}

static void test_cmdline_root_extra(void **state)
{
    static const struct {
        const char *extra_lines, *want;
    } cases[] = {
        {"root='/dev/xvda1'\nextra='console=hvc0 quiet'",
         "root=/dev/xvda1 console=hvc0 quiet"},
        {"root='/dev/xvda1'", "root=/dev/xvda1"},
        {"extra='console=hvc0'", "console=hvc0"},
        /* xl: cmdline wins, root and extra are ignored. */
        {"extra='x'\ncmdline='console=hvc0'\nroot='/dev/y'", "console=hvc0"},
        {"cmdline=''\nroot='/dev/y'", ""},
    };
    struct xhv_domain_config dc;
    char text[256];
    size_t i;

    (void)state;
    log_set_stderr_level(LOG_ERR); /* the "ignoring root=" warning */
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct xlcfg *cfg;

        snprintf(text, sizeof(text), "name='a'\nmemory=1\nkernel='/k'\n%s",
                 cases[i].extra_lines);
        cfg = parse_ok(text);
        assert_int_equal(xlcfg_to_domain_config(cfg, &dc, NULL), 0);
        assert_string_equal(dc.cmdline, cases[i].want);
        xlcfg_free(cfg);
    }
    log_set_stderr_level(LOG_WARN);
}

static void test_name_rules(void **state)
{
    static const char *const good[] = {
        "web1",
        "a",
        "Web-1.prod_2",
        "0x10",
        "1e5",
        "-",
        "123456789a",
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
    };
    struct xhv_domain_config dc;
    char text[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct xlcfg *cfg;

        snprintf(text, sizeof(text), "name='%s'\nmemory=1\nkernel='/k'",
                 good[i]);
        cfg = parse_ok(text);
        assert_int_equal(xlcfg_to_domain_config(cfg, &dc, NULL), 0);
        assert_string_equal(dc.name, good[i]);
        xlcfg_free(cfg);
    }
}

static void test_ranges_edges(void **state)
{
    struct xhv_domain_config dc;
    struct xlcfg *cfg;

    (void)state;
    cfg = parse_ok("name='a'\nmemory=1048576\nmaxmem=1048576\nvcpus=128\n"
                   "kernel='/k'");
    assert_int_equal(xlcfg_to_domain_config(cfg, &dc, NULL), 0);
    assert_int_equal(dc.memory_mib, 1048576);
    assert_int_equal(dc.vcpus, 128);
    xlcfg_free(cfg);
    /* Quoted numbers are numbers, as in xl. */
    cfg = parse_ok("name='a'\nmemory='1'\nvcpus=\"0x2\"\nkernel='/k'");
    assert_int_equal(xlcfg_to_domain_config(cfg, &dc, NULL), 0);
    assert_int_equal(dc.memory_mib, 1);
    assert_int_equal(dc.maxmem_mib, 1);
    assert_int_equal(dc.vcpus, 2);
    xlcfg_free(cfg);
}

static void test_actions(void **state)
{
    static const char *const names[] = {
        "destroy",          "restart",          "preserve",   "rename-restart",
        "coredump-destroy", "coredump-restart", "soft-reset",
    };
    enum xlcfg_action a;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_int_equal(xlcfg_action_parse(names[i], &a), 0);
        assert_int_equal(a, i);
        assert_string_equal(xlcfg_action_name(a), names[i]);
    }
    assert_int_equal(xlcfg_action_parse("rename_restart", &a), -EINVAL);
    assert_int_equal(xlcfg_action_parse("", &a), -EINVAL);
    assert_string_equal(xlcfg_action_name((enum xlcfg_action)99), "unknown");
}

static void test_error_format(void **state)
{
    struct xlcfg_error e = {.file = "g.cfg", .line = 3, .col = 12};
    char buf[64];

    (void)state;
    snprintf(e.msg, sizeof(e.msg), "unterminated string");
    xlcfg_error_format(&e, buf, sizeof(buf));
    assert_string_equal(buf, "g.cfg:3:12: unterminated string");
    e.line = 0;
    xlcfg_error_format(&e, buf, sizeof(buf));
    assert_string_equal(buf, "g.cfg: unterminated string");
    xlcfg_error_format(&e, buf, 6);
    assert_string_equal(buf, "g.cfg");
    xlcfg_error_format(&e, buf, 0);
}

/* Untrusted bytes in a message are shown safely and cut short. */
static void test_messages_are_sanitised(void **state)
{
    char *text;

    (void)state;
    dc_fails("name='a'\nmemory=1\nkernel='/k'\non_crash='\\x1b[2J'", 4, 1,
             "unknown action '?[2J' for on_crash");
    text = repeat("name='a'\nmemory=1\nkernel='/k'\non_crash='", "z", 500, "'");
    dc_fails(text, 4, 1,
             "unknown action 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...'");
    free(text);
}

struct fault_ctx {
    struct xlcfg *cfg;
    struct xhv_domain_config dc;
};

/* Parse (through a file, so its reads and buffer growth are covered too),
 * override and convert: every allocation this reaches is failed in turn. */
static int fault_scenario(void *arg)
{
    struct fault_ctx *c = arg;
    static const char *const overrides[] = {
        "name=web2",
        "memory=2048",
        "cmdline=\"console=hvc0\"",
        "extra=['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']",
        "extra='quiet'",
    };
    struct xlcfg_error err;
    size_t i;
    int rc;

    rc = xlcfg_parse_file(tmp_path, &c->cfg, &err);
    if (rc) {
        assert_null(c->cfg);
        return rc;
    }
    for (i = 0; !rc && i < sizeof(overrides) / sizeof(overrides[0]); i++)
        rc = xlcfg_apply_override(c->cfg, overrides[i], &err);
    if (!rc)
        rc = xlcfg_to_domain_config(c->cfg, &c->dc, &err);
    if (rc) {
        assert_string_equal(err.msg, "out of memory");
        xlcfg_free(c->cfg);
        c->cfg = NULL;
    }
    return rc;
}

static void fault_check(void *arg, int rc)
{
    struct fault_ctx *c = arg;

    /* No mm here, so no audit: the loop's own leak count is the check. */
    if (rc) {
        assert_int_equal(rc, -ENOMEM);
        assert_null(c->cfg);
        return;
    }
    assert_string_equal(c->dc.name, "web2");
    assert_int_equal(c->dc.memory_mib, 2048);
    xlcfg_free(c->cfg);
    c->cfg = NULL;
}

static void test_fault_loop(void **state)
{
    struct fault_ctx c = {0};
    char *head, *text;
    unsigned long points;

    (void)state;
    /* A long list makes the item array grow mid-parse. */
    head = repeat(realistic, "extra = [\n", 1, "");
    text = repeat(head, "    'console=hvc0 loglevel=7',\n", 40, "]\n");
    write_tmp(text, strlen(text));
    free(head);
    free(text);
    log_set_stderr_level(LOG_ERR); /* the "ignoring extra=" warning */
    points = xt_fault_loop(FAULT_SITE_ANY, fault_scenario, fault_check, &c);
    log_set_stderr_level(LOG_WARN);
    print_message("# %lu failure points\n", points);
    assert_true(points > 50);
    unlink(tmp_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_realistic_pvh),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_value_kinds),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_comments_and_blank_lines),
        cmocka_unit_test(test_list_across_lines),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_semicolons),
        cmocka_unit_test(test_duplicate_key_later_wins),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_override_errors),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_limit_list_items),
        cmocka_unit_test(test_limit_value_and_key),
        cmocka_unit_test(test_limit_input_size),
        cmocka_unit_test(test_limit_settings),
        cmocka_unit_test(test_parse_file),
        cmocka_unit_test(test_semantic_errors),
        cmocka_unit_test(test_too_long_for_field),
        cmocka_unit_test(test_cmdline_root_extra),
        cmocka_unit_test(test_name_rules),
        cmocka_unit_test(test_ranges_edges),
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_messages_are_sanitised),
        cmocka_unit_test(test_fault_loop),
    };

    xt_install_assert_hook();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
