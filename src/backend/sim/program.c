/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sim guest programs xhvd can run (sim.h). Each is guest code: it
 * reaches xhv only through sim_hypercall(), reads and writes only its own
 * guest memory, passes hypercall arguments in guest memory, and keeps all
 * of its state there, so that a live update, which preserves guest memory
 * and nothing of xhvd's, continues it exactly where it was.
 *
 * Guest memory: gfn 0 holds the start info xhvd wrote; gfn 1 the program's
 * state; gfn 2 is where it maps shared_info; data pages follow.
 *
 *   memcheck  fills its data pages with a pattern that changes every pass
 *             and checks them; any changed byte is a FAIL and a crash.
 *   ping      sends an event to its peer (cmdline peer=NAME, wired by
 *             xhvd) and waits for the reply: one event in flight, so a
 *             lost or a spurious event is a FAIL.
 *   echo      answers every event it receives on the same port.
 *   idle      does nothing, slowly: a domain that is merely there.
 *   granter   grants one data page (ref=N, default 8; version=1|2) to
 *             the domain at the other end of its first interdomain port
 *             and keeps counting up in it.
 *   mapper    maps that grant (peer=GRANTER ref=N, ro=1 for read-only)
 *             and checks that the count never goes backwards.
 *   fifo-*    the FIFO event-channel programs: program_fifo.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/sim/program.h"
#include "xhv/public/event_channel.h"
#include "xhv/public/grant_table.h"
#include "xhv/public/hypercall.h"
#include "xhv/public/memory.h"
#include "xhv/public/xen.h"

#define STATE_MAGIC    0x3130544154534d53ULL /* "SMSTAT01" */
#define STEP_IDLE_NS   1000000LL             /* 1 ms between steps */
#define PAGES_PER_STEP 64
#define PAGE_BYTES     4096
#define MAX_DATA_PAGES (1ULL << 20) /* what the low RAM range can hold */

/* Program state at gfn 1: guest memory, and so preserved. */
struct prog_state {
    uint64_t magic;
    uint64_t passes;   /* memcheck: completed fill+check passes */
    uint64_t phase;    /* memcheck: 0 filling, 1 checking */
    uint64_t next;     /* memcheck: next data page of this phase */
    uint64_t sent;     /* ping */
    uint64_t received; /* ping */
    uint64_t echoed;   /* echo */
    uint64_t data_pages;
    /* Hypercall arguments: guest addresses, so they live here. */
    struct sched_shutdown sd;
    struct evtchn_send snd;
    struct xen_add_to_physmap xatp;
    char buf[256];
    /* granter / mapper; after buf, so the fields above keep their
     * offsets for a program state an older xhvd left. */
    uint64_t gnt_phase; /* how far setup has come */
    uint64_t counter;   /* granter: last written; mapper: last read */
    uint64_t checks;    /* mapper: reads of the mapped page; memcheck
                           once=1: checks done */
    uint32_t gnt_peer;  /* the other domain */
    uint32_t gnt_handle;
    uint64_t gnt_frames[1];
    struct gnttab_setup_table gst;
    struct gnttab_set_version gsv;
    struct gnttab_map_grant_ref gmap;
    struct evtchn_status est;
};
_Static_assert(sizeof(struct prog_state) <= PAGE_BYTES, "one page");

#define STATE_GPA(field)                                                       \
    (((uint64_t)SIM_STATE_GFN << 12) + offsetof(struct prog_state, field))

static struct prog_state *state(struct sim_vcpu *sv)
{
    return sim_gpa(sv, (uint64_t)SIM_STATE_GFN << 12, PAGE_BYTES);
}

static const struct sim_start_info *start_info(struct sim_vcpu *sv)
{
    const struct sim_start_info *si =
        sim_gpa_ro(sv, (uint64_t)SIM_START_GFN << 12, sizeof(*si));

    return si && si->magic == SIM_START_MAGIC ? si : NULL;
}

static void say(struct sim_vcpu *sv, struct prog_state *st, const char *fmt,
                ...) __attribute__((format(printf, 3, 4)));
