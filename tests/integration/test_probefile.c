// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probe files against the real BPF programs: filters that must match exactly
 * K of N calls, count and histogram actions, signals, sampling and rate limits
 * accounted to the call, and reloads applied as transactions.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "harness.h"
#include "plan.h"
#include "probefile.h"
#include "probes.h"
#include "session.h"
#include "summary.h"
#include "syscalls.h"

#define MAXR 40000

static const struct at_call_rec *recs[MAXR];

static void run_probed(const char *const *args, const char *yaml, struct trace *t)
{
	char *argv[8] = { (char *)build_path("probed") };
	struct trace_opts o = { .no_syscalls = true, .probe_file = yaml };

	for (int i = 0; args[i] && i < 6; i++)
		argv[i + 1] = (char *)args[i];
	trace_cmd(argv, &o, t);
}

/* Every count the kernel keeps for a probe must add up. */
static void assert_accounted(const struct at_probe_counts *c)
{
	cr_assert_eq(c->hits, c->filtered + c->matched, "hits %llu filtered %llu matched %llu",
		     (unsigned long long)c->hits, (unsigned long long)c->filtered,
		     (unsigned long long)c->matched);
}

Test(probefile, function_filter_matches_exactly_k_of_n)
{
	static const char *args[] = { "steps", "40", NULL };
	struct trace t;
	bool seen[40] = {};

	run_probed(args,
		   "probes:\n"
		   "  - name: some-steps\n"
		   "    kind: function\n"
		   "    attach: ':step(int i, str tag) -> int'\n"
		   "    filter: i >= 12 and i < 20 or tag == \"/tmp/odd\" and i < 4\n",
		   &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0);
	cr_assert_eq(t.pcounts[0].hits, 40);
	cr_assert_eq(t.pcounts[0].matched, 10);
	cr_assert_eq(t.pcounts[0].filtered, 30);
	cr_assert_eq(t.pcounts[0].emitted, 10);
	assert_accounted(&t.pcounts[0]);
	cr_assert_eq(t.pstats[0].count, 10, "statistics count matching calls only");
	cr_assert_eq(trace_calls(&t, 0, recs, MAXR), 10);
	for (int k = 0; k < 10; k++) {
		int i = (int)recs[k]->args[0];

		cr_assert((i >= 12 && i < 20) || i == 1 || i == 3, "step(%d) passed the filter", i);
		cr_assert_not(seen[i]);
		seen[i] = true;
		cr_assert_eq(recs[k]->ret, i);
		cr_assert_str_eq(slot_str(recs[k], 0), i % 2 ? "/tmp/odd" : "/etc/even");
	}
	trace_free(&t);
}

Test(probefile, syscall_filter_on_path_and_failing_calls)
{
	static const char *args[] = { "opens", "30", NULL };
	struct trace t;
	char want[64];

	run_probed(args,
		   "probes:\n"
		   "  - name: tmp-opens\n"
		   "    kind: syscall\n"
		   "    attach: openat\n"
		   "    filter: filename startswith \"/tmp/at-probed-match-\"\n"
		   "    action: [event, count]\n"
		   "  - name: failed-opens\n"
		   "    kind: syscall\n"
		   "    attach: openat\n"
		   "    when: failing\n"
		   "    filter: 'filename startswith \"/nonexistent/\" and ret == -ENOENT'\n"
		   "    action: count\n",
		   &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0);
	/* i % 3 == 0 of 0..29 opens the file in /tmp: 10 calls. */
	cr_assert_eq(t.pcounts[0].matched, 10);
	cr_assert_eq(t.pcounts[0].emitted, 10);
	assert_accounted(&t.pcounts[0]);
	cr_assert_eq(t.pstats[0].count, 10);
	cr_assert_eq(t.pstats[0].errors, 0);
	cr_assert_eq(trace_probe_recs(&t, AT_REC_SYSCALL, 0, recs, MAXR), 10);
	for (int k = 0; k < 10; k++) {
		snprintf(want, sizeof(want), "/tmp/at-probed-match-%d", 3 * k);
		cr_assert_eq(recs[k]->nr, (unsigned)syscall_by_name("openat"));
		cr_assert_str_eq(slot_str(recs[k], 0), want);
		cr_assert_geq(recs[k]->ret, 0, "open of %s returned an fd", want);
		cr_assert_eq(recs[k]->args[2] & (O_CREAT | O_ACCMODE), O_CREAT | O_RDONLY);
	}
	/* The other 20 fail with ENOENT: counted, never sent. */
	cr_assert_eq(t.pcounts[1].matched, 20);
	cr_assert_eq(t.pstats[1].count, 20);
	cr_assert_eq(t.pstats[1].errors, 20);
	cr_assert_eq(t.pcounts[1].emitted, 0);
	assert_accounted(&t.pcounts[1]);
	cr_assert_eq(trace_probe_recs(&t, 0, 1, recs, MAXR), 0);
	trace_free(&t);
}

Test(probefile, syscall_filter_case_insensitive)
{
	static const char *args[] = { "opens", "30", NULL };
	struct trace t;
	char want[64];

	run_probed(
		args,
		"probes:\n"
		"  - name: folded\n"
		"    kind: syscall\n"
		"    attach: openat\n"
		"    filter: filename istartswith \"/TMP/At-Probed-MATCH-\"\n"
		"  - name: one\n"
		"    kind: syscall\n"
		"    attach: openat\n"
		"    filter: comm iequals \"PROBED\" and filename iequals \"/TMP/AT-PROBED-MATCH-27\"\n"
		"    action: count\n"
		"  - name: exact\n"
		"    kind: syscall\n"
		"    attach: openat\n"
		"    filter: filename startswith \"/TMP/AT-\" or comm == \"PROBED\"\n"
		"    action: count\n",
		&t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0);
	/* The same 10 calls as 'filename startswith "/tmp/at-probed-match-"'. */
	cr_assert_eq(t.pcounts[0].matched, 10);
	cr_assert_eq(t.pcounts[0].emitted, 10);
	assert_accounted(&t.pcounts[0]);
	cr_assert_eq(trace_probe_recs(&t, AT_REC_SYSCALL, 0, recs, MAXR), 10);
	for (int k = 0; k < 10; k++) {
		snprintf(want, sizeof(want), "/tmp/at-probed-match-%d", 3 * k);
		cr_assert_str_eq(slot_str(recs[k], 0), want);
	}
	cr_assert_eq(t.pcounts[1].matched, 1);
	cr_assert_eq(t.pstats[1].count, 1);
	assert_accounted(&t.pcounts[1]);
	/* startswith and == stay exact. */
	cr_assert_eq(t.pcounts[2].matched, 0);
	cr_assert_gt(t.pcounts[2].hits, 0);
	trace_free(&t);
}

