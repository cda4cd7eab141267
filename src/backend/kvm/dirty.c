/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM's dirty log, for a live migration (src/migrate/save.c): every
 * memslot is flagged KVM_MEM_LOG_DIRTY_PAGES while the migration runs,
 * and each harvest moves KVM's bitmap of a slot (KVM_GET_DIRTY_LOG reads
 * and clears it, write-protecting the pages again) into the P2M's log,
 * where xhv's own writes already are. Written against
 * Documentation/virt/kvm/api.rst; not run on the machines xhv is
 * developed on, which have no /dev/kvm (docs/kvm.md).
 */
#include <errno.h>
#include <string.h>

#include "backend/kvm/private.h"
#include "lib/alloc.h"

static struct kvm_dom *kvm_of(struct domain *d)
{
    return d->backend_priv;
}

int kvm_log_dirty(struct domain *d, bool on)
{
    struct kvm_dom *kd = kvm_of(d);
    unsigned int i;
    int rc = 0;

    for (i = 0; i < kd->nr_slots && !rc; i++) {
        struct kvm_userspace_memory_region r = kd->slots[i];

        r.flags = on ? KVM_MEM_LOG_DIRTY_PAGES : 0;
        rc = kvm_ioctl(kd->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
        if (!rc)
            kd->slots[i].flags = r.flags;
    }
    /* All or nothing: a half-flagged VM would miss writes unseen. */
    while (rc && on && i--) {
        kd->slots[i].flags = 0;
        kvm_ioctl(kd->vm_fd, KVM_SET_USER_MEMORY_REGION, &kd->slots[i]);
    }
    return rc;
}

int kvm_harvest_dirty(struct domain *d)
{
    struct kvm_dom *kd = kvm_of(d);
    uint64_t *bm = NULL, words = 0;
    unsigned int i;
    int rc = 0;

    for (i = 0; i < kd->nr_slots && !rc; i++) {
        const struct kvm_userspace_memory_region *s = &kd->slots[i];
        uint64_t pages = s->memory_size >> PAGE_SHIFT, w,
                 need = (pages + 63) / 64;
        gfn_t base = s->guest_phys_addr >> PAGE_SHIFT;
        struct kvm_dirty_log log = {.slot = s->slot};

        if (need > words) {
            uint64_t *n = xhv_realloc(bm, need * sizeof(*bm));

            if (!n) {
                rc = -ENOMEM;
                break;
            }
            bm = n;
            words = need;
        }
        memset(bm, 0, need * sizeof(*bm));
        log.dirty_bitmap = bm;
        rc = kvm_ioctl(kd->vm_fd, KVM_GET_DIRTY_LOG, &log);
        for (w = 0; !rc && w < need; w++)
            while (bm[w]) {
                p2m_mark_dirty(&d->p2m, base + w * 64 +
                                            (uint64_t)__builtin_ctzll(bm[w]));
                bm[w] &= bm[w] - 1;
            }
    }
    xhv_free(bm);
    return rc;
}
