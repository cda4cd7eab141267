/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PVH entry of the xhv test guest. The loader enters pvh_start in 32-bit
 * protected mode, paging off, with %ebx pointing at hvm_start_info
 * (docs/misc/pvh.pandoc). We build an identity map of the first 4 GiB with
 * 2 MiB pages, enter long mode and call guest_main(start_info).
 */
        .section .note.Xen, "a", @note
        .balign 4
        .long 4                 /* namesz: "Xen\0" */
        .long 4                 /* descsz */
        .long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
        .asciz "Xen"
        .long pvh_start

        .section .text.entry, "ax", @progbits
        .code32
        .globl pvh_start
pvh_start:
        cli
        cld
        mov     %ebx, %esi              /* keep start_info */
        lgdt    gdt_desc
        mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     $stack_top, %esp

        /* PML4[0] -> PDPT; PDPT[0..3] -> 4 page directories of 2 MiB
         * pages covering 0-4 GiB. */
        mov     $pdpt, %eax
        or      $0x3, %eax
        mov     %eax, pml4
        xor     %ecx, %ecx
1:      mov     %ecx, %eax
        shl     $12, %eax
        add     $pd, %eax
        or      $0x3, %eax
        mov     %eax, pdpt(,%ecx,8)
        inc     %ecx
        cmp     $4, %ecx
        jne     1b
        xor     %ecx, %ecx
2:      mov     %ecx, %eax
        shl     $21, %eax
        or      $0x83, %eax             /* present, writable, 2 MiB */
        mov     %eax, pd(,%ecx,8)
        mov     %ecx, %eax
        shr     $11, %eax               /* high bits of the 2 MiB frame */
        mov     %eax, pd+4(,%ecx,8)
        inc     %ecx
        cmp     $2048, %ecx
        jne     2b

        mov     %cr4, %eax
        or      $0x20, %eax             /* PAE */
        mov     %eax, %cr4
        mov     $pml4, %eax
        mov     %eax, %cr3
        mov     $0xc0000080, %ecx       /* EFER */
        rdmsr
        or      $0x100, %eax            /* LME */
        wrmsr
        mov     %cr0, %eax
        or      $0x80000001, %eax       /* PG | PE */
        mov     %eax, %cr0
        ljmp    $0x08, $long_mode

        .code64
long_mode:
        mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     $stack_top, %rsp
        mov     %esi, %edi              /* guest_main(start_info) */
        call    guest_main
3:      hlt
        jmp     3b

        .section .rodata
        .balign 8
gdt:
        .quad   0
        .quad   0x00af9a000000ffff      /* 0x08: 64-bit code */
        .quad   0x00cf92000000ffff      /* 0x10: data */
gdt_end:
gdt_desc:
        .word   gdt_end - gdt - 1
        .long   gdt

        .section .bss
        .balign 4096
pml4:   .skip   4096
pdpt:   .skip   4096
pd:     .skip   4096 * 4
stack:  .skip   16384
stack_top:
