/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sched_op: yield, block, shutdown (poweroff, reboot, crash, suspend,
 * watchdog, soft_reset) and shutdown_code. Shutdown only records the
 * reason and pauses the domain; xhvd applies the domain's on_* action on
 * its own thread (domain_guest_shutdown()).
 *
 * poll blocks the vCPU in evtchn_poll() (src/evtchn/poll.c) until one of
 * its ports is pending, an upcall is raised for it, the domain dies, or
 * the system time reaches the guest's timeout (absolute, ns; 0 for
 * none). At most SCHED_POLL_MAX_PORTS ports, as in Xen; the list is
 * copied in through the guest-access helpers before anything waits.
 */
#include <errno.h>
#include <sched.h>
#include <time.h>

#include "evtchn/evtchn.h"
#include "hypercall/hypercall.h"
#include "time/time.h"

/* Xen's limit ("fairly arbitrary"), which guests know. */
#define SCHED_POLL_MAX_PORTS 128

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

/* The CLOCK_REALTIME instant at which system time reaches timeout_ns
 * (which may be past: then the poll only looks). */
static void poll_deadline(uint64_t timeout_ns, struct timespec *ts)
{
    uint64_t now = time_system_ns();
    uint64_t left = timeout_ns > now ? timeout_ns - now : 0;

    clock_gettime(CLOCK_REALTIME, ts);
    /* More than a day is as good as forever, and keeps tv_sec sane. */
    if (left > 86400ULL * 1000000000ULL)
        left = 86400ULL * 1000000000ULL;
    ts->tv_sec += (time_t)(left / 1000000000ULL);
    ts->tv_nsec += (long)(left % 1000000000ULL);
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static long sched_poll(struct vcpu *v, uint64_t arg)
{
    evtchn_port_t ports[SCHED_POLL_MAX_PORTS];
    struct sched_poll p;
    struct timespec ts;

    if (copy_from_guest(v, &p, arg, sizeof(p)))
        return -EFAULT;
    if (p.nr_ports > SCHED_POLL_MAX_PORTS)
        return -EINVAL;
    if (copy_from_guest(v, ports, p.ports, p.nr_ports * sizeof(ports[0])))
        return -EFAULT;
    if (p.timeout)
        poll_deadline(p.timeout, &ts);
    return evtchn_poll(v, ports, p.nr_ports, p.timeout ? &ts : NULL);
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
    case SCHEDOP_poll:
        return sched_poll(v, h->arg[1]);
    default:
        return -ENOSYS;
    }
}
