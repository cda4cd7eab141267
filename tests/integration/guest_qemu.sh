#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The test guest's boot path, checked without KVM: plain QEMU (TCG) boots
# the ELF through its own PVH loader, so the guest's 32-bit entry, the
# switch to long mode, its C code, hvm_start_info and the UART all run for
# real. QEMU is not Xen, so the guest must find no Xen CPUID leaves, say
# so, and leave through QEMU's isa-debug-exit port with status 1.
set -u
. "$(dirname "$0")/lib.sh"

GUEST=${XHV_TEST_GUEST:?}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

timeout 120 qemu-system-x86_64 -machine q35 -accel tcg -m 64 \
    -nographic -no-reboot -display none -monitor none -serial "file:$out" \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$GUEST" -append "console=hvc0 test=hello" </dev/null \
    >/dev/null 2>&1
status=$?

# isa-debug-exit: QEMU exits with (value << 1) | 1; the guest wrote 1.
is "$status" 3 "QEMU ended through the guest's debug-exit write"
grep -q "FAIL: no Xen CPUID leaves" "$out"
ok $? "the guest ran its C code, read hvm_start_info and wrote to the UART"
grep -q "bad hvm_start_info magic" "$out"
[ $? -ne 0 ]
ok $? "hvm_start_info was found at %ebx with the right magic"
[ "$(grep -c "FAIL" "$out")" -eq 1 ]
ok $? "it reported exactly once"
done_testing
