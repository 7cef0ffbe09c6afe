// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Enforcement under pressure: an enforcing probe acts even when per-thread state runs out. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define AT (char *)build_path("agent-trace")
#define MANY (char *)build_path("many")

/* Waits for pid up to secs seconds; its wait status, or -1 (it is then killed). */
static int wait_for(pid_t pid, double secs)
{
	int st;

	for (int i = 0; i < (int)(secs * 100); i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/*
 * limits.thread_state: 1, taken by the first process's entry-only hit (a
 * sleepable entry that reads a buffer keeps its record in the thread's
 * state; both probes read one, so both want state). A second process
 * then calls the function an enforcing probe guards (with x == 1, which the first
 * never passes): refused state, its hit
 * must still be filtered and acted on (from per-CPU scratch), never skipped.
 * Without state the hit used to vanish: no hit counted, no signal sent.
 */
Test(enforce, entry_signal_without_thread_state_still_acts, .timeout = 60)
{
	char pf[64], outf[64], errf[64], *out = NULL, *err;
	pid_t tracer, victim;
	int st;

	tmp_names("enforce", pf, outf, errf);
	write_text(pf,
		   "limits: { thread_state: 1 }\n"
		   "targets: { exe: [%s] }\n"
		   "probes:\n"
		   "  - name: hold\n    kind: function\n    attach: '%s:fn_000'\n"
		   "    args: buf[4] x\n    when: entry\n"
		   "  - name: guard\n    kind: function\n    attach: '%s:fn_001'\n"
		   "    args: int x, buf[1] y\n    when: entry\n    filter: x == 1\n"
		   "    action: [count, {signal: SIGKILL}]\n",
		   MANY, MANY, MANY);
	/* The held command takes the one state entry at fn_000, then sleeps. */
	tracer = spawn_logged(
		(char *[]){ AT, "-C", pf, "-o", outf, "--", MANY, "sleep", "3", NULL }, outf, errf);
	for (int i = 0; i < 1000; i++) {
		free(out);
		out = access(outf, F_OK) ? NULL : slurp(outf);
		if (out && strstr(out, "[hold]"))
			break;
		usleep(10000);
	}
	cr_assert(out && strstr(out, "[hold]"), "the held command's hit never came: %s", out);
	free(out);
	victim = fork();
	cr_assert_geq(victim, 0);
	if (!victim) {
		die_with_test();
		execl(MANY, MANY, "calls", "2", (char *)NULL);
		_exit(127);
	}
	st = wait_for(victim, 20);
	cr_assert(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		  "the guarded call went through: status 0x%x", st);
	st = wait_for(tracer, 30);
	cr_assert(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "agent-trace: 0x%x", st);
	err = slurp(errf);
	out = slurp(outf);
	/*
	 * fn_001(0) by each process is filtered out; the second's fn_001(1)
	 * matched and killed it there, with no thread state of its own.
	 */
	cr_assert_eq(count_lines(out, "  [guard] hits 3, filtered 2, events 0, sampled out 0, "
				      "rate limited 0, lost 0, signals 1, unreadable 0"),
		     1, "summary: %s%s", out, err);
	free(out);
	free(err);
	unlink(pf);
	unlink(outf);
	unlink(errf);
}
