/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the migration stream reader (src/stream/mig.h).
 *
 * An input is a stream of one or more images. The reader walks it record
 * by record as restore does, until an error or the end of the input.
 * Beyond the sanitizers it checks the API's promises: every error has a
 * message; a record handed out lies inside the input; PAGE_DATA's data
 * is exactly the pages its NOTAB pfns announce; a decoded HVM_CONTEXT has
 * an aligned CPU record for every vCPU; the reader never reads past the
 * input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream/mig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_mig_stream: check failed: %s (line %d)\n",   \
                    #cond, __LINE__);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mig_membuf m = {.buf = (uint8_t *)data, .len = size};
    struct mig_reader r;
    struct mig_item it;
    int rc, images = 0;

    mig_reader_init(&r, mig_mem_read, &m);
    for (;;) {
        rc = mig_read_headers(&r);
        if (rc) {
            CHECK(mig_error(&r)[0] != '\0');
            break;
        }
        images++;
        do {
            rc = mig_read_next(&r, &it);
            if (rc) {
                CHECK(mig_error(&r)[0] != '\0');
                break;
            }
            CHECK(it.offset < size);
            if (it.type == MIG_REC_HVM_CONTEXT) {
                const struct mig_hvm_ctx *c = it.u.hvm;
                uint32_t v;

                /* Every vCPU has its CPU record, aligned for its
                 * struct. */
                CHECK(c->nr_vcpus > 0 && c->nr_vcpus <= MIG_MAX_VCPUS);
                for (v = 0; v < c->nr_vcpus; v++) {
                    CHECK(c->vcpu[v].cpu != NULL);
                    CHECK((uintptr_t)c->vcpu[v].cpu % 8 == 0);
                    CHECK(!c->vcpu[v].xsave || c->vcpu[v].xsave_len >= 600);
                }
            }
            if (it.type == MIG_REC_X86_CPUID_POLICY)
                CHECK(it.u.cpuid.count > 0 &&
                      it.u.cpuid.count <= MIG_CPUID_POLICY_MAX);
            if (it.type == MIG_REC_PAGE_DATA) {
                uint32_t i, n = 0;

                for (i = 0; i < it.u.pages.count; i++)
                    n += (it.u.pages.pfns[i] & MIG_PFN_TYPE_MASK) == 0;
                CHECK(n == it.u.pages.nr_data);
            }
        } while (it.type != MIG_REC_END);
        if (rc)
            break;
    }
    CHECK(m.pos <= size);
    CHECK(r.offset <= size);
    mig_reader_fini(&r);
    return 0;
}
