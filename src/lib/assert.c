/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Assertion failure handling. The handler pointer is written only by tests,
 * before the threads they start, so a relaxed atomic is enough.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/assert.h"

static void default_handler(const char *expr, const char *file, int line,
                            const char *func)
{
    fprintf(stderr, "xhv: assertion failed: %s at %s:%d (%s)\n", expr, file,
            line, func);
    fflush(stderr);
    abort();
}

static xhv_assert_handler_t handler = default_handler;

void xhv_assert_fail(const char *expr, const char *file, int line,
                     const char *func)
{
    xhv_assert_handler_t h = __atomic_load_n(&handler, __ATOMIC_RELAXED);

    h(expr, file, line, func);
    /* A handler that returns (a test's) must not let the caller continue. */
    default_handler(expr, file, line, func);
}

xhv_assert_handler_t xhv_assert_set_handler(xhv_assert_handler_t h)
{
    return __atomic_exchange_n(&handler, h ? h : default_handler,
                               __ATOMIC_RELAXED);
}
