/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sched_op: yield, block, shutdown (poweroff, reboot, crash, suspend,
 * watchdog, soft_reset) and shutdown_code. Shutdown only records the
 * reason and pauses the domain; xhvd applies the domain's on_* action on
 * its own thread (domain_guest_shutdown()). poll arrives with event
 * channels.
 */
#include <errno.h>
#include <sched.h>

#include "hypercall/hypercall.h"

static long sched_shutdown(struct vcpu *v, uint64_t arg)
{
    struct sched_shutdown s;

    if (copy_from_guest(v, &s, arg, sizeof(s)))
        return -EFAULT;
    if (s.reason > SHUTDOWN_MAX)
        return -EINVAL;
    /* soft_reset acts through on_soft_reset in Xen; xhv treats it as a
     * reboot request. */
    if (s.reason == SHUTDOWN_soft_reset)
        s.reason = SHUTDOWN_reboot;
    return domain_guest_shutdown(v->domain, (enum shutdown_reason)s.reason)
               ? -EINVAL
               : 0;
}

long do_sched_op(struct vcpu *v, const struct hcall *h)
{
    switch (h->arg[0]) {
    case SCHEDOP_yield:
        sched_yield();
        return 0;
    case SCHEDOP_block:
        /* Nothing can wake a blocked vCPU until event channels land, so
         * blocking is a yield for now (a spurious wake-up is allowed). */
        sched_yield();
        return 0;
    case SCHEDOP_shutdown:
        return sched_shutdown(v, h->arg[1]);
    default:
        return -ENOSYS;
    }
}
