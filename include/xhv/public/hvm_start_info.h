/* SPDX-License-Identifier: MIT */
/*
 * The PVH boot ABI (Xen's docs/misc/pvh.pandoc and public
 * arch-x86/hvm/start_info.h, as facts): the structure a PVH kernel finds
 * at %ebx when it enters at its XEN_ELFNOTE_PHYS32_ENTRY point, in 32-bit
 * protected mode with paging off.
 */
#ifndef XHV_PUBLIC_HVM_START_INFO_H
#define XHV_PUBLIC_HVM_START_INFO_H

#include <stddef.h>
#include <stdint.h>

#define XEN_HVM_START_MAGIC_VALUE 0x336ec578U

/* ELF note of type 18 in a note named "Xen": the 32-bit entry point. */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define XEN_HVM_MEMMAP_TYPE_RAM      1
#define XEN_HVM_MEMMAP_TYPE_RESERVED 2
#define XEN_HVM_MEMMAP_TYPE_ACPI     3
#define XEN_HVM_MEMMAP_TYPE_NVS      4
#define XEN_HVM_MEMMAP_TYPE_UNUSABLE 5
#define XEN_HVM_MEMMAP_TYPE_DISABLED 6
#define XEN_HVM_MEMMAP_TYPE_PMEM     7

struct hvm_start_info {
    uint32_t magic;
    uint32_t version; /* 1: has the memory map */
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};
_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info");
_Static_assert(offsetof(struct hvm_start_info, nr_modules) == 12, "nr_mod");
_Static_assert(offsetof(struct hvm_start_info, modlist_paddr) == 16, "mod");
_Static_assert(offsetof(struct hvm_start_info, cmdline_paddr) == 24, "cmd");
_Static_assert(offsetof(struct hvm_start_info, rsdp_paddr) == 32, "rsdp");
_Static_assert(offsetof(struct hvm_start_info, memmap_paddr) == 40, "mmap");
_Static_assert(offsetof(struct hvm_start_info, memmap_entries) == 48, "n");

struct hvm_modlist_entry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "modlist entry");

struct hvm_memmap_table_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "memmap entry");

#endif /* XHV_PUBLIC_HVM_START_INFO_H */
