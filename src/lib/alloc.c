/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Heap allocation wrapper. The live counter is a plain atomic: it only ever
 * feeds leak checks, so relaxed ordering is enough.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/alloc.h"
#include "lib/fault.h"

static long live;

void *xhv_malloc_at(const char *site, size_t size)
{
    void *p;

    if (fault_fire(site))
        return NULL;
    p = malloc(size ? size : 1);
    if (p)
        __atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
    return p;
}

void *xhv_calloc_at(const char *site, size_t n, size_t size)
{
    void *p;

    if (fault_fire(site))
        return NULL;
    p = calloc(n ? n : 1, size ? size : 1);
    if (p)
        __atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
    return p;
}

void *xhv_realloc_at(const char *site, void *p, size_t size)
{
    void *q;

    if (!p)
        return xhv_malloc_at(site, size);
    if (fault_fire(site))
        return NULL;
    q = realloc(p, size ? size : 1);
    return q;
}

char *xhv_strdup_at(const char *site, const char *s)
{
    size_t len = strlen(s) + 1;
    char *p = xhv_malloc_at(site, len);

    if (p)
        memcpy(p, s, len);
    return p;
}

void xhv_free(void *p)
{
    if (!p)
        return;
    __atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
    free(p);
}

long xhv_alloc_live(void)
{
    return __atomic_load_n(&live, __ATOMIC_RELAXED);
}
