// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Function probes on many functions of one file: uprobe_multi links (one per
 * file and mode for all a probe file's entries, or all the -u SPECs) where
 * the kernel has them, per-probe perf links with AT_NO_UPROBE_MULTI=1; both
 * with exact counts, live removal
 * of some of a glob's probes, reload rollback, and the time detaching takes.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "plan.h"
#include "probefile.h"
#include "probes.h"
#include "session.h"
#include "session_priv.h" /* the session's own programs, to count its links alone */
#include "setup.h"
#include "uprobe_multi.h"
#include "uspec.h"

#define MAXR 4096
#define NIDS 20

static const struct at_call_rec *recs[MAXR];

/* Two globs over many's functions: ids 0..9 on fn_000..fn_009, 10..19 on fn_010..fn_019. */
static const char *two_globs = "probes:\n"
			       "  - name: first\n"
			       "    kind: function\n"
			       "    attach: ':fn_00*(int x) -> int'\n"
			       "  - name: second\n"
			       "    kind: function\n"
			       "    attach: ':fn_01*(int x) -> int'\n";

/* What the callbacks saw, while the session was there to ask. */
static struct {
	bool multi;	 /* session__uprobe_multi */
	int fnum[NIDS];	 /* the number N of fn_N each id is on (its return adds 0xN) */
	int links[2][2]; /* [before, after removing][multi, perf], entry and return summed */
	int entry_multi, ret_multi; /* links of each program, before removing */
	bool remove;		    /* remove id 3 and all of 'second' at the stop */
	int remove_again;	    /* probes__remove(3) a second time */
} seen;

static int prog_links(struct session *s, bool ret, uint32_t type)
{
	struct bpf_program *p = ret ? s->skel->progs.func_return : s->skel->progs.func_entry;

	return links_of_prog(bpf_program__fd(p), type);
}

static void count_links(struct session *s, int when)
{
	seen.links[when][0] = prog_links(s, false, AT_BPF_LINK_TYPE_UPROBE_MULTI) +
			      prog_links(s, true, AT_BPF_LINK_TYPE_UPROBE_MULTI);
	seen.links[when][1] = prog_links(s, false, BPF_LINK_TYPE_PERF_EVENT) +
			      prog_links(s, true, BPF_LINK_TYPE_PERF_EVENT);
}

/* At many's SIGSTOP, between its two rounds of calls. */
static void at_stop(struct session *s, const char *exe)
{
	(void)exe;
	seen.multi = session__uprobe_multi(s);
	cr_assert_eq(probes__count(s), NIDS);
	for (uint32_t id = 0; id < NIDS; id++) {
		const char *fn = strstr(probes__get(s, id)->name, ":fn_");

		cr_assert_not_null(fn, "%s", probes__get(s, id)->name);
		seen.fnum[id] = (int)strtol(fn + 4, NULL, 16);
	}
	seen.entry_multi = prog_links(s, false, AT_BPF_LINK_TYPE_UPROBE_MULTI);
	seen.ret_multi = prog_links(s, true, AT_BPF_LINK_TYPE_UPROBE_MULTI);
	count_links(s, 0);
	if (seen.remove) {
		cr_assert_eq(probes__remove(s, 3), 0);
		for (uint32_t id = 10; id < NIDS; id++)
			cr_assert_eq(probes__remove(s, id), 0);
		seen.remove_again = probes__remove(s, 3);
	}
	count_links(s, 1);
}

/* Each id's calls: how many, and each return the argument plus its function's number. */
static void assert_calls(const struct trace *t, uint32_t id, size_t want)
{
	size_t n = trace_calls(t, id, recs, MAXR);

	cr_assert_eq(n, want, "probe %u: %zu calls, want %zu", id, n, want);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq((int)recs[i]->args[0], (int)(i % 2), "probe %u call %zu", id, i);
		cr_assert_eq((int)recs[i]->ret, (int)(i % 2) + seen.fnum[id],
			     "probe %u (fn_%03x) call %zu returned %d", id, seen.fnum[id], i,
			     (int)recs[i]->ret);
	}
	if (id < 8) {
		cr_assert_eq(t->pcounts[id].hits, want);
		cr_assert_eq(t->pstats[id].count, want);
	}
}

