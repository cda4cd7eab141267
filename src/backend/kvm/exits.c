/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM exits (the one long switch the house style allows): hypercalls
 * through the stub's OUT, the 16550 UART on 0x3f8, the hypercall-page MSR,
 * and everything nothing backs: port reads return all-ones, writes are
 * dropped, MMIO likewise, each logged at a limited rate; the guest goes
 * on. A triple fault or an internal KVM error crashes the domain.
 */
#include <errno.h>
#include <string.h>

#include "backend/kvm/private.h"
#include "hypercall/hypercall.h"
#include "lib/log.h"

#define UART_BASE          0x3f8
#define UART_LSR_IDLE      0x60 /* transmitter empty, holding register empty */
#define UART_LCR           3
#define UART_LCR_DLAB      0x80 /* registers 0 and 1 are the divisor latch */
#define UNBACKED_LOG_LIMIT 32

void kvm_log_unbacked(struct kvm_dom *kd, const char *what, uint64_t addr)
{
    uint64_t n = __atomic_fetch_add(&kd->unbacked_logged, 1, __ATOMIC_RELAXED);

    if (n < UNBACKED_LOG_LIMIT)
        log_warn("kvm", "d%u: %s %#llx: nothing there%s", kd->d->domid, what,
                 (unsigned long long)addr,
                 n + 1 == UNBACKED_LOG_LIMIT ? " (no more of these logged)"
                                             : "");
}

static void uart_io(struct kvm_vcpu *kv, uint16_t port, bool out, uint8_t *b)
{
    struct kvm_dom *kd = kv->kd;
    unsigned int reg = port - UART_BASE;
    /* With DLAB set, register 0 is the divisor's low byte (kept in
     * uart_regs[0], which THR never uses), not a character: Linux's
     * early serial setup writes the divisor there. */
    bool dlab = kd->uart_regs[UART_LCR] & UART_LCR_DLAB;

    if (out) {
        if (reg == 0 && !dlab) {
            domain_console_write(kd->d, (const char *)b, 1);
            return;
        }
        kd->uart_regs[reg] = *b;
        return;
    }
    switch (reg) {
    case 0:
        *b = dlab ? kd->uart_regs[0] : 0; /* no input */
        break;
    case 2:
        *b = 0x01; /* IIR: no interrupt pending */
        break;
    case 5:
        *b = UART_LSR_IDLE;
        break;
    default:
        *b = kd->uart_regs[reg];
        break;
    }
}

/* The guest's hypercall stub executed OUT: arguments are in registers. */
static void hypercall_exit(struct kvm_vcpu *kv)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct hcall h;

    if (kvm_ioctl(kv->fd, KVM_GET_REGS, &regs) < 0 ||
        kvm_ioctl(kv->fd, KVM_GET_SREGS, &sregs) < 0)
        return;
    h = (struct hcall){
        .op = regs.rax & 0xffffffff,
        .arg = {regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8},
        .user_mode = (sregs.cs.selector & 3) != 0,
    };
    regs.rax = (uint64_t)hypercall_dispatch(kv->v, &h);
    kvm_ioctl(kv->fd, KVM_SET_REGS, &regs);
}

static void io_exit(struct kvm_vcpu *kv)
{
    struct kvm_run *r = kv->run;
    uint8_t *data = (uint8_t *)r + r->io.data_offset;
    bool out = r->io.direction == KVM_EXIT_IO_OUT;
    uint32_t i;

    if (out && r->io.port == KVM_HCALL_PORT && r->io.size == 4) {
        hypercall_exit(kv);
        return;
    }
    for (i = 0; i < r->io.count; i++, data += r->io.size) {
        if (r->io.port >= UART_BASE && r->io.port < UART_BASE + 8 &&
            r->io.size == 1) {
            uart_io(kv, r->io.port, out, data);
            continue;
        }
        if (!out)
            memset(data, 0xff, r->io.size);
        kvm_log_unbacked(kv->kd, out ? "port write" : "port read", r->io.port);
    }
}

/* Stubs of 32 bytes: mov $nr, %eax; out %eax, $KVM_HCALL_PORT; ret. */
static int fill_hypercall_page(struct kvm_vcpu *kv, uint64_t gpa)
{
    uint8_t page[PAGE_SIZE];
    unsigned int i;

    memset(page, 0xcc, sizeof(page)); /* int3 between stubs */
    for (i = 0; i < PAGE_SIZE / 32; i++) {
        uint8_t *s = page + i * 32;

        s[0] = 0xb8;
        memcpy(s + 1, &i, 4);
        s[5] = 0xe7;
        s[6] = KVM_HCALL_PORT;
        s[7] = 0xc3;
    }
    return p2m_copy(&kv->kd->d->p2m, gpa, page, sizeof(page), true);
}

static void wrmsr_exit(struct kvm_vcpu *kv)
{
    struct kvm_run *r = kv->run;

    r->msr.error = 1; /* #GP unless handled */
    if (r->msr.index != XEN_HYPERCALL_MSR)
        return;
    /* The low 12 bits pick the page of a multi-page area: only 0 exists. */
    if ((r->msr.data & (PAGE_SIZE - 1)) == 0 &&
        fill_hypercall_page(kv, r->msr.data) == 0)
        r->msr.error = 0;
}

static void mmio_exit(struct kvm_vcpu *kv)
{
    struct kvm_run *r = kv->run;

    if (!r->mmio.is_write)
        memset(r->mmio.data, 0xff, sizeof(r->mmio.data));
    kvm_log_unbacked(kv->kd, r->mmio.is_write ? "MMIO write" : "MMIO read",
                     r->mmio.phys_addr);
}

static bool crash(struct kvm_vcpu *kv, const char *why, uint64_t detail)
{
    log_err("kvm", "d%u v%u: %s (%#llx): domain crashed", kv->kd->d->domid,
            kv->v->id, why, (unsigned long long)detail);
    domain_guest_shutdown(kv->kd->d, SHUTDOWN_CRASH);
    return false;
}

bool kvm_handle_exit(struct kvm_vcpu *kv)
{
    struct kvm_run *r = kv->run;

    switch (r->exit_reason) {
    case KVM_EXIT_IO:
        io_exit(kv);
        return true;
    case KVM_EXIT_MMIO:
        mmio_exit(kv);
        return true;
    case KVM_EXIT_X86_WRMSR:
        wrmsr_exit(kv);
        return true;
    case KVM_EXIT_X86_RDMSR:
        r->msr.error = 1;
        return true;
    case KVM_EXIT_HLT:
    case KVM_EXIT_INTR:
        return true;
    case KVM_EXIT_SHUTDOWN:
        return crash(kv, "triple fault", 0);
    case KVM_EXIT_SYSTEM_EVENT:
        domain_guest_shutdown(kv->kd->d,
                              r->system_event.type == KVM_SYSTEM_EVENT_RESET
                                  ? SHUTDOWN_REBOOT
                                  : SHUTDOWN_POWEROFF);
        return false;
    case KVM_EXIT_FAIL_ENTRY:
        return crash(kv, "entry failed",
                     r->fail_entry.hardware_entry_failure_reason);
    case KVM_EXIT_INTERNAL_ERROR:
        return crash(kv, "KVM internal error", r->internal.suberror);
    default:
        return crash(kv, "unexpected exit", r->exit_reason);
    }
}
