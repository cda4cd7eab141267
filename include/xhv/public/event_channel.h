/* SPDX-License-Identifier: MIT */
/*
 * Event-channel operations (__HYPERVISOR_event_channel_op): the sub-op
 * numbers, their argument blocks, the status codes EVTCHNOP_status
 * reports and the virtual IRQs a guest can bind.
 *
 * The layouts follow Xen's public event_channel.h and xen.h for a 64-bit
 * x86 guest, described here in our own words. Every block is read from and
 * written back to guest memory as a whole, so sizes and offsets are pinned
 * with _Static_assert.
 */
#ifndef XHV_PUBLIC_EVENT_CHANNEL_H
#define XHV_PUBLIC_EVENT_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "xhv/public/xen.h"

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq        1
#define EVTCHNOP_bind_pirq        2
#define EVTCHNOP_close            3
#define EVTCHNOP_send             4
#define EVTCHNOP_status           5
#define EVTCHNOP_alloc_unbound    6
#define EVTCHNOP_bind_ipi         7
#define EVTCHNOP_bind_vcpu        8
#define EVTCHNOP_unmask           9
#define EVTCHNOP_reset            10
#define EVTCHNOP_init_control     11
#define EVTCHNOP_expand_array     12
#define EVTCHNOP_set_priority     13

typedef uint32_t evtchn_port_t;

/* The 2-level ABI: one pending and one mask bit per port in shared_info,
 * 64 words of 64 bits on x86-64. */
#define EVTCHN_2L_NR_CHANNELS (sizeof(xen_ulong_t) * sizeof(xen_ulong_t) * 64)

/* Virtual IRQs. TIMER and DEBUG are per vCPU, the rest per domain. */
#define VIRQ_TIMER      0
#define VIRQ_DEBUG      1
#define VIRQ_CONSOLE    2
#define VIRQ_DOM_EXC    3
#define VIRQ_TBUF       4
#define VIRQ_DEBUGGER   6
#define VIRQ_XENOPROF   7
#define VIRQ_CON_RING   8
#define VIRQ_PCPU_STATE 9
#define VIRQ_MEM_EVENT  10
#define VIRQ_ARGO       11
#define VIRQ_ENOMEM     12
#define VIRQ_XENPMU     13
#define VIRQ_ARCH_0     16
#define NR_VIRQS        24

/* A fresh port, unbound, that domain remote_dom may bind to. */
struct evtchn_alloc_unbound {
    xen_domid_t dom, remote_dom; /* in */
    evtchn_port_t port;          /* out */
};

/* Connects a fresh local port to remote_dom's unbound remote_port. */
struct evtchn_bind_interdomain {
    xen_domid_t remote_dom;    /* in */
    evtchn_port_t remote_port; /* in */
    evtchn_port_t local_port;  /* out */
};

struct evtchn_bind_virq {
    uint32_t virq;      /* in */
    uint32_t vcpu;      /* in */
    evtchn_port_t port; /* out */
};

struct evtchn_bind_pirq {
    uint32_t pirq;      /* in */
    uint32_t flags;     /* in */
    evtchn_port_t port; /* out */
};

struct evtchn_bind_ipi {
    uint32_t vcpu;      /* in */
    evtchn_port_t port; /* out */
};

struct evtchn_close {
    evtchn_port_t port;
};

struct evtchn_send {
    evtchn_port_t port;
};

#define EVTCHNSTAT_closed      0 /* not in use */
#define EVTCHNSTAT_unbound     1 /* waiting for the remote end */
#define EVTCHNSTAT_interdomain 2 /* connected to another port */
#define EVTCHNSTAT_pirq        3
#define EVTCHNSTAT_virq        4
#define EVTCHNSTAT_ipi         5

struct evtchn_status {
    xen_domid_t dom;    /* in */
    evtchn_port_t port; /* in */
    uint32_t status;    /* out: EVTCHNSTAT_* */
    uint32_t vcpu;      /* out: the vCPU notified */
    union {
        struct {
            xen_domid_t dom;
        } unbound;
        struct {
            xen_domid_t dom;
            evtchn_port_t port;
        } interdomain;
        uint32_t pirq;
        uint32_t virq;
    } u;
};

struct evtchn_bind_vcpu {
    evtchn_port_t port;
    uint32_t vcpu;
};

struct evtchn_unmask {
    evtchn_port_t port;
};

struct evtchn_reset {
    xen_domid_t dom;
};

_Static_assert(sizeof(evtchn_port_t) == 4, "evtchn_port_t is 32 bits");
_Static_assert(EVTCHN_2L_NR_CHANNELS == 4096, "4096 2-level ports");

_Static_assert(sizeof(struct evtchn_alloc_unbound) == 8, "alloc_unbound");
_Static_assert(offsetof(struct evtchn_alloc_unbound, remote_dom) == 2,
               "alloc_unbound.remote_dom");
_Static_assert(offsetof(struct evtchn_alloc_unbound, port) == 4,
               "alloc_unbound.port");

_Static_assert(sizeof(struct evtchn_bind_interdomain) == 12,
               "bind_interdomain");
