/* SPDX-License-Identifier: MIT */
/*
 * hvm_op for 64-bit x86 HVM/PVH guests: the sub-op numbers, the argument
 * structures xhv implements, and the HVM parameter numbers, as in Xen's
 * public hvm/hvm_op.h and hvm/params.h (facts, written here in our own
 * words). Every size and offset a guest relies on is pinned below.
 *
 * Calling convention: hvm_op(op, arg), with arg the guest address of the
 * sub-op's structure.
 */
#ifndef XHV_PUBLIC_HVM_H
#define XHV_PUBLIC_HVM_H

#include <stddef.h>
#include <stdint.h>

/* Sub-ops. Only the ones an unprivileged guest may use are listed. */
#define HVMOP_set_param                0
#define HVMOP_get_param                1
#define HVMOP_flush_tlbs               5
#define HVMOP_pagetable_dying          9
#define HVMOP_get_time                 10
#define HVMOP_xentrace                 11
#define HVMOP_get_mem_type             15
#define HVMOP_set_evtchn_upcall_vector 23
#define HVMOP_guest_request_vm_event   24
#define HVMOP_altp2m                   25

/* HVMOP_set_param / HVMOP_get_param: one parameter of a domain. */
struct xen_hvm_param {
    uint16_t domid; /* IN: DOMID_SELF or a domain id */
    uint16_t pad;
    uint32_t index; /* IN: HVM_PARAM_* */
    uint64_t value; /* IN for set, OUT for get */
};
_Static_assert(sizeof(struct xen_hvm_param) == 16, "xen_hvm_param size");
_Static_assert(offsetof(struct xen_hvm_param, domid) == 0, "hvm_param.domid");
_Static_assert(offsetof(struct xen_hvm_param, index) == 4, "hvm_param.index");
_Static_assert(offsetof(struct xen_hvm_param, value) == 8, "hvm_param.value");

/* HVMOP_get_time: the current system time (ns since the host's epoch). */
struct xen_hvm_get_time {
    uint64_t now; /* OUT */
};
_Static_assert(sizeof(struct xen_hvm_get_time) == 8, "xen_hvm_get_time size");

/*
 * HVMOP_set_evtchn_upcall_vector: deliver vcpu's event-channel upcall as
 * this vector on its local APIC. Vectors below 0x10 are refused. The
 * structure has three bytes of tail padding, which the hypervisor reads
 * as part of it (8 bytes in all).
 */
struct xen_hvm_evtchn_upcall_vector {
    uint32_t vcpu;
    uint8_t vector;
};
_Static_assert(sizeof(struct xen_hvm_evtchn_upcall_vector) == 8,
               "xen_hvm_evtchn_upcall_vector size");
_Static_assert(offsetof(struct xen_hvm_evtchn_upcall_vector, vector) == 4,
               "evtchn_upcall_vector.vector offset");

/*
 * HVM parameters. Numbers that Xen retired are kept so that they can be
 * refused as Xen refuses them.
 */
#define HVM_PARAM_CALLBACK_IRQ             0
#define HVM_PARAM_STORE_PFN                1
#define HVM_PARAM_STORE_EVTCHN             2
#define HVM_PARAM_PAE_ENABLED              4 /* retired */
#define HVM_PARAM_IOREQ_PFN                5
#define HVM_PARAM_BUFIOREQ_PFN             6
#define HVM_PARAM_VIRIDIAN                 9
#define HVM_PARAM_TIMER_MODE               10
#define HVM_PARAM_HPET_ENABLED             11
#define HVM_PARAM_IDENT_PT                 12
#define HVM_PARAM_DM_DOMAIN                13 /* retired */
#define HVM_PARAM_ACPI_S_STATE             14
#define HVM_PARAM_VM86_TSS                 15
#define HVM_PARAM_VPT_ALIGN                16
#define HVM_PARAM_CONSOLE_PFN              17
#define HVM_PARAM_CONSOLE_EVTCHN           18
#define HVM_PARAM_ACPI_IOPORTS_LOCATION    19
#define HVM_PARAM_MEMORY_EVENT_CR0         20 /* retired */
#define HVM_PARAM_MEMORY_EVENT_CR3         21 /* retired */
#define HVM_PARAM_MEMORY_EVENT_CR4         22 /* retired */
#define HVM_PARAM_MEMORY_EVENT_INT3        23 /* retired */
#define HVM_PARAM_NESTEDHVM                24 /* retired */
#define HVM_PARAM_MEMORY_EVENT_SINGLE_STEP 25 /* retired */
#define HVM_PARAM_BUFIOREQ_EVTCHN          26 /* retired */
#define HVM_PARAM_PAGING_RING_PFN          27
#define HVM_PARAM_MONITOR_RING_PFN         28
#define HVM_PARAM_SHARING_RING_PFN         29
#define HVM_PARAM_MEMORY_EVENT_MSR         30 /* retired */
#define HVM_PARAM_TRIPLE_FAULT_REASON      31
#define HVM_PARAM_IOREQ_SERVER_PFN         32
#define HVM_PARAM_NR_IOREQ_SERVER_PAGES    33
#define HVM_PARAM_VM_GENERATION_ID_ADDR    34
#define HVM_PARAM_ALTP2M                   35
#define HVM_PARAM_X87_FIP_WIDTH            36
#define HVM_PARAM_VM86_TSS_SIZED           37
#define HVM_PARAM_MCA_CAP                  38
#define HVM_NR_PARAMS                      39

/*
 * HVM_PARAM_CALLBACK_IRQ: how vCPU 0's event-channel upcall is delivered.
 * 0 means not at all; otherwise bits 63:56 give the type:
 *   GSI       bits 55:0 are the GSI (GSI 0 is the same as "not at all");
 *   PCI_INTX  bits 47:32 domain, 31:16 bus, 15:8 devfn, 1:0 INTx line;
 *   VECTOR    bits 7:0 are the vector (see XENFEAT_hvm_callback_vector).
 */
#define HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT 56
#define HVM_PARAM_CALLBACK_IRQ_TYPE_MASK  (0xffULL << 56)
#define HVM_PARAM_CALLBACK_TYPE_GSI       0
#define HVM_PARAM_CALLBACK_TYPE_PCI_INTX  1
#define HVM_PARAM_CALLBACK_TYPE_VECTOR    2

/* HVM_PARAM_ALTP2M modes (read-only to a guest). */
#define XEN_ALTP2M_disabled 0
#define XEN_ALTP2M_mixed    1
#define XEN_ALTP2M_external 2
#define XEN_ALTP2M_limited  3

#endif /* XHV_PUBLIC_HVM_H */
