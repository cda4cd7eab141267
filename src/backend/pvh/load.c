/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading a PVH kernel: segments copied to their physical addresses with
 * their bss zeroed, then one area after the kernel holding, in order,
 * hvm_start_info, the module list, the memory map and the command line,
 * then the ramdisk, page-aligned. Every byte goes through the P2M: a
 * destination outside the guest's RAM is an error, never a write
 * elsewhere.
 *
 *   kernel_end (page-aligned)
 *   +0      struct hvm_start_info
 *   +64     struct hvm_modlist_entry (one, for the ramdisk)
 *   +96     struct hvm_memmap_table_entry[nr_memmap]
 *   +...    command line, NUL-terminated
 *   next page: the ramdisk
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/pvh/pvh.h"

#define INFO_OFF    0
#define MODLIST_OFF 64
#define MEMMAP_OFF  96

static int write_guest(struct p2m *p, uint64_t gpa, const void *src,
                       uint64_t len)
{
    static const uint8_t zero[256];
    const uint8_t *s = src;

    while (len) {
        uint64_t room = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
        uint64_t n = len < room ? len : room;

        if (!src && n > sizeof(zero))
            n = sizeof(zero);
        if (p2m_copy(p, gpa, (void *)(src ? s : zero), n, true))
            return -ENOSPC;
        gpa += n;
        len -= n;
        if (src)
            s += n;
    }
    return 0;
}

static int load_segments(struct p2m *p, const struct pvh_image *img,
                         const struct pvh_elf *elf, char *err, size_t errlen)
{
    unsigned int i;

    for (i = 0; i < elf->nr_segments; i++) {
        const struct pvh_elf_segment *s = &elf->seg[i];

        if (write_guest(p, s->paddr, img->kernel + s->offset, s->filesz) ||
            write_guest(p, s->paddr + s->filesz, NULL, s->memsz - s->filesz)) {
            snprintf(err, errlen,
                     "kernel segment at %#llx-%#llx is not in "
                     "the guest's RAM",
                     (unsigned long long)s->paddr,
                     (unsigned long long)(s->paddr + s->memsz));
            return -ENOSPC;
        }
    }
    return 0;
}

static uint64_t page_up(uint64_t a)
{
    return (a + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
}

static int write_start_info(struct p2m *p, const struct pvh_image *img,
                            struct pvh_boot *b, char *err, size_t errlen)
{
    uint64_t base = b->start_info_gpa;
    uint64_t cmd = base + MEMMAP_OFF + img->nr_memmap * 24ULL;
    size_t cmdlen = img->cmdline ? strlen(img->cmdline) + 1 : 1;
    struct hvm_start_info si = {
        .magic = XEN_HVM_START_MAGIC_VALUE,
        .version = 1,
        .cmdline_paddr = cmd,
        .memmap_paddr = base + MEMMAP_OFF,
        .memmap_entries = img->nr_memmap,
    };
    struct hvm_modlist_entry mod = {0};
    int rc;

    if (img->ramdisk) {
        b->ramdisk_gpa = page_up(cmd + cmdlen);
        mod.paddr = b->ramdisk_gpa;
        mod.size = img->ramdisk_len;
        si.nr_modules = 1;
        si.modlist_paddr = base + MODLIST_OFF;
    }
    rc = write_guest(p, base + INFO_OFF, &si, sizeof(si));
    if (!rc)
        rc = write_guest(p, base + MODLIST_OFF, &mod, sizeof(mod));
    if (!rc)
        rc = write_guest(p, base + MEMMAP_OFF, img->memmap,
                         img->nr_memmap * 24ULL);
    if (!rc)
        rc = write_guest(p, cmd, img->cmdline ? img->cmdline : "", cmdlen);
    if (!rc && img->ramdisk)
        rc = write_guest(p, b->ramdisk_gpa, img->ramdisk, img->ramdisk_len);
    if (rc)
        snprintf(err, errlen, "guest RAM is too small for the kernel%s",
                 img->ramdisk ? ", its ramdisk and the boot information"
                              : " and the boot information");
    return rc;
}

int pvh_load(struct p2m *p, const struct pvh_image *img, struct pvh_boot *out,
             char *err, size_t errlen)
{
    struct pvh_elf elf;
    int rc;

    memset(out, 0, sizeof(*out));
    if (img->nr_memmap > PVH_MAX_MEMMAP ||
        (img->cmdline && strlen(img->cmdline) >= PVH_CMDLINE_MAX)) {
        snprintf(err, errlen, "memory map or command line too long");
        return -EINVAL;
    }
    rc = pvh_elf_parse(img->kernel, img->kernel_len, &elf, err, errlen);
    if (rc)
        return rc;
    rc = load_segments(p, img, &elf, err, errlen);
    if (rc)
        return rc;
    out->entry = elf.entry;
    out->kernel_start = elf.start;
    out->kernel_end = elf.end;
    out->start_info_gpa = page_up(elf.end);
    return write_start_info(p, img, out, err, errlen);
}
