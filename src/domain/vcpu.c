/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vCPU objects. Running them belongs to the backends; here a vCPU is its
 * id, where its vcpu_info lives and the state vcpu_op keeps for it.
 *
 * vcpu_info lives in shared_info for vCPUs below XEN_LEGACY_MAX_VCPUS, or
 * in a guest page the guest registered (VCPUOP_register_vcpu_info), which
 * then holds a general and a writable type reference so that it cannot be
 * freed while xhv writes to it, whatever the guest does to its physmap.
 * When the domain starts dying vcpu_info moves to a per-vCPU dummy and the
 * registered page's references go, before domain_relinquish_resources(),
 * so anything still writing a vCPU's event or time state writes into xhv's
 * own memory rather than into a page about to be freed. The choice reads
 * the domain state, so it is made under the domain lock (the seed thread's
 * objection to reading is_dying unlocked).
 */
#include <errno.h>
#include <string.h>

#include "domain/domain.h"
#include "lib/alloc.h"
#include "lib/assert.h"
#include "time/time.h"

void vcpu_info_reset(struct vcpu *v)
{
    struct domain *d = v->domain;
    struct page_info *pg = v->vcpu_info_page;

    domain_assert_locked(d);
    /* Event delivery reads the pointer under the event-channel lock. */
    evtchn_lock(&d->evtchn);
    if (d->state < DOMAIN_DYING && v->id < XEN_LEGACY_MAX_VCPUS &&
        d->shared_info.virt)
        v->vcpu_info = &d->shared_info.virt->vcpu_info[v->id];
    else
        v->vcpu_info = &v->dummy_vcpu_info;
    evtchn_unlock(&d->evtchn);
    /* Only now that nothing points into it may the page go: this can be
     * its last reference if the guest gave the gfn away meanwhile. */
    v->vcpu_info_page = NULL;
    if (pg)
        put_page_and_type(pg);
}

void vcpu_runstate_set(struct vcpu *v, int state, uint64_t now)
{
    struct vcpu_runstate_info *r = &v->runstate;

    domain_assert_locked(v->domain);
    XHV_ASSERT(state >= RUNSTATE_running && state <= RUNSTATE_offline);
    if (r->state == state)
        return;
    r->time[r->state] += now - r->state_entry_time;
    r->state = state;
    r->state_entry_time = now;
}

void time_update_vcpu(struct vcpu *v)
{
    domain_lock(v->domain);
    /* The guest reads the host TSC unchanged on the backends xhv has. */
    time_pvclock_write(&v->vcpu_info->time, 0);
    domain_unlock(v->domain);
}

/* vCPU 0 is up from the start, the others wait for VCPUOP_up. */
static void vcpu_init_state(struct vcpu *v, uint64_t now)
{
    v->online = v->id == 0;
    v->runstate.state = v->online ? RUNSTATE_running : RUNSTATE_offline;
    v->runstate.state_entry_time = now;
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
        vcpu_init_state(v, time_system_ns());
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
