// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Output that cannot be written: a full device or file system is one error
 * line, exit 1 and every record not written counted as lost (exactly: lines
 * in the file plus the count are the records delivered); a closed pipe ends
 * the trace quietly with exit 0.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define AT (char *)build_path("agent-trace")
#define CALLS (char *)build_path("calls")

/* The records line's delivered count and its lost fields, in the line's order. */
struct account {
	unsigned long long delivered, rb, queue, state, procs, depth, unpaired, pending,
		go_unmatched, path, output;
};

/* Parses the "records: ..." line found in s; asserts it is there and complete. */
static struct account account_of(const char *s)
{
	const char *l = strstr(s, "records: ");
	struct account a;
	int n;

	cr_assert_not_null(l, "no records line: %s", s);
	n = sscanf(l,
		   "records: %llu delivered in %*u batches over %*fs; lost: %llu (ring buffer "
		   "full), %llu (queue full), %llu (thread state), %llu (process table full), "
		   "%llu (call depth), %llu (unpaired returns), %llu (candidate table full), "
		   "%llu (Go entries without return), %llu (-P file table full), %llu (output);",
		   &a.delivered, &a.rb, &a.queue, &a.state, &a.procs, &a.depth, &a.unpaired,
		   &a.pending, &a.go_unmatched, &a.path, &a.output);
	cr_assert_eq(n, 11, "records line: %s", l);
	return a;
}

static size_t newlines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* agent-trace [flag] -o /dev/full -e getppid -- calls many n; it must exit 1. */
static void run_full(const char *flag, const char *n, char **out, char **err)
{
	char *argv[] = { AT,   (char *)flag, "-o",   "/dev/full", "-e", "getppid",
			 "--", CALLS,	     "many", (char *)n,	  NULL };
	int st;

	if (!flag) /* the flag left out: the command starts one later */
		argv[1] = argv[0];
	st = run_capture(flag ? argv : argv + 1, out, err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d: %s", st, *err);
}

/* -o /dev/full: nothing can be written; every record delivered is lost to the output. */
Test(output, dev_full_is_an_error_and_every_record_lost)
{
	static const char want[] =
		"agent-trace: -o /dev/full: write failed: No space left on device\n";
	struct account a;
	char *out, *err;

	run_full(NULL, "2000", &out, &err);
	cr_assert_str_eq(out, "");
	cr_assert_eq(strncmp(err, want, strlen(want)), 0, "%s", err);
	cr_assert_eq(newlines(err), 2, "the error once, then the records line: %s", err);
	a = account_of(err);
	/* 2000 getppid lines and the exit line, none of them written. */
	cr_assert_eq(a.delivered, 2001, "%s", err);
	cr_assert_eq(a.output, a.delivered, "%s", err);
	cr_assert_eq(a.rb + a.queue, 0, "%s", err);
	free(out);
	free(err);

	/* -q: no summary, the loss still said, on its one line. */
	run_full("-q", "2000", &out, &err);
	cr_assert_str_eq(err,
			 "agent-trace: -o /dev/full: write failed: No space left on device\n"
			 "agent-trace: lost 0 records (ring buffer full), 0 records (queue full), "
			 "0 calls (thread state), 0 processes (table full), 0 calls (depth), 0 "
			 "returns (unpaired), 0 calls (candidate table full), 0 calls (Go, no "
			 "return), 0 files (-P table full), 2001 records (output)\n");
	free(out);
	free(err);

	/* -c: the summary itself cannot be written, an error too. */
	run_full("-c", "20", &out, &err);
	cr_assert_eq(strncmp(err, want, strlen(want)), 0, "%s", err);
	cr_assert_eq(newlines(err), 2, "%s", err);
	a = account_of(err);
	cr_assert_eq(a.delivered, 1, "-c: the exit record alone: %s", err);
	cr_assert_eq(a.output, 1, "%s", err);
	free(out);
	free(err);
}

/*
 * A 64 KiB tmpfs fills up mid-trace: the file keeps the whole lines that fit
 * (a line cut at the end is not one), and those plus the output loss are
 * exactly the records delivered.
 */
Test(output, full_file_system_counts_exactly)
{
	char dir[] = "/tmp/agent-trace-full.XXXXXX", path[64], want[128];
	char *out, *err, *file;
	struct account a;
	size_t lines, calls;
	int st;

	if (geteuid())
		cr_skip_test("mounting a tmpfs needs root");
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(mount("tmpfs", dir, "tmpfs", 0, "size=64k"), 0, "mount: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	st = run_capture((char *[]){ AT, "-o", path, "-e", "getppid", "--", CALLS, "many", "20000",
				     NULL },
			 &out, &err);
	file = slurp(path);
	umount(dir);
	rmdir(dir);
	snprintf(want, sizeof(want), "agent-trace: -o %s: write failed: No space left on device\n",
		 path);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d: %s", st, err);
	cr_assert_eq(strncmp(err, want, strlen(want)), 0, "%s", err);
	cr_assert_eq(newlines(err), 2, "%s", err);
	a = account_of(err);
	lines = newlines(file);
	calls = count_lines(file, " getppid() = ");
	cr_assert_eq(a.delivered, 20001, "%s", err);
	cr_assert_gt(lines, 1000, "64 KiB holds more than a thousand lines");
	cr_assert_lt(lines, 2000, "and fewer than two thousand");
	/* Every whole line is a record's; the last, cut, one is not counted as written. */
	cr_assert(calls == lines || calls + 1 == lines, "%zu of %zu", calls, lines);
	cr_assert_eq(lines + a.output, a.delivered, "%zu lines, %llu lost, %llu delivered", lines,
		     a.output, a.delivered);
	free(out);
	free(err);
	free(file);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * agent-trace | head -1: once the reader is gone the trace ends at once with
 * exit 0 and nothing on stderr, though the target runs on (seconds more).
 */
Test(output, closed_pipe_ends_quietly)
{
	int po[2], pe[2], st = -1, tpid = 0, tid;
	char line[256] = "", errbuf[256];
	uint64_t until;
	ssize_t n;
	pid_t pid;
	FILE *in;

	cr_assert_eq(pipe(po), 0);
	cr_assert_eq(pipe(pe), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		die_with_test();
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		/* 3M calls in bursts of 1000, 2 ms apart: over 6 s. */
		execv(AT, (char *[]){ AT, "-e", "getppid", "--", CALLS, "many", "3000000", NULL });
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	in = fdopen(po[0], "r");
	cr_assert_not_null(fgets(line, sizeof(line), in), "no first line");
	/* head -1: one line read, then the pipe closed. */
	fclose(in);
	sscanf(line, "%*f %d/%d", &tpid, &tid);
	until = mono_ms() + 5000;
	while (mono_ms() < until && waitpid(pid, &st, WNOHANG) != pid)
		usleep(10 * 1000);
	if (st == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	cr_assert(tpid > 0, "first line: %s", line);
	cr_assert_eq(kill(tpid, 0), 0, "the target still runs: the trace ended first");
	kill(tpid, SIGKILL);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	n = read(pe[0], errbuf, sizeof(errbuf) - 1);
	errbuf[n > 0 ? n : 0] = '\0';
	close(pe[0]);
	cr_assert_str_eq(errbuf, "", "nothing on stderr");
}
