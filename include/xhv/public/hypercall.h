/* SPDX-License-Identifier: MIT */
/*
 * Hypercall numbers and the small argument structures of xen_version,
 * console_io and sched_op, for 64-bit x86 guests, as in Xen's public
 * xen.h, version.h and sched.h (facts, written here in our own words).
 *
 * Calling convention (64-bit): number in RAX, arguments in RDI, RSI, RDX,
 * R10, R8; result in RAX. Errors are negative Xen errno values, which on
 * x86 equal Linux's (EPERM 1, ENOENT 2, ESRCH 3, EFAULT 14, EINVAL 22,
 * ENOSYS 38, ...).
 */
#ifndef XHV_PUBLIC_HYPERCALL_H
#define XHV_PUBLIC_HYPERCALL_H

#include <stddef.h>
#include <stdint.h>

#define __HYPERVISOR_memory_op        12
#define __HYPERVISOR_set_timer_op     15
#define __HYPERVISOR_xen_version      17
#define __HYPERVISOR_console_io       18
#define __HYPERVISOR_grant_table_op   20
#define __HYPERVISOR_vm_assist        21
#define __HYPERVISOR_vcpu_op          24
#define __HYPERVISOR_sched_op         29
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_physdev_op       33
#define __HYPERVISOR_hvm_op           34
#define XEN_NR_HYPERCALLS             64

/* xen_version sub-ops. */
#define XENVER_version             0
#define XENVER_extraversion        1
#define XENVER_compile_info        2
#define XENVER_capabilities        3
#define XENVER_changeset           4
#define XENVER_platform_parameters 5
#define XENVER_get_features        6
#define XENVER_pagesize            7
#define XENVER_guest_handle        8
#define XENVER_commandline         9
#define XENVER_build_id            10

struct xen_compile_info {
    char compiler[64];
    char compile_by[16];
    char compile_domain[32];
    char compile_date[32];
};
_Static_assert(sizeof(struct xen_compile_info) == 144, "compile_info");

struct xen_platform_parameters {
    uint64_t virt_start;
};

struct xen_feature_info {
    uint32_t submap_idx; /* IN: which 32 features */
    uint32_t submap;     /* OUT: their bits */
};
_Static_assert(sizeof(struct xen_feature_info) == 8, "feature_info");

#define XENFEAT_writable_page_tables      0
#define XENFEAT_auto_translated_physmap   2
#define XENFEAT_hvm_callback_vector       8
#define XENFEAT_hvm_safe_pvclock          9
#define XENFEAT_hvm_pirqs                 10
#define XENFEAT_memory_op_vnode_supported 13
#define XENFEAT_not_direct_mapped         16
#define XENFEAT_runstate_phys_area        18
#define XENFEAT_vcpu_time_phys_area       19
#define XENFEAT_NR_SUBMAPS                1

#define XEN_EXTRAVERSION_LEN  16
#define XEN_CAPABILITIES_LEN  1024
#define XEN_CHANGESET_LEN     64
#define XEN_COMMANDLINE_LEN   1024
#define XEN_DOMAIN_HANDLE_LEN 16

/* console_io commands. */
#define CONSOLEIO_write 0
#define CONSOLEIO_read  1

/* sched_op commands. */
#define SCHEDOP_yield           0
#define SCHEDOP_block           1
#define SCHEDOP_shutdown        2
#define SCHEDOP_poll            3
#define SCHEDOP_remote_shutdown 4
#define SCHEDOP_shutdown_code   5
#define SCHEDOP_watchdog        6

struct sched_shutdown {
    uint32_t reason; /* SHUTDOWN_* */
};

/* SCHEDOP_poll: block until one of ports[0..nr_ports) is pending, or
 * until system time timeout (ns; 0 for none). */
struct sched_poll {
    uint64_t ports; /* guest handle: evtchn_port_t[nr_ports] */
    uint32_t nr_ports;
    uint32_t _pad;
    uint64_t timeout;
};
_Static_assert(sizeof(struct sched_poll) == 24, "sched_poll");
_Static_assert(offsetof(struct sched_poll, timeout) == 16,
               "sched_poll.timeout");

/* Reasons, as in Xen's sched.h. */
#define SHUTDOWN_poweroff   0
#define SHUTDOWN_reboot     1
#define SHUTDOWN_suspend    2
#define SHUTDOWN_crash      3
#define SHUTDOWN_watchdog   4
#define SHUTDOWN_soft_reset 5
#define SHUTDOWN_MAX        5

#endif /* XHV_PUBLIC_HYPERCALL_H */
