/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The KVM backend: one KVM VM per domain, in-kernel irqchip, one host
 * thread per vCPU, guest RAM given to KVM straight from the domain's P2M
 * window (so guest memory is the machine memfd, never a copy).
 *
 * Guests reach xhv through the hypercall page: the guest names a page with
 * a write to MSR 0x40000000, which KVM's MSR filter sends to user space,
 * and xhv fills it with 32-byte stubs "mov $nr, %eax; out %eax, $0x89;
 * ret". The OUT exits to xhv, which reads the arguments from the vCPU's
 * registers and dispatches. This host's KVM has no KVM_CAP_XEN_HVM, so a
 * direct VMCALL never reaches user space; where KVM_CAP_XEN_HVM exists,
 * KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL would serve direct VMCALLs too (not
 * used yet: docs/kvm.md).
 */
#ifndef XHV_BACKEND_KVM_KVM_H
#define XHV_BACKEND_KVM_KVM_H

#include <stdbool.h>
#include <stddef.h>

#include "backend/pvh/pvh.h"
#include "domain/domain.h"

#define KVM_HCALL_PORT    0x89 /* the hypercall stubs' OUT port */
#define XEN_HYPERCALL_MSR 0x40000000U

/* Whether KVM can run guests here; if not, why (for skips and errors). */
bool kvm_usable(char *why, size_t len);
/* "kvm_pvm", "kvm_amd", "kvm_intel" or "unknown": what runs underneath. */
const char *kvm_flavour(void);

/* Gives d a KVM VM with its RAM in memslots and vCPU 0 set up for the PVH
 * entry described by boot. */
int kvm_domain_attach(struct domain *d, const struct pvh_boot *boot, char *err,
                      size_t errlen);
/* Starts vCPU 0's thread; the guest runs from its PVH entry. */
int kvm_domain_start(struct domain *d);

#endif /* XHV_BACKEND_KVM_KVM_H */
