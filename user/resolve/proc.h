/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Processes: look-up of running ones and start of a command held until traced. */
#ifndef AT_PROC_H
#define AT_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A command started by proc_spawn_held, stopped before its execve. */
struct held_child {
	pid_t pid;	 /* the child's pid (= tgid) */
	int go_fd;	 /* write end: one byte releases the child */
	int err_fd;	 /* read end: the execve errno if it fails, EOF if it succeeded */
	char path[4096]; /* the executable, resolved through PATH */
};

/* Resolves a command through PATH as a shell would (as is when it has a '/'). 0 or -errno. */
int proc_find_exec(const char *cmd, char *out, size_t outlen);

/*
 * A process's start time (field 22 of /proc/PID/stat, clock ticks since boot)
 * from that file's text: what tells two processes of one pid apart. 0 or -EINVAL.
 */
int proc_stat_start(const char *stat, uint64_t *start);

/*
 * The path /proc/PID/exe names, as the process sees it, without the
 * " (deleted)" of a file removed or replaced since (*deleted says so). 0 or -errno.
 */
int proc_exe_link(pid_t pid, char *buf, size_t len, bool *deleted);

/* Thread-group id of pid (a thread id resolves to its process), or -errno (-ESRCH). */
pid_t proc_tgid(pid_t pid);

/*
 * The id of pid's mount namespace (NS_GET_MNTNS_ID, Linux 6.10 on: unique,
 * never reused; the BPF side reads the same). 0 or -errno (-ENOTTY: the
 * kernel has no such ioctl).
 */
int proc_mntns_id(pid_t pid, uint64_t *id);

/*
 * Resolves argv[0] through PATH and forks a child that waits, with default
 * signal dispositions and mask, until proc_release(). 0, or -1 with err.
 */
int proc_spawn_held(char *const argv[], struct held_child *c, char *err, size_t errlen);

/* Lets the child execve. 0 once it has, or -errno of the failed execve. */
int proc_release(struct held_child *c);

/* Kills and reaps a child that was never released (attach failed). */
void proc_abort(struct held_child *c);

#endif /* AT_PROC_H */
