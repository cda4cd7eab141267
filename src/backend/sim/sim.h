/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sim backend: a guest is C code run on threads xhv manages, one per
 * vCPU. It touches only its own guest-physical window (sim_gpa()) and
 * enters xhv through the same hypercall dispatcher as a KVM guest
 * (sim_hypercall()). Guest-virtual addresses are guest-physical.
 *
 * It exists to test the guest ABI where /dev/kvm is missing and to drive
 * races deterministically: tests decide when each vCPU runs. It is not a
 * CPU emulator: guest code is host code, trusted to touch only its window.
 */
#ifndef XHV_BACKEND_SIM_SIM_H
#define XHV_BACKEND_SIM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "domain/domain.h"

struct sim_vcpu;
typedef void (*sim_guest_fn)(struct sim_vcpu *sv, void *arg);

/* Makes d a sim domain (before any vCPU runs). */
int sim_domain_attach(struct domain *d);
/* Starts vCPU id running fn(sv, arg) on its own thread. */
int sim_vcpu_start(struct domain *d, unsigned int id, sim_guest_fn fn,
                   void *arg);
/* Waits for vCPU id's function to return; -ETIMEDOUT after timeout_ms. */
int sim_vcpu_join(struct domain *d, unsigned int id, int timeout_ms);

/*
 * Upcalls: the sim backend counts, per vCPU, each time event channels
 * raised evtchn_upcall_pending (where KVM would inject a vector).
 * sim_wait_upcall() waits until vCPU vcpu's count is above *count, at
 * most timeout_ms (0: just look), and stores the count it saw in *count:
 * 0, -ETIMEDOUT (with *count updated all the same), or -EINVAL.
 */
uint64_t sim_upcall_count(struct domain *d, unsigned int vcpu);
int sim_wait_upcall(struct domain *d, unsigned int vcpu, uint64_t *count,
                    int timeout_ms);

/* Guest side. */
long sim_hypercall(struct sim_vcpu *sv, uint64_t op, uint64_t a0, uint64_t a1,
                   uint64_t a2, uint64_t a3, uint64_t a4);
/* Host address of the guest's own memory at gpa, NULL unless all of
 * [gpa, gpa + len) is mapped (within one page). */
void *sim_gpa(struct sim_vcpu *sv, uint64_t gpa, size_t len);
unsigned int sim_vcpu_id(const struct sim_vcpu *sv);
struct vcpu *sim_vcpu(struct sim_vcpu *sv);

#endif /* XHV_BACKEND_SIM_SIM_H */