static void say(struct sim_vcpu *sv, struct prog_state *st, const char *fmt,
                ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(st->buf, sizeof(st->buf) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(st->buf) - 2)
        n = (int)sizeof(st->buf) - 2;
    st->buf[n++] = '\n';
    sim_hypercall(sv, __HYPERVISOR_console_io, CONSOLEIO_write, (uint64_t)n,
                  STATE_GPA(buf), 0, 0);
}

/* Reports a failure and crashes the domain: the loop ends here. */
static int64_t fail(struct sim_vcpu *sv, struct prog_state *st,
                    const char *what)
{
    say(sv, st, "%s", what);
    st->sd.reason = SHUTDOWN_crash;
    sim_hypercall(sv, __HYPERVISOR_sched_op, SCHEDOP_shutdown, STATE_GPA(sd), 0,
                  0, 0);
    return -EIO;
}

/* First run only: the state page is zero until then, magic after. */
static struct prog_state *setup(struct sim_vcpu *sv, bool need_shinfo)
{
    struct prog_state *st = state(sv);
    const struct sim_start_info *si = start_info(sv);
    long rc;

    if (!st || !si)
        return NULL;
    if (st->magic == STATE_MAGIC)
        return st;
    memset(st, 0, sizeof(*st));
    if (need_shinfo) {
        st->xatp = (struct xen_add_to_physmap){
            .domid = DOMID_SELF,
            .space = XENMAPSPACE_shared_info,
            .idx = 0,
            .gpfn = SIM_SHINFO_GFN,
        };
        rc = sim_hypercall(sv, __HYPERVISOR_memory_op, XENMEM_add_to_physmap,
                           STATE_GPA(xatp), 0, 0, 0);
        if (rc) {
            say(sv, st, "FAIL: cannot map shared_info: %ld", rc);
            return NULL;
        }
    }
    st->magic = STATE_MAGIC;
    return st;
}

static struct xen_shared_info *shinfo(struct sim_vcpu *sv)
{
    return sim_gpa(sv, (uint64_t)SIM_SHINFO_GFN << 12,
                   sizeof(struct xen_shared_info));
}

/* --- memcheck ----------------------------------------------------------- */

