// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --otlp end to end: agent-trace traces a target with known syscalls and
 * exports to the test receiver (tests/otlp/receiver.js), which checks every
 * request against the OpenTelemetry definitions; then the same under faults.
 * Each test knows what was produced and checks received + dropped == produced.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "otlp_recv.h"

#define AT (char *)build_path("agent-trace")
#define CALLS (char *)build_path("calls")
#define NCALLS "3000"
#define N 3000L
/* run_capture execs a path: node where Debian's package or NodeSource's puts it. */
#define NODE (char *)(access("/usr/bin/node", X_OK) ? "/usr/local/bin/node" : "/usr/bin/node")

/* node tests/otlp/count.js ARGS on the receiver's log: the number it prints (-1 for "none"). */
static long count(const struct otlp_recv *r, const char *cmd, const char *a1, const char *a2,
		  const char *a3)
{
	char *argv[] = { NODE,	      "tests/otlp/count.js",
			 (char *)cmd, (char *)r->out,
			 (char *)a1,  (char *)a2,
			 (char *)a3,  NULL };
	char *out = NULL, *err = NULL;
	long v = -1;
	int st = run_capture(argv, &out, &err);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "count.js %s: %s", cmd, err);
	if (strncmp(out, "none", 4))
		v = strtol(out, NULL, 10);
	free(out);
	free(err);
	return v;
}

/* The number after "KEY": in the JSON summary's sink entry whose name starts with sink. */
static long sink_field(const char *summary, const char *sink, const char *key)
{
	char anchor[128], k[64];
	const char *p, *end;

	snprintf(anchor, sizeof(anchor), "{\"name\":\"%s", sink);
	p = strstr(summary, anchor);
	cr_assert_not_null(p, "no sink '%s' in the summary: %s", sink, summary);
	end = strchr(strstr(p, "\"dropped_total\":"), '}');
	snprintf(k, sizeof(k), "\"%s\":", key);
	p = strstr(p, k);
	cr_assert(p && p < end, "no %s for sink %s: %s", key, sink, summary);
	return strtol(p + strlen(k), NULL, 10);
}

/* The summary line of a --json -o file (its last line). */
static char *summary_of(const char *path)
{
	char *text = slurp(path), *line = strstr(text, "{\"type\":\"summary\"");

	cr_assert_not_null(line, "no summary in %s", path);
	line = strdup(line);
	free(text);
	return line;
}

/* Runs agent-trace ARGS -- calls many N, JSON events and summary to out; asserts exit 0. */
static char *run_many(const char *tag, char **extra)
{
	char out[64], err[64];
	char *argv[40] = { AT, "--json", "-o", out };
	int n = 4, st;
	pid_t pid;

	tmp_name(out, sizeof(out), tag, "json");
	tmp_name(err, sizeof(err), tag, "err");
	/* A probe file brings its getppid probe; else -e selects it. */
	if (strcmp(extra[0], "-C")) {
		argv[n++] = "-e";
		argv[n++] = "getppid";
	}
	for (; *extra; extra++)
		argv[n++] = *extra;
	argv[n++] = "--";
	argv[n++] = CALLS;
	argv[n++] = "many";
	argv[n++] = NCALLS;
	argv[n] = NULL;
	pid = spawn_logged(argv, "/dev/null", err);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	char *e = slurp(err);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "agent-trace exited %d: %s",
		  WEXITSTATUS(st), e);
	free(e);
	char *sum = summary_of(out);

	unlink(out);
	unlink(err);
	return sum;
}

/* A probe file's probe for the getppid calls (its runs take no -e). */
#define PPID_PROBE "probes:\n  - {name: ppid, kind: syscall, attach: getppid}\n"

/* Every drop cause of the sink is 0, and the ring buffer lost nothing. */
static void expect_no_loss(const char *sum, const char *sink)
{
	cr_assert_eq(sink_field(sum, sink, "dropped_total"), 0, "%s", sum);
	cr_assert(strstr(sum, "\"lost\":{\"ringbuf\":0,"), "ring-buffer loss: %s", sum);
}

