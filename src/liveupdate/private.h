/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live update, inside src/liveupdate/: the grant-table and event-channel
 * parts of the stream (gnttab.c, evtchn.c), which save.c and restore.c
 * call, and the config hooks shared by both.
 */
#ifndef XHV_LIVEUPDATE_PRIVATE_H
#define XHV_LIVEUPDATE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/domain.h"
#include "stream/stream.h"

/* Old side. check: refuses (with a reason) mappings the new side could
 * not rebuild; callable while guests run. write: d's GNTTAB record and,
 * if it maps other domains' grants, its MAPTRACK entries (STATE part). */
int lu_gnttab_check(struct domain *d, char *err, size_t errlen);
int lu_gnttab_write(struct lu_writer *w, struct domain *d, char *err,
                    size_t errlen);

/* New side. reset: before the first stream. stash: a MAPTRACK record,
 * kept until every table is back. Then the final pass, once every
 * domain, frame and GNTTAB record is applied: table_check for each
 * domain (every frame it took back is in its table), then link, which
 * rebuilds every stashed mapping (lookup: the rebuilt domain of a domid,
 * or NULL) and forgets the stash whatever happens. */
void lu_gnttab_reset(void);
int lu_gnttab_stash(uint16_t domid, const struct lu_maptrack_entry *e,
                    uint32_t n);
int lu_gnttab_table_check(struct domain *d, char *err, size_t errlen);
int lu_gnttab_link(struct domain *(*lookup)(uint32_t domid), char *err,
                   size_t errlen);

/* Event channels (evtchn.c). Old side: check refuses (with a reason) a
 * domain whose FIFO pages moved, callable while guests run; write puts
 * d's EVTCHN_PORT and EVTCHN_FIFO records (STATE part), freezing the
 * FIFO state when freeze (the blackout's real write, not a rehearsal).
 * New side: fifo_apply rebuilds d's FIFO state from its record. Each
 * failure leaves a reason in err. */
int lu_evtchn_check(struct domain *d, char *err, size_t errlen);
int lu_evtchn_write(struct lu_writer *w, struct domain *d, bool freeze,
                    char *err, size_t errlen);
int lu_evtchn_fifo_apply(struct domain *d, const struct lu_fifo_control *c,
                         uint32_t nr_control, const uint64_t *array_gfn,
                         uint32_t nr_array, char *err, size_t errlen);

/* New side: hands a DOMCFG record to the config hooks (save.c). */
int lu_config_put(uint32_t domid, const char *text, size_t len);

#endif /* XHV_LIVEUPDATE_PRIVATE_H */
