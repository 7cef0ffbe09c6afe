// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fd table of -y, by events made by hand for a pid that does not exist
 * (past pid_max): /proc says nothing, so every path comes from the stream.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "decode.h"
#include "fdtab.h"
#include "syscalls.h"

#define PID 999999990u
#define CHILD 999999991u

/* A syscall event of pid: nr's arguments, its result; a path argument's bytes from path. */
static struct event call(uint32_t pid, unsigned nr, long long ret, const char *path, int n, ...)
{
	struct event ev = { .kind = EV_SYSCALL, .pid = pid, .tid = pid, .nr = nr, .ret = ret };
	va_list ap;

	ev.sys = syscall_desc_of(nr);
	cr_assert(ev.sys);
	ev.nargs = ev.sys->nargs;
	ev.err = ret < 0 ? (int)-ret : 0;
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		ev.args[i].value = va_arg(ap, uint64_t);
		ev.args[i].type = ev.sys->arg[i];
		if (ev.sys->arg[i] == ARG_PATH && path) {
			ev.args[i].bytes = path;
			ev.args[i].len = (uint16_t)strlen(path);
		}
	}
	va_end(ap);
	return ev;
}

static void run(struct fdtab *t, struct event ev, struct fd_view *v)
{
	fdtab__event(t, &ev, v);
}

static void open_at(struct fdtab *t, uint32_t pid, const char *path, int fd, unsigned flags)
{
	run(t, call(pid, SYS_openat, fd, path, 3, (uint64_t)AT_FDCWD, 0ull, (uint64_t)flags), NULL);
}

Test(fdtab, dup_close_and_reuse)
{
	struct fdtab *t = fdtab__new(1);
	struct fd_view v;

	open_at(t, PID, "/x/a", 3, O_RDONLY);
	run(t, call(PID, SYS_dup, 4, NULL, 1, 3ull), &v);
	cr_assert_str_eq(v.arg[0].path, "/x/a");
	cr_assert_str_eq(v.ret.path, "/x/a");
	cr_assert_str_eq(fdtab__path(t, PID, 4), "/x/a");
	/* close: the line shows what it closed; then the number is free. */
	run(t, call(PID, SYS_close, 0, NULL, 1, 3ull), &v);
	cr_assert_str_eq(v.arg[0].path, "/x/a");
	cr_assert_null(fdtab__path(t, PID, 3));
	open_at(t, PID, "/x/c", 3, O_RDONLY);
	cr_assert_str_eq(fdtab__path(t, PID, 3), "/x/c");
	/* dup2 onto an open fd replaces it; a failed close changes nothing. */
	run(t, call(PID, SYS_dup2, 4, NULL, 2, 3ull, 4ull), &v);
	cr_assert_str_eq(v.arg[1].path, "/x/a");
	cr_assert_str_eq(v.ret.path, "/x/c");
	run(t, call(PID, SYS_close, -9, NULL, 1, 7ull), &v);
	cr_assert_null(v.arg[0].path);
	cr_assert_str_eq(fdtab__path(t, PID, 4), "/x/c");
	fdtab__free(t);
}

Test(fdtab, fork_copies_exit_frees)
{
	struct fdtab *t = fdtab__new(1);
	struct event fork = { .kind = EV_FORK, .pid = CHILD, .ppid = PID };
	struct event exit = { .kind = EV_EXIT, .pid = CHILD };

	open_at(t, PID, "/x/a", 3, O_RDONLY);
	fdtab__event(t, &fork, NULL);
	cr_assert_str_eq(fdtab__path(t, CHILD, 3), "/x/a");
	/* The child's close and reuse are its own. */
	run(t, call(CHILD, SYS_close, 0, NULL, 1, 3ull), NULL);
	open_at(t, CHILD, "/x/d", 3, O_RDONLY);
	cr_assert_str_eq(fdtab__path(t, CHILD, 3), "/x/d");
	cr_assert_str_eq(fdtab__path(t, PID, 3), "/x/a");
	fdtab__event(t, &exit, NULL);
	cr_assert_null(fdtab__path(t, CHILD, 3));
	cr_assert_str_eq(fdtab__path(t, PID, 3), "/x/a");
	fdtab__free(t);
}

Test(fdtab, exec_drops_close_on_exec_fds)
{
	struct fdtab *t = fdtab__new(1);

	open_at(t, PID, "/x/a", 3, O_RDONLY | O_CLOEXEC);
	open_at(t, PID, "/x/b", 4, O_RDONLY);
	run(t, call(PID, SYS_dup3, 5, NULL, 3, 4ull, 5ull, (uint64_t)O_CLOEXEC), NULL);
	run(t, call(PID, SYS_fcntl, 6, NULL, 3, 4ull, (uint64_t)F_DUPFD_CLOEXEC, 0ull), NULL);
	run(t, call(PID, SYS_fcntl, 7, NULL, 3, 4ull, (uint64_t)F_DUPFD, 0ull), NULL);
	/* F_SETFD on 7, then off again on 3: the last word counts. */
	run(t, call(PID, SYS_fcntl, 0, NULL, 3, 7ull, (uint64_t)F_SETFD, (uint64_t)FD_CLOEXEC),
	    NULL);
	run(t, call(PID, SYS_fcntl, 0, NULL, 3, 3ull, (uint64_t)F_SETFD, 0ull), NULL);
	/* A failed exec keeps them all. */
	run(t, call(PID, SYS_execve, -2, "/nope", 3, 0ull, 0ull, 0ull), NULL);
	cr_assert_str_eq(fdtab__path(t, PID, 5), "/x/b");
	run(t, call(PID, SYS_execve, 0, "/bin/true", 3, 0ull, 0ull, 0ull), NULL);
	cr_assert_str_eq(fdtab__path(t, PID, 3), "/x/a");
	cr_assert_str_eq(fdtab__path(t, PID, 4), "/x/b");
	cr_assert_null(fdtab__path(t, PID, 5));
	cr_assert_null(fdtab__path(t, PID, 6));
	cr_assert_null(fdtab__path(t, PID, 7));
	fdtab__free(t);
}

