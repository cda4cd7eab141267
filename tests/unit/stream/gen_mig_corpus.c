/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writes the seeds of the mig_stream fuzz target that hold the CPU
 * records: an image whose HVM_CONTEXT has every save record xhv carries
 * for two vCPUs (CPU, LAPIC, LAPIC_REGS, MTRR, CPU_XSAVE, CPU_MSR) with
 * XHV_KVM_VCPU records, and one of a four-vCPU sim guest; both with
 * X86_CPUID_POLICY and X86_MSR_POLICY of a fixed synthetic CPU. Run by
 * hand; the outputs are committed:
 *   gen_mig_corpus tests/fuzz/corpus/mig_stream
 * (The saved sim guests echo.sav and group.sav there come from xhv save.)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stream/mig.h"

static void cpu_fn(void *opaque, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    (void)opaque;
    r[0] = r[1] = r[2] = r[3] = 0;
    if (leaf == 0)
        r[0] = 0xd;
    else if (leaf == 1)
        r[2] = (1u << 26) | (1u << 28) | (1u << 31);
    else if (leaf == 4)
        r[0] = sub < 2 ? 0x21 : 0;
    else if (leaf == 0xd && sub == 0)
        r[0] = 7;
    else if (leaf == 0xd && sub == 2)
        r[0] = 256, r[1] = 576;
    else if (leaf == 0x40000000)
        r[0] = 0x40000005;
    else if (leaf == 0x80000000)
        r[0] = 0x80000008;
}

static int save(const char *dir, const char *name, const struct mig_membuf *m)
{
    char path[4096];
    FILE *f;
    int rc = 0;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f)
        return -errno;
    if (fwrite(m->buf, 1, m->len, f) != m->len)
        rc = -EIO;
    if (fclose(f))
        rc = -EIO;
    return rc;
}

static int rec(struct mig_writer *w, uint32_t type, const void *b, size_t n)
{
    struct mig_iov iov = {b, n};

    return mig_write_record(w, type, &iov, b ? 1 : 0);
}

/* The records every image starts with, up to STATIC_DATA_END, then one
 * page. */
static int head(struct mig_writer *w, uint32_t nr_vcpus)
{
    static struct mig_cpuid_leaf l[MIG_CPUID_POLICY_MAX];
    struct mig_msr_entry m[2] = {
        {MIG_MSR_PLATFORM_INFO, 0, MIG_PLATFORM_INFO_CPUID_FAULTING},
        {MIG_MSR_ARCH_CAPABILITIES, 0, 0x2b}};
    struct mig_xhv_domain d = {.nr_vcpus = nr_vcpus,
                               .memory_pages = 16,
                               .max_pages = 16,
                               .tot_pages = 16,
                               .backend = MIG_BACKEND_SIM};
    uint32_t n = mig_cpuid_policy_build(cpu_fn, NULL, l);
    uint64_t pfn = 3 | MIG_PFN_TYPE_XALLOC;
    int rc;

    strcpy(d.name, "seed");
    strcpy(d.backend_prog, "echo");
    rc = mig_write_headers(w);
    if (!rc)
        rc = rec(w, MIG_REC_XHV_DOMAIN, &d, sizeof(d));
    if (!rc)
        rc = rec(w, MIG_REC_X86_CPUID_POLICY, l, n * sizeof(l[0]));
    if (!rc)
        rc = rec(w, MIG_REC_X86_MSR_POLICY, m, sizeof(m));
    if (!rc)
        rc = rec(w, MIG_REC_STATIC_DATA_END, NULL, 0);
    if (!rc)
        rc = mig_write_page_data(w, &pfn, 1, NULL, 0);
    return rc;
}

static int full(const char *dir)
{
    static struct mig_hvm_ctx ctx;
    static struct mig_hvm_cpu cpu;
    static struct mig_hvm_lapic_regs regs;
    static uint64_t xsave[(600 + 256) / 8];
    struct mig_hvm_xsave *x = (void *)xsave;
    struct mig_hvm_lapic lapic = {.apic_base_msr = 0xfee00900,
                                  .timer_divisor = 2};
    struct mig_hvm_mtrr mtrr = {.msr_pat_cr = 0x0007040600070406ULL,
                                .msr_mtrr_cap = 0x508};
    struct mig_hvm_msr msrs[2] = {{0x48, 0, 1}, {0xda0, 0, 0x100}};
    struct mig_membuf m = {0};
    struct mig_writer w;
    uint32_t i;
    int rc;

    mig_hvm_cpu_reset(&cpu);
    cpu.flags = MIG_HVM_CPU_FPU_INITIALISED;
    cpu.pending_event = MIG_HVM_EV_VALID | 3u << 8 | 14;
    memset(regs.data, 0x11, sizeof(regs.data));
    x->xcr0 = x->xcr0_accum = 7;
    x->xstate_bv = 3;
    ctx.hdr = (struct mig_hvm_save_header){.magic = MIG_HVM_FILE_MAGIC,
                                           .version = MIG_HVM_FILE_VERSION,
                                           .cpuid = 0x906ea,
                                           .gtsc_khz = 2400000};
    ctx.nr_vcpus = 2;
    for (i = 0; i < 2; i++)
        ctx.vcpu[i] = (struct mig_hvm_vcpu){.cpu = &cpu,
                                            .lapic = &lapic,
                                            .lapic_regs = &regs,
                                            .mtrr = &mtrr,
                                            .xsave = x,
                                            .xsave_len = sizeof(xsave),
                                            .nr_msrs = i ? 2 : 0,
                                            .msrs = msrs};
    mig_writer_init(&w, mig_mem_write, &m);
    rc = head(&w, 2);
    if (!rc)
        rc = mig_write_hvm_context(&w, &ctx);
    for (i = 0; !rc && i < 2; i++) {
        struct mig_xhv_kvm_vcpu k = {.vcpu_id = i, .mp_state = i ? 1 : 3};

        rc = rec(&w, MIG_REC_XHV_KVM_VCPU, &k, sizeof(k));
    }
    if (!rc)
        rc = rec(&w, MIG_REC_END, NULL, 0);
    if (!rc)
        rc = save(dir, "hvm-full", &m);
    mig_membuf_free(&m);
    return rc;
}

static int sim(const char *dir)
{
    static struct mig_hvm_ctx ctx;
    static struct mig_hvm_cpu cpu;
    struct mig_membuf m = {0};
    struct mig_writer w;
    uint32_t i;
    int rc;

    mig_hvm_cpu_reset(&cpu);
    ctx.hdr = (struct mig_hvm_save_header){.magic = MIG_HVM_FILE_MAGIC,
                                           .version = MIG_HVM_FILE_VERSION};
    ctx.nr_vcpus = 4;
    for (i = 0; i < 4; i++)
        ctx.vcpu[i].cpu = &cpu;
    mig_writer_init(&w, mig_mem_write, &m);
    rc = head(&w, 4);
    if (!rc)
        rc = mig_write_hvm_context(&w, &ctx);
    if (!rc)
        rc = rec(&w, MIG_REC_END, NULL, 0);
    if (!rc)
        rc = save(dir, "hvm-sim4", &m);
    mig_membuf_free(&m);
    return rc;
}

int main(int argc, char **argv)
{
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    rc = full(argv[1]);
    if (!rc)
        rc = sim(argv[1]);
    if (rc)
        fprintf(stderr, "gen_mig_corpus: %s\n", strerror(-rc));
    return rc ? 1 : 0;
}