Test(otlp, events_as_logs_and_counts_as_metrics)
{
	struct otlp_recv r;
	char hdr[64];

	otlp_recv_start(&r, "otlp-basic", NULL);
	tmp_name(hdr, sizeof(hdr), "otlp-basic", "hdr");
	write_text(hdr, "# the collector's token\nAuthorization: Bearer s3cret\nX-Tenant: t1\n");
	char *sum = run_many("otlp-basic", (char *[]){ "--otlp", r.url, "--otlp-header-file", hdr,
						       "--otlp-interval", "200ms", NULL });

	/* Every getppid call is one log record with its attributes, and nothing else was lost. */
	cr_assert_eq(count(&r, "logs", "syscall.name=getppid", "agent_trace.event=syscall", NULL),
		     N);
	cr_assert_eq(count(&r, "logs", "syscall.name=getppid", "agent_trace.return=0", NULL), 0,
		     "getppid returns the parent's pid, never 0");
	expect_no_loss(sum, "otlp logs");
	long pushed = sink_field(sum, "otlp logs", "pushed");

	cr_assert_eq(sink_field(sum, "otlp logs", "sent"), pushed);
	cr_assert_eq(count(&r, "logs", NULL, NULL, NULL), pushed, "received == sent");
	cr_assert(pushed >= N && pushed <= N + 2, "getppid calls and the process's own events");
	cr_assert_eq(sink_field(sum, "otlp logs", "retries"), 0);
	/* Batched: far fewer requests than events. */
	cr_assert_leq(sink_field(sum, "otlp logs", "batches"), 30, "%s", sum);
	/* The last metrics export (at the stop) counts every call, cumulatively. */
	cr_assert_eq(count(&r, "metric", "agent_trace.syscall.calls", "syscall.name=getppid", NULL),
		     N);
	cr_assert_geq(sink_field(sum, "otlp metrics", "sent"), 1);
	/* Headers from the file, gzip by default. */
	char *log = otlp_recv_log(&r, NULL);

	cr_assert(strstr(log, "\"encoding\":\"gzip\""), "gzip requests");
	free(log);
	char *argv[] = { NODE, "tests/otlp/count.js", "header", r.out, "authorization", NULL };
	char *out, *err;

	cr_assert_eq(run_capture(argv, &out, &err), 0);
	cr_assert_str_eq(out, "Bearer s3cret\n");
	free(out);
	free(err);
	cr_assert_eq(otlp_recv_stat(&r, "invalid"), 0);
	unlink(hdr);
	free(sum);
	otlp_recv_stop(&r, false);
}

Test(otlp, delta_metrics_add_up_to_the_calls)
{
	struct otlp_recv r;
	/* 200 bursts 2 ms apart: several intervals. -c: counted in the kernel, no records. */
	char *argv[] = { AT,
			 "-c",
			 "-e",
			 "getppid",
			 "--otlp",
			 NULL,
			 "--otlp-signals",
			 "metrics",
			 "--otlp-temporality",
			 "delta",
			 "--otlp-interval",
			 "100ms",
			 "--",
			 CALLS,
			 "many",
			 "200000",
			 NULL };
	char *out, *err;

	otlp_recv_start(&r, "otlp-delta", NULL);
	argv[5] = r.url;
	cr_assert_eq(run_capture(argv, &out, &err), 0, "%s", err);
	free(out);
	free(err);
	/* Each export has the calls since the one before: they add up to every call. */
	cr_assert_eq(count(&r, "metric-sum", "agent_trace.syscall.calls", "syscall.name=getppid",
			   NULL),
		     200000);
	cr_assert_geq(otlp_recv_stat(&r, "valid"), 3, "an export every interval, and at the end");
	cr_assert_eq(count(&r, "temporality", "agent_trace.syscall.calls", NULL, NULL), 1,
		     "AGGREGATION_TEMPORALITY_DELTA");
	cr_assert_eq(count(&r, "logs", NULL, NULL, NULL), 0, "metrics only");
	cr_assert_eq(otlp_recv_stat(&r, "invalid"), 0);
	otlp_recv_stop(&r, false);
}

