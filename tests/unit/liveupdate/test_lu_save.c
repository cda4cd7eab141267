/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The old xhvd's side of a live update, in one process: lu_save() of a
 * machine with two sim domains (an interdomain channel, a VIRQ, console
 * output, a moved shared_info), read back by the stream reader.
 *
 * The two halves of a real update run in two processes (the integration
 * test does that); here what can be checked alone is: the stream is
 * valid and says what the machine holds, every failure frees every
 * record page (fault loop), and the memory generation moves exactly when
 * a guest's memory does.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hc_test.h"
#include "liveupdate/lu.h"
#include "stream/stream.h"
#include "xhv/public/event_channel.h"
#include "xhv/public/hypercall.h"
#include "xhv/public/memory.h"
#include "xhv_test.h"

static struct domain *da, *db;
static evtchn_port_t pa, pb;

static int setup(void **state)
{
    (void)state;
    da = hc_setup(64, 8, "a", 8, 2);
    db = hc_domain_create("b", 4, 1);
    assert_int_equal(evtchn_alloc_unbound(db, (xen_domid_t)da->domid, &pb), 0);
    assert_int_equal(evtchn_bind_interdomain(da, db, pb, &pa), 0);
    domain_console_write(da, "hello\n", 6);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hc_domain_destroy(db);
    hc_teardown(&da);
    return 0;
}

static const struct lu_save_info si = {.generation = 3, .scratch_half = 0};

/* What the stream says, as the new xhvd would learn it. */
struct seen {
    unsigned int domains, ports, vcpus, consoles, configs;
    uint64_t ram_pages, extra_pages, extents;
    uint64_t features;
    unsigned int fifo_domains, fifo_records, fifo_tail7;
};

static int on_header(void *o, const struct lu_rec_header *h)
{
    struct seen *s = o;

    s->features = h->features;
    return 0;
}

static int on_domain(void *o, const struct lu_rec_domain *d)
{
    struct seen *s = o;

    s->domains++;
    if (d->evtchn_abi == LU_EVTCHN_FIFO)
        s->fifo_domains++;
    return 0;
}

static int on_fifo(void *o, uint16_t domid, const struct lu_fifo_control *c,
                   uint32_t nr_control, const uint64_t *array_gfn,
                   uint32_t nr_array)
{
    struct seen *s = o;

    assert_int_equal(domid, db->domid);
    assert_int_equal(nr_control, 1);
    assert_int_equal(c[0].gfn, 0x50);
    assert_int_equal(nr_array, 1);
    assert_int_equal(array_gfn[0], 0x60);
    s->fifo_records++;
    s->fifo_tail7 = c[0].tail[EVTCHN_FIFO_PRIORITY_DEFAULT];
    return 0;
}

static int on_ranges(void *o, const struct lu_page_range *r, uint32_t n)
{
    struct seen *s = o;
    uint32_t i;

    for (i = 0; i < n; i++) {
        if (r[i].kind == LU_PAGE_RAM)
            s->ram_pages += r[i].nr;
        else
            s->extra_pages += r[i].nr;
    }
    return 0;
}

static int on_p2m(void *o, uint16_t domid, const struct lu_p2m_extent *e,
                  uint32_t n)
{
    struct seen *s = o;

    (void)domid, (void)e;
    s->extents += n;
    return 0;
}

static int on_vcpu(void *o, const struct lu_rec_vcpu *v, const void *blob)
{
    struct seen *s = o;

    (void)v, (void)blob;
    s->vcpus++;
    return 0;
}

static int on_ports(void *o, uint16_t domid, const struct lu_evtchn_port *p,
                    uint32_t n)
{
    struct seen *s = o;
    uint32_t i;

    (void)domid;
    for (i = 0; i < n; i++)
        if (p[i].state == LU_EVTCHN_INTERDOMAIN)
            s->ports++;
    return 0;
}

static int on_console(void *o, const struct lu_rec_console *c, const void *r)
{
    struct seen *s = o;

    if (c->ring_len == 6 && memcmp(r, "hello\n", 6) == 0)
        s->consoles++;
    return 0;
}

static int on_domcfg(void *o, uint16_t domid, const char *text, uint32_t len)
{
    struct seen *s = o;

    if (domid == da->domid && len == 5 && memcmp(text, "{\"a\"}", 5) == 0)
        s->configs++;
    return 0;
}

static const char *config_get(uint32_t domid, void *opaque)
{
    (void)opaque;
    return domid == da->domid ? "{\"a\"}" : NULL;
}

