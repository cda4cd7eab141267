/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Families not implemented yet answer -ENOSYS, as Xen does for any
 * hypercall it does not know.
 */
#include <errno.h>

#include "hypercall/hypercall.h"

long do_memory_op(struct vcpu *v, const struct hcall *h)
{
    (void)v, (void)h;
    return -ENOSYS;
}

long do_hvm_op(struct vcpu *v, const struct hcall *h)
{
    (void)v, (void)h;
    return -ENOSYS;
}

long do_vcpu_op(struct vcpu *v, const struct hcall *h)
{
    (void)v, (void)h;
    return -ENOSYS;
}
