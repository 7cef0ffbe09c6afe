// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * user/sink/output.c's writes: records lost to a failed write counted exactly
 * (whole lines only), one error line, nothing written after a failure, a
 * closed pipe reported to the caller and not as an error, a non-blocking
 * descriptor waited on rather than failed.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "probes.h"
#include "sink.h"
#include "snapshot.h"
#include "syscalls.h"

/* A getppid record, as the kernel sends it: no captures, returned pid. */
static struct at_call_rec getppid_rec(int ret)
{
	struct at_call_rec r = { .nr = 110, .ret = ret, .flags = AT_CALL_NO_DUR };

	r.hdr.type = AT_REC_SYSCALL;
	r.hdr.pid = r.hdr.tid = 42;
	r.hdr.probe_id = AT_PROBE_SYSCALLS;
	memset(r.slot_arg, 0xff, sizeof(r.slot_arg));
	return r;
}

static void put_records(struct output *o, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct at_call_rec r = getppid_rec((int)(1000 + i));

		output_record(o, &r, offsetof(struct at_call_rec, slot));
	}
}

static size_t newlines_in(const char *path, size_t *bytes)
{
	size_t n = 0, len = 0, got;
	char buf[4096];
	FILE *f = fopen(path, "r");

	cr_assert_not_null(f);
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0) {
		for (size_t i = 0; i < got; i++)
			n += buf[i] == '\n';
		len += got;
	}
	fclose(f);
	*bytes = len;
	return n;
}

static void redirect_err(void)
{
	cr_redirect_stderr();
}

/*
 * Opens o on /tmp/agent-trace-TAG.PID (named in path), then limits the files this
 * process writes to limit bytes: a write past it is cut short, SIGXFSZ ignored so
 * that it fails with EFBIG instead of killing the test.
 */
static void open_limited(struct output *o, char *path, size_t size, const char *tag, rlim_t limit)
{
	struct rlimit rl = { .rlim_cur = limit, .rlim_max = RLIM_INFINITY };

	snprintf(path, size, "/tmp/agent-trace-%s.%d", tag, getpid());
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(output_open(o, path), 0);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

/*
 * A file size limit cuts a write part way (EFBIG after a short write): the
 * lines wholly written and the records lost add up to the records given.
 */
Test(output, short_write_loses_exactly_the_records_not_wholly_written, .init = redirect_err)
{
	char path[64], want[128];
	struct output o = { .events = true };
	size_t lines, bytes;

	open_limited(&o, path, sizeof(path), "output", 1000);
	/* 100 lines of about 40 bytes: one buffer, one write, cut at byte 1000. */
	put_records(&o, 100);
	output_flush(&o);
	lines = newlines_in(path, &bytes);
	cr_assert_eq(bytes, 1000, "the write went as far as the limit");
	cr_assert_gt(lines, 10);
	cr_assert_lt(lines, 100);
	cr_assert_eq(lines + o.lost, 100, "%zu lines, %llu lost", lines,
		     (unsigned long long)o.lost);
	cr_assert_eq(o.err, EFBIG);
	cr_assert(output_failed(&o) && !output_closed(&o));
	/* Once failed, nothing more is written: each later record is lost. */
	put_records(&o, 50);
	output_flush(&o);
	cr_assert_eq(lines + o.lost, 150);
	newlines_in(path, &bytes);
	cr_assert_eq(bytes, 1000);
	cr_assert_eq(output_close(&o), -EFBIG);
	unlink(path);
	snprintf(want, sizeof(want), "agent-trace: -o %s: write failed: File too large\n", path);
	fflush(stderr);
	cr_assert_stderr_eq_str(want, "one line, once");
}

/* The buffer is written whenever it fills, so losses count across many writes too. */
Test(output, losses_counted_across_buffers, .init = redirect_err)
{
	char path[64];
	struct output o = { .events = true };
	size_t lines, bytes;

	open_limited(&o, path, sizeof(path), "output2", 200000);
	put_records(&o, 20000); /* about 800 KB: a dozen buffers */
	output_close(&o);
	lines = newlines_in(path, &bytes);
	unlink(path);
	cr_assert_eq(lines + o.lost, 20000, "%zu lines, %llu lost", lines,
		     (unsigned long long)o.lost);
	cr_assert_gt(lines, 1000);
}

static int closed_calls;

static void on_closed(void)
{
	closed_calls++;
}

/* EPIPE: the caller is told once, no error line, not a failure. */
Test(output, closed_pipe_is_reported_not_an_error, .init = redirect_err)
{
	struct output o = { .events = true, .on_closed = on_closed };
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(output_open(&o, NULL), 0);
	o.fd = p[1];
	close(p[0]);
	put_records(&o, 10);
	output_flush(&o);
	put_records(&o, 10);
	output_flush(&o);
	cr_assert_eq(closed_calls, 1);
	cr_assert(output_closed(&o) && !output_failed(&o));
	cr_assert_eq(o.lost, 20);
	output_close(&o);
	close(p[1]);
	fflush(stderr);
	cr_assert_stderr_eq_str("");
}

static void *slow_reader(void *arg)
{
	int fd = *(int *)arg;
	size_t *lines = malloc(sizeof(*lines));
	char buf[512];
	ssize_t n;

	*lines = 0;
	/* Reads a little at a time, so the writer finds the pipe full again and again. */
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EAGAIN)) {
		for (ssize_t i = 0; i < n; i++)
			*lines += buf[i] == '\n';
		if (n < 0)
			usleep(100);
	}
	return lines;
}

