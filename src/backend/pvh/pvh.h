/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PVH boot: loading a kernel ELF into a domain's guest-physical memory and
 * building the hvm_start_info it finds at %ebx (Xen's docs/misc/pvh.pandoc).
 * Backend-neutral: it writes guest memory through the P2M only; setting
 * the vCPU's registers for the 32-bit entry is the backend's part.
 *
 * The kernel image is untrusted input: every header, offset, size and
 * address is checked before anything is written, and a bad image is
 * refused with a message saying what is wrong.
 */
#ifndef XHV_BACKEND_PVH_PVH_H
#define XHV_BACKEND_PVH_PVH_H

#include <stddef.h>
#include <stdint.h>

#include "p2m/p2m.h"
#include "xhv/public/hvm_start_info.h"

#define PVH_MAX_MEMMAP  16
#define PVH_CMDLINE_MAX 4096
#define PVH_MAX_PHDRS   64

struct pvh_image {
    const uint8_t *kernel;
    size_t kernel_len;
    const uint8_t *ramdisk; /* may be NULL */
    size_t ramdisk_len;
    const char *cmdline; /* may be NULL */
    const struct hvm_memmap_table_entry *memmap;
    unsigned int nr_memmap;
};

struct pvh_boot {
    uint32_t entry;          /* XEN_ELFNOTE_PHYS32_ENTRY */
    uint64_t start_info_gpa; /* what %ebx holds at entry */
    uint64_t kernel_start, kernel_end;
    uint64_t ramdisk_gpa; /* 0 without a ramdisk */
};

/* ELF parsing only (elf.c): the entry point and the loaded range. */
struct pvh_elf_segment {
    uint64_t paddr, filesz, memsz, offset;
};

struct pvh_elf {
    uint32_t entry;
    unsigned int nr_segments;
    struct pvh_elf_segment seg[PVH_MAX_PHDRS];
    uint64_t start, end; /* lowest and highest loaded address */
};

int pvh_elf_parse(const uint8_t *img, size_t len, struct pvh_elf *out,
                  char *err, size_t errlen);

/* Parses, loads and builds start info; on error nothing is reported as
 * loaded (guest memory may hold partial bytes: the domain is not run). */
int pvh_load(struct p2m *p, const struct pvh_image *img, struct pvh_boot *out,
             char *err, size_t errlen);

#endif /* XHV_BACKEND_PVH_PVH_H */
