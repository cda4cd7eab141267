/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small language helpers shared by every subsystem. Nothing here allocates,
 * locks or logs, so any file may include it.
 */
#ifndef XHV_LIB_COMPILER_H
#define XHV_LIB_COMPILER_H

#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member)                                        \
    ((type *)((char *)(ptr)-offsetof(type, member)))

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define XHV_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define XHV_NORETURN          _Noreturn
#define XHV_UNUSED            __attribute__((unused))

#define XHV_MIN(a, b) ((a) < (b) ? (a) : (b))
#define XHV_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif /* XHV_LIB_COMPILER_H */