/* Calls whose value lands in histogram buckets [lo, hi). */
static uint64_t in_range(const struct at_stat *st, uint64_t lo, uint64_t hi)
{
	uint64_t n = 0;

	for (unsigned b = 0; b < AT_HIST_BUCKETS; b++)
		if (hist_bucket_low(b) >= lo && hist_bucket_high(b) < hi)
			n += st->hist[b];
	return n;
}

Test(probefile, count_and_histogram_actions)
{
	static const char *args[] = { "naps", NULL };
	struct trace t;

	run_probed(args,
		   "probes:\n"
		   "  - name: nap-latency\n"
		   "    kind: function\n"
		   "    attach: ':nap(int us) -> int'\n"
		   "    action: histogram\n"
		   "  - name: nap-arg\n"
		   "    kind: function\n"
		   "    attach: ':nap(int us) -> int'\n"
		   "    action: {histogram: us}\n"
		   "  - name: nap-count\n"
		   "    kind: syscall\n"
		   "    attach: nanosleep,clock_nanosleep\n"
		   "    action: count\n",
		   &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0);
	/* 3 naps of 1 ms and 2 of 20 ms: nothing sent, everything counted. */
	cr_assert_eq(t.nrecs, 0, "count and histogram send no records");
	for (int p = 0; p < 3; p++) {
		cr_assert_eq(t.pstats[p].count, 5, "probe %d", p);
		cr_assert_eq(t.pcounts[p].emitted, 0);
		assert_accounted(&t.pcounts[p]);
	}
	/* nanosleep guarantees at least what was asked: lower bounds only. */
	cr_assert_eq(in_range(&t.pstats[0], 900000, UINT64_MAX), 5, "five naps of 1 ms or more");
	cr_assert_geq(in_range(&t.pstats[0], 15000000, UINT64_MAX), 2, "two naps of 20 ms");
	cr_assert_geq(t.pstats[0].max_ns, 20000000);
	/* The argument histogram is exact: 1000 three times, 20000 twice. */
	cr_assert_eq(t.pstats[1].hist[at_hist_bucket(1000)], 3);
	cr_assert_eq(t.pstats[1].hist[at_hist_bucket(20000)], 2);
	cr_assert_eq(t.pstats[1].total_ns, 3 * 1000 + 2 * 20000, "sum of the values");
	cr_assert_eq(t.pstats[1].max_ns, 20000);
	cr_assert_eq(t.pstats[2].errors, 0);
	trace_free(&t);
}

Test(probefile, signal_action_kills_the_target_at_the_matching_call)
{
	static const char *args[] = { "count", "20", NULL };
	struct trace t;

	run_probed(args,
		   "probes:\n"
		   "  - name: every-step\n"
		   "    kind: function\n"
		   "    attach: ':step(int i) -> int'\n"
		   "  - name: kill-at-7\n"
		   "    kind: function\n"
		   "    attach: ':step(int i)'\n"
		   "    when: entry\n"
		   "    filter: i == 7\n"
		   "    action: {signal: SIGKILL}\n",
		   &t);
	cr_assert(WIFSIGNALED(t.status) && WTERMSIG(t.status) == SIGKILL, "status 0x%x", t.status);
	cr_assert_eq(t.pcounts[1].signals, 1);
	cr_assert_eq(t.pcounts[1].matched, 1);
	cr_assert_eq(t.pcounts[1].hits, 8, "step(0..7) entered, no further");
	/* step(7) never returned: 0..6 complete. */
	cr_assert_eq(trace_calls(&t, 0, recs, MAXR), 7);
	for (int k = 0; k < 7; k++)
		cr_assert_eq(recs[k]->args[0], (uint64_t)k);
	trace_free(&t);
}

Test(probefile, syscall_signal_action_at_entry)
{
	static const char *args[] = { "opens", "30", NULL };
	struct trace t;

	run_probed(args,
		   "probes:\n"
		   "  - name: guard\n"
		   "    kind: syscall\n"
		   "    attach: openat\n"
		   "    when: entry\n"
		   "    filter: filename == \"/tmp/at-probed-match-9\"\n"
		   "    action: [event, {signal: SIGKILL}]\n"
		   "  - name: tmp-opens\n"
		   "    kind: syscall\n"
		   "    attach: openat\n"
		   "    filter: filename startswith \"/tmp/at-probed-match-\"\n"
		   "    action: count\n",
		   &t);
	unlink("/tmp/at-probed-match-9");
	cr_assert(WIFSIGNALED(t.status) && WTERMSIG(t.status) == SIGKILL, "status 0x%x", t.status);
	cr_assert_eq(t.pcounts[0].signals, 1);
	/* Opens 0, 3, 6 and 9 (that one runs, the kill lands as it returns); no 12. */
	cr_assert_eq(t.pcounts[1].matched, 4);
	cr_assert_eq(trace_probe_recs(&t, AT_REC_SYSCALL, 0, recs, MAXR), 1);
	cr_assert_str_eq(slot_str(recs[0], 0), "/tmp/at-probed-match-9");
	cr_assert(recs[0]->flags & AT_CALL_ENTRY_ONLY);
	trace_free(&t);
}

Test(probefile, sampling_and_rate_limit_account_for_every_call)
{
	static const char *args[] = { "spin", "5000", "100", NULL };
	struct trace t;
	uint64_t lim;
	double secs;

	run_probed(args,
		   "probes:\n"
		   "  - name: sampled\n"
		   "    kind: function\n"
		   "    attach: ':step(int i) -> int'\n"
		   "    sample: 10\n"
		   "  - name: limited\n"
		   "    kind: function\n"
		   "    attach: ':step(int i) -> int'\n"
		   "    rate_limit: {rate: 50, burst: 5}\n",
		   &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0);
	/* Sampling is exact: one in ten of 5000. */
	cr_assert_eq(t.pcounts[0].matched, 5000);
	cr_assert_eq(t.pcounts[0].emitted, 500);
	cr_assert_eq(t.pcounts[0].sampled_out, 4500);
	cr_assert_eq(trace_calls(&t, 0, recs, MAXR), 500);
	/* Rate limit: every call either sent or counted as limited. */
	cr_assert_eq(t.pcounts[1].matched, 5000);
	cr_assert_eq(t.pcounts[1].emitted + t.pcounts[1].rate_limited, 5000);
	cr_assert_eq(trace_calls(&t, 1, recs, MAXR), t.pcounts[1].emitted);
	cr_assert_geq(t.pcounts[1].emitted, 5, "the burst goes through");
	/* The bucket refills 50 a second: at most the burst plus that over the run. */
	cr_assert_gt(t.pcounts[1].rate_limited, 0);
	secs = (double)(recs[t.pcounts[1].emitted - 1]->hdr.ts_ns - recs[0]->hdr.ts_ns) / 1e9;
	lim = 5 + (uint64_t)(secs * 50) + 1;
	cr_assert_leq(t.pcounts[1].emitted, lim, "%llu events in %.3fs at 50/s burst 5",
		      (unsigned long long)t.pcounts[1].emitted, secs);
	trace_free(&t);
}

