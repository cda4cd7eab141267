/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The log ring. It is a static byte array used as a circular buffer that
 * drops whole oldest lines when full, so a reader never sees half a line.
 * Everything in it is protected by log_lock; the stderr level is a relaxed
 * atomic because a stale read only echoes one line more or less.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/log.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char ring[LOG_RING_SIZE]; /* protected by log_lock */
static size_t ring_head;         /* oldest byte; protected by log_lock */
static size_t ring_used;         /* protected by log_lock */
static int stderr_level = LOG_WARN;

static const char *const level_names[] = {"err", "warn", "info", "debug"};

const char *log_level_name(enum log_level level)
{
    if ((unsigned int)level >= ARRAY_SIZE(level_names))
        return "?";
    return level_names[level];
}

int log_parse_level(const char *s, enum log_level *out)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(level_names); i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -EINVAL;
}

void log_set_stderr_level(enum log_level level)
{
    __atomic_store_n(&stderr_level, (int)level, __ATOMIC_RELAXED);
}

/* Drops whole lines from the front until len more bytes fit. */
static void ring_make_room(size_t len)
{
    while (ring_used + len > LOG_RING_SIZE) {
        char c;

        do {
            c = ring[ring_head];
            ring_head = (ring_head + 1) % LOG_RING_SIZE;
            ring_used--;
        } while (c != '\n' && ring_used > 0);
    }
}

static void ring_append(const char *s, size_t len)
{
    size_t tail, i;

    if (len > LOG_RING_SIZE)
        return;
    ring_make_room(len);
    tail = (ring_head + ring_used) % LOG_RING_SIZE;
    for (i = 0; i < len; i++)
        ring[(tail + i) % LOG_RING_SIZE] = s[i];
    ring_used += len;
}

void xhv_log(enum log_level level, const char *tag, const char *fmt, ...)
{
    char line[1024];
    struct timespec ts;
    va_list ap;
    int n, m;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    n = snprintf(line, sizeof(line),
                 "[%5lld.%06ld] %-5s %s: ", (long long)ts.tv_sec,
                 ts.tv_nsec / 1000, log_level_name(level), tag);
    if (n < 0)
        return;
    /* A header that alone fills the line (a very long tag) leaves no room
     * for the message; line + n would point past the buffer. */
    if ((size_t)n < sizeof(line)) {
        va_start(ap, fmt);
        m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
        va_end(ap);
        if (m < 0)
            return;
        n += m;
    }
    /* n == sizeof(line) - 1 still fits: the newline takes the NUL's place. */
    if ((size_t)n >= sizeof(line)) {
        /* Say so rather than truncate silently. */
        n = (int)sizeof(line) - 1;
        memcpy(line + n - 5, "[...]", 5);
    }
    line[n++] = '\n';

    pthread_mutex_lock(&log_lock);
    ring_append(line, (size_t)n);
    pthread_mutex_unlock(&log_lock);

    if ((int)level <= __atomic_load_n(&stderr_level, __ATOMIC_RELAXED))
        fwrite(line, 1, (size_t)n, stderr);
}

void xhv_log_lines(enum log_level level, const char *tag, const char *text)
{
    const char *line = text, *nl;

    while (*line) {
        nl = strchr(line, '\n');
        if (!nl)
            nl = line + strlen(line);
        xhv_log(level, tag, "%.*s", (int)(nl - line), line);
        line = *nl ? nl + 1 : nl;
    }
}

size_t log_read(char *buf, size_t len)
{
    size_t i, n, total;

    pthread_mutex_lock(&log_lock);
    total = ring_used;
    n = len ? XHV_MIN(len - 1, ring_used) : 0;
    /* Keep the newest bytes when the caller's buffer is short. */
    for (i = 0; i < n; i++)
        buf[i] = ring[(ring_head + ring_used - n + i) % LOG_RING_SIZE];
    if (len)
        buf[n] = '\0';
    pthread_mutex_unlock(&log_lock);
    return total;
}

void log_clear(void)
{
    pthread_mutex_lock(&log_lock);
    ring_head = 0;
    ring_used = 0;
    pthread_mutex_unlock(&log_lock);
}
