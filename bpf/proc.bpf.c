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
#include "lib/gocalls.bpf.h"
#include "lib/pidset.bpf.h"
#include "lib/sys.bpf.h"
#include "lib/thread.bpf.h"

/* Set by the loader between open and load. */
const volatile bool follow_forks = false; /* -f: children of traced processes are traced */

/* Probe-file targets matched at exec: command names, executable inodes and file names. */
__u32 exec_match = 0; /* nonzero when any target below is set */
/* Bit L set: some target's file name starts with an L-byte prefix in target_names. */
__u32 exec_name_lens = 0;
/* Every exec's file name is a candidate (a glob whose name starts with a wildcard). */
__u32 exec_name_any = 0;
/* A traced process's exec is reported (AT_EXEC_TRACED): its function probes follow the image. */
__u32 exec_report = 0;
/* Container or pod targets: decided per mount namespace (target_mntns), children included. */
__u32 exec_ctr = 0;

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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AT_MAX_TARGET_NAMES);
	__type(key, struct at_name_key);
	__type(value, __u8);
} target_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AT_MAX_TARGET_MNTNS);
	__type(key, __u64);
	__type(value, __u8);
} target_mntns SEC(".maps");

/* mnt_namespace before ns_common had an id (6.18): its seq, unique too. */
struct mnt_namespace___seq {
	__u64 seq;
} __attribute__((preserve_access_index));

/*
 * The id of task's mount namespace, as NS_GET_MNTNS_ID gives it to
 * userspace: ns_common.ns_id, or the older seq; the inode number (which is
 * reused) on kernels with neither.
 */
static __always_inline __u64 mntns_key(struct task_struct *task)
{
	struct mnt_namespace *ns = BPF_CORE_READ(task, nsproxy, mnt_ns);

	if (bpf_core_field_exists(ns->ns.ns_id))
		return BPF_CORE_READ(ns, ns.ns_id);
	if (bpf_core_field_exists(((struct mnt_namespace___seq *)ns)->seq))
		return BPF_CORE_READ((struct mnt_namespace___seq *)ns, seq);
	return BPF_CORE_READ(ns, ns.inum);
}

/* The verdict on task's mount namespace: 1 target, 0 not, -1 none yet. */
static __always_inline int mntns_verdict(struct task_struct *task)
{
	__u64 key = mntns_key(task);
	__u8 *v = bpf_map_lookup_elem(&target_mntns, &key);

	return v ? *v : -1;
}

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
static __always_inline void join_traced(struct task_struct *task, __u32 type, __u32 ppid, bool wake,
					__u32 flags, struct linux_binprm *bprm)
{
	struct at_exec_rec rec = {};
	__u32 tgid = task->tgid;
	__u8 one = 1;

	if (bpf_map_update_elem(&traced, &tgid, &one, BPF_NOEXIST)) {
		count_loss(offsetof(struct at_counters, tgid_full));
		return;
	}
	/* A candidate's counts wait apart, and it gets no signal, until the reader decides. */
	mark_pending(tgid, flags && !(flags & ~(AT_EXEC_NAME | AT_EXEC_CTR)));
	mark_traced(tgid, true);
	proc_rec_init(&rec.proc, type, task);
	rec.proc.ppid = ppid;
	rec.proc.flags = flags;
	/* A candidate is confirmed by path or container: its path and namespace go with it. */
	if (bprm && (flags & (AT_EXEC_NAME | AT_EXEC_CTR))) {
		rec.mntns = mntns_key(task);
		bpf_probe_read_kernel_str(rec.path, sizeof(rec.path),
					  BPF_CORE_READ(bprm, filename));
		rb_output(&rec, sizeof(rec), wake);
		return;
	}
	rb_output(&rec.proc, sizeof(rec.proc), wake);
}

/*
 * With -f, a child forked by a traced process joins the traced set; without,
 * one in a target container does (every process in it is a target).
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid, ctgid;

	if (!follow_forks && !exec_ctr)
		return 0;
	ptgid = parent->tgid;
	ctgid = child->tgid;
	/* A new thread shares the tgid and is traced already. */
	if (ptgid == ctgid || !is_traced(ptgid))
		return 0;
	if (!follow_forks && mntns_verdict(child) != 1)
		return 0;
	join_traced(child, AT_REC_PROC_FORK, ptgid, false, 0, NULL);
	return 0;
}