/* A probe file with a steady probe, and another whose filter changes each time. */
static const char *reload_yaml(int k)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf),
		 "probes:\n"
		 "  - name: steady\n"
		 "    kind: function\n"
		 "    attach: ':step(int i) -> int'\n"
		 "  - name: churn\n"
		 "    kind: function\n"
		 "    attach: ':step(int i) -> int'\n"
		 "    filter: i < %d\n"
		 "    action: count\n"
		 "%s",
		 10 + k,
		 k % 3 ? "" :
			 "  - name: extra\n"
			 "    kind: syscall\n"
			 "    attach: nanosleep,clock_nanosleep\n"
			 "    action: count\n");
	return buf;
}

static int nreloads;

static void reload_while_running(struct session *s, struct plan *plan, pid_t pid, const char *exe)
{
	char err[1024];

	(void)pid;
	/* Reload until the target is gone: the steady probe must see every call once. */
	for (int k = 1; !session__empty(s) || k < 3; k++) {
		struct plan_diff d;

		cr_assert_eq(plan_reload(s, plan, exe, reload_yaml(k), &d, err, sizeof(err)), 0,
			     "%s", err);
		cr_assert_eq(d.unchanged, 1, "steady stays");
		cr_assert_eq(d.changed, 1, "churn is replaced");
		nreloads++;
		usleep(2000);
	}
}

Test(probefile, unchanged_probe_sees_every_call_exactly_once_over_many_reloads)
{
	char *argv[] = { (char *)build_path("probed"), "spin", "30000", "10", NULL };
	struct trace_opts o = {
		.no_syscalls = true,
		.probe_file = reload_yaml(0),
		.running = reload_while_running,
	};
	struct trace t;
	bool *seen = calloc(30000, 1);
	size_t n;

	nreloads = 0;
	trace_cmd(argv, &o, &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0);
	/* A reload that replaces a uprobe waits for the kernel to retire the old one. */
	cr_assert_geq(nreloads, 3, "only %d reloads while the target ran", nreloads);
	cr_assert_eq(t.pcounts[0].hits, 30000,
		     "hits %llu, emitted %llu; unpaired returns %llu, depth %llu, state %llu",
		     (unsigned long long)t.pcounts[0].hits,
		     (unsigned long long)t.pcounts[0].emitted,
		     (unsigned long long)t.lost.orphan_ret, (unsigned long long)t.lost.depth_lost,
		     (unsigned long long)t.lost.state_lost);
	cr_assert_eq(t.pcounts[0].emitted, 30000);
	cr_assert_eq(t.pstats[0].count, 30000);
	cr_assert_eq(t.lost.rb_lost, 0);
	n = trace_calls(&t, 0, recs, MAXR);
	cr_assert_eq(n, 30000);
	for (size_t k = 0; k < n; k++) {
		uint64_t i = recs[k]->args[0];

		cr_assert_lt(i, 30000);
		cr_assert_not(seen[i], "step(%llu) reported twice", (unsigned long long)i);
		seen[i] = true;
	}
	free(seen);
	trace_free(&t);
}

static void failing_reload(struct session *s, struct plan *plan, pid_t pid, const char *exe)
{
	static const char *y = "probes:\n"
			       "  - name: steady\n"
			       "    kind: function\n"
			       "    attach: ':step(int i) -> int'\n"
			       "  - name: fresh\n"
			       "    kind: function\n"
			       "    attach: ':step(int i)'\n"
			       "    when: entry\n"
			       "  - name: broken\n"
			       "    kind: function\n"
			       "    attach: ':no_such_function(int i)'\n";
	uint32_t before = probes__count(s);
	int entries = links_of("func_entry");
	char err[1024];

	(void)pid;
	cr_assert_eq(plan_reload(s, plan, exe, y, NULL, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "probe 'broken': no such function 'no_such_function'"), "%s", err);
	/* Rolled back: 'fresh' was attached, then removed; the old set runs on. */
	cr_assert_eq(plan->n, 1);
	cr_assert_str_eq(plan->v[0].def.name, "steady");
	cr_assert_eq(links_of("func_entry"), entries);
	cr_assert_eq(probes__count(s), before + 1, "one id was handed out, then removed");
	cr_assert(probes__get(s, before)->removed);
}

Test(probefile, failing_attach_rolls_the_reload_back)
{
	char *argv[] = { (char *)build_path("probed"), "spin", "3000", "100", NULL };
	struct trace_opts o = {
		.no_syscalls = true,
		.probe_file = "probes:\n"
			      "  - name: steady\n"
			      "    kind: function\n"
			      "    attach: ':step(int i) -> int'\n",
		.running = failing_reload,
	};
	struct trace t;

	trace_cmd(argv, &o, &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0);
	cr_assert_eq(t.pcounts[0].emitted, 3000, "the old probe saw every call");
	cr_assert_eq(trace_calls(&t, 0, recs, MAXR), 3000);
	trace_free(&t);
}

/* The agent-trace binary with -C, as a user runs it. */

static const char *base_yaml = "probes:\n"
			       "  - name: steady\n"
			       "    kind: function\n"
			       "    attach: ':step(int i) -> int'\n";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* A scratch directory of a CLI test: the probe file, a FIFO, stdout and stderr logs. */
struct scratch {
	char dir[32], file[64], tmp[64], fifo[64], out[64], err[64];
};

static void scratch_make(struct scratch *sc)
{
	snprintf(sc->dir, sizeof(sc->dir), "/tmp/at-test-XXXXXX");
	cr_assert_not_null(mkdtemp(sc->dir));
	snprintf(sc->file, sizeof(sc->file), "%s/probes.yaml", sc->dir);
	snprintf(sc->tmp, sizeof(sc->tmp), "%s/.probes.yaml.tmp", sc->dir);
	snprintf(sc->fifo, sizeof(sc->fifo), "%s/go", sc->dir);
	snprintf(sc->out, sizeof(sc->out), "%s/out", sc->dir);
	snprintf(sc->err, sizeof(sc->err), "%s/err", sc->dir);
}

static void scratch_remove(const struct scratch *sc)
{
	unlink(sc->file);
	unlink(sc->tmp);
	unlink(sc->fifo);
	unlink(sc->out);
	unlink(sc->err);
	rmdir(sc->dir);
}