/* Every id's calls as assert_calls checks them, want of each; then the trace is freed. */
static void assert_all_calls(struct trace *t, size_t want)
{
	for (uint32_t id = 0; id < NIDS; id++)
		assert_calls(t, id, want);
	trace_free(t);
}

/* many twophase 2: every function twice, a stop, twice again. */
static void run_two_globs(bool no_multi, bool remove, struct trace *t)
{
	memset(&seen, 0, sizeof(seen));
	seen.remove = remove;
	trace_many("twophase", "2", no_multi, two_globs, &(struct trace_opts){ .on_stop = at_stop },
		   t);
	cr_assert_eq(t->lost.orphan_ret, 0);
	cr_assert_eq(t->lost.depth_lost, 0);
	cr_assert_eq(t->lost.rb_lost, 0);
	cr_assert_eq(seen.multi, !no_multi);
	/* The ids cover the twenty functions, each once. */
	for (int a = 0; a < NIDS; a++) {
		cr_assert_eq(seen.fnum[a] / 16, a / 10, "id %d on fn_%03x", a, seen.fnum[a]);
		for (int b = 0; b < a; b++)
			cr_assert_neq(seen.fnum[a], seen.fnum[b]);
	}
}

Test(multi, a_glob_is_one_link_per_mode_with_exact_counts)
{
	struct trace t;

	run_two_globs(false, false, &t);
	/* The file's two entries are one batch: one link per file and mode for both. */
	cr_assert_eq(seen.entry_multi, 1, "one entry link for the probe file's entries");
	cr_assert_eq(seen.ret_multi, 1, "one return link for the probe file's entries");
	cr_assert_eq(seen.links[0][1], 0, "no perf uprobe link");
	assert_all_calls(&t, 4);
}

Test(multi, fallback_is_one_link_per_probe_with_the_same_counts)
{
	struct trace t;

	run_two_globs(true, false, &t);
	cr_assert_eq(seen.links[0][0], 0, "no uprobe_multi link");
	cr_assert_eq(seen.links[0][1], 2 * NIDS, "an entry and a return link per probe");
	assert_all_calls(&t, 4);
}

Test(multi, removing_some_of_a_globs_probes_keeps_the_others)
{
	struct trace t;

	run_two_globs(false, true, &t);
	cr_assert_eq(seen.links[0][0], 2);
	/* The two entries share their links: 'first''s nine others keep them. */
	cr_assert_eq(seen.links[1][0], 2);
	cr_assert_eq(seen.links[1][1], 0);
	cr_assert_eq(seen.remove_again, -ENOENT);
	for (uint32_t id = 0; id < NIDS; id++)
		assert_calls(&t, id, id == 3 || id >= 10 ? 2 : 4);
	trace_free(&t);
}

Test(multi, fallback_removing_some_of_a_globs_probes_keeps_the_others)
{
	struct trace t;

	run_two_globs(true, true, &t);
	cr_assert_eq(seen.links[0][1], 2 * NIDS);
	cr_assert_eq(seen.links[1][1], 2 * 9);
	cr_assert_eq(seen.links[1][0], 0);
	cr_assert_eq(seen.remove_again, -ENOENT);
	for (uint32_t id = 0; id < NIDS; id++)
		assert_calls(&t, id, id == 3 || id >= 10 ? 2 : 4);
	trace_free(&t);
}

/* A reload adding a glob, then failing on a later entry: the glob's links go with it. */
static void failing_reload(struct session *s, struct plan *plan, pid_t pid, const char *exe)
{
	static const char *y = "probes:\n"
			       "  - name: first\n"
			       "    kind: function\n"
			       "    attach: ':fn_00*(int x) -> int'\n"
			       "  - name: fresh\n"
			       "    kind: function\n"
			       "    attach: ':fn_1[0-1]*(int x) -> int'\n"
			       "  - name: broken\n"
			       "    kind: function\n"
			       "    attach: ':no_such_function(int x)'\n";
	char err[1024];

	(void)pid;
	seen.multi = session__uprobe_multi(s);
	for (uint32_t id = 0; id < 10; id++)
		seen.fnum[id] = (int)strtol(strstr(probes__get(s, id)->name, ":fn_") + 4, NULL, 16);
	count_links(s, 0);
	cr_assert_eq(plan_reload(s, plan, exe, y, NULL, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "probe 'broken': no such function 'no_such_function'"), "%s", err);
	cr_assert_eq(plan->n, 1);
	cr_assert_str_eq(plan->v[0].def.name, "first");
	/* 'fresh' had 20 ids, all handed out, all removed, its links closed. */
	cr_assert_eq(probes__count(s), 30);
	for (uint32_t id = 10; id < 30; id++)
		cr_assert(probes__get(s, id)->removed, "id %u", id);
	count_links(s, 1);
}

