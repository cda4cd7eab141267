/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzzes the PVH kernel loader: any bytes as a kernel image are either
 * refused with a message or loaded inside the guest's RAM; never a crash,
 * never a write outside the domain (the audit and ASan would see it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/pvh/pvh.h"
#include "domain/domain.h"
#include "lib/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct domain *d;

static void setup_once(void)
{
    struct mm_config cfg = {.mem_bytes = 32ULL << 20, .memfd = -1};
    struct domain_params p = {.name = "fuzz",
                              .memory_pages = 4 << 8,
                              .max_pages = 4 << 8,
                              .vcpus = 1};

    log_set_stderr_level(LOG_ERR);
    if (mm_init(&cfg) || domain_create(&p, &d))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct hvm_memmap_table_entry mm = {
        .addr = 0, .size = 4 << 20, .type = XEN_HVM_MEMMAP_TYPE_RAM};
    struct pvh_image img = {.kernel = data,
                            .kernel_len = size,
                            .cmdline = "test=fuzz",
                            .memmap = &mm,
                            .nr_memmap = 1};
    static struct mm_audit_report r;
    struct pvh_boot b;
    char err[256];

    if (!d)
        setup_once();
    if (pvh_load(&d->p2m, &img, &b, err, sizeof(err)) == 0 &&
        (b.entry < b.kernel_start || b.entry >= b.kernel_end))
        abort();
    if (mm_audit(&r, 0))
        abort();
    return 0;
}
