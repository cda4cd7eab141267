/* SPDX-License-Identifier: MIT */
/*
 * vcpu_op for 64-bit x86 guests: command numbers, argument structures and
 * runstate values, as in Xen's public vcpu.h (facts, written here in our
 * own words). Every size and offset a guest relies on is pinned below.
 *
 * Calling convention: vcpu_op(cmd, vcpuid, arg), with arg the guest
 * address of the command's structure (or 0 for commands that take none).
 */
#ifndef XHV_PUBLIC_VCPU_H
#define XHV_PUBLIC_VCPU_H

#include <stddef.h>
#include <stdint.h>

#define VCPUOP_initialise                     0
#define VCPUOP_up                             1
#define VCPUOP_down                           2
#define VCPUOP_is_up                          3
#define VCPUOP_get_runstate_info              4
#define VCPUOP_register_runstate_memory_area  5
#define VCPUOP_set_periodic_timer             6
#define VCPUOP_stop_periodic_timer            7
#define VCPUOP_set_singleshot_timer           8
#define VCPUOP_stop_singleshot_timer          9
#define VCPUOP_register_vcpu_info             10
#define VCPUOP_send_nmi                       11
#define VCPUOP_get_physid                     12
#define VCPUOP_register_vcpu_time_memory_area 13
#define VCPUOP_register_runstate_phys_area    14
#define VCPUOP_register_vcpu_time_phys_area   15

/*
 * What a vCPU is doing and how long it has spent in each state. Times are
 * system time in ns; the four times always add up to the time since the
 * vCPU was created.
 */
struct vcpu_runstate_info {
    int32_t state;             /* RUNSTATE_* */
    uint64_t state_entry_time; /* when state was entered */
    uint64_t time[4];          /* ns spent in each RUNSTATE_* */
};
_Static_assert(sizeof(struct vcpu_runstate_info) == 48,
               "vcpu_runstate_info size");
_Static_assert(offsetof(struct vcpu_runstate_info, state) == 0,
               "vcpu_runstate_info.state offset");
_Static_assert(offsetof(struct vcpu_runstate_info, state_entry_time) == 8,
               "vcpu_runstate_info.state_entry_time offset");
_Static_assert(offsetof(struct vcpu_runstate_info, time) == 16,
               "vcpu_runstate_info.time offset");

/* Set in state_entry_time while a guest-mapped copy is being rewritten. */
#define XEN_RUNSTATE_UPDATE (1ULL << 63)

#define RUNSTATE_running  0 /* on a physical CPU */
#define RUNSTATE_runnable 1 /* could run, waiting for a CPU */
#define RUNSTATE_blocked  2 /* waiting for an event */
#define RUNSTATE_offline  3 /* down, or paused by the host */

/* VCPUOP_register_runstate_memory_area: a guest-virtual address. */
struct vcpu_register_runstate_memory_area {
    uint64_t addr;
};
_Static_assert(sizeof(struct vcpu_register_runstate_memory_area) == 8,
               "vcpu_register_runstate_memory_area size");

/* VCPUOP_set_periodic_timer: at least 1 ms. */
struct vcpu_set_periodic_timer {
    uint64_t period_ns;
};
_Static_assert(sizeof(struct vcpu_set_periodic_timer) == 8,
               "vcpu_set_periodic_timer size");

/* VCPUOP_set_singleshot_timer: an absolute system time. */
struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns;
    uint32_t flags; /* VCPU_SSHOTTMR_* */
};
_Static_assert(sizeof(struct vcpu_set_singleshot_timer) == 16,
               "vcpu_set_singleshot_timer size");
_Static_assert(offsetof(struct vcpu_set_singleshot_timer, flags) == 8,
               "vcpu_set_singleshot_timer.flags offset");

/*
 * Asks for -ETIME when the timeout has passed. Xen 4.18 and later ignore
 * it (a timeout in the past fires at once), and so does xhv.
 */
#define VCPU_SSHOTTMR_future (1U << 0)

/*
 * VCPUOP_register_vcpu_info: move the vCPU's vcpu_info into guest memory
 * at frame mfn (a gfn for a translated guest), byte offset. The structure
 * may not cross a page boundary; once per vCPU.
 */
struct vcpu_register_vcpu_info {
    uint64_t mfn;
    uint32_t offset;
    uint32_t rsvd;
};
_Static_assert(sizeof(struct vcpu_register_vcpu_info) == 16,
               "vcpu_register_vcpu_info size");
_Static_assert(offsetof(struct vcpu_register_vcpu_info, offset) == 8,
               "vcpu_register_vcpu_info.offset offset");
_Static_assert(offsetof(struct vcpu_register_vcpu_info, rsvd) == 12,
               "vcpu_register_vcpu_info.rsvd offset");

#endif /* XHV_PUBLIC_VCPU_H */