Test(probefile_cli, reload_on_change_and_sighup_invalid_file_keeps_probes, .timeout = 60)
{
	struct scratch sc;
	char *argv[] = { (char *)build_path("agent-trace"), "--json", "-C", sc.file, "--",
			 (char *)build_path("probed"),	    "phases", "50", sc.fifo, NULL };
	char *o, *e, late[1024];
	int fd, st;
	pid_t pid;

	scratch_make(&sc);
	cr_assert_eq(mkfifo(sc.fifo, 0600), 0);
	write_file(sc.file, base_yaml);
	pid = spawn_logged(argv, sc.out, sc.err);
	/* The FIFO opens once the target runs, after every probe is attached. */
	fd = open(sc.fifo, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "1", 1), 1);

	/* Written in place and invalid: logged, nothing changes. */
	write_file(sc.file, "probes:\n  - name: steady\n    kind: bogus\n    attach: x\n");
	wait_lines(sc.err, "the current probes run on", 1);
	cr_assert_eq(write(fd, "2", 1), 1);

	/* Replaced by rename, as editors do: one probe added, the other kept. */
	snprintf(late, sizeof(late),
		 "%s  - name: late\n    kind: function\n    attach: ':step(int i) -> int'\n"
		 "    filter: i >= 300\n",
		 base_yaml);
	write_file(sc.tmp, late);
	cr_assert_eq(rename(sc.tmp, sc.file), 0);
	wait_lines(sc.err, "reload: 1 new, 0 changed, 0 removed, 1 unchanged", 1);
	cr_assert_eq(write(fd, "3", 1), 1);

	/* SIGHUP reads the sc.file again: nothing to change. */
	cr_assert_eq(kill(pid, SIGHUP), 0);
	wait_lines(sc.err, "reload: 0 new, 0 changed, 0 removed, 2 unchanged", 1);
	close(fd);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	o = slurp(sc.out);
	e = slurp(sc.err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x\n%s", st, e);
	cr_assert(strstr(e, "reload: ") && strstr(e, "kind: unknown value 'bogus'"), "%s", e);
	cr_assert_eq(count_lines(e, "+ late: new function probe"), 1, "%s", e);
	/* steady saw all three phases; late only the third. */
	cr_assert_eq(count_lines(o, "\"probe_name\":\"steady\",\"probe\":\"probed:step\""), 150,
		     "%s", o);
	cr_assert_eq(count_lines(o, "\"probe_name\":\"late\",\"probe\":\"probed:step\""), 50);
	cr_assert_eq(count_lines(o, "\"args\":{\"i\":349}"), 2, "both probes saw step(349)");
	cr_assert_eq(count_lines(o, "\"args\":{\"i\":249}"), 1, "only steady saw phase 2");
	free(o);
	free(e);
	scratch_remove(&sc);
}

Test(probefile_cli, check_validates_without_attaching)
{
	char *ok[] = { (char *)build_path("agent-trace"), "--check", "examples/probes.yaml",
		       "--dry-run", NULL };
	char *bad[] = { (char *)build_path("agent-trace"), "--check",
			"tests/probefiles/invalid/unknown-key-suggest.yaml", NULL };
	char *want = slurp("tests/probefiles/invalid/unknown-key-suggest.err");
	char *o, *e, msg[1024];

	cr_assert_eq(run_capture(ok, &o, &e), 0, "%s", e);
	cr_assert_eq(count_lines(o, "examples/probes.yaml: valid, 10 probes"), 1, "%s", o);
	cr_assert_eq(count_lines(o, "+ etc-opens: new syscall probe on openat"), 1, "%s", o);
	free(o);
	free(e);
	want[strcspn(want, "\n")] = '\0';
	snprintf(msg, sizeof(msg), "agent-trace: %s\n", want);
	expect_error(bad, EXIT_USAGE, msg);
	free(want);
}

/*
 * A file whose first probe is a syscall probe: its records are the probe's, not
 * plain syscall tracing's (both are syscall records, told apart by probe id), so
 * they carry its name and id and its scrub is applied.
 */
Test(probefile_cli, first_syscall_probe_is_named_and_scrubbed)
{
	const char *file = "/tmp/at-first-sys.yaml";
	char *text[] = {
		(char *)build_path("agent-trace"),  "-C", (char *)file, "--", "/bin/sh", "-c",
		"echo password=hunter2 >/dev/null", NULL
	};
	char *json[] = { (char *)build_path("agent-trace"),
			 "--json",
			 "-C",
			 (char *)file,
			 "--",
			 "/bin/sh",
			 "-c",
			 "echo password=hunter2 >/dev/null",
			 NULL };
	char *o, *e;

	write_file(file, "probes:\n  - name: w\n    kind: syscall\n    attach: write\n"
			 "    scrub: secrets\n");
	cr_assert_eq(run_capture(text, &o, &e), 0, "%s", e);
	cr_assert_eq(count_lines(o, "[w] write(1, \"password=***\\n\", 17) = 17 <"), 1, "%s", o);
	cr_assert_eq(count_lines(o, "hunter2"), 0, "%s", o);
	free(o);
	free(e);
	cr_assert_eq(run_capture(json, &o, &e), 0, "%s", e);
	cr_assert_eq(count_lines(o, "\"probe_name\":\"w\",\"probe_id\":0,\"syscall\":\"write\","
				    "\"nr\":1,\"args\":{\"fd\":1,\"buf\":\"password=***\\n\","
				    "\"count\":17},\"ret\":17,"),
		     1, "%s", o);
	cr_assert_eq(count_lines(o, "hunter2"), 0, "%s", o);
	free(o);
	free(e);
	unlink(file);
}

/* The [w] write(1, "...") line of a run of sh -c CMD under file with -s limit; NULL if none. */
static char *scrubbed_write(const char *file, const char *limit, const char *cmd)
{
	char *argv[] = { (char *)build_path("agent-trace"),
			 "-s",
			 (char *)limit,
			 "-C",
			 (char *)file,
			 "--",
			 "/bin/sh",
			 "-c",
			 (char *)cmd,
			 NULL };
	char *o, *e, *line, *end, *r = NULL;

	cr_assert_eq(run_capture(argv, &o, &e), 0, "%s", e);
	line = strstr(o, "[w] write(1, \"");
	if (line) {
		line += strlen("[w] write(1, ");
		/* The string ends at its closing quote, with ... when it was cut. */
		end = strstr(line + 1, "\"..., ");
		if (end)
			end += 4;
		else if ((end = strstr(line + 1, "\", ")))
			end++;
		r = strndup(line, end ? (size_t)(end - line) : strlen(line));
	}
	free(o);
	free(e);
	return r;
}

/*
 * Scrubbing runs on the whole capture, before anything is cut for display: a
 * statement that fits scrubs the same under any -s, and one cut at -s shows
 * the scrub of what arrived, never a piece of a secret.
 */
