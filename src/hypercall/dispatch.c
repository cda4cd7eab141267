/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypercall dispatcher: a table from hypercall number to family
 * handler. Everything a guest can call enters here, from any backend.
 */
#include <errno.h>

#include "hypercall/hypercall.h"
#include "lib/compiler.h"

typedef long (*hcall_fn)(struct vcpu *v, const struct hcall *h);

static const hcall_fn table[XEN_NR_HYPERCALLS] = {
    [__HYPERVISOR_memory_op] = do_memory_op,
    [__HYPERVISOR_xen_version] = do_xen_version,
    [__HYPERVISOR_console_io] = do_console_io,
    [__HYPERVISOR_vcpu_op] = do_vcpu_op,
    [__HYPERVISOR_sched_op] = do_sched_op,
    [__HYPERVISOR_hvm_op] = do_hvm_op,
    [__HYPERVISOR_event_channel_op] = do_event_channel_op,
    [__HYPERVISOR_grant_table_op] = do_grant_table_op,
};

static uint64_t counts[XEN_NR_HYPERCALLS]; /* atomic */

long hypercall_dispatch(struct vcpu *v, const struct hcall *h)
{
    if (h->op >= XEN_NR_HYPERCALLS || !table[h->op])
        return -ENOSYS;
    __atomic_add_fetch(&counts[h->op], 1, __ATOMIC_RELAXED);
    /* Xen refuses hypercalls from guest user mode. */
    if (h->user_mode)
        return -EPERM;
    return table[h->op](v, h);
}

uint64_t hypercall_count(unsigned int op)
{
    return op < XEN_NR_HYPERCALLS
               ? __atomic_load_n(&counts[op], __ATOMIC_RELAXED)
               : 0;
}