_Static_assert(offsetof(struct evtchn_bind_interdomain, remote_port) == 4,
               "bind_interdomain.remote_port");
_Static_assert(offsetof(struct evtchn_bind_interdomain, local_port) == 8,
               "bind_interdomain.local_port");

_Static_assert(sizeof(struct evtchn_bind_virq) == 12, "bind_virq");
_Static_assert(offsetof(struct evtchn_bind_virq, vcpu) == 4, "bind_virq.vcpu");
_Static_assert(offsetof(struct evtchn_bind_virq, port) == 8, "bind_virq.port");

_Static_assert(sizeof(struct evtchn_bind_pirq) == 12, "bind_pirq");
_Static_assert(sizeof(struct evtchn_bind_ipi) == 8, "bind_ipi");
_Static_assert(offsetof(struct evtchn_bind_ipi, port) == 4, "bind_ipi.port");
_Static_assert(sizeof(struct evtchn_close) == 4, "close");
_Static_assert(sizeof(struct evtchn_send) == 4, "send");

_Static_assert(sizeof(struct evtchn_status) == 24, "status");
_Static_assert(offsetof(struct evtchn_status, port) == 4, "status.port");
_Static_assert(offsetof(struct evtchn_status, status) == 8, "status.status");
_Static_assert(offsetof(struct evtchn_status, vcpu) == 12, "status.vcpu");
_Static_assert(offsetof(struct evtchn_status, u) == 16, "status.u");
_Static_assert(offsetof(struct evtchn_status, u.interdomain.port) == 20,
               "status.u.interdomain.port");

_Static_assert(sizeof(struct evtchn_bind_vcpu) == 8, "bind_vcpu");
_Static_assert(offsetof(struct evtchn_bind_vcpu, vcpu) == 4, "bind_vcpu.vcpu");
_Static_assert(sizeof(struct evtchn_unmask) == 4, "unmask");
_Static_assert(sizeof(struct evtchn_reset) == 2, "reset");

/*
 * The FIFO ABI. Each port has a 32-bit event word in the guest's event
 * array (pages added with expand_array): four flag bits at the top and
 * the LINK field, the next port on the same queue, at the bottom. Each
 * vCPU has a control block (init_control): a READY bit per priority and
 * the head of each of its EVTCHN_FIFO_MAX_QUEUES queues. Priority 0 is
 * the highest, 15 the lowest.
 */
#define EVTCHN_FIFO_PRIORITY_MAX     0
#define EVTCHN_FIFO_PRIORITY_DEFAULT 7
#define EVTCHN_FIFO_PRIORITY_MIN     15
#define EVTCHN_FIFO_MAX_QUEUES       (EVTCHN_FIFO_PRIORITY_MIN + 1)

typedef uint32_t event_word_t;

/* Bit numbers in an event word. */
#define EVTCHN_FIFO_PENDING 31
#define EVTCHN_FIFO_MASKED  30
#define EVTCHN_FIFO_LINKED  29
#define EVTCHN_FIFO_BUSY    28

#define EVTCHN_FIFO_LINK_BITS   17
#define EVTCHN_FIFO_LINK_MASK   ((1u << EVTCHN_FIFO_LINK_BITS) - 1)
#define EVTCHN_FIFO_NR_CHANNELS (1u << EVTCHN_FIFO_LINK_BITS)

struct evtchn_fifo_control_block {
    uint32_t ready; /* bit q: queue q has events */
    uint32_t _rsvd;
    uint32_t head[EVTCHN_FIFO_MAX_QUEUES];
};

/* The control block of vCPU vcpu goes at offset in frame control_gfn. */
struct evtchn_init_control {
    uint64_t control_gfn; /* in */
    uint32_t offset;      /* in: 8-byte aligned, block inside the page */
    uint32_t vcpu;        /* in */
    uint8_t link_bits;    /* out */
    uint8_t _pad[7];
};

/* One more page of event words, at frame array_gfn. */
struct evtchn_expand_array {
    uint64_t array_gfn; /* in */
};

struct evtchn_set_priority {
    evtchn_port_t port; /* in */
    uint32_t priority;  /* in */
};

_Static_assert(sizeof(struct evtchn_fifo_control_block) == 72,
               "fifo control block");
_Static_assert(offsetof(struct evtchn_fifo_control_block, head) == 8,
               "fifo control block head");
_Static_assert(sizeof(struct evtchn_init_control) == 24, "init_control");
_Static_assert(offsetof(struct evtchn_init_control, offset) == 8,
               "init_control.offset");
_Static_assert(offsetof(struct evtchn_init_control, vcpu) == 12,
               "init_control.vcpu");
_Static_assert(offsetof(struct evtchn_init_control, link_bits) == 16,
               "init_control.link_bits");
_Static_assert(sizeof(struct evtchn_expand_array) == 8, "expand_array");
_Static_assert(sizeof(struct evtchn_set_priority) == 8, "set_priority");

#endif /* XHV_PUBLIC_EVENT_CHANNEL_H */
