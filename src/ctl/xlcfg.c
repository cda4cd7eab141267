/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xl.cfg parser and xhv's domain-config layer on top of it.
 *
 * Objects: a struct xlcfg owns an array of settings in the order their keys
 * first appeared; each setting owns its key and its value (a number's
 * source text, a decoded string, or an array of item strings). Nothing
 * else points into them, so xlcfg_free() is the whole teardown. A struct
 * xlcfg is not locked: one thread builds it, then it is read-only.
 *
 * The input is untrusted (a file handed to the CLI, or a config forwarded
 * to the daemon), so:
 *  - the lexer and parser are loops, never recursion: a list cannot
 *    contain a list, which is the only nesting the grammar has;
 *  - every read is bounds-checked against len; the input is not assumed
 *    to be NUL-terminated, and a NUL byte anywhere is an error;
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

#include "ctl/xlcfg.h"
#include "lib/alloc.h"
#include "lib/assert.h"
#include "lib/compiler.h"
#include "lib/log.h"

enum xlcfg_kind {
    XLCFG_NUMBER, /* text is the number as written */
    XLCFG_STRING, /* text is the decoded string */
    XLCFG_LIST,   /* items[0..nitems) are item texts */
};

struct xlcfg_value {
    enum xlcfg_kind kind;
    char *text;
    char **items;
    size_t nitems, cap;
};

struct xlcfg_setting {
    char *key;
    uint32_t hash; /* of key; compared before the key itself */
    struct xlcfg_value v;
    unsigned int line, col; /* of the winning assignment's key; 0 if cmdline */
    unsigned int times_set;
    bool from_cmdline;
};

struct xlcfg {
    struct xlcfg_setting *set;
    size_t n, cap;
    char filename[256];
};

/* ---- Errors ---- */

static int xlcfg_fail(struct xlcfg_error *err, const char *file,
                      unsigned int line, unsigned int col, const char *fmt, ...)
    XHV_PRINTF(5, 6);