Test(fdtab, relative_paths_and_close_range)
{
	struct fdtab *t = fdtab__new(1);

	open_at(t, PID, "/x", 3, O_RDONLY | O_DIRECTORY);
	run(t, call(PID, SYS_openat, 4, "f", 3, 3ull, 0ull, 0ull), NULL);
	cr_assert_str_eq(fdtab__path(t, PID, 4), "/x/f");
	run(t, call(PID, SYS_close_range, 0, NULL, 3, 4ull, ~0ull, 0ull), NULL);
	cr_assert_str_eq(fdtab__path(t, PID, 3), "/x");
	cr_assert_null(fdtab__path(t, PID, 4));
	fdtab__free(t);
}

Test(fdtab, bounds_are_counted)
{
	struct fdtab *t = fdtab__new(1);
	struct fdtab_counters c;
	struct fd_view v;

	open_at(t, PID, "/x/high", FDTAB_MAX_FD, O_RDONLY);
	run(t, call(PID, SYS_write, 1, NULL, 3, (uint64_t)FDTAB_MAX_FD, 0ull, 1ull), &v);
	cr_assert_null(v.arg[0].path);
	fdtab__counters(t, &c);
	cr_assert_eq(c.fds_over, 2);
	for (uint32_t i = 0; i < FDTAB_MAX_PROCS + 3; i++)
		open_at(t, 1000000000u + i, "/x/a", 3, O_RDONLY);
	fdtab__counters(t, &c);
	cr_assert_eq(c.procs_over, 4); /* the first table is PID's */
	cr_assert_null(fdtab__path(t, 1000000000u + FDTAB_MAX_PROCS, 3));
	/* An exit frees a table for the next process. */
	fdtab__event(t, &(struct event){ .kind = EV_EXIT, .pid = 1000000000u }, NULL);
	open_at(t, 1000000000u + FDTAB_MAX_PROCS, "/x/a", 3, O_RDONLY);
	cr_assert_str_eq(fdtab__path(t, 1000000000u + FDTAB_MAX_PROCS, 3), "/x/a");
	fdtab__free(t);
}

/*
 * A pipe and a socket closed before their records are read: /proc has
 * nothing, the inode the kernel kept in the record names them.
 */
Test(fdtab, pipes_and_sockets_by_the_kernels_inode)
{
	struct fdtab *t = fdtab__new(2);
	int fds[2] = { 5, 6 };
	struct event ev = call(PID, SYS_pipe2, 0, NULL, 2, 0ull, 0ull);
	struct fd_view v;

	ev.args[0].bytes = (const char *)fds;
	ev.args[0].len = sizeof(fds);
	ev.ret_more[0] = 123;
	fdtab__event(t, &ev, &v);
	cr_assert_str_eq(v.pipe[0].path, "pipe:[123]");
	cr_assert_str_eq(v.pipe[1].path, "pipe:[123]");
	ev = call(PID, SYS_socket, 7, NULL, 3, (uint64_t)AF_INET, (uint64_t)SOCK_STREAM, 0ull);
	ev.ret_more[0] = 124;
	fdtab__event(t, &ev, &v);
	cr_assert_str_eq(v.ret.path, "socket:[124]");
	/* -yy: not listed by the kernel (gone), strace's protocol and inode. */
	cr_assert_str_eq(v.ret.sock, "TCP:[124]");
	/* Without the inode: the fd is not named rather than named wrong. */
	ev.ret = 8;
	ev.ret_more[0] = 0;
	fdtab__event(t, &ev, &v);
	cr_assert_null(v.ret.path);
	fdtab__free(t);
}

/* dup2 onto itself changes nothing: the close-on-exec flag stays, the exec drops it. */
Test(fdtab, dup2_onto_itself_keeps_close_on_exec)
{
	struct fdtab *t = fdtab__new(1);

	open_at(t, PID, "/x/a", 3, O_RDONLY | O_CLOEXEC);
	run(t, call(PID, SYS_dup2, 3, NULL, 2, 3ull, 3ull), NULL);
	cr_assert_str_eq(fdtab__path(t, PID, 3), "/x/a");
	run(t, call(PID, SYS_execve, 0, "/bin/true", 3, 0ull, 0ull, 0ull), NULL);
	cr_assert_null(fdtab__path(t, PID, 3));
	fdtab__free(t);
}

/* -yy: a pidfd is the process it refers to (strace's <pid:N>), -y its anonymous inode. */
Test(fdtab, pidfd_names_its_process)
{
	struct fdtab *yy = fdtab__new(2), *y = fdtab__new(1);
	struct fd_view v;

	run(yy, call(PID, SYS_pidfd_open, 3, NULL, 2, 4242ull, 0ull), &v);
	cr_assert_str_eq(v.ret.path, "anon_inode:[pidfd]");
	cr_assert_eq(v.ret.pid, 4242);
	run(y, call(PID, SYS_pidfd_open, 3, NULL, 2, 4242ull, 0ull), &v);
	cr_assert_str_eq(v.ret.path, "anon_inode:[pidfd]");
	cr_assert_eq(v.ret.pid, 0);
	fdtab__free(yy);
	fdtab__free(y);
}
