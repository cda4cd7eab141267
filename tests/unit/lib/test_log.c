/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The log: lines reach the ring with their level, timestamp and tag and
 * read back oldest first; level names parse and print; only lines at or
 * below the stderr level are echoed; a full ring drops whole oldest lines
 * so every line read back is complete; a short read keeps the newest
 * bytes; an over-long line (long message or long tag) is cut to the line
 * buffer and marked "[...]" while a line that just fits is kept whole; and
 * log_clear empties the ring.
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

#include "lib/log.h"

/* xhv_log's line buffer, newline included. */
#define LINE_MAX_LEN 1024

static char rbuf[LOG_RING_SIZE + 1];

static int setup(void **state)
{
    (void)state;
    log_set_stderr_level(LOG_ERR);
    log_clear();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    log_clear();
    log_set_stderr_level(LOG_WARN); /* the default */
    return 0;
}

/* Reads the whole ring into rbuf and checks the size agrees. */
static size_t read_all(void)
{
    size_t n = log_read(rbuf, sizeof(rbuf));

    assert_true(n <= LOG_RING_SIZE);
    assert_int_equal(strlen(rbuf), n);
    return n;
}

/* Length of the "[   sec.usec] level tag: " prefix of line. */
static size_t header_len(const char *line)
{
    const char *p = strstr(line, ": ");

    assert_non_null(p);
    return (size_t)(p + 2 - line);
}

/* Checks "[<sec>.<6 digits>] " and returns the time in microseconds. */
static long long line_stamp(const char *line)
{
    long long sec;
    long usec;
    int end = 0;

    assert_int_equal(line[0], '[');
    assert_int_equal(sscanf(line, "[%lld.%6ld]%n", &sec, &usec, &end), 2);
    assert_true(end >= 10);
    assert_int_equal(line[end - 8], '.');
    assert_int_equal(line[end], ' ');
    return sec * 1000000 + usec;
}

static void test_lines_oldest_first(void **state)
{
    static const char *const want[] = {
        "] info  alpha: first 1\n",
        "] warn  beta: second\n",
        "] err   gamma: third x\n",
        "] debug delta: fourth\n",
    };
    long long prev = -1;
    char *line;
    size_t n, i;

    (void)state;
    log_info("alpha", "first %d", 1);
    log_warn("beta", "second");
    /* This one is echoed to stderr too: it is at the stderr level. */
    log_err("gamma", "third %s", "x");
    log_debug("delta", "fourth");

    n = read_all();
    line = rbuf;
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char *nl = strchr(line, '\n');
        long long t = line_stamp(line);

        assert_non_null(nl);
        assert_true(t >= prev);
        prev = t;
        assert_memory_equal(strchr(line, ']'), want[i], strlen(want[i]));
        assert_ptr_equal(strchr(line, ']') + strlen(want[i]), nl + 1);
        line = nl + 1;
    }
    assert_ptr_equal(line, rbuf + n);
}

static void test_level_names(void **state)
{
    static const struct {
        const char *s;
        enum log_level level;
    } good[] = {
        {"err", LOG_ERR},     {"warn", LOG_WARN},   {"info", LOG_INFO},
        {"debug", LOG_DEBUG}, {"ERR", LOG_ERR},     {"Warn", LOG_WARN},
        {"iNfO", LOG_INFO},   {"DEBUG", LOG_DEBUG},
    };
    static const char *const bad[] = {
        "verbose", "", "error", "er", "warning", "debug ", " info", "4",
    };
    enum log_level l;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        l = (enum log_level) - 1;
        assert_int_equal(log_parse_level(good[i].s, &l), 0);
        assert_int_equal(l, good[i].level);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        l = LOG_INFO;
        if (log_parse_level(bad[i], &l) != -EINVAL)
            fail_msg("level \"%s\" was not refused", bad[i]);
        assert_int_equal(l, LOG_INFO);
    }

    assert_string_equal(log_level_name(LOG_ERR), "err");
    assert_string_equal(log_level_name(LOG_WARN), "warn");
    assert_string_equal(log_level_name(LOG_INFO), "info");
    assert_string_equal(log_level_name(LOG_DEBUG), "debug");
    assert_string_equal(log_level_name((enum log_level)4), "?");
    assert_string_equal(log_level_name((enum log_level) - 1), "?");
    for (l = LOG_ERR; l <= LOG_DEBUG; l++) {
        enum log_level back;

        assert_int_equal(log_parse_level(log_level_name(l), &back), 0);
        assert_int_equal(back, l);
    }
}

/* Logs one line at each level with stderr sent to a file, and returns
 * what reached stderr (in a static buffer). */
