/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared inside src/stream/ only: the reader's state and the per-record
 * validators and dispatchers of lu_records.c.
 */
#ifndef XHV_STREAM_PRIVATE_H
#define XHV_STREAM_PRIVATE_H

#include "stream/stream.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the live-update stream is little-endian; add byte swapping first"
#endif

#define LU_ERR_MAX 256

/* One record being looked at. body is 8-byte aligned, len bytes. */
struct lu_rec {
    uint32_t index; /* 0-based position in the stream */
    uint64_t offset;
    uint32_t type;
    uint32_t len;
    const void *body;
};

/* What pass 1 remembers of a domain, to check later records against. */
struct lu_dom {
    uint16_t domid;
    uint8_t backend;
    bool has_fifo, has_gnttab, has_console, has_domcfg;
    bool fifo_abi; /* its DOMAIN record says FIFO */
    uint32_t nr_vcpus;
    uint32_t max_ports;
    uint32_t max_grant_frames;
    uint8_t *vcpu_seen; /* bitmap, nr_vcpus bits */
};

/* A [start, start+nr) interval found in a record, for overlap checks
 * done once the whole stream has been seen. */
struct lu_ival {
    uint64_t key; /* domid, or 0 for machine-wide */
    uint64_t start, nr;
    uint64_t offset; /* of its record */
    uint32_t rec, entry;
    uint64_t aux;   /* P2M: the first mfn */
    uint16_t owner; /* PAGE_RANGE owner */
};

struct lu_ivals {
    struct lu_ival *v;
    size_t n, cap;
};

struct lu_reader {
    const uint8_t **pages; /* page mode: nr_pages pointers */
    size_t nr_pages;
    const uint8_t *mem; /* memory mode */
    uint64_t len;
    uint8_t *body; /* aligned copy of the current body */
    size_t body_cap;
    bool validated;
    struct lu_stream_summary sum;
    /* Pass-1 state. */
    uint16_t *dom_slot; /* domid -> index + 1 into doms, 0 = unseen */
    struct lu_dom *doms;
    size_t nr_doms, cap_doms;
    struct lu_ivals ranges, p2m, ports, maptrack;
    char err[LU_ERR_MAX];
};

int lu_fail(struct lu_reader *r, int rc, const struct lu_rec *rec,
            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* lu_records.c: pass-1 check of one known record, and the cross-record
 * checks once END has been reached. */
int lu_rec_check(struct lu_reader *r, const struct lu_rec *rec);
int lu_rec_check_final(struct lu_reader *r);
bool lu_rec_known(uint32_t type);
/* Pass-2 dispatch of one known record. */
int lu_rec_apply(const struct lu_rec *rec, const struct lu_apply_ops *ops,
                 void *opaque);
void lu_reader_reset_state(struct lu_reader *r);

#endif /* XHV_STREAM_PRIVATE_H */
