// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The target of the node-wide benchmarks (issue 14): statically linked, so a
 * container image is this one file. Every probed function takes the
 * CLOCK_MONOTONIC time of its call (us) as an argument, so a record says
 * when its call was made in the clock the bench reads too.
 *
 *   follow exec N             execs itself N times (no fork): the cost of an exec
 *   follow ticker MS          tick(i, now, start) every ~100 us for MS ms, start
 *                             being the time main() began: the first record says
 *                             how long after the exec the probe was live
 *   follow once               fn_000(now) once, then exits
 *   follow spawn N PATH       fork + exec PATH once, N times one after the other
 *   follow loop TICK ALL [Q]  forever: fn_000(now) every TICK ms and fn_000..fn_199
 *                             every ALL ms; none while the file Q exists
 *   follow idle               waits for a signal, calling nothing
 *
 * exec and spawn write "loop_ns=... cpu_ns=... events=..." to the file named by
 * BENCH_OUT (stdout otherwise), as bench/workload does.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

static void die(const char *what)
{
	fprintf(stderr, "follow: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Distinct bodies, so no two functions share an address (identical code folding). */
// clang-format off
#define F(n) __attribute__((noinline)) long fn_##n(long t) { __asm__ volatile("" ::: "memory"); return t + 0x##n; }
#define F10(p) F(p##0) F(p##1) F(p##2) F(p##3) F(p##4) F(p##5) F(p##6) F(p##7) F(p##8) F(p##9)
#define F100(p) F10(p##0) F10(p##1) F10(p##2) F10(p##3) F10(p##4) \
	F10(p##5) F10(p##6) F10(p##7) F10(p##8) F10(p##9)
F100(0) F100(1)

#define T(n) fn_##n,
#define T10(p) T(p##0) T(p##1) T(p##2) T(p##3) T(p##4) T(p##5) T(p##6) T(p##7) T(p##8) T(p##9)
#define T100(p) T10(p##0) T10(p##1) T10(p##2) T10(p##3) T10(p##4) \
	T10(p##5) T10(p##6) T10(p##7) T10(p##8) T10(p##9)
static long (*const fns[200])(long) = { T100(0) T100(1) };
// clang-format on

__attribute__((noinline)) long tick(long i, long now, long start)
{
	__asm__ volatile("" ::: "memory");
	return i + now - start;
}

static void result(uint64_t loop_ns, uint64_t cpu, long events)
{
	const char *out = getenv("BENCH_OUT");
	FILE *f = out ? fopen(out, "w") : stdout;

	if (!f)
		die(out);
	fprintf(f, "loop_ns=%llu cpu_ns=%llu events=%ld\n", (unsigned long long)loop_ns,
		(unsigned long long)cpu, events);
	if (f != stdout)
		fclose(f);
}

/* The chain's start time and length travel in the environment; rusage survives exec. */
static int run_exec(long n)
{
	const char *t0 = getenv("FOLLOW_T0");
	char arg[32], env[64];
	unsigned long long start;
	long total;

	if (!t0) {
		snprintf(env, sizeof(env), "FOLLOW_T0=%llu:%ld", (unsigned long long)now_ns(), n);
		putenv(env);
		t0 = env + strlen("FOLLOW_T0=");
	}
	if (n <= 0) {
		if (sscanf(t0, "%llu:%ld", &start, &total) != 2)
			die("FOLLOW_T0");
		result(now_ns() - start, cpu_ns(), total);
		return 0;
	}
	snprintf(arg, sizeof(arg), "%ld", n - 1);
	execl("/proc/self/exe", "follow", "exec", arg, (char *)NULL);
	die("exec /proc/self/exe");
	return 1;
}

static int run_ticker(long start, long ms)
{
	struct timespec gap = { .tv_nsec = 100000 };
	long sum = 0, i = 0;

	for (long t = start; t - start < ms * 1000; t = now_us()) {
		sum += tick(i++, t, start);
		nanosleep(&gap, NULL);
	}
	return sum == 0 && i == 0;
}

static int run_spawn(long n, const char *path)
{
	uint64_t t0 = now_ns(), c0 = cpu_ns();
	int st;

	for (long i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0)
			die("fork");
		if (!p) {
			execl(path, path, "once", (char *)NULL);
			_exit(127);
		}
		if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st))
			die(path);
	}
	result(now_ns() - t0, cpu_ns() - c0, n);
	return 0;
}

static int run_loop(long tick_ms, long all_ms, const char *quiet)
{
	struct timespec gap = { .tv_sec = tick_ms / 1000, .tv_nsec = tick_ms % 1000 * 1000000L };
	long last_all = 0;
	struct stat sb;

	for (;;) {
		long t = now_us();

		if (!quiet || stat(quiet, &sb)) {
			fn_000(t);
			if (t - last_all >= all_ms * 1000) {
				for (int i = 0; i < 200; i++)
					fns[i](t);
				last_all = t;
			}
		}
		nanosleep(&gap, NULL);
	}
	return 0;
}

int main(int argc, char **argv)
{
	long start = now_us();
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "exec") && argc == 3)
		return run_exec(atol(argv[2]));
	if (!strcmp(mode, "ticker") && argc == 3)
		return run_ticker(start, atol(argv[2]));
	if (!strcmp(mode, "idle"))
		return pause();
	if (!strcmp(mode, "once"))
		return fn_000(now_us()) == 0;
	if (!strcmp(mode, "spawn") && argc == 4)
		return run_spawn(atol(argv[2]), argv[3]);
	if (!strcmp(mode, "loop") && (argc == 4 || argc == 5))
		return run_loop(atol(argv[2]), atol(argv[3]), argc == 5 ? argv[4] : NULL);
	fprintf(stderr, "usage: follow exec N | ticker MS | once | spawn N PATH |"
			" loop TICK_MS ALL_MS [QUIET_FILE] | idle\n");
	return 2;
}
