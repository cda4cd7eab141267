/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Declarations shared by the files of src/ctl only: nothing outside
 * src/ctl may include this header (the xl.cfg interface for everyone else
 * is ctl/xlcfg.h). The xl.cfg support is split over three files:
 *  - xlcfg_lex.c: error reporting and the lexer (untrusted bytes to tokens);
 *  - xlcfg.c: the settings store, the parser, files, command-line overrides
 *    and the typed getters;
 *  - xlcfg_domain.c: xhv's keys on top of a parsed struct xlcfg.
 *
 * Objects: a struct xlcfg owns an array of settings in the order their keys
 * first appeared; each setting owns its key and its value (a number's
 * source text, a decoded string, or an array of item strings). Nothing
 * else points into them, so xlcfg_free() is the whole teardown. A struct
 * xlcfg is not locked: one thread builds it, then it is read-only. A lexer
 * and its tokens live on the stack of one parse and point into its input.
 */
#ifndef XHV_CTL_PRIVATE_H
#define XHV_CTL_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/xlcfg.h"
#include "lib/compiler.h"

/* ---- The settings store (xlcfg.c) ---- */

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

/* ---- Errors (xlcfg_lex.c) ---- */

/* Fills err (when given) and returns -EINVAL, so callers can return it. */
int xlcfg_fail(struct xlcfg_error *err, const char *file, unsigned int line,
               unsigned int col, const char *fmt, ...) XHV_PRINTF(5, 6);
/* Fills err (when given) with "out of memory" and returns -ENOMEM. */
int xlcfg_oom(struct xlcfg_error *err, const char *file);
/* Untrusted text made safe to show in an error message; returns buf. */
const char *xlcfg_printable(char *buf, size_t size, const char *s, size_t len);

/* ---- Lexer (xlcfg_lex.c) ---- */

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
static inline bool xlcfg_is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static inline bool xlcfg_is_hex(int c)
{
    return xlcfg_is_digit(c) || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

static inline bool xlcfg_is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static inline bool xlcfg_is_ident(int c)
{
    return xlcfg_is_ident_start(c) || xlcfg_is_digit(c);
}

static inline int xlcfg_hexval(int c)
{
    if (xlcfg_is_digit(c))
        return c - '0';
    return (c | 0x20) - 'a' + 10;
}

/*
 * Parses a whole number token: "0", [1-9][0-9]* or 0x[0-9a-f]+. Returns
 * -EINVAL for anything else and -ERANGE when it does not fit 64 bits.
 */
int xlcfg_number_parse(const char *s, size_t len, uint64_t *out);
/* Reads the next token into *t; a STRING's buffer then belongs to *t. */
int xlcfg_lex_next(struct xlcfg_lexer *lx, struct xlcfg_token *t);

#endif /* XHV_CTL_PRIVATE_H */
