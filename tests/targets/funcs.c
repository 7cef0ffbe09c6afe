// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A target with functions called a known number of times, with known
 * arguments and return values, for the function probe tests.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <unistd.h>

int lib_add(int a, int b);

/* Returns 2x; fails (returns -1) for negative input. */
__attribute__((noinline)) int plain(int x)
{
	return x < 0 ? -1 : 2 * x;
}

__attribute__((noinline)) long fact(int n)
{
	return n <= 1 ? 1 : n * fact(n - 1);
}

/* 0 for paths under /ok, -1 otherwise; flags come back in the low bits. */
__attribute__((noinline)) int check_path(const char *path, int flags)
{
	return strncmp(path, "/ok", 3) ? -1 : flags & 0xff;
}

/* Returns NULL for n == 0: a failing pointer. */
__attribute__((noinline)) void *maybe_alloc(unsigned long n)
{
	static char buf[64];

	return n ? buf : NULL;
}

static void *worker(void *arg)
{
	for (int i = 0; i < 25; i++)
		plain((int)(long)arg);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int n = argc > 2 ? atoi(argv[2]) : 0;

	if (!strcmp(mode, "plain")) {
		/* plain(0..n-1), then plain(-5) once: n+1 calls, 1 failing. */
		for (int i = 0; i < n; i++)
			plain(i);
		return plain(-5) == -1 ? 0 : 1;
	}
	if (!strcmp(mode, "delay") && argc == 4) {
		/* MS ms of nothing (a tracer attaching meanwhile), then as plain N. */
		usleep((useconds_t)atoi(argv[3]) * 1000);
		for (int i = 0; i < n; i++)
			plain(i);
		return plain(-5) == -1 ? 0 : 1;
	}
	if (!strcmp(mode, "fact"))
		return fact(n) > 0 ? 0 : 1;
	if (!strcmp(mode, "twophase")) {
		/* plain(0..n-1), stops itself (SIGSTOP), then plain(100..100+n-1). */
		for (int i = 0; i < n; i++)
			plain(i);
		/* Stopped, it waits for the test: if the test dies first, so does it (no orphan). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			return 3;
		raise(SIGSTOP);
		for (int i = 0; i < n; i++)
			plain(100 + i);
		return 0;
	}
	if (!strcmp(mode, "threads")) {
		pthread_t th[4];

		for (long i = 0; i < 4; i++)
			pthread_create(&th[i], NULL, worker, (void *)(i + 1));
		for (int i = 0; i < 4; i++)
			pthread_join(th[i], NULL);
		return 0;
	}
	if (!strcmp(mode, "paths")) {
		check_path("/ok/one", 0x101);
		check_path("/bad/two", 2);
		check_path("/ok/three-with-a-rather-long-name-that-goes-on-and-on-past-the-limit",
			   3);
		maybe_alloc(8);
		maybe_alloc(0);
		return 0;
	}
	if (!strcmp(mode, "lib")) {
		int sum = 0;

		for (int i = 0; i < n; i++)
			sum = lib_add(sum, i);
		return sum == n * (n - 1) / 2 ? 0 : 1;
	}
	if (!strcmp(mode, "waitlib")) {
		/* Says it is ready, waits for a byte on stdin, then lib_add(i, 4) n times. */
		char b;

		if (write(1, "r", 1) != 1 || read(0, &b, 1) != 1)
			return 1;
		for (int i = 0; i < n; i++)
			lib_add(i, 4);
		return 0;
	}
	if (!strcmp(mode, "usdt")) {
		/* n hits of atfuncs:tick(i, "tick-i") */
		char label[32];

		for (int i = 0; i < n; i++) {
			snprintf(label, sizeof(label), "tick-%d", i);
			STAP_PROBE2(atfuncs, tick, i, label);
		}
		return 0;
	}
	if (!strcmp(mode, "dlopen") && argc == 4) {
		/* Loads argv[3] only now, then calls dl_mul(i, 3) n times. */
		void *h = dlopen(argv[3], RTLD_NOW);
		int (*mul)(int, int) = h ? (int (*)(int, int))dlsym(h, "dl_mul") : NULL;

		if (!mul)
			return 1;
		for (int i = 0; i < n; i++)
			mul(i, 3);
		return 0;
	}
	fprintf(stderr,
		"usage: funcs plain N | delay N MS | fact N | twophase N | threads | paths | lib N | usdt N |"
		" dlopen N LIB\n");
	return 2;
}