Test(probefile_cli, scrub_does_not_depend_on_strsize)
{
	const char *file = "/tmp/at-scrub-s.yaml";
	const char *cmd = "printf '%s' \"SELECT * FROM t WHERE id IN (1, 2, 3) AND pwd = 'hunter2' "
			  "AND url = 'mysql://app:Xy55w0rd@db' -- k=42\" >/dev/null";
	const char *want = "\"SELECT * FROM t WHERE id IN (?) AND pwd = ? AND url = ? \"";
	static const char *const cuts[] = { "8", "30", "52", "60", "75", "84", "95", "100" };
	char *s;

	write_file(file, "probes:\n  - name: w\n    kind: syscall\n    attach: write\n"
			 "    scrub: [sql, secrets]\n");
	s = scrubbed_write(file, "128", cmd);
	cr_assert_str_eq(s, want);
	free(s);
	s = scrubbed_write(file, "254", cmd);
	cr_assert_str_eq(s, want);
	free(s);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		s = scrubbed_write(file, cuts[i], cmd);
		cr_assert_not_null(s, "-s %s", cuts[i]);
		cr_assert(strlen(s) > 4 && !strcmp(s + strlen(s) - 4, "\"..."), "-s %s: cut: %s",
			  cuts[i], s);
		cr_assert_null(strstr(s, "hu"), "-s %s: %s", cuts[i], s);
		cr_assert_null(strstr(s, "Xy"), "-s %s: %s", cuts[i], s);
		cr_assert_null(strstr(s, "42"), "-s %s: %s", cuts[i], s);
		free(s);
	}
	/* Secrets alone: the URL cut before its @ still hides the password. */
	write_file(file, "probes:\n  - name: w\n    kind: syscall\n    attach: write\n"
			 "    scrub: secrets\n");
	s = scrubbed_write(file, "84", cmd);
	cr_assert_str_eq(s, "\"SELECT * FROM t WHERE id IN (1, 2, 3) AND pwd = '***' AND url = "
			    "'mysql://app:***\"...");
	free(s);
	unlink(file);
}

Test(probefile_cli, check_resolves_symbols_in_a_process)
{
	struct scratch sc;
	char pid_s[16];
	char *argv[] = { (char *)build_path("agent-trace"), "--check", sc.file, "-p", pid_s, NULL };
	char *target[] = { (char *)build_path("probed"), "phases", "1", sc.fifo, NULL };
	char msg[512], exe[64], link[PATH_MAX];
	pid_t t;

	scratch_make(&sc);
	cr_assert_eq(mkfifo(sc.fifo, 0600), 0);
	write_file(sc.file, "probes:\n"
			    "  - name: gone\n"
			    "    kind: function\n"
			    "    attach: ':no_such_function(int i)'\n");
	t = fork();
	if (!t) {
		die_with_test();
		execv(target[0], target);
		_exit(127);
	}
	snprintf(pid_s, sizeof(pid_s), "%d", t);
	/* It blocks opening the FIFO: wait until it runs the target, not the test's copy. */
	snprintf(exe, sizeof(exe), "/proc/%d/exe", t);
	for (int i = 0; i < 1000; i++) {
		ssize_t n = readlink(exe, link, sizeof(link) - 1);

		if (n > 0 && (link[n] = '\0', !strcmp(link, build_path("probed"))))
			break;
		usleep(5000);
	}
	snprintf(msg, sizeof(msg),
		 "agent-trace: %s: probe 'gone': no such function 'no_such_function' in %s\n",
		 sc.file, build_path("probed"));
	expect_error(argv, EXIT_USAGE, msg);
	write_file(sc.file, base_yaml);
	{
		char *o, *e;

		cr_assert_eq(run_capture(argv, &o, &e), 0, "%s", e);
		cr_assert_eq(count_lines(o, "valid, 1 probes, symbols resolved"), 1, "%s", o);
		free(o);
		free(e);
	}
	kill(t, SIGKILL);
	waitpid(t, NULL, 0);
	scratch_remove(&sc);
}

Test(probefile_cli, bad_probe_file_is_one_error_line)
{
	char *missing[] = {
		(char *)build_path("agent-trace"), "-C", "/nonexistent/p.yaml", "--", "true", NULL
	};
	char *notargets[] = { (char *)build_path("agent-trace"), "-C", "/tmp/at-nothing.yaml",
			      NULL };
	char *dry[] = { (char *)build_path("agent-trace"), "--dry-run", "-p", "1", NULL };

	expect_error(missing, EXIT_USAGE,
		     "agent-trace: /nonexistent/p.yaml: cannot open: No such file or directory\n");
	write_file("/tmp/at-nothing.yaml", base_yaml);
	expect_error(notargets, EXIT_USAGE,
		     "agent-trace: /tmp/at-nothing.yaml: nothing to trace: give -p PID, -- CMD, "
		     "or a targets section\n");
	unlink("/tmp/at-nothing.yaml");
	expect_error(dry, EXIT_USAGE, "agent-trace: --dry-run needs -C FILE or --check FILE\n");
}

/* Runs `probed steps 5` to its end; returns its pid. */
static pid_t run_steps(void)
{
	char *argv[] = { (char *)build_path("probed"), "steps", "5", NULL };
	pid_t pid = fork();
	int st;

	cr_assert_geq(pid, 0);
	if (!pid) {
		die_with_test();
		execv(argv[0], argv);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return pid;
}

/*
 * A target named by executable or command name: a process already running is
 * found in /proc, one that starts later is caught at exec, nothing else is.
 */
static void targets_case(const char *targets_yaml)
{
	struct scratch sc;
	char y[2048];
	char *argv[] = { (char *)build_path("agent-trace"), "--json", "-C", sc.file, NULL };
	char *early[] = { (char *)build_path("probed"), "phases", "5", sc.fifo, NULL };
	char *o, want[128];
	int fd, st, execs = links_of("sched_process_e");
	pid_t pid, old, late;

	scratch_make(&sc);
	cr_assert_eq(mkfifo(sc.fifo, 0600), 0);
	snprintf(y, sizeof(y),
		 "%s"
		 "probes:\n"
		 "  - name: tgt\n"
		 "    kind: function\n"
		 "    attach: '%s:step(int i) -> int'\n",
		 targets_yaml, build_path("probed"));
	write_file(sc.file, y);
	old = fork();
	if (!old) {
		die_with_test();
		execv(early[0], early);
		_exit(127);
	}
	fd = open(sc.fifo, O_WRONLY | O_CLOEXEC); /* the early target runs */
	cr_assert_geq(fd, 0);
	pid = spawn_logged(argv, sc.out, sc.err);
	/* sched_process_exec and _exit attach last: then exec is watched. */
	for (int i = 0; i < 1000 && links_of("sched_process_e") < execs + 2; i++)
		usleep(10000);
	cr_assert_geq(links_of("sched_process_e"), execs + 2, "%s", slurp(sc.err));
	cr_assert_eq(write(fd, "1", 1), 1);
	close(fd);
	cr_assert_eq(waitpid(old, &st, 0), old);
	late = run_steps();
	/* Not a target: the same code under another name and inode. */
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd),
			 "cp '%s' /tmp/at-other-probed && /tmp/at-other-probed steps 5; "
			 "r=$?; rm -f /tmp/at-other-probed; exit $r",
			 build_path("probed"));
		cr_assert_eq(system(cmd), 0);
	}
	usleep(100000);
	cr_assert_eq(kill(pid, SIGINT), 0);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x: %s", st, slurp(sc.err));
	o = slurp(sc.out);
	/* The early one's phase 1 (100..104) and the late one's steps (0..4): 10 calls. */
	cr_assert_eq(count_lines(o, "\"probe_name\":\"tgt\",\"probe\":"), 10, "%s", o);
	snprintf(want, sizeof(want), "\"pid\":%d,\"tid\":%d,\"probe_name\":\"tgt\"", old, old);
	cr_assert_eq(count_lines(o, want), 5, "%s", o);
	snprintf(want, sizeof(want), "\"pid\":%d,\"tid\":%d,\"probe_name\":\"tgt\"", late, late);
	cr_assert_eq(count_lines(o, want), 5, "%s", o);
	snprintf(want, sizeof(want), "{\"type\":\"attach\",\"time\":");
	cr_assert_eq(count_lines(o, want), 1, "one process joined at exec: %s", o);
	free(o);
	scratch_remove(&sc);
}

