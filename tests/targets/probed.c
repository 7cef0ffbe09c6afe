// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The target of the probe-file tests: functions and syscalls with known
 * arguments, counts and durations, so filters, actions, sampling, rate limits
 * and reloads can be checked exactly.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sdt.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Returns its argument: the value filters and histograms look at. */
__attribute__((noinline)) int step(int i, const char *tag)
{
	__asm__ volatile("" ::"r"(tag) : "memory");
	return i;
}

/* Sleeps us microseconds: known latencies. */
__attribute__((noinline)) int nap(int us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000L };

	return nanosleep(&ts, NULL);
}

/*
 * The path the cold modes pass, alone in 64 KiB of .rodata and read by
 * nothing before the call: the kernel maps a file page at its first touch,
 * with the neighbours in the page cache within a 64 KiB aligned window
 * (fault-around), so only a window of its own stays unmapped until then, and
 * bpf_probe_read_user fails on it.
 */
static const char cold[65536]
	__attribute__((section(".rodata.cold"), aligned(65536))) = "/tmp/at-probed-cold";

/*
 * The same path across a page boundary, 8 bytes in one page and the rest in
 * the next, neither mapped yet: two pages of two files mapped side by side
 * (two mappings, so faulting one in cannot map the other). Written with
 * write(2): the mappings themselves are never touched.
 */
static const char *split_path(void)
{
	char name[64], page[2][4096] = {};
	char *m;

	memcpy(page[0] + 4096 - 8, "/tmp/at-", 8);
	strcpy(page[1], "probed-cold");
	m = mmap(NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	for (int i = 0; i < 2; i++) {
		int fd;

		snprintf(name, sizeof(name), "/dev/shm/at-probed-split-%d-%d", (int)getpid(), i);
		fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
		unlink(name);
		if (fd < 0 || write(fd, page[i], 4096) != 4096 ||
		    mmap(m + 4096 * i, 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) ==
			    MAP_FAILED)
			return NULL;
		close(fd);
	}
	return m + 4096 - 8;
}

static pthread_barrier_t all_in;

/* A thread of "threads": all of them are alive while each calls step() 25 times. */
static void *worker(void *arg)
{
	pthread_barrier_wait(&all_in);
	for (int i = 0; i < 25; i++)
		step((int)(long)arg * 100 + i, "thread");
	pthread_barrier_wait(&all_in);
	return NULL;
}

static long arg(char **argv, int argc, int i, long def)
{
	return argc > i ? atol(argv[i]) : def;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long n = arg(argv, argc, 2, 10);

	if (!strcmp(mode, "steps")) {
		/* step(0..n-1): even ones tagged "/etc/even", odd ones "/tmp/odd". */
		for (long i = 0; i < n; i++)
			step((int)i, i % 2 ? "/tmp/odd" : "/etc/even");
		return 0;
	}
	if (!strcmp(mode, "opens")) {
		/* n openat calls: i % 3 == 0 on /tmp/at-probed-match-I, the others on /nonexistent/I. */
		char path[64];

		for (long i = 0; i < n; i++) {
			int fd;

			if (i % 3 == 0)
				snprintf(path, sizeof(path), "/tmp/at-probed-match-%ld", i);
			else
				snprintf(path, sizeof(path), "/nonexistent/%ld", i);
			fd = open(path, O_RDONLY | O_CREAT, 0600);
			if (fd >= 0) {
				close(fd);
				unlink(path);
			}
		}
		return 0;
	}
	if (!strcmp(mode, "naps")) {
		/* 3 naps of 1 ms, 2 of 20 ms. */
		for (int i = 0; i < 3; i++)
			nap(1000);
		for (int i = 0; i < 2; i++)
			nap(20000);
		return 0;
	}
	if (!strcmp(mode, "count")) {
		/* step(0..n-1), each number written to stdout once its call returned. */
		for (long i = 0; i < n; i++) {
			step((int)i, "count");
			printf("%ld\n", i);
			fflush(stdout);
		}
		return 0;
	}
	if (!strcmp(mode, "spin")) {
		/* step(i) n times, pausing 1 ms every 100 calls: a steady stream for reloads. */
		long pause = arg(argv, argc, 3, 100);

		for (long i = 0; i < n; i++) {
			step((int)i, "spin");
			if (pause && i % pause == pause - 1)
				nap(1000);
		}
		return 0;
	}
	if (!strcmp(mode, "threads")) {
		/* n threads, all alive at once, 25 calls of step() each. */
		pthread_t th[16];

		if (n < 1 || n > 16)
			return 2;
		pthread_barrier_init(&all_in, NULL, (unsigned)n);
		for (long i = 0; i < n; i++)
			pthread_create(&th[i], NULL, worker, (void *)(i + 1));
		for (long i = 0; i < n; i++)
			pthread_join(th[i], NULL);
		return 0;
	}
	if (!strcmp(mode, "phases") && argc > 3) {
		/* Each byte read from the FIFO argv[3] runs phase k: step(100k .. 100k+n-1). */
		int fd = open(argv[3], O_RDONLY);
		char b;

		if (fd < 0)
			return 1;
		for (int k = 1; read(fd, &b, 1) == 1; k++)
			for (long i = 0; i < n; i++)
				step((int)(100 * k + i), "phase");
		return 0;
	}
	if (!strcmp(mode, "cold") && argc > 2) {
		/*
		 * cold unlink|step|split|usdt [touch]: unlink(cold), step(7, cold),
		 * step(7, split_path()) or the USDT probe atprobed:cold(7, cold); with
		 * touch the page of cold is read first.
		 */
		if (argc > 3 && !strcmp(argv[3], "touch") && *(const volatile char *)cold != '/')
			return 1;
		if (!strcmp(argv[2], "unlink"))
			return syscall(SYS_unlink, cold) ? 1 : 0;
		if (!strcmp(argv[2], "step"))
			return step(7, cold) == 7 ? 0 : 1;
		if (!strcmp(argv[2], "split")) {
			const char *p = split_path();

			return p && step(7, p) == 7 ? 0 : 1;
		}
		if (!strcmp(argv[2], "usdt")) {
			STAP_PROBE2(atprobed, cold, 7, cold);
			return 0;
		}
		return 2;
	}
	fprintf(stderr, "usage: probed steps|opens|naps|count|spin N [PAUSE] | phases N FIFO | "
			"cold unlink|step|split|usdt [touch]\n");
	return 2;
}
