/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypercall layer: one dispatcher that every backend enters, guest
 * memory access that checks every guest address against the P2M, and one
 * file per hypercall family.
 *
 * Rules every handler keeps (DESIGN.md §5):
 *   - guest memory is touched only through copy_from_guest() and
 *     copy_to_guest(): no pointer arithmetic on guest values anywhere else;
 *   - arguments are checked completely before anything changes, so a bad
 *     call returns -EFAULT or -EINVAL and has no effect;
 *   - an unknown hypercall or sub-op returns -ENOSYS.
 */
#ifndef XHV_HYPERCALL_HYPERCALL_H
#define XHV_HYPERCALL_HYPERCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/domain.h"
#include "xhv/public/hypercall.h"

/* A hypercall as the backend saw it. */
struct hcall {
    uint64_t op;     /* RAX */
    uint64_t arg[5]; /* RDI, RSI, RDX, R10, R8 */
    bool user_mode;  /* made at CPL > 0: refused with -EPERM */
};

/* The version xhv reports to guests through XENVER_version. */
#define XHV_XEN_MAJOR 4
#define XHV_XEN_MINOR 19

long hypercall_dispatch(struct vcpu *v, const struct hcall *h);
/* Calls made and refused, per hypercall number (for dumps and tests). */
uint64_t hypercall_count(unsigned int op);

/*
 * Guest memory. Addresses are guest-virtual; the domain's backend
 * translates them (the sim backend identity-maps), then the P2M checks
 * and maps each page. -EFAULT if any byte is not accessible; a failed
 * copy_to_guest() may have written a prefix, as in Xen.
 */
int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len);
int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len);
/* A NUL-terminated guest string of at most max bytes (with its NUL). */
int copy_string_from_guest(struct vcpu *v, char *dst, uint64_t gva, size_t max);

/* The families. Each takes the raw arguments and returns RAX. */
long do_xen_version(struct vcpu *v, const struct hcall *h);
long do_console_io(struct vcpu *v, const struct hcall *h);
long do_sched_op(struct vcpu *v, const struct hcall *h);
long do_memory_op(struct vcpu *v, const struct hcall *h);
long do_hvm_op(struct vcpu *v, const struct hcall *h);
long do_vcpu_op(struct vcpu *v, const struct hcall *h);
long do_event_channel_op(struct vcpu *v, const struct hcall *h);
long do_grant_table_op(struct vcpu *v, const struct hcall *h);

#endif /* XHV_HYPERCALL_HYPERCALL_H */