Test(probefile_cli, exe_target_running_and_exec_later, .timeout = 60)
{
	char y[1024];

	snprintf(y, sizeof(y), "targets:\n  exe: ['%s']\n", build_path("probed"));
	targets_case(y);
}

Test(probefile_cli, comm_target_running_and_exec_later, .timeout = 60)
{
	targets_case("targets:\n  comm: [probed]\n");
}

Test(probefile_cli, thread_state_limit_bounds_calls_in_flight)
{
	struct scratch sc;
	char y[512];
	char *argv[] = { (char *)build_path("agent-trace"), "--json",  "-C", sc.file, "--",
			 (char *)build_path("probed"),	    "threads", "4",  NULL };
	char *o, *e;

	scratch_make(&sc);
	/* No syscall probes, so every entry is a thread's function frames. */
	snprintf(y, sizeof(y),
		 "probes:\n"
		 "  - name: steps\n"
		 "    kind: function\n"
		 "    attach: ':step(int i) -> int'\n"
		 "limits:\n"
		 "  thread_state: 2\n");
	write_file(sc.file, y);
	cr_assert_eq(run_capture(argv, &o, &e), 0, "%s", e);
	/*
	 * 4 threads alive at once, room for 2: the entries of the 2 others are
	 * lost, and said; their returns still run, fail closed, their records
	 * saying the entry is missing.
	 */
	cr_assert_eq(count_lines(o, "\"probe_name\":\"steps\",\"probe\":"), 100, "%s", o);
	cr_assert_eq(count_lines(o, "\"entry_missing\":true}"), 50, "%s", o);
	cr_assert_eq(count_lines(o, "\"state\":50,"), 1, "%s", o);
	free(o);
	free(e);
	scratch_remove(&sc);
}

