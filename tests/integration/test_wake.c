// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The reader's wakeups: a record after a quiet spell is read at once, however
 * long the batching window, and records under load still gather into batches.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* A lone record must reach the reader within this; the window below is 40x longer. */
#define PROMPT_MS 50

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * calls lone N MS under a poll_ms window: each of its n lseeks, made after a
 * quiet spell longer than the window, reached the reader within PROMPT_MS of
 * the syscall (its record's time). Without the wakeup each would wait for the
 * window to end, up to poll_ms.
 */
static void lone_records(const char *n, const char *gap_ms, unsigned poll_ms)
{
	char *argv[] = { (char *)build_path("calls"), "lone", (char *)n, (char *)gap_ms, NULL };
	const struct at_call_rec *r[16];
	struct trace t;
	size_t got;

	trace_cmd(argv,
		  &(struct trace_opts){ .select = "lseek", .exit_only = true, .poll_ms = poll_ms },
		  &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0, "status %d", t.status);
	got = trace_find(&t, "lseek", t.pid, r, 16);
	cr_assert_eq(got, (size_t)atoi(n));
	cr_assert_eq(t.nrecs, got, "only lseek is selected");
	for (size_t i = 0; i < t.nrecs; i++) {
		uint64_t delay = t.read_ns[i] - t.recs[i].hdr.ts_ns;

		cr_assert_eq(t.recs[i].ret, -EBADF);
		cr_assert_lt(delay, PROMPT_MS * 1000000ull,
			     "record %zu read %.1f ms after its call", i, delay / 1e6);
	}
	/*
	 * Each woke the reader by itself: one batch per record, and maybe one
	 * more for the target's exit record if it was read before the count.
	 */
	cr_assert(t.batches == got || t.batches == got + 1, "%lu batches",
		  (unsigned long)t.batches);
	cr_assert_eq(t.lost.rb_lost, 0);
	trace_free(&t);
}

/* One lseek 200 ms after the start, under a 2 s window. */
Test(wake, a_lone_record_wakes_the_reader)
{
	lone_records("1", "200", 2000);
}

/* Five, 250 ms apart, under a 100 ms window: the reader sleeps again after each. */
Test(wake, each_record_after_a_quiet_spell_wakes_the_reader)
{
	lone_records("5", "250", 100);
}

/*
 * Under load the reader is not woken per record: 200,000 getppid records (in
 * bursts of 1000, 2 ms apart, faster than the 5 ms window) come in batches of
 * at least 256 on average, as the bench's records-per-wakeup goal asks, and
 * none is lost.
 */
Test(wake, records_under_load_gather_into_batches)
{
	char *argv[] = { (char *)build_path("calls"), "many", "200000", NULL };
	const struct at_call_rec *r[1];
	struct trace t;

	/* 128 MiB, room for all of them: the point is the batching, not a slow reader (SAN). */
	trace_cmd(argv,
		  &(struct trace_opts){
			  .select = "getppid", .exit_only = true, .ringbuf_bytes = 128u << 20 },
		  &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0);
	cr_assert_eq(trace_find(&t, "getppid", 0, r, 1), 200000);
	cr_assert_eq(t.lost.rb_lost, 0, "%lu lost: the reader was starved (a loaded machine?)",
		     (unsigned long)t.lost.rb_lost);
	cr_assert_gt(t.batches, 0);
	cr_assert_geq(t.nrecs / t.batches, 256, "%lu records in %lu batches",
		      (unsigned long)t.nrecs, (unsigned long)t.batches);
	trace_free(&t);
}

/* Reads the agent's stdout until EOF or max lines: each line's arrival time. */
static size_t read_lines(int fd, char lines[][160], uint64_t *at, size_t max)
{
	char buf[8192];
	size_t have = 0, n = 0;
	ssize_t got;

	while (n < max && (got = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		uint64_t t = now_ns();
		char *p = buf, *nl;

		have += got;
		buf[have] = 0;
		while (n < max && (nl = strchr(p, '\n'))) {
			*nl = 0;
			snprintf(lines[n], sizeof(lines[n]), "%.159s", p);
			at[n++] = t;
			p = nl + 1;
		}
		have -= p - buf;
		memmove(buf, p, have);
	}
	return n;
}

/*
 * The whole agent, reader to writer to stdout: each of five lone lseeks, 100 ms
 * apart, is on stdout within PROMPT_MS of the call (the target passes the
 * call's time as the offset), though the writer sleeps without a timeout.
 */
Test(wake, the_agent_prints_a_lone_call_promptly)
{
	char *argv[] = { (char *)build_path("agent-trace"),
			 "-e",
			 "lseek",
			 "--",
			 (char *)build_path("calls"),
			 "lone",
			 "5",
			 "100",
			 NULL };
	char lines[16][160];
	uint64_t at[16];
	int ends[2], st, seen = 0;
	pid_t pid = fork_piped((const int[]){ 1, 2 }, ends, 2);
	size_t n;

	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	n = read_lines(ends[0], lines, at, 16);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	for (size_t i = 0; i < n; i++) {
		const char *p = strstr(lines[i], "lseek(-1, ");
		unsigned long long us;

		if (!p)
			continue;
		cr_assert_eq(sscanf(p, "lseek(-1, %llu, SEEK_SET) = -1 EBADF", &us), 1, "%s",
			     lines[i]);
		cr_assert_lt(at[i] / 1000 - us, PROMPT_MS * 1000ull,
			     "line %zu on stdout %.1f ms after its call: %s", i,
			     (at[i] / 1000 - us) / 1e3, lines[i]);
		seen++;
	}
	cr_assert_eq(seen, 5);
	close(ends[0]);
	close(ends[1]);
}

/*
 * Ctrl-C ends an idle agent at once: its reader and writer sleep without a
 * timeout, and the stop wakes them.
 */
Test(wake, ctrl_c_stops_an_idle_agent_promptly)
{
	char pidarg[16];
	int release, ends[2], st;
	pid_t target = start_waiting_target(&release, "1");
	char *argv[] = { (char *)build_path("agent-trace"), "-p", pidarg, NULL };
	uint64_t t0;
	pid_t pid;

	snprintf(pidarg, sizeof(pidarg), "%d", target);
	pid = fork_piped((const int[]){ 1, 2 }, ends, 2);
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	/* Attached and idle: both threads asleep for good by now. */
	usleep(1000 * 1000);
	t0 = now_ns();
	cr_assert_eq(kill(pid, SIGINT), 0);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert_lt(now_ns() - t0, 1000000000ull, "exit %.3f s after SIGINT",
		     (now_ns() - t0) / 1e9);
	cr_assert(WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 130), "status %d",
		  st);
	close(ends[0]);
	close(ends[1]);
	close(release);
	kill(target, SIGKILL);
	waitpid(target, NULL, 0);
}
