/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected as 0x82F63B78),
 * the checksum of the live-update stream. Slice-by-8 in software: eight
 * 256-entry tables built once (a few microseconds) so a multi-megabyte
 * stream is checked at a few GB/s without depending on SSE4.2.
 *
 * The tables are built under pthread_once, so concurrent first callers
 * are safe; afterwards they are read-only.
 */
#include <pthread.h>
#include <string.h>

#include "stream/stream.h"

#define CRC32C_POLY 0x82F63B78u

static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc32c_init(void)
{
    uint32_t i, j, c;

    for (i = 0; i < 256; i++) {
        c = i;
        for (j = 0; j < 8; j++)
            c = (c >> 1) ^ ((c & 1) ? CRC32C_POLY : 0);
        crc_table[0][i] = c;
    }
    /* Table k advances a byte through k further zero bytes. */
    for (i = 0; i < 256; i++)
        for (j = 1; j < 8; j++)
            crc_table[j][i] = (crc_table[j - 1][i] >> 8) ^
                              crc_table[0][crc_table[j - 1][i] & 0xff];
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint32_t c = ~crc;
    uint64_t w;

    pthread_once(&crc_once, crc32c_init);
    while (len && ((uintptr_t)p & 7)) {
        c = (c >> 8) ^ crc_table[0][(c ^ *p++) & 0xff];
        len--;
    }
    while (len >= 8) {
        /* memcpy keeps this legal for any alignment; the stream is
         * little-endian and so is every host xhv builds for. */
        memcpy(&w, p, 8);
        w ^= c;
        c = crc_table[7][w & 0xff] ^ crc_table[6][(w >> 8) & 0xff] ^
            crc_table[5][(w >> 16) & 0xff] ^ crc_table[4][(w >> 24) & 0xff] ^
            crc_table[3][(w >> 32) & 0xff] ^ crc_table[2][(w >> 40) & 0xff] ^
            crc_table[1][(w >> 48) & 0xff] ^ crc_table[0][w >> 56];
        p += 8;
        len -= 8;
    }
    while (len--)
        c = (c >> 8) ^ crc_table[0][(c ^ *p++) & 0xff];
    return ~c;
}
