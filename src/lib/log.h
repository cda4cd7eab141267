/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xhv's log: every line goes to a ring kept in memory (what `xhv dmesg`
 * reads back) and, at or above the chosen level, to stderr. Lines carry a
 * level, a monotonic timestamp and a subsystem tag.
 */
#ifndef XHV_LIB_LOG_H
#define XHV_LIB_LOG_H

#include <stddef.h>

#include "lib/compiler.h"

enum log_level {
    LOG_ERR = 0,
    LOG_WARN = 1,
    LOG_INFO = 2,
    LOG_DEBUG = 3,
};

#define LOG_RING_SIZE (256 * 1024)

void xhv_log(enum log_level level, const char *tag, const char *fmt, ...)
    XHV_PRINTF(3, 4);

/* Logs a multi-line text one log line per text line (log lines never
 * embed a newline, so every reader can split on them). */
void xhv_log_lines(enum log_level level, const char *tag, const char *text);

/* Lines at or below this level are echoed to stderr (default LOG_WARN). */
void log_set_stderr_level(enum log_level level);
/* Parses "err", "warn", "info" or "debug"; -EINVAL otherwise. */
int log_parse_level(const char *s, enum log_level *out);
const char *log_level_name(enum log_level level);

/*
 * Copies the ring's contents, oldest first, into buf (NUL-terminated) and
 * returns the number of bytes the whole log holds, which may exceed len.
 */
size_t log_read(char *buf, size_t len);
void log_clear(void);

#define log_err(tag, ...)   xhv_log(LOG_ERR, tag, __VA_ARGS__)
#define log_warn(tag, ...)  xhv_log(LOG_WARN, tag, __VA_ARGS__)
#define log_info(tag, ...)  xhv_log(LOG_INFO, tag, __VA_ARGS__)
#define log_debug(tag, ...) xhv_log(LOG_DEBUG, tag, __VA_ARGS__)

#endif /* XHV_LIB_LOG_H */
