/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The generic xl.cfg parser: the settings store, the grammar, reading a
 * file, command-line overrides and the typed getters. Tokens come from
 * xlcfg_lex.c; xhv's own keys are checked in xlcfg_domain.c. The objects
 * (struct xlcfg and its settings) are described in ctl/private.h.
 *
 * A struct xlcfg_parser lives on the stack of one xlcfg_parse() or
 * xlcfg_apply_override() call and owns only its lookahead token's string.
 * A struct xlcfg is not locked: one thread builds it, then it is read-only.
 *
 * The input is untrusted (a file handed to the CLI, or a config forwarded
 * to the daemon), so:
 *  - the parser is a loop, never recursion: a list cannot contain a list,
 *    which is the only nesting the grammar has;
 *  - an oversized input or a NUL byte anywhere is refused before lexing;
 *  - the work is linear in the input except key lookup, which scans the
 *    settings comparing a stored hash first; assignments per parse are
 *    capped at XLCFG_MAX_SETTINGS, so that scan is bounded too;
 *  - on any error the half-built struct xlcfg is freed and *out stays
 *    NULL, and an override that fails leaves the config as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl/private.h"
#include "ctl/xlcfg.h"
#include "lib/alloc.h"
#include "lib/compiler.h"

/* ---- Values and the settings store ---- */

static void xlcfg_value_free(struct xlcfg_value *v)
{
    size_t i;

    xhv_free(v->text);
    for (i = 0; i < v->nitems; i++)
        xhv_free(v->items[i]);
    xhv_free(v->items);
    memset(v, 0, sizeof(*v));
}

