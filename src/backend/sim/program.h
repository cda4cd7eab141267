/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the sim guest programs' files (program.c, program_fifo.c):
 * what every program does the same way, from program.c, and the steps
 * the program table in program.c names. Guest code: all of it runs on a
 * program's vCPU and reaches xhv only through sim_hypercall().
 */
#ifndef XHV_BACKEND_SIM_PROGRAM_H
#define XHV_BACKEND_SIM_PROGRAM_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/sim/sim.h"

#define SIM_PROG_IDLE_NS   1000000LL /* 1 ms between steps */
#define SIM_PROG_PAGE_SIZE 4096

/* The common state at gfn 1 (console buffer, shutdown argument). */
struct prog_state;

/* The start info xhvd wrote, or NULL. */
const struct sim_start_info *sim_prog_start_info(struct sim_vcpu *sv);
/* The state page, set up on the first run (shared_info mapped at gfn 2
 * when need_shinfo); NULL if the memory is not there. */
struct prog_state *sim_prog_setup(struct sim_vcpu *sv, bool need_shinfo);
/* One console line (a newline is added). */
void sim_prog_puts(struct sim_vcpu *sv, struct prog_state *st,
                   const char *line);
/* Prints what and crashes the domain; returns the step's -EIO. */
int64_t sim_prog_fail(struct sim_vcpu *sv, struct prog_state *st,
                      const char *what);
/* KEY=N from the command line, or dflt. */
uint64_t sim_prog_cmdline_u64(const struct sim_start_info *si, const char *key,
                              uint64_t dflt);

/* program_fifo.c */
int64_t sim_fifo_ping_step(struct sim_vcpu *sv);
int64_t sim_fifo_echo_step(struct sim_vcpu *sv);
int64_t sim_fifo_sink_step(struct sim_vcpu *sv);
int64_t sim_fifo_send_step(struct sim_vcpu *sv);

#endif /* XHV_BACKEND_SIM_PROGRAM_H */
