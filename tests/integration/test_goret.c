// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Go return probes on a real Go binary (targets/goret): entry after the stack
 * check and an entry-style uprobe on each RET, paired per goroutine. Exact
 * counts through stack growth, every return value checked against its own
 * entry's argument across goroutines that move between threads, a panic's
 * unmatched entry counted, each RET path, (T, error) results, the CLI's text
 * and JSON, the follower on a probe file's targets, and a harm loop: the
 * target checks its own results and exits non-zero on any mismatch.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "podtest.h"

#define AT (char *)build_path("agent-trace")
#define GORET (char *)build_path("goret")
#define MAXR 32768

static const struct at_call_rec *r[MAXR];

/* goret ARGS traced with o: it exits 0 (its own checks passed), nothing lost. */
static void trace_goret(char *const argv[], struct trace_opts o, struct trace *t)
{
	o.select = "exit_group";
	trace_cmd(argv, &o, t);
	cr_assert(WIFEXITED(t->status) && WEXITSTATUS(t->status) == 0, "goret status 0x%x",
		  t->status);
	cr_assert_eq(t->lost.rb_lost, 0);
	cr_assert_eq(t->lost.state_lost, 0);
}

/* Call events of probe-file probe name in JSON lines out that hold what (unless NULL). */
static size_t calls_of(const char *out, const char *name, const char *what)
{
	char want[64];
	size_t n = 0;

	snprintf(want, sizeof(want), "\"probe_name\":\"%s\"", name);
	for (const char *l = out; l && *l;) {
		const char *e = strchr(l, '\n');
		char *line = strndup(l, e ? (size_t)(e - l) : strlen(l));

		n += !strncmp(line, "{\"type\":\"call\"", 14) && strstr(line, want) &&
		     (!what || strstr(line, what));
		free(line);
		l = e ? e + 1 : NULL;
	}
	return n;
}

static uint64_t dur(const struct at_call_rec *c)
{
	return c->hdr.ts_ns - c->enter_ns;
}

/*
 * 200 runs of Deep(100), each on a new goroutine whose stack grows: 20,200
 * calls, each counted once (an entry at offset 0 is seen again when
 * runtime.morestack restarts the function), each return its own level's.
 */
Test(goret, deep_recursion_exact_through_stack_growth, .timeout = 120)
{
	unsigned per_n[101] = { 0 };
	struct trace t;
	size_t n;

	trace_goret((char *[]){ GORET, "deep", "200", NULL },
		    (struct trace_opts){ .uprobes = {
						 ":main.Deep(long n) -> long",
						 ":main.Deep(long n)@entry",
						 ":runtime.morestack_noctxt.abi0@entry",
					 } },
		    &t);
	n = trace_calls(&t, 0, r, MAXR);
	cr_assert_eq(n, 20200, "Deep calls with returns: %zu", n);
	for (size_t i = 0; i < n; i++) {
		cr_assert_leq(r[i]->args[0], 100);
		cr_assert_eq(r[i]->ret, (int64_t)r[i]->args[0], "Deep(%llu) returned %lld",
			     (unsigned long long)r[i]->args[0], (long long)r[i]->ret);
		cr_assert_eq(r[i]->flags & AT_CALL_FAILING, 0);
		per_n[r[i]->args[0]]++;
	}
	for (int k = 0; k <= 100; k++)
		cr_assert_eq(per_n[k], 200, "Deep(%d) returned %u times", k, per_n[k]);
	cr_assert_eq(t.pstats[0].count, 20200);
	cr_assert_eq(trace_calls(&t, 1, r, MAXR), 20200, "entries, once each");
	/* The stacks did grow (and the function was restarted each time). */
	cr_assert_gt(trace_calls(&t, 2, r, MAXR), 200);
	cr_assert_eq(t.lost.orphan_ret, 0);
	cr_assert_eq(t.lost.go_unmatched, 0);
	trace_free(&t);
}

