// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Known file descriptor traffic for -y and -yy: files opened, duplicated,
 * closed and their numbers reused, a fork whose child inherits and closes,
 * an exec that keeps one fd and loses a close-on-exec one, a pipe, /dev/null
 * and a TCP connection on 127.0.0.1. Every write names what its fd is.
 *
 *   fds DIR          all of it, files in DIR (which must exist), fds from 3 closed first
 *   fds exec FD      (the re-exec'ed image) writes to FD and to 21, which is gone
 *   fds wait DIR     opens DIR/w (fd 3) and a socketpair (4, 5), says "ready",
 *                    and once its stdin has a byte writes to 3 and 4, closes 3,
 *                    opens DIR/x (3 again) and writes to it: for -p, whose
 *                    table starts from /proc
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[200];

static int open_in(const char *name, int flags)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, flags | O_WRONLY | O_CREAT | O_TRUNC, 0644);
}

static void say(int fd, const char *what)
{
	/* The result does not matter: some of these fds are closed on purpose. */
	(void)!write(fd, what, strlen(what));
}

/* A listening socket on 127.0.0.1, a client connected to it, the accepted end. */
static void tcp(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int srv = socket(AF_INET, SOCK_STREAM, 0), cli, acc;
	char c;

	if (srv < 0 || bind(srv, (struct sockaddr *)&a, sizeof(a)) || listen(srv, 1) ||
	    getsockname(srv, (struct sockaddr *)&a, &len))
		exit(3);
	cli = socket(AF_INET, SOCK_STREAM, 0);
	/* Open a while: -yy asks the kernel for endpoints when the record is read. */
	usleep(100000);
	if (cli < 0 || connect(cli, (struct sockaddr *)&a, sizeof(a)))
		exit(3);
	acc = accept(srv, NULL, NULL);
	if (acc < 0)
		exit(3);
	say(cli, "t");
	if (read(acc, &c, 1) != 1)
		exit(3);
	usleep(100000);
	close(acc);
	close(cli);
	close(srv);
}

/* The child inherits 4 (a's dup), writes to it, closes it and reuses the number. */
static void fork_child(void)
{
	pid_t pid = fork();

	if (pid < 0)
		exit(3);
	if (!pid) {
		say(4, "child-a");
		close(4);
		if (open_in("d", 0) != 4)
			_exit(3);
		say(4, "child-d");
		_exit(0);
	}
	if (waitpid(pid, NULL, 0) != pid)
		exit(3);
	/* The parent's 4 is still a's. */
	say(4, "parent-a");
}

static int wait_mode(void)
{
	int sv[2];
	char b;

	syscall(SYS_close_range, 3, ~0u, 0);
	if (open_in("w", 0) != 3 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || sv[0] != 4)
		return 3;
	say(1, "ready\n");
	if (read(0, &b, 1) != 1)
		return 3;
	say(3, "w");
	say(4, "s");
	close(3);
	if (open_in("x", 0) != 3)
		return 3;
	say(3, "x");
	return 0;
}

int main(int argc, char **argv)
{
	int a, c, p[2], null;

	if (argc == 3 && !strcmp(argv[1], "exec")) {
		say(atoi(argv[2]), "kept");
		say(21, "gone");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "wait") && strlen(argv[2]) < sizeof(dir) - 8) {
		strcpy(dir, argv[2]);
		return wait_mode();
	}
	if (argc != 2 || strlen(argv[1]) >= sizeof(dir) - 8)
		return 2;
	strcpy(dir, argv[1]);
	/* Whatever the caller left open goes: the numbers below are known. */
	syscall(SYS_close_range, 3, ~0u, 0);
	a = open_in("a", 0);
	say(a, "a");
	if (dup(a) != 4)
		return 3;
	say(4, "dup-a");
	/* 3 closed and reused: the same number, another file, two writes apart. */
	close(a);
	c = open_in("c", 0);
	say(c, "c");
	if (dup2(c, 10) != 10)
		return 3;
	say(10, "dup2-c");
	close(10);
	if (pipe2(p, 0))
		return 3;
	say(p[1], "p");
	/* Closed at once: the pipe's name comes from the inode the kernel kept. */
	close(p[0]);
	close(p[1]);
	null = open("/dev/null", O_WRONLY);
	say(null, "null");
	close(null);
	tcp();
	fork_child();
	/* 20 survives the exec, 21 (close-on-exec) does not. */
	if (dup2(c, 20) != 20 || dup3(c, 21, O_CLOEXEC) != 21)
		return 3;
	/* A write to an fd closed right after: its line must still name the file. */
	say(open_in("e", 0), "e");
	close(5);
	fflush(stdout);
	execl("/proc/self/exe", argv[0], "exec", "20", (char *)NULL);
	return 3;
}
