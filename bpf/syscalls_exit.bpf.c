// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * System call tracing without durations (exit only): one program at sys_exit
 * alone, no clock at entry and no per-thread state; exit and exit_group,
 * which never return, reported from sched_process_exit (proc.bpf.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "eval.h"
#include "record.h"
#include "lib/argv.bpf.h"
#include "lib/capture.bpf.h"
#include "lib/pidset.bpf.h"
#include "lib/regs.bpf.h"
#include "lib/sockcap.bpf.h"
#include "lib/stack.bpf.h"
#include "lib/sys.bpf.h"

#define AT_ENOSYS 38 /* the errno of a syscall number that has no call */

/* rt_sigreturn's keys, 64 and 32-bit: its orig_ax reads -1 at sys_exit. Set by the loader. */
const volatile __u32 nr_rt_sigreturn = AT_NR_MAX;
const volatile __u32 nr_rt_sigreturn32 = AT_NR_MAX;

/* The record being built, per CPU (a program runs to its end on one CPU). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct at_call_rec);
} exit_rec SEC(".maps");

/*
 * The path a traced thread's exec ran, taken at sched_process_exec. At
 * sys_exit a successful execve has the new image: its path argument is gone
 * with the old one, so the record takes the path from here.
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

/* Counts one call without a duration: count and errors only. */
static __always_inline void count_call(__u32 tgid, __u32 nr, __s64 ret)
{
	struct at_stat *st = sys_stat(tgid, nr);

	if (!st)
		return;
	st->count++;
	if (at_is_err(ret))
		st->errors++;
}

/*
 * The slots of a call seen at sys_exit alone: inputs and outputs read now
 * (the registers still hold the arguments). A successful exec has the new
 * image's registers and memory: execve's path comes from what
 * sched_process_exec kept, which is the path it was given; execveat's would
 * be /dev/fd/N/... for a relative path, so it has none, and neither has an
 * execve whose path was not kept (the slot stays unused: the path prints ?).
 */
/*
 * Slot i of a call seen at sys_exit alone (capture_at_exit). A global
 * function: the verifier checks the slot kinds' paths once, not once per
 * unrolled slot of every caller (they made sys_exit_only's verification
 * take most of a second at start).
 */
__attribute__((noinline)) int capture_exit_slot(struct at_call_rec *rec, __u32 i, __s64 ret,
						int exec_done)
{
	const volatile struct at_sys_spec *spec;
	struct exec_path *ep;
	__u8 kind;

	if (!rec)
		return 0;
	i &= AT_SLOTS - 1;
	spec = &specs[rec->nr & (AT_NR_MAX - 1)];
	kind = spec->slot_kind[i];
	if (kind == AT_SLOT_NONE ||
	    ((kind == AT_SLOT_BUF_OUT || kind == AT_SLOT_OBJ_OUT) && ret < 0))
		return 0;
	if (kind == AT_SLOT_ARGV) {
		if (slot_kinds & (1u << AT_SLOT_ARGV))
			capture_argv(rec, i, spec->slot_arg[i], exec_done,
				     rec->flags & AT_CALL_COMPAT);
		return 0;
	}
	if (kind == AT_SLOT_ARR_OUT) {
		if (slot_kinds & (1u << AT_SLOT_ARR_OUT))
			capture_arr(rec, i, spec->slot_arg[i], spec->len_arg[i], spec->elem[i],
				    ret);
		return 0;
	}
	if (kind == AT_SLOT_DIRENTS) {
		if (slot_kinds & (1u << AT_SLOT_DIRENTS))
			capture_dirents(rec, i, spec->slot_arg[i], ret);
		return 0;
	}
	if (!exec_done && (kind == AT_SLOT_INOUT || kind == AT_SLOT_FDSET)) {
		__u8 la = spec->len_arg[i];

		capture_inout(rec, i, spec->slot_arg[i],
			      kind == AT_SLOT_INOUT ? la :
			      la < AT_MAX_ARGS	    ? fdset_bytes(rec->args[la]) :
						      0,
			      2, ret);
		return 0;
	}
	if (sockcap_kind(kind) && !(slot_kinds & AT_SOCKCAP_KINDS))
		return 0;
	if (!exec_done && sockcap_kind(kind)) {
		sockcap_slot(rec, i,
			     sockcap_how(kind, spec->slot_arg[i], spec->len_arg[i],
					 SOCKCAP_EXIT_ONLY),
			     ret);
		return 0;
	}
	if (!exec_done && (kind == AT_SLOT_OBJ_IN || kind == AT_SLOT_OBJ_OUT)) {
		capture_obj(rec, i, spec->slot_arg[i], spec->len_arg[i]);
		return 0;
	}
	if (!exec_done && kind == AT_SLOT_PATH_IN) {
		capture_path(rec, i, spec->slot_arg[i]);
		return 0;
	}
	if (!exec_done) {
		capture(rec, i, kind == AT_SLOT_STR_IN, spec->slot_arg[i],
			slot_want(rec, kind, spec->len_arg[i], ret), false);
		return 0;
	}
	if (kind != AT_SLOT_PATH_IN || spec->slot_arg[i] != 0)
		return 0;
	ep = bpf_task_storage_get(&exec_paths, bpf_get_current_task_btf(), NULL, 0);
	if (!ep)
		return 0;
	rec->slot_arg[i] = 0;
	path_read(rec, i, bpf_probe_read_kernel_str(rec->slot[i], AT_STR_MAX, ep->path));
	return 0;
}

static __always_inline void capture_at_exit(struct at_call_rec *rec, __s64 ret)
{
	const volatile struct at_sys_spec *spec = &specs[rec->nr & (AT_NR_MAX - 1)];
	bool exec_done = spec->exec && ret == 0;

	if (exec_done)
		rec->flags |= AT_CALL_ARGS_GONE;
	/* Slots fill from the first: the call's empty ones cost no call. */
	for (__u32 i = 0; i < AT_SLOTS && spec->slot_kind[i] != AT_SLOT_NONE; i++)
		capture_exit_slot(rec, i, ret, exec_done);
}

/* The fixed part of a call's record, from the registers at sys_exit (or at exit). */
static __always_inline void fill_at_exit(struct at_call_rec *rec, struct pt_regs *regs,
					 __u64 pid_tgid, __u32 nr, __s64 ret, __u16 flags,
					 __u64 now)
{
	call_rec_init(rec, AT_REC_SYSCALL, AT_PROBE_SYSCALLS, pid_tgid);
	rec->hdr.ts_ns = now;
	rec->enter_ns = rec->hdr.ts_ns;
	rec->nr = nr;
	rec->flags = flags;
	rec->ret = ret;
	sys_args_of(rec->args, regs, flags & AT_CALL_COMPAT);
}

/*
 * The record of a call. A call with nothing to capture (most) is written in
 * place in the ring buffer; one with strings or buffers is built in per-CPU
 * scratch and only the used part copied. With -k its stack goes first, before
 * the call's room is reserved: the ring buffer keeps the order of
 * reservations. ctx: the tracepoint's, NULL at the thread's exit.
 */
static __always_inline void stream_at_exit(void *ctx, struct pt_regs *regs, __u64 pid_tgid,
					   __u32 nr, __s64 ret, __u16 flags)
{
	const volatile struct at_sys_spec *spec = &specs[nr & (AT_NR_MAX - 1)];
	const __u64 fixed = offsetof(struct at_call_rec, slot);
	__u64 now = bpf_ktime_get_ns();
	struct at_call_rec *rec;
	__u32 zero = 0;

	/* A record for the fd table alone (-y) has no line: no stack. */
	if (stack_all && !(flags & AT_CALL_SHADOW)) {
		struct at_stack_rec *s = stack_take(ctx, regs->sp, pid_tgid, now);

		if (s)
			stack_emit(s, AT_PROBE_SYSCALLS, now);
		flags |= AT_CALL_STACK;
	}

	if ((flags & AT_CALL_NORETURN) ||
	    (spec->slot_kind[0] == AT_SLOT_NONE && spec->slot_kind[1] == AT_SLOT_NONE)) {
		__u64 wake = rb_flags(fixed, false);

		rec = bpf_ringbuf_reserve(&events, fixed, 0);
		if (!rec) {
			count_loss(offsetof(struct at_counters, rb_lost));
			return;
		}
		fill_at_exit(rec, regs, pid_tgid, nr, ret, flags, now);
		if (is_shadowed(nr))
			keep_fd_inode(rec, false);
		rec_cgroup(&rec->hdr);
		bpf_ringbuf_submit(rec, wake);
		rb_wake_reader();
		return;
	}
	rec = bpf_map_lookup_elem(&exit_rec, &zero);
	if (!rec)
		return;
	fill_at_exit(rec, regs, pid_tgid, nr, ret, flags, now);
	capture_at_exit(rec, ret);
	if (is_shadowed(nr))
		keep_fd_inode(rec, true);
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
	bool compat, sel;
	__u16 flags;
	__u64 nr;

	if (!is_traced(pid_tgid >> 32))
		return 0;
	compat = sys_compat();
	nr = sys_nr(regs);
	/* rt_sigreturn restores the interrupted registers and sets orig_ax to -1. */
	if (nr == (__u64)-1) {
		/* syscall(-1) fails so too, with ENOSYS: not a call. */
		if (ret == -AT_ENOSYS)
			return 0;
		nr = compat ? nr_rt_sigreturn32 : nr_rt_sigreturn;
	} else {
		nr = sys_key(nr, compat);
	}
	sel = is_selected(nr);
	if (!sel && !is_shadowed(nr))
		return 0;
	/* A new task returns from clone or fork too, with 0: the parent's return counts the call. */
	if (ret == 0 && specs[nr & (AT_NR_MAX - 1)].fork)
		return 0;
	flags = compat ? AT_CALL_NO_DUR | AT_CALL_COMPAT : AT_CALL_NO_DUR;
	if (sel)
		count_call(pid_tgid >> 32, nr, ret);
	/* -y: a call that changes fds goes to the table anyway, flagged not to be shown. */
	if (!sel || !status_wanted(ret, false))
		flags |= AT_CALL_SHADOW;
	if (stream && (!(flags & AT_CALL_SHADOW) || is_shadowed(nr)))
		stream_at_exit(ctx, regs, pid_tgid, nr, ret, flags);
	return 0;
}

/*
 * exit and exit_group, which never reach sys_exit, for the current (exiting)
 * thread. Its user registers still hold the number of the call it made: 60
 * or 231 exactly when it called them (a thread killed by a signal shows the
 * call it was in, or -1 when it ran user code).
 */
__attribute__((noinline)) int noreturn_at_exit(void)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	bool compat = sys_compat();
	__u64 nr;

	if (!regs)
		return 0;
	nr = sys_key(sys_nr(regs), compat);
	if (!is_selected(nr) || !specs[nr & (AT_NR_MAX - 1)].noreturn)
		return 0;
	count_call(bpf_get_current_pid_tgid() >> 32, nr, 0);
	if (stream && status_wanted(0, true))
		stream_at_exit(NULL, regs, bpf_get_current_pid_tgid(), nr, 0,
			       compat ? AT_CALL_NO_DUR | AT_CALL_NORETURN | AT_CALL_COMPAT :
					AT_CALL_NO_DUR | AT_CALL_NORETURN);
	return 0;
}

/* Keeps the path (filename, a kernel pointer) of the current thread's exec for sys_exit. */
__attribute__((noinline)) int keep_exec_path(__u64 filename)
{
	struct exec_path *ep;

	if (!exit_only || !stream || !is_selected(sys_compat() ? nr_execve32 : nr_execve))
		return 0;
	ep = bpf_task_storage_get(&exec_paths, bpf_get_current_task_btf(), NULL,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ep)
		bpf_probe_read_kernel_str(ep->path, sizeof(ep->path), (const void *)filename);
	return 0;
}
