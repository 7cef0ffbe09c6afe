// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Benchmark workloads. Each runs a loop of known events and reports the loop's
 * own wall time and the process's CPU time, so a tracer's start-up is never
 * part of the measurement:
 *
 *   workload getppid N        N getppid() syscalls
 *   workload write N          N 1-byte write()s to /dev/null (dd bs=1 style)
 *   workload func N           N calls of a non-inlined function, bench_work()
 *   workload malloc N         N malloc(64) + free() pairs from libc
 *   workload sqlite N DB      N single-row INSERTs, each its own transaction
 *   workload rate R S T       getppid at R calls/s in total for S seconds on T threads
 *   workload steady R S T     the same, sleeping 100 us whenever caught up instead of
 *                             spinning: the CPU is left to the tracer and its receiver
 *   workload tick MS          lseek(-1, now_us, SEEK_SET) every MS ms, forever:
 *                             the argument carries the CLOCK_MONOTONIC time of the call
 *
 * With BENCH_WAIT set it prints "ready" on stdout and waits for a byte on
 * stdin before the loop (for tracers that attach with -p). The result goes to
 * the file named by BENCH_OUT (stdout otherwise) as one line:
 *   loop_ns=... cpu_ns=... events=...
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

__attribute__((noinline)) long bench_work(long a, long b)
{
	__asm__ volatile("" ::: "memory");
	return a + b;
}

static void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t run_sqlite(long n, const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	uint64_t events = 0;

	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			 "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL);",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO t(name, v) VALUES (?1, ?2)", -1, &st, NULL) !=
		    SQLITE_OK) {
		fprintf(stderr, "workload: sqlite %s: %s\n", path, sqlite3_errmsg(db));
		exit(1);
	}
	for (long i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "row-%ld", i);
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_double(st, 2, (double)i / 3);
		if (sqlite3_step(st) != SQLITE_DONE) {
			fprintf(stderr, "workload: insert: %s\n", sqlite3_errmsg(db));
			exit(1);
		}
		sqlite3_reset(st);
		events++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	unlink(path);
	return events;
}

struct pacer {
	double rate; /* calls per second for this thread */
	uint64_t start, end, calls;
	int sleep; /* sleep when caught up (steady), else spin (rate) */
};

static void *paced(void *arg)
{
	struct pacer *p = arg;
	uint64_t t;

	while ((t = now_ns()) < p->end) {
		/* Calls due by now at this thread's rate; catch up, then spin. */
		uint64_t due = (uint64_t)((double)(t - p->start) * p->rate / 1e9);

		while (p->calls < due) {
			syscall(SYS_getppid);
			p->calls++;
		}
		if (p->sleep) {
			struct timespec ts = { .tv_nsec = 100000 };

			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

static uint64_t run_rate(double rate, double secs, int threads, int sleep)
{
	struct pacer p[16];
	pthread_t th[16];
	uint64_t start = now_ns(), total = 0;

	if (threads < 1 || threads > 16)
		threads = 1;
	for (int i = 0; i < threads; i++) {
		p[i] = (struct pacer){ .rate = rate / threads,
				       .start = start,
				       .end = start + (uint64_t)(secs * 1e9),
				       .sleep = sleep };
		if (pthread_create(&th[i], NULL, paced, &p[i]))
			die("pthread_create");
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		total += p[i].calls;
	}
	return total;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long n = argc > 2 ? atol(argv[2]) : 0;
	uint64_t t0, t1, c0, events = 0;
	const char *out = getenv("BENCH_OUT");
	FILE *f = stdout;

	if (argc < 3) {
		fprintf(stderr, "usage: workload getppid|write|func|malloc N | sqlite N DB |"
				" rate|steady R SECS THREADS | tick MS\n");
		return 2;
	}
	if (getenv("BENCH_WAIT")) {
		char b;

		if (write(1, "ready\n", 6) != 6 || read(0, &b, 1) != 1)
			die("waiting for the tracer");
	}
	c0 = cpu_ns();
	t0 = now_ns();
	if (!strcmp(mode, "getppid")) {
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		events = n;
	} else if (!strcmp(mode, "write")) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd < 0)
			die("/dev/null");
		for (long i = 0; i < n; i++)
			if (write(fd, "x", 1) != 1)
				die("write");
		close(fd);
		events = n;
	} else if (!strcmp(mode, "func")) {
		long s = 0;

		for (long i = 0; i < n; i++)
			s = bench_work(s, i);
		if (s != n * (n - 1) / 2)
			return 1;
		events = n;
	} else if (!strcmp(mode, "malloc")) {
		for (long i = 0; i < n; i++) {
			void *p = malloc(64);

			__asm__ volatile("" : : "r"(p) : "memory");
			free(p);
		}
		events = n;
	} else if (!strcmp(mode, "sqlite") && argc > 3) {
		events = run_sqlite(n, argv[3]);
	} else if (!strcmp(mode, "rate") && argc > 4) {
		events = run_rate(atof(argv[2]), atof(argv[3]), atoi(argv[4]), 0);
	} else if (!strcmp(mode, "steady") && argc > 4) {
		events = run_rate(atof(argv[2]), atof(argv[3]), atoi(argv[4]), 1);
	} else if (!strcmp(mode, "tick")) {
		struct timespec ts = { .tv_sec = n / 1000, .tv_nsec = (n % 1000) * 1000000 };

		for (;;) {
			syscall(SYS_lseek, -1, (long)(now_ns() / 1000), SEEK_SET);
			nanosleep(&ts, NULL);
		}
	} else {
		fprintf(stderr, "workload: unknown mode '%s'\n", mode);
		return 2;
	}
	t1 = now_ns();
	if (out && !(f = fopen(out, "w")))
		die(out);
	fprintf(f, "loop_ns=%llu cpu_ns=%llu events=%llu\n", (unsigned long long)(t1 - t0),
		(unsigned long long)(cpu_ns() - c0), (unsigned long long)events);
	if (f != stdout)
		fclose(f);
	return 0;
}
