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
 *
 * Each vCPU embeds its two timers (singleshot and periodic, src/time/
 * timer.h), which raise VIRQ_TIMER. They are armed under the domain lock
 * and only while the domain is not dying; domain_kill() then kills them,
 * waiting out a callback under way, before evtchn_destroy() and long
 * before the vCPU is freed.
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
    v->vcpu_info_gfn = INVALID_GFN;
    if (pg)
        put_page_and_type(pg);
}

/*
 * A vCPU timer went off: VIRQ_TIMER on its vCPU. Runs on the timer
 * thread with no lock held; v cannot go away meanwhile because
 * domain_kill() waits for this callback (timer_kill()) before anything of
 * the domain is torn down. Once the domain is dying event channels
 * deliver nothing, so a tick racing the kill is harmless.
 */
static void vcpu_timer_fire(void *data)
{
    struct vcpu *v = data;

    /* -ENOENT (no VIRQ_TIMER port bound): the tick is lost, as in Xen. */
    (void)evtchn_send_virq(v->domain, v->id, VIRQ_TIMER);
}

int vcpu_singleshot_update(struct vcpu *v)
{
    int rc;

    domain_assert_locked(v->domain);
    if (!v->singleshot_armed || v->domain->state >= DOMAIN_DYING) {
        timer_stop(&v->singleshot_timer);
        return 0;
    }
    rc = timer_set(&v->singleshot_timer, v->singleshot_deadline, 0);
    if (rc)
        v->singleshot_armed = false; /* the record says what is armed */
    return rc;
}

/* As in Xen, the first tick comes one period after the call. */
int vcpu_periodic_update(struct vcpu *v, uint64_t now)
{
    int rc;

    domain_assert_locked(v->domain);
    if (!v->periodic_ns || v->domain->state >= DOMAIN_DYING) {
        timer_stop(&v->periodic_timer);
        return 0;
    }
    rc = timer_set(&v->periodic_timer, now + v->periodic_ns, v->periodic_ns);
    if (rc)
        v->periodic_ns = 0;
    return rc;
}

/* Without d->lock held: the wait must not hold up hypercalls, which then
 * find the domain dying and arm nothing. */
void vcpu_timers_kill(struct vcpu *v)
{
    timer_kill(&v->singleshot_timer);
    timer_kill(&v->periodic_timer);
}

bool vcpu_timers_idle(struct vcpu *v)
{
    return timer_idle(&v->singleshot_timer) && timer_idle(&v->periodic_timer);
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
        v->vcpu_info_gfn = INVALID_GFN;
        v->domain = d;
        timer_init(&v->singleshot_timer, vcpu_timer_fire, v);
        timer_init(&v->periodic_timer, vcpu_timer_fire, v);
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

    for (i = 0; i < d->nr_vcpus; i++) {
        /* domain_kill() killed its timers: no callback can reach it. */
        XHV_ASSERT(vcpu_timers_idle(d->vcpus[i]));
        xhv_free(d->vcpus[i]);
    }
    xhv_free(d->vcpus);
    d->vcpus = NULL;
    d->nr_vcpus = 0;
}

int vcpu_info_adopt(struct vcpu *v, gfn_t gfn, uint32_t offset)
{
    struct domain *d = v->domain;
    struct page_info *pg;
    mfn_t mfn;
    int rc;

    if (gfn >= P2M_MAX_GFN || offset + sizeof(struct xen_vcpu_info) > PAGE_SIZE)
        return -EINVAL;
    rc = p2m_lookup(&d->p2m, gfn, &mfn, NULL);
    if (rc)
        return rc;
    pg = mfn_to_page(mfn);
    rc = get_page_and_type(pg, &d->mm, PGT_writable_page);
    if (rc)
        return rc;
    /* Guest memory as it is: the vcpu_info it holds, bits and all. */
    domain_lock(d);
    evtchn_lock(&d->evtchn);
    v->vcpu_info =
        (struct xen_vcpu_info *)((uint8_t *)mfn_to_virt(mfn) + offset);
    v->vcpu_info_page = pg;
    v->vcpu_info_gfn = gfn;
    evtchn_unlock(&d->evtchn);
    domain_unlock(d);
    return 0;
}
