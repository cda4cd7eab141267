/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One KVM VM per domain: created with the in-kernel irqchip, given the
 * domain's RAM as memslots over its P2M window, and an MSR filter that
 * sends writes to the hypercall-page MSR to user space. vCPU 0 is created
 * here with the PVH entry state; its thread starts in kvm_domain_start().
 *
 * Memslots cover each run of mapped gfns, not the whole window: a guest
 * access to a hole then exits as MMIO, which xhv answers with all-ones.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend/kvm/private.h"
#include "lib/alloc.h"
#include "lib/log.h"

#define TSS_ADDR 0xfffbd000ULL /* below the 4 GiB boundary, in the hole */

struct slot_ctx {
    struct kvm_dom *kd;
    uint32_t next_slot;
    gfn_t run_start, run_end; /* the gfn run being built */
    int rc;
};

static int add_slot(struct slot_ctx *s)
{
    struct kvm_dom *kd = s->kd;
    struct kvm_userspace_memory_region r = {
        .slot = s->next_slot++,
        .guest_phys_addr = s->run_start << PAGE_SHIFT,
        .memory_size = (s->run_end - s->run_start) << PAGE_SHIFT,
        .userspace_addr =
            (uintptr_t)(s->kd->d->p2m.window + (s->run_start << PAGE_SHIFT)),
    };

    int rc;

    if (kd->nr_slots == KVM_DOM_MAX_SLOTS)
        return -E2BIG;
    rc = kvm_ioctl(kd->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
    if (!rc)
        kd->slots[kd->nr_slots++] = r;
    return rc;
}

/* Coalesces gfn runs (whatever their MFNs: the window is contiguous). */
static int slot_extent(void *ctx, gfn_t gfn, mfn_t mfn, uint64_t nr,
                       enum p2m_type t)
{
    struct slot_ctx *s = ctx;
    int rc;

    (void)mfn, (void)t;
    if (s->run_end == gfn) {
        s->run_end += nr;
        return 0;
    }
    if (s->run_end != s->run_start) {
        rc = add_slot(s);
        if (rc < 0)
            return rc;
    }
    s->run_start = gfn;
    s->run_end = gfn + nr;
    return 0;
}

static int setup_memslots(struct kvm_dom *kd)
{
    struct slot_ctx s = {.kd = kd};
    int rc = p2m_for_each_extent(&kd->d->p2m, slot_extent, &s);

    if (rc == 0 && s.run_end != s.run_start)
        rc = add_slot(&s);
    return rc < 0 ? rc : 0;
}

int kvm_setup_msr_filter(struct kvm_dom *kd)
{
    /* Bit clear: the write exits. KVM copies BITS_TO_LONGS(nmsrs) longs
     * from the bitmap, so it must be at least 8 bytes, not 1. */
    static uint64_t deny = 0;
    struct kvm_msr_filter f = {.flags = KVM_MSR_FILTER_DEFAULT_ALLOW};
    struct kvm_enable_cap cap = {.cap = KVM_CAP_X86_USER_SPACE_MSR,
                                 .args = {KVM_MSR_EXIT_REASON_FILTER}};
    int rc;

    f.ranges[0] = (struct kvm_msr_filter_range){
        .flags = KVM_MSR_FILTER_WRITE,
        .nmsrs = 1,
        .base = XEN_HYPERCALL_MSR,
        .bitmap = (uint8_t *)&deny,
    };
    rc = kvm_ioctl(kd->vm_fd, KVM_ENABLE_CAP, &cap);
    if (rc >= 0)
        rc = kvm_ioctl(kd->vm_fd, KVM_X86_SET_MSR_FILTER, &f);
    return rc < 0 ? rc : 0;
}

static void kick(int sig)
{
    (void)sig; /* only to make KVM_RUN return with EINTR */
}

static void kvm_stop(struct domain *d)
{
    struct kvm_dom *kd = d->backend_priv;
    unsigned int i;

    pthread_mutex_lock(&kd->lock);
    kd->stopping = true;
    pthread_cond_broadcast(&kd->cond);
    pthread_mutex_unlock(&kd->lock);
    for (i = 0; i < kd->nr; i++) {
        struct kvm_vcpu *kv = &kd->vcpus[i];

        if (!kv->started)
            continue;
        __atomic_store_n(&kv->run->immediate_exit, 1, __ATOMIC_RELEASE);
        pthread_kill(kv->thread, SIGUSR1);
        pthread_join(kv->thread, NULL);
        kv->started = false;
    }
}

static void kvm_destroy(struct domain *d)
{
    struct kvm_dom *kd = d->backend_priv;
    unsigned int i;

    if (!kd)
        return;
    kvm_stop(d);
    for (i = 0; i < kd->nr; i++) {
        if (kd->vcpus[i].run)
            munmap(kd->vcpus[i].run, kd->vcpus[i].run_size);
        if (kd->vcpus[i].fd >= 0)
            close(kd->vcpus[i].fd);
    }
    if (kd->vm_fd >= 0)
        close(kd->vm_fd);
    pthread_cond_destroy(&kd->cond);
    pthread_mutex_destroy(&kd->lock);
    xhv_free(kd);
    d->backend_priv = NULL;
}

static int kvm_translate(struct vcpu *v, uint64_t gva, bool write,
                         uint64_t *gpa)
{
    struct kvm_dom *kd = v->domain->backend_priv;
    struct kvm_translation t = {.linear_address = gva};

    if (kvm_ioctl(kd->vcpus[v->id].fd, KVM_TRANSLATE, &t) < 0 || !t.valid ||
        (write && !t.writeable))
        return -EFAULT;
    *gpa = t.physical_address;
    return 0;
}

/*
 * evtchn_upcall_pending went 0 -> 1 on v: raise the guest's callback
 * vector on v's LAPIC, as Xen's hvm_assert_evtchn_irq() does. The vector
 * is v's own (HVMOP_set_evtchn_upcall_vector) or the domain's
 * HVM_PARAM_CALLBACK_IRQ of type vector; with neither, the guest polls
 * and nothing is injected. An MSI to the vCPU's APIC ID (its id, see
 * cpuid.c) reaches the in-kernel LAPIC from any thread, and wakes a vCPU
 * halted in KVM_RUN. Called under the event-channel lock: no domain lock,
 * so both settings are read atomically rather than under d->lock.
 */
static void kvm_upcall(struct vcpu *v)
{
    struct kvm_dom *kd = v->domain->backend_priv;
    uint8_t vec = __atomic_load_n(&v->upcall_vector, __ATOMIC_RELAXED);
    struct kvm_msi msi = {0};

    if (!vec) {
        uint64_t via = __atomic_load_n(
            &v->domain->hvm_params[HVM_PARAM_CALLBACK_IRQ], __ATOMIC_RELAXED);

        if ((via >> HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT) ==
            HVM_PARAM_CALLBACK_TYPE_VECTOR)
            vec = (uint8_t)via;
    }
    if (vec < 0x10 || !kd || kd->vm_fd < 0)
        return; /* vectors below 16 are reserved: Xen refuses them too */
    msi.address_lo = 0xfee00000u | (v->id << 12);
    msi.data = vec; /* fixed delivery, edge */
    if (kvm_ioctl(kd->vm_fd, KVM_SIGNAL_MSI, &msi) < 0)
        kvm_log_unbacked(kd, "upcall vector", vec);
}

static const struct domain_backend kvm_backend = {
    .name = "kvm",
    .translate = kvm_translate,
    .stop = kvm_stop,
    .destroy = kvm_destroy,
    .upcall = kvm_upcall,
    .log_dirty = kvm_log_dirty,
    .harvest_dirty = kvm_harvest_dirty,
};

int kvm_vcpu_create(struct kvm_vcpu *kv, const struct pvh_boot *boot);

static int create_vm(struct kvm_dom *kd, const struct pvh_boot *boot)
{
    /* SA_RESTART: a kick landing while the vCPU thread is in some other
     * system call (a log write) must not fail it; KVM_RUN still returns
     * EINTR, which is never restarted. */
    struct sigaction sa = {.sa_handler = kick, .sa_flags = SA_RESTART};
    int rc;

    sigaction(SIGUSR1, &sa, NULL);
    rc = kvm_ioctl(kvm_dev_fd(), KVM_CREATE_VM, (void *)0);
    if (rc < 0)
        return rc;
    kd->vm_fd = rc;
    rc = kvm_ioctl(kd->vm_fd, KVM_SET_TSS_ADDR, (void *)TSS_ADDR);
    if (rc >= 0)
        rc = kvm_ioctl(kd->vm_fd, KVM_CREATE_IRQCHIP, NULL);
    if (rc >= 0)
        rc = kvm_setup_msr_filter(kd);
    if (rc >= 0)
        rc = setup_memslots(kd);
    if (rc >= 0)
        rc = kvm_vcpu_create(&kd->vcpus[0], boot);
    return rc < 0 ? rc : 0;
}

int kvm_domain_attach(struct domain *d, const struct pvh_boot *boot, char *err,
                      size_t errlen)
{
    struct kvm_dom *kd;
    unsigned int i;
    int rc;

    if (!kvm_usable(err, errlen))
        return -ENODEV;
    if (d->backend)
        return -EBUSY;
    kd = xhv_calloc(1, sizeof(*kd) + d->nr_vcpus * sizeof(kd->vcpus[0]));
    if (!kd)
        return -ENOMEM;
    kd->d = d;
    kd->vm_fd = -1;
    kd->nr = d->nr_vcpus;
    pthread_mutex_init(&kd->lock, NULL);
    pthread_cond_init(&kd->cond, NULL);
    for (i = 0; i < kd->nr; i++) {
        kd->vcpus[i] = (struct kvm_vcpu){.kd = kd, .v = d->vcpus[i], .fd = -1};
    }
    d->backend_priv = kd;
    d->backend = &kvm_backend;
    rc = create_vm(kd, boot);
    if (rc) {
        snprintf(err, errlen, "KVM setup failed: %s", strerror(-rc));
        d->backend = NULL;
        kvm_destroy(d);
        return rc;
    }
    log_info("kvm", "d%u: VM ready on %s, entry %#x", d->domid, kvm_flavour(),
             boot->entry);
    return 0;
}
