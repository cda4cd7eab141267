/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The live-update socket protocol between an old and a new xhvd (see
 * liveupdate.c). SOCK_SEQPACKET, one message per packet, each starting
 * with lu_msg_head; len counts the whole message. Both ends may be
 * different versions of xhv: fields are fixed-size and only ever added at
 * the end, under a new LU_PROTO_VERSION.
 */
#ifndef XHV_DAEMON_LU_PROTO_H
#define XHV_DAEMON_LU_PROTO_H

#include <stdint.h>

#define LU_PROTO_VERSION 1u

enum {
    LU_MSG_HELLO = 1, /* old -> new, with memfd, listen fd, pidfile fd */
    LU_MSG_READY,     /* new -> old: booted, waiting for the records */
    LU_MSG_HANDOVER,  /* old -> new: lu_handover descriptor follows */
    LU_MSG_DONE,      /* new -> old: guests resumed, times */
    LU_MSG_FAIL,      /* either way: text follows; the sender gives up */
    LU_MSG_EXEC_STATE,
};

struct lu_msg_head {
    uint32_t type;
    uint32_t len;
};

struct lu_msg_hello {
    struct lu_msg_head head;
    uint32_t version;
    uint32_t new_half; /* the scratch half the new xhvd boots in */
    uint64_t generation;
    /* CLOCK_MONOTONIC at guest system time 0: taken before anything in
     * the new xhvd reads the time. */
    uint64_t system_time_base;
};

struct lu_msg_done {
    struct lu_msg_head head;
    uint64_t received_ns; /* CLOCK_MONOTONIC: the descriptor arrived */
    uint64_t parse_ns;
    uint64_t rebuild_ns;
    uint64_t resume_ns;
    uint64_t resumed_ns; /* CLOCK_MONOTONIC: every guest runs again */
};

/* What the command asks for. */
struct lu_request {
    char binary[4096];
    char fault[128];  /* XHV_FAULT for the new binary (tests) */
    char corrupt[32]; /* spoil the stream this way (tests) */
    uint64_t timeout_ns;
};

#endif /* XHV_DAEMON_LU_PROTO_H */