static void read_back(struct lu_image *img, struct seen *s)
{
    static const struct lu_apply_ops ops = {
        .header = on_header,
        .evtchn_fifo = on_fifo,
        .domcfg = on_domcfg,
        .domain = on_domain,
        .page_ranges = on_ranges,
        .p2m = on_p2m,
        .vcpu = on_vcpu,
        .evtchn_ports = on_ports,
        .console = on_console,
    };
    const void *pages[64];
    struct lu_reader *r = NULL;
    size_t i;

    assert_true(img->nr <= 64);
    for (i = 0; i < img->nr; i++)
        pages[i] = mfn_to_virt(img->mfns[i]);
    memset(s, 0, sizeof(*s));
    assert_int_equal(lu_reader_open_pages(&r, pages, img->nr, img->len), 0);
    if (lu_reader_validate(r, img->crc))
        fail_msg("the stream does not validate: %s", lu_stream_error(r));
    assert_int_equal(lu_reader_apply(r, &ops, s), 0);
    lu_reader_free(r);
}

static void test_save_all(void **state)
{
    struct lu_image img = {0};
    struct seen s;
    char err[256] = "";

    (void)state;
    lu_set_config_hooks(&(struct lu_config_hooks){.get = config_get});
    assert_int_equal(lu_check(err, sizeof(err)), 0);
    assert_int_equal(
        lu_save(&si, LU_SAVE_MEMORY | LU_SAVE_STATE, &img, err, sizeof(err)),
        0);
    lu_set_config_hooks(&(struct lu_config_hooks){0});
    read_back(&img, &s);
    assert_int_equal(s.domains, 2);
    assert_int_equal(s.ram_pages, (8 + 4) << 8);
    assert_int_equal(s.extra_pages, 2); /* the two shared_info pages */
    assert_true(s.extents >= 2);
    assert_int_equal(s.vcpus, 3);
    assert_int_equal(s.ports, 2); /* both ends of the channel */
    assert_int_equal(s.consoles, 1);
    assert_int_equal(s.configs, 1); /* the toolstack's config, for one */
    /* The record pages belong to the LU owner, outside scratch. */
    assert_true(img.nr >= 1);
    assert_false(mfn_in_scratch(img.mfns[0]));
    lu_image_release(&img);
    xt_assert_audit_clean();
}

/* The two parts transfer mode sends: memory first, state in the blackout. */
static void test_save_parts(void **state)
{
    struct lu_image mem = {0}, st = {0};
    struct seen s;
    char err[256] = "";

    (void)state;
    assert_int_equal(lu_save(&si, LU_SAVE_MEMORY, &mem, err, sizeof(err)), 0);
    read_back(&mem, &s);
    assert_int_equal(s.domains, 2);
    assert_int_equal(s.ram_pages, (8 + 4) << 8);
    assert_int_equal(s.vcpus, 0);
    assert_int_equal(s.ports, 0);
    assert_int_equal(lu_save(&si, LU_SAVE_STATE, &st, err, sizeof(err)), 0);
    read_back(&st, &s);
    assert_int_equal(s.domains, 2);
    assert_int_equal(s.ram_pages, 0);
    assert_int_equal(s.extents, 0);
    assert_int_equal(s.vcpus, 3);
    assert_int_equal(s.ports, 2);
    lu_image_release(&st);
    lu_image_release(&mem);
    xt_assert_audit_clean();
}

/* The memory generation: moved by a guest reshaping its physmap, not by
 * what else a guest does. */
static void test_memory_gen(void **state)
{
    struct xen_add_to_physmap xatp = {
        .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .gpfn = 0x10};
    struct evtchn_send snd = {.port = pa};
    uint64_t g0, g1;

    (void)state;
    g0 = lu_memory_gen();
    assert_int_equal(lu_memory_gen(), g0);
    memcpy(hc_mem(da, 0x3000), &snd, sizeof(snd));
    assert_int_equal(hc_call(da, __HYPERVISOR_event_channel_op, EVTCHNOP_send,
                             0x3000, 0, 0, 0),
                     0);
    assert_int_equal(lu_memory_gen(), g0);
    memcpy(hc_mem(da, 0x3000), &xatp, sizeof(xatp));
    assert_int_equal(hc_call(da, __HYPERVISOR_memory_op, XENMEM_add_to_physmap,
                             0x3000, 0, 0, 0),
                     0);
    g1 = lu_memory_gen();
    assert_true(g1 != g0);
}

/* Pages reserved before the blackout are the ones the writer fills. */
static void test_reserve(void **state)
{
    struct lu_image img = {0};
    struct seen s;
    char err[256] = "";
    size_t reserved;

    (void)state;
    assert_int_equal(
        lu_image_reserve(&img, &si, LU_SAVE_STATE, err, sizeof(err)), 0);
    reserved = img.pool_n;
    assert_true(reserved >= 5); /* at least the margin */
    assert_false(mfn_in_scratch(img.pool[0]));
    assert_int_equal(lu_save(&si, LU_SAVE_STATE, &img, err, sizeof(err)), 0);
    /* Every page the stream took came from the reserve. */
    assert_int_equal(img.pool_n + img.nr, reserved);
    read_back(&img, &s);
    assert_int_equal(s.vcpus, 3);
    lu_image_release(&img);
    xt_assert_audit_clean();
}