static uint64_t pattern(uint64_t gfn, uint64_t word, uint64_t pass)
{
    uint64_t z = (gfn << 20) ^ (word << 1) ^ (pass * 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t cmdline_u64(const struct sim_start_info *si, const char *key,
                            uint64_t dflt)
{
    char cmd[SIM_CMDLINE_MAX];
    size_t kl = strlen(key);
    char *tok, *save = NULL;

    memcpy(cmd, si->cmdline, sizeof(cmd));
    cmd[sizeof(cmd) - 1] = '\0';
    for (tok = strtok_r(cmd, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
        if (strncmp(tok, key, kl) == 0 && tok[kl] == '=')
            return strtoull(tok + kl + 1, NULL, 0);
    return dflt;
}

static int64_t memcheck_step(struct sim_vcpu *sv)
{
    const struct sim_start_info *si = start_info(sv);
    struct prog_state *st = setup(sv, false);
    uint64_t i, w, end;

    if (!st || !si)
        return -EINVAL;
    if (!st->data_pages) {
        uint64_t avail =
            si->ram_pages > SIM_DATA_GFN ? si->ram_pages - SIM_DATA_GFN : 0;

        st->data_pages = cmdline_u64(si, "pages", avail);
        if (st->data_pages > avail)
            st->data_pages = avail;
        if (st->data_pages > MAX_DATA_PAGES)
            st->data_pages = MAX_DATA_PAGES;
        if (!st->data_pages)
            return fail(sv, st, "memcheck: FAIL no data pages");
        say(sv, st, "memcheck: started, %llu data pages",
            (unsigned long long)st->data_pages);
    }
    end = st->next + PAGES_PER_STEP;
    if (end > st->data_pages)
        end = st->data_pages;
    for (i = st->next; i < end; i++) {
        uint64_t gfn = SIM_DATA_GFN + i;
        /* Phase 1 only reads: an idle-looking guest to a migration. */
        uint64_t *pg = st->phase == 0 ? sim_gpa(sv, gfn << 12, PAGE_BYTES)
                                      : sim_gpa_ro(sv, gfn << 12, PAGE_BYTES);

        if (!pg)
            return fail(sv, st, "memcheck: FAIL data page unmapped");
        for (w = 0; w < PAGE_BYTES / 8; w++) {
            uint64_t want = pattern(gfn, w, st->passes);

            if (st->phase == 0) {
                pg[w] = want;
            } else if (pg[w] != want) {
                char why[160];

                snprintf(why, sizeof(why),
                         "memcheck: FAIL pass %llu gfn %#llx word %llu: "
                         "%#llx, want %#llx",
                         (unsigned long long)st->passes,
                         (unsigned long long)gfn, (unsigned long long)w,
                         (unsigned long long)pg[w], (unsigned long long)want);
                return fail(sv, st, why);
            }
        }
    }
    st->next = end;
    if (st->next == st->data_pages) {
        st->next = 0;
        /* once=1: the pattern is written once, then only checked: a
         * guest whose memory is full and never changes. */
        if (st->phase == 1 && cmdline_u64(si, "once", 0)) {
            st->checks++;
            if ((st->checks & (st->checks - 1)) == 0)
                say(sv, st, "memcheck: check %llu ok (written once)",
                    (unsigned long long)st->checks);
            return STEP_IDLE_NS;
        }
        if (st->phase == 1) {
            st->passes++;
            /* Sparse reports: the console ring is not a log file. */
            if ((st->passes & (st->passes - 1)) == 0 || st->passes % 16 == 0)
                say(sv, st, "memcheck: pass %llu ok",
                    (unsigned long long)st->passes);
        }
        st->phase ^= 1;
    }
    return STEP_IDLE_NS;
}

/* --- ping / echo -------------------------------------------------------- */

static bool take_event(struct xen_shared_info *sh, uint32_t port)
{
    uint64_t bit = 1ULL << (port % 64);

    return __atomic_fetch_and(&sh->evtchn_pending[port / 64], ~bit,
                              __ATOMIC_SEQ_CST) &
           bit;
}

/* What a guest's upcall handler does first: acknowledge the upcall. */
static void ack_upcall(struct xen_shared_info *sh, unsigned int vcpu)
{
    if (vcpu >= XEN_LEGACY_MAX_VCPUS)
        return;
    __atomic_store_n(&sh->vcpu_info[vcpu].evtchn_upcall_pending, 0,
                     __ATOMIC_SEQ_CST);
    __atomic_exchange_n(&sh->vcpu_info[vcpu].evtchn_pending_sel, 0,
                        __ATOMIC_SEQ_CST);
}

static long send(struct sim_vcpu *sv, struct prog_state *st, uint32_t port)
{
    st->snd.port = port;
    return sim_hypercall(sv, __HYPERVISOR_event_channel_op, EVTCHNOP_send,
                         STATE_GPA(snd), 0, 0, 0);
}

static int64_t ping_step(struct sim_vcpu *sv)
{
    const struct sim_start_info *si = start_info(sv);
    struct prog_state *st = setup(sv, true);
    struct xen_shared_info *sh = shinfo(sv);
    uint32_t port;
    long rc;

    if (!st || !si || !sh)
        return -EINVAL;
    port = si->peer_port;
    if (!port || port >= 4096)
        return fail(sv, st, "ping: FAIL no peer port (cmdline peer=NAME)");
    ack_upcall(sh, sim_vcpu_id(sv));
    if (st->sent == st->received) {
        /* Binding an interdomain port leaves it pending (as Xen does, so
         * nothing sent before the bind is lost): expected once. */
        if (take_event(sh, port) && st->sent != 0)
            return fail(sv, st, "ping: FAIL event with none in flight");
        rc = send(sv, st, port);
        if (rc) {
            say(sv, st, "ping: FAIL send on port %u: %ld", port, rc);
            return fail(sv, st, "ping: FAIL");
        }
        if (st->sent == 0)
            say(sv, st, "ping: started on port %u", port);
        st->sent++;
        return STEP_IDLE_NS;
    }
    if (!take_event(sh, port))
        return STEP_IDLE_NS;
    st->received++;
    if ((st->received & (st->received - 1)) == 0 || st->received % 1000 == 0)
        say(sv, st, "ping: %llu round trips", (unsigned long long)st->received);
    return 0;
}

static int64_t echo_step(struct sim_vcpu *sv)
{
    struct prog_state *st = setup(sv, true);
    struct xen_shared_info *sh = shinfo(sv);
    unsigned int word, b;

    if (!st || !sh)
        return -EINVAL;
    ack_upcall(sh, sim_vcpu_id(sv));
    for (word = 0; word < 64; word++) {
        uint64_t live =
            __atomic_load_n(&sh->evtchn_pending[word], __ATOMIC_SEQ_CST) &
            ~__atomic_load_n(&sh->evtchn_mask[word], __ATOMIC_SEQ_CST);

        for (b = 0; live && b < 64; b++) {
            uint32_t port = word * 64 + b;

            if (!(live & (1ULL << b)) || !take_event(sh, port))
                continue;
            if (send(sv, st, port) == 0)
                st->echoed++;
        }
    }
    return STEP_IDLE_NS;
}

static int64_t idle_step(struct sim_vcpu *sv)
{
    (void)sv;
    return 100 * STEP_IDLE_NS;
}

/* --- granter / mapper ---------------------------------------------------- */

/*
 * Both place pages above their RAM, in the window's room for guest-placed
 * pages: the granter its grant frame (and v2 status frame), the mapper
 * the granted page. The data page holds the count in word 0 and a magic
 * in word 1, so a mapper that sees another page notices.
 */
#define GNT_FRAME_ABOVE_RAM 0x20
#define GNT_MAP_ABOVE_RAM   0x10
#define GNT_DATA_MAGIC      0x544e415247564858ULL /* "XHVGRANT" */
#define GNT_REF_DEFAULT     8 /* the first one Xen does not reserve */

static long gnttab_op(struct sim_vcpu *sv, unsigned int cmd, uint64_t gpa)
{
    return sim_hypercall(sv, __HYPERVISOR_grant_table_op, cmd, gpa, 1, 0, 0);
}

/* The remote domain of port, or -1 unless it is interdomain. */
static long port_peer(struct sim_vcpu *sv, struct prog_state *st, uint32_t port)
{
    st->est = (struct evtchn_status){.dom = DOMID_SELF, .port = port};
    if (sim_hypercall(sv, __HYPERVISOR_event_channel_op, EVTCHNOP_status,
                      STATE_GPA(est), 0, 0, 0) ||
        st->est.status != EVTCHNSTAT_interdomain)
        return -1;
    return st->est.u.interdomain.dom;
}

/* Version, one frame, frame 0 (and status frame 0) in the physmap. */
static int granter_table(struct sim_vcpu *sv, struct prog_state *st,
                         const struct sim_start_info *si, unsigned int ver)
{
    long rc = 0;

    if (ver == 2) {
        st->gsv.version = 2;
        rc = gnttab_op(sv, GNTTABOP_set_version, STATE_GPA(gsv));
    }
    st->gst = (struct gnttab_setup_table){
        .dom = DOMID_SELF, .nr_frames = 1, .frame_list = STATE_GPA(gnt_frames)};
    if (!rc)
        rc = gnttab_op(sv, GNTTABOP_setup_table, STATE_GPA(gst));
    if (!rc && st->gst.status)
        rc = st->gst.status;
    st->xatp = (struct xen_add_to_physmap){
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_grant_table,
        .idx = 0,
        .gpfn = si->ram_pages + GNT_FRAME_ABOVE_RAM,
    };
    if (!rc)
        rc = sim_hypercall(sv, __HYPERVISOR_memory_op, XENMEM_add_to_physmap,
                           STATE_GPA(xatp), 0, 0, 0);
    st->xatp.idx = XENMAPIDX_grant_table_status;
    st->xatp.gpfn++;
    if (!rc && ver == 2)
        rc = sim_hypercall(sv, __HYPERVISOR_memory_op, XENMEM_add_to_physmap,
                           STATE_GPA(xatp), 0, 0, 0);
    if (rc)
        say(sv, st, "granter: FAIL grant table v%u: %ld", ver, rc);
    return rc ? -EIO : 0;
}

/* Fills in entry ref for the peer, flags last, as a guest must. */
static int granter_grant(struct sim_vcpu *sv, struct prog_state *st,
                         const struct sim_start_info *si, unsigned int ver,
                         uint32_t ref)
{
    uint8_t *frame =
        sim_gpa(sv, (si->ram_pages + GNT_FRAME_ABOVE_RAM) << 12, PAGE_BYTES);
    uint64_t *data = sim_gpa(sv, (uint64_t)SIM_DATA_GFN << 12, PAGE_BYTES);
    struct grant_entry_header *h;

    if (!frame || !data || ref >= PAGE_BYTES / (ver == 2 ? 16 : 8))
        return -EINVAL;
    data[1] = GNT_DATA_MAGIC;
    if (ver == 2) {
        union grant_entry_v2 *e = (union grant_entry_v2 *)frame + ref;

        e->full_page.frame = SIM_DATA_GFN;
        h = &e->hdr;
    } else {
        struct grant_entry_v1 *e = (struct grant_entry_v1 *)frame + ref;

        e->frame = SIM_DATA_GFN;
        h = (struct grant_entry_header *)e;
    }
    h->domid = (xen_domid_t)st->gnt_peer;
    __atomic_store_n(&h->flags, (uint16_t)GTF_permit_access, __ATOMIC_RELEASE);
    return 0;
}

static int64_t granter_step(struct sim_vcpu *sv)
{
    const struct sim_start_info *si = start_info(sv);
    struct prog_state *st = setup(sv, false);
    unsigned int ver;
    uint32_t ref, port;
    uint64_t *data;
    long peer = -1;

    if (!st || !si || si->ram_pages <= SIM_DATA_GFN)
        return -EINVAL;
    ver = cmdline_u64(si, "version", 1) == 2 ? 2 : 1;
    ref = (uint32_t)cmdline_u64(si, "ref", GNT_REF_DEFAULT);
    if (st->gnt_phase == 0) {
        if (granter_table(sv, st, si, ver))
            return fail(sv, st, "granter: FAIL");
        say(sv, st, "granter: table v%u, frame 0 at gfn %#llx", ver,
            (unsigned long long)(si->ram_pages + GNT_FRAME_ABOVE_RAM));
        st->gnt_phase = 1;
    }
    if (st->gnt_phase == 1) {
        /* The peer wires its port to us (its peer=); until then, wait. */
        for (port = 1; port < 64 && peer < 0; port++)
            peer = port_peer(sv, st, port);
        if (peer < 0)
            return 10 * STEP_IDLE_NS;
        st->gnt_peer = (uint32_t)peer;
        if (granter_grant(sv, st, si, ver, ref))
            return fail(sv, st, "granter: FAIL cannot write the grant");
        say(sv, st, "granter: granted ref %u to d%u", ref, st->gnt_peer);
        st->gnt_phase = 2;
    }
    data = sim_gpa(sv, (uint64_t)SIM_DATA_GFN << 12, PAGE_BYTES);
    if (!data)
        return fail(sv, st, "granter: FAIL data page unmapped");
    __atomic_store_n(&data[0], ++st->counter, __ATOMIC_RELEASE);
    if ((st->counter & (st->counter - 1)) == 0 || st->counter % 1000 == 0)
        say(sv, st, "granter: counter %llu", (unsigned long long)st->counter);
    return STEP_IDLE_NS;
}

static int64_t mapper_map(struct sim_vcpu *sv, struct prog_state *st,
                          const struct sim_start_info *si)
{
    long rc;

    st->gmap = (struct gnttab_map_grant_ref){
        .host_addr = (si->ram_pages + GNT_MAP_ABOVE_RAM) << 12,
        .flags =
            GNTMAP_host_map | (cmdline_u64(si, "ro", 0) ? GNTMAP_readonly : 0),
        .ref = (grant_ref_t)cmdline_u64(si, "ref", GNT_REF_DEFAULT),
        .dom = (xen_domid_t)st->gnt_peer,
    };
    rc = gnttab_op(sv, GNTTABOP_map_grant_ref, STATE_GPA(gmap));
    if (rc) {
        say(sv, st, "mapper: FAIL map_grant_ref: %ld", rc);
        return fail(sv, st, "mapper: FAIL");
    }
    if (st->gmap.status != GNTST_okay)
        return 10 * STEP_IDLE_NS; /* not granted yet: try again */
    st->gnt_handle = st->gmap.handle;
    st->gnt_phase = 2;
    say(sv, st, "mapper: mapped ref %u of d%u at gfn %#llx, handle %u%s",
        st->gmap.ref, st->gnt_peer,
        (unsigned long long)(si->ram_pages + GNT_MAP_ABOVE_RAM), st->gnt_handle,
        (st->gmap.flags & GNTMAP_readonly) ? " (ro)" : "");
    return STEP_IDLE_NS;
}

static int64_t mapper_step(struct sim_vcpu *sv)
{
    const struct sim_start_info *si = start_info(sv);
    struct prog_state *st = setup(sv, false);
    const uint64_t *data;
    uint64_t now;
    long peer;

    if (!st || !si)
        return -EINVAL;
    if (st->gnt_phase == 0) {
        peer = si->peer_port ? port_peer(sv, st, si->peer_port) : -1;
        if (peer < 0)
            return fail(sv, st, "mapper: FAIL no granter (peer=NAME)");
        st->gnt_peer = (uint32_t)peer;
        st->gnt_phase = 1;
    }
    if (st->gnt_phase == 1)
        return mapper_map(sv, st, si);
    data = sim_gpa(sv, (si->ram_pages + GNT_MAP_ABOVE_RAM) << 12, PAGE_BYTES);
    if (!data)
        return fail(sv, st, "mapper: FAIL the mapping is gone");
    now = __atomic_load_n(&data[0], __ATOMIC_ACQUIRE);
    if (data[1] != GNT_DATA_MAGIC || now < st->counter) {
        say(sv, st, "mapper: FAIL counter %llu after %llu, magic %#llx",
            (unsigned long long)now, (unsigned long long)st->counter,
            (unsigned long long)data[1]);
        return fail(sv, st, "mapper: FAIL");
    }
    st->counter = now;
    st->checks++;
    if ((st->checks & (st->checks - 1)) == 0 || st->checks % 1000 == 0)
        say(sv, st, "mapper: %llu checks, counter %llu",
            (unsigned long long)st->checks, (unsigned long long)now);
    return STEP_IDLE_NS;
}

static const struct sim_program programs[] = {
    {"memcheck", "fill and check its memory, a new pattern every pass",
     memcheck_step},
    {"ping", "send events to its peer (peer=NAME) and count the replies",
     ping_step},
    {"echo", "answer every event it receives", echo_step},
    {"idle", "do nothing", idle_step},
    {"granter", "grant a page to its peer and count up in it (ref=N)",
     granter_step},
    {"mapper", "map its peer's grant and check the count (peer=NAME ref=N)",
     mapper_step},
    {"fifo-ping", "ping over FIFO event channels (peer=NAME)",
     sim_fifo_ping_step},
    {"fifo-echo", "echo over FIFO event channels", sim_fifo_echo_step},
    {"fifo-sink", "take events on N FIFO ports, never consume, check them",
     sim_fifo_sink_step},
    {"fifo-send", "send once on each port of a fifo-sink (peer=SINK)",
     sim_fifo_send_step},
};

const struct sim_program *sim_program_find(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
        if (strcmp(programs[i].name, name) == 0)
            return &programs[i];
    return NULL;
}

const struct sim_program *sim_program_at(unsigned int i)
{
    return i < sizeof(programs) / sizeof(programs[0]) ? &programs[i] : NULL;
}

/* --- for the programs in other files (program.h) ------------------------ */

const struct sim_start_info *sim_prog_start_info(struct sim_vcpu *sv)
{
    return start_info(sv);
}

struct prog_state *sim_prog_setup(struct sim_vcpu *sv, bool need_shinfo)
{
    return setup(sv, need_shinfo);
}

void sim_prog_puts(struct sim_vcpu *sv, struct prog_state *st, const char *line)
{
    say(sv, st, "%s", line);
}

int64_t sim_prog_fail(struct sim_vcpu *sv, struct prog_state *st,
                      const char *what)
{
    return fail(sv, st, what);
}

uint64_t sim_prog_cmdline_u64(const struct sim_start_info *si, const char *key,
                              uint64_t dflt)
{
    return cmdline_u64(si, key, dflt);
}
