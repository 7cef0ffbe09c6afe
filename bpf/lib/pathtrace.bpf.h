/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * -P PATH: whether a syscall touches one of the traced paths, by a path
 * argument's string or an fd argument's file (its inode), decided at
 * sys_enter (an fd a call closes is gone by its exit). Global functions
 * (bpf/pathtrace.bpf.c), verified once.
 */
#ifndef AT_PATHTRACE_BPF_H
#define AT_PATHTRACE_BPF_H

#include "record.h"
#include "spec.h"

/* The paths given (-P and their resolved forms), set by the loader; 0: no path tracing. */
const volatile __u32 trace_path_n __weak = 0;

/*
 * Whether the call in rec (nr and args at entry) touches a traced path: 2 by
 * a path argument (an fd it returns is the path's file), 1 by an fd's, 0 not.
 */
int path_match(const struct at_call_rec *rec);
/*
 * 3 from path_match: a path argument could not be read at entry (its page not
 * faulted in yet); at the exit, the kernel having read it, path_match_late
 * decides by the path arguments alone: 2 or 0.
 */
int path_match_late(const struct at_call_rec *rec);
/* After a matching call returned fd: its file is traced from now on. */
int path_fd_opened(int fd);

#endif /* AT_PATHTRACE_BPF_H */
