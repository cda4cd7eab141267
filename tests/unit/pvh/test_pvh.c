/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PVH loading: the real test guest ELF, synthesised ELF32 and ELF64
 * images, the hvm_start_info layout a kernel finds at %ebx, and a long
 * list of malformed images, each refused with a message and without
 * writing outside the guest's RAM. Every test ends with a deep audit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/pvh/pvh.h"
#include "domain/domain.h"
#include "xhv_test.h"

static const char *guest_path;
static struct domain *d;
static char err[256];

static const struct hvm_memmap_table_entry memmap[] = {
    {.addr = 0, .size = 8 << 20, .type = XEN_HVM_MEMMAP_TYPE_RAM},
    {.addr = 0xfc000000,
     .size = 0x4000000,
     .type = XEN_HVM_MEMMAP_TYPE_RESERVED},
};

static int setup(void **state)
{
    struct domain_params p = {
        .name = "pvh", .memory_pages = 8 << 8, .max_pages = 8 << 8, .vcpus = 1};

    (void)state;
    xt_mm_setup(32, 0);
    assert_int_equal(domain_create(&p, &d), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(domain_kill(d), 0);
    put_domain(d);
    xt_assert_audit_clean();
    xt_mm_teardown();
    return 0;
}

static void *gmem(uint64_t gpa)
{
    uint8_t *page = p2m_gfn_to_virt(&d->p2m, gpa >> PAGE_SHIFT);

    assert_non_null(page);
    return page + (gpa & (PAGE_SIZE - 1));
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void test_real_guest(void **state)
{
    static const uint8_t initrd[5000] = {1, 2, 3};
    struct pvh_image img = {.cmdline = "console=hvc0 test=hello",
                            .ramdisk = initrd,
                            .ramdisk_len = sizeof(initrd),
                            .memmap = memmap,
                            .nr_memmap = 2};
    struct hvm_start_info si;
    struct hvm_modlist_entry mod;
    struct hvm_memmap_table_entry mm[2];
    struct pvh_boot b;
    uint8_t *elf;
    size_t len;

    (void)state;
    elf = read_file(guest_path, &len);
    img.kernel = elf;
    img.kernel_len = len;
    assert_int_equal(pvh_load(&d->p2m, &img, &b, err, sizeof(err)), 0);
    assert_int_equal(b.entry, 0x100000);
    assert_int_equal(b.kernel_start, 0x100000);
    assert_true(b.start_info_gpa >= b.kernel_end);
    assert_int_equal(b.start_info_gpa & (PAGE_SIZE - 1), 0);
    /* The first bytes of .text are in place. */
    assert_memory_equal(gmem(0x100000), elf + 0x1000, 16);

    memcpy(&si, gmem(b.start_info_gpa), sizeof(si));
    assert_int_equal(si.magic, XEN_HVM_START_MAGIC_VALUE);
    assert_int_equal(si.version, 1);
    assert_int_equal(si.nr_modules, 1);
    assert_int_equal(si.memmap_entries, 2);
    assert_string_equal(gmem(si.cmdline_paddr), "console=hvc0 test=hello");
    memcpy(&mod, gmem(si.modlist_paddr), sizeof(mod));
    assert_int_equal(mod.paddr, b.ramdisk_gpa);
    assert_int_equal(mod.size, sizeof(initrd));
    assert_int_equal(mod.paddr & (PAGE_SIZE - 1), 0);
    assert_memory_equal(gmem(mod.paddr), initrd, 3);
    memcpy(mm, gmem(si.memmap_paddr), sizeof(mm));
    assert_memory_equal(mm, memmap, sizeof(mm));
    free(elf);
}

/* A minimal image: one PT_LOAD and one PT_NOTE, ELF32 or ELF64. */
struct synth {
    uint8_t buf[8192];
    size_t len;
};

static void synth_build(struct synth *s, bool is64, uint16_t machine,
                        uint64_t paddr, uint64_t filesz, uint64_t memsz,
                        uint64_t entry, unsigned int descsz)
{
    const size_t load_off = 0x1000, note_off = 0x800;
    uint8_t *note = s->buf + note_off;

    memset(s, 0, sizeof(*s));
    memcpy(s->buf, ELFMAG, SELFMAG);
    s->buf[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
    s->buf[EI_DATA] = ELFDATA2LSB;
    s->buf[EI_VERSION] = EV_CURRENT;
    /* note: namesz 4, descsz, type 18, "Xen\0", entry */
    memcpy(note, "\4\0\0\0", 4);
    note[4] = (uint8_t)descsz;
    note[8] = XEN_ELFNOTE_PHYS32_ENTRY;
    memcpy(note + 12, "Xen", 4);
    memcpy(note + 16, &entry, descsz > 8 ? 8 : descsz);
    memset(s->buf + load_off, 0xab, 256);
    s->len = load_off + 256;
    if (is64) {
        Elf64_Ehdr *eh = (Elf64_Ehdr *)s->buf;
        Elf64_Phdr *ph = (Elf64_Phdr *)(s->buf + sizeof(*eh));

        eh->e_type = ET_EXEC;
        eh->e_machine = machine;
        eh->e_phoff = sizeof(*eh);
        eh->e_phentsize = sizeof(*ph);
        eh->e_phnum = 2;
        ph[0] = (Elf64_Phdr){.p_type = PT_LOAD,
                             .p_offset = load_off,
                             .p_paddr = paddr,
                             .p_filesz = filesz,
                             .p_memsz = memsz};
        ph[1] = (Elf64_Phdr){.p_type = PT_NOTE,
                             .p_offset = note_off,
                             .p_filesz = 16 + ((descsz + 3) & ~3U)};
    } else {
        Elf32_Ehdr *eh = (Elf32_Ehdr *)s->buf;
        Elf32_Phdr *ph = (Elf32_Phdr *)(s->buf + sizeof(*eh));

        eh->e_type = ET_EXEC;
        eh->e_machine = machine;
        eh->e_phoff = sizeof(*eh);
        eh->e_phentsize = sizeof(*ph);
        eh->e_phnum = 2;
        ph[0] = (Elf32_Phdr){.p_type = PT_LOAD,
                             .p_offset = load_off,
                             .p_paddr = (uint32_t)paddr,
                             .p_filesz = (uint32_t)filesz,
                             .p_memsz = (uint32_t)memsz};
        ph[1] = (Elf32_Phdr){.p_type = PT_NOTE,
                             .p_offset = note_off,
                             .p_filesz = 16 + ((descsz + 3) & ~3U)};
    }
}

static int synth_load(struct synth *s, struct pvh_boot *b)
{
    struct pvh_image img = {.kernel = s->buf,
                            .kernel_len = s->len,
                            .memmap = memmap,
                            .nr_memmap = 1};

    return pvh_load(&d->p2m, &img, b, err, sizeof(err));
}

static void test_elf32_x86_64_and_bss(void **state)
{
    struct synth s;
    struct pvh_boot b;
    uint8_t *bss;

    (void)state;
    /* Stale bytes where the bss will be: loading must zero them. */
    memset(gmem(0x200000 + 256), 0xee, 512);
    synth_build(&s, false, EM_X86_64, 0x200000, 256, 768, 0x200010, 8);
    assert_int_equal(synth_load(&s, &b), 0);
    assert_int_equal(b.entry, 0x200010);
    assert_int_equal(b.kernel_end, 0x200000 + 768);
    assert_int_equal(*(uint8_t *)gmem(0x200000), 0xab);
    bss = gmem(0x200000 + 256);
    for (int i = 0; i < 512; i++)
        assert_int_equal(bss[i], 0);
    synth_build(&s, true, EM_X86_64, 0x300000, 256, 256, 0x300000, 4);
    assert_int_equal(synth_load(&s, &b), 0);
    assert_int_equal(b.entry, 0x300000);
}

static void expect_refused(struct synth *s, int rc, const char *words)
{
    struct pvh_boot b;

    assert_int_equal(synth_load(s, &b), rc);
    if (!strstr(err, words))
        fail_msg("message '%s' lacks '%s'", err, words);
}

static void test_malformed(void **state)
{
    struct synth s;
    Elf64_Ehdr *eh = (Elf64_Ehdr *)s.buf;
    Elf64_Phdr *ph = (Elf64_Phdr *)(s.buf + sizeof(Elf64_Ehdr));

    (void)state;
#define FRESH()                                                                \
    synth_build(&s, true, EM_X86_64, 0x200000, 256, 256, 0x200000, 4)
    FRESH();
    s.buf[0] = 0;
    expect_refused(&s, -ENOEXEC, "not an ELF");
    FRESH();
    s.len = 10;
    expect_refused(&s, -ENOEXEC, "not an ELF");
    FRESH();
    s.len = 40;
    expect_refused(&s, -ENOEXEC, "truncated");
    FRESH();
    s.buf[EI_CLASS] = 7;
    expect_refused(&s, -ENOEXEC, "class");
    FRESH();
    s.buf[EI_DATA] = ELFDATA2MSB;
    expect_refused(&s, -ENOEXEC, "little-endian");
    FRESH();
    eh->e_type = ET_DYN;
    expect_refused(&s, -ENOEXEC, "not an executable");
    FRESH();
    eh->e_machine = EM_AARCH64;
    expect_refused(&s, -ENOEXEC, "not x86");
    FRESH();
    eh->e_phnum = 0;
    expect_refused(&s, -ENOEXEC, "program headers");
    FRESH();
    eh->e_phnum = 1000;
    expect_refused(&s, -ENOEXEC, "program headers");
    FRESH();
    eh->e_phoff = 1ULL << 40;
    expect_refused(&s, -ENOEXEC, "outside the file");
    FRESH();
    eh->e_phentsize = 12;
    expect_refused(&s, -ENOEXEC, "header size");
    FRESH();
    ph[0].p_filesz = 1ULL << 62;
    expect_refused(&s, -ENOEXEC, "outside the file");
    FRESH();
    ph[0].p_memsz = 16; /* filesz 256 > memsz */
    expect_refused(&s, -ENOEXEC, "bad sizes");
    FRESH();
    ph[0].p_paddr = UINT64_MAX - 100;
    expect_refused(&s, -ENOEXEC, "bad sizes");
    FRESH();
    ph[1].p_type = PT_NULL; /* no note at all */
    expect_refused(&s, -ENOEXEC, "not a PVH kernel");
    FRESH();
    s.buf[0x800 + 8] = 17; /* a different note type */
    expect_refused(&s, -ENOEXEC, "not a PVH kernel");
    FRESH();
    s.buf[0x800 + 4] = 200; /* descsz overruns the segment */
    expect_refused(&s, -ENOEXEC, "overruns");
    FRESH();
    s.buf[0x800 + 4] = 2; /* a 2-byte entry */
    expect_refused(&s, -ENOEXEC, "PHYS32_ENTRY note of 2 bytes");
    FRESH();
    *(uint32_t *)(s.buf + 0x800 + 16) = 0x100; /* entry outside the image */
    expect_refused(&s, -ENOEXEC, "outside the image");
    FRESH();
    ph[1] = ph[0]; /* two overlapping loads, no note */
    ph[1].p_paddr += 16;
    expect_refused(&s, -ENOEXEC, "overlap");
    FRESH();
    ph[0].p_paddr = 0x7ff00000; /* beyond the 8 MiB of RAM */
    *(uint32_t *)(s.buf + 0x800 + 16) = 0x7ff00000;
    expect_refused(&s, -ENOSPC, "not in the guest's RAM");
#undef FRESH
}

static void test_no_room_for_start_info(void **state)
{
    struct synth s;
    struct pvh_boot b;

    (void)state;
    /* The image ends exactly at the end of RAM. */
    synth_build(&s, true, EM_X86_64, (8 << 20) - 256, 256, 256, (8 << 20) - 256,
                4);
    assert_int_equal(synth_load(&s, &b), -ENOSPC);
    assert_non_null(strstr(err, "too small"));
}

int main(int argc, char **argv)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_real_guest),
        T(test_elf32_x86_64_and_bss),
        T(test_malformed),
        T(test_no_room_for_start_info),
    };
#undef T
    if (argc < 2) {
        fprintf(stderr, "usage: %s TEST-GUEST-ELF\n", argv[0]);
        return 2;
    }
    guest_path = argv[1];
    return cmocka_run_group_tests_name("pvh", tests, NULL, NULL);
}