/* Stripped (functions from .gopclntab, no DWARF): the same sites, the same exact counts. */
Test(goret, stripped_binary, .timeout = 120)
{
	struct trace t;
	size_t n;

	trace_goret((char *[]){ (char *)build_path("goret-stripped"), "deep", "50", NULL },
		    (struct trace_opts){ .uprobes = { ":main.Deep(long n) -> long",
						      ":main.Multi(long i) -> long" } },
		    &t);
	n = trace_calls(&t, 0, r, MAXR);
	cr_assert_eq(n, 50 * 101);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(r[i]->ret, (int64_t)r[i]->args[0]);
	cr_assert_eq(t.lost.go_unmatched, 0);
	cr_assert_eq(t.lost.orphan_ret, 0);
	trace_free(&t);

	trace_goret((char *[]){ (char *)build_path("goret-stripped"), "errs", "50", NULL },
		    (struct trace_opts){ .uprobes = { ":main.Parse(long i) -> (long, error)" } },
		    &t);
	cr_assert_eq(trace_calls(&t, 0, r, MAXR), 50);
	cr_assert_eq(t.pstats[0].errors, 10);
	trace_free(&t);
}

/*
 * 8 goroutines on 4 threads call Block 20 times each; it parks or blocks in a
 * syscall, and many resume on another thread: every return is its own
 * entry's (3i + 1 for argument i), and lasts the 1 ms sleep, not more than
 * a second.
 */
Test(goret, goroutines_paired_across_threads, .timeout = 60)
{
	unsigned seen[160] = { 0 };
	char file[64];
	long migrated = -1;
	struct trace t;
	FILE *f;
	size_t n;

	tmp_name(file, sizeof(file), "goret", "migrated");
	trace_goret((char *[]){ GORET, "block", "20", "8", file, NULL },
		    (struct trace_opts){ .uprobes = { ":main.Block(long i) -> long" } }, &t);
	f = fopen(file, "r");
	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "migrated %ld", &migrated), 1);
	fclose(f);
	unlink(file);
	cr_assert_gt(migrated, 0, "no call resumed on another thread: the test shows nothing");

	n = trace_calls(&t, 0, r, MAXR);
	cr_assert_eq(n, 160);
	for (size_t i = 0; i < n; i++) {
		uint64_t a = r[i]->args[0];

		cr_assert_lt(a, 160);
		seen[a]++;
		cr_assert_eq(r[i]->ret, (int64_t)(3 * a + 1), "Block(%llu) = %lld",
			     (unsigned long long)a, (long long)r[i]->ret);
		cr_assert_geq(dur(r[i]), 1000000, "Block(%llu) took %llu ns", (unsigned long long)a,
			      (unsigned long long)dur(r[i]));
		cr_assert_lt(dur(r[i]), 1000000000ull);
	}
	for (int k = 0; k < 160; k++)
		cr_assert_eq(seen[k], 1, "Block(%d) seen %u times", k, seen[k]);
	cr_assert_eq(t.lost.orphan_ret, 0);
	cr_assert_eq(t.lost.go_unmatched, 0);
	trace_free(&t);
}

/*
 * Risky(i) panics for i % 4 == 0 and the caller recovers: its entry has no
 * return, replaced (and counted) when the goroutine calls it again at the
 * same depth; safe, which recovers, returns every time, through its
 * deferreturn RET after a recovery.
 */
Test(goret, panic_unmatched_entry_counted, .timeout = 60)
{
	struct trace t;
	size_t n;

	trace_goret((char *[]){ GORET, "panic", "41", NULL },
		    (struct trace_opts){ .uprobes = { ":main.Risky(long i) -> long",
						      ":main.safe(long i) -> (long, u8)" } },
		    &t);
	n = trace_calls(&t, 0, r, MAXR);
	cr_assert_eq(n, 31, "41 calls, 10 panics");
	for (size_t i = 0; i < n; i++) {
		cr_assert_neq(r[i]->args[0] % 4, 0, "Risky(%llu) panics",
			      (unsigned long long)r[i]->args[0]);
		cr_assert_eq(r[i]->ret, (int64_t)(2 * r[i]->args[0]));
	}
	cr_assert_eq(t.lost.go_unmatched, 10, "the 10 panicked entries, each counted once: %llu",
		     (unsigned long long)t.lost.go_unmatched);
	n = trace_calls(&t, 1, r, MAXR);
	cr_assert_eq(n, 41, "safe returns each time");
	for (size_t i = 0; i < n; i++) {
		uint64_t a = r[i]->args[0];
		bool ok = a % 4 != 0;

		cr_assert_eq(r[i]->args[0], i + 1);
		cr_assert_eq(r[i]->ret_more[0] & 0xff, ok, "safe(%llu)'s ok",
			     (unsigned long long)a);
		if (ok)
			cr_assert_eq(r[i]->ret, (int64_t)(2 * a));
	}
	cr_assert_eq(t.lost.orphan_ret, 0);
	trace_free(&t);
}

