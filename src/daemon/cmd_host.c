/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host-wide commands: hello, info, dmesg, debug-keys, audit, and dump
 * (one domain's pages by purpose).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/kvm/kvm.h"
#include "ctl/ctl.h"
#include "evtchn/evtchn.h"
#include "xhv/public/event_channel.h"
#include "daemon/daemon.h"
#include "domain/domain.h"
#include "lib/alloc.h"
#include "lib/log.h"

static uint64_t uptime_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec -
            xhvd.started_ns) /
           1000000000ULL;
}

int cmd_hello(struct json_object *args, struct json_object **result, char *err,
              size_t errlen)
{
    struct json_object *r = ctl_obj();
    int rc = r ? 0 : -ENOMEM;

    (void)args, (void)err, (void)errlen;
    CMD_ADD(r, "version", ctl_str(XHV_VERSION));
    CMD_ADD(r, "protocol", ctl_u64(CTL_PROTOCOL_VERSION));
    CMD_ADD(r, "pid", ctl_u64((uint64_t)getpid()));
    return cmd_finish(r, rc, result);
}

int cmd_info(struct json_object *args, struct json_object **result, char *err,
             size_t errlen)
{
    struct json_object *r = ctl_obj();
    struct mm_stats st;
    char host[256] = "", why[160] = "";
    bool kvm_ok;
    int rc = r ? 0 : -ENOMEM;

    (void)args, (void)err, (void)errlen;
    mm_get_stats(&st);
    gethostname(host, sizeof(host) - 1);
    CMD_ADD(r, "host", ctl_str(host));
    CMD_ADD(r, "xhv_version", ctl_str(XHV_VERSION));
    CMD_ADD(r, "protocol", ctl_u64(CTL_PROTOCOL_VERSION));
    CMD_ADD(r, "pid", ctl_u64((uint64_t)getpid()));
    CMD_ADD(r, "uptime_s", ctl_u64(uptime_s()));
    CMD_ADD(r, "rundir", ctl_str(xhvd.opts.rundir));
    CMD_ADD(r, "total_memory_mib", ctl_u64(st.total_pages >> 8));
    /* What domains can get: scratch is xhv's own (docs/memory.md). */
    CMD_ADD(r, "free_memory_mib",
            ctl_u64((st.free_pages - st.free_scratch_pages) >> 8));
    CMD_ADD(r, "free_pages", ctl_u64(st.free_pages - st.free_scratch_pages));
    CMD_ADD(r, "free_scratch_pages", ctl_u64(st.free_scratch_pages));
    CMD_ADD(r, "scratch_mib", ctl_u64(xhvd.opts.scratch_bytes >> 20));
    CMD_ADD(r, "domain_pages", ctl_u64(st.domheap_pages));
    CMD_ADD(r, "xenheap_pages", ctl_u64(st.xenheap_pages));
    CMD_ADD(r, "broken_pages", ctl_u64(st.broken_pages));
    CMD_ADD(r, "reserved_pages", ctl_u64(st.reserved_pages));
    CMD_ADD(r, "page_info_bytes", ctl_u64(sizeof(struct page_info)));
    CMD_ADD(r, "nr_domains", ctl_u64(domlist_count()));
    kvm_ok = kvm_usable(why, sizeof(why));
    CMD_ADD(r, "kvm", ctl_bool(kvm_ok));
    if (kvm_ok)
        CMD_ADD(r, "kvm_module", ctl_str(kvm_flavour()));
    else
        CMD_ADD(r, "kvm_unusable", ctl_str(why));
    CMD_ADD(r, "log_level", ctl_str(log_level_name(xhvd.opts.log_level)));
    return cmd_finish(r, rc, result);
}

int cmd_dmesg(struct json_object *args, struct json_object **result, char *err,
              size_t errlen)
{
    struct json_object *r;
    bool clear = false;
    size_t need;
    char *buf;
    int rc;

    if (ctl_get_bool(args, "clear", &clear) == -EINVAL) {
        snprintf(err, errlen, "'clear' must be true or false");
        return -EINVAL;
    }
    buf = xhv_malloc(LOG_RING_SIZE + 1);
    if (!buf)
        return -ENOMEM;
    need = log_read(buf, LOG_RING_SIZE + 1);
    (void)need;
    r = ctl_obj();
    rc = r ? 0 : -ENOMEM;
    CMD_ADD(r, "log", ctl_str(buf));
    xhv_free(buf);
    if (!rc && clear)
        log_clear();
    return cmd_finish(r, rc, result);
}

