#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes the smallest PVH kernel xhvd will boot: an ELF64 x86-64
executable with one PT_LOAD segment at 1 MiB and a "Xen" PT_NOTE of type
XEN_ELFNOTE_PHYS32_ENTRY pointing at it. The code is `sti; hlt; jmp .-1`:
where a backend runs it, the vCPU idles for ever without asking anything
of xhv, so a domain's state is only ever what the tests make it.

  mkpvh.py PATH
"""
import struct
import sys

LOAD = 0x100000
XEN_ELFNOTE_PHYS32_ENTRY = 18
CODE = bytes([0xFB, 0xF4, 0xEB, 0xFD])  # sti; hlt; jmp hlt


def image():
    ehdr_size, phdr_size = 64, 56
    note = struct.pack("<III", 4, 4, XEN_ELFNOTE_PHYS32_ENTRY) + b"Xen\0" + \
        struct.pack("<I", LOAD)
    note_off = ehdr_size + 2 * phdr_size
    code_off = note_off + len(note)
    ehdr = struct.pack(
        "<16sHHIQQQIHHHHHH",
        b"\x7fELF\x02\x01\x01" + b"\0" * 9,  # ELF64, LSB, version 1
        2, 62, 1,                            # ET_EXEC, EM_X86_64, EV_CURRENT
        LOAD, ehdr_size, 0,                  # entry, phoff, shoff
        0, ehdr_size, phdr_size, 2, 64, 0, 0)
    load = struct.pack("<IIQQQQQQ", 1, 5, code_off, LOAD, LOAD,
                       len(CODE), len(CODE), 4)  # PT_LOAD, R+X
    pnote = struct.pack("<IIQQQQQQ", 4, 4, note_off, 0, 0,
                        len(note), len(note), 4)      # PT_NOTE
    return ehdr + load + pnote + note + CODE


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], "wb") as f:
        f.write(image())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