/* A non-blocking descriptor (inherited O_NONBLOCK) is waited on: EAGAIN is no error. */
Test(output, nonblocking_descriptor_loses_nothing)
{
	struct output o = { .events = true };
	pthread_t th;
	size_t *lines;
	int p[2];

	cr_assert_eq(pipe2(p, O_NONBLOCK), 0);
	fcntl(p[1], F_SETPIPE_SZ, 4096);
	cr_assert_eq(pthread_create(&th, NULL, slow_reader, &p[0]), 0);
	cr_assert_eq(output_open(&o, NULL), 0);
	o.fd = p[1];
	put_records(&o, 5000);
	output_flush(&o);
	cr_assert_eq(o.err, 0, "%s", strerror(o.err));
	cr_assert_eq(o.lost, 0);
	output_close(&o);
	close(p[1]);
	pthread_join(th, (void **)&lines);
	cr_assert_eq(*lines, 5000);
	free(lines);
	close(p[0]);
}

/* A function probe as the JSON sink sees it: its name an ELF symbol with a quote and a backslash. */
static struct probe odd_probe(void)
{
	struct probe p = { .id = 7, .spec.ret_type = UT_INT };

	strcpy(p.name, "lib:a\"b\\c");
	return p;
}

/* What the JSON sink wrote for one event or one summary, through the output to a file. */
static char *json_sink_text(const struct event *ev, const struct snapshot *snap)
{
	char path[64];
	struct output o = { .json = true, .events = true };
	FILE *f;
	char *text = calloc(1, 65536);
	size_t n;

	snprintf(path, sizeof(path), "/tmp/agent-trace-json-sink.%d", getpid());
	cr_assert_eq(output_open(&o, path), 0);
	cr_assert_eq(o.ops, &json_sink_ops);
	if (ev)
		o.ops->event(&o, ev);
	if (snap)
		o.ops->summary(&o, snap);
	cr_assert_eq(output_close(&o), 0);
	f = fopen(path, "r");
	cr_assert(f && text);
	n = fread(text, 1, 65535, f);
	text[n] = '\0';
	fclose(f);
	unlink(path);
	return text;
}

/* ELF symbol names are any bytes: JSON escapes them in call records. */
Test(output, json_escapes_probe_name_in_call)
{
	struct probe p = odd_probe();
	struct event ev = { .kind = EV_CALL, .probe = &p, .name = p.name, .probe_id = p.id };
	char *line = json_sink_text(&ev, NULL);

	cr_assert(strstr(line, "\"probe\":\"lib:a\\\"b\\\\c\",\"probe_id\":7,"), "%s", line);
	free(line);
}

/* And in the probe summary. */
Test(output, json_escapes_probe_name_in_summary)
{
	struct probe p = odd_probe();
	struct snapshot_probe sp = { .p = &p };
	struct snapshot snap = { .probes = &sp, .nprobes = 1 };
	char *text = json_sink_text(NULL, &snap);

	cr_assert(
		strstr(text,
		       "{\"type\":\"probe_summary\",\"probe\":\"lib:a\\\"b\\\\c\",\"probe_id\":7,"),
		"%s", text);
	free(text);
}