static int dump_to_json(struct domain *d, struct json_object *r)
{
    struct domain_dump dd;
    struct json_object *sp;
    unsigned int i;
    int rc = domain_dump(d, &dd);

    if (rc)
        return rc;
    CMD_ADD(r, "domid", ctl_u64(d->domid));
    CMD_ADD(r, "name", ctl_str(d->name));
    CMD_ADD(r, "state", ctl_str(domain_state_name(domain_get_state(d))));
    CMD_ADD(r, "tot_pages", ctl_u64(dd.tot_pages));
    CMD_ADD(r, "max_pages", ctl_u64(dd.max_pages));
    CMD_ADD(r, "extra_pages", ctl_u64(dd.extra_pages));
    CMD_ADD(r, "ram_pages", ctl_u64(dd.ram_pages));
    CMD_ADD(r, "ram_extents", ctl_u64(dd.ram_extents));
    CMD_ADD(r, "ram_2m_blocks", ctl_u64(dd.ram_extents_2m));
    CMD_ADD(r, "p2m_table_pages", ctl_u64(dd.p2m_tables));
    CMD_ADD(r, "p2m_mapped", ctl_u64(dd.p2m_mapped));
    CMD_ADD(r, "vcpus", ctl_u64(d->nr_vcpus));
    CMD_ADD(r, "overhead_bytes", ctl_u64(dd.overhead_bytes));
    CMD_ADD(r, "special_total", ctl_u64(dd.nr_special_total));
    sp = rc ? NULL : ctl_arr();
    rc = rc ? rc : (sp ? 0 : -ENOMEM);
    for (i = 0; !rc && i < dd.nr_special; i++) {
        struct json_object *e = ctl_obj();

        rc = e ? 0 : -ENOMEM;
        CMD_ADD(e, "kind", ctl_str(page_kind_name(dd.special[i].kind)));
        CMD_ADD(e, "index", ctl_u64(dd.special[i].index));
        CMD_ADD(e, "mfn", ctl_u64(dd.special[i].mfn));
        if (dd.special[i].gfn != INVALID_GFN)
            CMD_ADD(e, "gfn", ctl_u64(dd.special[i].gfn));
        if (rc)
            json_object_put(e);
        else
            rc = ctl_append(sp, e);
    }
    if (sp && rc)
        json_object_put(sp);
    else
        CMD_ADD(r, "special", sp);
    return rc;
}

int cmd_dump(struct json_object *args, struct json_object **result, char *err,
             size_t errlen)
{
    struct json_object *r;
    struct domain *d;
    int rc;

    rc = daemon_find_domain(args, &d, err, errlen);
    if (rc)
        return rc;
    r = ctl_obj();
    rc = r ? dump_to_json(d, r) : -ENOMEM;
    if (rc == -ESRCH)
        snprintf(err, errlen, "domain %u is dying", d->domid);
    put_domain(d);
    return cmd_finish(r, rc, result);
}

static int audit_json(struct json_object *r, char *text, size_t textlen)
{
    static struct mm_audit_report rep;
    int rc, arc = mm_audit(&rep, 0);

    (void)arc;
    mm_audit_format(&rep, text, textlen);
    rc = 0;
    CMD_ADD(r, "clean", ctl_bool(rep.nr_violations == 0));
    CMD_ADD(r, "violations", ctl_u64(rep.nr_violations));
    CMD_ADD(r, "report", ctl_str(text));
    return rc;
}

int cmd_audit(struct json_object *args, struct json_object **result, char *err,
              size_t errlen)
{
    struct json_object *r = ctl_obj();
    char *text = xhv_malloc(16384);
    int rc = (r && text) ? audit_json(r, text, 16384) : -ENOMEM;

    (void)args, (void)err, (void)errlen;
    if (!rc)
        xhv_log_lines(LOG_INFO, "audit", text);
    xhv_free(text);
    return cmd_finish(r, rc, result);
}

/* 'q': every domain's dump into the log, as Xen's 'q' prints to its
 * console. */
static void key_q(char *out, size_t len, size_t *off)
{
    struct domain **doms;
    unsigned int n, i;

    if (domlist_snapshot(&doms, &n))
        return;
    for (i = 0; i < n; i++) {
        struct domain_dump dd;

        if (domain_dump(doms[i], &dd) == 0) {
            unsigned int j;

            *off += (size_t)snprintf(
                out + *off, *off < len ? len - *off : 0,
                "d%u (%s): tot_pages %llu max_pages %llu extra_pages "
                "%llu, RAM in %llu extents (%llu 2 MiB), %u vcpus\n",
                doms[i]->domid, doms[i]->name, (unsigned long long)dd.tot_pages,
                (unsigned long long)dd.max_pages,
                (unsigned long long)dd.extra_pages,
                (unsigned long long)dd.ram_extents,
                (unsigned long long)dd.ram_extents_2m, doms[i]->nr_vcpus);
            for (j = 0; j < dd.nr_special && *off < len; j++)
                *off += (size_t)snprintf(
                    out + *off, len - *off, "    %s %u: mfn %#llx\n",
                    page_kind_name(dd.special[j].kind), dd.special[j].index,
                    (unsigned long long)dd.special[j].mfn);
        }
        put_domain(doms[i]);
    }
    xhv_free(doms);
}