Test(probefile_cli, full_queue_drops_and_counts_records_a_slow_sink_cannot_take)
{
	struct scratch sc;
	char buf[65536];
	char *argv[] = { (char *)build_path("agent-trace"), "--json", "-C",   sc.file, "--",
			 (char *)build_path("probed"),	    "phases", "5000", sc.fifo, NULL };
	unsigned long long dropped = 0;
	size_t len = 0, cap = 1 << 20;
	char *o = malloc(cap), *q;
	int p[2], st, fd;
	ssize_t n;
	pid_t pid;

	scratch_make(&sc);
	write_file(sc.file, "probes:\n"
			    "  - name: steps\n"
			    "    kind: function\n"
			    "    attach: ':step(int i) -> int'\n"
			    "limits:\n"
			    "  queue: 16\n");
	cr_assert_eq(mkfifo(sc.fifo, 0600), 0);
	cr_assert_eq(pipe(p), 0);
	pid = fork();
	if (!pid) {
		die_with_test();
		int e = open(sc.err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(p[1], 1);
		dup2(e, 2);
		close(p[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	/* The FIFO opens once the probes are attached and the target runs. */
	fd = open(sc.fifo, O_WRONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "1", 1), 1);
	close(fd);
	/* Nobody reads for a while: the writer blocks on the pipe, the queue fills. */
	sleep(1);
	while ((n = read(p[0], buf, sizeof(buf))) > 0) {
		if (len + (size_t)n + 1 > cap)
			o = realloc(o, cap *= 2);
		memcpy(o + len, buf, (size_t)n);
		len += (size_t)n;
	}
	o[len] = '\0';
	close(p[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", slurp(sc.err));
	q = strstr(o, "\"lost\":{\"ringbuf\":0,\"queue\":");
	cr_assert_not_null(q, "%s", o);
	dropped = strtoull(q + strlen("\"lost\":{\"ringbuf\":0,\"queue\":"), NULL, 10);
	/* Every record (5000 calls, 1 exit) either written or counted as dropped. */
	cr_assert_gt(dropped, 0);
	cr_assert_eq(count_lines(o, "\"probe_name\":\"steps\",\"probe\":") +
			     count_lines(o, "{\"type\":\"exit\"") + dropped,
		     5001, "%zu written, %llu dropped",
		     count_lines(o, "\"probe_name\":\"steps\",\"probe\":"), dropped);
	cr_assert_eq(count_lines(o, "\"events\":5000,"), 1, "the kernel sent every one");
	free(o);
	scratch_remove(&sc);
}

Test(probefile_cli, dry_run_reload_only_logs_its_diff, .timeout = 60)
{
	struct scratch sc;
	char y[1024];
	char *argv[] = {
		(char *)build_path("agent-trace"), "--json", "--dry-run", "-C",	   sc.file, "--",
		(char *)build_path("probed"),	   "phases", "20",	  sc.fifo, NULL
	};
	char *o, *e;
	int fd, st;
	pid_t pid;

	scratch_make(&sc);
	cr_assert_eq(mkfifo(sc.fifo, 0600), 0);
	write_file(sc.file, base_yaml);
	pid = spawn_logged(argv, sc.out, sc.err);
	fd = open(sc.fifo, O_WRONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	snprintf(y, sizeof(y),
		 "%s  - name: extra\n    kind: function\n    attach: ':step(int i)'\n"
		 "    when: entry\n",
		 base_yaml);
	write_file(sc.file, y);
	wait_lines(sc.err,
		   "reload (dry run, nothing applied): 1 new, 0 changed, 0 removed, 1 unchanged",
		   1);
	cr_assert_eq(write(fd, "1", 1), 1);
	close(fd);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	o = slurp(sc.out);
	e = slurp(sc.err);
	cr_assert_eq(count_lines(e, "+ extra: new function probe on :step(int i)"), 1,
		     "status %d: %s", st, e);
	/* Nothing was applied: steady saw phase 1, extra does not exist. */
	expect_ok_lines(st, o, e,
			(const struct nlines[]){ { "\"probe_name\":\"steady\",\"probe\":", 20 },
						 { "\"probe_name\":\"extra\"", 0 },
						 {} });
	scratch_remove(&sc);
}

Test(probefile_cli, s_shorter_than_a_filter_string_is_an_error)
{
	struct scratch sc;
	char *argv[] = {
		(char *)build_path("agent-trace"), "-s", "8", "-C", sc.file, "--", "true", NULL
	};
	char msg[512];

	scratch_make(&sc);
	write_file(sc.file, "probes:\n"
			    "  - name: etc\n"
			    "    kind: syscall\n"
			    "    attach: openat\n"
			    "    filter: filename startswith \"/etc/passwd\"\n");
	snprintf(msg, sizeof(msg),
		 "agent-trace: %s: probe 'etc': filter string \"/etc/passwd\" is longer than -s 8 "
		 "and can never match; raise -s\n",
		 sc.file);
	expect_error(argv, EXIT_USAGE, msg);
	scratch_remove(&sc);
}

/*
 * Unreadable strings. probed's cold modes pass a path from a page of .rodata
 * nothing has touched yet: the syscall programs (never sleepable) cannot read
 * it at entry; the function entry program, sleepable, faults it in.
 */
#define COLD_PATH "/tmp/at-probed-cold"

static const char cold_guard[] = "probes:\n"
				 "  - name: no-cold-unlink\n"
				 "    kind: syscall\n"
				 "    attach: unlink\n"
				 "    when: entry\n"
				 "    filter: pathname startswith \"" COLD_PATH "\"\n"
				 "%s"
				 "    action: [count, {signal: SIGKILL}]\n";

/* Runs probed cold unlink [touch] under cold_guard with extra keys; the file exists before. */
static void run_cold_unlink(const char *extra, bool touch, struct trace *t)
{
	static const char *plain[] = { "cold", "unlink", NULL };
	static const char *touched[] = { "cold", "unlink", "touch", NULL };
	char yaml[1024];
	int fd = open(COLD_PATH, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(yaml, sizeof(yaml), cold_guard, extra);
	run_probed(touch ? touched : plain, yaml, t);
	/*
	 * Unkilled, the call ran. Killed, it may not have: the kernel faults the
	 * cold path's page in while it copies the name, and a fault with SIGKILL
	 * pending gives up (the call fails with EFAULT); whether the signal is
	 * pending by then is the scheduler's race, so the file is not asserted.
	 */
	if (WIFEXITED(t->status))
		cr_assert_neq(access(COLD_PATH, F_OK), 0, "unlink ran");
	unlink(COLD_PATH);
	assert_accounted(&t->pcounts[0]);
	cr_assert_eq(t->pcounts[0].hits, 1);
}

Test(probefile, entry_signal_on_a_cold_path_fails_closed)
{
	struct trace t;

	run_cold_unlink("", false, &t);
	cr_assert(WIFSIGNALED(t.status) && WTERMSIG(t.status) == SIGKILL, "status 0x%x", t.status);
	cr_assert_eq(t.pcounts[0].unreadable, 1, "the path could not be read at entry");
	cr_assert_eq(t.pcounts[0].matched, 1, "on_unreadable: match is the default");
	cr_assert_eq(t.pcounts[0].signals, 1);
	cr_assert_eq(t.pstats[0].count, 1, "counted as a matching call");
	trace_free(&t);
}

Test(probefile, on_unreadable_skip_lets_the_call_through_and_counts_it)
{
	struct trace t;

	run_cold_unlink("    on_unreadable: skip\n", false, &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0, "status 0x%x", t.status);
	cr_assert_eq(t.pcounts[0].unreadable, 1);
	cr_assert_eq(t.pcounts[0].filtered, 1);
	cr_assert_eq(t.pcounts[0].signals, 0);
	cr_assert_eq(t.pstats[0].count, 0);
	trace_free(&t);
}

Test(probefile, entry_signal_on_a_touched_path_reads_it)
{
	struct trace t;

	run_cold_unlink("    on_unreadable: skip\n", true, &t);
	cr_assert(WIFSIGNALED(t.status) && WTERMSIG(t.status) == SIGKILL, "status 0x%x", t.status);
	cr_assert_eq(t.pcounts[0].unreadable, 0, "the page was faulted in: read");
	cr_assert_eq(t.pcounts[0].matched, 1);
	cr_assert_eq(t.pcounts[0].signals, 1);
	trace_free(&t);
}

/*
 * Three-valued filters: a verdict the unreadable string cannot change stands
 * and is not counted; one that depends on it is unknown, and on_unreadable
 * decides (!= and not are unknown too, never "true because not equal").
 */
Test(probefile, unreadable_string_decides_only_verdicts_that_depend_on_it)
{
	static const char *args[] = { "cold", "unlink", NULL };
	static const char *const filters[] = {
		"'pathname startswith \"" COLD_PATH "\" and pid == 1'", /* false whatever it is */
		"'pathname == \"/nope\" or uid >= 0'",			/* true whatever it is */
		"'not (pathname startswith \"/nope\")'",		/* unknown: match */
		"'pathname != \"/nope\"'",				/* unknown: skip */
		"'pid > 1 and not (pathname == \"/a\" or comm == \"x\")'", /* unknown: match */
	};
	char yaml[2048];
	size_t off = snprintf(yaml, sizeof(yaml), "probes:\n");
	struct trace t;
	int fd = open(COLD_PATH, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	cr_assert_geq(fd, 0);
	close(fd);
	for (int i = 0; i < 5; i++)
		off += snprintf(yaml + off, sizeof(yaml) - off,
				"  - name: p%d\n    kind: syscall\n    attach: unlink\n"
				"    when: entry\n    filter: %s\n%s    action: count\n",
				i, filters[i], i == 3 ? "    on_unreadable: skip\n" : "");
	run_probed(args, yaml, &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0, "status 0x%x", t.status);
	for (int i = 0; i < 5; i++) {
		static const int unreadable[] = { 0, 0, 1, 1, 1 }, matched[] = { 0, 1, 1, 0, 1 };

		cr_assert_eq(t.pcounts[i].hits, 1, "p%d", i);
		cr_assert_eq(t.pcounts[i].unreadable, (uint64_t)unreadable[i], "p%d", i);
		cr_assert_eq(t.pcounts[i].matched, (uint64_t)matched[i], "p%d", i);
		assert_accounted(&t.pcounts[i]);
	}
	trace_free(&t);
}

/*
 * probed cold MODE: step(7, COLD_PATH) (step), the same string across two
 * unmapped pages (split) or the USDT probe atprobed:cold(7, COLD_PATH) (usdt)
 * under a probe filtering on the string; env set to 1 meanwhile.
 */
static void run_cold_func(const char *mode, const char *kind, const char *attach, const char *env,
			  struct trace *t)
{
	const char *args[] = { "cold", mode, NULL };
	char yaml[1024];

	snprintf(yaml, sizeof(yaml),
		 "probes:\n"
		 "  - name: cold-tag\n"
		 "    kind: %s\n"
		 "    attach: '%s'\n"
		 "    filter: tag startswith \"" COLD_PATH "\"\n"
		 "    action: [event, count]\n",
		 kind, attach);
	if (env)
		cr_assert_eq(setenv(env, "1", 1), 0);
	run_probed(args, yaml, t);
	if (env)
		unsetenv(env);
	cr_assert(WIFEXITED(t->status) && WEXITSTATUS(t->status) == 0, "status 0x%x", t->status);
	cr_assert_eq(t->pcounts[0].hits, 1);
	assert_accounted(&t->pcounts[0]);
}

static void run_cold_step(const char *attach, const char *env, struct trace *t)
{
	run_cold_func("step", "function", attach, env, t);
}

/* The string read at entry is the exact value, and the filter matched on it. */
static void assert_cold_read(const struct trace *t)
{
	cr_assert_eq(t->pcounts[0].unreadable, 0, "a sleepable entry faults the page in");
	cr_assert_eq(t->pcounts[0].matched, 1);
	cr_assert_eq(trace_calls(t, 0, recs, MAXR), 1);
	cr_assert_eq(recs[0]->args[0], 7);
	cr_assert_eq(recs[0]->slot_flags[0] & (AT_SF_FAULT | AT_SF_TRUNC), 0);
	cr_assert_str_eq(slot_str(recs[0], 0), COLD_PATH);
}

Test(probefile, sleepable_function_entry_reads_a_cold_string)
{
	static const char *const attach[] = { ":step(int i, str tag) -> int",
					      ":step(int i, str tag)@entry" };
	struct trace t;

	/* Paired (the frame in task storage) and entry-only (the thread's own record). */
	for (int m = 0; m < 2; m++) {
		run_cold_step(attach[m], NULL, &t);
		assert_cold_read(&t);
		cr_assert_eq(!!(recs[0]->flags & AT_CALL_ENTRY_ONLY), m, "mode %d", m);
		trace_free(&t);
	}
}

Test(probefile, sleepable_usdt_reads_a_cold_string)
{
	char attach[PATH_MAX + 64];
	struct trace t;

	snprintf(attach, sizeof(attach), "%s:atprobed:cold(int i, str tag)", build_path("probed"));
	run_cold_func("usdt", "usdt", attach, NULL, &t);
	assert_cold_read(&t);
	trace_free(&t);
	/* The same non-sleepable: unreadable, and matched (fail closed). */
	run_cold_func("usdt", "usdt", attach, "AT_NO_SLEEPABLE", &t);
	cr_assert_eq(t.pcounts[0].unreadable, 1);
	cr_assert_eq(t.pcounts[0].matched, 1);
	trace_free(&t);
}

Test(probefile, sleepable_entry_without_the_string_kfunc_touches_the_page_first)
{
	struct trace t;

	run_cold_step(":step(int i, str tag)@entry", "AT_NO_COPY_STR", &t);
	assert_cold_read(&t);
	trace_free(&t);
}

/* A string across two pages neither of which is mapped: both faulted in, either way. */
Test(probefile, sleepable_entry_reads_a_string_across_two_cold_pages)
{
	static const char *const env[] = { NULL, "AT_NO_COPY_STR" };
	struct trace t;

	for (int k = 0; k < 2; k++) {
		run_cold_func("split", "function", ":step(int i, str tag) -> int", env[k], &t);
		assert_cold_read(&t);
		trace_free(&t);
	}
	run_cold_func("split", "function", ":step(int i, str tag) -> int", "AT_NO_SLEEPABLE", &t);
	cr_assert_eq(t.pcounts[0].unreadable, 1, "not sleepable: the first page is not mapped");
	trace_free(&t);
}

Test(probefile, non_sleepable_entry_counts_a_cold_string_unreadable)
{
	struct trace t;

	run_cold_step(":step(int i, str tag) -> int", "AT_NO_SLEEPABLE", &t);
	cr_assert_eq(t.pcounts[0].unreadable, 1);
	cr_assert_eq(t.pcounts[0].matched, 1, "on_unreadable: match is the default");
	cr_assert_eq(trace_calls(&t, 0, recs, MAXR), 1);
	cr_assert(recs[0]->slot_flags[0] & AT_SF_FAULT, "the record says the string was not read");
	cr_assert_eq(recs[0]->ret, 7);
	trace_free(&t);
}

/* Runs agent-trace ARGS -C file -- probed cold unlink; its stdout. */
static char *cold_cli(const char *file, const char *format)
{
	char *argv[] = {
		(char *)build_path("agent-trace"), (char *)format, "-C",     (char *)file, "--",
		(char *)build_path("probed"),	   "cold",	   "unlink", NULL
	};
	char *o, *e;
	int fd = open(COLD_PATH, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	cr_assert_geq(fd, 0);
	close(fd);
	if (!format[0])
		memmove(&argv[1], &argv[2], 7 * sizeof(*argv));
	cr_assert_eq(run_capture(argv, &o, &e), 0, "%s", e);
	free(e);
	return o;
}

/* The count reaches the summary: text under the probe, and JSON's probe_summary. */
Test(probefile_cli, unreadable_in_the_text_and_json_summary)
{
	struct scratch sc;
	char yaml[1024], *o;

	scratch_make(&sc);
	snprintf(yaml, sizeof(yaml), cold_guard, "    on_unreadable: skip\n");
	write_file(sc.file, yaml);
	o = cold_cli(sc.file, "");
	cr_assert_eq(count_lines(o, "  [no-cold-unlink] hits 1, filtered 1, events 0, sampled out "
				    "0, rate limited 0, lost 0, signals 0, unreadable 1"),
		     1, "%s", o);
	free(o);
	o = cold_cli(sc.file, "--json");
	cr_assert_eq(count_lines(o, "\"hits\":1,\"filtered\":1,\"matched\":0,"), 1, "%s", o);
	cr_assert_eq(
		count_lines(
			o,
			"\"signal_failed\":0,\"signals_held\":0,\"unreadable\":1,\"removed\":false}"),
		1, "%s", o);
	free(o);
	scratch_remove(&sc);
}
