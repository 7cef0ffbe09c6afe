/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The bench loaders' command: forked first and held on a pipe until the
 * programs are attached, as agent-trace -- CMD does.
 */
#ifndef BENCH_HELD_H
#define BENCH_HELD_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Forks argv[0] held; *go is written to release it. The pid, or -1. */
static pid_t spawn_held(char *const argv[], const char *who, int *go)
{
	int p[2];
	char b;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &b, 1) != 1)
			_exit(126);
		close(p[0]);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s: %s\n", who, argv[0], strerror(errno));
		_exit(127);
	}
	close(p[0]);
	*go = p[1];
	return pid;
}

/* Lets the held command run. 0, or -1. */
static int release_held(int go)
{
	char b = 'g';
	int ret = write(go, &b, 1) == 1 ? 0 : -1;

	close(go);
	return ret;
}

#endif /* BENCH_HELD_H */