static const char *capture_stderr(enum log_level stderr_level)
{
    static char out[4096];
    FILE *f = tmpfile();
    int saved;
    size_t n;

    assert_non_null(f);
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);

    log_set_stderr_level(stderr_level);
    log_err("echo", "line-err");
    log_warn("echo", "line-warn");
    log_info("echo", "line-info");
    log_debug("echo", "line-debug");
    fflush(stderr);

    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    rewind(f);
    n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = '\0';
    fclose(f);
    return out;
}

static unsigned int count(const char *s, const char *needle)
{
    unsigned int n = 0;

    while ((s = strstr(s, needle)) != NULL) {
        n++;
        s++;
    }
    return n;
}

static void test_stderr_level(void **state)
{
    const char *out;

    (void)state;
    out = capture_stderr(LOG_ERR);
    assert_non_null(strstr(out, "err   echo: line-err\n"));
    assert_null(strstr(out, "line-warn"));
    assert_null(strstr(out, "line-info"));

    out = capture_stderr(LOG_WARN);
    assert_non_null(strstr(out, "line-err"));
    assert_non_null(strstr(out, "warn  echo: line-warn\n"));
    assert_null(strstr(out, "line-info"));
    assert_null(strstr(out, "line-debug"));

    out = capture_stderr(LOG_DEBUG);
    assert_non_null(strstr(out, "line-err"));
    assert_non_null(strstr(out, "line-warn"));
    assert_non_null(strstr(out, "info  echo: line-info\n"));
    assert_non_null(strstr(out, "debug echo: line-debug\n"));

    /* The ring keeps every line whatever the stderr level. */
    read_all();
    assert_int_equal(count(rbuf, "line-err\n"), 3);
    assert_int_equal(count(rbuf, "line-debug\n"), 3);
}

/* Logs lines of varying length until twice the ring has gone through it,
 * so the ring wraps at many different offsets. */
static void test_ring_drops_whole_lines(void **state)
{
    static char pad[400];
    unsigned long i, seq, first = 0, expect;
    size_t logged = 0, n;
    char *line;

    (void)state;
    memset(pad, 'p', sizeof(pad) - 1);
    for (i = 0; logged <= 2 * LOG_RING_SIZE; i++) {
        int len = (int)(i * 37 % (sizeof(pad) - 1));

        log_info("wrap", "seq %08lu %.*s", i, len, pad);
        logged += 40 + (size_t)len;
    }

    n = read_all();
    /* Only whole lines are dropped, and no more than are needed. */
    assert_true(n > LOG_RING_SIZE - LINE_MAX_LEN);
    line = rbuf;
    for (expect = 0; line < rbuf + n; expect++) {
        char *nl = strchr(line, '\n');
        char *s = strstr(line, "wrap: seq ");

        line_stamp(line);
        assert_non_null(nl);
        assert_non_null(s);
        assert_true(s < nl);
        seq = strtoul(s + 10, NULL, 10);
        if (expect == 0) {
            first = seq;
            assert_true(first > 0);
        } else {
            assert_int_equal(seq, first + expect);
        }
        line = nl + 1;
    }
    assert_int_equal(rbuf[n - 1], '\n');
    /* The newest line is the last one read. */
    assert_int_equal(first + expect, i);
}

static void test_short_read_keeps_newest(void **state)
{
    char small[32];
    size_t full, i;

    (void)state;
    log_info("short", "one");
    log_info("short", "two");
    log_info("short", "three and the newest");
    full = read_all();
    assert_true(full > sizeof(small));

    memset(small, 'X', sizeof(small));
    assert_int_equal(log_read(small, sizeof(small)), full);
    assert_int_equal(small[sizeof(small) - 1], '\0');
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_memory_equal(small, rbuf + full - (sizeof(small) - 1),
                        sizeof(small) - 1);

    memset(small, 'X', sizeof(small));
    assert_int_equal(log_read(small, 1), full);
    assert_int_equal(small[0], '\0');
    assert_int_equal(small[1], 'X');
    assert_int_equal(log_read(small, 0), full);
    assert_int_equal(log_read(NULL, 0), full);
    for (i = 1; i < sizeof(small); i++)
        assert_int_equal(small[i], 'X');
}

/* Returns the single line in the ring after logging msg under tag. */
static const char *log_one(const char *tag, const char *msg)
{
    log_clear();
    log_info(tag, "%s", msg);
    read_all();
    return rbuf;
}