/*
 * Exit(i) ends its goroutine (runtime.Goexit): 20 entries that never return,
 * each counted once, by a later call at its depth or at the process's exit,
 * which takes the process's calls out of the table.
 */
Test(goret, goexit_entries_counted_at_exit, .timeout = 60)
{
	struct trace t;

	trace_goret((char *[]){ GORET, "goexit", "20", NULL },
		    (struct trace_opts){ .uprobes = { ":main.Exit(long i) -> long" } }, &t);
	cr_assert_eq(trace_calls(&t, 0, r, MAXR), 0);
	cr_assert_eq(t.pcounts[0].hits, 0, "no return, no hit");
	cr_assert_eq(t.lost.go_unmatched, 20, "%llu", (unsigned long long)t.lost.go_unmatched);
	cr_assert_eq(t.lost.orphan_ret, 0);
	trace_free(&t);
}

/* Multi has three RETs, one per i % 3: each taken 10 times in 30 calls, each value right. */
Test(goret, every_ret_of_a_function, .timeout = 60)
{
	unsigned path[3] = { 0 };
	struct trace t;
	size_t n;

	trace_goret((char *[]){ GORET, "multi", "30", NULL },
		    (struct trace_opts){ .uprobes = { ":main.Multi(long i) -> long" } }, &t);
	n = trace_calls(&t, 0, r, MAXR);
	cr_assert_eq(n, 30);
	for (size_t i = 0; i < n; i++) {
		int64_t a = (int64_t)r[i]->args[0];
		int64_t want = a % 3 == 0 ? a + 1 : a % 3 == 1 ? 2 * a + 1000000 : -a;

		cr_assert_eq(a, (int64_t)i);
		cr_assert_eq(r[i]->ret, want, "Multi(%lld) = %lld", (long long)a,
			     (long long)r[i]->ret);
		path[a % 3]++;
		/* The default predicate of a signed result: < 0, the third path's. */
		cr_assert_eq(!!(r[i]->flags & AT_CALL_FAILING), a % 3 == 2 && a > 0);
	}
	for (int k = 0; k < 3; k++)
		cr_assert_eq(path[k], 10);
	trace_free(&t);
}

/* (long, error): failing exactly when the error is not nil, 10 of 50; also return-only. */
Test(goret, value_and_error_results, .timeout = 60)
{
	struct trace t;
	uint64_t type = 0, data = 0;
	size_t n;

	trace_goret(
		(char *[]){ GORET, "errs", "50", NULL },
		(struct trace_opts){ .uprobes = { ":main.Parse(long i) -> (long, error)",
						  ":main.Parse -> (long, error) @return",
						  ":main.Parse(long i) -> (long, error) > 400" } },
		&t);
	n = trace_calls(&t, 0, r, MAXR);
	cr_assert_eq(n, 50);
	for (size_t i = 0; i < n; i++) {
		bool bad = r[i]->args[0] % 5 == 0;

		cr_assert_eq(r[i]->args[0], i);
		cr_assert_eq(!!(r[i]->flags & AT_CALL_FAILING), bad);
		if (!bad) {
			cr_assert_eq(r[i]->ret, (int64_t)(10 * i));
			cr_assert_eq(r[i]->ret_more[0], 0, "a nil error's type word");
			cr_assert_eq(r[i]->ret_more[1], 0);
			continue;
		}
		cr_assert_eq(r[i]->ret, 0);
		cr_assert_neq(r[i]->ret_more[0], 0, "errBad's type word");
		cr_assert_neq(r[i]->ret_more[1], 0, "errBad's data word");
		/* The same error value each time. */
		if (!type) {
			type = r[i]->ret_more[0];
			data = r[i]->ret_more[1];
		}
		cr_assert_eq(r[i]->ret_more[0], type);
		cr_assert_eq(r[i]->ret_more[1], data);
	}
	cr_assert_eq(t.pstats[0].count, 50);
	cr_assert_eq(t.pstats[0].errors, 10);
	n = trace_calls(&t, 1, r, MAXR);
	cr_assert_eq(n, 50);
	for (size_t i = 0; i < n; i++)
		cr_assert(r[i]->flags & AT_CALL_RETURN_ONLY);
	cr_assert_eq(t.pstats[1].errors, 10);
	/* An explicit predicate on the first result, or the error: 10 errors, i 41..49. */
	cr_assert_eq(t.pstats[2].errors, 10 + 8);
	trace_free(&t);
}

