// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * measure OUT CMD...: runs CMD as a fresh child and writes its resource usage
 * to OUT: "cpu_ns=... maxrss_kib=...". A child of this small process starts
 * with a clean peak-RSS account; one forked from the harness (Python) would
 * carry the harness's peak across exec. SIGINT and SIGTERM are passed on to
 * CMD. Exits with CMD's exit code, or 128 + its signal.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child;

static void pass_on(int sig)
{
	if (child > 0)
		kill(child, sig);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = pass_on };
	struct rusage ru;
	FILE *f;
	int st;

	if (argc < 3) {
		fprintf(stderr, "usage: measure OUT CMD...\n");
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "measure: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(child, &st, 0, &ru) < 0)
		;
	f = fopen(argv[1], "w");
	if (!f)
		return 1;
	fprintf(f, "cpu_ns=%lld maxrss_kib=%ld\n",
		(long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ll +
			(long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ll,
		ru.ru_maxrss);
	fclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
