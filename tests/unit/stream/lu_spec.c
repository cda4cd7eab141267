/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The reference stream of lu_spec.h: machine of 4096 pages with scratch
 * in its last 256; domain 1 (sim, FIFO, two vCPUs) and domain 2 (KVM,
 * 2-level, one vCPU) each with RAM, P2M, ports; domain 1 also with
 * shared_info, HVM params, FIFO state, a console and a grant table;
 * domain 2 with one grant mapping of domain 1's.
 */
#include <string.h>

#include "lu_spec.h"

static void spec_domains(struct lu_spec *s)
{
    struct lu_rec_domain *d = &s->dom[0];

    d->domid = 1;
    d->state = LU_DOM_RUNNING;
    d->shutdown_reason = LU_SHUTDOWN_NONE;
    strcpy(d->name, "guest1");
    d->memory_pages = d->max_pages = d->tot_pages = 256;
    d->extra_pages = 1;
    d->nr_vcpus = 2;
    d->on_crash = 2;
    d->backend = LU_BACKEND_SIM;
    d->shared_info_gfn = 0xfeffc;
    strcpy(d->backend_prog, "spin");
    d->created_ns = 123456789;
    d->max_ports = 1024;
    d->evtchn_abi = LU_EVTCHN_FIFO;
    d->max_grant_frames = 32;
    d->max_maptrack_frames = 1024;
    s->dom[1] = *d;
    d = &s->dom[1];
    d->domid = 2;
    d->state = LU_DOM_PAUSED;
    d->pause_count = 1;
    strcpy(d->name, "guest2");
    d->extra_pages = 0;
    d->nr_vcpus = 1;
    d->backend = LU_BACKEND_KVM;
    d->backend_prog[0] = '\0';
    d->shared_info_gfn = LU_GFN_NONE;
    d->evtchn_abi = LU_EVTCHN_2L;
}

static void spec_memory(struct lu_spec *s)
{
    static const struct lu_page_range r[SPEC_NR_RANGES] = {
        {256, 256, 1, LU_PAGE_RAM, 0, 0},
        {600, 1, 1, LU_PAGE_SHARED_INFO, 0, 0},
        {1024, 256, 2, LU_PAGE_RAM, 0, 0},
        {2000, 4, LU_DOMID_LU, LU_PAGE_LU_RECORD, 0, 0},
    };

    memcpy(s->ranges, r, sizeof(r));
    s->p2m1[0] = (struct lu_p2m_extent){0, 256, 256, LU_P2M_RAM_RW, 0};
    s->p2m1[1] = (struct lu_p2m_extent){0xfeffc, 600, 1, LU_P2M_SPECIAL, 0};
    s->p2m2[0] = (struct lu_p2m_extent){0, 1024, 256, LU_P2M_RAM_RW, 0};
    s->params1[0] = (struct lu_hvm_param){2, 0x1234};
    s->params1[1] = (struct lu_hvm_param){38, 7};
}

static void spec_vcpus(struct lu_spec *s)
{
    struct lu_rec_vcpu *v = s->vcpu;

    v[0].domid = 1;
    v[0].online = 1;
    v[0].upcall_vector = 0xf3;
    v[0].vcpu_info_gfn = 5;
    v[0].vcpu_info_offset = 64;
    v[0].runstate_gva = 0xffff800000001000ull;
    v[0].runstate_entry_ns = 1000;
    v[0].runstate_time[0] = 900;
    v[0].runstate_time[2] = 100;
    v[0].periodic_ns = 10000000;
    v[0].singleshot_ns = 5000;
    v[0].singleshot_armed = 1;
    v[0].blob_type = LU_VCPU_BLOB_SIM;
    v[0].blob_len = sizeof(s->blob_sim);
    v[1].domid = 1;
    v[1].vcpu_id = 1;
    v[1].vcpu_info_gfn = LU_GFN_NONE;
    v[1].runstate_state = 3;
    v[2] = v[0];
    v[2].domid = 2;
    v[2].blob_type = LU_VCPU_BLOB_KVM;
    v[2].blob_len = sizeof(s->blob_kvm);
    memset(s->blob_sim, 0x5a, sizeof(s->blob_sim));
    memset(s->blob_kvm, 0xa5, sizeof(s->blob_kvm));
}

