// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The agent-trace command on hostile probe files: refused at once with one
 * line and exit 2, never parsed for seconds, never waited on (a FIFO).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
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

/* Waits up to 10 s for the file at path to contain needle. */
static void wait_for(const char *path, const char *needle)
{
	for (int i = 0; i < 1000; i++) {
		char *s = slurp(path);
		bool hit = strstr(s, needle) != NULL;

		free(s);
		if (hit)
			return;
		usleep(10000);
	}
	cr_assert_fail("%s never showed '%s':\n%s", path, needle, slurp(path));
}

/* A reload parses the same way: a hostile file is refused at once and the probes run on. */
Test(probefile_bounds, hostile_reload_refused_quickly_probes_run_on, .timeout = 60)
{
	char dir[] = "/tmp/at-bounds-XXXXXX", file[64], fifo[64], out[64], err[64], want[256];
	char *o, *e, *deep = malloc(100001);
	double t0;
	int fd, st;
	pid_t pid;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/probes.yaml", dir);
	snprintf(fifo, sizeof(fifo), "%s/go", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	f = fopen(file, "w");
	cr_assert_not_null(f);
	fputs("probes:\n  - name: steady\n    kind: function\n    attach: ':step(int i) -> int'\n",
	      f);
	fclose(f);
	pid = spawn_logged((char *[]){ AT, "--json", "-C", file, "--", (char *)build_path("probed"),
				       "phases", "50", fifo, NULL },
			   out, err);
	/* The FIFO opens once the target runs, after the probe is attached. */
	fd = open(fifo, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "1", 1), 1);

	/* Rewritten in place with 100k nested '[': the reload refuses it at once. */
	memset(deep, '[', 100000);
	deep[100000] = '\0';
	t0 = now_s();
	f = fopen(file, "w");
	cr_assert_not_null(f);
	fputs(deep, f);
	fclose(f);
	snprintf(
		want, sizeof(want),
		"agent-trace: reload: %s:1:65: nesting deeper than 64; the current probes run on\n",
		file);
	wait_for(err, want);
	cr_expect_lt(now_s() - t0, 2.0, "the reload took seconds");
	cr_assert_eq(write(fd, "2", 1), 1);
	close(fd);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	o = slurp(out);
	e = slurp(err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x\n%s", st, e);
	/* The probe saw both phases: nothing changed. */
	cr_assert_eq(count_lines(o, "\"probe_name\":\"steady\",\"probe\":\"probed:step\""), 100,
		     "%s", o);
	free(o);
	free(e);
	free(deep);
	unlink(file);
	unlink(fifo);
	unlink(out);
	unlink(err);
	rmdir(dir);
}
