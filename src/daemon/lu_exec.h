/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * exec-mode live update, shared inside src/daemon/ only: the old image's
 * helpers that liveupdate.c calls (lu_exec.c), and what lu_exec.c borrows
 * from liveupdate.c. The new image's entry, lu_exec_main(), is declared
 * in daemon.h with the other entry points.
 */
#ifndef XHV_DAEMON_LU_EXEC_H
#define XHV_DAEMON_LU_EXEC_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/lu_proto.h"
#include "liveupdate/lu.h"

/*
 * Runs `binary --lu-exec-check` and accepts it only if it names itself an
 * xhvd that reads this LU_EXEC_VERSION. Before the blackout: exec mode
 * cannot roll back once execve() succeeded, so this is the last chance to
 * refuse a binary that is not an xhvd (or one too old to take over).
 */
int lu_exec_probe(const char *binary, uint64_t deadline_ns, char *err,
                  size_t errlen);

/*
 * Guests parked and records written: hands st and img's descriptor to a
 * memfd and execve()s binary in place of this process. Returns only on
 * failure, with every descriptor as it was and nothing else changed, so
 * the caller can still roll back.
 */
int lu_exec_into(const char *binary, struct lu_exec_state *st,
                 const struct lu_image *img, char *err, size_t errlen);

/* liveupdate.c: the "phases" and "downtime_ns" fields of the answer. */
int lu_add_times(struct json_object *r, const struct lu_times *t);

/* The `--lu-exec-check` line: "xhvd VERSION lu-exec N". */
#define LU_EXEC_CHECK_FMT "xhvd %s lu-exec %u\n"

#endif /* XHV_DAEMON_LU_EXEC_H */
