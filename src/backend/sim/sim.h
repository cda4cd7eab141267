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

#include <stdbool.h>
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
 * [gpa, gpa + len) is mapped (within one page). sim_gpa() is for memory
 * the guest may write: while a migration logs dirty pages, the page is
 * logged as written (and again when the program's step ends, see
 * sim.c); sim_gpa_ro() is for memory it only reads. A guest that writes
 * through sim_gpa_ro() would be migrated with stale memory. */
#define SIM_STEP_WRITES 128 /* pages a step writes before all are logged */
void *sim_gpa(struct sim_vcpu *sv, uint64_t gpa, size_t len);
void *sim_gpa_ro(struct sim_vcpu *sv, uint64_t gpa, size_t len);
unsigned int sim_vcpu_id(const struct sim_vcpu *sv);
struct vcpu *sim_vcpu(struct sim_vcpu *sv);

/*
 * Programs: the sim guests xhvd runs (`type = "sim"`, `kernel = NAME`).
 * A program is a step, run again and again on vCPU 0 by
 * sim_program_loop(); it keeps every bit of its state in guest memory, so
 * parking it in one xhvd and starting it again in the next (live update)
 * continues it where it was. step returns how long to idle before the
 * next step (an upcall ends the idle early), or a negative errno to stop.
 * Guest memory layout and the programs: program.c and docs/sim-guests.md.
 */
struct sim_program {
    const char *name;
    const char *summary;
    int64_t (*step)(struct sim_vcpu *sv);
};
const struct sim_program *sim_program_find(const char *name);
const struct sim_program *sim_program_at(unsigned int i); /* NULL past end */
void sim_program_loop(struct sim_vcpu *sv, void *arg /* the program */);

/* What xhvd writes at gfn 0 before a program first runs. */
#define SIM_START_MAGIC 0x31304d4953564858ULL /* "XHVSIM01" */
#define SIM_CMDLINE_MAX 256
struct sim_start_info {
    uint64_t magic;
    uint32_t domid;
    uint32_t peer_port; /* interdomain port wired by xhvd (peer=), or 0 */
    uint64_t ram_pages; /* RAM from gfn 0 */
    char cmdline[SIM_CMDLINE_MAX];
};
#define SIM_START_GFN  0
#define SIM_STATE_GFN  1
#define SIM_SHINFO_GFN 2 /* where programs map shared_info */
#define SIM_DATA_GFN   3

/*
 * Parking (live update): every running program vCPU of d finishes its
 * step and waits at its checkpoint; -ETIMEDOUT (nothing held) if that
 * takes more than timeout_ms. unpark lets them go on, and thaws the
 * domain's FIFO event state if a live update's save froze it (the update
 * is being rolled back).
 */
int sim_domain_park(struct domain *d, int timeout_ms);
void sim_domain_unpark(struct domain *d);
/* Parks without waiting: running vCPUs stop at their next checkpoint,
 * vCPUs started afterwards at their first (live update starts them
 * early, to resume them fast); sim_domain_park() then waits for them. */
void sim_domain_hold(struct domain *d);
bool sim_domain_is(const struct domain *d);
/* The program vCPU 0 runs, or "" for none. */
const char *sim_domain_program(struct domain *d);

#endif /* XHV_BACKEND_SIM_SIM_H */
