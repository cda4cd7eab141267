/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the files of src/migrate/ only. */
#ifndef XHV_MIGRATE_PRIVATE_H
#define XHV_MIGRATE_PRIVATE_H

#include "migrate/migrate.h"

/* cpu.c: the CPU side of an image. */
/* X86_CPUID_POLICY and X86_MSR_POLICY, among the static data. */
int migrate_write_policies(struct mig_writer *w, struct domain *d);
/* HVM_CONTEXT (and XHV_KVM_VCPU per vCPU of a KVM guest), with the guest
 * held still. */
int migrate_write_cpu_state(struct mig_writer *w, struct domain *d);
/* On restore: whether this host can run a guest of that CPUID policy
 * (it->type X86_CPUID_POLICY); backend is the image's XHV_DOMAIN's. */
int migrate_check_cpu_policy(uint8_t backend, const struct mig_item *it,
                             char *err, size_t errlen);

/* evtchn.c: the event-channel part of an image beyond XHV_EVTCHN. Sender:
 * check refuses (with a reason) a domain whose FIFO pages moved away from
 * the gfns it gave, changing nothing; write puts, after XHV_EVTCHN, the
 * pages event delivery writes (a PAGE_DATA record) and, for a FIFO
 * domain, XHV_EVTCHN_FIFO, read in one instant. Receiver: an
 * XHV_EVTCHN_FIFO record applied to d (its ports restored, not running);
 * on failure err names the record and the reason. */
int migrate_evtchn_check(struct domain *d, char *err, size_t errlen);
int migrate_evtchn_write(struct mig_writer *w, struct domain *d);
int migrate_evtchn_fifo_restore(struct domain *d, const struct mig_item *it,
                                char *err, size_t errlen);

#endif /* XHV_MIGRATE_PRIVATE_H */