/* Every allocation of the writer failing in turn: an error, and not one
 * record page or byte left behind (xt_fault_loop checks both). */
static int save_scenario(void *ctx)
{
    struct lu_image *img = ctx;
    char err[256] = "";

    return lu_save(&si, LU_SAVE_MEMORY | LU_SAVE_STATE, img, err, sizeof(err));
}

static void save_check(void *ctx, int rc)
{
    struct lu_image *img = ctx;

    if (!rc)
        lu_image_release(img);
    else
        assert_int_equal(img->nr, 0);
    xt_assert_audit_clean();
}

static void test_save_fault_loop(void **state)
{
    struct lu_image img = {0};
    unsigned long points;

    (void)state;
    points = xt_fault_loop("*", save_scenario, save_check, &img);
    /* At least: the snapshot, the writer, a record page, the arrays. */
    assert_true(points >= 4);
}

/* What lu_check() refuses, before anything stops. */
static void test_check_refuses_dying(void **state)
{
    char err[256] = "";

    (void)state;
    domain_lock(db);
    db->state = DOMAIN_DYING;
    domain_unlock(db);
    assert_int_equal(lu_check(err, sizeof(err)), -EBUSY);
    assert_non_null(strstr(err, "being destroyed"));
    domain_lock(db);
    db->state = DOMAIN_RUNNING;
    domain_unlock(db);
}

/* b switches to FIFO as a guest does: control block at gfn 0x50, one
 * array page at 0x60. */
static void fifo_up_b(void)
{
    struct evtchn_init_control ic = {.control_gfn = 0x50};
    struct evtchn_expand_array ea = {.array_gfn = 0x60};

    memcpy(hc_mem(db, 0x3000), &ic, sizeof(ic));
    assert_int_equal(hc_call(db, __HYPERVISOR_event_channel_op,
                             EVTCHNOP_init_control, 0x3000, 0, 0, 0),
                     0);
    memcpy(hc_mem(db, 0x3000), &ea, sizeof(ea));
    assert_int_equal(hc_call(db, __HYPERVISOR_event_channel_op,
                             EVTCHNOP_expand_array, 0x3000, 0, 0, 0),
                     0);
}

static uint32_t word_of(evtchn_port_t p)
{
    uint32_t *w = hc_mem(db, 0x60000 + p * 4);

    return __atomic_load_n(w, __ATOMIC_SEQ_CST);
}

/* A FIFO domain: carried (DOMAIN says FIFO, its EVTCHN_FIFO record with
 * the tail, the mandatory feature bit); the blackout's write freezes its
 * state (an event is held, not linked) until unparking thaws it, the
 * rehearsal's does not. */
static void test_save_fifo(void **state)
{
    struct lu_image img = {0};
    struct seen s;
    char err[256] = "";

    (void)state;
    fifo_up_b();
    assert_int_equal(evtchn_send(da, pa), 0);
    assert_int_equal(word_of(pb) >> EVTCHN_FIFO_LINKED & 1, 1);
    assert_int_equal(lu_check(err, sizeof(err)), 0);
    assert_int_equal(
        lu_image_reserve(&img, &si, LU_SAVE_STATE, err, sizeof(err)), 0);
    assert_int_equal(lu_save(&si, LU_SAVE_STATE, &img, err, sizeof(err)), 0);
    read_back(&img, &s);
    assert_int_equal(s.features, LU_FEAT_EVTCHN_FIFO);
    assert_int_equal(s.fifo_domains, 1);
    assert_int_equal(s.fifo_records, 1);
    assert_int_equal(s.fifo_tail7, pb);
    lu_image_release(&img);
    /* Frozen since the save: da's event for pb is held. */
    __atomic_store_n((uint32_t *)hc_mem(db, 0x60000 + pb * 4), 0,
                     __ATOMIC_SEQ_CST);
    assert_int_equal(evtchn_send(da, pa), 0);
    assert_int_equal(word_of(pb), 0);
    sim_domain_unpark(db); /* the rollback's unpark thaws */
    assert_int_equal(word_of(pb),
                     (1u << EVTCHN_FIFO_PENDING) | (1u << EVTCHN_FIFO_LINKED));
    xt_assert_audit_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_save_all),   T(test_save_parts),
        T(test_memory_gen), T(test_save_fault_loop),
        T(test_reserve),    T(test_check_refuses_dying),
        T(test_save_fifo),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
