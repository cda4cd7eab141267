/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the hand-over descriptor decoder: any bytes as a
 * received message. An accepted descriptor must re-encode to exactly the
 * same bytes, and its MFN pointer must lie inside the message; a refused
 * one must say why and return nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_lu_handover: check failed: %s (line %d)\n",  \
                    #cond, __LINE__);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

static uint64_t msg[LU_HANDOVER_MAX_BYTES / 8 + 1];
static uint64_t out[LU_HANDOVER_MAX_BYTES / 8 + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lu_handover hd;
    const uint64_t *mfns;
    char err[160];
    size_t len;
    int rc;

    if (size > sizeof(msg))
        size = sizeof(msg);
    memcpy(msg, data, size);
    rc = lu_handover_decode(msg, size, &hd, &mfns, err, sizeof(err));
    if (rc) {
        CHECK(rc < 0 && err[0] != '\0' && mfns == NULL);
        return 0;
    }
    CHECK((const uint8_t *)mfns == (const uint8_t *)msg + sizeof(hd));
    CHECK(lu_handover_encode(out, sizeof(out), &len, hd.flags, hd.stream_len,
                             hd.stream_crc, mfns, hd.nr_pages) == 0);
    CHECK(len == size && memcmp(out, msg, size) == 0);
    return 0;
}
