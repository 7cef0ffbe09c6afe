/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Set-up control shared by the stages that resolve and attach: a stop asked
 * for by a signal while they run, and a progress line when they take long.
 * The loops of those stages call setup_cancelled() between steps and give up
 * with -EINTR, rolling back what they did, when it is true.
 */
#ifndef AT_SETUP_H
#define AT_SETUP_H

#include <stdbool.h>
#include <stdio.h>

/* Asks the stages in progress to stop (a signal handler or watcher thread may call it). */
void setup_cancel(void);
/* Whether a stop was asked for. */
bool setup_cancelled(void);
/* Clears a stop request (tests, a new run). */
void setup_reset(void);

/*
 * Where progress lines go, NULL for none (-q); lines are written only once a
 * stage has run for more than a second, then at most every second.
 */
void setup_progress_to(FILE *f);
/* Stage what ("resolving", "attaching") has done done of total items (noun: "probes"). */
void setup_progress(const char *what, unsigned long done, unsigned long total, const char *noun);

#endif /* AT_SETUP_H */
