// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A target with known system calls, one mode per scenario the integration
 * tests trace. Every mode makes its calls through syscall(2) or plain libc
 * wrappers that map one-to-one to a system call.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* basic PATH N: create PATH, write N bytes "x...\n", fail an open with ENOENT, exit 3. */
static int basic(const char *path, int n)
{
	char *buf = malloc(n);
	int fd;

	memset(buf, 'x', n);
	buf[n - 1] = '\n';
	fd = openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || write(fd, buf, n) != n)
		return 1;
	close(fd);
	if (openat(AT_FDCWD, "/nonexistent/agent-trace", O_RDONLY) >= 0 || errno != ENOENT)
		return 1;
	free(buf);
	return 3;
}

static int pipe_w;

static void *late_writer(void *arg)
{
	(void)arg;
	usleep(200 * 1000);
	if (write(pipe_w, "ping", 4) != 4)
		exit(1);
	return NULL;
}

/* pipe: a read that blocks 200 ms on a pipe until another thread writes "ping". */
static int pipe_block(void)
{
	int fds[2];
	char buf[16];
	pthread_t th;

	if (pipe(fds))
		return 1;
	pipe_w = fds[1];
	pthread_create(&th, NULL, late_writer, NULL);
	if (read(fds[0], buf, sizeof(buf)) != 4)
		return 1;
	pthread_join(th, NULL);
	return 0;
}

/* fork: the child fails to open /nonexistent/child and exits 7; the parent waits. */
static int fork_child(void)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid == 0) {
		openat(AT_FDCWD, "/nonexistent/child", O_RDONLY);
		_exit(7);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
		return 1;
	openat(AT_FDCWD, "/nonexistent/parent", O_RDONLY);
	return 0;
}

#define NTHREADS 4
#define PER_THREAD 25

static pthread_barrier_t barrier;

static void *ppid_caller(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < PER_THREAD; i++)
		syscall(SYS_getppid);
	return NULL;
}

/* threads: 4 threads call getppid 25 times each, 100 calls from 4 distinct tids. */
static int threads(void)
{
	pthread_t th[NTHREADS];

	pthread_barrier_init(&barrier, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, ppid_caller, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	return 0;
}

/*
 * wait N: says "ready" on stdout, blocks reading stdin until a byte arrives
 * (the tracer attaches meanwhile), then calls getppid N times and
 * fails to open /nonexistent/waited once.
 */
static int wait_then_call(int n)
{
	char b;

	if (write(1, "ready\n", 6) != 6 || read(0, &b, 1) != 1)
		return 1;
	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);
	openat(AT_FDCWD, "/nonexistent/waited", O_RDONLY);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "basic") && argc == 4)
		return basic(argv[2], atoi(argv[3]));
	if (!strcmp(mode, "pipe"))
		return pipe_block();
	if (!strcmp(mode, "fork"))
		return fork_child();
	if (!strcmp(mode, "threads"))
		return threads();
	if (!strcmp(mode, "wait") && argc == 3)
		return wait_then_call(atoi(argv[2]));
	fprintf(stderr, "usage: calls basic PATH N | pipe | fork | threads | wait N\n");
	return 2;
}