Test(otlp, retry_after_503_and_429_then_delivers_everything)
{
	struct otlp_recv r;

	otlp_recv_start(&r, "otlp-503", NULL);
	otlp_recv_control(&r,
			  "{\"mode\":\"status\",\"status\":503,\"retry_after\":\"1\",\"count\":1}");
	char *sum = run_many("otlp-503", (char *[]){ "--otlp", r.url, "--otlp-signals", "logs",
						     "--flush-timeout", "20s", NULL });

	cr_assert_eq(otlp_recv_stat(&r, "by_status.503"), 1);
	cr_assert_eq(count(&r, "logs", "syscall.name=getppid", NULL, NULL), N);
	expect_no_loss(sum, "otlp logs");
	cr_assert_eq(sink_field(sum, "otlp logs", "retries"), 1);
	cr_assert_eq(sink_field(sum, "otlp logs", "failed"), 1);
	free(sum);

	otlp_recv_control(&r, "{\"mode\":\"status\",\"status\":429,\"count\":2}");
	sum = run_many("otlp-429", (char *[]){ "--otlp", r.url, "--otlp-signals", "logs",
					       "--flush-timeout", "20s", NULL });
	cr_assert_eq(otlp_recv_stat(&r, "by_status.429"), 2);
	cr_assert_eq(count(&r, "logs", "syscall.name=getppid", NULL, NULL), 2 * N);
	expect_no_loss(sum, "otlp logs");
	cr_assert_eq(sink_field(sum, "otlp logs", "retries"), 2);
	free(sum);
	otlp_recv_stop(&r, false);
}

Test(otlp, rejected_400_is_dropped_and_counted_never_retried)
{
	struct otlp_recv r;

	otlp_recv_start(&r, "otlp-400", NULL);
	otlp_recv_control(&r, "{\"mode\":\"status\",\"status\":400,\"count\":1}");
	char *sum =
		run_many("otlp-400", (char *[]){ "--otlp", r.url, "--otlp-signals", "logs", NULL });
	long pushed = sink_field(sum, "otlp logs", "pushed");
	long rejected = sink_field(sum, "otlp logs", "rejected");
	long received = count(&r, "logs", NULL, NULL, NULL);

	cr_assert_eq(otlp_recv_stat(&r, "by_status.400"), 1);
	cr_assert_gt(rejected, 0, "the first batch was rejected: %s", sum);
	cr_assert_eq(received + rejected, pushed, "received + dropped == produced: %s", sum);
	cr_assert_eq(sink_field(sum, "otlp logs", "retries"), 0);
	cr_assert_eq(sink_field(sum, "otlp logs", "dropped_total"), rejected);
	/* The backend sees the gap: the next batch says how many were rejected. */
	cr_assert_eq(count(&r, "scope", "agent_trace.dropped.rejected", NULL, NULL), rejected);
	free(sum);
	otlp_recv_stop(&r, false);
}

Test(otlp, too_large_413_is_split)
{
	struct otlp_recv r;

	otlp_recv_start(&r, "otlp-413", NULL);
	otlp_recv_control(&r, "{\"mode\":\"status\",\"status\":413,\"count\":1}");
	char *sum =
		run_many("otlp-413", (char *[]){ "--otlp", r.url, "--otlp-signals", "logs", NULL });

	/*
	 * The refused request was split in halves that went through; when it was
	 * the first event alone (sent at once after the quiet start) it is
	 * dropped, counted: it cannot be split.
	 */
	long tl = sink_field(sum, "otlp logs", "too_large");

	cr_assert_eq(otlp_recv_stat(&r, "by_status.413"), 1);
	cr_assert_leq(tl, 1, "%s", sum);
	cr_assert_eq(count(&r, "logs", "syscall.name=getppid", NULL, NULL) + tl, N, "%s", sum);
	cr_assert_eq(sink_field(sum, "otlp logs", "dropped_total"), tl, "%s", sum);
	cr_assert_eq(sink_field(sum, "otlp logs", "sent") + tl,
		     sink_field(sum, "otlp logs", "pushed"));
	free(sum);
	otlp_recv_stop(&r, false);
}

