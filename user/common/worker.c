// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A thread that runs until asked to stop: start, ask to stop, join. */
#include "worker.h"

int worker__start(struct worker *w, void *(*fn)(void *), void *arg)
{
	int ret = pthread_create(&w->thread, NULL, fn, arg);

	if (ret)
		return -ret;
	w->running = true;
	return 0;
}

void worker__ask_stop(struct worker *w)
{
	atomic_store(&w->stop, true);
}

bool worker__stopping(struct worker *w)
{
	return atomic_load(&w->stop);
}

void worker__join(struct worker *w)
{
	if (!w->running)
		return;
	pthread_join(w->thread, NULL);
	w->running = false;
}