/*
 * many MODE N (N: 2 for calls, 1 for twophase) under a probe file of one entry,
 * fn_000..fn_009 (ids 0..9), with the hooks of o; the run must end well.
 */
static void trace_first(const char *mode, bool no_multi, struct trace_opts *o, struct trace *t)
{
	memset(&seen, 0, sizeof(seen));
	trace_many(mode, !strcmp(mode, "calls") ? "2" : "1", no_multi,
		   "probes:\n"
		   "  - name: first\n"
		   "    kind: function\n"
		   "    attach: ':fn_00*(int x) -> int'\n",
		   o, t);
	cr_assert_eq(seen.multi, !no_multi);
}

static void reload_rollback(bool no_multi)
{
	struct trace t;

	trace_first("calls", no_multi, &(struct trace_opts){ .running = failing_reload }, &t);
	cr_assert_eq(seen.links[0][no_multi], no_multi ? 20 : 2);
	cr_assert_eq(seen.links[1][no_multi], seen.links[0][no_multi], "rolled back");
	cr_assert_eq(seen.links[1][!no_multi], 0);
	for (uint32_t id = 0; id < 10; id++)
		assert_calls(&t, id, 2);
	trace_free(&t);
}

Test(multi, failing_reload_rolls_a_globs_link_back)
{
	reload_rollback(false);
}

Test(multi, fallback_failing_reload_rolls_a_globs_links_back)
{
	reload_rollback(true);
}

/* A stop asked for (a signal during set-up) while a glob attaches: -EINTR, nothing left. */
static void cancelled_add(struct session *s, const char *exe)
{
	struct resolve_scope pc = { .exe = exe };
	uint32_t ids[100];
	struct uspec u;
	char err[256];

	seen.multi = session__uprobe_multi(s);
	count_links(s, 0);
	cr_assert_eq(uspec_parse(":fn_10*(int x)", &u, err, sizeof(err)), 0, "%s", err);
	setup_cancel();
	cr_assert_eq(probes__add(s, &u, &pc, ids, 100, err, sizeof(err)), -EINTR);
	setup_reset();
	/* A glob over a small file resolves to its end (elf_syms.c checks every 16384 symbols). */
	cr_assert_str_eq(err, "interrupted while attaching");
	count_links(s, 1);
	/* The ids were handed out, then given back: the next add starts where this one did. */
	cr_assert_eq(probes__count(s), 10);
	cr_assert_eq(probes__add(s, &u, &pc, ids, 100, err, sizeof(err)), 10, "%s", err);
	cr_assert_eq(ids[0], 10);
}

static void cancelled_attach(bool no_multi)
{
	struct trace t;

	trace_first("twophase", no_multi, &(struct trace_opts){ .on_stop = cancelled_add }, &t);
	cr_assert_eq(seen.links[1][0], seen.links[0][0], "multi links rolled back");
	cr_assert_eq(seen.links[1][1], seen.links[0][1], "perf links rolled back");
	/* fn_000..fn_009 called twice; the second add's 10 probes saw the second round. */
	for (uint32_t id = 0; id < 8; id++)
		cr_assert_eq(t.pcounts[id].hits, 2);
	cr_assert_eq(t.nprobes, 20);
	for (uint32_t id = 10; id < 20; id++)
		cr_assert_eq(trace_calls(&t, id, recs, MAXR), 1, "probe %u", id);
	trace_free(&t);
}

Test(multi, cancelled_attach_rolls_back_with_eintr)
{
	cancelled_attach(false);
}