Test(otlp, partial_success_rejections_are_counted)
{
	struct otlp_recv r;

	otlp_recv_start(&r, "otlp-partial", NULL);
	otlp_recv_control(&r, "{\"mode\":\"partial_success\",\"rejected\":7,\"message\":\"quota\","
			      "\"count\":1}");
	char *sum = run_many("otlp-partial",
			     (char *[]){ "--otlp", r.url, "--otlp-signals", "logs", NULL });

	/*
	 * The first event after a quiet spell goes out alone: its request is the
	 * one answered, and a receiver cannot reject more than it was sent.
	 */
	long rejected = sink_field(sum, "otlp logs", "partial_success");

	cr_assert(rejected >= 1 && rejected <= 7, "%s", sum);
	cr_assert_eq(sink_field(sum, "otlp logs", "sent") + rejected,
		     sink_field(sum, "otlp logs", "pushed"));
	cr_assert_eq(count(&r, "logs", NULL, NULL, NULL), sink_field(sum, "otlp logs", "pushed"),
		     "the rejected records arrived, and were rejected there");
	free(sum);
	otlp_recv_stop(&r, false);
}

Test(otlp, slow_reset_and_down_receivers_then_back)
{
	struct otlp_recv r;
	char yaml[64];

	otlp_recv_start(&r, "otlp-faults", NULL);
	tmp_name(yaml, sizeof(yaml), "otlp-faults", "yaml");
	/* A request that takes longer than the timeout is retried. */
	write_text(yaml,
		   PPID_PROBE "output:\n  sinks:\n    - type: otlp\n      endpoint: %s\n"
			      "      signals: [logs]\n      timeout: 300ms\n"
			      "      retry: {initial: 100ms, max: 1s}\n",
		   r.url);
	otlp_recv_control(&r, "{\"mode\":\"slow\",\"delay_ms\":1500,\"count\":1}");
	char *sum = run_many("otlp-slow", (char *[]){ "-C", yaml, "--flush-timeout", "20s", NULL });

	cr_assert_eq(count(&r, "logs", "syscall.name=getppid", NULL, NULL), N);
	expect_no_loss(sum, "otlp logs");
	cr_assert_geq(sink_field(sum, "otlp logs", "retries"), 1);
	free(sum);

	/* A reset connection is retried. */
	otlp_recv_control(&r, "{\"mode\":\"reset\",\"count\":1}");
	sum = run_many("otlp-reset", (char *[]){ "-C", yaml, "--flush-timeout", "20s", NULL });
	cr_assert_eq(count(&r, "logs", "syscall.name=getppid", NULL, NULL), 2 * N);
	expect_no_loss(sum, "otlp logs");
	cr_assert_eq(sink_field(sum, "otlp logs", "retries"), 1);
	free(sum);

	/* Down for 2 s: sending resumes by itself, without a storm of requests. */
	long before = otlp_recv_stat(&r, "requests");

	otlp_recv_control(&r, "{\"mode\":\"down\",\"for_ms\":2000}");
	sum = run_many("otlp-down", (char *[]){ "-C", yaml, "--flush-timeout", "20s", NULL });
	cr_assert_eq(count(&r, "logs", "syscall.name=getppid", NULL, NULL), 3 * N);
	expect_no_loss(sum, "otlp logs");
	/* Backoff 100 ms doubling to 1 s: a handful of attempts over 2 s, not hundreds. */
	cr_assert_leq(sink_field(sum, "otlp logs", "failed"), 8, "%s", sum);
	cr_assert_leq(otlp_recv_stat(&r, "requests") - before, 40);
	free(sum);
	unlink(yaml);
	otlp_recv_stop(&r, false);
}

