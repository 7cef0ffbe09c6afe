/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * execve's argv and the count of its envp, read at the call's exit into one
 * capture slot, for strace's ["ls", "-la"] and its count of variables:
 * after a successful exec from the new image's initial stack, which no code
 * of it has touched yet (argc, the strings at mm->arg_start, the envp
 * pointers after argv's); after a failed one from the caller's own arrays,
 * still there.
 */
#ifndef AT_ARGV_BPF_H
#define AT_ARGV_BPF_H

#include "record.h"

/*
 * Slot i of rec gets struct at_argv_head then argv's strings (argument arg),
 * each with its NUL, as many as fit; cut ones are flagged truncated. ok: the
 * exec succeeded; compat: a 32-bit call (4-byte pointers). A global function
 * (bpf/argv.bpf.c): the verifier checks its loops once for every program.
 */
int capture_argv(struct at_call_rec *rec, __u32 i, __u32 arg, int ok, int compat);

#endif /* AT_ARGV_BPF_H */
