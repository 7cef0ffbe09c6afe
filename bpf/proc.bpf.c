// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The traced set kept up to date across processes' lives: children joining
 * at fork (-f), probe-file targets joining at exec, processes leaving at
 * exit, with a record to the reader each time; per-thread state released.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "record.h"
#include "lib/capture.bpf.h"
#include "lib/frames.bpf.h"
#include "lib/pidset.bpf.h"
#include "lib/sys.bpf.h"
#include "lib/thread.bpf.h"

/* Set by the loader between open and load. */
const volatile bool follow_forks = false; /* -f: children of traced processes are traced */

/* Probe-file targets matched at exec: command names and executable inodes. */
__u32 exec_match = 0; /* nonzero when any target below is set */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AT_MAX_TARGET_COMMS);
	__type(key, struct at_comm_key);
	__type(value, __u8);
} target_comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AT_MAX_TARGET_INODES);
	__type(key, struct at_inode_key);
	__type(value, __u8);
} target_inodes SEC(".maps");

/*
 * Exit only: set on a group leader when its process leaves the traced
 * set. The thread whose exit empties the group removes the process, and may do
 * so before another exiting thread (the one that called exit_group) reaches
 * sched_process_exit: that thread finds the mark and still reports its call.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u8);
} group_left SEC(".maps");

/* A process record of type about task (the header's pid its tgid, tid its pid). */
static __always_inline void proc_rec_init(struct at_proc_rec *rec, __u32 type,
					  struct task_struct *task)
{
	rec_hdr_init(&rec->hdr, type, AT_PROBE_SYSCALLS,
		     (__u64)task->tgid << 32 | (__u32)task->pid);
	rec->hdr.ts_ns = bpf_ktime_get_ns();
	rec_cgroup(&rec->hdr);
	bpf_probe_read_kernel_str(rec->comm, sizeof(rec->comm), task->comm);
}

/*
 * A process joins the traced set in the kernel, and the reader is told with a
 * record of type (a fork with -f, an exec of a probe-file target). A full
 * table is counted.
 */
static __always_inline void join_traced(struct task_struct *task, __u32 type, __u32 ppid, bool wake)
{
	struct at_proc_rec rec = {};
	__u32 tgid = task->tgid;
	__u8 one = 1;

	if (bpf_map_update_elem(&traced, &tgid, &one, BPF_NOEXIST)) {
		count_loss(offsetof(struct at_counters, tgid_full));
		return;
	}
	mark_traced(tgid, true);
	proc_rec_init(&rec, type, task);
	rec.ppid = ppid;
	rb_output(&rec, sizeof(rec), wake);
}

/* With -f, a child forked by a traced process joins the traced set. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid, ctgid;

	if (!follow_forks)
		return 0;
	ptgid = parent->tgid;
	ctgid = child->tgid;
	/* A new thread shares the tgid and is traced already. */
	if (ptgid == ctgid || !is_traced(ptgid))
		return 0;
	join_traced(child, AT_REC_PROC_FORK, ptgid, false);
	return 0;
}

/*
 * The last thread of a traced process leaves the traced set and says so; with
 * exit only, every exiting thread that called exit or exit_group reports it.
 * The exiting task is the current one.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *task)
{
	struct task_struct *leader = task->group_leader;
	struct at_proc_rec rec = {};
	__u32 tgid = task->tgid;

	/* Any thread, traced still or not: its state entries leave the count. */
	thread_state_drop(&inflight, task);
	thread_state_drop(&call_frames, task);
	if (!is_traced(tgid)) {
		/* Another thread of the group took it out of the traced set first. */
		if (exit_only && bpf_task_storage_get(&group_left, leader, NULL, 0))
			noreturn_at_exit();
		return 0;
	}
	/* Every exiting thread, not only the last one: each exit call counts once. */
	if (exit_only)
		noreturn_at_exit();
	/* signal->live counts the threads still running; zero once the group is dead. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	/* Threads dying together may all see zero: the one whose delete succeeds reports. */
	if (bpf_map_delete_elem(&traced, &tgid))
		return 0;
	/* Marked before the bit goes: a thread that finds the bit clear finds the mark. */
	if (exit_only)
		bpf_task_storage_get(&group_left, leader, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	mark_traced(tgid, false);
	proc_rec_init(&rec, AT_REC_PROC_EXIT, task);
	rec.exit_code = task->exit_code;
	/* Always wake the reader: the end of a process ends the trace. */
	rb_output(&rec, sizeof(rec), true);
	return 0;
}

/*
 * At exec, three things. Exit only, the path of the exec of a traced thread is
 * kept for its record. Exit only with -- CMD: the command is held in a read
 * until the probes are attached, and that read returns after attach; seen at
 * sys_exit it would pass for the command's. So the loader puts the held child
 * in the traced map only, and its bit is set here, when it executes the
 * command, before execve returns and is reported.
 * Probe-file targets by command name or executable: a process that execs a
 * matching program joins the traced set, and the reader is told. p is the
 * current task.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct at_inode_key key = {};
	struct at_comm_key comm = {};
	__u32 tgid = p->tgid;

	if (is_traced(tgid)) {
		if (exit_only)
			keep_exec_path((__u64)BPF_CORE_READ(bprm, filename));
		return 0;
	}
	if (bpf_map_lookup_elem(&traced, &tgid)) {
		mark_traced(tgid, true);
		if (exit_only)
			keep_exec_path((__u64)BPF_CORE_READ(bprm, filename));
		return 0;
	}
	if (!exec_match)
		return 0;
	bpf_probe_read_kernel_str(comm.comm, sizeof(comm.comm), p->comm);
	key.ino = BPF_CORE_READ(bprm, file, f_inode, i_ino);
	key.dev = BPF_CORE_READ(bprm, file, f_inode, i_sb, s_dev);
	if (!bpf_map_lookup_elem(&target_comms, &comm) &&
	    !bpf_map_lookup_elem(&target_inodes, &key))
		return 0;
	join_traced(p, AT_REC_PROC_EXEC, 0, true);
	return 0;
}