/* Fills err (when given) and returns -EINVAL, so callers can return it. */
static int xlcfg_fail(struct xlcfg_error *err, const char *file,
                      unsigned int line, unsigned int col, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return -EINVAL;
    snprintf(err->file, sizeof(err->file), "%s", file);
    err->line = line;
    err->col = col;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int xlcfg_oom(struct xlcfg_error *err, const char *file)
{
    xlcfg_fail(err, file, 0, 0, "out of memory");
    return -ENOMEM;
}

/*
 * Copies untrusted text into buf for an error message: at most 40 bytes,
 * anything but printable ASCII shown as '?', so a message cannot carry
 * terminal escapes or run past its buffer.
 */
static const char *xlcfg_printable(char *buf, size_t size, const char *s,
                                   size_t len)
{
    size_t i, n = XHV_MIN(len, XHV_MIN(size - 4, (size_t)40));

    for (i = 0; i < n; i++)
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (n < len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

void xlcfg_error_format(const struct xlcfg_error *e, char *buf, size_t len)
{
    if (!len)
        return;
    if (e->line)
        snprintf(buf, len, "%s:%u:%u: %s", e->file, e->line, e->col, e->msg);
    else if (e->file[0])
        snprintf(buf, len, "%s: %s", e->file, e->msg);
    else
        snprintf(buf, len, "%s", e->msg);
}

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

/* ---- Lexer ---- */

enum xlcfg_tok {
    TOK_EOF,
    TOK_NEWLINE,
    TOK_SEMI,
    TOK_EQ,
    TOK_COMMA,
    TOK_LBRACKET,
    TOK_RBRACKET,
    TOK_IDENT,
    TOK_NUMBER,
    TOK_STRING,
};

struct xlcfg_token {
    enum xlcfg_tok kind;
    unsigned int line, col;
    const char *text; /* IDENT, NUMBER: the source text */
    size_t len;
    char *str; /* STRING: decoded; owned by the token until taken */
};

struct xlcfg_lexer {
    const char *s; /* not NUL-terminated */
    size_t len, pos;
    unsigned int line, col; /* of s[pos] */
    const char *file;
    struct xlcfg_error *err;
};

/* Character classes by hand: the input's meaning must not follow locale. */
static bool xlcfg_is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool xlcfg_is_hex(int c)
{
    return xlcfg_is_digit(c) || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

static bool xlcfg_is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool xlcfg_is_ident(int c)
{
    return xlcfg_is_ident_start(c) || xlcfg_is_digit(c);
}

static int xlcfg_hexval(int c)
{
    if (xlcfg_is_digit(c))
        return c - '0';
    return (c | 0x20) - 'a' + 10;
}

/* The byte at pos + off, or -1 past the end. */
static int lx_peek(const struct xlcfg_lexer *lx, size_t off)
{
    if (off >= lx->len - lx->pos)
        return -1;
    return (unsigned char)lx->s[lx->pos + off];
}

static void lx_advance(struct xlcfg_lexer *lx, size_t n)
{
    for (; n && lx->pos < lx->len; n--) {
        if (lx->s[lx->pos++] == '\n') {
            lx->line++;
            lx->col = 1;
        } else {
            lx->col++;
        }
    }
}

/* Skips blanks and comments; a comment ends before its newline. CR is a
 * blank, which is what makes CRLF files read like LF ones. */
static void lx_skip_blank(struct xlcfg_lexer *lx)
{
    int c;

    while ((c = lx_peek(lx, 0)) >= 0) {
        if (c == '#') {
            while ((c = lx_peek(lx, 0)) >= 0 && c != '\n')
                lx_advance(lx, 1);
        } else if (c == ' ' || c == '\t' || c == '\r') {
            lx_advance(lx, 1);
        } else {
            break;
        }
    }
}

/*
 * Parses a whole number token: "0", [1-9][0-9]* or 0x[0-9a-f]+. Returns
 * -EINVAL for anything else and -ERANGE when it does not fit 64 bits.
 */
static int xlcfg_number_parse(const char *s, size_t len, uint64_t *out)
{
    unsigned int base = 10;
    uint64_t v = 0;
    size_t i = 0;

    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    } else if (len > 1 && s[0] == '0') {
        return -EINVAL; /* xl would read it as octal */
    }
    if (i == len)
        return -EINVAL;
    for (; i < len; i++) {
        unsigned int d;

        if (base == 16 ? !xlcfg_is_hex(s[i]) : !xlcfg_is_digit(s[i]))
            return -EINVAL;
        d = (unsigned int)xlcfg_hexval(s[i]);
        if (v > (UINT64_MAX - d) / base)
            return -ERANGE;
        v = v * base + d;
    }
    *out = v;
    return 0;
}

/* A number is taken greedily up to the next separator, so "12ab" and "1.5"
 * are reported whole instead of as a number followed by junk. */
static int lx_number(struct xlcfg_lexer *lx, struct xlcfg_token *t)
{
    const char *s = lx->s + lx->pos;
    char shown[48];
    uint64_t v;
    size_t n = 0;
    int c;

    while ((c = lx_peek(lx, n)) >= 0 && (xlcfg_is_ident(c) || c == '.'))
        n++;
    xlcfg_printable(shown, sizeof(shown), s, n);
    if (n > 1 && s[0] == '0' && xlcfg_is_digit(s[1]))
        return xlcfg_fail(lx->err, lx->file, t->line, t->col,
                          "number '%s' has a leading zero (xl reads that as "
                          "octal; write it in decimal or as 0x...)",
                          shown);
    if (n > XLCFG_MAX_VALUE || xlcfg_number_parse(s, n, &v) == -EINVAL)
        return xlcfg_fail(lx->err, lx->file, t->line, t->col,
                          "invalid number '%s'", shown);
    t->kind = TOK_NUMBER;
    t->text = s;
    t->len = n;
    lx_advance(lx, n);
    return 0;
}

/*
 * Finds the closing quote of the string starting at pos, so that a string
 * with none is reported at its opening quote. A backslash always takes the
 * next byte with it; a raw newline ends the search.
 */
static int lx_string_end(struct xlcfg_lexer *lx, const struct xlcfg_token *t,
                         size_t *end)
{
    char quote = lx->s[lx->pos];
    size_t i = lx->pos + 1;

    while (i < lx->len && lx->s[i] != quote) {
        if (lx->s[i] == '\\' && i + 1 < lx->len)
            i++;
        if (lx->s[i] == '\n')
            return xlcfg_fail(lx->err, lx->file, t->line, t->col,
                              "unterminated string (a newline comes before "
                              "the closing quote; write \\n)");
        i++;
    }
    if (i >= lx->len)
        return xlcfg_fail(lx->err, lx->file, t->line, t->col,
                          "unterminated string");
    *end = i;
    return 0;
}

/* Decodes the escape at s[i] (a backslash) into *c; *used is its length. */
static int lx_escape(struct xlcfg_lexer *lx, size_t i, size_t end,
                     unsigned int col, char *c, size_t *used)
{
    static const char from[] = "nt\\\"'abfrv", to[] = "\n\t\\\"'\a\b\f\r\v";
    unsigned char e = (unsigned char)lx->s[i + 1];
    const char *p = e ? strchr(from, e) : NULL;
    char shown[8];

    *used = 2;
    if (p) {
        *c = to[p - from];
        return 0;
    }
    if (e == 'x') {
        if (i + 3 >= end || !xlcfg_is_hex(lx->s[i + 2]) ||
            !xlcfg_is_hex(lx->s[i + 3]))
            return xlcfg_fail(lx->err, lx->file, lx->line, col,
                              "\\x must be followed by two hex digits");
        *c = (char)(xlcfg_hexval(lx->s[i + 2]) * 16 +
                    xlcfg_hexval(lx->s[i + 3]));
        if (!*c)
            return xlcfg_fail(lx->err, lx->file, lx->line, col,
                              "\\x00 would put a NUL byte in the string");
        *used = 4;
        return 0;
    }
    xlcfg_printable(shown, sizeof(shown), (const char *)&e, 1);
    return xlcfg_fail(lx->err, lx->file, lx->line, col,
                      "unknown escape '\\%s' in string", shown);
}

static int lx_string(struct xlcfg_lexer *lx, struct xlcfg_token *t)
{
    size_t end = 0, i, n = 0;
    char *buf;
    int rc;

    rc = lx_string_end(lx, t, &end);
    if (rc)
        return rc;
    /* Strings hold no newline, so a byte's column is its offset. */
    buf = xhv_malloc(end - lx->pos);
    if (!buf)
        return xlcfg_oom(lx->err, lx->file);
    for (i = lx->pos + 1; i < end;) {
        size_t used = 1;

        if (lx->s[i] == '\\') {
            rc = lx_escape(lx, i, end, lx->col + (unsigned int)(i - lx->pos),
                           &buf[n], &used);
            if (rc)
                goto out;
        } else {
            buf[n] = lx->s[i];
        }
        i += used;
        if (++n > XLCFG_MAX_VALUE) {
            rc = xlcfg_fail(lx->err, lx->file, t->line, t->col,
                            "string is longer than %u bytes",
                            (unsigned int)XLCFG_MAX_VALUE);
            goto out;
        }
    }
    buf[n] = '\0';
    t->kind = TOK_STRING;
    t->str = buf;
    buf = NULL;
    lx_advance(lx, end + 1 - lx->pos);
out:
    xhv_free(buf);
    return rc;
}

static int lx_unexpected(struct xlcfg_lexer *lx, const struct xlcfg_token *t)
{
    int c = lx_peek(lx, 0);

    if (c == '+' && lx_peek(lx, 1) == '=')
        return xlcfg_fail(lx->err, lx->file, t->line, t->col,
                          "'+=' is not supported; give the whole value");
    if (c >= 0x20 && c < 0x7f)
        return xlcfg_fail(lx->err, lx->file, t->line, t->col,
                          "unexpected character '%c'", c);
    return xlcfg_fail(lx->err, lx->file, t->line, t->col,
                      "unexpected byte 0x%02x", (unsigned int)c);
}

/* Reads the next token into *t; a STRING's buffer then belongs to *t. */
static int lx_next(struct xlcfg_lexer *lx, struct xlcfg_token *t)
{
    static const char single[] = "\n;=,[]";
    static const enum xlcfg_tok kinds[] = {
        TOK_NEWLINE, TOK_SEMI, TOK_EQ, TOK_COMMA, TOK_LBRACKET, TOK_RBRACKET};
    const char *p;
    int c;

    lx_skip_blank(lx);
    memset(t, 0, sizeof(*t));
    t->line = lx->line;
    t->col = lx->col;
    c = lx_peek(lx, 0);
    if (c < 0) {
        t->kind = TOK_EOF;
        return 0;
    }
    p = c ? strchr(single, c) : NULL;
    if (p) {
        t->kind = kinds[p - single];
        lx_advance(lx, 1);
        return 0;
    }
    if (c == '"' || c == '\'')
        return lx_string(lx, t);
    if (xlcfg_is_digit(c))
        return lx_number(lx, t);
    if (!xlcfg_is_ident_start(c))
        return lx_unexpected(lx, t);
    t->kind = TOK_IDENT;
    t->text = lx->s + lx->pos;
    while ((c = lx_peek(lx, t->len)) >= 0 && xlcfg_is_ident(c))
        t->len++;
    lx_advance(lx, t->len);
    return 0;
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
    return lx_next(&p->lx, &p->tok);
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
    if (strcmp(t, "pvh") == 0) {
        snprintf(c->dc.type, sizeof(c->dc.type), "pvh");
        return 0;
    }
    xlcfg_printable(shown, sizeof(shown), t, strlen(t));
    if (strcmp(t, "pv") == 0 || strcmp(t, "hvm") == 0)
        return dc_fail(c, s,
                       "type \"%s\" is not supported: xhv runs only "
                       "PVH guests (type = \"pvh\")",
                       shown);
    return dc_fail(c, s, "unknown type \"%s\" (xhv supports only \"pvh\")",
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
    {"name", dc_name},          {"type", dc_type},
    {"memory", dc_memory},      {"maxmem", dc_memory},
    {"vcpus", dc_vcpus},        {"kernel", dc_kernel},
    {"ramdisk", dc_ramdisk},    {"cmdline", dc_cmdline_part},
    {"root", dc_cmdline_part},  {"extra", dc_cmdline_part},
    {"on_poweroff", dc_action}, {"on_reboot", dc_action},
    {"on_crash", dc_action},
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
