/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xen_version: what xhv tells guests about the "Xen" they run on. The
 * answers follow Xen's for an unprivileged HVM/PVH guest: informational
 * strings are given, the hypervisor command line is "<denied>", the build
 * id is refused.
 */
#include <errno.h>
#include <string.h>

#include "hypercall/hypercall.h"

#define XHV_EXTRAVERSION ".0-xhv"
#define XHV_CAPABILITIES "hvm-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p"
#define XHV_DENIED       "<denied>"

/* What a PVH guest on xhv has: a translated physmap, the callback vector
 * and a safe pvclock. The runstate and time areas by physical address
 * (VCPUOP 14 and 15) are not implemented, so their bits stay clear. */
static uint32_t features_submap0(void)
{
    return (1U << XENFEAT_writable_page_tables) |
           (1U << XENFEAT_auto_translated_physmap) |
           (1U << XENFEAT_hvm_callback_vector) |
           (1U << XENFEAT_hvm_safe_pvclock) |
           (1U << XENFEAT_memory_op_vnode_supported) |
           (1U << XENFEAT_not_direct_mapped);
}

static long put_string(struct vcpu *v, uint64_t arg, const char *s, size_t size)
{
    char buf[XEN_COMMANDLINE_LEN];

    memset(buf, 0, size);
    strncpy(buf, s, size - 1);
    return copy_to_guest(v, arg, buf, size) ? -EFAULT : 0;
}

static long compile_info(struct vcpu *v, uint64_t arg)
{
    struct xen_compile_info ci;

    memset(&ci, 0, sizeof(ci));
    strncpy(ci.compiler, "gcc (xhv " XHV_VERSION ")", sizeof(ci.compiler) - 1);
    strncpy(ci.compile_by, "xhv", sizeof(ci.compile_by) - 1);
    strncpy(ci.compile_domain, "xhv", sizeof(ci.compile_domain) - 1);
    strncpy(ci.compile_date, __DATE__, sizeof(ci.compile_date) - 1);
    return copy_to_guest(v, arg, &ci, sizeof(ci)) ? -EFAULT : 0;
}

static long get_features(struct vcpu *v, uint64_t arg)
{
    struct xen_feature_info fi;

    if (copy_from_guest(v, &fi, arg, sizeof(fi)))
        return -EFAULT;
    if (fi.submap_idx != 0)
        return -EINVAL;
    fi.submap = features_submap0();
    return copy_to_guest(v, arg, &fi, sizeof(fi)) ? -EFAULT : 0;
}

static long guest_handle(struct vcpu *v, uint64_t arg)
{
    uint8_t handle[XEN_DOMAIN_HANDLE_LEN] = {0};

    /* xhv has no domain UUIDs yet: a stable per-domain value. */
    memcpy(handle, &v->domain->domid, sizeof(v->domain->domid));
    return copy_to_guest(v, arg, handle, sizeof(handle)) ? -EFAULT : 0;
}

long do_xen_version(struct vcpu *v, const struct hcall *h)
{
    uint64_t arg = h->arg[1];
    struct xen_platform_parameters pp = {0};

    switch (h->arg[0]) {
    case XENVER_version:
        return (XHV_XEN_MAJOR << 16) | XHV_XEN_MINOR;
    case XENVER_extraversion:
        return put_string(v, arg, XHV_EXTRAVERSION, XEN_EXTRAVERSION_LEN);
    case XENVER_compile_info:
        return compile_info(v, arg);
    case XENVER_capabilities:
        return put_string(v, arg, XHV_CAPABILITIES, XEN_CAPABILITIES_LEN);
    case XENVER_changeset:
        return put_string(v, arg, "xhv " XHV_VERSION, XEN_CHANGESET_LEN);
    case XENVER_platform_parameters:
        /* Xen gives HVM guests 0: no hypervisor hole in their space. */
        return copy_to_guest(v, arg, &pp, sizeof(pp)) ? -EFAULT : 0;
    case XENVER_get_features:
        return get_features(v, arg);
    case XENVER_pagesize:
        return arg ? -EINVAL : (long)PAGE_SIZE;
    case XENVER_guest_handle:
        return guest_handle(v, arg);
    case XENVER_commandline:
        /* Xen denies an unprivileged guest and says so in the string. */
        return copy_to_guest(v, arg, XHV_DENIED, sizeof(XHV_DENIED)) ? -EFAULT
                                                                     : 0;
    case XENVER_build_id:
        return -EPERM;
    default:
        return -ENOSYS;
    }
}
