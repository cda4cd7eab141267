/* SPDX-License-Identifier: GPL-2.0-only */
/* State shared by the files of the KVM backend only. */
#ifndef XHV_BACKEND_KVM_PRIVATE_H
#define XHV_BACKEND_KVM_PRIVATE_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdint.h>

#include "backend/kvm/kvm.h"

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

/* exits.c: one exit; returns false when the vCPU must stop. */
bool kvm_handle_exit(struct kvm_vcpu *kv);
void kvm_log_unbacked(struct kvm_dom *kd, const char *what, uint64_t addr);

#endif /* XHV_BACKEND_KVM_PRIVATE_H */
