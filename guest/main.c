/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test guest's C side (see guest.h). Everything here runs in guest
 * kernel mode with an identity map; it uses no library.
 */
#include "guest.h"
#include "xhv/public/hvm_start_info.h"
#include "xhv/public/hypercall.h"

static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));
static int have_hypercalls;

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
                  uint32_t *d)
{
    __asm__ volatile("cpuid"
                     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
                     : "a"(leaf), "c"(0));
}

static void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v),
                     "d"((uint32_t)(v >> 32)));
}

static void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

size_t str_len(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

int str_eq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

long hypercall(unsigned int nr, uint64_t a0, uint64_t a1, uint64_t a2,
               uint64_t a3, uint64_t a4)
{
    register uint64_t r10 __asm__("r10") = a3;
    register uint64_t r8 __asm__("r8") = a4;
    void *stub = hypercall_page + nr * 32;
    long ret;

    __asm__ volatile("call *%[stub]"
                     : "=a"(ret), "+D"(a0), "+S"(a1), "+d"(a2), "+r"(r10),
                       "+r"(r8)
                     : [stub] "r"(stub)
                     : "memory", "rcx", "r9", "r11");
    return ret;
}

void print(const char *s)
{
    size_t n = str_len(s), i;

    if (have_hypercalls) {
        hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, n,
                  (uint64_t)(uintptr_t)s, 0, 0);
        return;
    }
    for (i = 0; i < n; i++)
        outb(0x3f8, (uint8_t)s[i]); /* early: the 16550 */
}

void print_hex(uint64_t v)
{
    char buf[19] = "0x";
    int i;

    for (i = 0; i < 16; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
    buf[18] = '\0';
    print(buf);
}

_Noreturn void finish(int pass, const char *why)
{
    struct sched_shutdown s = {.reason =
                                   pass ? SHUTDOWN_poweroff : SHUTDOWN_crash};

    print(pass ? "PASS" : "FAIL: ");
    if (!pass)
        print(why);
    print("\n");
    if (have_hypercalls)
        hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown,
                  (uint64_t)(uintptr_t)&s, 0, 0, 0);
    /* Not on Xen or xhv (the boot-path test under plain QEMU): QEMU's
     * isa-debug-exit device on port 0xf4 ends the run with a status.
     * Under xhv nothing backs the port and the write is dropped. */
    outb(0xf4, pass ? 0 : 1);
    for (;;)
        __asm__ volatile("hlt");
}

/* Finds the Xen leaves and installs the hypercall page. */
static int discover_xen(void)
{
    uint32_t base, a, b, c, d;

    for (base = 0x40000000; base < 0x40010000; base += 0x100) {
        cpuid(base, &a, &b, &c, &d);
        if (b == 0x566e6558 && c == 0x65584d4d && d == 0x4d4d566e &&
            a >= base + 2)
            break; /* "XenVMMXenVMM" */
    }
    if (base >= 0x40010000)
        return 0;
    cpuid(base + 2, &a, &b, &c, &d);
    wrmsr(b, (uint64_t)(uintptr_t)hypercall_page);
    have_hypercalls = 1;
    return 1;
}

/* test=NAME from the command line, or "" */
static const char *test_name(const struct hvm_start_info *si)
{
    const char *p = (const char *)(uintptr_t)si->cmdline_paddr;

    for (; p && *p; p++)
        if (p[0] == 't' && p[1] == 'e' && p[2] == 's' && p[3] == 't' &&
            p[4] == '=')
            return p + 5;
    return "";
}

static void test_version(void)
{
    long v = hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);

    if (v < (4 << 16))
        finish(0, "xen_version too old");
    print("xen_version ");
    print_hex((uint64_t)v);
    print("\n");
}

void guest_main(const struct hvm_start_info *si);

void guest_main(const struct hvm_start_info *si)
{
    char name[64];
    const char *t;
    size_t i;

    if (si->magic != XEN_HVM_START_MAGIC_VALUE)
        finish(0, "bad hvm_start_info magic");
    if (!discover_xen())
        finish(0, "no Xen CPUID leaves");
    print("xhv test guest\n");
    t = test_name(si);
    for (i = 0; i < sizeof(name) - 1 && t[i] && t[i] != ' '; i++)
        name[i] = t[i];
    name[i] = '\0';
    if (str_eq(name, "hello") || name[0] == '\0')
        finish(1, "");
    if (str_eq(name, "idle")) {
        /* Stays up until destroyed: what the demo runs. */
        print("idle\n");
        for (;;)
            __asm__ volatile("hlt");
    }
    if (str_eq(name, "version")) {
        test_version();
        finish(1, "");
    }
    finish(0, "unknown test");
}
