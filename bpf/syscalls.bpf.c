// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * System call tracing with durations: sys_enter and sys_exit paired per
 * thread, one record per call, per-syscall statistics aggregated in the
 * kernel, and the probe-file syscall probes run on the calls they watch.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "eval.h"
#include "record.h"
#include "lib/argv.bpf.h"
#include "lib/capture.bpf.h"
#include "lib/pathtrace.bpf.h"
#include "lib/pidset.bpf.h"
#include "lib/probe.bpf.h"
#include "lib/regs.bpf.h"
#include "lib/sockcap.bpf.h"
#include "lib/stack.bpf.h"
#include "lib/stats.bpf.h"
#include "lib/sys.bpf.h"
#include "lib/thread.bpf.h"

/* Probe-file syscall probes may be added (-C): otherwise their code is never verified. */
const volatile bool syscall_probes = false;

/* Syscall numbers that probe-file probes watch (sys_probes lists which). */
__u64 probed[AT_NR_MAX / 64] = {};

/* The probe-file syscall probes on each syscall number. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AT_NR_MAX);
	__type(key, __u32);
	__type(value, struct at_sys_probes);
} sys_probes SEC(".maps");

/*
 * Entry slots are read at sys_enter, output buffers at sys_exit. BPF cannot
 * fault a page in: a string on a page the process has not touched yet (a
 * child's .rodata right after fork) fails at entry. The kernel faults it in
 * while it runs the call, so a failed entry read is tried again at exit,
 * except after execve, when the caller's memory is gone. Slot i of rec at
 * entry or at exit.
 */
static __always_inline void capture_slot(struct at_call_rec *rec, __u32 i, bool at_exit, __s64 ret)
{
	const volatile struct at_sys_spec *spec;
	__u8 kind;
	bool out;

	i &= AT_SLOTS - 1;
	spec = &specs[rec->nr & (AT_NR_MAX - 1)];
	kind = spec->slot_kind[i];
	out = kind == AT_SLOT_BUF_OUT || kind == AT_SLOT_OBJ_OUT;
	if (kind == AT_SLOT_NONE)
		return;
	if (kind == AT_SLOT_ARR_OUT) {
		if (at_exit && (slot_kinds & (1u << AT_SLOT_ARR_OUT)))
			capture_arr(rec, i, spec->slot_arg[i], spec->len_arg[i], spec->elem[i],
				    ret);
		return;
	}
	/* argv: at exit, from the new image when the exec succeeded. */
	if (kind == AT_SLOT_ARGV) {
		if (at_exit && (slot_kinds & (1u << AT_SLOT_ARGV)))
			capture_argv(rec, i, spec->slot_arg[i], spec->exec && ret == 0,
				     rec->flags & AT_CALL_COMPAT);
		return;
	}
	if (kind == AT_SLOT_DIRENTS) {
		if (at_exit && (slot_kinds & (1u << AT_SLOT_DIRENTS)))
			capture_dirents(rec, i, spec->slot_arg[i], ret);
		return;
	}
	if (kind == AT_SLOT_INOUT || kind == AT_SLOT_FDSET) {
		__u8 la = spec->len_arg[i];
		__u32 n = kind == AT_SLOT_INOUT ? la :
			  la < AT_MAX_ARGS	? fdset_bytes(rec->args[la]) :
						  0;

		/* At exit, a slot the entry did not fill: as at exit alone. */
		capture_inout(rec, i, spec->slot_arg[i], n,
			      !at_exit			      ? 0 :
			      rec->slot_arg[i] == AT_ARG_NONE ? 2 :
								1,
			      ret);
		return;
	}
	/* Socket addresses, iovecs, msghdrs: their own phases (sockcap.bpf.c). */
	if (sockcap_kind(kind)) {
		if (slot_kinds & AT_SOCKCAP_KINDS)
			sockcap_slot(rec, i,
				     sockcap_how(kind, spec->slot_arg[i], spec->len_arg[i],
						 at_exit ? SOCKCAP_EXIT : SOCKCAP_ENTRY),
				     ret);
		return;
	}
	if (at_exit && !out) {
		if (!(rec->slot_flags[i] & AT_SF_FAULT) || spec->exec)
			return;
	} else if (out != at_exit || (out && ret < 0)) {
		return;
	}
	if (kind == AT_SLOT_OBJ_IN || kind == AT_SLOT_OBJ_OUT)
		capture_obj(rec, i, spec->slot_arg[i], spec->len_arg[i]);
	else if (kind == AT_SLOT_PATH_IN)
		capture_path(rec, i, spec->slot_arg[i]);
	else
		capture(rec, i, kind == AT_SLOT_STR_IN, spec->slot_arg[i],
			slot_want(rec, kind, spec->len_arg[i], ret), false);
	return;
}

