// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Set-up control: cancellation and progress of resolving and attaching. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "setup.h"

static atomic_bool cancelled;
static FILE *progress_f;
static char stage[32];
static unsigned long long stage_start_ns, last_line_ns;
static bool begun; /* setup_progress_begin() set the clock: stages do not restart it */

static unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

void setup_cancel(void)
{
	atomic_store(&cancelled, true);
}

bool setup_cancelled(void)
{
	return atomic_load(&cancelled);
}

void setup_reset(void)
{
	atomic_store(&cancelled, false);
}

void setup_progress_to(FILE *f)
{
	progress_f = f;
}

void setup_progress_begin(void)
{
	stage[0] = '\0';
	stage_start_ns = mono_ns();
	last_line_ns = 0;
	begun = true;
}

void setup_progress(const char *what, unsigned long done, unsigned long total, const char *noun)
{
	unsigned long long now;

	if (!progress_f)
		return;
	now = mono_ns();
	/*
	 * A new stage (or the same one started again) restarts the clock, unless
	 * the whole set-up has one: resolving and attaching alternate per SPEC,
	 * and a second spent in both is as long a wait as one spent in either.
	 */
	if (strcmp(stage, what) || done == 0) {
		snprintf(stage, sizeof(stage), "%s", what);
		if (!begun) {
			stage_start_ns = now;
			last_line_ns = 0;
		}
		return;
	}
	if (now - stage_start_ns < 1000000000ull || now - last_line_ns < 1000000000ull)
		return;
	last_line_ns = now;
	fprintf(progress_f, "agent-trace: %s %lu of %lu %s\n", what, done, total, noun);
}

static void *watch(void *arg)
{
	struct setup_watch *w = arg;

	for (;;) {
		struct pollfd p[2] = { { .fd = w->sigfd, .events = POLLIN },
				       { .fd = w->stop_fd, .events = POLLIN } };
		struct signalfd_siginfo si;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (p[1].revents)
			return NULL;
		/* Non-blocking: the caller may have read it first. */
		if (read(w->sigfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP && w->hup_reloads) {
			atomic_store(&w->hup, true);
			continue;
		}
		atomic_store(&w->signo, (int)si.ssi_signo);
		setup_cancel();
		/* Later signals stay in the signalfd: set-up is ending anyway. */
		return NULL;
	}
}

int setup_watch__start(struct setup_watch *w, int sigfd, bool hup_reloads)
{
	int ret;

	w->sigfd = sigfd;
	w->hup_reloads = hup_reloads;
	atomic_store(&w->signo, 0);
	atomic_store(&w->hup, false);
	w->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->stop_fd < 0)
		return -errno;
	ret = pthread_create(&w->thread, NULL, watch, w);
	if (ret) {
		close(w->stop_fd);
		w->stop_fd = -1;
		return -ret;
	}
	return 0;
}

void setup_watch__stop(struct setup_watch *w)
{
	uint64_t one = 1;

	if (w->stop_fd < 0)
		return;
	/* An eventfd write of 1 fails only on a counter about to overflow: never here. */
	if (write(w->stop_fd, &one, sizeof(one)) != sizeof(one))
		pthread_cancel(w->thread);
	pthread_join(w->thread, NULL);
	close(w->stop_fd);
	w->stop_fd = -1;
}
