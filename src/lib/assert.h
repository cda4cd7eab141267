/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * XHV_ASSERT states an invariant. It stays on in debug and test builds (the
 * default); a release build may compile it out with -Dassertions=false.
 *
 * A failing assertion calls the current handler. The default handler prints
 * the expression and aborts; unit tests install one that unwinds into the
 * test framework so a test can prove that an assertion fires.
 */
#ifndef XHV_LIB_ASSERT_H
#define XHV_LIB_ASSERT_H

#include <stdbool.h>

typedef void (*xhv_assert_handler_t)(const char *expr, const char *file,
                                     int line, const char *func);

void xhv_assert_fail(const char *expr, const char *file, int line,
                     const char *func);
xhv_assert_handler_t xhv_assert_set_handler(xhv_assert_handler_t h);

#ifdef XHV_ASSERTIONS
#define XHV_ASSERT(cond)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            xhv_assert_fail(#cond, __FILE__, __LINE__, __func__);              \
    } while (0)
#else
#define XHV_ASSERT(cond)                                                       \
    do {                                                                       \
        (void)sizeof(cond);                                                    \
    } while (0)
#endif

/* A state that must never be reached, whatever the build. */
#define XHV_BUG(msg) xhv_assert_fail(msg, __FILE__, __LINE__, __func__)

#endif /* XHV_LIB_ASSERT_H */