/*
 * The slots at entry and at exit: global functions, the kinds' paths
 * verified once rather than once for each unrolled slot, and the exit's
 * (argv, arrays) not in sys_enter's verification at all.
 */
__attribute__((noinline)) int capture_slot_entry(struct at_call_rec *rec, __u32 i)
{
	if (rec)
		capture_slot(rec, i, false, 0);
	return 0;
}

__attribute__((noinline)) int capture_slot_exit(struct at_call_rec *rec, __u32 i, __s64 ret)
{
	if (rec)
		capture_slot(rec, i, true, ret);
	return 0;
}

/* Every slot of rec: at entry the inputs, at exit the outputs and the inputs retried. */
static __always_inline void capture_slots(struct at_call_rec *rec, bool at_exit, __s64 ret)
{
	const volatile struct at_sys_spec *spec = &specs[rec->nr & (AT_NR_MAX - 1)];

	/* Slots fill from the first: the call's empty ones cost no call. */
	for (__u32 i = 0; i < AT_SLOTS && spec->slot_kind[i] != AT_SLOT_NONE; i++) {
		if (at_exit)
			capture_slot_exit(rec, i, ret);
		else
			capture_slot_entry(rec, i);
	}
}

/* A call into the syscall statistics: a candidate's kept apart (pidset.bpf.h). */
static __always_inline void account(__u32 tgid, __u32 nr, __s64 ret, __u64 dur)
{
	struct at_stat *st = sys_stat(tgid, nr);

	if (st)
		stat_add(st, at_is_err(ret), dur);
}

/*
 * Runs the probe-file probes on a syscall number. At entry (exit is false)
 * only entry probes run, and every probe of a call that never returns; at exit
 * the others. Each sends the record under its own probe id.
 */
static __always_inline void run_probes(void *ctx, struct pt_regs *regs, struct at_call_rec *rec,
				       bool exit, __u64 now)
{
	__u32 nr = rec->nr;
	struct at_sys_probes *sp = bpf_map_lookup_elem(&sys_probes, &nr);
	bool noreturn = rec->flags & AT_CALL_NORETURN;
	bool failed = at_is_err(rec->ret);
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
		spec = live_probe(id);
		if (!spec)
			continue;
		entry = spec->mode == AT_MODE_ENTRY;
		if (!noreturn && entry == exit)
			continue;
		/* The stack action: taken once per call, sent by probe_hit with the probe's record. */
		if (stream && (spec->actions & AT_ACT_STACK) && !stack_of(&rec->hdr, rec->enter_ns))
			stack_take(ctx, regs->sp, ((__u64)rec->hdr.pid << 32) | rec->hdr.tid,
				   rec->enter_ns);
		/* The probe's record: told apart from plain tracing's, whose id may be the same. */
		rec->flags = AT_CALL_SYS_PROBE |
			     (entry && !noreturn ? flags | AT_CALL_ENTRY_ONLY : flags);
		probe_hit(id, rec, failed && exit, exit ? now - rec->enter_ns : 0, now);
	}
	rec->flags = flags;
}

/*
 * Sends a plain tracing record; with -k its user stack first, from the user
 * registers regs, the record flagged so that a lost stack is told.
 */
static __always_inline void emit_with_stack(void *ctx, struct pt_regs *regs,
					    struct at_call_rec *rec, __u64 now)
{
	struct at_stack_rec *s;

	if (!stack_all) {
		emit(rec);
		return;
	}
	s = stack_take(ctx, regs->sp, ((__u64)rec->hdr.pid << 32) | rec->hdr.tid, rec->enter_ns);
	if (s)
		stack_emit(s, AT_PROBE_SYSCALLS, now);
	rec->flags |= AT_CALL_STACK;
	emit(rec);
	rec->flags &= ~AT_CALL_STACK;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct inflight *fl;
	struct at_call_rec *rec;
	bool sel, prb, shd, compat;
	__u64 nr;

