/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzzes grant_table_op argument decoding: any bytes as (caller, cmd,
 * count, argument blocks) against two domains where A has a grant frame
 * with a few grants to B. Every call must return (never crash, never
 * assert), and afterwards both domains must die cleanly and leave memory
 * audit-clean: no page reference, pin or mapping may leak.
 *
 * Input: byte 0 bit 0 = caller (A or B); byte 1 = cmd (low 4 bits of it
 * plus the top bit as a stray high bit); byte 2 = count (0-7); the rest
 * is written at the argument address (guest RAM, up to 4 KiB).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/domain.h"
#include "hypercall/hypercall.h"
#include "lib/log.h"
#include "xhv/public/grant_table.h"
#include "xhv/public/memory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ARG_GPA   0x10000ULL
#define FRAME_GFN 0x2000ULL

static struct domain *make(const char *name)
{
    struct domain_params p = {
        .memory_pages = 1024, .max_pages = 1024, .vcpus = 1};
    struct domain *d;

    strcpy(p.name, name);
    if (domain_create(&p, &d))
        abort();
    return d;
}

static long call(struct domain *d, uint64_t op, uint64_t a0, uint64_t a1,
                 uint64_t a2)
{
    struct hcall h = {.op = op, .arg = {a0, a1, a2}};

    return hypercall_dispatch(d->vcpus[0], &h);
}

/* A's frame 0 at FRAME_GFN, refs 0-15 granting gfns 0x30.. to B, some
 * read-only, and ref 16 granting a hole. */
static void grant(struct domain *a, struct domain *b)
{
    struct xen_add_to_physmap x = {.domid = DOMID_SELF,
                                   .space = XENMAPSPACE_grant_table,
                                   .idx = 0,
                                   .gpfn = FRAME_GFN};
    struct grant_entry_v1 *e;
    unsigned int i;

    memcpy(p2m_gfn_to_virt(&a->p2m, ARG_GPA >> PAGE_SHIFT), &x, sizeof(x));
    if (call(a, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, ARG_GPA, 0))
        abort();
    e = p2m_gfn_to_virt(&a->p2m, FRAME_GFN);
    for (i = 0; i < 17; i++)
        e[i] = (struct grant_entry_v1){.flags = GTF_permit_access |
                                                (i % 3 ? 0 : GTF_readonly),
                                       .domid = (xen_domid_t)b->domid,
                                       .frame = i < 16 ? 0x30 + i : 0x5000};
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct mm_audit_report r;
    struct domain *a, *b, *caller;
    uint64_t cmd;
    uint32_t count;

    if (!mm_ready()) {
        struct mm_config cfg = {.mem_bytes = 64ULL << 20, .memfd = -1};

        log_set_stderr_level(LOG_ERR);
        if (mm_init(&cfg))
            abort();
    }
    if (size < 3)
        return 0;
    a = make("fa");
    b = make("fb");
    grant(a, b);
    caller = data[0] & 1 ? a : b;
    cmd = (data[1] & 0xf) | (data[1] & 0x80 ? 1ULL << 12 : 0);
    count = data[2] & 7;
    size -= 3;
    if (size > PAGE_SIZE)
        size = PAGE_SIZE;
    memcpy(p2m_gfn_to_virt(&caller->p2m, ARG_GPA >> PAGE_SHIFT), data + 3,
           size);
    call(caller, __HYPERVISOR_grant_table_op, cmd, ARG_GPA, count);
    /* Both orders of death are covered by the caller bit. */
    if (domain_kill(caller == a ? b : a) || domain_kill(caller))
        abort();
    put_domain(a);
    put_domain(b);
    if (mm_audit(&r, 0))
        abort();
    return 0;
}
