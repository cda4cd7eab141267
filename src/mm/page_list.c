/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MFN-linked page lists, as Xen keeps them: links are 32-bit MFNs rather
 * than pointers, which keeps struct page_info at 32 bytes. A page is on at
 * most one list at a time (a free list, or its owner's list); the caller
 * holds the lock that protects that list.
 */
#include "mm/private.h"

void page_list_init(struct page_list_head *l)
{
    l->head = PAGE_LIST_NULL;
    l->tail = PAGE_LIST_NULL;
    l->count = 0;
}

void page_list_add_tail(struct page_info *pg, struct page_list_head *l)
{
    uint32_t mfn = (uint32_t)page_to_mfn(pg);

    pg->next = PAGE_LIST_NULL;
    pg->prev = l->tail;
    if (l->tail == PAGE_LIST_NULL)
        l->head = mfn;
    else
        machine.frame_table[l->tail].next = mfn;
    l->tail = mfn;
    l->count++;
}

void page_list_add_head(struct page_info *pg, struct page_list_head *l)
{
    uint32_t mfn = (uint32_t)page_to_mfn(pg);

    pg->prev = PAGE_LIST_NULL;
    pg->next = l->head;
    if (l->head == PAGE_LIST_NULL)
        l->tail = mfn;
    else
        machine.frame_table[l->head].prev = mfn;
    l->head = mfn;
    l->count++;
}

void page_list_del(struct page_info *pg, struct page_list_head *l)
{
    XHV_ASSERT(l->count > 0);
    if (pg->prev == PAGE_LIST_NULL)
        l->head = pg->next;
    else
        machine.frame_table[pg->prev].next = pg->next;
    if (pg->next == PAGE_LIST_NULL)
        l->tail = pg->prev;
    else
        machine.frame_table[pg->next].prev = pg->prev;
    pg->next = PAGE_LIST_NULL;
    pg->prev = PAGE_LIST_NULL;
    l->count--;
}

struct page_info *page_list_first(const struct page_list_head *l)
{
    return l->head == PAGE_LIST_NULL ? NULL : &machine.frame_table[l->head];
}

struct page_info *page_list_next(const struct page_info *pg)
{
    return pg->next == PAGE_LIST_NULL ? NULL : &machine.frame_table[pg->next];
}