/* A Go string read at the entry (the sleepable read's frame), its call's result at the RET. */
Test(goret, string_argument_with_result, .timeout = 60)
{
	char file[64];
	struct trace t;
	size_t n;

	tmp_name(file, sizeof(file), "goret", "words");
	trace_goret((char *[]){ (char *)build_path("gofuncs"), "types", file, NULL },
		    (struct trace_opts){ .uprobes = { ":main.greet(gostr s, long n) -> long" } },
		    &t);
	unlink(file);
	n = trace_calls(&t, 0, r, MAXR);
	cr_assert_eq(n, 12);
	for (size_t i = 0; i < 10; i++) {
		cr_assert_eq(r[i]->slot_len[0], 5);
		cr_assert_eq(memcmp(r[i]->slot[0], i < 6 ? "hello" : "world", 5), 0);
		cr_assert_eq(r[i]->ret, (int64_t)(5 + r[i]->args[1]), "greet %zu", i);
	}
	cr_assert_eq(r[10]->ret, 42);
	cr_assert_eq(r[11]->ret, 107);
	trace_free(&t);
}

/* The CLI: results as "(10, nil)" and [10,null], the unmatched count in the summary. */
Test(goret, cli_text_json_and_counter, .timeout = 60)
{
	char *out, *err;
	int st;

	st = run_capture((char *[]){ AT, "-q", "-u", ":main.Parse(long i) -> (long, error)", "--",
				     GORET, "errs", "6", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_not_null(strstr(out, "goret:main.Parse(i=1) = (10, nil) <"), "%s", out);
	cr_assert_not_null(strstr(out, "goret:main.Parse(i=5) = (0, error{type=0x"), "%s", out);
	cr_assert_eq(count_lines(out, "[failing]"), 2, "%s", out);
	cr_assert_eq(count_lines(out, "goret:main.Parse("), 6, "%s", out);
	free(out);
	free(err);

	st = run_capture((char *[]){ AT, "-q", "--json", "-u",
				     ":main.Parse(long i) -> (long, error)", "--", GORET, "errs",
				     "6", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_not_null(strstr(out, "\"args\":{\"i\":2},\"ret\":[20,null],\"failing\":false"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "\"args\":{\"i\":0},\"ret\":[0,{\"type\":\"0x"), "%s", out);
	cr_assert_eq(count_lines(out, "\"failing\":true"), 2, "%s", out);
	free(out);
	free(err);

	st = run_capture((char *[]){ AT, "-q", "-u", ":main.Risky(long i) -> long", "--", GORET,
				     "panic", "9", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_eq(count_lines(out, "goret:main.Risky("), 7, "%s", out);
	cr_assert_not_null(strstr(err, " 2 calls (Go, no return)"), "%s", err);
	free(out);
	free(err);

	/* Go results on a C binary: refused. */
	st = run_capture((char *[]){ AT, "-u", ":plain -> (long, error)", "--",
				     (char *)build_path("funcs"), NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %d", st);
	cr_assert_not_null(strstr(err, "agent-trace: probe ':plain': the results (error, ...) are "
				       "Go's (a tuple, an interface or an error), and "),
			   "%s", err);
	free(out);
	free(err);
}

/*
 * A probe file whose probes wait for their targets: the follower resolves
 * the Go binary when it runs, and puts the return probe on its RETs.
 */
Test(goret, follower_on_probe_file_targets, .timeout = 90)
{
	char dir[64], exe[96], y[1536], *out, *err;
	struct pt_agent ag;

	snprintf(dir, sizeof(dir), "/tmp/agent-trace-goret.%d", getpid());
	snprintf(exe, sizeof(exe), "%s/goret", dir);
	free(sh("mkdir -p %s && cp %s %s", dir, GORET, exe));
	snprintf(
		y, sizeof(y),
		"targets:\n"
		"  exe: ['%s']\n"
		"probes:\n"
		"  - {name: perr, kind: function, attach: ':main.Parse(long i) -> (long, error)'}\n"
		"  - {name: deep, kind: function, attach: ':main.Deep(long n) -> long'}\n"
		"  - {name: pfail, kind: function, attach: ':main.Parse', args: 'long i',\n"
		"     ret: '(long, error)', when: failing}\n",
		exe);
	pt_agent_start(&ag, "goret", y);
	/* Time for the follower to attach once it has seen the exec. */
	setenv("GORET_DELAY", "300ms", 1);
	for (int i = 0; i < 2; i++) {
		int st = run_capture((char *[]){ exe, "errs", "50", NULL }, &out, &err);

		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "goret errs: %d %s", st, err);
		free(out);
		free(err);
		st = run_capture((char *[]){ exe, "deep", "10", NULL }, &out, &err);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "goret deep: %d %s", st, err);
		free(out);
		free(err);
	}
	unsetenv("GORET_DELAY");
	wait_lines(ag.out, "\"probe_name\":\"deep\"", 2 * 1010);
	out = pt_agent_stop(&ag, &err);
	cr_assert_eq(calls_of(out, "perr", NULL), 100, "%s", err);
	cr_assert_eq(calls_of(out, "perr", "\"failing\":true"), 20);
	cr_assert_eq(calls_of(out, "perr", "\"ret\":[0,{\"type\":\"0x"), 20);
	/* when: failing, from the error alone: the 20 calls whose error is not nil. */
	cr_assert_eq(calls_of(out, "pfail", NULL), 20);
	cr_assert_eq(calls_of(out, "pfail", "\"failing\":true"), 20);
	cr_assert_eq(calls_of(out, "deep", NULL), 2 * 1010);
	cr_assert_eq(calls_of(out, "deep", "\"args\":{\"n\":7},\"ret\":7,"), 2 * 10);
	free(out);
	free(err);
	free(sh("rm -rf %s", dir));
}

/*
 * Harm: every mode at once under every probe, and return probes on 500 of
 * the Go runtime's own functions (the scheduler, the allocator, stack
 * growth), run after run; each run must exit 0.
 */
Test(goret, harm_loop, .timeout = 120)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 8; i++) {
		char *out, *err;
		int st = run_capture(
			(char *[]){ AT,	   "-q",
				    "-u",  ":main.Deep(long n) -> long",
				    "-u",  ":main.Block(long i) -> long",
				    "-u",  ":main.Risky(long i) -> long",
				    "-u",  ":main.safe(long i) -> (long, u8)",
				    "-u",  ":main.Multi(long i) -> long",
				    "-u",  ":main.Parse(long i) -> (long, error)",
				    "-u",  ":main.touch(ptr b, long l, long c, long n) -> long",
				    "-u",  ":main.*@entry",
				    "-u",  ":runtime.[a-m]* -> long",
				    "--",  GORET,
				    "all", NULL },
			&out, &err);

		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "run %d: status %d: %s", i, st,
			  err);
		/* Each function twice: its probe and main.*@entry. */
		cr_assert_eq(count_lines(out, "goret:main.Deep("), 2 * 5 * 101, "run %d", i);
		cr_assert_eq(count_lines(out, "goret:main.Parse("), 2 * 10, "run %d", i);
		free(out);
		free(err);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	cr_log_info("goret harm loop: 8 runs in %.1f s",
		    (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
}
