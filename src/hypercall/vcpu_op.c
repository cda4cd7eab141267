/* SPDX-License-Identifier: GPL-2.0-only */
/* vcpu_op: not implemented yet; -ENOSYS as Xen answers unknown calls. */
#include <errno.h>

#include "hypercall/hypercall.h"

long do_vcpu_op(struct vcpu *v, const struct hcall *h)
{
    (void)v, (void)h;
    return -ENOSYS;
}