Test(multi, fallback_cancelled_attach_rolls_back_with_eintr)
{
	cancelled_attach(true);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * 300 functions, entry and return: the fallback's 600 links take a grace
 * period each (about 100 ms) to detach, a minute in all; the two multi links
 * one each. The whole run, load to exit, well under 2 s.
 */
Test(multi, attaching_and_detaching_300_probes_takes_under_2s, .timeout = 180)
{
	char *argv[] = {
		(char *)build_path("agent-trace"), "-q",    "-c", "-u", ":fn_[0-2]*(int x)", "--",
		(char *)build_path("many"),	   "calls", "1",  NULL
	};
	char *out, *err;
	double t0, dt;
	int st;

	fallback(false);
	t0 = now_s();
	st = run_capture(argv, &out, &err);
	dt = now_s() - t0;
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_eq(count_lines(out, "many:fn_"), 600,
		     "300 probes, a table line and a histogram "
		     "title each:\n%s",
		     out);
	cr_assert_lt(dt, 2.0, "attach, run and detach of 300 probes took %.2f s", dt);
	free(out);
	free(err);
}

/*
 * A SIGKILLed agent's 1,000 probes: the kernel releases its links as the
 * process exits, two grace periods instead of 2,000 (minutes in D state).
 */
Test(multi, sigkilled_agents_1000_probes_are_gone_within_2s, .timeout = 60)
{
	char pid[16], out[64], errf[64];
	char *target[] = { (char *)build_path("many"), "sleep", "30", NULL };
	pid_t tp, ap;
	double t0, dt;
	int st, waited = 0;

	fallback(false);
	tp = spawn_logged(target, "/dev/null", "/dev/null");
	snprintf(pid, sizeof(pid), "%d", tp);
	snprintf(out, sizeof(out), "/tmp/at-multi-kill-%d.out", getpid());
	snprintf(errf, sizeof(errf), "/tmp/at-multi-kill-%d.err", getpid());
	ap = spawn_logged((char *[]){ (char *)build_path("agent-trace"), "-q", "-c", "-u",
				      ":fn_*(int x)", "-p", pid, NULL },
			  out, errf);
	/* Attached once both of its links exist (its own: no other test runs many meanwhile). */
	while (links_of_type("func_entry", AT_BPF_LINK_TYPE_UPROBE_MULTI) < 1 ||
	       links_of_type("func_return", AT_BPF_LINK_TYPE_UPROBE_MULTI) < 1) {
		if (waited >= 10000) {
			/* Not left running (detaching 2,000 perf links would take minutes). */
			kill(ap, SIGKILL);
			kill(tp, SIGKILL);
			cr_assert_fail("agent never attached its two links: %s", slurp(errf));
		}
		usleep(10000);
		waited += 10;
	}
	t0 = now_s();
	cr_assert_eq(kill(ap, SIGKILL), 0);
	cr_assert_eq(waitpid(ap, &st, 0), ap);
	while (links_of_type("func_entry", AT_BPF_LINK_TYPE_UPROBE_MULTI) +
		       links_of_type("func_return", AT_BPF_LINK_TYPE_UPROBE_MULTI) &&
	       now_s() - t0 < 10)
		usleep(10000);
	dt = now_s() - t0;
	kill(tp, SIGKILL);
	waitpid(tp, NULL, 0);
	unlink(out);
	unlink(errf);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "agent status %d", st);
	cr_assert_lt(dt, 2.0, "links still there %.2f s after the SIGKILL", dt);
}

/*
 * A probe file of 100 entries, one function each: two multi links for them
 * all (200 before entries were batched, which closed together at exit so
 * their grace periods overlapped).
 */
Test(multi, detaching_100_entries_links_together_takes_under_2s, .timeout = 180)
{
	char path[64], *out, *err;
	double t0, dt;
	FILE *f;
	int st;

	fallback(false);
	snprintf(path, sizeof(path), "/tmp/at-multi-100-%d.yaml", getpid());
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "probes:\n");
	for (int i = 0; i < 100; i++)
		fprintf(f, "  - name: p%d\n    kind: function\n    attach: ':fn_%03d(int x)'\n", i,
			i);
	cr_assert_eq(fclose(f), 0);
	t0 = now_s();
	st = run_capture((char *[]){ (char *)build_path("agent-trace"), "-q", "-c", "-C", path,
				     "--", (char *)build_path("many"), "calls", "1", NULL },
			 &out, &err);
	dt = now_s() - t0;
	unlink(path);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_eq(count_lines(out, "many:fn_"), 100, "a table line per probe:\n%s", out);
	cr_assert_eq(count_lines(out, "] hits 1, filtered 0, events 0,"), 100, "%s", out);
	cr_assert_lt(dt, 2.0, "attach, run and detach of 100 entries took %.2f s", dt);
	free(out);
	free(err);
}
