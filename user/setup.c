// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Set-up control: cancellation and progress of resolving and attaching. */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "setup.h"

static atomic_bool cancelled;
static FILE *progress_f;
static char stage[32];
static unsigned long long stage_start_ns, last_line_ns;

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

void setup_progress(const char *what, unsigned long done, unsigned long total, const char *noun)
{
	unsigned long long now;

	if (!progress_f)
		return;
	now = mono_ns();
	/* A new stage (or the same one started again) restarts the clock. */
	if (strcmp(stage, what) || done == 0) {
		snprintf(stage, sizeof(stage), "%s", what);
		stage_start_ns = now;
		last_line_ns = 0;
		return;
	}
	if (now - stage_start_ns < 1000000000ull || now - last_line_ns < 1000000000ull)
		return;
	last_line_ns = now;
	fprintf(progress_f, "agent-trace: %s %lu of %lu %s\n", what, done, total, noun);
}