	/* Filter first: traced process, selected syscall. */
	if (!is_traced(pid_tgid >> 32))
		return 0;
	compat = sys_compat();
	nr = sys_key(id, compat);
	if (nr >= AT_NR_MAX)
		return 0;
	sel = bit_set(selected, nr);
	prb = syscall_probes && bit_set(probed, nr);
	shd = is_shadowed(nr);
	if (!sel && !prb && !shd)
		return 0;

	fl = thread_state(&inflight);
	if (!fl)
		return 0;
	rec = &fl->rec;
	call_rec_init(rec, AT_REC_SYSCALL, AT_PROBE_SYSCALLS, pid_tgid);
	rec->nr = nr;
	if (compat)
		rec->flags = AT_CALL_COMPAT;
	sys_args_of(rec->args, regs, compat);
	/* -P: only calls touching a traced path, decided now (a closed fd is gone at exit). */
	if (trace_path_n) {
		int m = sel ? path_match(rec) : 0;

		/* 3: a path unreadable yet, decided at the exit (path_match_late). */
		fl->path_hit = m == 2 ? 1 : m == 3 ? 3 : 0;
		if (!m) {
			sel = false;
			/* -y's fd tables still follow it. */
			if (!prb && !shd)
				return 0;
		}
	}
	rec->enter_ns = bpf_ktime_get_ns();
	rec->hdr.ts_ns = rec->enter_ns;
	if ((stream && (sel || shd)) || prb)
		capture_slots(rec, false, 0);

	if (specs[nr].noreturn) {
		/* exit and exit_group never reach sys_exit: report them now. */
		rec->flags |= AT_CALL_NORETURN;
		if (sel) {
			account(rec->hdr.pid, nr, 0, 0);
			if (stream && status_wanted(0, true))
				emit_with_stack(ctx, regs, rec, rec->enter_ns);
		}
		if (prb)
			run_probes(ctx, regs, rec, false, rec->enter_ns);
		return 0;
	}
	if (prb)
		run_probes(ctx, regs, rec, false, rec->enter_ns);
	fl->sel = sel;
	fl->shd = shd;
	fl->active = 1;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct inflight *fl;
	struct at_call_rec *rec;
	bool prb, want, shadow;

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
	/* -P: a path the entry could not read is there now (the kernel faulted it in). */
	if (trace_path_n && fl->path_hit == 3) {
		fl->path_hit = path_match_late(rec) == 2;
		if (!fl->path_hit)
			fl->sel = 0;
		if (!fl->sel && !prb && !fl->shd)
			return 0;
	}
	if (fl->sel)
		account(rec->hdr.pid, rec->nr, ret, rec->hdr.ts_ns - rec->enter_ns);
	if (trace_path_n && fl->path_hit && ret >= 0 && specs[rec->nr & (AT_NR_MAX - 1)].ret_fd)
		path_fd_opened((int)ret);
	/* A record for -e's calls, but not those -z, -Z or status= leave out. */
	want = fl->sel && stream && status_wanted(ret, false);
	/* -y: a call that changes fds goes to the table anyway, flagged not to be shown. */
	shadow = !want && fl->shd;
	if (!want && !shadow && !prb)
		return 0;
	capture_slots(rec, true, ret);
	if (fl->shd)
		keep_fd_inode(rec, true);
	/* A successful exec's entry strings were read at entry; their rest went with the image. */
	if (ret == 0 && specs[rec->nr & (AT_NR_MAX - 1)].exec)
		cut_ext(rec);
	if (want || shadow) {
		rec->hdr.probe_id = AT_PROBE_SYSCALLS;
		if (shadow) {
			/* For the fd table alone: no line, so no stack either. */
			rec->flags |= AT_CALL_SHADOW;
			emit(rec);
			rec->flags &= ~AT_CALL_SHADOW;
		} else {
			emit_with_stack(ctx, regs, rec, rec->hdr.ts_ns);
		}
	}
	if (prb)
		run_probes(ctx, regs, rec, true, rec->hdr.ts_ns);
	return 0;
}