Test(otlp, full_queue_drops_oldest_counted_and_memory_stays_bounded)
{
	struct otlp_recv r;
	char yaml[64];

	otlp_recv_start(&r, "otlp-full", NULL);
	tmp_name(yaml, sizeof(yaml), "otlp-full", "yaml");
	write_text(yaml,
		   PPID_PROBE "output:\n  sinks:\n    - type: otlp\n      endpoint: %s\n"
			      "      signals: [logs]\n      queue: {items: 500, bytes: 4M}\n"
			      "      retry: {initial: 100ms, max: 200ms}\n",
		   r.url);
	/* Down for the whole run: everything is dropped, and counted. */
	otlp_recv_control(&r, "{\"mode\":\"down\"}");
	char *sum =
		run_many("otlp-full", (char *[]){ "-C", yaml, "--flush-timeout", "300ms", NULL });
	long pushed = sink_field(sum, "otlp logs", "pushed");
	long full = sink_field(sum, "otlp logs", "queue_full");
	long shut = sink_field(sum, "otlp logs", "shutdown");

	cr_assert(pushed >= N && pushed <= N + 2, "%s", sum);
	cr_assert_eq(sink_field(sum, "otlp logs", "sent"), 0);
	cr_assert_gt(full, 0, "%s", sum);
	cr_assert_eq(full + shut, pushed, "every item dropped is counted: %s", sum);
	cr_assert_leq(shut, 500 + 512, "at most the queue and a batch were left at the stop");
	/* The kernel side loses nothing because of it. */
	cr_assert(strstr(sum, "\"lost\":{\"ringbuf\":0,\"queue\":0,"), "%s", sum);
	/* The agent's memory stays within the queue's bound and its own (max_rss_kib). */
	const char *rss = strstr(sum, "\"max_rss_kib\":");

	cr_assert_not_null(rss);
	cr_assert_lt(strtol(rss + 14, NULL, 10), 64 * 1024, "%s", sum);
	free(sum);

	/*
	 * Down for the first 1.5 s of a run: the queue keeps the newest 500, the
	 * rest is dropped and counted, and once the receiver is back the batches
	 * that go out say how many were dropped before them.
	 */
	otlp_recv_control(&r, "{\"mode\":\"up\"}");
	otlp_recv_control(&r, "{\"mode\":\"down\",\"for_ms\":1500}");
	sum = run_many("otlp-full2", (char *[]){ "-C", yaml, "--flush-timeout", "20s", NULL });
	pushed = sink_field(sum, "otlp logs", "pushed");
	full = sink_field(sum, "otlp logs", "queue_full");
	cr_assert_gt(full, 0, "%s", sum);
	cr_assert_eq(sink_field(sum, "otlp logs", "sent") + full, pushed, "%s", sum);
	cr_assert_eq(sink_field(sum, "otlp logs", "dropped_total"), full, "%s", sum);
	cr_assert_eq(count(&r, "logs", NULL, NULL, NULL), pushed - full);
	cr_assert_eq(count(&r, "scope", "agent_trace.dropped.queue_full", NULL, NULL), full,
		     "the gap is reported to the backend");
	cr_assert(strstr(sum, "\"lost\":{\"ringbuf\":0,\"queue\":0,"), "%s", sum);
	free(sum);
	unlink(yaml);
	otlp_recv_stop(&r, false);
}

Test(otlp, bad_sink_settings_fail_before_attaching)
{
	expect_error((char *[]){ AT, "--otlp", "collector:4318", "-p", "1", NULL }, 2,
		     "agent-trace: --otlp 'collector:4318': not an http:// or https:// URL\n");
	expect_error((char *[]){ AT, "--otlp-ca", "/x", "-p", "1", NULL }, 2,
		     "agent-trace: --otlp-ca: give --otlp URL before it\n");
}

