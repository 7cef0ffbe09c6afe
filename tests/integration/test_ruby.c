// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Ruby under its USDT probes (tests/targets/ruby/loop.rb): Ruby 3.1's C method
 * probes, whose enabling crashes it, are refused before it starts; its other
 * probes leave it alive with exact counts, run after run.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define AT (char *)build_path("agent-trace")
#define RUBY "/usr/bin/ruby"
#define LOOP "tests/targets/ruby/loop.rb"
#define RUNS 15
#define ITERS "200"

/* RUBY_VERSION of the installed ruby into ver; skips the test without one. */
static void ruby_version(char *ver, size_t len)
{
	char *out, *err;

	if (access(RUBY, X_OK))
		cr_skip_test(RUBY " is not installed");
	cr_assert_eq(run_capture((char *[]){ RUBY, "-e", "print RUBY_VERSION", NULL }, &out, &err),
		     0, "%s", err);
	snprintf(ver, len, "%s", out);
	free(out);
	free(err);
}

Test(ruby, cmethod_probes_refused)
{
	const char *names[] = { "cmethod__entry", "cmethod__return" };
	char ver[32], spec[128], want[512], *out, *err;

	ruby_version(ver, sizeof(ver));
	if (strncmp(ver, "3.1.", 4))
		cr_skip_test("Ruby %s is not 3.1", ver);
	for (size_t i = 0; i < 2; i++) {
		int st;

		snprintf(spec, sizeof(spec), "libruby:ruby:%s(str klass, str meth)", names[i]);
		st = run_capture((char *[]){ AT, "-q", "-c", "--usdt", spec, "--", RUBY, LOOP,
					     ITERS, NULL },
				 &out, &err);
		snprintf(want, sizeof(want),
			 "agent-trace: usdt 'libruby:ruby:%s': refused: enabling ruby:%s crashes "
			 "Ruby %s (a Ruby bug: its C method probes read a class name its GC has "
			 "freed; see README)\n",
			 names[i], names[i], ver);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %d: %s", st, err);
		cr_assert_str_eq(err, want);
		cr_assert_str_eq(out, "", "ruby was never started");
		free(out);
		free(err);
	}
}

Test(ruby, survives_its_probes_with_exact_counts, .timeout = 60)
{
	char ver[32], *out, *err;

	ruby_version(ver, sizeof(ver));
	/* The loop runs `alias`, the call that crashes Ruby 3.1 under its C method probes. */
	for (int run = 0; run < RUNS; run++) {
		int st = run_capture(
			(char *[]){ AT, "--json", "--usdt",
				    "libruby:ruby:object__create(str klass, str file, int line)",
				    "--usdt", "libruby:ruby:raise(str klass, str file, int line)",
				    "--", RUBY, LOOP, ITERS, NULL },
			&out, &err);

		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "run %d: status %d: %s", run, st,
			  err);
		cr_assert_str_eq(err, "", "run %d", run);
		cr_assert_eq(count_lines(out, "done " ITERS " widget"), 1, "run %d: %s", run, out);
		cr_assert_eq(count_lines(out, "\"type\":\"exit\","), 1, "run %d: %s", run, out);
		cr_assert_eq(count_lines(out, "\"comm\":\"ruby\",\"code\":0,\"signal\":null}"), 1,
			     "run %d: ruby did not exit 0: %s", run, out);
		cr_assert_eq(count_lines(out,
					 "\"probe\":\"libruby:ruby:object__create\",\"probe_id\":0,"
					 "\"args\":{\"klass\":\"Widget\",\"file\":\"" LOOP
					 "\",\"line\":13}"),
			     200, "run %d: %s", run, out);
		cr_assert_eq(count_lines(out, "\"probe\":\"libruby:ruby:raise\",\"probe_id\":1,"
					      "\"args\":{\"klass\":\"LoopError\",\"file\":\"" LOOP
					      "\",\"line\":15}"),
			     200, "run %d: %s", run, out);
		free(out);
		free(err);
	}
}

/* -l /usr/bin/ruby:* lists libruby's USDT probes (ruby links libruby), each once. */
Test(ruby, list_lists_libruby_probes_once)
{
	char ver[32], *out, *err, *line, *save;
	unsigned n = 0, creturn = 0;
	int st;

	ruby_version(ver, sizeof(ver));
	st = run_capture((char *[]){ AT, "-l", RUBY ":*", NULL }, &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_str_eq(err, "");
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "usdt:", 5) || !strstr(line, "/libruby"))
			continue;
		n++;
		/* cmethod__return has 6 sites in Debian's libruby-3.1. */
		if (!strcmp(strrchr(line, ':'), ":cmethod__return") &&
		    strstr(line, ":ruby:cmethod__return"))
			creturn++;
	}
	cr_assert_eq(creturn, 1, "ruby:cmethod__return listed %u times", creturn);
	cr_assert_geq(n, 20, "only %u libruby probes", n);
	free(out);
	free(err);
}
