/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xl.cfg lexer, and the error reporting that every layer shares.
 *
 * The lexer turns untrusted bytes into tokens for the parser in xlcfg.c.
 * A struct xlcfg_lexer lives on the parser's stack and reads the caller's
 * input in place; a token's text points into that input, except a
 * STRING's decoded buffer, which the token owns until the parser takes it.
 * Nothing here is shared between threads.
 *
 * The input is untrusted (a file handed to the CLI, or a config forwarded
 * to the daemon), so:
 *  - every read is bounds-checked against len; the input is not assumed
 *    to be NUL-terminated (the parser has already refused a NUL byte);
 *  - each token is read by a loop, never recursion, in time linear in its
 *    length, and a decoded string is capped at XLCFG_MAX_VALUE;
 *  - untrusted text reaches an error message only through
 *    xlcfg_printable(), which caps it and hides control bytes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl/private.h"
#include "ctl/xlcfg.h"
#include "lib/alloc.h"
#include "lib/compiler.h"

/* ---- Errors ---- */

/* Fills err (when given) and returns -EINVAL, so callers can return it. */
int xlcfg_fail(struct xlcfg_error *err, const char *file, unsigned int line,
               unsigned int col, const char *fmt, ...)
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

int xlcfg_oom(struct xlcfg_error *err, const char *file)
{
    xlcfg_fail(err, file, 0, 0, "out of memory");
    return -ENOMEM;
}

/*
 * Copies untrusted text into buf for an error message: at most 40 bytes,
 * anything but printable ASCII shown as '?', so a message cannot carry
 * terminal escapes or run past its buffer.
 */
const char *xlcfg_printable(char *buf, size_t size, const char *s, size_t len)
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

/* ---- Lexer ---- */

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
int xlcfg_number_parse(const char *s, size_t len, uint64_t *out)
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
int xlcfg_lex_next(struct xlcfg_lexer *lx, struct xlcfg_token *t)
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
