/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzzes xhvd's request handling: any bytes, as one control message, must
 * get an answer, never crash the daemon, and leave memory audit-clean.
 * The machine is set up once; domains a valid input happens to create are
 * destroyed after each input so state stays bounded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon/daemon.h"
#include "domain/domain.h"
#include "lib/alloc.h"
#include "lib/log.h"
#include "mm/mm.h"

struct daemon_state xhvd;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void setup_once(void)
{
    struct mm_config cfg = {
        .mem_bytes = 64ULL << 20,
        .scratch_bytes = 4ULL << 20,
        .memfd = -1,
    };

    log_set_stderr_level(LOG_ERR);
    if (mm_init(&cfg))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct mm_audit_report r;
    static int ready;
    char *answer = NULL;
    size_t alen;

    if (!ready) {
        setup_once();
        ready = 1;
    }
    if (daemon_handle_request((const char *)data, size, &answer, &alen) ||
        !answer || alen == 0 || answer[0] != '{')
        abort(); /* every request gets an answer */
    xhv_free(answer);
    daemon_destroy_all_domains();
    if (mm_audit(&r, 0))
        abort();
    return 0;
}