static void run_key(char key, char *out, size_t len, size_t *off)
{
    struct mm_stats st;

    switch (key) {
    case 'q':
        key_q(out, len, off);
        break;
    case 'm':
        mm_get_stats(&st);
        *off += (size_t)snprintf(
            out + *off, *off < len ? len - *off : 0,
            "memory: %llu pages, free %llu (scratch %llu), domain %llu, "
            "xenheap %llu, broken %llu, reserved %llu\n",
            (unsigned long long)st.total_pages,
            (unsigned long long)st.free_pages,
            (unsigned long long)st.free_scratch_pages,
            (unsigned long long)st.domheap_pages,
            (unsigned long long)st.xenheap_pages,
            (unsigned long long)st.broken_pages,
            (unsigned long long)st.reserved_pages);
        break;
    case 'h':
        *off += (size_t)snprintf(out + *off, *off < len ? len - *off : 0,
                                 "'h' this help\n'm' memory summary\n"
                                 "'q' dump every domain's pages\n");
        break;
    default:
        *off += (size_t)snprintf(out + *off, *off < len ? len - *off : 0,
                                 "'%c' pressed -> no handler ('h' lists "
                                 "them)\n",
                                 key);
        break;
    }
}

/* As in Xen, pressing debug keys raises VIRQ_DEBUG in every domain that
 * bound it (those that did not: -ENOENT, nothing to do). */
static void raise_virq_debug(void)
{
    struct domain **doms;
    unsigned int n, i;

    if (domlist_snapshot(&doms, &n))
        return;
    for (i = 0; i < n; i++) {
        if (domain_get_state(doms[i]) < DOMAIN_DYING)
            evtchn_send_virq(doms[i], 0, VIRQ_DEBUG);
        put_domain(doms[i]);
    }
    xhv_free(doms);
}

int cmd_debug_keys(struct json_object *args, struct json_object **result,
                   char *err, size_t errlen)
{
    const size_t len = 65536;
    struct json_object *r;
    const char *keys;
    size_t off = 0, i;
    char *out;
    int rc;

    if (ctl_get_str(args, "keys", &keys) || !*keys || strlen(keys) > 64) {
        snprintf(err, errlen, "'keys' must be 1 to 64 key characters");
        return -EINVAL;
    }
    out = xhv_malloc(len);
    if (!out)
        return -ENOMEM;
    out[0] = '\0';
    for (i = 0; keys[i]; i++)
        run_key(keys[i], out, len, &off);
    if (off >= len)
        snprintf(out + len - 32, 32, "\n[output truncated]\n");
    raise_virq_debug();
    log_info("keys", "debug-keys '%s'", keys);
    xhv_log_lines(LOG_INFO, "keys", out);
    r = ctl_obj();
    rc = r ? 0 : -ENOMEM;
    CMD_ADD(r, "output", ctl_str(out));
    xhv_free(out);
    return cmd_finish(r, rc, result);
}

/* Console bytes as JSON text: printable ASCII, newlines and tabs kept,
 * anything else shown as '?', so the answer is always valid UTF-8. */
static void console_sanitise(char *buf, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];

        if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c >= 0x7f)
            buf[i] = '?';
    }
}

int cmd_console(struct json_object *args, struct json_object **result,
                char *err, size_t errlen)
{
    const size_t max = DOMAIN_CONSOLE_RING;
    struct json_object *r;
    uint64_t from = 0, next;
    struct domain *d;
    char *buf;
    size_t n;
    int rc;

    if (ctl_get_u64(args, "offset", &from) == -EINVAL) {
        snprintf(err, errlen, "'offset' must be a non-negative integer");
        return -EINVAL;
    }
    rc = daemon_find_domain(args, &d, err, errlen);
    if (rc)
        return rc;
    buf = xhv_malloc(max + 1);
    r = buf ? ctl_obj() : NULL;
    rc = r ? 0 : -ENOMEM;
    if (!rc) {
        n = domain_console_read_from(d, from, buf, max, &next);
        console_sanitise(buf, n);
        buf[n] = '\0';
        CMD_ADD(r, "data", ctl_str(buf));
        CMD_ADD(r, "next", ctl_u64(next));
        CMD_ADD(r, "state", ctl_str(domain_state_name(domain_get_state(d))));
    }
    xhv_free(buf);
    put_domain(d);
    return cmd_finish(r, rc, result);
}
