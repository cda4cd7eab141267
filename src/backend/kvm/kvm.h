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
#include <stdint.h>

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

/* ---- migration state (state.c; written, never run: see its header) ---- */

struct mig_hvm_ctx;
struct mig_cpuid_leaf;
struct mig_msr_entry;
struct mig_xhv_kvm_vcpu;
struct kvm_saved;

bool kvm_domain_is(const struct domain *d);
/* d's CPUID policy (vCPU 0's CPUID as Xen serialises one: leaves has room
 * for MIG_CPUID_POLICY_MAX) and MSR policy (PLATFORM_INFO and
 * ARCH_CAPABILITIES). */
int kvm_domain_cpu_policy(struct domain *d, struct mig_cpuid_leaf *leaves,
                          uint32_t *nr_leaves, struct mig_msr_entry *msrs,
                          uint32_t *nr_msrs);
/* Whether this host's KVM supports every feature of a CPUID policy;
 * -EOPNOTSUPP naming the first missing one. */
int kvm_cpuid_policy_supported(const struct mig_cpuid_leaf *l, uint32_t n,
                               char *err, size_t errlen);
/* Every vCPU of d as Xen save records (ctx points into *out) plus the
 * XHV_KVM_VCPU extras. The vCPU threads must not be running. */
int kvm_domain_save_state(struct domain *d, struct mig_hvm_ctx *ctx,
                          struct kvm_saved **out);
const struct mig_xhv_kvm_vcpu *kvm_saved_extra(const struct kvm_saved *s,
                                               unsigned int vcpu);
void kvm_saved_free(struct kvm_saved *s);
/* Puts decoded records (and extras, NULL where absent) into d's vCPUs. */
int kvm_domain_load_state(struct domain *d, const struct mig_hvm_ctx *ctx,
                          const struct mig_xhv_kvm_vcpu *const *extra,
                          char *err, size_t errlen);

#endif /* XHV_BACKEND_KVM_KVM_H */
