/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Assertions: with the cmocka hook installed a false XHV_ASSERT (and any
 * XHV_BUG) unwinds into expect_assert_failure() while a true one does
 * nothing and evaluates its condition once; a handler sees the expression,
 * file, line and function; xhv_assert_set_handler returns the previous
 * handler (NULL restores the default); and a handler that returns does not
 * let the caller go on, the process aborts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/assert.h"
#include "xhv_test.h"

static int setup(void **state)
{
    (void)state;
    xt_install_assert_hook();
    return 0;
}

/*
 * cmocka's expect_assert_failure() prints "Expected assertion ... occurred"
 * on stdout, which is not TAP, so stdout goes to /dev/null around it. If
 * the assertion does not fire the test fails out of the middle of it, so
 * teardown puts stdout back too.
 */
static int saved_stdout = -1;

static void quiet_stdout(void)
{
    int null = open("/dev/null", O_WRONLY);

    assert_true(null >= 0);
    fflush(stdout);
    saved_stdout = dup(STDOUT_FILENO);
    assert_true(saved_stdout >= 0);
    assert_true(dup2(null, STDOUT_FILENO) >= 0);
    close(null);
}

static void restore_stdout(void)
{
    if (saved_stdout < 0)
        return;
    fflush(stdout);
    dup2(saved_stdout, STDOUT_FILENO);
    close(saved_stdout);
    saved_stdout = -1;
}

#define quiet_expect_assert_failure(call)                                      \
    do {                                                                       \
        quiet_stdout();                                                        \
        expect_assert_failure(call);                                           \
        restore_stdout();                                                      \
    } while (0)

static int teardown(void **state)
{
    (void)state;
    restore_stdout();
    xhv_assert_set_handler(NULL);
    return 0;
}

/* A handler that records its arguments and unwinds to the test. */
static struct {
    jmp_buf env;
    unsigned int calls;
    const char *expr, *file, *func;
    int line;
} seen;

static void recording_handler(const char *expr, const char *file, int line,
                              const char *func)
{
    seen.calls++;
    seen.expr = expr;
    seen.file = file;
    seen.line = line;
    seen.func = func;
    longjmp(seen.env, 1);
}

static void other_handler(const char *expr, const char *file, int line,
                          const char *func)
{
    (void)expr;
    (void)file;
    (void)line;
    (void)func;
}

static void test_false_assert_fires(void **state)
{
    (void)state;
#ifdef XHV_ASSERTIONS
    quiet_expect_assert_failure(XHV_ASSERT(0));
    quiet_expect_assert_failure(XHV_ASSERT(1 == 2));
#else
    skip();
#endif
}

static void test_bug_always_fires(void **state)
{
    (void)state;
    quiet_expect_assert_failure(XHV_BUG("unreachable"));
}

static void test_true_assert_silent(void **state)
{
    volatile int evaluated = 0;

    (void)state;
    memset(&seen, 0, sizeof(seen));
    xhv_assert_set_handler(recording_handler);
    if (setjmp(seen.env) == 0) {
        XHV_ASSERT(1);
        XHV_ASSERT(++evaluated == 1);
    }
    assert_int_equal(seen.calls, 0);
#ifdef XHV_ASSERTIONS
    assert_int_equal(evaluated, 1);
#else
    assert_int_equal(evaluated, 0);
#endif
}

static void test_handler_sees_location(void **state)
{
    volatile int line = 0;
    int x = 2;

    (void)state;
#ifdef XHV_ASSERTIONS
    memset(&seen, 0, sizeof(seen));
    xhv_assert_set_handler(recording_handler);
    if (setjmp(seen.env) == 0) {
        line = __LINE__ + 1;
        XHV_ASSERT(x == 3);
        fail_msg("XHV_ASSERT(x == 3) returned");
    }
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.expr, "x == 3");
    assert_string_equal(seen.file, __FILE__);
    assert_int_equal(seen.line, line);
    assert_string_equal(seen.func, __func__);
#else
    (void)line;
    (void)x;
    skip();
#endif
}

static void test_set_handler_returns_previous(void **state)
{
    xhv_assert_handler_t dflt, h;

    (void)state;
    /* setup() installed the cmocka hook; take it out to find the default. */
    h = xhv_assert_set_handler(NULL);
    assert_non_null(h);
    dflt = xhv_assert_set_handler(recording_handler);
    assert_non_null(dflt);
    assert_ptr_not_equal(dflt, h);
    assert_ptr_not_equal(dflt, recording_handler);

    h = xhv_assert_set_handler(other_handler);
    assert_ptr_equal(h, recording_handler);
    h = xhv_assert_set_handler(NULL);
    assert_ptr_equal(h, other_handler);
    h = xhv_assert_set_handler(dflt);
    assert_ptr_equal(h, dflt);
    h = xhv_assert_set_handler(NULL);
    assert_ptr_equal(h, dflt);
}

static int handler_pipe = -1;

static void returning_handler(const char *expr, const char *file, int line,
                              const char *func)
{
    (void)expr;
    (void)file;
    (void)line;
    (void)func;
    if (write(handler_pipe, "h", 1) != 1)
        _exit(3);
}

/* The caller of a failed assertion must never run on, even when the
 * handler returns: the child aborts after the handler has run. */
static void test_returning_handler_aborts(void **state)
{
    int fds[2], status, devnull;
    char c = 0;
    pid_t pid;

    (void)state;
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        handler_pipe = fds[1];
        /* The default handler's message is expected; keep it quiet. */
        devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDERR_FILENO);
        xhv_assert_set_handler(returning_handler);
        XHV_BUG("must not return");
        _exit(0);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &c, 1), 1);
    assert_int_equal(c, 'h');
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_false_assert_fires, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bug_always_fires, setup, teardown),
        cmocka_unit_test_setup_teardown(test_true_assert_silent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_handler_sees_location, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_set_handler_returns_previous,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_returning_handler_aborts, setup,
                                        teardown),
    };

    return cmocka_run_group_tests_name("lib_assert", tests, NULL, NULL);
}
