/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small but complete live-update stream as plain wire structures: two
 * domains using every record type. Tests change fields and write it; the
 * corpus generator writes it as fuzz seeds.
 */
#ifndef XHV_TESTS_LU_SPEC_H
#define XHV_TESTS_LU_SPEC_H

#include "stream/stream.h"

#define SPEC_NR_RANGES 4
#define SPEC_NR_P2M1   2
#define SPEC_NR_PORTS1 3

struct lu_spec {
    struct lu_rec_header hdr;
    struct lu_rec_domain dom[2];
    struct lu_page_range ranges[SPEC_NR_RANGES];
    struct lu_p2m_extent p2m1[SPEC_NR_P2M1], p2m2[1];
    struct lu_hvm_param params1[2];
    struct lu_rec_vcpu vcpu[3]; /* d1 v0, d1 v1, d2 v0 */
    uint8_t blob_sim[16], blob_kvm[40];
    struct lu_evtchn_port ports1[SPEC_NR_PORTS1], ports2[1];
    struct lu_fifo_control fifo[2];
    uint64_t fifo_array[1];
    char console[6];
    struct lu_rec_gnttab gnttab;
    struct lu_maptrack_entry maptrack[1];
};

void lu_spec_init(struct lu_spec *s);
/* Writes the whole stream, END included. */
int lu_spec_write(const struct lu_spec *s, struct lu_writer *w);
/* Everything but END, for tests that append their own records. */
int lu_spec_write_body(const struct lu_spec *s, struct lu_writer *w);

#endif /* XHV_TESTS_LU_SPEC_H */
