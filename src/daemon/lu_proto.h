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
    LU_MSG_PRESTAGE, /* old -> new: descriptor of the MEMORY records */
    LU_MSG_STAGED,   /* new -> old: memory staged, ready for the blackout */
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

/*
 * exec mode: what the old image tells the image it execve()s into, in a
 * memfd named by --lu-exec-fd. The same rules as the messages above: an
 * ABI between versions, fixed-size little-endian fields, only ever added
 * at the end under a new LU_EXEC_VERSION. The hand-over descriptor
 * (lu_handover_encode) follows it, handover_len bytes.
 */
#define LU_EXEC_MAGIC   0x4345584555564858ull /* "XHVUEXEC" */
#define LU_EXEC_VERSION 1u

struct lu_exec_state {
    uint64_t magic;        /* LU_EXEC_MAGIC */
    uint32_t version;      /* LU_EXEC_VERSION */
    uint32_t handover_len; /* descriptor bytes after this block */
    uint64_t generation;   /* the old image's */
    uint32_t new_half;     /* the scratch half the new image boots in */
    /* Descriptors the new image inherits across execve(). */
    int32_t memfd;
    int32_t listen_fd;
    int32_t pid_fd;
    int32_t client_fd;         /* the `xhv live-update` connection to answer */
    uint32_t pad;              /* zero */
    uint64_t system_time_base; /* as in lu_msg_hello */
    /* CLOCK_MONOTONIC stamps and phase times of the old image, ns. */
    uint64_t pause_start_ns; /* the blackout began */
    uint64_t exec_ns;        /* just before execve() */
    uint64_t prepare_ns, pause_ns, write_ns;
    /* The host TSC as the old image measured it (0: not measured). */
    uint64_t tsc_hz;
    uint32_t tsc_stable;
    uint32_t pad2; /* zero */
};
_Static_assert(sizeof(struct lu_exec_state) == 112, "lu_exec_state size");

/* What the command asks for. */
struct lu_request {
    char binary[4096];
    char fault[128];  /* XHV_FAULT for the new binary (tests) */
    char corrupt[32]; /* spoil the stream this way (tests) */
    uint64_t timeout_ns;
};

#endif /* XHV_DAEMON_LU_PROTO_H */