Test(file_sink, json_lines_rotated_by_size_none_lost)
{
	char yaml[64], path[64], name[80];
	long lines = 0, files = 0;

	tmp_name(yaml, sizeof(yaml), "file-sink", "yaml");
	tmp_name(path, sizeof(path), "file-sink", "jsonl");
	write_text(yaml,
		   PPID_PROBE "output:\n  sinks:\n    - type: file\n      path: %s\n"
			      "      max_size: 64K\n      keep: 40\n",
		   path);
	char *sum = run_many("file-sink", (char *[]){ "-C", yaml, NULL });

	cr_assert_eq(sink_field(sum, "file", "dropped_total"), 0, "%s", sum);
	/* PATH, PATH.1 ... : each within the size, whole lines, every event once. */
	for (unsigned k = 0; k <= 40; k++) {
		struct stat st;

		if (k)
			snprintf(name, sizeof(name), "%s.%u", path, k);
		else
			snprintf(name, sizeof(name), "%s", path);
		if (stat(name, &st))
			continue;
		files++;
		cr_assert_leq(st.st_size, 64 << 10, "%s is %lld bytes", name,
			      (long long)st.st_size);
		char *text = slurp(name);

		cr_assert(!st.st_size || text[st.st_size - 1] == '\n', "%s ends in a whole line",
			  name);
		lines += (long)count_lines(text, "\"syscall\":\"getppid\"");
		free(text);
		unlink(name);
	}
	cr_assert_geq(files, 5, "3000 lines of about 200 bytes rotate at 64K");
	cr_assert_eq(lines, N);
	cr_assert_eq(sink_field(sum, "file", "sent"), sink_field(sum, "file", "pushed"));
	free(sum);
	unlink(yaml);
}

/* Writes to the target's stdin: it makes its calls and exits 0. */
static void release_target(int fd, pid_t pid)
{
	int st;

	cr_assert_eq(write(fd, "g", 1), 1);
	close(fd);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Waits (10 s at most) until the tracer serves /healthz: its set-up is done. */
static void wait_ready(int port, pid_t tracer)
{
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/healthz", port);
	for (int i = 0; i < 1000; i++) {
		struct otlp_http h = { .timeout_ms = 500 };
		int st = otlp_http(url, &h);

		free(h.resp);
		if (st == 200)
			return;
		cr_assert_eq(waitpid(tracer, NULL, WNOHANG), 0, "agent-trace ended");
		usleep(10 * 1000);
	}
	cr_assert_fail("agent-trace never served /healthz");
}

Test(otlp, sigterm_flushes_within_the_deadline_then_counts_the_rest)
{
	char addr[32], pids[32], out[64], err[64];
	int rel_a, rel_b, port = free_port(), st = 0;
	pid_t a = start_waiting_target(&rel_a, "2000"), b = start_waiting_target(&rel_b, "0");
	struct otlp_recv r;
	pid_t tracer;

	otlp_recv_start(&r, "otlp-term", NULL);
	otlp_recv_control(&r, "{\"mode\":\"down\"}");
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	snprintf(pids, sizeof(pids), "%d,%d", a, b);
	tmp_name(out, sizeof(out), "otlp-term", "json");
	tmp_name(err, sizeof(err), "otlp-term", "err");
	tracer = spawn_logged((char *[]){ AT, "--json", "-o", out, "-e", "getppid", "--otlp", r.url,
					  "--otlp-signals", "logs", "--flush-timeout", "1s",
					  "--metrics", addr, "-p", pids, NULL },
			      "/dev/null", err);
	wait_ready(port, tracer);
	/* A makes 2000 calls and exits; B holds the trace open until SIGTERM. */
	release_target(rel_a, a);
	usleep(200 * 1000);
	cr_assert_eq(kill(tracer, SIGTERM), 0);
	/* The flush gives up after 1 s: it ends well before 10 s (a hang, not a timing test). */
	for (int i = 0; i < 1000 && waitpid(tracer, &st, WNOHANG) == 0; i++)
		usleep(10 * 1000);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "agent-trace did not end on SIGTERM: %s",
		  slurp(err));
	char *sum = summary_of(out);
	long pushed = sink_field(sum, "otlp logs", "pushed");

	cr_assert_geq(pushed, 2000, "%s", sum);
	cr_assert_eq(sink_field(sum, "otlp logs", "sent"), 0);
	cr_assert_eq(sink_field(sum, "otlp logs", "dropped_total"), pushed, "%s", sum);
	cr_assert_gt(sink_field(sum, "otlp logs", "shutdown"), 0, "%s", sum);
	cr_assert_eq(sink_field(sum, "otlp logs", "shutdown") +
			     sink_field(sum, "otlp logs", "queue_full") +
			     sink_field(sum, "otlp logs", "retries_exhausted"),
		     pushed, "%s", sum);
	/* Loss is never silent: the sink's line is on stderr too (-o). */
	char *e = slurp(err);

	cr_assert(strstr(e, "sink otlp logs http://127.0.0.1:"), "%s", e);
	free(e);
	free(sum);
	release_target(rel_b, b);
	unlink(out);
	unlink(err);
	otlp_recv_stop(&r, false);
}

