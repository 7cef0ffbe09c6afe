/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Probe-file targets: every process, or processes by pid, by executable
 * (paths or globs, as each process sees its own file system: a container's
 * /usr/bin/python3 matches /usr/bin/python3*) and by command name. Running
 * ones are found in /proc now; ones that exec later are caught in the kernel
 * (sched_process_exec) by command name, executable inode or file name; a
 * match by file name (a binary replaced on disk, or one in a container) is
 * confirmed by its path as the reader gets its record.
 */
#ifndef AT_TARGETS_H
#define AT_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "probefile.h"

struct session;

/*
 * Makes the session trace t's processes: its pids (each must exist), and every
 * running and future process whose executable or command name matches, or
 * every process with all. A process already traced is left as it is. Returns
 * the number of processes added, or -1 with one line in err (nothing of t is
 * half-applied then: the kernel's exec match sets are written last), or
 * -EINTR when set-up was cancelled during the scan of /proc (the caller is
 * ending the session: what was added stays). Lines naming the processes found
 * go to log when not NULL. Each process added is handed to
 * session__follow_pid, so function probes find their files in it.
 */
int targets_apply(struct session *s, const struct pf_targets *t, FILE *log, char *err,
		  size_t errlen);

/* Whether t names processes that may appear later (all, exe, comm, containers, pods). */
bool targets_open_ended(const struct pf_targets *t);

/*
 * Whether pid's executable is one of t's exe paths or globs: its path as
 * the process sees it (/proc/PID/exe), or the very file a path names in its
 * root (a symlink such as /usr/bin/python3).
 */
bool targets_exe_matches(const struct pf_targets *t, pid_t pid);

/*
 * The same for an exec's record: path is what execve was given ("" if not
 * known). An absolute path that matches decides at once; otherwise the
 * process is looked at, and one gone by then is kept when its path was
 * relative (it cannot be told) and dropped when it was absolute.
 */
bool targets_exec_matches(const struct pf_targets *t, pid_t pid, const char *path);

/*
 * Whether pid is in a container or pod t's selectors name (by the container
 * id of its cgroup, the runtime's name and image of that container, and the
 * pod's namespace and name where the node shows them): 1 or 0, or -1 when
 * pid is gone. Names are read once per container and kept (at most 256
 * containers; an older one is read again). Thread-safe.
 */
int targets_ctr_match(const struct pf_targets *t, pid_t pid);

#endif /* AT_TARGETS_H */
