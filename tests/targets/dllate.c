// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dllate LIB N: says "ready", waits for SIGUSR1, loads LIB (a path) with
 * dlopen(), waits for SIGUSR1 again, then calls its late_add(i, 2) for i in
 * 0..N-1: a library that was neither mapped nor in any linker cache when
 * the process started, mapped at a time the test chooses.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

static void wait_usr1(const sigset_t *set)
{
	int sig;

	while (sigwait(set, &sig) || sig != SIGUSR1)
		;
}

int main(int argc, char **argv)
{
	int (*add)(int, int);
	sigset_t set;
	void *h;
	int n;

	if (argc != 3) {
		fprintf(stderr, "usage: dllate LIB N\n");
		return 2;
	}
	n = atoi(argv[2]);
	/* Waiting on the test: if the test dies first, so does it (no orphan). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) || write(1, "ready\n", 6) != 6)
		return 1;
	wait_usr1(&set);
	h = dlopen(argv[1], RTLD_NOW);
	add = h ? (int (*)(int, int))dlsym(h, "late_add") : NULL;
	if (!add) {
		fprintf(stderr, "dllate: %s\n", dlerror());
		return 1;
	}
	if (write(1, "loaded\n", 7) != 7)
		return 1;
	wait_usr1(&set);
	for (int i = 0; i < n; i++)
		add(i, 2);
	return 0;
}
