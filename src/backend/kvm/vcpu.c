/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM vCPUs: creation with the PVH entry state, and the thread that runs
 * each one, looping on KVM_RUN and handing every exit to exits.c.
 *
 * PVH entry (docs/misc/pvh.pandoc): 32-bit protected mode, paging off,
 * flat 4 GiB code and data segments, a 32-bit TSS, CR0 = PE, CR4 = 0,
 * EFLAGS with only the reserved bit, %ebx = hvm_start_info, %eip = the
 * PHYS32_ENTRY address.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "backend/kvm/private.h"
#include "lib/log.h"

static void flat_segment(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
    *s = (struct kvm_segment){
        .base = 0,
        .limit = 0xffffffff,
        .selector = sel,
        .type = type,
        .present = 1,
        .dpl = 0,
        .db = 1,
        .s = 1,
        .l = 0,
        .g = 1,
    };
}

static int set_pvh_state(struct kvm_vcpu *kv, const struct pvh_boot *boot)
{
    struct kvm_sregs sregs;
    struct kvm_regs regs = {0};
    int rc;

    rc = kvm_ioctl(kv->fd, KVM_GET_SREGS, &sregs);
    if (rc < 0)
        return rc;
    flat_segment(&sregs.cs, 0x08, 0xb); /* execute/read, accessed */
    flat_segment(&sregs.ds, 0x10, 0x3); /* read/write, accessed */
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    sregs.tr = (struct kvm_segment){
        .limit = 0x67, .selector = 0x18, .type = 0xb, .present = 1};
    sregs.ldt = (struct kvm_segment){.unusable = 1};
    sregs.cr0 = 0x11; /* PE, ET */
    sregs.cr3 = 0;
    sregs.cr4 = 0;
    sregs.efer = 0;
    rc = kvm_ioctl(kv->fd, KVM_SET_SREGS, &sregs);
    if (rc < 0)
        return rc;
    regs.rip = boot->entry;
    regs.rbx = boot->start_info_gpa;
    regs.rflags = 0x2;
    return kvm_ioctl(kv->fd, KVM_SET_REGS, &regs);
}

int kvm_vcpu_create(struct kvm_vcpu *kv, const struct pvh_boot *boot);

int kvm_vcpu_create(struct kvm_vcpu *kv, const struct pvh_boot *boot)
{
    int rc, size;
    void *run;

    rc =
        kvm_ioctl(kv->kd->vm_fd, KVM_CREATE_VCPU, (void *)(uintptr_t)kv->v->id);
    if (rc < 0)
        return rc;
    kv->fd = rc;
    size = kvm_vcpu_mmap_size();
    if (size < 0)
        return size;
    run =
        mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, kv->fd, 0);
    if (run == MAP_FAILED)
        return -errno;
    kv->run = run;
    kv->run_size = (size_t)size;
    rc = kvm_setup_cpuid(kv);
    if (rc == 0 && boot)
        rc = set_pvh_state(kv, boot);
    return rc < 0 ? rc : 0;
}

static bool stopping(struct kvm_dom *kd)
{
    bool s;

    pthread_mutex_lock(&kd->lock);
    s = kd->stopping;
    pthread_mutex_unlock(&kd->lock);
    return s;
}

/* A vCPU of a shut-down domain waits here until the domain goes. */
static void park(struct kvm_dom *kd)
{
    pthread_mutex_lock(&kd->lock);
    while (!kd->stopping)
        pthread_cond_wait(&kd->cond, &kd->lock);
    pthread_mutex_unlock(&kd->lock);
}

static void *vcpu_thread(void *p)
{
    struct kvm_vcpu *kv = p;
    struct kvm_dom *kd = kv->kd;
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    while (!stopping(kd)) {
        int rc = ioctl(kv->fd, KVM_RUN, 0);

        if (rc < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (rc < 0) {
            log_err("kvm", "d%u v%u: KVM_RUN: %s", kd->d->domid, kv->v->id,
                    strerror(errno));
            domain_guest_shutdown(kd->d, SHUTDOWN_CRASH);
            break;
        }
        if (!kvm_handle_exit(kv))
            break;
        if (domain_wait_shutdown(kd->d, 0) == 0)
            break;
    }
    park(kd);
    return NULL;
}

int kvm_domain_start(struct domain *d)
{
    struct kvm_dom *kd = d->backend_priv;
    struct kvm_vcpu *kv;
    int rc;

    if (!kd || kd->vcpus[0].started)
        return -EINVAL;
    kv = &kd->vcpus[0];
    rc = pthread_create(&kv->thread, NULL, vcpu_thread, kv);
    if (rc)
        return -rc;
    kv->started = true;
    return 0;
}
