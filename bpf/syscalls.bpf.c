// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * System call tracing: sys_enter and sys_exit paired per thread, one record per
 * call, per-syscall statistics aggregated in the kernel, and the set of traced
 * processes kept up to date across fork and exit.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "record.h"
#include "maps.bpf.h"
#include "call.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AT_ENOSYS 38 /* the errno of a syscall number that has no call */

/* Set by the loader between open and load. */
const volatile bool follow_forks = false; /* -f: children of traced processes are traced */
const volatile bool exit_only = false;	  /* no durations: sys_exit alone, no clock at entry */
/* rt_sigreturn's number: its orig_ax reads -1 at sys_exit. Set by the loader. */
const volatile __u32 nr_rt_sigreturn = AT_NR_MAX;
/* execve's number: only its path is kept at exec (exit only). Set by the loader. */
const volatile __u32 nr_execve = AT_NR_MAX;
const volatile struct at_sys_spec specs[AT_NR_MAX] = {};
/* Probe-file syscall probes may be added (-C): otherwise their code is never verified. */
const volatile bool syscall_probes = false;

/* Selected syscall numbers (-e); in .bss so the loader can change it at run time. */
__u64 selected[AT_NR_MAX / 64] = {};
/* Syscall numbers that probe-file probes watch (sys_probes lists which). */
__u64 probed[AT_NR_MAX / 64] = {};

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

/* The probe-file syscall probes on each syscall number. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AT_NR_MAX);
	__type(key, __u32);
	__type(value, struct at_sys_probes);
} sys_probes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AT_NR_MAX);
	__type(key, __u32);
	__type(value, struct at_stat);
} stats SEC(".maps");

/* The call a thread is in: entry state kept until sys_exit. */
struct inflight {
	__u32 active;		/* 1 between a selected sys_enter and its sys_exit */
	__u32 sel;		/* the call is selected by -e (not only watched by probes) */
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
} inflight SEC(".maps");

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

/* Exit only: the record being built, per CPU (a program runs to its end on one CPU). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct at_call_rec);
} exit_rec SEC(".maps");

/*
 * Exit only: the path a traced thread's exec ran, taken at sched_process_exec.
 * At sys_exit a successful execve has the new image: its path argument is
 * gone with the old one, so the record takes the path from here.
 */
struct exec_path {
	char path[AT_STR_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct exec_path);
} exec_paths SEC(".maps");

/* Bytes a buffer slot wants: the length argument, or what the call returned. */
static __always_inline __u64 slot_want(const struct at_call_rec *rec, __u8 kind, __u8 len_arg,
				       __s64 ret)
{
	__u64 lim = len_arg <= 5 ? rec->args[len_arg] : 0;

	if (kind != AT_SLOT_BUF_OUT)
		return lim;
	return len_arg <= 5 && (__u64)ret > lim ? lim : (__u64)ret;
}

/*
 * Entry slots are read at sys_enter, output buffers at sys_exit. BPF cannot
 * fault a page in: a string on a page the process has not touched yet (a
 * child's .rodata right after fork) fails at entry. The kernel faults it in
 * while it runs the call, so a failed entry read is tried again at exit,
 * except after execve, when the caller's memory is gone.
 */
static __always_inline void capture_slots(struct at_call_rec *rec, bool at_exit, __s64 ret)
{
	const volatile struct at_sys_spec *spec = &specs[rec->nr & (AT_NR_MAX - 1)];

#pragma unroll
	for (int i = 0; i < AT_SLOTS; i++) {
		__u8 kind = spec->slot_kind[i];
		bool out = kind == AT_SLOT_BUF_OUT;

		if (kind == AT_SLOT_NONE)
			continue;
		if (at_exit && !out) {
			if (!(rec->flags & (AT_CALL_FAULT0 << i)) || spec->exec)
				continue;
			rec->flags &= ~((AT_CALL_FAULT0 | AT_CALL_TRUNC0) << i);
		} else if (out != at_exit || (out && ret < 0)) {
			continue;
		}
		capture(rec, i, kind == AT_SLOT_STR_IN, spec->slot_arg[i],
			slot_want(rec, kind, spec->len_arg[i], ret), false);
	}
}

static __always_inline void account(__u32 nr, __s64 ret, __u64 dur)
{
	struct at_stat *st = bpf_map_lookup_elem(&stats, &nr);

	if (st)
		stat_add(st, ret < 0 && ret >= -4095, dur);
}

static __always_inline bool bit_set(const __u64 *bits, __u64 nr)
{
	return bits[(nr / 64) & (AT_NR_MAX / 64 - 1)] & (1ULL << (nr % 64));
}

