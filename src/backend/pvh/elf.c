/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ELF parsing for PVH kernels: ELF64, and ELF32 (including ELF32 images
 * whose machine is x86-64, as some kernels are linked), little-endian,
 * executables with PT_LOAD segments and a "Xen" note of type
 * XEN_ELFNOTE_PHYS32_ENTRY. Both classes are read through one pair of
 * field readers, so every bound is checked in one place.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backend/pvh/pvh.h"

#define MAX_PADDR (1ULL << 39) /* beyond any guest RAM xhv builds */

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen,
                                                      const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -ENOEXEC;
}

static uint64_t rd(const uint8_t *p, unsigned int size)
{
    uint64_t v = 0;
    unsigned int i;

    for (i = 0; i < size; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

struct elf_view {
    const uint8_t *img;
    size_t len;
    bool is64;
};

/* A program header's fields, whatever the class. */
static void phdr_read(const struct elf_view *e, const uint8_t *ph,
                      uint32_t *type, uint64_t *off, uint64_t *paddr,
                      uint64_t *filesz, uint64_t *memsz)
{
    *type = (uint32_t)rd(ph, 4);
    if (e->is64) {
        *off = rd(ph + 8, 8);
        *paddr = rd(ph + 24, 8);
        *filesz = rd(ph + 32, 8);
        *memsz = rd(ph + 40, 8);
    } else {
        *off = rd(ph + 4, 4);
        *paddr = rd(ph + 12, 4);
        *filesz = rd(ph + 16, 4);
        *memsz = rd(ph + 20, 4);
    }
}

static bool in_file(const struct elf_view *e, uint64_t off, uint64_t len)
{
    return off <= e->len && len <= e->len - off;
}

/* Looks for the Xen PHYS32_ENTRY note in [off, off + len). */
static int scan_notes(const struct elf_view *e, uint64_t off, uint64_t len,
                      bool *found, uint32_t *entry, char *err, size_t errlen)
{
    uint64_t end = off + len;

    while (off + 12 <= end) {
        uint64_t namesz = rd(e->img + off, 4), descsz = rd(e->img + off + 4, 4);
        uint32_t type = (uint32_t)rd(e->img + off + 8, 4);
        uint64_t name = off + 12, desc = name + ((namesz + 3) & ~3ULL);
        uint64_t next = desc + ((descsz + 3) & ~3ULL);

        if (next > end || next < off)
            return fail(err, errlen,
                        "note at offset %#llx overruns its "
                        "segment",
                        (unsigned long long)off);
        if (namesz == 4 && memcmp(e->img + name, "Xen", 4) == 0 &&
            type == XEN_ELFNOTE_PHYS32_ENTRY) {
            uint64_t v;

            if (descsz != 4 && descsz != 8)
                return fail(err, errlen, "PHYS32_ENTRY note of %llu bytes",
                            (unsigned long long)descsz);
            v = rd(e->img + desc, (unsigned int)descsz);
            if (v > UINT32_MAX)
                return fail(err, errlen,
                            "PHYS32_ENTRY %#llx is not a 32-bit "
                            "address",
                            (unsigned long long)v);
            *entry = (uint32_t)v;
            *found = true;
        }
        off = next;
    }
    return 0;
}

static int check_header(struct elf_view *e, uint64_t *phoff,
                        unsigned int *phnum, char *err, size_t errlen)
{
    const uint8_t *h = e->img;
    unsigned int machine, type, phentsize;

    if (e->len < EI_NIDENT || memcmp(h, ELFMAG, SELFMAG) != 0)
        return fail(err, errlen, "not an ELF file");
    if (h[EI_CLASS] != ELFCLASS32 && h[EI_CLASS] != ELFCLASS64)
        return fail(err, errlen, "unknown ELF class %u", h[EI_CLASS]);
    e->is64 = h[EI_CLASS] == ELFCLASS64;
    if (e->len < (e->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
        return fail(err, errlen, "ELF header truncated");
    if (h[EI_DATA] != ELFDATA2LSB || h[EI_VERSION] != EV_CURRENT)
        return fail(err, errlen, "not a little-endian ELF version 1 file");
    type = (unsigned int)rd(h + 16, 2);
    machine = (unsigned int)rd(h + 18, 2);
    if (type != ET_EXEC)
        return fail(err, errlen, "ELF type %u is not an executable", type);
    if (machine != EM_X86_64 && machine != EM_386)
        return fail(err, errlen, "ELF machine %u is not x86", machine);
    *phoff = e->is64 ? rd(h + 32, 8) : rd(h + 28, 4);
    phentsize = (unsigned int)rd(h + (e->is64 ? 54 : 42), 2);
    *phnum = (unsigned int)rd(h + (e->is64 ? 56 : 44), 2);
    if (phentsize != (e->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
        return fail(err, errlen, "program header size %u is wrong", phentsize);
    if (*phnum == 0 || *phnum > PVH_MAX_PHDRS)
        return fail(err, errlen, "%u program headers (1 to %u expected)",
                    *phnum, PVH_MAX_PHDRS);
    if (!in_file(e, *phoff, (uint64_t)*phnum * phentsize))
        return fail(err, errlen, "program headers lie outside the file");
    return 0;
}

static int add_segment(struct pvh_elf *out, uint64_t off, uint64_t paddr,
                       uint64_t filesz, uint64_t memsz, char *err,
                       size_t errlen)
{
    unsigned int i;

    if (filesz > memsz || memsz > MAX_PADDR || paddr > MAX_PADDR - memsz)
        return fail(err, errlen, "segment at %#llx has bad sizes",
                    (unsigned long long)paddr);
    for (i = 0; i < out->nr_segments; i++) {
        const struct pvh_elf_segment *s = &out->seg[i];

        if (paddr < s->paddr + s->memsz && s->paddr < paddr + memsz)
            return fail(err, errlen, "segments at %#llx and %#llx overlap",
                        (unsigned long long)s->paddr,
                        (unsigned long long)paddr);
    }
    out->seg[out->nr_segments++] =
        (struct pvh_elf_segment){paddr, filesz, memsz, off};
    if (memsz && (out->nr_segments == 1 || paddr < out->start))
        out->start = paddr;
    if (paddr + memsz > out->end)
        out->end = paddr + memsz;
    return 0;
}

int pvh_elf_parse(const uint8_t *img, size_t len, struct pvh_elf *out,
                  char *err, size_t errlen)
{
    struct elf_view e = {.img = img, .len = len};
    unsigned int phnum = 0, i, phsz;
    bool found = false;
    uint64_t phoff = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = check_header(&e, &phoff, &phnum, err, errlen);
    if (rc)
        return rc;
    phsz = e.is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    for (i = 0; i < phnum && !rc; i++) {
        uint64_t off, paddr, filesz, memsz;
        uint32_t type;

        phdr_read(&e, img + phoff + (uint64_t)i * phsz, &type, &off, &paddr,
                  &filesz, &memsz);
        if ((type == PT_LOAD || type == PT_NOTE) && !in_file(&e, off, filesz))
            return fail(err, errlen, "segment %u lies outside the file", i);
        if (type == PT_LOAD && memsz)
            rc = add_segment(out, off, paddr, filesz, memsz, err, errlen);
        else if (type == PT_NOTE)
            rc = scan_notes(&e, off, filesz, &found, &out->entry, err, errlen);
    }
    if (rc)
        return rc;
    if (out->nr_segments == 0)
        return fail(err, errlen, "no loadable segment");
    if (!found)
        return fail(err, errlen,
                    "not a PVH kernel: no XEN_ELFNOTE_PHYS32_"
                    "ENTRY note");
    if (out->entry < out->start || out->entry >= out->end)
        return fail(err, errlen, "entry point %#x is outside the image",
                    out->entry);
    return 0;
}
