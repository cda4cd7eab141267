/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * console_io: the guest's hypervisor console. CONSOLEIO_write appends to
 * the domain's console (what `xhv console` shows); CONSOLEIO_read has no
 * input to give yet and returns 0 bytes. The guest's buffer is copied in
 * bounded chunks, so a huge count cannot make xhv allocate or block long.
 */
#include <errno.h>

#include "hypercall/hypercall.h"

#define CONSOLE_CHUNK 512
#define CONSOLE_MAX_WRITE                                                      \
    (64 * 1024) /* per call; Xen loops with preemption                         \
                 */

static long console_write(struct vcpu *v, uint64_t count, uint64_t buf)
{
    char chunk[CONSOLE_CHUNK];
    uint64_t done = 0;

    if (count > CONSOLE_MAX_WRITE)
        return -EINVAL;
    while (done < count) {
        size_t n = count - done < CONSOLE_CHUNK ? (size_t)(count - done)
                                                : CONSOLE_CHUNK;

        if (copy_from_guest(v, chunk, buf + done, n))
            return -EFAULT;
        domain_console_write(v->domain, chunk, n);
        done += n;
    }
    return 0;
}

long do_console_io(struct vcpu *v, const struct hcall *h)
{
    switch (h->arg[0]) {
    case CONSOLEIO_write:
        return console_write(v, h->arg[1], h->arg[2]);
    case CONSOLEIO_read:
        return 0;
    default:
        return -ENOSYS;
    }
}
