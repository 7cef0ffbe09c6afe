/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Set-up control shared by the stages that resolve and attach: a stop asked
 * for by a signal while they run, and a progress line when they take long.
 * The loops of those stages call setup_cancelled() between steps and give up
 * with -EINTR, rolling back what they did, when it is true.
 */
#ifndef AT_SETUP_H
#define AT_SETUP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

/* Asks the stages in progress to stop (a signal handler or watcher thread may call it). */
void setup_cancel(void);
/* Whether a stop was asked for. */
bool setup_cancelled(void);
/* Clears a stop request (tests, a new run). */
void setup_reset(void);

/*
 * Where progress lines go, NULL for none (-q); lines are written only once
 * set-up has run for more than a second (counted from setup_progress_begin(),
 * or without it from a stage's first call), then at most every second.
 */
void setup_progress_to(FILE *f);
/* Starts the clock of the whole set-up: stages that follow share it. */
void setup_progress_begin(void);
/* Stage what ("resolving", "attaching") has done done of total items (noun: "probes"). */
void setup_progress(const char *what, unsigned long done, unsigned long total, const char *noun);

/*
 * A thread that reads a signalfd while set-up runs, since set-up itself never
 * polls: SIGINT or SIGTERM (and SIGHUP unless it reloads) call setup_cancel().
 */
struct setup_watch {
	pthread_t thread; /* the watcher */
	int sigfd;	  /* the caller's signalfd, read only until setup_watch__stop */
	int stop_fd;	  /* eventfd that tells the watcher to end, -1 when not running */
	bool hup_reloads; /* SIGHUP asks for a reload (-C): kept in hup, set-up goes on */
	atomic_int signo; /* the signal that cancelled set-up, 0 when none */
	atomic_bool hup;  /* a SIGHUP arrived: reload once set-up is done */
};

/* Starts watching sigfd; 0 or -errno. */
int setup_watch__start(struct setup_watch *w, int sigfd, bool hup_reloads);
/* Ends the watcher (if running): the signalfd is the caller's again. */
void setup_watch__stop(struct setup_watch *w);

#endif /* AT_SETUP_H */