static void spec_events(struct lu_spec *s)
{
    s->ports1[0] = (struct lu_evtchn_port){
        .port = 1, .state = LU_EVTCHN_VIRQ, .virq = 0, .priority = 7};
    s->ports1[1] = (struct lu_evtchn_port){.port = 2,
                                           .notify_vcpu = 1,
                                           .state = LU_EVTCHN_INTERDOMAIN,
                                           .remote_domid = 2,
                                           .remote_port = 1,
                                           .flags = LU_EVTCHN_F_PENDING};
    s->ports1[2] = (struct lu_evtchn_port){.port = 3, .state = LU_EVTCHN_IPI};
    s->ports2[0] = (struct lu_evtchn_port){.port = 1,
                                           .state = LU_EVTCHN_INTERDOMAIN,
                                           .remote_domid = 1,
                                           .remote_port = 2};
    s->fifo[0] = (struct lu_fifo_control){.vcpu_id = 0, .gfn = 6};
    s->fifo[1] = (struct lu_fifo_control){.vcpu_id = 1, .gfn = 6, .offset = 64};
    s->fifo[1].tail[7] = 2;
    s->fifo_array[0] = 7;
    memcpy(s->console, "hello\n", 6);
    s->gnttab =
        (struct lu_rec_gnttab){.domid = 1, .version = 1, .nr_frames = 4};
    s->maptrack[0] = (struct lu_maptrack_entry){
        .handle = 0, .ref = 8, .granter = 1, .gfn = 0x100};
}

void lu_spec_init(struct lu_spec *s)
{
    memset(s, 0, sizeof(*s));
    s->hdr.magic = LU_STREAM_MAGIC;
    s->hdr.version = LU_STREAM_VERSION;
    strcpy(s->hdr.xhv_version, "0.1.0-test");
    s->hdr.machine_pages = 4096;
    s->hdr.scratch_start = 3840;
    s->hdr.scratch_pages = 256;
    s->hdr.scratch_half = LU_SCRATCH_HALF_A;
    s->hdr.host_mono_ns = 1000000000;
    s->hdr.system_time_off = -5000;
    s->hdr.generation = 3;
    spec_domains(s);
    spec_memory(s);
    spec_vcpus(s);
    spec_events(s);
}

int lu_spec_write_body(const struct lu_spec *s, struct lu_writer *w)
{
    int rc = lu_write_header(w, &s->hdr);

    rc = rc ? rc : lu_write_domain(w, &s->dom[0]);
    rc = rc ? rc : lu_write_domain(w, &s->dom[1]);
    rc = rc ? rc : lu_write_page_ranges(w, s->ranges, SPEC_NR_RANGES);
    rc = rc ? rc : lu_write_p2m(w, 1, s->p2m1, SPEC_NR_P2M1);
    rc = rc ? rc : lu_write_p2m(w, 2, s->p2m2, 1);
    rc = rc ? rc : lu_write_hvm_params(w, 1, s->params1, 2);
    rc = rc ? rc : lu_write_vcpu(w, &s->vcpu[0], s->blob_sim);
    rc = rc ? rc : lu_write_vcpu(w, &s->vcpu[1], NULL);
    rc = rc ? rc : lu_write_vcpu(w, &s->vcpu[2], s->blob_kvm);
    rc = rc ? rc : lu_write_evtchn_ports(w, 1, s->ports1, SPEC_NR_PORTS1);
    rc = rc ? rc : lu_write_evtchn_ports(w, 2, s->ports2, 1);
    rc = rc ? rc : lu_write_evtchn_fifo(w, 1, s->fifo, 2, s->fifo_array, 1);
    rc = rc ? rc : lu_write_console(w, 1, 6, s->console, 6);
    rc = rc ? rc : lu_write_gnttab(w, &s->gnttab);
    rc = rc ? rc : lu_write_maptrack(w, 2, s->maptrack, 1);
    return rc;
}

int lu_spec_write(const struct lu_spec *s, struct lu_writer *w)
{
    int rc = lu_spec_write_body(s, w);

    return rc ? rc : lu_write_end(w);
}