static void test_long_line_marked(void **state)
{
    char *msg = malloc(4 * LINE_MAX_LEN);
    const char *line;
    size_t n;

    (void)state;
    assert_non_null(msg);
    memset(msg, 'm', 4 * LINE_MAX_LEN - 1);
    msg[4 * LINE_MAX_LEN - 1] = '\0';
    line = log_one("long", msg);
    n = strlen(line);
    assert_int_equal(n, LINE_MAX_LEN);
    line_stamp(line);
    assert_string_equal(line + n - 6, "[...]\n");
    assert_int_equal(line[n - 7], 'm');
    free(msg);
}

/*
 * Regression: a tag that makes the header alone longer than the line
 * buffer made xhv_log format the message past the end of its stack buffer
 * (ASan sees it when the header ends just past the buffer). Tags from just
 * short of the buffer to twice its size must all give one marked line.
 */
static void test_long_tag_marked(void **state)
{
    char *tag = malloc(2 * LINE_MAX_LEN + 1);
    size_t hdr0, len, n;
    const char *line;

    (void)state;
    assert_non_null(tag);
    hdr0 = header_len(log_one("", ""));
    for (len = LINE_MAX_LEN - 4 - hdr0; len <= 2 * LINE_MAX_LEN; len++) {
        if (len == LINE_MAX_LEN + 64 - hdr0)
            len = 2 * LINE_MAX_LEN;
        memset(tag, 't', len);
        tag[len] = '\0';
        line = log_one(tag, "message");
        n = strlen(line);
        assert_int_equal(n, LINE_MAX_LEN);
        line_stamp(line);
        assert_string_equal(line + n - 6, "[...]\n");
        assert_null(strstr(line, "message"));
    }
    free(tag);
}

/* Regression: a line of exactly LINE_MAX_LEN - 1 characters fits the
 * buffer (the newline takes the NUL's place) but was marked "[...]" and
 * lost its last five characters. One character more is truncated. */
static void test_line_that_just_fits_kept(void **state)
{
    char msg[LINE_MAX_LEN];
    const char *line;
    size_t hdr, len;

    (void)state;
    hdr = header_len(log_one("fit", ""));
    assert_true(hdr < LINE_MAX_LEN / 2);
    len = LINE_MAX_LEN - 1 - hdr;
    memset(msg, 'f', len - 1);
    msg[len - 1] = 'Z';
    msg[len] = '\0';

    line = log_one("fit", msg);
    /* A timestamp that grew a digit meanwhile would shift the sizes. */
    assert_int_equal(header_len(line), hdr);
    assert_int_equal(strlen(line), LINE_MAX_LEN);
    assert_null(strstr(line, "[...]"));
    assert_string_equal(line + LINE_MAX_LEN - 2, "Z\n");

    msg[len] = 'Y';
    msg[len + 1] = '\0';
    line = log_one("fit", msg);
    assert_int_equal(header_len(line), hdr);
    assert_int_equal(strlen(line), LINE_MAX_LEN);
    assert_string_equal(line + LINE_MAX_LEN - 6, "[...]\n");
}

/* A multi-line text becomes one log line per text line, none empty
 * at the end, and no log line holds a newline of its own. */
static void test_log_lines_splits(void **state)
{
    static char buf[4096];
    char *p;
    int lines = 0;

    (void)state;
    xhv_log_lines(LOG_INFO, "t", "first\nsecond\n\nfourth");
    log_read(buf, sizeof(buf));
    for (p = buf; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 4);
    assert_non_null(strstr(buf, "t: first\n"));
    assert_non_null(strstr(buf, "t: second\n"));
    assert_non_null(strstr(buf, "t: fourth\n"));
    log_clear();
    xhv_log_lines(LOG_INFO, "t", "only\n");
    log_read(buf, sizeof(buf));
    assert_non_null(strstr(buf, "t: only\n"));
    assert_null(strchr(strchr(buf, '\n') + 1, '\n'));
}

static void test_clear_empties(void **state)
{
    (void)state;
    log_info("clear", "something");
    assert_true(read_all() > 0);
    log_clear();
    memset(rbuf, 'X', 16);
    assert_int_equal(log_read(rbuf, sizeof(rbuf)), 0);
    assert_int_equal(rbuf[0], '\0');

    /* The ring works as before after a clear. */
    log_info("clear", "after");
    read_all();
    assert_int_equal(rbuf[0], '[');
    assert_non_null(strstr(rbuf, "clear: after\n"));
    assert_null(strstr(rbuf, "something"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lines_oldest_first, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_level_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stderr_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ring_drops_whole_lines, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_short_read_keeps_newest, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_long_line_marked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_tag_marked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_that_just_fits_kept, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_log_lines_splits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clear_empties, setup, teardown),
    };

    return cmocka_run_group_tests_name("lib_log", tests, NULL, NULL);
}
