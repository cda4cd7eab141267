/* SPDX-License-Identifier: GPL-2.0-only */
/* State shared by the files of the KVM backend only. */
#ifndef XHV_BACKEND_KVM_PRIVATE_H
#define XHV_BACKEND_KVM_PRIVATE_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdint.h>

#include "backend/kvm/kvm.h"
#include "stream/mig.h"

struct kvm_dom;

struct kvm_vcpu {
    struct kvm_dom *kd;
    struct vcpu *v;
    int fd;
    struct kvm_run *run;
    size_t run_size;
    pthread_t thread;
    bool started;
};

struct kvm_dom {
    struct domain *d;
    int vm_fd;
    pthread_mutex_t lock;
    pthread_cond_t cond;      /* parked vCPUs wait here */
    bool stopping;            /* lock */
    uint8_t uart_regs[8];     /* the 16550's plain registers */
    uint64_t unbacked_logged; /* rate limit for unbacked accesses */
    /* The memslots vm.c made, for dirty.c to flag and read. */
#define KVM_DOM_MAX_SLOTS 32
    struct kvm_userspace_memory_region slots[KVM_DOM_MAX_SLOTS];
    unsigned int nr_slots;
    unsigned int nr;
    struct kvm_vcpu vcpus[];
};

/* sys.c */
int kvm_dev_fd(void); /* /dev/kvm, opened once */
int kvm_ioctl(int fd, unsigned long req, void *arg);
int kvm_vcpu_mmap_size(void);

/* cpuid.c: the vCPU's CPUID, with Xen's leaves at 0x40000000. */
int kvm_setup_cpuid(struct kvm_vcpu *kv);

/* vm.c */
int kvm_setup_msr_filter(struct kvm_dom *kd);

/* dirty.c: KVM's dirty log for a migration (domain_backend hooks). */
int kvm_log_dirty(struct domain *d, bool on);
int kvm_harvest_dirty(struct domain *d);

/* exits.c: one exit; returns false when the vCPU must stop. */
bool kvm_handle_exit(struct kvm_vcpu *kv);
void kvm_log_unbacked(struct kvm_dom *kd, const char *what, uint64_t addr);

/* state_conv.c: one vCPU's KVM state and Xen's save records, both ways,
 * without ioctls (state.c does those). */
#define KVM_STATE_MAX_MSRS   64
#define KVM_XEN_MAX_CPU_MSRS 10 /* Xen's CPU_MSR list */

/* What KVM says of one vCPU. xsave is the caller's buffer of xsave_len
 * bytes (KVM's XSAVE size) or NULL where KVM has no XSAVE; then fpu
 * holds the legacy state. */
struct kvm_vcpu_snapshot {
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_debugregs dbg;
    struct kvm_vcpu_events ev;
    struct kvm_mp_state mp;
    struct kvm_lapic_state lapic;
    struct kvm_fpu fpu;
    uint64_t xcr0;
    uint8_t *xsave;
    uint32_t xsave_len;
    uint32_t nr_msrs;
    struct kvm_msr_entry msrs[KVM_STATE_MAX_MSRS];
};

/* One vCPU as Xen records plus XHV_KVM_VCPU. xsave (CPU_XSAVE's body) is
 * xhv_malloc'd by kvm_state_to_xen(); kvm_xen_vcpu_fini() frees it. */
struct kvm_xen_vcpu {
    struct mig_hvm_cpu cpu;
    struct mig_hvm_lapic lapic;
    struct mig_hvm_lapic_regs lapic_regs;
    struct mig_hvm_mtrr mtrr;
    uint8_t *xsave;
    uint32_t xsave_len;
    uint32_t nr_msrs;
    struct mig_hvm_msr msrs[KVM_XEN_MAX_CPU_MSRS];
    struct mig_xhv_kvm_vcpu extra;
};

/* state_msrs.c: the MSRs the records carry (idx: room for
 * KVM_STATE_MAX_MSRS), and their moves between snapshot and records. */
unsigned int kvm_state_msr_list(uint32_t *idx);
void kvm_state_msrs_to_xen(const struct kvm_vcpu_snapshot *s,
                           struct kvm_xen_vcpu *x);
/* Every MSR of the records present (MTRRcap, read-only, left out). */
void kvm_state_msrs_from_xen(const struct mig_hvm_vcpu *x,
                             const struct mig_xhv_kvm_vcpu *e,
                             struct kvm_vcpu_snapshot *s);
/* s to records; pol (the vCPU's CPUID policy) sizes the XSAVE area.
 * -EINVAL if it cannot, -EOPNOTSUPP for an MP state Xen cannot carry. */
int kvm_state_to_xen(const struct kvm_vcpu_snapshot *s, uint32_t id,
                     const struct mig_cpuid_leaf *pol, uint32_t npol,
                     struct kvm_xen_vcpu *x);
void kvm_xen_vcpu_fini(struct kvm_xen_vcpu *x);
/* The records of a vCPU KVM never ran (created at RESET). */
void kvm_state_reset(uint32_t id, struct kvm_xen_vcpu *x);
/* Records to s; s->xsave/xsave_len are the caller's (NULL: no XSAVE on
 * this host). e may be NULL. */
int kvm_state_from_xen(const struct mig_hvm_vcpu *x,
                       const struct mig_xhv_kvm_vcpu *e,
                       struct kvm_vcpu_snapshot *s, char *err, size_t errlen);
/* Drops the MSRs KVM cannot set (have: KVM_GET_MSR_INDEX_LIST), refusing
 * if one of them is not zero. */
int kvm_state_msrs_filter(struct kvm_vcpu_snapshot *s, const uint32_t *have,
                          uint32_t nhave, char *err, size_t errlen);
uint32_t kvm_xsave_area_size(const struct mig_cpuid_leaf *pol, uint32_t n,
                             uint64_t xcr0_accum);
void kvm_fpu_to_fxsave(const struct kvm_fpu *f, uint8_t *fx);
void kvm_fxsave_to_fpu(const uint8_t *fx, struct kvm_fpu *f);
/* A mig_cpuid_fn over a struct kvm_cpuid2 (opaque). */
void kvm_cpuid_lookup(void *opaque, uint32_t leaf, uint32_t subleaf,
                      uint32_t regs[4]);

#endif /* XHV_BACKEND_KVM_PRIVATE_H */