/*
 * Runs the probe-file probes on a syscall number. At entry (exit is false)
 * only entry probes run, and every probe of a call that never returns; at exit
 * the others. Each sends the record under its own probe id.
 */
static __always_inline void run_probes(struct at_call_rec *rec, bool exit, __u64 now)
{
	__u32 nr = rec->nr;
	struct at_sys_probes *sp = bpf_map_lookup_elem(&sys_probes, &nr);
	bool noreturn = rec->flags & AT_CALL_NORETURN;
	bool failed = rec->ret < 0 && rec->ret >= -4095;
	__u16 flags = rec->flags;

	if (!sp)
		return;
	for (int i = 0; i < AT_SYS_PROBES; i++) {
		__u32 id = sp->ids[i];
		struct at_probe_spec *spec;
		bool entry;

		if (!id)
			continue; /* a free slot, or a hole left by a removed probe */
		id--;
		spec = bpf_map_lookup_elem(&probes, &id);
		if (!spec || !spec->enabled)
			continue;
		entry = spec->mode == AT_MODE_ENTRY;
		if (!noreturn && entry == exit)
			continue;
		rec->flags = entry && !noreturn ? flags | AT_CALL_ENTRY_ONLY : flags;
		probe_hit(id, rec, failed && exit, exit ? now - rec->enter_ns : 0, now);
	}
	rec->flags = flags;
}

static __always_inline bool is_selected(__u64 nr)
{
	return nr < AT_NR_MAX && bit_set(selected, nr);
}

/* Counts one call without a duration: count and errors only. */
static __always_inline void count_call(__u32 nr, __s64 ret)
{
	struct at_stat *st = bpf_map_lookup_elem(&stats, &nr);

	if (!st)
		return;
	st->count++;
	if (ret < 0 && ret >= -4095)
		st->errors++;
}

/* The arguments of a syscall: x86-64 passes them in rdi, rsi, rdx, r10, r8, r9. */
static __always_inline void args_from_regs(struct at_call_rec *rec, struct pt_regs *regs)
{
	rec->args[0] = regs->di;
	rec->args[1] = regs->si;
	rec->args[2] = regs->dx;
	rec->args[3] = regs->r10;
	rec->args[4] = regs->r8;
	rec->args[5] = regs->r9;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 nr = id;
	struct inflight *fl;
	struct at_call_rec *rec;
	bool sel, prb;

	/* Filter first: traced process, selected syscall. */
	if (!is_traced(pid_tgid >> 32))
		return 0;
	if (nr >= AT_NR_MAX)
		return 0;
	sel = bit_set(selected, nr);
	prb = syscall_probes && bit_set(probed, nr);
	if (!sel && !prb)
		return 0;

	fl = thread_state(&inflight);
	if (!fl)
		return 0;
	rec = &fl->rec;
	rec->hdr.type = AT_REC_SYSCALL;
	rec->hdr.probe_id = AT_PROBE_SYSCALLS;
	rec->hdr.pid = pid_tgid >> 32;
	rec->hdr.tid = (__u32)pid_tgid;
	rec->nr = nr;
	rec->flags = 0;
	rec->ret = 0;
	args_from_regs(rec, regs);
	*(__u16 *)&rec->slot_arg = 0xffff;
	*(__u32 *)&rec->slot_len = 0;
	rec->enter_ns = bpf_ktime_get_ns();
	rec->hdr.ts_ns = rec->enter_ns;
	if ((stream && sel) || prb)
		capture_slots(rec, false, 0);

	if (specs[nr].noreturn) {
		/* exit and exit_group never reach sys_exit: report them now. */
		rec->flags |= AT_CALL_NORETURN;
		if (sel) {
			account(nr, 0, 0);
			if (stream)
				emit(rec);
		}
		if (prb)
			run_probes(rec, false, rec->enter_ns);
		return 0;
	}
	if (prb)
		run_probes(rec, false, rec->enter_ns);
	fl->sel = sel;
	fl->active = 1;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct inflight *fl;
	struct at_call_rec *rec;
	bool prb;

	if (!is_traced(pid_tgid >> 32))
		return 0;
	fl = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), NULL, 0);
	if (!fl || !fl->active)
		return 0;
	fl->active = 0;
	rec = &fl->rec;
	rec->hdr.ts_ns = bpf_ktime_get_ns();
	rec->ret = ret;
	/* execve from a non-leader thread changes the tid: report the current one. */
	rec->hdr.tid = (__u32)pid_tgid;
	prb = syscall_probes && bit_set(probed, rec->nr);
	if (fl->sel)
		account(rec->nr, ret, rec->hdr.ts_ns - rec->enter_ns);
	if (!stream && !prb)
		return 0;
	capture_slots(rec, true, ret);
	if (fl->sel && stream) {
		rec->hdr.probe_id = AT_PROBE_SYSCALLS;
		emit(rec);
	}
	if (prb)
		run_probes(rec, true, rec->hdr.ts_ns);
	return 0;
}

