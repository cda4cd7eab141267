/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Log-dirty for the P2M (see p2m.h): one bit per gfn of the window, set
 * with an atomic OR by whoever writes, moved out with an atomic exchange
 * by the migration code. A writer marks after (or while) it writes; the
 * harvester clears a word before it reads the pages the word names, so a
 * write that lands after the exchange sets the bit again for the next
 * round and none is lost.
 *
 * The bitmap lives as long as the P2M (p2m_init() allocates it): a
 * writer that saw logging on may still be about to set its bit when
 * logging stops, and a stale bit in a log nobody reads costs nothing.
 */
#include <errno.h>
#include <string.h>

#include "p2m/p2m.h"

uint64_t p2m_log_dirty_words(const struct p2m *p)
{
    return (p->nr_gfns + 63) / 64;
}

int p2m_log_dirty_start(struct p2m *p)
{
    uint64_t i;

    if (!p->dirty)
        return -ESRCH;
    for (i = 0; i < p2m_log_dirty_words(p); i++)
        __atomic_store_n(&p->dirty[i], 0, __ATOMIC_RELAXED);
    __atomic_store_n(&p->logging, true, __ATOMIC_SEQ_CST);
    return 0;
}

void p2m_log_dirty_stop(struct p2m *p)
{
    __atomic_store_n(&p->logging, false, __ATOMIC_SEQ_CST);
}

bool p2m_log_dirty_on(const struct p2m *p)
{
    return __atomic_load_n(&p->logging, __ATOMIC_SEQ_CST);
}

void p2m_mark_dirty(struct p2m *p, gfn_t gfn)
{
    uint64_t *bm;

    /* SEQ_CST: the store that made the page dirty comes before this load
     * in every thread's view, so a harvester that reads the page after
     * exchanging the word sees the write or sees the bit. */
    if (!__atomic_load_n(&p->logging, __ATOMIC_SEQ_CST) || gfn >= p->nr_gfns)
        return;
    bm = p->dirty;
    __atomic_fetch_or(&bm[gfn / 64], 1ULL << (gfn % 64), __ATOMIC_SEQ_CST);
}

void p2m_mark_dirty_va(struct p2m *p, const void *va)
{
    const uint8_t *w = p->window, *a = va;

    if (!w || !a || a < w || (uint64_t)(a - w) >= p->nr_gfns << PAGE_SHIFT)
        return;
    p2m_mark_dirty(p, (gfn_t)(a - w) >> PAGE_SHIFT);
}

void p2m_mark_dirty_all(struct p2m *p)
{
    uint64_t i, n = p2m_log_dirty_words(p), *bm;

    if (!__atomic_load_n(&p->logging, __ATOMIC_SEQ_CST))
        return;
    bm = p->dirty;
    for (i = 0; i < n; i++) {
        uint64_t bits = i + 1 < n || !(p->nr_gfns % 64)
                            ? ~0ULL
                            : (1ULL << (p->nr_gfns % 64)) - 1;

        __atomic_fetch_or(&bm[i], bits, __ATOMIC_SEQ_CST);
    }
}

uint64_t p2m_log_dirty_harvest(struct p2m *p, uint64_t *out, uint64_t nwords)
{
    uint64_t *bm = p->dirty;
    uint64_t i, n = p2m_log_dirty_words(p), moved = 0;

    if (!bm)
        return 0;
    if (nwords < n)
        n = nwords;
    for (i = 0; i < n; i++) {
        uint64_t w;

        /* Most words are clear: read before the locked exchange. */
        if (!__atomic_load_n(&bm[i], __ATOMIC_RELAXED))
            continue;
        w = __atomic_exchange_n(&bm[i], 0, __ATOMIC_SEQ_CST);
        out[i] |= w;
        moved += (uint64_t)__builtin_popcountll(w);
    }
    return moved;
}