/*
 * A traced process's Go calls without return (lib/gocalls.bpf.h), taken out
 * and counted when its last thread exits. Defined before sched_process_exit
 * so that it is attached first and runs first: the counters are final when
 * the reader sees the exit record. Loaded with the function probes where the
 * kernel has bpf_for_each_map_elem (5.13).
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(go_exit_sweep, struct task_struct *task)
{
	__u32 tgid = task->tgid;

	if (is_traced(tgid) && BPF_CORE_READ(task, signal, live.counter) == 0)
		go_sweep(tgid);
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
 * Whether the exec'ed file's name matches a target's: whole, or a prefix of
 * one of the lengths exec_name_lens has. The name is NUL-padded in 4 words;
 * a prefix keeps the first L bytes of them.
 */
static __always_inline bool name_matches(struct linux_binprm *bprm)
{
	struct at_name_key key = {}, pre;
	const unsigned char *name = BPF_CORE_READ(bprm, file, f_path.dentry, d_name.name);
	__u32 lens = exec_name_lens;
	__u64 *w = (__u64 *)key.name, *pw = (__u64 *)pre.name;

	if (exec_name_any)
		return true;
	if (bpf_probe_read_kernel_str(key.name, sizeof(key.name) - 1, name) <= 0)
		return false;
	if (bpf_map_lookup_elem(&target_names, &key))
		return true;
	for (__u32 l = 1; l < AT_NAME_LEN && lens; l++) {
		if (!(lens & (1u << l)))
			continue;
		for (__u32 i = 0; i < AT_NAME_LEN / 8; i++) {
			__u32 lo = i * 8;

			pw[i] = l >= lo + 8 ? w[i] :
				l <= lo	    ? 0 :
					      w[i] & ((1ULL << ((l - lo) * 8)) - 1);
		}
		if (bpf_map_lookup_elem(&target_names, &pre))
			return true;
	}
	return false;
}

/*
 * At exec, four things. Exit only, the path of the exec of a traced thread is
 * kept for its record. Exit only with -- CMD: the command is held in a read
 * until the probes are attached, and that read returns after attach; seen at
 * sys_exit it would pass for the command's. So the loader puts the held child
 * in the traced map only, and its bit is set here, when it executes the
 * command, before execve returns and is reported.
 * A traced process's new image is reported when function probes must find
 * their files in it (exec_report).
 * Probe-file targets by command name, executable inode or file name: a
 * process that execs a matching program joins the traced set, and the reader
 * is told; a match by name alone is the reader's to confirm by path (a
 * replaced binary, or one inside a container, has an inode no set holds).
 * p is the current task.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct at_inode_key key = {};
	struct at_comm_key comm = {};
	__u32 tgid = p->tgid, flags = 0;

	if (is_traced(tgid)) {
		if (exit_only)
			keep_exec_path((__u64)BPF_CORE_READ(bprm, filename));
		if (exec_report) {
			struct at_proc_rec rec = {};

			proc_rec_init(&rec, AT_REC_PROC_EXEC, p);
			rec.flags = AT_EXEC_TRACED;
			rb_output(&rec, sizeof(rec), true);
		}
		return 0;
	}
	if (bpf_map_lookup_elem(&traced, &tgid)) {
		mark_traced(tgid, true);
		if (exit_only)
			keep_exec_path((__u64)BPF_CORE_READ(bprm, filename));
		return 0;
	}
	if (!exec_match && !exec_ctr)
		return 0;
	bpf_probe_read_kernel_str(comm.comm, sizeof(comm.comm), p->comm);
	key.ino = BPF_CORE_READ(bprm, file, f_inode, i_ino);
	key.dev = BPF_CORE_READ(bprm, file, f_inode, i_sb, s_dev);
	if (bpf_map_lookup_elem(&target_comms, &comm))
		flags |= AT_EXEC_COMM;
	if (bpf_map_lookup_elem(&target_inodes, &key))
		flags |= AT_EXEC_INODE;
	if (!flags && exec_ctr) {
		int v = mntns_verdict(p);

		if (v == 1)
			flags |= AT_EXEC_MNTNS;
		else if (v < 0)
			flags |= AT_EXEC_CTR;
	}
	/* A candidate by container may match by name too: the reader tries both. */
	if (!(flags & ~AT_EXEC_CTR) && name_matches(bprm))
		flags |= AT_EXEC_NAME;
	if (!flags)
		return 0;
	join_traced(p, AT_REC_PROC_EXEC, 0, true, flags, bprm);
	return 0;
}
