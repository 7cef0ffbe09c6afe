// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The bundled demo for `make run`: a small program that does what programs do
 * (read its config, write a log, fail to find a file, start a helper process,
 * wait on a pipe) for about two seconds.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	char path[] = "/tmp/agent-trace-demo.XXXXXX";
	char buf[256];
	int fd, p[2];

	for (int round = 0; round < 4; round++) {
		/* Read a config file that exists and one that does not. */
		fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf));

			(void)n;
			close(fd);
		}
		if (open("/etc/agent-trace-demo.conf", O_RDONLY) < 0)
			snprintf(buf, sizeof(buf), "round %d: no config, using defaults\n", round);

		/* Append to a log. */
		fd = mkstemp(path);
		if (fd >= 0) {
			if (write(fd, buf, strlen(buf)) < 0)
				perror("write");
			close(fd);
			unlink(path);
			strcpy(path, "/tmp/agent-trace-demo.XXXXXX");
		}

		/* A helper process answers on a pipe after a pause. */
		if (pipe(p) == 0) {
			pid_t pid = fork();

			if (pid == 0) {
				struct timespec ts = { 0, 400 * 1000 * 1000 };

				nanosleep(&ts, NULL);
				if (write(p[1], "done", 4) < 0)
					_exit(1);
				_exit(0);
			}
			if (read(p[0], buf, sizeof(buf)) < 0)
				perror("read");
			waitpid(pid, NULL, 0);
			close(p[0]);
			close(p[1]);
		}
	}
	return 0;
}
