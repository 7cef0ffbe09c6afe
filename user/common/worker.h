/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A thread that runs until asked to stop: the reader's and the queue writer's start, stop, join. */
#ifndef AT_WORKER_H
#define AT_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct worker {
	pthread_t thread;
	atomic_bool stop; /* asked to stop: the thread's loop reads it */
	bool running;	  /* started and not joined yet */
};

/* Starts fn(arg) on a new thread. 0 or -errno. */
int worker__start(struct worker *w, void *(*fn)(void *), void *arg);
/* Asks the thread to stop; it ends at its next look at worker__stopping(). */
void worker__ask_stop(struct worker *w);
/* Whether a stop was asked for. */
bool worker__stopping(struct worker *w);
/* Waits for the thread to end, when it runs. */
void worker__join(struct worker *w);

#endif /* AT_WORKER_H */