/*
 * The slots of a call seen at sys_exit alone: inputs and outputs read now
 * (the registers still hold the arguments). A successful exec has the new
 * image's registers and memory: execve's path comes from what
 * sched_process_exec kept, which is the path it was given; execveat's would
 * be /dev/fd/N/... for a relative path, so it has none, and neither has an
 * execve whose path was not kept (the slot stays unused: the path prints ?).
 */
static __always_inline void capture_at_exit(struct at_call_rec *rec, __s64 ret)
{
	const volatile struct at_sys_spec *spec = &specs[rec->nr & (AT_NR_MAX - 1)];
	bool exec_done = spec->exec && ret == 0;
	struct exec_path *ep = NULL;

	if (exec_done) {
		rec->flags |= AT_CALL_ARGS_GONE;
		ep = bpf_task_storage_get(&exec_paths, bpf_get_current_task_btf(), NULL, 0);
	}
#pragma unroll
	for (int i = 0; i < AT_SLOTS; i++) {
		__u8 kind = spec->slot_kind[i];

		if (kind == AT_SLOT_NONE || (kind == AT_SLOT_BUF_OUT && ret < 0))
			continue;
		if (!exec_done) {
			capture(rec, i, kind == AT_SLOT_STR_IN, spec->slot_arg[i],
				slot_want(rec, kind, spec->len_arg[i], ret), false);
			continue;
		}
		if (kind != AT_SLOT_STR_IN || !ep || spec->slot_arg[i] != 0)
			continue;
		rec->slot_arg[i] = 0;
		str_read(rec, i, bpf_probe_read_kernel_str(rec->slot[i], str_room(), ep->path));
	}
}

/* Exit only: the fixed part of a call's record, from the registers at sys_exit (or at exit). */
static __always_inline void fill_at_exit(struct at_call_rec *rec, struct pt_regs *regs,
					 __u64 pid_tgid, __u32 nr, __s64 ret, __u16 flags)
{
	rec->hdr.type = AT_REC_SYSCALL;
	rec->hdr.probe_id = AT_PROBE_SYSCALLS;
	rec->hdr.pid = pid_tgid >> 32;
	rec->hdr.tid = (__u32)pid_tgid;
	rec->hdr.ts_ns = bpf_ktime_get_ns();
	rec->enter_ns = rec->hdr.ts_ns;
	rec->nr = nr;
	rec->flags = flags;
	rec->ret = ret;
	args_from_regs(rec, regs);
	*(__u16 *)&rec->slot_arg = 0xffff;
	*(__u32 *)&rec->slot_len = 0;
	*(__u32 *)&rec->pad = 0;
}

/*
 * Exit only: the record of a call. A call with nothing to capture (most) is
 * written in place in the ring buffer; one with strings or buffers is built
 * in per-CPU scratch and only the used part copied.
 */
static __always_inline void stream_at_exit(struct pt_regs *regs, __u64 pid_tgid, __u32 nr,
					   __s64 ret, __u16 flags)
{
	const volatile struct at_sys_spec *spec = &specs[nr & (AT_NR_MAX - 1)];
	const __u64 fixed = offsetof(struct at_call_rec, slot);
	struct at_call_rec *rec;
	__u32 zero = 0;

	if ((flags & AT_CALL_NORETURN) ||
	    (spec->slot_kind[0] == AT_SLOT_NONE && spec->slot_kind[1] == AT_SLOT_NONE)) {
		__u64 wake = rb_flags(fixed, false);

		rec = bpf_ringbuf_reserve(&events, fixed, 0);
		if (!rec) {
			count_loss(offsetof(struct at_counters, rb_lost));
			return;
		}
		fill_at_exit(rec, regs, pid_tgid, nr, ret, flags);
		bpf_ringbuf_submit(rec, wake);
		return;
	}
	rec = bpf_map_lookup_elem(&exit_rec, &zero);
	if (!rec)
		return;
	fill_at_exit(rec, regs, pid_tgid, nr, ret, flags);
	capture_at_exit(rec, ret);
	emit(rec);
}

