/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xhv test guest: a freestanding PVH kernel. It discovers "Xen"
 * through CPUID, installs the hypercall page, runs the test named by
 * test=NAME on its command line, and reports PASS or FAIL with a reason
 * on the console and through SCHEDOP_shutdown (poweroff for PASS, crash
 * for FAIL).
 */
#ifndef XHV_GUEST_GUEST_H
#define XHV_GUEST_GUEST_H

#include <stddef.h>
#include <stdint.h>

long hypercall(unsigned int nr, uint64_t a0, uint64_t a1, uint64_t a2,
               uint64_t a3, uint64_t a4);
void print(const char *s);
void print_hex(uint64_t v);
size_t str_len(const char *s);
int str_eq(const char *a, const char *b);
_Noreturn void finish(int pass, const char *why);

#endif /* XHV_GUEST_GUEST_H */
