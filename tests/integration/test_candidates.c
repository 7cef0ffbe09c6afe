// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Candidates: an exe glob whose last component is a wildcard makes every exec
 * a candidate, traced from its exec until the reader confirms or rejects it.
 * What a rejected one did is in no total (counts, statistics) and it is sent
 * no signal; a confirmed one's calls from its first instruction on are
 * counted, exactly.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "podtest.h"

TestSuite(candidates, .timeout = 60);

/* The value of the series name{probe="probe"} in the metrics text. */
static long long probe_metric(const char *text, const char *name, const char *probe)
{
	char key[160];
	const char *p;

	snprintf(key, sizeof(key), "\n%s{probe=\"%s\"", name, probe);
	p = strstr(text, key);
	if (!p || !(p = strchr(p + 1, '}')))
		return -1;
	return atoll(p + 1);
}

/* Runs argv to its end; its exit status. */
static int run(char *const argv[])
{
	pid_t p = spawn_logged(argv, "/dev/null", "/dev/null");
	int st;

	cr_assert_eq(waitpid(p, &st, 0), p);
	return st;
}

Test(candidates, rejected_ones_count_nothing_and_get_no_signal)
{
	char dir[64], y[512], a[96], b[96], *body = NULL, *out, *err;
	struct pt_agent ag;
	int st;

	snprintf(dir, sizeof(dir), "/tmp/agent-trace-cand.%d", getpid());
	snprintf(a, sizeof(a), "%s/a/calls", dir);
	snprintf(b, sizeof(b), "%s/b/calls", dir);
	free(sh("mkdir -p %s/a %s/b && cp %s %s && cp %s %s", dir, dir, build_path("calls"), a,
		build_path("calls"), b));
	/* "*": every exec on the machine is a candidate, confirmed by its path. */
	snprintf(y, sizeof(y),
		 "targets:\n"
		 "  exe: ['%s/a/*']\n"
		 "probes:\n"
		 "  - {name: ppid, kind: syscall, attach: getppid, action: count}\n"
		 "  - {name: nolseek, kind: syscall, attach: lseek, action: {signal: SIGKILL}}\n",
		 dir);
	pt_agent_start(&ag, "cand", y);
	/*
	 * Each not-target run calls at once, while it may still be a candidate:
	 * 700 getppid, and lseek, which would be its SIGKILL were it a target.
	 */
	for (int i = 0; i < 30; i++) {
		st = run((char *[]){ b, "many", "700", NULL });
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "b many: status %d", st);
		st = run((char *[]){ b, "lone", "2", "0", NULL });
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "b lone killed: status %d", st);
	}
	/* The target's calls from its first on, each of 4 runs. */
	for (int i = 0; i < 4; i++) {
		st = run((char *[]){ a, "many", "500", NULL });
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a many: status %d", st);
	}
	/* A confirmed target gets its signal: lseek 300 ms in, long after its verdict. */
	st = run((char *[]){ a, "lone", "2", "300", NULL });
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "a lone: status %d", st);
	/* The sweep settles calls under way at a verdict: give it its period. */
	usleep(1200 * 1000);
	cr_assert_eq(http_get(ag.port, "/metrics", &body), 200);
	cr_assert_eq(probe_metric(body, "agent_trace_probe_matched_total", "ppid"), 4 * 500, "%s",
		     body);
	cr_assert_eq(probe_metric(body, "agent_trace_probe_hits_total", "ppid"), 4 * 500);
	cr_assert_eq(probe_metric(body, "agent_trace_probe_hits_total", "nolseek"), 1);
	cr_assert_eq(probe_metric(body, "agent_trace_probe_signals_total", "nolseek"), 1);
	cr_assert_eq(probe_metric(body, "agent_trace_probe_signals_held_total", "nolseek"), 0);
	free(body);
	out = pt_agent_stop(&ag, &err);
	free(out);
	free(err);
	free(sh("rm -rf %s", dir));
}
