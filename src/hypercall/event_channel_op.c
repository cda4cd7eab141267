/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * event_channel_op(cmd, arg): the guest's side of src/evtchn/. Each sub-op
 * copies its argument block in, resolves the domain ids it names, calls
 * the event-channel layer and copies the block back when it has outputs.
 * As in Xen, a failure to copy the result back is -EFAULT, and what the
 * call did stays done.
 *
 * A domU may name only itself (DOMID_SELF or its own id) as the domain it
 * acts on: another existing domain is -EPERM, a missing one -ESRCH. The
 * remote domain of bind_interdomain may be any existing domain.
 *
 * The FIFO ABI (init_control, expand_array, set_priority) acts on the
 * caller's own domain only, as in Xen. bind_pirq is -EOPNOTSUPP, as in a
 * Xen built without PIRQ support.
 */
#include <errno.h>

#include "evtchn/evtchn.h"
#include "hypercall/hypercall.h"

/* The domain dom names, with a reference; only the caller's own may be
 * acted on. */
static int own_domain(struct vcpu *v, xen_domid_t dom, struct domain **out)
{
    struct domain *d;

    if (dom == DOMID_SELF || dom == v->domain->domid) {
        get_domain(v->domain);
        *out = v->domain;
        return 0;
    }
    d = domain_lookup_id(dom);
    if (!d)
        return -ESRCH;
    put_domain(d);
    return -EPERM;
}

static long op_alloc_unbound(struct vcpu *v, uint64_t arg)
{
    struct evtchn_alloc_unbound a;
    struct domain *d;
    int rc;

    if (copy_from_guest(v, &a, arg, sizeof(a)))
        return -EFAULT;
    rc = own_domain(v, a.dom, &d);
    if (rc)
        return rc;
    rc = evtchn_alloc_unbound(d, a.remote_dom, &a.port);
    put_domain(d);
    if (!rc && copy_to_guest(v, arg, &a, sizeof(a)))
        rc = -EFAULT;
    return rc;
}

static long op_bind_interdomain(struct vcpu *v, uint64_t arg)
{
    struct evtchn_bind_interdomain b;
    struct domain *rd;
    int rc;

    if (copy_from_guest(v, &b, arg, sizeof(b)))
        return -EFAULT;
    if (b.remote_dom == DOMID_SELF) {
        rd = v->domain;
        get_domain(rd);
    } else if (!(rd = domain_lookup_id(b.remote_dom))) {
        return -ESRCH;
    }
    rc = evtchn_bind_interdomain(v->domain, rd, b.remote_port, &b.local_port);
    put_domain(rd);
    if (!rc && copy_to_guest(v, arg, &b, sizeof(b)))
        rc = -EFAULT;
    return rc;
}

static long op_bind_virq(struct vcpu *v, uint64_t arg)
{
    struct evtchn_bind_virq b;
    int rc;

    if (copy_from_guest(v, &b, arg, sizeof(b)))
        return -EFAULT;
    rc = evtchn_bind_virq(v->domain, b.virq, b.vcpu, &b.port);
    if (!rc && copy_to_guest(v, arg, &b, sizeof(b)))
        rc = -EFAULT;
    return rc;
}

static long op_bind_ipi(struct vcpu *v, uint64_t arg)
{
    struct evtchn_bind_ipi b;
    int rc;

    if (copy_from_guest(v, &b, arg, sizeof(b)))
        return -EFAULT;
    rc = evtchn_bind_ipi(v->domain, b.vcpu, &b.port);
    if (!rc && copy_to_guest(v, arg, &b, sizeof(b)))
        rc = -EFAULT;
    return rc;
}

/* The ops whose argument is one port: close, send, unmask. */
static long op_port(struct vcpu *v, uint64_t arg,
                    int (*fn)(struct domain *d, evtchn_port_t port))
{
    evtchn_port_t port;

    if (copy_from_guest(v, &port, arg, sizeof(port)))
        return -EFAULT;
    return fn(v->domain, port);
}

static long op_status(struct vcpu *v, uint64_t arg)
{
    struct evtchn_status st;
    struct domain *d;
    int rc;

    if (copy_from_guest(v, &st, arg, sizeof(st)))
        return -EFAULT;
    rc = own_domain(v, st.dom, &d);
    if (rc)
        return rc;
    rc = evtchn_status(d, &st);
    put_domain(d);
    if (!rc && copy_to_guest(v, arg, &st, sizeof(st)))
        rc = -EFAULT;
    return rc;
}

static long op_bind_vcpu(struct vcpu *v, uint64_t arg)
{
    struct evtchn_bind_vcpu b;

    if (copy_from_guest(v, &b, arg, sizeof(b)))
        return -EFAULT;
    return evtchn_bind_vcpu(v->domain, b.port, b.vcpu);
}

static long op_reset(struct vcpu *v, uint64_t arg)
{
    struct evtchn_reset r;
    struct domain *d;
    int rc;

    if (copy_from_guest(v, &r, arg, sizeof(r)))
        return -EFAULT;
    rc = own_domain(v, r.dom, &d);
    if (rc)
        return rc;
    rc = evtchn_reset(d);
    put_domain(d);
    return rc;
}

static long op_init_control(struct vcpu *v, uint64_t arg)
{
    struct evtchn_init_control ic;
    int rc;

    if (copy_from_guest(v, &ic, arg, sizeof(ic)))
        return -EFAULT;
    rc = evtchn_fifo_init_control(v->domain, &ic);
    if (!rc && copy_to_guest(v, arg, &ic, sizeof(ic)))
        rc = -EFAULT;
    return rc;
}

static long op_expand_array(struct vcpu *v, uint64_t arg)
{
    struct evtchn_expand_array e;

    if (copy_from_guest(v, &e, arg, sizeof(e)))
        return -EFAULT;
    return evtchn_fifo_expand_array(v->domain, e.array_gfn);
}

static long op_set_priority(struct vcpu *v, uint64_t arg)
{
    struct evtchn_set_priority p;

    if (copy_from_guest(v, &p, arg, sizeof(p)))
        return -EFAULT;
    return evtchn_set_priority(v->domain, p.port, p.priority);
}

long do_event_channel_op(struct vcpu *v, const struct hcall *h)
{
    /* Xen's prototype takes (int cmd, ...): the high half is ignored. */
    uint32_t cmd = (uint32_t)h->arg[0];
    uint64_t arg = h->arg[1];

    switch (cmd) {
    case EVTCHNOP_alloc_unbound:
        return op_alloc_unbound(v, arg);
    case EVTCHNOP_bind_interdomain:
        return op_bind_interdomain(v, arg);
    case EVTCHNOP_bind_virq:
        return op_bind_virq(v, arg);
    case EVTCHNOP_bind_ipi:
        return op_bind_ipi(v, arg);
    case EVTCHNOP_bind_pirq:
        return -EOPNOTSUPP;
    case EVTCHNOP_close:
        return op_port(v, arg, evtchn_close);
    case EVTCHNOP_send:
        return op_port(v, arg, evtchn_send);
    case EVTCHNOP_unmask:
        return op_port(v, arg, evtchn_unmask);
    case EVTCHNOP_status:
        return op_status(v, arg);
    case EVTCHNOP_bind_vcpu:
        return op_bind_vcpu(v, arg);
    case EVTCHNOP_reset:
        return op_reset(v, arg);
    case EVTCHNOP_init_control:
        return op_init_control(v, arg);
    case EVTCHNOP_expand_array:
        return op_expand_array(v, arg);
    case EVTCHNOP_set_priority:
        return op_set_priority(v, arg);
    default:
        return -ENOSYS;
    }
}
