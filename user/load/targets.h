/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Probe-file targets: processes by pid, by executable (paths or globs) and by
 * command name. Running ones are found in /proc now; ones that exec later are
 * caught in the kernel (sched_process_exec) by executable inode or by name.
 */
#ifndef AT_TARGETS_H
#define AT_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "probefile.h"

struct session;

/*
 * Makes the session trace t's processes: its pids (each must exist), and every
 * running and future process whose executable or command name matches. A
 * process already traced is left as it is. Returns the number of processes
 * added, or -1 with one line in err (nothing of t is half-applied then: the
 * kernel's exec match sets are written last), or -EINTR when set-up was
 * cancelled during the scan of /proc (the caller is ending the session: what
 * was added stays). Lines naming the processes found go to log when not NULL.
 */
int targets_apply(struct session *s, const struct pf_targets *t, FILE *log, char *err,
		  size_t errlen);

/* Whether t names processes that may appear later (exe or comm), so tracing waits for them. */
bool targets_open_ended(const struct pf_targets *t);

#endif /* AT_TARGETS_H */
