/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Booting a sim guest (`type = "sim"`): kernel names one of the built-in
 * programs (backend/sim/sim.h), cmdline is its command line. xhvd writes
 * the start info at gfn 0 and, for `peer=NAME`, plays the toolstack's part
 * in wiring an interdomain channel: an unbound port in the peer, bound
 * from the new domain, whose port number the start info carries.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/sim/sim.h"
#include "ctl/ctl.h"
#include "daemon/daemon.h"
#include "lib/log.h"

/* The NAME of a peer=NAME word in cmdline, or "" for none. */
static void peer_name(const char *cmdline, char out[DOMAIN_NAME_MAX])
{
    const char *p = cmdline;
    size_t n;

    out[0] = '\0';
    while (p && *p) {
        while (*p == ' ')
            p++;
        n = strcspn(p, " ");
        if (n > 5 && strncmp(p, "peer=", 5) == 0 && n - 5 < DOMAIN_NAME_MAX) {
            memcpy(out, p + 5, n - 5);
            out[n - 5] = '\0';
            return;
        }
        p += n;
    }
}

int daemon_check_sim_config(struct json_object *cfg, char *err, size_t errlen)
{
    const char *prog = NULL, *cmdline = "";
    char peer[DOMAIN_NAME_MAX];
    struct domain *pd;
    int rc;

    if (ctl_get_str(cfg, "kernel", &prog) || !sim_program_find(prog)) {
        int n = snprintf(err, errlen,
                         "sim guest kernel '%.64s' is not a built-in "
                         "program (one of:",
                         prog ? prog : "");
        const struct sim_program *sp;
        unsigned int i;

        for (i = 0; (sp = sim_program_at(i)) && n > 0 && (size_t)n < errlen;
             i++)
            n += snprintf(err + n, errlen - (size_t)n, " %s", sp->name);
        if (n > 0 && (size_t)n < errlen)
            snprintf(err + n, errlen - (size_t)n, ")");
        return -EINVAL;
    }
    rc = ctl_get_str(cfg, "cmdline", &cmdline);
    if (rc == -EINVAL || strlen(cmdline) >= SIM_CMDLINE_MAX) {
        snprintf(err, errlen,
                 "a sim guest's cmdline must be a string under "
                 "%d bytes",
                 SIM_CMDLINE_MAX);
        return -EINVAL;
    }
    peer_name(cmdline, peer);
    if (peer[0]) {
        pd = domain_lookup_name(peer);
        if (!pd) {
            snprintf(err, errlen, "peer=%s: no such domain", peer);
            return -ENOENT;
        }
        rc = sim_domain_is(pd) ? 0 : -EINVAL;
        put_domain(pd);
        if (rc) {
            snprintf(err, errlen, "peer=%s: not a sim guest", peer);
            return rc;
        }
    }
    return 0;
}

static int wire_peer(struct domain *d, const char *peer, uint32_t *port,
                     char *err, size_t errlen)
{
    struct domain *pd = domain_lookup_name(peer);
    evtchn_port_t rport = 0, lport = 0;
    int rc;

    if (!pd) {
        snprintf(err, errlen, "peer=%s: no such domain", peer);
        return -ENOENT;
    }
    rc = evtchn_alloc_unbound(pd, (xen_domid_t)d->domid, &rport);
    if (!rc) {
        rc = evtchn_bind_interdomain(d, pd, rport, &lport);
        if (rc)
            evtchn_close(pd, rport);
    }
    if (rc)
        snprintf(err, errlen, "peer=%s: cannot wire an event channel: %s", peer,
                 strerror(-rc));
    else
        log_info("xhvd", "d%u port %u <-> d%u port %u (peer=%s)", d->domid,
                 lport, pd->domid, rport, peer);
    put_domain(pd);
    *port = lport;
    return rc;
}

int daemon_boot_sim(struct domain *d, struct json_object *cfg, char *err,
                    size_t errlen)
{
    struct sim_start_info si = {.magic = SIM_START_MAGIC};
    struct domain_ram_range r[DOMAIN_MAX_RAM_RANGES];
    const struct sim_program *prog;
    const char *name = "", *cmdline = "";
    char peer[DOMAIN_NAME_MAX];
    int rc;

    ctl_get_str(cfg, "kernel", &name);
    ctl_get_str(cfg, "cmdline", &cmdline);
    prog = sim_program_find(name);
    if (!prog) /* checked at create: only a bug lands here */
        return -EINVAL;
    domain_ram_ranges(d, r);
    si.domid = d->domid;
    si.ram_pages = r[0].nr;
    snprintf(si.cmdline, sizeof(si.cmdline), "%s", cmdline);
    peer_name(cmdline, peer);
    if (peer[0]) {
        rc = wire_peer(d, peer, &si.peer_port, err, errlen);
        if (rc)
            return rc;
    }
    rc = p2m_copy(&d->p2m, (uint64_t)SIM_START_GFN << PAGE_SHIFT, &si,
                  sizeof(si), true);
    if (!rc)
        rc = sim_domain_attach(d);
    if (!rc)
        rc = sim_vcpu_start(d, 0, sim_program_loop, (void *)prog);
    if (rc && !err[0])
        snprintf(err, errlen, "cannot start sim program '%s': %s", name,
                 strerror(-rc));
    else if (!rc)
        log_info("xhvd", "d%u: sim program '%s' started", d->domid, name);
    return rc;
}
