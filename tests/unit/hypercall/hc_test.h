/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small fixture for hypercall tests: a domain on the sim backend with
 * RAM at gfn 0.., and helpers to make a hypercall as its vCPU 0 and to
 * read and write its memory.
 */
#ifndef XHV_TESTS_HC_TEST_H
#define XHV_TESTS_HC_TEST_H

#include <stdint.h>

#include "backend/sim/sim.h"
#include "domain/domain.h"
#include "hypercall/hypercall.h"

/* Guest-physical scratch addresses the tests use. */
#define GPA_BUF  0x10000ULL /* 64 KiB in: ordinary RAM */
#define GPA_BUF2 0x20000ULL
/* One page past the end of a 4 MiB guest's RAM: never mapped. */
#define GPA_HOLE (4ULL << 20)

struct domain *hc_domain_create(const char *name, uint64_t mib,
                                unsigned int vcpus);
void hc_domain_destroy(struct domain *d);
long hc_call(struct domain *d, uint64_t op, uint64_t a0, uint64_t a1,
             uint64_t a2, uint64_t a3, uint64_t a4);
/*
 * The usual fixture: machine memory of mem_mib MiB (scratch_mib of it
 * scratch) holding one sim domain; teardown destroys it if still there,
 * audits and tears the machine down.
 */
struct domain *hc_setup(uint64_t mem_mib, uint64_t scratch_mib,
                        const char *name, uint64_t dom_mib, unsigned int vcpus);
void hc_teardown(struct domain **d);
/*
 * Two domains of 4 MiB and 2 vCPUs each, named prefix + "a" and + "b", in
 * 64 MiB of machine memory (the event-channel tests' fixture); the
 * teardown destroys what is left of them, audits and tears down.
 */
void hc_pair_setup(const char *prefix, struct domain **a, struct domain **b);
void hc_pair_teardown(struct domain **a, struct domain **b);
/* Host pointer to guest memory (asserts it is mapped). */
void *hc_mem(struct domain *d, uint64_t gpa);

#endif /* XHV_TESTS_HC_TEST_H */
