/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault injection, after SQLite's countdown injector.
 *
 * Every place that can fail for reasons outside the caller's control (an
 * allocation, a page allocation, a KVM ioctl, stream I/O) asks
 * fault_fire(site) first and fails as if the real operation had failed when
 * it answers true. A site is named by a string literal; the allocation
 * wrappers use the calling function's name, so "alloc_shared_info" names
 * the allocation made there.
 *
 * One rule is armed at a time: "fail the Nth hit of SITE" (SITE "*" matches
 * every site), either transiently (that hit only) or persistently (that hit
 * and every later one). XHV_FAULT=SITE:N arms a transient rule at process
 * start and XHV_FAULT=SITE:N+ a persistent one, so a fault reaches a daemon
 * or a new live-update binary without recompiling.
 *
 * Production code is untouched apart from the check, which is one relaxed
 * atomic load while nothing is armed.
 */
#ifndef XHV_LIB_FAULT_H
#define XHV_LIB_FAULT_H

#include <stdbool.h>
#include <stddef.h>

enum fault_mode {
    FAULT_TRANSIENT,  /* fail the Nth hit only */
    FAULT_PERSISTENT, /* fail the Nth hit and every hit after it */
};

#define FAULT_SITE_ANY  "*"
#define FAULT_MAX_SITES 256

/* Called at each fault site; true means "fail now". */
bool fault_fire(const char *site);

int fault_arm(const char *site, unsigned long nth, enum fault_mode mode);
void fault_disarm(void);

/* Parses "SITE:N" or "SITE:N+" and arms it; -EINVAL on a malformed spec. */
int fault_arm_spec(const char *spec);
/* Arms from $XHV_FAULT if set; 0 when unset, -EINVAL when malformed. */
int fault_arm_from_env(void);

/* Hits of the armed site (or of any site for "*") since the last arm. */
unsigned long fault_hits(void);
/* How many hits were failed since the last arm. */
unsigned long fault_fired(void);
/* Site name of the most recent failed hit, or NULL. */
const char *fault_last_site(void);

/*
 * Benign failure points (SQLite's term): a caller that handles a failure
 * by falling back (a 2 MiB allocation retried as 4 KiB pages) brackets
 * the attempt, so a test that sees the operation succeed can tell the
 * fault was absorbed on purpose rather than swallowed by mistake.
 * Brackets nest and are per thread.
 */
void fault_benign_begin(void);
void fault_benign_end(void);
/* How many of fault_fired() happened inside a benign bracket. */
unsigned long fault_fired_benign(void);

/*
 * Site recording: while on, every distinct site name that is hit is kept,
 * so a test can list the failure points a scenario reaches.
 */
void fault_record(bool on);
size_t fault_sites(const char **out, size_t max);

#endif /* XHV_LIB_FAULT_H */