/*
 * Without durations (exit_only): one program at sys_exit alone, no clock for
 * counting and no per-thread state. A program at sys_enter runs for every
 * syscall of every process and costs about as much as everything this one
 * does. Calls and errors are counted; with stream, the record is built from
 * the registers, which still hold the arguments. exit and exit_group never
 * return: the exiting thread reports them in sched_process_exit.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_only, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 nr;

	if (!is_traced(pid_tgid >> 32))
		return 0;
	nr = regs->orig_ax;
	/* rt_sigreturn restores the interrupted registers and sets orig_ax to -1. */
	if (nr == (__u64)-1) {
		/* syscall(-1) fails so too, with ENOSYS: not a call. */
		if (ret == -AT_ENOSYS)
			return 0;
		nr = nr_rt_sigreturn;
	}
	if (!is_selected(nr))
		return 0;
	/* A new task returns from clone or fork too, with 0: the parent's return counts the call. */
	if (ret == 0 && specs[nr].fork)
		return 0;
	count_call(nr, ret);
	if (stream)
		stream_at_exit(regs, pid_tgid, nr, ret, AT_CALL_NO_DUR);
	return 0;
}

/*
 * Exit only: exit and exit_group, which never reach sys_exit. The exiting
 * thread's user registers still hold the number of the call it made: 60 or
 * 231 exactly when it called them (a thread killed by a signal shows the call
 * it was in, or -1 when it ran user code).
 */
static __always_inline void noreturn_at_exit(struct task_struct *task)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u64 nr;

	if (!regs)
		return;
	nr = regs->orig_ax;
	if (!is_selected(nr) || !specs[nr].noreturn)
		return;
	count_call(nr, 0);
	if (stream)
		stream_at_exit(regs, bpf_get_current_pid_tgid(), nr, 0,
			       AT_CALL_NO_DUR | AT_CALL_NORETURN);
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
	rec.hdr.type = type;
	rec.hdr.ts_ns = bpf_ktime_get_ns();
	rec.hdr.pid = tgid;
	rec.hdr.tid = task->pid;
	rec.ppid = ppid;
	bpf_probe_read_kernel_str(rec.comm, sizeof(rec.comm), task->comm);
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
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *task)
{
	struct task_struct *leader = task->group_leader;
	struct at_proc_rec rec = {};
	__u32 tgid = task->tgid;

	/* Any thread, traced still or not: its state entries leave the count. */
	if (!bpf_task_storage_delete(&inflight, task))
		state_release();
	if (!bpf_task_storage_delete(&call_frames, task))
		state_release();
	if (!is_traced(tgid)) {
		/* Another thread of the group took it out of the traced set first. */
		if (exit_only && bpf_task_storage_get(&group_left, leader, NULL, 0))
			noreturn_at_exit(task);
		return 0;
	}
	/* Every exiting thread, not only the last one: each exit call counts once. */
	if (exit_only)
		noreturn_at_exit(task);
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
	rec.hdr.type = AT_REC_PROC_EXIT;
	rec.hdr.ts_ns = bpf_ktime_get_ns();
	rec.hdr.pid = tgid;
	rec.hdr.tid = task->pid;
	rec.exit_code = task->exit_code;
	bpf_probe_read_kernel_str(rec.comm, sizeof(rec.comm), task->comm);
	/* Always wake the reader: the end of a process ends the trace. */
	rb_output(&rec, sizeof(rec), true);
	return 0;
}

/* Exit only: keeps the path of a traced thread's exec for its record at sys_exit. */
static __always_inline void keep_exec_path(struct task_struct *p, struct linux_binprm *bprm)
{
	struct exec_path *ep;

	if (!exit_only || !stream || !is_selected(nr_execve))
		return;
	ep = bpf_task_storage_get(&exec_paths, p, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ep)
		bpf_probe_read_kernel_str(ep->path, sizeof(ep->path),
					  BPF_CORE_READ(bprm, filename));
}

/*
 * At exec, three things. Exit only, the path of the exec of a traced thread is
 * kept for its record. Exit only with -- CMD: the command is held in a read
 * until the probes are attached, and that read returns after attach; seen at
 * sys_exit it would pass for the command's. So the loader puts the held child
 * in the traced map only, and its bit is set here, when it executes the
 * command, before execve returns and is reported.
 * Probe-file targets by command name or executable: a process that execs a
 * matching program joins the traced set, and the reader is told.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct at_inode_key key = {};
	struct at_comm_key comm = {};
	__u32 tgid = p->tgid;

	if (is_traced(tgid)) {
		keep_exec_path(p, bprm);
		return 0;
	}
	if (bpf_map_lookup_elem(&traced, &tgid)) {
		mark_traced(tgid, true);
		keep_exec_path(p, bprm);
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
