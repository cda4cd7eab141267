/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vCPU objects. Running them belongs to the backends; here a vCPU is its
 * id and where its vcpu_info lives.
 *
 * vcpu_info lives in shared_info for vCPUs below XEN_LEGACY_MAX_VCPUS. When
 * the domain starts dying it moves to a per-vCPU dummy, so anything still
 * writing a vCPU's event or time state writes into xhv's own memory rather
 * than into a page about to be freed. The choice reads the domain state,
 * so it is made under the domain lock (the seed thread's objection to
 * reading is_dying unlocked).
 */
#include <errno.h>
#include <string.h>

#include "domain/domain.h"
#include "lib/alloc.h"
#include "lib/assert.h"

void vcpu_info_reset(struct vcpu *v)
{
    struct domain *d = v->domain;

    domain_assert_locked(d);
    if (d->state < DOMAIN_DYING && v->id < XEN_LEGACY_MAX_VCPUS &&
        d->shared_info.virt)
        v->vcpu_info = &d->shared_info.virt->vcpu_info[v->id];
    else
        v->vcpu_info = &v->dummy_vcpu_info;
}

int vcpus_create(struct domain *d, unsigned int n)
{
    unsigned int i;

    d->vcpus = xhv_calloc(n, sizeof(*d->vcpus));
    if (!d->vcpus)
        return -ENOMEM;
    d->overhead_bytes += n * sizeof(*d->vcpus);
    for (i = 0; i < n; i++) {
        struct vcpu *v = xhv_calloc(1, sizeof(*v));

        if (!v)
            return -ENOMEM; /* domain_kill() frees the ones made */
        v->id = i;
        v->domain = d;
        domain_lock(d);
        d->vcpus[i] = v;
        d->nr_vcpus = i + 1;
        vcpu_info_reset(v);
        domain_unlock(d);
        d->overhead_bytes += sizeof(*v);
    }
    return 0;
}

void vcpus_destroy(struct domain *d)
{
    unsigned int i;

    for (i = 0; i < d->nr_vcpus; i++)
        xhv_free(d->vcpus[i]);
    xhv_free(d->vcpus);
    d->vcpus = NULL;
    d->nr_vcpus = 0;
}
