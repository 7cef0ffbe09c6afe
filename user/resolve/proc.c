// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Processes: /proc look-ups and a child held before execve until the probes are in. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

extern char **environ;

pid_t proc_tgid(pid_t pid)
{
	char path[64], line[256];
	pid_t tgid = -ESRCH;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Tgid:", 5)) {
			tgid = (pid_t)strtol(line + 5, NULL, 10);
			break;
		}
	}
	fclose(f);
	return tgid;
}

static bool is_exec_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

/* The path execve will get, resolved the way a shell would; -errno when there is none. */
int proc_find_exec(const char *cmd, char *out, size_t outlen)
{
	const char *path = getenv("PATH");
	const char *p;

	if (strchr(cmd, '/')) {
		if (access(cmd, F_OK))
			return -errno;
		snprintf(out, outlen, "%s", cmd);
		return 0;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p;) {
		size_t n = strcspn(p, ":");

		if (snprintf(out, outlen, "%.*s/%s", (int)n, n ? p : ".", cmd) < (int)outlen &&
		    is_exec_file(out))
			return 0;
		p += n;
		if (*p == ':')
			p++;
	}
	return -ENOENT;
}

/*
 * Waits until the child sits in read() on the release pipe, so that call began
 * before tracing: its exit is then ignored and execve is the first call seen.
 */
static void wait_blocked(pid_t pid)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	for (int i = 0; i < 2000; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

		if (fd >= 0)
			close(fd);
		if (n <= 0)
			return; /* no /proc/PID/syscall here: the read may show up, no harm */
		buf[n] = '\0';
		if (!strncmp(buf, "0 ", 2)) /* __NR_read, blocked */
			return;
		usleep(500);
	}
}

int proc_spawn_held(char *const argv[], struct held_child *c, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int go[2], ex[2], ret;
	pid_t pid;

	ret = proc_find_exec(argv[0], path, sizeof(path));
	if (ret) {
		snprintf(err, errlen, "'%s': %s", argv[0],
			 ret == -ENOENT && !strchr(argv[0], '/') ? "command not found" :
								   strerror(-ret));
		return -1;
	}
	if (pipe2(go, O_CLOEXEC))
		goto err_sys;
	if (pipe2(ex, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		goto err_sys;
	}
	pid = fork();
	if (pid < 0) {
		close(go[0]);
		close(go[1]);
		close(ex[0]);
		close(ex[1]);
		goto err_sys;
	}
	if (pid == 0) {
		sigset_t none;
		char b;
		int e;

		/* The tracer blocks signals for its signalfd; the command must not inherit that. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		close(go[1]);
		close(ex[0]);
		/* Held here until the probes are attached; EOF means the tracer gave up. */
		if (read(go[0], &b, 1) != 1)
			_exit(127);
		execve(path, argv, environ);
		e = errno;
		if (write(ex[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(ex[1]);
	wait_blocked(pid);
	c->pid = pid;
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->go_fd = go[1];
	c->err_fd = ex[0];
	return 0;

err_sys:
	snprintf(err, errlen, "'%s': cannot start: %s", argv[0], strerror(errno));
	return -1;
}

int proc_release(struct held_child *c)
{
	char b = 'g';
	int e = 0;
	ssize_t n;

	if (write(c->go_fd, &b, 1) != 1)
		e = errno;
	close(c->go_fd);
	c->go_fd = -1;
	if (e)
		return -e;
	/* The error pipe is close-on-exec: EOF means execve succeeded. */
	do
		n = read(c->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(c->err_fd);
	c->err_fd = -1;
	return n == sizeof(e) ? -e : 0;
}

void proc_abort(struct held_child *c)
{
	/* Killed while held: it never runs the command (EOF on go would do, this cannot hang). */
	kill(c->pid, SIGKILL);
	if (c->go_fd >= 0)
		close(c->go_fd);
	if (c->err_fd >= 0)
		close(c->err_fd);
	c->go_fd = c->err_fd = -1;
	/* Reaped: no zombie is left behind. */
	while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int proc_stat_start(const char *stat, uint64_t *start)
{
	const char *p = strrchr(stat, ')'); /* the command may hold ')' and spaces */
	char *end;
	int field = 2;

	if (!p)
		return -EINVAL;
	p++;
	while (field < 22) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -EINVAL;
		if (++field == 22)
			break;
		while (*p && *p != ' ')
			p++;
	}
	errno = 0;
	*start = strtoull(p, &end, 10);
	if (end == p || errno || (*end != ' ' && *end != '\n' && *end))
		return -EINVAL;
	return 0;
}

int proc_exe_link(pid_t pid, char *buf, size_t len, bool *deleted)
{
	char exe[64];
	ssize_t n;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	n = readlink(exe, buf, len - 1);
	if (n <= 0)
		return n ? -errno : -ENOENT;
	buf[n] = '\0';
	*deleted = n > 10 && !strcmp(buf + n - 10, " (deleted)");
	if (*deleted)
		buf[n - 10] = '\0';
	return 0;
}

/* <linux/nsfs.h> of Linux 6.10; Debian 12's headers predate it. */
#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(0xb7, 0x5, __u64)
#endif

int proc_mntns_id(pid_t pid, uint64_t *id)
{
	char path[64];
	__u64 v = 0;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, NS_GET_MNTNS_ID, &v))
		ret = -errno;
	close(fd);
	*id = v;
	return ret;
}
