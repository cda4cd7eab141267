/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one wrapper every heap allocation of xhv goes through. Each call is a
 * fault site named after the calling function, and the number of live
 * allocations is counted so a test can prove that a failed operation freed
 * everything it took.
 */
#ifndef XHV_LIB_ALLOC_H
#define XHV_LIB_ALLOC_H

#include <stddef.h>

void *xhv_malloc_at(const char *site, size_t size);
void *xhv_calloc_at(const char *site, size_t n, size_t size);
void *xhv_realloc_at(const char *site, void *p, size_t size);
char *xhv_strdup_at(const char *site, const char *s);
void xhv_free(void *p);

/* Allocations made through this wrapper and not yet freed. */
long xhv_alloc_live(void);

#define xhv_malloc(size)     xhv_malloc_at(__func__, (size))
#define xhv_calloc(n, size)  xhv_calloc_at(__func__, (n), (size))
#define xhv_realloc(p, size) xhv_realloc_at(__func__, (p), (size))
#define xhv_strdup(s)        xhv_strdup_at(__func__, (s))

#endif /* XHV_LIB_ALLOC_H */
