// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The agent-trace command on hostile probe files: refused at once with one
 * line and exit 2, never parsed for seconds, never waited on (a FIFO).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define AT (char *)build_path("agent-trace")
#define CALLS (char *)build_path("calls")

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs argv, asserts exit 2 and exactly want on stderr, and returns the seconds it took. */
static double refused(char *const argv[], const char *want)
{
	double t0 = now_s();

	expect_error(argv, 2, want);
	return now_s() - t0;
}

/* 100k nested '[' took libyaml 24 s; the bound is generous: 2 s against ~10 ms. */
Test(probefile_bounds, deep_nesting_refused_quickly, .timeout = 60)
{
	char path[64], want[128];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/agent-trace-deep.%d.yaml", getpid());
	f = fopen(path, "w");
	cr_assert_not_null(f);
	for (int i = 0; i < 100000; i++)
		fputc('[', f);
	fclose(f);
	snprintf(want, sizeof(want), "agent-trace: %s:1:65: nesting deeper than 64\n", path);
	cr_expect_lt(refused((char *[]){ AT, "--check", path, NULL }, want), 2.0);
	cr_expect_lt(refused((char *[]){ AT, "-C", path, "--", CALLS, "many", "1", NULL }, want),
		     2.0);
	unlink(path);
}

/* A FIFO with no writer: refused, not waited on, by --check and by -C. */
Test(probefile_bounds, fifo_refused_not_waited_on, .timeout = 20)
{
	char path[64], want[128];

	snprintf(path, sizeof(path), "/tmp/agent-trace-fifo.%d.yaml", getpid());
	cr_assert_eq(mkfifo(path, 0644), 0);
	snprintf(want, sizeof(want), "agent-trace: %s: not a regular file\n", path);
	cr_expect_lt(refused((char *[]){ AT, "--check", path, NULL }, want), 2.0);
	cr_expect_lt(refused((char *[]){ AT, "-C", path, "--", CALLS, "many", "1", NULL }, want),
		     2.0);
	unlink(path);
}