/* Aggregation by a field, exported: one series per SQL statement shape, cumulative. */
Test(otlp, aggregates_per_value_as_metrics)
{
	char yaml[64];
	struct otlp_recv r;
	char *out, *err;
	int st;

	otlp_recv_start(&r, "otlp-agg", NULL);
	tmp_name(yaml, sizeof(yaml), "otlp-agg", "yaml");
	write_text(yaml,
		   "probes:\n  - name: queries\n    kind: function\n"
		   "    attach: libsqlite3:sqlite3_prepare_v2(ptr db, str sql, int nbyte, ptr "
		   "stmt, ptr tail) -> int != 0\n    scrub: sql\n    aggregate: sql\n"
		   "output:\n  sinks:\n    - {type: otlp, endpoint: '%s', temporality: delta, "
		   "interval: 1s}\n",
		   r.url);
	st = run_capture((char *[]){ AT, "-q", "-C", yaml, "--", (char *)build_path("sqlq"),
				     "shapes", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", err);
	free(out);
	free(err);
	cr_assert_eq(count(&r, "metric", "agent_trace.probe.aggregate.calls",
			   "agent_trace.aggregate.value=SELECT name FROM users WHERE id = ?",
			   "agent_trace.probe=queries"),
		     5);
	cr_assert_eq(count(&r, "metric", "agent_trace.probe.aggregate.calls",
			   "agent_trace.aggregate.value=INSERT INTO logs VALUES (?)", NULL),
		     3);
	cr_assert_eq(count(&r, "metric", "agent_trace.probe.aggregate.failing",
			   "agent_trace.aggregate.value=INSERT INTO logs VALUES (?)", NULL),
		     1);
	cr_assert_eq(count(&r, "metric", "agent_trace.probe.aggregate.duration",
			   "agent_trace.aggregate.value=INSERT INTO logs VALUES (?)", NULL),
		     3, "the histogram's count");
	/* Per value, cumulative even when the sink's other metrics are deltas. */
	cr_assert_eq(count(&r, "temporality", "agent_trace.probe.aggregate.calls", NULL, NULL), 2);
	cr_assert_eq(count(&r, "temporality", "agent_trace.probe.hits", NULL, NULL), 1);
	/* Aggregated alone: no log record per call. */
	cr_assert_eq(count(&r, "logs", "code.function=libsqlite3:sqlite3_prepare_v2", NULL, NULL),
		     0);
	cr_assert_eq(otlp_recv_stat(&r, "invalid"), 0, "every request matches the definitions");
	unlink(yaml);
	otlp_recv_stop(&r, false);
}