static char *xlcfg_strndup(const char *s, size_t len)
{
    char *p = xhv_malloc(len + 1);

    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

/* FNV-1a: the hash only saves string compares; it needs no strength. */
static uint32_t xlcfg_hash(const char *s)
{
    uint32_t h = 2166136261u;

    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

static struct xlcfg_setting *xlcfg_find(const struct xlcfg *cfg,
                                        const char *key)
{
    uint32_t h = xlcfg_hash(key);
    size_t i;

    for (i = 0; i < cfg->n; i++)
        if (cfg->set[i].hash == h && strcmp(cfg->set[i].key, key) == 0)
            return &cfg->set[i];
    return NULL;
}

/*
 * Stores key = *v, taking ownership of v's contents on success. A key seen
 * before keeps its slot and takes the new value and position. Returns
 * -ENOSPC when a new key would pass XLCFG_MAX_SETTINGS; on any error cfg
 * and *v are untouched.
 */
static int xlcfg_store(struct xlcfg *cfg, const char *key,
                       struct xlcfg_value *v, unsigned int line,
                       unsigned int col, bool from_cmdline)
{
    struct xlcfg_setting *s = xlcfg_find(cfg, key);

    if (!s) {
        if (cfg->n >= XLCFG_MAX_SETTINGS)
            return -ENOSPC;
        if (cfg->n == cfg->cap) {
            size_t cap = cfg->cap ? cfg->cap * 2 : 16;
            void *p = xhv_realloc(cfg->set, cap * sizeof(*cfg->set));

            if (!p)
                return -ENOMEM;
            cfg->set = p;
            cfg->cap = cap;
        }
        s = &cfg->set[cfg->n];
        memset(s, 0, sizeof(*s));
        s->key = xhv_strdup(key);
        if (!s->key)
            return -ENOMEM;
        s->hash = xlcfg_hash(key);
        cfg->n++;
    }
    xlcfg_value_free(&s->v);
    s->v = *v;
    memset(v, 0, sizeof(*v));
    s->line = line;
    s->col = col;
    s->from_cmdline = from_cmdline;
    s->times_set++;
    return 0;
}

void xlcfg_free(struct xlcfg *cfg)
{
    size_t i;

    if (!cfg)
        return;
    for (i = 0; i < cfg->n; i++) {
        xhv_free(cfg->set[i].key);
        xlcfg_value_free(&cfg->set[i].v);
    }
    xhv_free(cfg->set);
    xhv_free(cfg);
}

/* ---- Parser ---- */

struct xlcfg_parser {
    struct xlcfg_lexer lx;
    struct xlcfg_token tok; /* the lookahead */
    struct xlcfg *cfg;
};

static void ps_init(struct xlcfg_parser *p, struct xlcfg *cfg, const char *s,
                    size_t len, const char *file, struct xlcfg_error *err)
{
    memset(p, 0, sizeof(*p));
    p->lx.s = s;
    p->lx.len = len;
    p->lx.line = 1;
    p->lx.col = 1;
    p->lx.file = file;
    p->lx.err = err;
    p->cfg = cfg;
}

static int ps_next(struct xlcfg_parser *p)
{
    xhv_free(p->tok.str);
    p->tok.str = NULL;
    return xlcfg_lex_next(&p->lx, &p->tok);
}

static void ps_fini(struct xlcfg_parser *p)
{
    xhv_free(p->tok.str);
    p->tok.str = NULL;
}

static int ps_fail(struct xlcfg_parser *p, const char *fmt, ...)
    XHV_PRINTF(2, 3);

/* Fails at the lookahead token. */
static int ps_fail(struct xlcfg_parser *p, const char *fmt, ...)
{
    char msg[sizeof(((struct xlcfg_error *)0)->msg)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return xlcfg_fail(p->lx.err, p->lx.file, p->tok.line, p->tok.col, "%s",
                      msg);
}

static const char *ps_describe(const struct xlcfg_parser *p, char *buf,
                               size_t size)
{
    static const char *const names[] = {
        [TOK_EOF] = "end of input", [TOK_NEWLINE] = "end of line",
        [TOK_SEMI] = "';'",         [TOK_EQ] = "'='",
        [TOK_COMMA] = "','",        [TOK_LBRACKET] = "'['",
        [TOK_RBRACKET] = "']'",     [TOK_STRING] = "a string",
    };
    const struct xlcfg_token *t = &p->tok;
    char shown[48];

    if (t->kind != TOK_IDENT && t->kind != TOK_NUMBER)
        return names[t->kind];
    xlcfg_printable(shown, sizeof(shown), t->text, t->len);
    snprintf(buf, size, "%s '%s'", t->kind == TOK_IDENT ? "word" : "number",
             shown);
    return buf;
}

static int ps_take_atom(struct xlcfg_parser *p, char **out)
{
    if (p->tok.kind == TOK_STRING) {
        *out = p->tok.str;
        p->tok.str = NULL;
    } else {
        *out = xlcfg_strndup(p->tok.text, p->tok.len);
        if (!*out)
            return xlcfg_oom(p->lx.err, p->lx.file);
    }
    return ps_next(p);
}

static int ps_skip_newlines(struct xlcfg_parser *p)
{
    int rc = 0;

    while (!rc && p->tok.kind == TOK_NEWLINE)
        rc = ps_next(p);
    return rc;
}

static int ps_list_append(struct xlcfg_parser *p, struct xlcfg_value *v)
{
    if (v->nitems == XLCFG_MAX_ITEMS)
        return ps_fail(p, "list has more than %u items",
                       (unsigned int)XLCFG_MAX_ITEMS);
    if (v->nitems == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        void *q = xhv_realloc(v->items, cap * sizeof(*v->items));

        if (!q)
            return xlcfg_oom(p->lx.err, p->lx.file);
        v->items = q;
        v->cap = cap;
    }
    return ps_take_atom(p, &v->items[v->nitems++]);
}

/*
 * '[' item, item, ... ']' with newlines allowed around items and a
 * trailing comma allowed. The lookahead is the '['. The loop holds the
 * whole state, so there is no recursion for a crafted input to deepen.
 */
static int ps_list(struct xlcfg_parser *p, struct xlcfg_value *v)
{
    unsigned int line = p->tok.line, col = p->tok.col;
    char d[64];
    int rc;

    v->kind = XLCFG_LIST;
    for (rc = ps_next(p); !rc; rc = ps_next(p)) {
        if ((rc = ps_skip_newlines(p)))
            break;
        if (p->tok.kind == TOK_RBRACKET)
            return ps_next(p);
        if (p->tok.kind == TOK_LBRACKET)
            return ps_fail(p, "nested lists are not supported");
        if (p->tok.kind == TOK_EOF)
            return xlcfg_fail(p->lx.err, p->lx.file, line, col,
                              "unterminated list (no closing ']')");
        if (p->tok.kind != TOK_STRING && p->tok.kind != TOK_NUMBER)
            return ps_fail(p, "expected a list item or ']', found %s",
                           ps_describe(p, d, sizeof(d)));
        if ((rc = ps_list_append(p, v)) || (rc = ps_skip_newlines(p)))
            break;
        if (p->tok.kind == TOK_RBRACKET)
            return ps_next(p);
        if (p->tok.kind == TOK_EOF)
            return xlcfg_fail(p->lx.err, p->lx.file, line, col,
                              "unterminated list (no closing ']')");
        if (p->tok.kind != TOK_COMMA)
            return ps_fail(p,
                           "expected ',' or ']' after a list item, "
                           "found %s",
                           ps_describe(p, d, sizeof(d)));
    }
    return rc;
}

/* VALUE after "key =": the lookahead is its first token. */
static int ps_value(struct xlcfg_parser *p, const char *key,
                    struct xlcfg_value *v)
{
    char d[64];

    switch (p->tok.kind) {
    case TOK_STRING:
        v->kind = XLCFG_STRING;
        return ps_take_atom(p, &v->text);
    case TOK_NUMBER:
        v->kind = XLCFG_NUMBER;
        return ps_take_atom(p, &v->text);
    case TOK_LBRACKET:
        return ps_list(p, v);
    case TOK_IDENT:
        return ps_fail(p,
                       "expected a value for '%s', found %s (strings "
                       "must be quoted)",
                       key, ps_describe(p, d, sizeof(d)));
    default:
        return ps_fail(p, "expected a value for '%s', found %s", key,
                       ps_describe(p, d, sizeof(d)));
    }
}

/* Copies the IDENT lookahead into key[XLCFG_MAX_KEY + 1]. */
static int ps_key(struct xlcfg_parser *p, char *key)
{
    char shown[48];

    if (p->tok.len > XLCFG_MAX_KEY)
        return ps_fail(
            p, "setting name '%s' is longer than %u characters",
            xlcfg_printable(shown, sizeof(shown), p->tok.text, p->tok.len),
            (unsigned int)XLCFG_MAX_KEY);
    memcpy(key, p->tok.text, p->tok.len);
    key[p->tok.len] = '\0';
    return 0;
}

/* KEY '=' VALUE, ended by a newline, ';' or the end of input. */
static int ps_setting(struct xlcfg_parser *p)
{
    unsigned int line = p->tok.line, col = p->tok.col;
    struct xlcfg_value v = {0};
    char key[XLCFG_MAX_KEY + 1], d[64];
    int rc;

    if ((rc = ps_key(p, key)) || (rc = ps_next(p)))
        return rc;
    if (p->tok.kind != TOK_EQ)
        return ps_fail(p, "expected '=' after '%s', found %s", key,
                       ps_describe(p, d, sizeof(d)));
    if ((rc = ps_next(p)) || (rc = ps_value(p, key, &v)))
        goto out;
    if (p->tok.kind != TOK_NEWLINE && p->tok.kind != TOK_SEMI &&
        p->tok.kind != TOK_EOF) {
        rc = ps_fail(p,
                     "expected end of line or ';' after the value of "
                     "'%s', found %s",
                     key, ps_describe(p, d, sizeof(d)));
        goto out;
    }
    rc = xlcfg_store(p->cfg, key, &v, line, col, false);
    if (rc == -ENOMEM)
        rc = xlcfg_oom(p->lx.err, p->lx.file);
    else if (rc == -ENOSPC)
        rc = xlcfg_fail(p->lx.err, p->lx.file, line, col,
                        "more than %u settings",
                        (unsigned int)XLCFG_MAX_SETTINGS);
out:
    xlcfg_value_free(&v);
    return rc;
}

static int ps_file(struct xlcfg_parser *p)
{
    unsigned int assignments = 0;
    char d[64];
    int rc;

    for (rc = ps_next(p); !rc && p->tok.kind != TOK_EOF;) {
        if (p->tok.kind == TOK_NEWLINE || p->tok.kind == TOK_SEMI) {
            rc = ps_next(p);
        } else if (p->tok.kind != TOK_IDENT) {
            rc = ps_fail(p, "expected a setting name, found %s",
                         ps_describe(p, d, sizeof(d)));
        } else if (++assignments > XLCFG_MAX_SETTINGS) {
            /* Duplicates count too: they bound the key lookups. */
            rc = ps_fail(p, "more than %u settings",
                         (unsigned int)XLCFG_MAX_SETTINGS);
        } else {
            rc = ps_setting(p);
        }
    }
    return rc;
}

/* Line and column of byte off, for errors found outside the lexer. */
static void xlcfg_locate(const char *s, size_t off, unsigned int *line,
                         unsigned int *col)
{
    size_t i;

    *line = 1;
    *col = 1;
    for (i = 0; i < off; i++) {
        if (s[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

/* Rejects what no lexer state may see: an oversized input or a NUL. */
static int xlcfg_check_input(const char *text, size_t len, const char *file,
                             struct xlcfg_error *err)
{
    const char *nul;
    unsigned int line, col;

    if (len > XLCFG_MAX_INPUT) {
        xlcfg_fail(err, file, 0, 0, "input is larger than %u bytes",
                   (unsigned int)XLCFG_MAX_INPUT);
        return -EFBIG;
    }
    nul = len ? memchr(text, '\0', len) : NULL;
    if (nul) {
        xlcfg_locate(text, (size_t)(nul - text), &line, &col);
        return xlcfg_fail(err, file, line, col, "NUL byte in input");
    }
    return 0;
}

int xlcfg_parse(const char *text, size_t len, const char *filename,
                struct xlcfg **out, struct xlcfg_error *err)
{
    struct xlcfg_parser p;
    struct xlcfg *cfg;
    int rc;

    *out = NULL;
    if (err)
        memset(err, 0, sizeof(*err));
    if (!filename)
        filename = "<input>";
    if (!text) {
        text = "";
        len = 0;
    }
    rc = xlcfg_check_input(text, len, filename, err);
    if (rc)
        return rc;
    cfg = xhv_calloc(1, sizeof(*cfg));
    if (!cfg)
        return xlcfg_oom(err, filename);
    snprintf(cfg->filename, sizeof(cfg->filename), "%s", filename);
    ps_init(&p, cfg, text, len, filename, err);
    rc = ps_file(&p);
    ps_fini(&p);
    if (rc) {
        xlcfg_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}

/* ---- Files ---- */

static int xlcfg_read_error(struct xlcfg_error *err, const char *path,
                            const char *what, int rc)
{
    char buf[128];

    xlcfg_fail(err, path, 0, 0, "cannot %s: %s", what,
               strerror_r(-rc, buf, sizeof(buf)));
    return rc;
}

/*
 * Reads the whole file into a buffer that grows by doubling, trusting no
 * size the file claims: /dev/stdin and /proc files report none.
 */
static int xlcfg_read_all(int fd, const char *path, char **out, size_t *len,
                          struct xlcfg_error *err)
{
    size_t cap = 4096, n = 0;
    char *buf = xhv_malloc(cap), *q;
    ssize_t r;
    int rc = 0;

    if (!buf)
        return xlcfg_oom(err, path);
    for (;;) {
        if (n == cap) {
            if (cap > XLCFG_MAX_INPUT) {
                rc = -EFBIG;
                xlcfg_fail(err, path, 0, 0, "file is larger than %u bytes",
                           (unsigned int)XLCFG_MAX_INPUT);
                goto out;
            }
            cap = XHV_MIN(cap * 2, (size_t)XLCFG_MAX_INPUT + 1);
            q = xhv_realloc(buf, cap);
            if (!q) {
                rc = xlcfg_oom(err, path);
                goto out;
            }
            buf = q;
        }
        r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = xlcfg_read_error(err, path, "read", -errno);
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *out = buf;
    *len = n;
    buf = NULL;
out:
    xhv_free(buf);
    return rc;
}

int xlcfg_parse_file(const char *path, struct xlcfg **out,
                     struct xlcfg_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    int fd, rc;

    *out = NULL;
    if (err)
        memset(err, 0, sizeof(*err));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return xlcfg_read_error(err, path, "open", -errno);
    rc = xlcfg_read_all(fd, path, &buf, &len, err);
    close(fd);
    if (rc)
        return rc;
    rc = xlcfg_parse(buf, len, path, out, err);
    xhv_free(buf);
    return rc;
}

/* ---- Command-line overrides ---- */

/*
 * An unquoted override value: taken verbatim but for surrounding blanks.
 * Control characters are refused, since a shell argument holding one is
 * almost certainly a mistake and quoting says what was meant.
 */
static int ps_bare_value(struct xlcfg_parser *p, const char *s, size_t len,
                         struct xlcfg_value *v)
{
    unsigned int col = p->lx.col + (unsigned int)(s - (p->lx.s + p->lx.pos));
    uint64_t num;
    size_t i;

    for (i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return xlcfg_fail(p->lx.err, p->lx.file, p->lx.line,
                              col + (unsigned int)i,
                              "control character in value (quote the value "
                              "and use an escape)");
    if (len > XLCFG_MAX_VALUE)
        return xlcfg_fail(p->lx.err, p->lx.file, p->lx.line, col,
                          "value is longer than %u bytes",
                          (unsigned int)XLCFG_MAX_VALUE);
    v->kind = xlcfg_number_parse(s, len, &num) == -EINVAL ? XLCFG_STRING
                                                          : XLCFG_NUMBER;
    v->text = xlcfg_strndup(s, len);
    return v->text ? 0 : xlcfg_oom(p->lx.err, p->lx.file);
}

/* The value after "key=": the lexer stands just past the '='. */
static int ps_override_value(struct xlcfg_parser *p, struct xlcfg_value *v)
{
    const char *s = p->lx.s + p->lx.pos, *e = p->lx.s + p->lx.len;
    char d[64];
    int rc;

    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    if (s == e)
        return ps_fail(p, "missing value after '=' (write \"\" for an "
                          "empty string)");
    if (*s != '"' && *s != '\'' && *s != '[')
        return ps_bare_value(p, s, (size_t)(e - s), v);
    if ((rc = ps_next(p)) || (rc = ps_value(p, "", v)))
        return rc;
    if (p->tok.kind != TOK_EOF)
        return ps_fail(p, "unexpected %s after the value",
                       ps_describe(p, d, sizeof(d)));
    return 0;
}

int xlcfg_apply_override(struct xlcfg *cfg, const char *kv,
                         struct xlcfg_error *err)
{
    const char *file = XLCFG_CMDLINE_FILE;
    struct xlcfg_value v = {0};
    struct xlcfg_parser p;
    char key[XLCFG_MAX_KEY + 1], d[64];
    size_t len = strnlen(kv, XLCFG_MAX_INPUT + 1);
    int rc;

    if (err)
        memset(err, 0, sizeof(*err));
    rc = xlcfg_check_input(kv, len, file, err);
    if (rc)
        return rc;
    ps_init(&p, cfg, kv, len, file, err);
    if ((rc = ps_next(&p)))
        goto out;
    if (p.tok.kind != TOK_IDENT) {
        rc = ps_fail(&p, "expected key=value, found %s",
                     ps_describe(&p, d, sizeof(d)));
        goto out;
    }
    if ((rc = ps_key(&p, key)) || (rc = ps_next(&p)))
        goto out;
    if (p.tok.kind != TOK_EQ) {
        rc = ps_fail(&p, "expected '=' after '%s', found %s", key,
                     ps_describe(&p, d, sizeof(d)));
        goto out;
    }
    if ((rc = ps_override_value(&p, &v)))
        goto out;
    rc = xlcfg_store(cfg, key, &v, 0, 0, true);
    if (rc == -ENOMEM)
        rc = xlcfg_oom(err, file);
    else if (rc == -ENOSPC)
        rc = xlcfg_fail(err, file, 0, 0, "more than %u settings",
                        (unsigned int)XLCFG_MAX_SETTINGS);
out:
    ps_fini(&p);
    xlcfg_value_free(&v);
    return rc;
}

/* ---- Getters ---- */

int xlcfg_get_string(const struct xlcfg *cfg, const char *key, const char **out)
{
    const struct xlcfg_setting *s = xlcfg_find(cfg, key);

    if (!s)
        return -ENOENT;
    if (s->v.kind == XLCFG_LIST)
        return -EINVAL;
    *out = s->v.text;
    return 0;
}

int xlcfg_get_u64(const struct xlcfg *cfg, const char *key, uint64_t *out)
{
    const struct xlcfg_setting *s = xlcfg_find(cfg, key);

    if (!s)
        return -ENOENT;
    if (s->v.kind == XLCFG_LIST)
        return -EINVAL;
    return xlcfg_number_parse(s->v.text, strlen(s->v.text), out);
}

int xlcfg_get_list(const struct xlcfg *cfg, const char *key,
                   const char *const **items, size_t *n)
{
    const struct xlcfg_setting *s = xlcfg_find(cfg, key);

    if (!s)
        return -ENOENT;
    if (s->v.kind != XLCFG_LIST)
        return -EINVAL;
    *items = (const char *const *)s->v.items;
    *n = s->v.nitems;
    return 0;
}

size_t xlcfg_count(const struct xlcfg *cfg)
{
    return cfg->n;
}

const char *xlcfg_key(const struct xlcfg *cfg, size_t i)
{
    return i < cfg->n ? cfg->set[i].key : NULL;
}

unsigned int xlcfg_times_set(const struct xlcfg *cfg, const char *key)
{
    const struct xlcfg_setting *s = xlcfg_find(cfg, key);

    return s ? s->times_set : 0;
}

int xlcfg_position(const struct xlcfg *cfg, const char *key, unsigned int *line,
                   unsigned int *col)
{
    const struct xlcfg_setting *s = xlcfg_find(cfg, key);

    if (!s)
        return -ENOENT;
    *line = s->line;
    *col = s->col;
    return 0;
}
