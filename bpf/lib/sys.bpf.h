/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the syscall programs share (syscalls.bpf.c paired, syscalls_exit.bpf.c
 * exit only, proc.bpf.c at exit and exec): the settings the loader writes, the
 * selection, the per-syscall statistics and the thread's call in flight.
 */
#ifndef AT_SYS_BPF_H
#define AT_SYS_BPF_H

#include <bpf/bpf_core_read.h>

#include "eval.h"
#include "spec.h"
#include "pidset.bpf.h"
#include "ringbuf.bpf.h"
#include "stats.bpf.h"

/* Set by the loader between open and load. */
const volatile bool exit_only __weak = false; /* no durations: sys_exit alone, no clock */
/* execve's keys, 64 and 32-bit: only its path is kept at exec (exit only). Set by the loader. */
const volatile __u32 nr_execve __weak = AT_NR_MAX;
const volatile __u32 nr_execve32 __weak = AT_NR_MAX;
const volatile struct at_sys_spec specs[AT_NR_MAX] __weak = {};
/*
 * The slot kinds the calls this run can record have (bit k: kind k), set by
 * the loader: the capture a run never needs is dead code to the verifier,
 * its functions never verified (argv and sockets are most of the work).
 */
const volatile __u32 slot_kinds __weak = ~0u;

/*
 * Which calls make records (-z, -Z, -e status=): AT_STATUS_* bits, every call
 * by default. Counts and statistics take every call whatever it says.
 */
const volatile __u8 status_mask __weak = AT_STATUS_ALL;

/* Whether a call that returned ret (noreturn: never returns) makes a record. */
static __always_inline bool status_wanted(__s64 ret, bool noreturn)
{
	if (noreturn)
		return status_mask & AT_STATUS_UNFINISHED;
	return status_mask & (at_is_err(ret) ? AT_STATUS_FAILED : AT_STATUS_SUCCESSFUL);
}

/* Selected syscall numbers (-e); in .bss so the loader can change it at run time. */
__u64 selected[AT_NR_MAX / 64] __weak = {};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AT_NR_MAX);
	__type(key, __u32);
	__type(value, struct at_stat);
} stats __weak SEC(".maps");

/* Syscall nr's statistics entry: a candidate's own (pidset.bpf.h), or the totals. */
static __always_inline struct at_stat *sys_stat(__u32 tgid, __u32 nr)
{
	struct at_pending_acct *a;

	if (!is_pending(tgid))
		return bpf_map_lookup_elem(&stats, &nr);
	a = pending_get(tgid, AT_PENDING_SYS | nr);
	if (a)
		return &a->st;
	count_loss(offsetof(struct at_counters, pending_full));
	return bpf_map_lookup_elem(&stats, &nr);
}

/* The call a thread is in: entry state kept until sys_exit. */
struct inflight {
	__u32 active;	/* 1 between a selected sys_enter and its sys_exit */
	__u16 sel;	/* the call is selected by -e (not only watched by probes) */
	__u16 path_hit; /* -P: a path argument matched (an fd it returns joins) */
	__u32 shd;	/* -y: the call changes fds (is_shadowed) */
	__u32 pad;
	struct at_call_rec rec; /* the record being built */
};

/*
 * Task local storage: one entry per traced thread, freed by the kernel when the
 * thread exits, so a thread that dies inside a call leaves nothing behind.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inflight);
} inflight __weak SEC(".maps");

static __always_inline bool bit_set(const __u64 *bits, __u64 nr)
{
	return bits[(nr / 64) & (AT_NR_MAX / 64 - 1)] & (1ULL << (nr % 64));
}

/*
 * -y: the calls that change a process's fds (open, dup, close, exec...),
 * recorded for userspace's fd table whatever -e selects, with
 * AT_CALL_SHADOW when -e (or -z, -Z, status=) would leave them out; never
 * counted in the statistics. Empty without -y, and with -c (no records).
 */
__u64 shadowed[AT_NR_MAX / 64] __weak = {};

static __always_inline bool is_shadowed(__u64 nr)
{
	return stream && nr < AT_NR_MAX && bit_set(shadowed, nr);
}

/*
 * -y: calls whose result is a new fd (open, socket, accept, dup...), and
 * those (pipe, pipe2) that write two fds to the int[2] in slot 0. Their
 * records carry the new file's inode in ret_more[0]: a pipe or socket closed
 * before userspace reads the record still has its name (pipe:[INODE]).
 */
__u64 fd_result[AT_NR_MAX / 64] __weak = {};
__u64 fd_pair[AT_NR_MAX / 64] __weak = {};

/* The inode of the current task's open file fd, 0 when there is none. */
static __always_inline __u64 fd_inode(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *f = NULL;

	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return 0;
	return BPF_CORE_READ(f, f_inode, i_ino);
}

/*
 * ret_more[0] of a -y call that made an fd: its inode (slots captured
 * already; slots false: rec has only its fixed part, written in place).
 */
static __always_inline void keep_fd_inode(struct at_call_rec *rec, bool slots)
{
	__u64 nr = rec->nr;
	long fd;

	if (rec->ret < 0 || nr >= AT_NR_MAX)
		return;
	if (bit_set(fd_result, nr))
		fd = rec->ret;
	else if (slots && bit_set(fd_pair, nr) && rec->slot_arg[0] == 0 && rec->slot_len[0] >= 8)
		fd = *(int *)rec->slot[0];
	else
		return;
	rec->ret_more[0] = fd_inode(fd);
}

static __always_inline bool is_selected(__u64 nr)
{
	return nr < AT_NR_MAX && bit_set(selected, nr);
}

/* Bytes a buffer slot wants: the length argument, or what the call returned. */
static __always_inline __u64 slot_want(const struct at_call_rec *rec, __u8 kind, __u8 len_arg,
				       __s64 ret)
{
	__u64 lim = len_arg < AT_MAX_ARGS ? rec->args[len_arg] : 0;

	if (kind != AT_SLOT_BUF_OUT)
		return lim;
	return len_arg < AT_MAX_ARGS && (__u64)ret > lim ? lim : (__u64)ret;
}

/*
 * Exit only (syscalls_exit.bpf.c): the current thread's exit or exit_group
 * call, which never reaches sys_exit, reported from sched_process_exit; and
 * the path of its exec kept for its record at sys_exit. Global functions,
 * called from proc.bpf.c; the path is the kernel pointer as a number.
 */
int noreturn_at_exit(void);
int keep_exec_path(__u64 filename);

#endif /* AT_SYS_BPF_H */
